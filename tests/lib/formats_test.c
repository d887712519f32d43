// SPDX-License-Identifier: MIT
/*
 * formats_test.c - element codecs, quantization, packing, MX blocks and bfloat16
 * against the independent model of exact_model.c.
 */
#include <float.h>
#include <math.h>
#include <mpfr.h>
#include <stdio.h>
#include <string.h>

#include "exact_model.h"
#include "harness.h"
#include "internal.h"
#include "rng.h"

static const enum fpq_format elem_formats[] = {
	FPQ_FMT_INT8, FPQ_FMT_E4M3, FPQ_FMT_E5M2, FPQ_FMT_E3M2,
	FPQ_FMT_E2M3, FPQ_FMT_E2M1, FPQ_FMT_MXINT8,
};
#define N_ELEM (sizeof(elem_formats) / sizeof(elem_formats[0]))

static uint32_t fbits(float v)
{
	uint32_t b;

	memcpy(&b, &v, sizeof(b));
	return b;
}

static int is_int_format(enum fpq_format f)
{
	return f == FPQ_FMT_INT8 || f == FPQ_FMT_MXINT8;
}

/* Every code decodes to the model's value, sign of zero included. */
static void decode_exhaustive(void)
{
	mpq_t want, got;

	mpq_inits(want, got, (mpq_ptr)0);
	for (size_t i = 0; i < N_ELEM; i++) {
		enum fpq_format f = elem_formats[i];
		unsigned int bits = fpq_format_info(f)->bits;

		for (uint32_t c = 0; c < model_code_count(f); c++) {
			enum model_class cls = model_decode(f, c, want);
			float v = fpq_decode(f, c);

			switch (cls) {
			case MODEL_NAN:
				CHECK_EQ_U(fbits(v), 0x7FC00000u, "%s code 0x%x", fpq_format_name(f), c);
				break;
			case MODEL_POS_INF:
				CHECK(isinf(v) && v > 0, "%s code 0x%x", fpq_format_name(f), c);
				break;
			case MODEL_NEG_INF:
				CHECK(isinf(v) && v < 0, "%s code 0x%x", fpq_format_name(f), c);
				break;
			default:
				CHECK(isfinite(v), "%s code 0x%x", fpq_format_name(f), c);
				if (!isfinite(v))
					break;
				mpq_set_d(got, v);
				CHECK(mpq_equal(got, want), "%s code 0x%x decodes to %a",
				      fpq_format_name(f), c, (double)v);
				if (!is_int_format(f))
					CHECK(!!signbit(v) == !!(c >> (bits - 1)),
					      "%s code 0x%x sign", fpq_format_name(f), c);
				break;
			}
		}
	}
	mpq_clears(want, got, (mpq_ptr)0);
}

/* encode(decode(c)) == c; NaN codes re-encode to the canonical NaN code 0x7F. */
static void reencode_exhaustive(void)
{
	for (size_t i = 0; i < N_ELEM; i++) {
		enum fpq_format f = elem_formats[i];

		for (uint32_t c = 0; c < model_code_count(f); c++) {
			struct fpq_quant_stats st = { 0, 0, 0 };
			float v = fpq_decode(f, c);
			uint32_t back = fpq_encode(f, v, 0, &st);

			if (isnan(v))
				CHECK_EQ_U(back, 0x7F, "%s NaN code 0x%x", fpq_format_name(f), c);
			else if (f == FPQ_FMT_INT8 && c == 0x80)
				CHECK_EQ_U(back, 0x81, "int8 -128 saturates to -127");
			else if (f == FPQ_FMT_MXINT8 && c == 0x80)
				CHECK_EQ_U(back, 0x81, "mxint8 -2.0 saturates to -127/64");
			else if (isinf(v))
				/* Saturating mode: +-Inf becomes +-max. */
				CHECK_EQ_U(back, (c & 0x80) | 0x7B, "e5m2 inf code 0x%x", c);
			else
				CHECK_EQ_U(back, c, "%s code 0x%x (%a)", fpq_format_name(f), c,
					   (double)v);
			if (isnan(v) || isinf(v) || c == 0x80)
				continue;
			CHECK(st.saturated == 0 && st.nan_to_zero == 0 && st.overflowed == 0,
			      "%s code 0x%x counted a change", fpq_format_name(f), c);
		}
	}
}

/* The facts of numerics.rst's table, from the model's values. */
static void format_facts(void)
{
	static const struct { enum fpq_format f; double max, min_sub; unsigned int finite; } t[] = {
		{ FPQ_FMT_E4M3, 448, 0x1p-9, 254 },
		{ FPQ_FMT_E5M2, 57344, 0x1p-16, 248 },
		{ FPQ_FMT_E3M2, 28, 0x1p-4, 64 },
		{ FPQ_FMT_E2M3, 7.5, 0x1p-3, 64 },
		{ FPQ_FMT_E2M1, 6, 0x1p-1, 16 },
	};
	mpq_t q;

	mpq_init(q);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		double max = 0, min_sub = INFINITY;
		unsigned int finite = 0;

		for (uint32_t c = 0; c < model_code_count(t[i].f); c++) {
			float v = fpq_decode(t[i].f, c);

			if (!isfinite(v))
				continue;
			finite++;
			max = fmax(max, v);
			if (v > 0)
				min_sub = fmin(min_sub, v);
		}
		CHECK(max == t[i].max, "%s max %g", fpq_format_name(t[i].f), max);
		CHECK(min_sub == t[i].min_sub, "%s min %a", fpq_format_name(t[i].f), min_sub);
		CHECK(finite == t[i].finite, "%s has %u finite codes", fpq_format_name(t[i].f),
		      finite);
		CHECK((double)fpq_format_info(t[i].f)->max_finite == t[i].max, "%s info max",
		      fpq_format_name(t[i].f));
	}
	CHECK(fpq_e8m0_exponent(0) == -127 && fpq_e8m0_exponent(254) == 127 &&
	      fpq_e8m0_exponent(0xFF) == INT32_MIN, "e8m0 exponents");
	CHECK(fpq_format_from_name("e2m3") == FPQ_FMT_E2M3 &&
	      fpq_format_from_name("nope") == FPQ_FMT_INVALID, "format names");
	mpq_clear(q);
}

static void compare_quantize(enum fpq_format f, float v, int nonsat, long *mismatches)
{
	struct fpq_quant_stats ls = { 0, 0, 0 };
	struct model_qstats ms = { 0, 0, 0 };
	uint32_t got = fpq_encode(f, v, nonsat ? FPQ_QUANT_NONSAT : 0, &ls);
	uint32_t want = model_quantize(f, v, nonsat, &ms);

	if (got != want || ls.saturated != ms.saturated || ls.nan_to_zero != ms.nan_to_zero ||
	    ls.overflowed != ms.overflowed) {
		(*mismatches)++;
		CHECK(0, "%s%s of %a (0x%08x): got 0x%x (sat %llu nan %llu ovf %llu), model 0x%x "
		      "(sat %llu nan %llu ovf %llu)", fpq_format_name(f), nonsat ? " nonsat" : "",
		      (double)v, fbits(v), got, (unsigned long long)ls.saturated,
		      (unsigned long long)ls.nan_to_zero, (unsigned long long)ls.overflowed, want,
		      (unsigned long long)ms.saturated, (unsigned long long)ms.nan_to_zero,
		      (unsigned long long)ms.overflowed);
	}
}

/* All binary32 values next to every rounding boundary, both signs, both modes. */
static void quantize_boundaries(void)
{
	long mismatches = 0, tested = 0;

	for (size_t i = 0; i < N_ELEM; i++) {
		enum fpq_format f = elem_formats[i];
		float vals[300];
		int n = 0;

		/* The format's non-negative finite values, sorted, plus one step past max. */
		for (uint32_t c = 0; c < model_code_count(f); c++) {
			float v = fpq_decode(f, c);

			if (isfinite(v) && !signbit(v) && v >= 0)
				vals[n++] = v;
		}
		for (int a = 0; a < n; a++)
			for (int b = a + 1; b < n; b++)
				if (vals[b] < vals[a]) {
					float t = vals[a];

					vals[a] = vals[b];
					vals[b] = t;
				}
		vals[n] = vals[n - 1] + (vals[n - 1] - vals[n - 2]);
		n++;
		for (int k = 0; k + 1 < n; k++) {
			float pts[3] = { vals[k], (vals[k] + vals[k + 1]) / 2, vals[k + 1] };

			for (int p = 0; p < 3; p++) {
				float x = pts[p];

				for (int step = -3; step <= 3; step++) {
					float y = x;

					for (int s = 0; s < (step < 0 ? -step : step); s++)
						y = nextafterf(y, step < 0 ? -INFINITY : INFINITY);
					for (int nonsat = 0; nonsat < 2; nonsat++) {
						compare_quantize(f, y, nonsat, &mismatches);
						compare_quantize(f, -y, nonsat, &mismatches);
						tested += 2;
					}
				}
			}
		}
		/* Far outside the range, and the specials. */
		float extra[] = { INFINITY, -INFINITY, NAN, -NAN, 0x1p127f, 0x1p-149f, FLT_MIN,
				  3.4e38f, -0.0f };

		for (size_t e = 0; e < sizeof(extra) / sizeof(extra[0]); e++)
			for (int nonsat = 0; nonsat < 2; nonsat++) {
				compare_quantize(f, extra[e], nonsat, &mismatches);
				tested++;
			}
	}
	printf("  %ld boundary values compared, %ld mismatches\n", tested, mismatches);
}

/* Millions of random values: random bit patterns, and values spread over each range. */
static void quantize_random(void)
{
	struct rng r = rng_seeded(0x51);
	long mismatches = 0, tested = 0;

	for (size_t i = 0; i < N_ELEM; i++) {
		enum fpq_format f = elem_formats[i];
		int top = ilogbf(fpq_format_info(f)->max_finite);

		for (int n = 0; n < 200000 && mismatches < 20; n++) {
			float bitsv = rng_float_bits(&r);
			/* Mantissa random, exponent within 12 binades below and 2 above max. */
			float spread = ldexpf(1.0f + (float)rng_below(&r, 1u << 23) * 0x1p-23f,
					      top + 2 - (int)rng_below(&r, 16));

			if (rng_u32(&r) & 1)
				spread = -spread;
			for (int nonsat = 0; nonsat < 2; nonsat++) {
				compare_quantize(f, bitsv, nonsat, &mismatches);
				compare_quantize(f, spread, nonsat, &mismatches);
				tested += 2;
			}
		}
	}
	printf("  %ld random values compared, %ld mismatches\n", tested, mismatches);
}

/* Specific policies spelled out in numerics.rst. */
static void quantize_policies(void)
{
	struct fpq_quant_stats st = { 0, 0, 0 };

	CHECK_EQ_U(fpq_encode(FPQ_FMT_E4M3, INFINITY, 0, &st), 0x7E, "e4m3 +inf -> +448");
	CHECK_EQ_U(fpq_encode(FPQ_FMT_E4M3, -INFINITY, 0, &st), 0xFE, "e4m3 -inf -> -448");
	CHECK_EQ_U(fpq_encode(FPQ_FMT_E4M3, 1e6f, FPQ_QUANT_NONSAT, &st), 0x7F, "overflow NaN");
	CHECK_EQ_U(fpq_encode(FPQ_FMT_E4M3, 464.0f, FPQ_QUANT_NONSAT, &st), 0x7E,
		   "464 ties to even 448");
	CHECK_EQ_U(fpq_encode(FPQ_FMT_E5M2, 61440.0f, FPQ_QUANT_NONSAT, &st), 0x7C,
		   "61440 ties to even Inf");
	CHECK_EQ_U(fpq_encode(FPQ_FMT_E5M2, 61440.0f, 0, &st), 0x7B, "saturates to 57344");
	CHECK_EQ_U(fpq_encode(FPQ_FMT_E5M2, NAN, 0, &st), 0x7F, "e5m2 NaN stays NaN");
	CHECK(st.nan_to_zero == 0 && st.saturated == 3 && st.overflowed == 2,
	      "counts %llu %llu %llu", (unsigned long long)st.nan_to_zero,
	      (unsigned long long)st.saturated, (unsigned long long)st.overflowed);
	memset(&st, 0, sizeof(st));
	CHECK_EQ_U(fpq_encode(FPQ_FMT_E2M3, NAN, 0, &st), 0, "e2m3 NaN -> +0");
	CHECK_EQ_U(fpq_encode(FPQ_FMT_INT8, NAN, 0, &st), 0, "int8 NaN -> 0");
	CHECK(st.nan_to_zero == 2, "NaN to zero counted");
	CHECK_EQ_U(fpq_encode(FPQ_FMT_E2M1, -0.2f, 0, &st), 0x8, "tiny negative -> -0");
	CHECK_EQ_U(fpq_encode(FPQ_FMT_INT8, -0.4f, 0, &st), 0, "int8 has no -0");
	CHECK_EQ_U(fpq_encode(FPQ_FMT_INT8, 2.5f, 0, &st), 2, "int8 ties to even");
	CHECK_EQ_U(fpq_encode(FPQ_FMT_MXINT8, 0.5f, 0, &st), 32, "mxint8 0.5 = 32/64");
	CHECK_EQ_U(fpq_bf16_from_fp32(NAN), 0x7FC0, "bf16 NaN");
}

/* Packed storage: the bit layout of numerics.rst, neighbours untouched. */
static void packing_layout(void)
{
	uint8_t buf[64];
	struct fpq_matrix m = { FPQ_FMT_E3M2, 2, 7, 9, buf, NULL, 0, 0 };
	struct rng r = rng_seeded(0x77);
	uint32_t codes[2][7];

	memset(buf, 0xA5, sizeof(buf));
	CHECK(fpq_row_bytes(FPQ_FMT_E3M2, 7) == 6, "7 six-bit codes take two groups");
	CHECK(fpq_row_bytes(FPQ_FMT_E2M1, 7) == 4, "7 four-bit codes take 4 bytes");
	for (int rr = 0; rr < 2; rr++)
		for (int c = 0; c < 7; c++) {
			codes[rr][c] = rng_below(&r, 64);
			fpq_matrix_set(&m, (uint32_t)rr, (uint32_t)c, codes[rr][c]);
		}
	for (int rr = 0; rr < 2; rr++) {
		const uint8_t *row = buf + rr * 9;

		for (int c = 0; c < 7; c++) {
			/* Element i of a group: bits [6i, 6i+6) of the little-endian 24-bit word. */
			int g = c / 4, e = c % 4;
			uint32_t word = row[3 * g] | row[3 * g + 1] << 8 | (uint32_t)row[3 * g + 2] << 16;

			CHECK_EQ_U((word >> (6 * e)) & 63, codes[rr][c], "row %d col %d", rr, c);
			CHECK_EQ_U(fpq_matrix_get(&m, (uint32_t)rr, (uint32_t)c), codes[rr][c],
				   "get row %d col %d", rr, c);
		}
		/* Bytes past the row's last group and the padding code are untouched. */
		CHECK_EQ_U(row[6], 0xA5, "byte after row %d", rr);
		CHECK_EQ_U((row[3] | row[4] << 8 | (uint32_t)row[5] << 16) >> 18, 0xA5 >> 2,
			   "unused element of the last group, row %d", rr);
	}
	struct fpq_matrix q = { FPQ_FMT_E2M1, 1, 5, 0, buf, NULL, 0, 0 };

	memset(buf, 0, sizeof(buf));
	for (uint32_t c = 0; c < 5; c++)
		fpq_matrix_set(&q, 0, c, c + 9);
	CHECK_EQ_U(buf[0], 0x9 | 0xA << 4, "element 0 in the low nibble");
	CHECK_EQ_U(buf[2], 0xD, "odd tail");
}

/* MX block quantization and its inverse against the model. */
static void mx_blocks(void)
{
	struct rng r = rng_seeded(0x3C);
	long mismatches = 0;

	for (size_t i = 0; i < N_ELEM; i++) {
		enum fpq_format f = elem_formats[i];

		if (f == FPQ_FMT_INT8)
			continue;
		for (int trial = 0; trial < 3000; trial++) {
			float src[64], back[64];
			uint8_t data[64], scales[2];
			struct fpq_matrix m = { f, 1, 64, 0, data, scales, 0, 0 };
			struct fpq_quant_stats ls;
			struct model_qstats ms = { 0, 0, 0 };
			int nonsat = trial & 1;
			int mode = trial % 7;

			for (int k = 0; k < 64; k++) {
				int e = mode == 0 ? (int)rng_below(&r, 300) - 150
				      : mode == 1 ? (int)rng_below(&r, 8) - 4
				      : (int)rng_below(&r, 40) - 20;
				src[k] = ldexpf(1.0f + (float)rng_below(&r, 1u << 23) * 0x1p-23f, e);
				if (rng_u32(&r) & 1)
					src[k] = -src[k];
				if (mode == 3 && k % 32 == 5)
					src[k] = NAN;
				if (mode == 4 && k % 32 == 7)
					src[k] = k & 1 ? INFINITY : -INFINITY;
				if (mode == 5)
					src[k] = k < 32 ? 0.0f : ldexpf(src[k], -140);
				if (mode == 6 && k >= 32)
					src[k] = ldexpf(src[k], 110);
			}
			memset(data, 0, sizeof(data));
			CHECK(fpq_quantize(src, 64, &m, nonsat ? FPQ_QUANT_NONSAT : 0, &ls) == 0,
			      "quantize");
			for (int b = 0; b < 2; b++) {
				uint32_t codes[32];
				uint8_t s = model_mx_block(f, src + 32 * b, 32, nonsat, &ms, codes);

				if (s != scales[b])
					mismatches++;
				CHECK_EQ_U(scales[b], s, "%s block %d mode %d", fpq_format_name(f), b, mode);
				for (int t = 0; t < 32; t++) {
					if (fpq_matrix_get(&m, 0, (uint32_t)(32 * b + t)) != codes[t])
						mismatches++;
					CHECK_EQ_U(fpq_matrix_get(&m, 0, (uint32_t)(32 * b + t)), codes[t],
						   "%s elem %d mode %d src %a", fpq_format_name(f),
						   32 * b + t, mode, (double)src[32 * b + t]);
				}
			}
			CHECK(ls.saturated == ms.saturated && ls.nan_to_zero == ms.nan_to_zero &&
			      ls.overflowed == ms.overflowed, "%s counts mode %d",
			      fpq_format_name(f), mode);
			/* Dequantize: decode * 2^X, rounded once to binary32 (model via MPFR). */
			CHECK(fpq_dequantize(&m, back, 64) == 0, "dequantize");
			for (int k = 0; k < 64; k++) {
				mpq_t v;
				enum model_class cls;
				float want;

				mpq_init(v);
				cls = model_decode(f, fpq_matrix_get(&m, 0, (uint32_t)k), v);
				if (cls == MODEL_NAN || scales[k / 32] == 0xFF) {
					want = NAN;
				} else if (cls != MODEL_FINITE) {
					want = cls == MODEL_POS_INF ? INFINITY : -INFINITY;
				} else {
					int x = scales[k / 32] - 127;

					if (x >= 0)
						mpq_mul_2exp(v, v, (unsigned long)x);
					else
						mpq_div_2exp(v, v, (unsigned long)-x);
					want = model_round_fp32(v);
				}
				mpq_clear(v);
				if (want == 0 && !isnan(back[k]))
					CHECK(back[k] == 0, "dequantized zero");
				else
					CHECK_EQ_U(model_bits(back[k]), model_bits(want),
						   "%s dequantize %d", fpq_format_name(f), k);
			}
		}
	}
	printf("  MX blocks: %ld mismatches\n", mismatches);
}

static void bf16_conversion(void)
{
	struct rng r = rng_seeded(0xBF);

	for (int n = 0; n < 1000000; n++) {
		float v = rng_float_bits(&r);

		if (n % 4 == 1) { /* near ties: low half 0x7FFF..0x8001 */
			uint32_t b = (rng_u32(&r) & 0xFFFF0000u) | (0x7FFFu + rng_below(&r, 3));

			memcpy(&v, &b, sizeof(v));
		}
		CHECK_EQ_U(fpq_bf16_from_fp32(v), model_bf16(v), "bf16 of %a (0x%08x)",
			   (double)v, fbits(v));
	}
	for (uint32_t hi = 0; hi < 0x10000; hi++) {
		/* Exactly halfway between two bfloat16 values: ties to even. */
		uint32_t b = hi << 16 | 0x8000u;
		float v;

		memcpy(&v, &b, sizeof(v));
		CHECK_EQ_U(fpq_bf16_from_fp32(v), model_bf16(v), "bf16 tie 0x%08x", b);
	}
}

/* The single-rounding routine behind every block sum, against MPFR. */
static void round_fp32_exact(void)
{
	struct rng r = rng_seeded(0x12);
	mpq_t q;

	mpq_init(q);
	for (int n = 0; n < 400000; n++) {
		int bits = 1 + (int)rng_below(&r, 127);
		unsigned __int128 mag = ((unsigned __int128)rng_next(&r) << 64 | rng_next(&r));
		int exp = (int)rng_below(&r, 700) - 400;

		mag >>= 128 - bits;
		/* Make exact ties and near-ties common. */
		if (n % 3 == 0 && bits > 26)
			mag = (mag >> (bits - 25)) << (bits - 25) | ((unsigned __int128)1 << (bits - 26));
		__int128 s = (n & 1) ? -(__int128)mag : (__int128)mag;
		float got = fpq_round_fp32(s, exp);
		char buf[64];

		/* The value as a rational: mag as hex text, then times 2^exp. */
		snprintf(buf, sizeof(buf), "%s%llx%016llx", (n & 1) ? "-" : "",
			 (unsigned long long)(mag >> 64), (unsigned long long)mag);
		mpq_set_str(q, buf, 16);
		if (exp >= 0)
			mpq_mul_2exp(q, q, (unsigned long)exp);
		else
			mpq_div_2exp(q, q, (unsigned long)-exp);
		float want = model_round_fp32(q);

		if (mag == 0)
			CHECK(got == 0.0f && !signbit(got), "zero");
		else if (want == 0)
			CHECK(got == 0 && !!signbit(got) == (n & 1), "signed underflow");
		else
			CHECK_EQ_U(fbits(got), fbits(want), "round(%s * 2^%d)", buf, exp);
	}
	for (int n = 0; n < 200000; n++) {
		int32_t acc = (int32_t)rng_u32(&r);
		float scale = rng_float_bits(&r);

		if (n % 2)
			acc >>= rng_below(&r, 31);
		mpq_set_si(q, acc, 1);
		if (isfinite(scale)) {
			mpq_t sq;

			mpq_init(sq);
			mpq_set_d(sq, scale);
			mpq_mul(q, q, sq);
			mpq_clear(sq);
			float want = model_round_fp32(q);
			float got = fpq_mul_i32_f32(acc, scale);

			if (want == 0)
				CHECK(got == 0 && !!signbit(got) == ((acc < 0) != !!signbit(scale)),
				      "acc %d * %a zero sign", acc, (double)scale);
			else
				CHECK_EQ_U(fbits(got), fbits(want), "acc %d * %a", acc, (double)scale);
		}
	}
	mpq_clear(q);
}

int main(void)
{
	RUN(decode_exhaustive);
	RUN(reencode_exhaustive);
	RUN(format_facts);
	RUN(quantize_policies);
	RUN(quantize_boundaries);
	RUN(quantize_random);
	RUN(packing_layout);
	RUN(mx_blocks);
	RUN(bf16_conversion);
	RUN(round_fp32_exact);
	mpfr_free_cache();
	return harness_report();
}
