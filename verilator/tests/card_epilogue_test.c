/* SPDX-License-Identifier: MIT */
/*
 * card_epilogue_test.c - the card's per-value output stage (rtl/fpq_epilogue.sv and its
 * FMA, encoder and requantizer) against libfpq, bit for bit, on random and adversarial
 * values: every output format of both paths, every activation, saturating and not.
 * The oracles are libfpq's own pieces (fmaf as the reference epilogue uses it,
 * fpq_encode, fpq_bf16_from_fp32, fpq_mul_i32_f32, fpq_requant_multiply).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "epilogue_model.h"
#include "fpq.h"
#include "harness.h"
#include "rtl_errors_check.h"
#include "internal.h"
#include "rng.h"

#define N_VALUES 100000

static struct epi_model *model;

static uint32_t bits_of(float f)
{
	uint32_t b;

	memcpy(&b, &f, sizeof(b));
	return b;
}

static float float_of(uint32_t b)
{
	float f;

	memcpy(&f, &b, sizeof(f));
	return f;
}

/* A binary32 value from a mix that reaches every corner of the datapath. */
static uint32_t pick_float(struct rng *r)
{
	static const uint32_t specials[] = {
		0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001,
		0x7f800001, 0x00000001, 0x80000001, 0x007fffff, 0x00800000, 0x7f7fffff,
		0xff7fffff, 0x3f800000, 0xbf800000, 0x43e00000 /* 448 */, 0x47600000 /* 57344 */,
		0x41e00000 /* 28 */, 0x40f00000 /* 7.5 */, 0x40c00000 /* 6 */, 0x42fe0000 /* 127 */,
		0x42ff0000 /* 127.5 */, 0x3f000000 /* 0.5 */, 0x3fc00000 /* 1.5 */,
	};
	uint32_t sign = rng_u32(r) & 0x80000000u;

	switch (rng_below(r, 8)) {
	case 0:
		return specials[rng_below(r, sizeof(specials) / sizeof(specials[0]))];
	case 1:
		return rng_u32(r);
	case 2: /* subnormal */
		return sign | (rng_u32(r) & 0x007fffffu);
	case 3: /* near a narrow format's range: exponent -12..17, few mantissa bits */
		return sign | (uint32_t)(127 - 12 + rng_below(r, 30)) << 23 |
		       (rng_u32(r) & 0x007f0000u) | (rng_below(r, 4) == 0 ? 0x8000u : 0);
	case 4: /* huge or tiny */
		return sign | (uint32_t)(rng_below(r, 2) ? 250 + rng_below(r, 5) : 1 + rng_below(r, 10)) << 23 |
		       (rng_u32(r) & 0x007fffffu);
	default: /* moderate */
		return sign | (uint32_t)(127 - 20 + rng_below(r, 40)) << 23 | (rng_u32(r) & 0x007fffffu);
	}
}

static uint32_t canonical(float f)
{
	return isnan(f) ? 0x7fc00000u : bits_of(f);
}

static int f32_lt(uint32_t a, uint32_t b)
{
	return float_of(a) < float_of(b);
}

/* ---- float path ---------------------------------------------------------------- */

static void run_float(struct rng *r, enum fpq_format fmt, enum fpq_activation act, int nonsat)
{
	static struct epi_in in[N_VALUES];
	static struct epi_out out[N_VALUES];
	struct epi_op op = { 0 };
	uint32_t lo = 0, hi = 0;

	if (act == FPQ_ACT_CLAMP) {
		float a = float_of(pick_float(r)), b = float_of(pick_float(r));

		if (isnan(a) || isnan(b)) {
			a = -2.5f;
			b = 3.0f;
		}
		lo = bits_of(a < b ? a : b);
		hi = bits_of(a < b ? b : a);
	}
	op.int8_path = 0;
	op.fmt_c = (uint8_t)fmt;
	op.act = (uint8_t)act;
	op.clamp_lo = lo;
	op.clamp_hi = hi;
	op.nonsat = nonsat;
	epi_model_set_op(model, &op);

	for (int i = 0; i < N_VALUES; i++) {
		in[i] = (struct epi_in){ 0 };
		in[i].acc = pick_float(r);
		in[i].alpha = rng_below(r, 4) ? pick_float(r) : 0x3f800000u;
		if (rng_below(r, 4) == 0) {
			/* beta cancelling most of acc * alpha: exercises the wide sum */
			float p = float_of(in[i].acc) * float_of(in[i].alpha);

			in[i].beta = bits_of(-p) ^ (rng_below(r, 2) ? 1u : 0u);
		} else {
			in[i].beta = rng_below(r, 4) ? pick_float(r) : 0;
		}
	}
	epi_model_run(model, in, out, N_VALUES);

	for (int i = 0; i < N_VALUES; i++) {
		struct fpq_quant_stats qs = { 0, 0, 0 };
		uint32_t y = canonical(fmaf(float_of(in[i].acc), float_of(in[i].alpha),
					    float_of(in[i].beta)));
		int clamped = 0;
		uint32_t code;

		if (act == FPQ_ACT_RELU && f32_lt(y, 0)) {
			y = 0;
			clamped = 1;
		} else if (act == FPQ_ACT_CLAMP && f32_lt(y, lo)) {
			y = lo;
			clamped = 1;
		} else if (act == FPQ_ACT_CLAMP && f32_lt(hi, y)) {
			y = hi;
			clamped = 1;
		}
		if (fmt == FPQ_FMT_FP32)
			code = y;
		else if (fmt == FPQ_FMT_BF16)
			code = fpq_bf16_from_fp32(float_of(y));
		else
			code = fpq_encode(fmt, float_of(y), nonsat ? FPQ_QUANT_NONSAT : 0, &qs);
		CHECK(out[i].code == code && out[i].y == y && out[i].clamped == clamped &&
		      out[i].saturated == (int)qs.saturated &&
		      out[i].nan_to_zero == (int)qs.nan_to_zero &&
		      out[i].overflowed == (int)qs.overflowed,
		      "%s act %d nonsat %d: fmaf(%08x, %08x, %08x): card code %08x y %08x "
		      "flags c%d s%d n%d o%d, expected %08x %08x c%d s%d n%d o%d",
		      fpq_format_name(fmt), (int)act, nonsat, in[i].acc, in[i].alpha, in[i].beta,
		      out[i].code, out[i].y, out[i].clamped, out[i].saturated, out[i].nan_to_zero,
		      out[i].overflowed, code, y, clamped, (int)qs.saturated,
		      (int)qs.nan_to_zero, (int)qs.overflowed);
	}
}

static void test_float_fp32_all_acts(void)
{
	struct rng r = rng_seeded(1);

	for (int act = 0; act < 3; act++)
		run_float(&r, FPQ_FMT_FP32, (enum fpq_activation)act, 0);
}

static void test_float_bf16(void)
{
	struct rng r = rng_seeded(2);

	run_float(&r, FPQ_FMT_BF16, FPQ_ACT_NONE, 0);
	run_float(&r, FPQ_FMT_BF16, FPQ_ACT_CLAMP, 0);
}

static void test_float_narrow_formats(void)
{
	static const enum fpq_format fmts[] = { FPQ_FMT_E4M3, FPQ_FMT_E5M2, FPQ_FMT_E3M2,
						FPQ_FMT_E2M3, FPQ_FMT_E2M1, FPQ_FMT_MXINT8,
						FPQ_FMT_INT8 };
	struct rng r = rng_seeded(3);

	for (unsigned int f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++)
		for (int nonsat = 0; nonsat < 2; nonsat++)
			run_float(&r, fmts[f], nonsat ? FPQ_ACT_NONE : FPQ_ACT_RELU, nonsat);
}

/* ---- INT8 path ----------------------------------------------------------------- */

static int32_t pick_i32(struct rng *r)
{
	switch (rng_below(r, 5)) {
	case 0: {
		static const int32_t s[] = { 0, 1, -1, INT32_MAX, INT32_MIN, 127, -128,
					     1 << 30, -(1 << 30) };
		return s[rng_below(r, sizeof(s) / sizeof(s[0]))];
	}
	case 1:
		return (int32_t)rng_u32(r);
	default:
		return (int32_t)rng_u32(r) >> rng_below(r, 31);
	}
}

static void run_int8(struct rng *r, enum fpq_format fmt)
{
	static struct epi_in in[N_VALUES];
	static struct epi_out out[N_VALUES];
	struct epi_op op = { 0 };

	op.int8_path = 1;
	op.fmt_c = (uint8_t)fmt;
	if (fmt == FPQ_FMT_INT8) {
		int a = (int)rng_below(r, 256) - 128, b = (int)rng_below(r, 256) - 128;

		op.out_zero = (int32_t)rng_below(r, 256) - 128;
		op.act_min = a < b ? a : b;
		op.act_max = a < b ? b : a;
		if (rng_below(r, 2)) {
			op.act_min = -128;
			op.act_max = 127;
		}
	}
	epi_model_set_op(model, &op);
	for (int i = 0; i < N_VALUES; i++) {
		in[i] = (struct epi_in){ 0 };
		in[i].acc = (uint32_t)pick_i32(r);
		in[i].bias = rng_below(r, 2) ? (uint32_t)pick_i32(r) : 0;
		in[i].oscale = pick_float(r);
		in[i].mult = (uint32_t)(rng_below(r, 4) ? (int32_t)(rng_u32(r) | 0x40000000u) & 0x7fffffff
							: pick_i32(r));
		in[i].shift = (int8_t)((int)rng_below(r, 62) - 31);
	}
	epi_model_run(model, in, out, N_VALUES);
	for (int i = 0; i < N_VALUES; i++) {
		int32_t acc = (int32_t)(in[i].acc + in[i].bias);
		uint32_t code;
		int clamped = 0;

		if (fmt == FPQ_FMT_INT32) {
			code = (uint32_t)acc;
		} else if (fmt == FPQ_FMT_FP32) {
			code = bits_of(fpq_mul_i32_f32(acc, float_of(in[i].oscale)));
		} else {
			int64_t y = (int64_t)fpq_requant_multiply(acc, (int32_t)in[i].mult,
								  in[i].shift) + op.out_zero;

			if (y < op.act_min) {
				y = op.act_min;
				clamped = 1;
			} else if (y > op.act_max) {
				y = op.act_max;
				clamped = 1;
			}
			code = (uint8_t)(int8_t)y;
		}
		CHECK(out[i].code == code && out[i].clamped == clamped,
		      "%s: acc %08x bias %08x scale %08x mult %08x shift %d zero %d clamp %d..%d: "
		      "card %08x c%d, expected %08x c%d", fpq_format_name(fmt), in[i].acc,
		      in[i].bias, in[i].oscale, in[i].mult, in[i].shift, op.out_zero, op.act_min,
		      op.act_max, out[i].code, out[i].clamped, code, clamped);
	}
}

static void test_int8_int32_out(void)
{
	struct rng r = rng_seeded(4);

	run_int8(&r, FPQ_FMT_INT32);
}

static void test_int8_fp32_out(void)
{
	struct rng r = rng_seeded(5);

	run_int8(&r, FPQ_FMT_FP32);
}

static void test_int8_requantized_out(void)
{
	struct rng r = rng_seeded(6);

	for (int rep = 0; rep < 4; rep++)
		run_int8(&r, FPQ_FMT_INT8);
}

/* Every case: no assertion of the epilogue failed (rtl/fpq_assert.svh). */
static void no_rtl_errors(void)
{
	check_no_new_rtl_errors(epi_model_rtl_errors(model));
}

int main(void)
{
	model = epi_model_create(rng_seeded(7).s);
	harness.after_case = no_rtl_errors;
	RUN(test_float_fp32_all_acts);
	RUN(test_float_bf16);
	RUN(test_float_narrow_formats);
	RUN(test_int8_int32_out);
	RUN(test_int8_fp32_out);
	RUN(test_int8_requantized_out);
	epi_model_destroy(model);
	return harness_report();
}
