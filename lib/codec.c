// SPDX-License-Identifier: MIT
/*
 * codec.c - the element formats: their facts, decoding and rounding to them.
 *
 * Every float format here is a small IEEE-like format (sign, exponent with bias,
 * fraction, subnormals) that differs only in which top codes mean Inf/NaN, so one
 * parameterised decoder and one encoder serve all of them.
 */
#include <math.h>
#include <string.h>

#include "fpq_hw_regs.h"
#include "internal.h"

/*
 * The formats' storage and encoding are the card's contract (FPQ_HW_FORMATS, generated
 * from rtl/regs/fpq_hw_spec.py); the largest finite value, what the top finite code
 * decodes to, is libfpq's own.
 */
#define MAX_FINITE_INT8 127.0f
#define MAX_FINITE_E4M3 448.0f
#define MAX_FINITE_E5M2 57344.0f
#define MAX_FINITE_E3M2 28.0f
#define MAX_FINITE_E2M3 7.5f
#define MAX_FINITE_E2M1 6.0f
#define MAX_FINITE_MXINT8 (127.0f / 64.0f)
#define MAX_FINITE_E8M0 0x1p127f
#define MAX_FINITE_INT32 2147483647.0f
#define MAX_FINITE_FP32 0x1.fffffep127f
#define MAX_FINITE_BF16 0x1.fep127f

#define FORMAT_INFO(NAME, name, code, bits, group_elems, group_bytes, exp_bits, man_bits, \
		    bias, has_inf, has_nan, mx_emax, is_operand, is_output) \
	[code] = { name, bits, group_elems, group_bytes, exp_bits, man_bits, bias, \
		   MAX_FINITE_##NAME, has_inf, has_nan, mx_emax, is_operand },
#define SAME_CODE(NAME, name, code, ...) \
	static_assert(FPQ_FMT_##NAME == code, "enum fpq_format is the contract's enum fmt");

FPQ_HW_FORMATS(SAME_CODE)
static_assert(FPQ_FMT_COUNT == FPQ_HW_FMT_COUNT, "every format of the contract");

static const struct fpq_format_info formats[FPQ_FMT_COUNT] = { FPQ_HW_FORMATS(FORMAT_INFO) };

const struct fpq_format_info *fpq_format_info(enum fpq_format fmt)
{
	if ((int)fmt <= FPQ_FMT_INVALID || fmt >= FPQ_FMT_COUNT)
		return NULL;
	return &formats[fmt];
}

const char *fpq_format_name(enum fpq_format fmt)
{
	const struct fpq_format_info *fi = fpq_format_info(fmt);

	return fi ? fi->name : "invalid";
}

enum fpq_format fpq_format_from_name(const char *name)
{
	if (!name)
		return FPQ_FMT_INVALID;
	for (int f = FPQ_FMT_INVALID + 1; f < FPQ_FMT_COUNT; f++)
		if (strcmp(formats[f].name, name) == 0)
			return (enum fpq_format)f;
	return FPQ_FMT_INVALID;
}

static bool is_small_int(enum fpq_format fmt)
{
	return fmt == FPQ_FMT_INT8 || fmt == FPQ_FMT_MXINT8;
}

/* The code's special meaning in the formats that have Inf or NaN. */
static enum fpq_elem_class special_class(enum fpq_format fmt, uint32_t e, uint32_t m)
{
	const struct fpq_format_info *fi = &formats[fmt];
	uint32_t emask = (1u << fi->exp_bits) - 1, mmask = (1u << fi->man_bits) - 1;

	if (fmt == FPQ_FMT_E4M3 && e == emask && m == mmask)
		return FPQ_ELEM_NAN;
	if (fmt == FPQ_FMT_E5M2 && e == emask)
		return m ? FPQ_ELEM_NAN : FPQ_ELEM_INF;
	return FPQ_ELEM_FINITE;
}

int fpq_elem_lsb_exp(enum fpq_format fmt)
{
	if (fmt == FPQ_FMT_INT8)
		return 0;
	if (fmt == FPQ_FMT_MXINT8)
		return -6;
	/* Subnormal quantum: 2^(1 - bias - man_bits). */
	return 1 - formats[fmt].bias - formats[fmt].man_bits;
}

struct fpq_elem fpq_elem_decode(enum fpq_format fmt, uint32_t code)
{
	const struct fpq_format_info *fi = &formats[fmt];
	struct fpq_elem r = { FPQ_ELEM_FINITE, 0, 0 };

	if (is_small_int(fmt)) {
		r.sig = (int8_t)(uint8_t)code;
		return r;
	}
	uint32_t nbits = fi->bits;
	code &= (1u << nbits) - 1;
	uint32_t s = code >> (nbits - 1);
	uint32_t e = (code >> fi->man_bits) & ((1u << fi->exp_bits) - 1);
	uint32_t m = code & ((1u << fi->man_bits) - 1);

	r.cls = special_class(fmt, e, m);
	r.negative = (int)s;
	if (r.cls != FPQ_ELEM_FINITE)
		return r;
	/* Subnormal: m quanta; normal: (1.m) shifted up by e - 1 quanta binades. */
	int64_t mag = e == 0 ? (int64_t)m : (int64_t)((1u << fi->man_bits) | m) << (e - 1);
	r.sig = s ? -mag : mag;
	return r;
}

static FPQ_FP_WORK float decode(enum fpq_format fmt, uint32_t code)
{
	const struct fpq_format_info *fi = fpq_format_info(fmt);

	if (!fi || !fi->is_element)
		return NAN;
	struct fpq_elem el = fpq_elem_decode(fmt, code);

	switch (el.cls) {
	case FPQ_ELEM_NAN:
		return fpq_canonical(NAN);
	case FPQ_ELEM_INF:
		return el.negative ? -INFINITY : INFINITY;
	default:
		break;
	}
	if (el.sig == 0)
		return (!is_small_int(fmt) && el.negative) ? -0.0f : 0.0f;
	/* Exact: at most 8 significant bits, well inside binary32 range. */
	return ldexpf((float)el.sig, fpq_elem_lsb_exp(fmt));
}

float fpq_decode(enum fpq_format fmt, uint32_t code)
{
	struct fpq_fp_env env = fpq_fp_enter();
	float r = decode(fmt, code);

	fpq_fp_leave(env);
	return r;
}

/* Largest finite code (positive) of a minifloat. */
static uint32_t max_code(enum fpq_format fmt)
{
	const struct fpq_format_info *fi = &formats[fmt];
	uint32_t all = (1u << (fi->bits - 1)) - 1;

	/* E4M3's all-ones is NaN; E5M2's top binade is Inf/NaN. */
	if (fmt == FPQ_FMT_E4M3)
		return all - 1;
	if (fmt == FPQ_FMT_E5M2)
		return all - (1u << fi->man_bits);
	return all;
}

static uint32_t nan_code(enum fpq_format fmt)
{
	/* Positive, all-ones fraction: a quiet NaN in both FP8 formats. */
	return (1u << (formats[fmt].bits - 1)) - 1;
}

static uint32_t inf_code(enum fpq_format fmt)
{
	return ((1u << formats[fmt].exp_bits) - 1) << formats[fmt].man_bits;
}

/* Result of a value too large for the format (after rounding). */
static uint32_t overflow_code(enum fpq_format fmt, uint32_t sign, unsigned int flags,
			      struct fpq_quant_stats *st)
{
	const struct fpq_format_info *fi = &formats[fmt];

	if ((flags & FPQ_QUANT_NONSAT) && (fi->has_inf || fi->has_nan)) {
		if (st)
			st->overflowed++;
		/* NaN results are always the positive canonical code. */
		return fi->has_inf ? sign | inf_code(fmt) : nan_code(fmt);
	}
	if (st)
		st->saturated++;
	return sign | max_code(fmt);
}

static uint32_t encode_int(enum fpq_format fmt, double v, struct fpq_quant_stats *st)
{
	if (isnan(v)) {
		if (st)
			st->nan_to_zero++;
		return 0;
	}
	double q = rint(fmt == FPQ_FMT_MXINT8 ? v * 64.0 : v);

	if (q > 127.0 || q < -127.0) {
		if (st)
			st->saturated++;
		q = q > 0 ? 127.0 : -127.0;
	}
	return (uint32_t)(uint8_t)(int8_t)q;
}

uint32_t fpq_encode_double(enum fpq_format fmt, double v, unsigned int flags,
			   struct fpq_quant_stats *st)
{
	if (is_small_int(fmt))
		return encode_int(fmt, v, st);

	const struct fpq_format_info *fi = &formats[fmt];
	uint32_t sign = signbit(v) ? 1u << (fi->bits - 1) : 0;

	if (isnan(v)) {
		if (fi->has_nan)
			return nan_code(fmt);
		if (st)
			st->nan_to_zero++;
		return 0;
	}
	double a = fabs(v);

	if (isinf(a))
		return overflow_code(fmt, sign, flags, st);
	if (a == 0.0)
		return sign;

	/*
	 * Round to a multiple of the quantum of a's binade (never below the subnormal
	 * quantum). a has at most 53 significant bits, so the scaling is exact and rint()
	 * (round-to-nearest-even in the default mode) does the only rounding.
	 */
	int emin = 1 - fi->bias;
	int e = ilogb(a);

	if (e < emin)
		e = emin;
	int qexp = e - fi->man_bits;
	double r = rint(ldexp(a, -qexp));

	if (ldexp(r, qexp) > (double)fi->max_finite)
		return overflow_code(fmt, sign, flags, st);

	uint32_t mant = (uint32_t)r;
	uint32_t hidden = 1u << fi->man_bits;

	if (mant < hidden)              /* subnormal (or zero) */
		return sign | mant;
	if (mant == 2 * hidden) {       /* rounding carried into the next binade */
		mant = hidden;
		e++;
	}
	return sign | (uint32_t)(e + fi->bias) << fi->man_bits | (mant - hidden);
}

static FPQ_FP_WORK uint32_t encode(enum fpq_format fmt, float v, unsigned int flags,
				   struct fpq_quant_stats *stats)
{
	const struct fpq_format_info *fi = fpq_format_info(fmt);

	if (!fi || !fi->is_element)
		return 0;
	return fpq_encode_double(fmt, (double)v, flags, stats);
}

uint32_t fpq_encode(enum fpq_format fmt, float v, unsigned int flags,
		    struct fpq_quant_stats *stats)
{
	struct fpq_fp_env env = fpq_fp_enter();
	uint32_t r = encode(fmt, v, flags, stats);

	fpq_fp_leave(env);
	return r;
}

int32_t fpq_e8m0_exponent(uint8_t code)
{
	return code == 0xFF ? INT32_MIN : (int32_t)code - 127;
}

static FPQ_FP_WORK uint16_t bf16_from_fp32(float v)
{
	uint32_t bits;

	if (isnan(v))
		return 0x7FC0;
	memcpy(&bits, &v, sizeof(bits));
	/* RNE on the 16 dropped bits; a carry into the exponent is the right answer. */
	bits += 0x7FFFu + ((bits >> 16) & 1u);
	return (uint16_t)(bits >> 16);
}

uint16_t fpq_bf16_from_fp32(float v)
{
	struct fpq_fp_env env = fpq_fp_enter();
	uint16_t r = bf16_from_fp32(v);

	fpq_fp_leave(env);
	return r;
}

static FPQ_FP_WORK float bf16_to_fp32(uint16_t v)
{
	uint32_t bits = (uint32_t)v << 16;
	float f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

float fpq_bf16_to_fp32(uint16_t v)
{
	struct fpq_fp_env env = fpq_fp_enter();
	float r = bf16_to_fp32(v);

	fpq_fp_leave(env);
	return r;
}
