// SPDX-License-Identifier: MIT
/*
 * gemm_ref_test.c - the reference GEMM against the independent exact model: every
 * product of every format pair, random and adversarial blocks, every output mode, and
 * the INT8 path with exact integer models.
 */
#include <errno.h>
#include <math.h>
#include <mpfr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exact_model.h"
#include "gemm_data.h"
#include "harness.h"
#include "rng.h"

static const enum fpq_format float_ops[] = {
	FPQ_FMT_E4M3, FPQ_FMT_E5M2, FPQ_FMT_E3M2, FPQ_FMT_E2M3, FPQ_FMT_E2M1, FPQ_FMT_MXINT8,
};
#define N_FLOAT_OPS (sizeof(float_ops) / sizeof(float_ops[0]))

static uint32_t fbits(float v)
{
	uint32_t b;

	memcpy(&b, &v, sizeof(b));
	return b;
}

static float c_fp32(const struct fpq_matrix *c, uint32_t i, uint32_t j)
{
	uint32_t b = fpq_matrix_get(c, i, j);
	float v;

	memcpy(&v, &b, sizeof(v));
	return v;
}

/* The model's y for output (i, j) of a float-path op, activation applied. */
static float model_output(const struct fpq_gemm_op *op, uint32_t i, uint32_t j,
			  uint64_t *clamped)
{
	uint32_t k = op->a.cols, nb = (k + 31) / 32;
	uint32_t *a = malloc(sizeof(*a) * k), *b = malloc(sizeof(*b) * k);
	uint8_t *sa = malloc(nb), *sb = malloc(nb);

	for (uint32_t t = 0; t < k; t++) {
		a[t] = fpq_matrix_get(&op->a, i, t);
		b[t] = fpq_matrix_get(&op->b, j, t);
	}
	for (uint32_t t = 0; t < nb; t++) {
		sa[t] = op->a.scales ? op->a.scales[i * op->a.scale_stride + t] : 127;
		sb[t] = op->b.scales ? op->b.scales[j * op->b.scale_stride + t] : 127;
	}
	float acc = model_dot(op->a.format, a, op->a.scales ? sa : NULL, op->b.format, b,
			      op->b.scales ? sb : NULL, k);
	float alpha = !op->alpha ? 1.0f
		    : op->flags & FPQ_GEMM_ALPHA_BROADCAST ? op->alpha[0] : op->alpha[j];
	float beta = !op->beta ? 0.0f
		   : op->flags & FPQ_GEMM_BETA_BROADCAST ? op->beta[0] : op->beta[j];
	float y = model_fma_fp32(acc, alpha, beta);

	free(a);
	free(b);
	free(sa);
	free(sb);
	if (op->act == FPQ_ACT_RELU && y < 0) {
		(*clamped)++;
		y = 0.0f;
	} else if (op->act == FPQ_ACT_CLAMP && (y < op->clamp_lo || y > op->clamp_hi)) {
		(*clamped)++;
		y = y < op->clamp_lo ? op->clamp_lo : op->clamp_hi;
	}
	return y;
}

/* Every product of every format pair: K = 1, every code against every code. */
static void products_exhaustive(void)
{
	long compared = 0;

	for (size_t x = 0; x < N_FLOAT_OPS; x++) {
		for (size_t y = 0; y < N_FLOAT_OPS; y++) {
			enum fpq_format fa = float_ops[x], fb = float_ops[y];
			uint32_t na = model_code_count(fa), nb = model_code_count(fb);
			struct test_matrix a, b, c;
			struct fpq_gemm_op op;

			tm_alloc(&a, fa, na, 1, 0, 0);
			tm_alloc(&b, fb, nb, 1, 0, 0);
			tm_alloc(&c, FPQ_FMT_FP32, na, nb, 0, 0);
			for (uint32_t i = 0; i < na; i++)
				fpq_matrix_set(&a.m, i, 0, i);
			for (uint32_t j = 0; j < nb; j++)
				fpq_matrix_set(&b.m, j, 0, j);
			fpq_gemm_op_init(&op);
			op.a = a.m;
			op.b = b.m;
			op.c = c.m;
			CHECK(fpq_gemm_reference(&op, NULL) == 0, "%s", fpq_strerror(-1));
			for (uint32_t i = 0; i < na; i++) {
				for (uint32_t j = 0; j < nb; j++) {
					uint32_t ca = i, cb = j;
					float want = model_dot(fa, &ca, NULL, fb, &cb, NULL, 1);

					CHECK_EQ_U(fbits(c_fp32(&c.m, i, j)), model_bits(want),
						   "%s 0x%x * %s 0x%x", fpq_format_name(fa), i,
						   fpq_format_name(fb), j);
					compared++;
				}
			}
			tm_free(&a);
			tm_free(&b);
			tm_free(&c);
		}
	}
	printf("  %ld products compared\n", compared);
}

static void int8_products_exhaustive(void)
{
	struct test_matrix a, b, c;
	struct fpq_gemm_op op;

	tm_alloc(&a, FPQ_FMT_INT8, 256, 1, 0, 0);
	tm_alloc(&b, FPQ_FMT_INT8, 256, 1, 0, 0);
	tm_alloc(&c, FPQ_FMT_INT32, 256, 256, 0, 0);
	for (uint32_t i = 0; i < 256; i++) {
		fpq_matrix_set(&a.m, i, 0, i);
		fpq_matrix_set(&b.m, i, 0, i);
	}
	for (int zp = -128; zp <= 127; zp += 85) {
		fpq_gemm_op_init(&op);
		a.m.zero_point = zp;
		op.a = a.m;
		op.b = b.m;
		op.c = c.m;
		CHECK(fpq_gemm_reference(&op, NULL) == 0, "int8 gemm");
		for (int i = 0; i < 256; i++)
			for (int j = 0; j < 256; j++)
				CHECK((int32_t)fpq_matrix_get(&c.m, (uint32_t)i, (uint32_t)j) ==
				      ((int8_t)i - zp) * (int8_t)j, "zp %d: %d * %d", zp, (int8_t)i,
				      (int8_t)j);
	}
	tm_free(&a);
	tm_free(&b);
	tm_free(&c);
}

struct float_case {
	enum fpq_format fa, fb, fc;
	uint32_t m, n, k;
	enum data_mode da, db;
	enum scale_mode sa, sb;
	int act;
	int alpha_mode;    /* 0 none, 1 per channel, 2 broadcast */
	int mx_out, nonsat;
};

/*
 * Run one float-path case through the reference and check every output against the
 * model, the clamp/saturation counts, and that C's padding was not written.
 */
static void run_float_case(const struct float_case *fc, struct rng *r)
{
	struct test_matrix a, b, c;
	struct fpq_gemm_op op;
	struct fpq_gemm_status st;
	float alpha[64], beta[64];
	uint64_t clamped = 0;
	struct model_qstats qs = { 0, 0, 0 };
	int scaled_a = fc->sa != SCALES_NONE, scaled_b = fc->sb != SCALES_NONE;

	tm_alloc(&a, fc->fa, fc->m, fc->k, rng_below(r, 3), scaled_a);
	tm_alloc(&b, fc->fb, fc->n, fc->k, rng_below(r, 3), scaled_b);
	tm_alloc(&c, fc->fc, fc->m, fc->n, rng_below(r, 3), fc->mx_out);
	tm_fill(&a, r, fc->da, fc->sa);
	tm_fill(&b, r, fc->db, fc->sb);
	for (uint32_t j = 0; j < fc->n; j++) {
		alpha[j] = ldexpf((float)(int)(rng_below(r, 2000) - 1000) / 256.0f,
				  (int)rng_below(r, 9) - 4);
		beta[j] = (float)(int)(rng_below(r, 2000) - 1000) / 64.0f;
	}
	uint8_t *snap = tm_snapshot(&c);

	fpq_gemm_op_init(&op);
	op.a = a.m;
	op.b = b.m;
	op.c = c.m;
	op.act = (enum fpq_activation)fc->act;
	op.clamp_lo = -2.5f;
	op.clamp_hi = 3.0f;
	if (fc->alpha_mode) {
		op.alpha = alpha;
		op.beta = beta;
		if (fc->alpha_mode == 2)
			op.flags |= FPQ_GEMM_ALPHA_BROADCAST | FPQ_GEMM_BETA_BROADCAST;
	}
	if (fc->nonsat)
		op.flags |= FPQ_GEMM_QUANT_NONSAT;

	int err = fpq_gemm_reference(&op, &st);

	CHECK(err == 0, "gemm failed: %s", fpq_strerror(err));
	if (err)
		goto out;
	for (uint32_t i = 0; i < fc->m; i++) {
		float y[64];

		for (uint32_t j = 0; j < fc->n; j++)
			y[j] = model_output(&op, i, j, &clamped);
		for (uint32_t j0 = 0; j0 < fc->n; j0 += 32) {
			uint32_t w = fc->n - j0 < 32 ? fc->n - j0 : 32, codes[32];
			uint8_t s = 0;

			if (fc->mx_out)
				s = model_mx_block(fc->fc, y + j0, w, fc->nonsat, &qs, codes);
			if (fc->mx_out)
				CHECK_EQ_U(c.m.scales[i * c.m.scale_stride + j0 / 32], s,
					   "C scale row %u block %u", i, j0 / 32);
			for (uint32_t t = 0; t < w; t++) {
				uint32_t j = j0 + t, got = fpq_matrix_get(&c.m, i, j), want;

				if (fc->fc == FPQ_FMT_FP32)
					want = model_bits(y[j]);
				else if (fc->fc == FPQ_FMT_BF16)
					want = model_bf16(y[j]);
				else if (fc->mx_out)
					want = codes[t];
				else
					want = model_quantize(fc->fc, y[j], fc->nonsat, &qs);
				CHECK_EQ_U(got, want, "%s x %s -> %s (%s/%s) M%u N%u K%u at (%u,%u)",
					   fpq_format_name(fc->fa), fpq_format_name(fc->fb),
					   fpq_format_name(fc->fc), data_mode_name(fc->da),
					   data_mode_name(fc->db), fc->m, fc->n, fc->k, i, j);
			}
		}
	}
	CHECK(st.clamped == clamped, "clamp count %llu, model %llu",
	      (unsigned long long)st.clamped, (unsigned long long)clamped);
	CHECK(st.saturated == qs.saturated && st.nan_to_zero == qs.nan_to_zero &&
	      st.overflowed == qs.overflowed, "conversion counts");
	CHECK(tm_padding_changes(&c, snap) == 0, "C padding written");
out:
	free(snap);
	tm_free(&a);
	tm_free(&b);
	tm_free(&c);
}

static const uint32_t k_any[] = { 1, 5, 31, 32, 33, 64, 100, 160 };
static const uint32_t k_mx[] = { 32, 64, 96, 160, 256 };

static void random_case(struct float_case *fc, struct rng *r)
{
	memset(fc, 0, sizeof(*fc));
	fc->fa = float_ops[rng_below(r, N_FLOAT_OPS)];
	fc->fb = float_ops[rng_below(r, N_FLOAT_OPS)];
	fc->fc = FPQ_FMT_FP32;
	fc->m = 1 + rng_below(r, 5);
	fc->n = 1 + rng_below(r, 7);
	fc->sa = (enum scale_mode)rng_below(r, SCALE_MODES);
	fc->sb = (enum scale_mode)rng_below(r, SCALE_MODES);
	fc->k = fc->sa || fc->sb ? k_mx[rng_below(r, 5)] : k_any[rng_below(r, 8)];
	fc->da = (enum data_mode)rng_below(r, DATA_MODES);
	fc->db = rng_below(r, 2) ? fc->da : (enum data_mode)rng_below(r, DATA_MODES);
	fc->act = (int)rng_below(r, 3);
	fc->alpha_mode = (int)rng_below(r, 3);
}

/* Random format pairs, shapes, data and scales; fp32 output. */
static void gemm_random(void)
{
	struct rng r = rng_seeded(0xA11);

	for (int n = 0; n < 700 && harness_case_failures() == 0; n++) {
		struct float_case fc;

		random_case(&fc, &r);
		run_float_case(&fc, &r);
	}
}

/* Every format pair through every adversarial data mode, extreme scales included. */
static void gemm_adversarial(void)
{
	struct rng r = rng_seeded(0xAD7);

	for (size_t x = 0; x < N_FLOAT_OPS; x++)
		for (size_t y = 0; y < N_FLOAT_OPS; y++)
			for (int mode = 0; mode < DATA_MODES; mode++) {
				struct float_case fc = {
					float_ops[x], float_ops[y], FPQ_FMT_FP32, 3, 4, 64,
					(enum data_mode)mode, (enum data_mode)mode,
					mode % 2 ? SCALES_EXTREME : SCALES_NEAR,
					mode % 3 ? SCALES_ANY : SCALES_NONE, FPQ_ACT_NONE, 0, 0, 0
				};

				run_float_case(&fc, &r);
				/* And once without scales, K not a multiple of 32. */
				fc.sa = fc.sb = SCALES_NONE;
				fc.k = 45;
				run_float_case(&fc, &r);
			}
}

/* bfloat16 and every narrow output, plain and MX-blocked, saturating or not. */
static void gemm_outputs(void)
{
	static const enum fpq_format outs[] = {
		FPQ_FMT_BF16, FPQ_FMT_E4M3, FPQ_FMT_E5M2, FPQ_FMT_E3M2, FPQ_FMT_E2M3,
		FPQ_FMT_E2M1, FPQ_FMT_MXINT8, FPQ_FMT_INT8,
	};
	struct rng r = rng_seeded(0x007);

	for (size_t o = 0; o < sizeof(outs) / sizeof(outs[0]); o++) {
		for (int n = 0; n < 40; n++) {
			struct float_case fc;

			random_case(&fc, &r);
			fc.fc = outs[o];
			fc.nonsat = (n & 1) && outs[o] != FPQ_FMT_BF16;
			if (outs[o] != FPQ_FMT_BF16 && outs[o] != FPQ_FMT_INT8 && n % 4 >= 2) {
				fc.mx_out = 1;
				fc.n = 32 * (1 + rng_below(&r, 2));
			}
			run_float_case(&fc, &r);
		}
	}
}

/* TFLite's requantization written as exact rational rounding (not gemmlowp's tricks). */
static int32_t model_requant(int32_t x, int32_t mult, int shift)
{
	/* x * 2^left saturates to int32; then round(x * mult / 2^31) half away. */
	int64_t wide = (int64_t)x * (INT64_C(1) << (shift > 0 ? shift : 0));
	int32_t xs = wide > INT32_MAX ? INT32_MAX : wide < INT32_MIN ? INT32_MIN : (int32_t)wide;
	__int128 p = (__int128)xs * mult;
	int32_t hi;

	if (xs == INT32_MIN && mult == INT32_MIN) {
		hi = INT32_MAX;
	} else {
		__int128 mag = p < 0 ? -p : p;
		__int128 q = (mag + ((__int128)1 << 30)) >> 31;

		hi = (int32_t)(p < 0 ? -q : q);
	}
	int right = shift > 0 ? 0 : -shift;

	if (right == 0)
		return hi;
	/* round(hi / 2^right), ties away from zero */
	int64_t mag = hi < 0 ? -(int64_t)hi : hi;
	int64_t q = (mag + (INT64_C(1) << (right - 1))) >> right;

	return (int32_t)(hi < 0 ? -q : q);
}

static void int8_path(void)
{
	struct rng r = rng_seeded(0x18);

	for (int trial = 0; trial < 300; trial++) {
		uint32_t m = 1 + rng_below(&r, 5), n = 1 + rng_below(&r, 9);
		uint32_t k = 1 + rng_below(&r, trial % 10 == 0 ? 4000 : 80);
		struct test_matrix a, b, c;
		struct fpq_gemm_op op;
		struct fpq_gemm_status st;
		int32_t bias[16], mult[16];
		int8_t shift[16];
		float scale[16];
		int out = trial % 3;   /* 0 int32, 1 int8, 2 fp32 */
		static const enum fpq_format cf[] = { FPQ_FMT_INT32, FPQ_FMT_INT8, FPQ_FMT_FP32 };
		uint64_t clamped = 0;

		tm_alloc(&a, FPQ_FMT_INT8, m, k, rng_below(&r, 4), 0);
		tm_alloc(&b, FPQ_FMT_INT8, n, k, rng_below(&r, 4), 0);
		tm_alloc(&c, cf[out], m, n, rng_below(&r, 2), 0);
		tm_fill(&a, &r, trial % 5 == 1 ? DATA_MIXED_MAG : DATA_UNIFORM, SCALES_NONE);
		tm_fill(&b, &r, trial % 5 == 1 ? DATA_MIXED_MAG : DATA_UNIFORM, SCALES_NONE);
		a.m.zero_point = (int32_t)rng_below(&r, 256) - 128;
		for (uint32_t j = 0; j < n; j++) {
			bias[j] = trial % 7 == 0 ? (int32_t)rng_u32(&r) : (int32_t)rng_below(&r, 20001) - 10000;
			mult[j] = trial % 4 == 0 ? (int32_t)rng_u32(&r)
						 : (int32_t)((1u << 30) + rng_below(&r, 1u << 30));
			shift[j] = (int8_t)((int)rng_below(&r, 62) - 31);
			scale[j] = trial % 6 == 0 ? rng_float_bits(&r)
						  : ldexpf((float)rng_below(&r, 1u << 24), -30);
		}
		fpq_gemm_op_init(&op);
		op.a = a.m;
		op.b = b.m;
		op.c = c.m;
		op.bias = trial % 2 ? bias : NULL;
		if (out == 1) {
			op.requant_mult = mult;
			op.requant_shift = shift;
			op.out_zero = (int32_t)rng_below(&r, 256) - 128;
			op.act_min = (int32_t)rng_below(&r, 100) - 128;
			op.act_max = op.act_min + (int32_t)rng_below(&r, (uint32_t)(128 - op.act_min));
			if (trial % 8 == 1)
				op.flags |= FPQ_GEMM_REQUANT_BROADCAST;
		} else if (out == 2) {
			op.out_scale = scale;
			if (trial % 8 == 2)
				op.flags |= FPQ_GEMM_SCALE_BROADCAST;
		}
		int err = fpq_gemm_reference(&op, &st);

		CHECK(err == 0, "int8 gemm: %s", fpq_strerror(err));
		for (uint32_t i = 0; i < m && !err; i++) {
			for (uint32_t j = 0; j < n; j++) {
				int64_t sum = op.bias ? bias[j] : 0;
				uint32_t ch = op.flags & (FPQ_GEMM_REQUANT_BROADCAST |
							  FPQ_GEMM_SCALE_BROADCAST) ? 0 : j;

				for (uint32_t t = 0; t < k; t++)
					sum += ((int64_t)(int8_t)fpq_matrix_get(&a.m, i, t) -
						a.m.zero_point) *
					       (int8_t)fpq_matrix_get(&b.m, j, t);
				/* Two's complement wrap of the exact sum. */
				int32_t acc = (int32_t)(uint32_t)(uint64_t)sum;
				uint32_t got = fpq_matrix_get(&c.m, i, j);

				if (out == 0) {
					CHECK_EQ_U(got, (uint32_t)acc, "int32 (%u,%u) K %u", i, j, k);
				} else if (out == 1) {
					int64_t y = (int64_t)model_requant(acc, mult[ch], shift[ch]) +
						    op.out_zero;

					if (y < op.act_min || y > op.act_max) {
						clamped++;
						y = y < op.act_min ? op.act_min : op.act_max;
					}
					CHECK_EQ_U(got, (uint8_t)(int8_t)y, "int8 (%u,%u)", i, j);
				} else {
					mpq_t q, s;

					mpq_inits(q, s, (mpq_ptr)0);
					float want;

					if (isnan(scale[ch]) || (isinf(scale[ch]) && acc == 0)) {
						want = NAN;
					} else if (isinf(scale[ch])) {
						want = (acc < 0) != (scale[ch] < 0) ? -INFINITY : INFINITY;
					} else {
						mpq_set_si(q, acc, 1);
						mpq_set_d(s, scale[ch]);
						mpq_mul(q, q, s);
						want = model_round_fp32(q);
						if (want == 0)   /* IEEE sign of a zero product */
							want = (acc < 0) != (signbit(scale[ch]) != 0)
								       ? -0.0f : 0.0f;
					}
					mpq_clears(q, s, (mpq_ptr)0);
					CHECK_EQ_U(got, model_bits(want), "fp32 (%u,%u) acc %d scale %a",
						   i, j, acc, (double)scale[ch]);
				}
			}
		}
		CHECK(st.clamped == clamped, "int8 clamp count");
		tm_free(&a);
		tm_free(&b);
		tm_free(&c);
	}
}

/* One accumulator through a 1 x 1 x 1 REQUANT_FP32 GEMM (A = 1, B = 0: acc = bias). */
static int32_t requant_one(int32_t acc, float scale, int32_t out_zero, int32_t act_min,
			   int32_t act_max, uint64_t *clamped)
{
	int8_t a = 1, b = 0, c = 0x55;
	struct fpq_gemm_op op;
	struct fpq_gemm_status st;

	fpq_gemm_op_init(&op);
	op.a = (struct fpq_matrix){ FPQ_FMT_INT8, 1, 1, 0, &a, NULL, 0, 0 };
	op.b = (struct fpq_matrix){ FPQ_FMT_INT8, 1, 1, 0, &b, NULL, 0, 0 };
	op.c = (struct fpq_matrix){ FPQ_FMT_INT8, 1, 1, 0, &c, NULL, 0, 0 };
	op.flags = FPQ_GEMM_REQUANT_FP32;
	op.bias = &acc;
	op.out_scale = &scale;
	op.out_zero = out_zero;
	op.act_min = act_min;
	op.act_max = act_max;
	int err = fpq_gemm_reference(&op, &st);

	CHECK(err == 0, "requant_one: %s", fpq_strerror(err));
	*clamped = st.clamped;
	return c;
}

/* Worked examples of numerics.rst, by hand: the values are the contract's own. */
static void requant_fp32_examples(void)
{
	static const struct {
		int32_t acc;
		float scale;
		int32_t zero, lo, hi, want;
		uint64_t clamped;
	} ex[] = {
		{ 5, 0.5f, 0, -128, 127, 2, 0 },              /* 2.5: tie to even */
		{ 7, 0.5f, 0, -128, 127, 4, 0 },              /* 3.5 */
		{ -5, 0.5f, 0, -128, 127, -2, 0 },
		{ 5, 0.5f, 3, -128, 127, 5, 0 },              /* zero point after rne */
		{ 16777217, 0x5p-25f, 0, -128, 127, 2, 0 },   /* fp32(acc) = 2^24: 2.5 */
		{ 16777219, 0x5p-25f, 0, -128, 127, 3, 0 },   /* fp32(acc) = 2^24 + 4 */
		{ 1000, 1.0f, 0, -128, 127, 127, 1 },         /* clamp */
		{ -3, 1.0f, -20, -20, 127, -20, 1 },          /* relu-like */
		{ 0, 1.0f, -20, -20, 127, -20, 0 },           /* at the bound: not clamped */
		{ 1, NAN, 10, -100, 100, -100, 1 },           /* NaN: act_min */
		{ 1, INFINITY, 0, -128, 127, 127, 1 },
		{ -1, INFINITY, 0, -128, 127, -128, 1 },
		{ 0, INFINITY, 0, -5, 5, -5, 1 },             /* 0 * Inf = NaN */
		{ INT32_MAX, 0x1.fffffep127f, 0, -128, 127, 127, 1 },  /* product overflows */
		{ INT32_MIN, 0.0f, 7, -128, 127, 7, 0 },      /* -0 */
		{ 3, 0x1p-149f, 0, -128, 127, 0, 0 },         /* subnormal scale */
	};

	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		uint64_t cl = 0, mcl = 0;
		int32_t got = requant_one(ex[i].acc, ex[i].scale, ex[i].zero, ex[i].lo, ex[i].hi,
					  &cl);
		int32_t model = model_requant_fp32(ex[i].acc, ex[i].scale, ex[i].lo, ex[i].hi,
						   ex[i].zero, &mcl);

		CHECK(got == ex[i].want && cl == ex[i].clamped,
		      "example %zu: acc %d scale %a: %d (clamped %llu), want %d (%llu)", i,
		      ex[i].acc, (double)ex[i].scale, got, (unsigned long long)cl, ex[i].want,
		      (unsigned long long)ex[i].clamped);
		CHECK(model == ex[i].want && mcl == ex[i].clamped,
		      "example %zu: the model says %d (%llu)", i, model, (unsigned long long)mcl);
	}
}

/* Random and adversarial REQUANT_FP32 GEMMs against the exact model. */
static void requant_fp32_gemms(void)
{
	struct rng r = rng_seeded(0x0125);
	long outputs = 0, ties = 0;

	for (int trial = 0; trial < 600; trial++) {
		uint32_t m = 1 + rng_below(&r, 4), n = 1 + rng_below(&r, 40);
		uint32_t k = 1 + rng_below(&r, trial % 10 == 0 ? 3000 : 64);
		struct test_matrix a, b, c;
		struct fpq_gemm_op op;
		struct fpq_gemm_status st;
		int32_t bias[40];
		float scale[40];
		uint64_t clamped = 0;

		tm_alloc(&a, FPQ_FMT_INT8, m, k, rng_below(&r, 3), 0);
		tm_alloc(&b, FPQ_FMT_INT8, n, k, rng_below(&r, 3), 0);
		tm_alloc(&c, FPQ_FMT_INT8, m, n, rng_below(&r, 2), 0);
		tm_fill(&a, &r, DATA_UNIFORM, SCALES_NONE);
		tm_fill(&b, &r, DATA_UNIFORM, SCALES_NONE);
		a.m.zero_point = (int32_t)rng_below(&r, 256) - 128;
		fpq_gemm_op_init(&op);
		op.a = a.m;
		op.b = b.m;
		op.c = c.m;
		ties += requant_fp32_params(&r, &op, bias, scale, trial % 3 == 0, trial % 2);
		uint8_t *snap = tm_snapshot(&c);
		int err = fpq_gemm_reference(&op, &st);

		CHECK(err == 0, "requant gemm: %s", fpq_strerror(err));
		if (!err) {
			uint64_t wrong = model_check_requant_fp32(&op, &c.m, &clamped);

			CHECK(wrong == 0, "trial %d: %llu of %u outputs differ from the model", trial,
			      (unsigned long long)wrong, m * n);
			CHECK(st.clamped == clamped, "trial %d: clamped %llu, model %llu", trial,
			      (unsigned long long)st.clamped, (unsigned long long)clamped);
			CHECK(tm_padding_changes(&c, snap) == 0, "padding of C written");
			outputs += m * n;
		}
		free(snap);
		tm_free(&a);
		tm_free(&b);
		tm_free(&c);
	}
	printf("  %ld outputs compared, %ld placed on rounding ties\n", outputs, ties);
	CHECK(ties > 5000, "only %ld tie cases were placed", ties);
}

/* The flag applies to INT8 x INT8 with int8 output and out_scale only. */
static void requant_fp32_validation(void)
{
	struct test_matrix a, b, c8, c32, cf, fa, fb;
	struct fpq_gemm_op op;
	float scale[4] = { 0.5f, 0.5f, 0.5f, 0.5f };
	int32_t mult[4] = { 1 << 30, 1 << 30, 1 << 30, 1 << 30 };
	int8_t bad_shift[4] = { 99, 99, 99, 99 };

	tm_alloc(&a, FPQ_FMT_INT8, 2, 8, 0, 0);
	tm_alloc(&b, FPQ_FMT_INT8, 4, 8, 0, 0);
	tm_alloc(&c8, FPQ_FMT_INT8, 2, 4, 0, 0);
	tm_alloc(&c32, FPQ_FMT_INT32, 2, 4, 0, 0);
	tm_alloc(&cf, FPQ_FMT_FP32, 2, 4, 0, 0);
	tm_alloc(&fa, FPQ_FMT_E4M3, 2, 8, 0, 0);
	tm_alloc(&fb, FPQ_FMT_E4M3, 4, 8, 0, 0);
	fpq_gemm_op_init(&op);
	op.a = a.m;
	op.b = b.m;
	op.c = c8.m;
	op.flags = FPQ_GEMM_REQUANT_FP32;
	op.out_scale = scale;
	CHECK(fpq_gemm_validate(&op) == 0, "int8 output with out_scale: %s",
	      fpq_strerror(fpq_gemm_validate(&op)));
	op.requant_mult = mult;
	op.requant_shift = bad_shift;
	CHECK(fpq_gemm_validate(&op) == 0, "requant_mult/shift are not read");
	op.requant_mult = NULL;
	op.requant_shift = NULL;
	op.flags |= FPQ_GEMM_SCALE_BROADCAST;
	CHECK(fpq_gemm_validate(&op) == 0, "scale broadcast");
	op.flags = FPQ_GEMM_REQUANT_FP32 | FPQ_GEMM_REQUANT_BROADCAST;
	CHECK(fpq_gemm_validate(&op) == -EINVAL && strstr(fpq_strerror(-EINVAL), "broadcast"),
	      "requant broadcast refused: %s", fpq_strerror(-EINVAL));
	op.flags = FPQ_GEMM_REQUANT_FP32;
	op.out_scale = NULL;
	CHECK(fpq_gemm_validate(&op) == -EFAULT && strstr(fpq_strerror(-EFAULT), "out_scale"),
	      "missing out_scale: %s", fpq_strerror(-EFAULT));
	op.out_scale = scale;
	op.c = c32.m;
	CHECK(fpq_gemm_validate(&op) == -EINVAL && strstr(fpq_strerror(-EINVAL), "int8 output"),
	      "int32 output refused: %s", fpq_strerror(-EINVAL));
	op.c = cf.m;
	CHECK(fpq_gemm_validate(&op) == -EINVAL && strstr(fpq_strerror(-EINVAL), "int8 output"),
	      "fp32 output refused: %s", fpq_strerror(-EINVAL));
	op.c = c8.m;
	op.flags = 0;
	CHECK(fpq_gemm_validate(&op) == -EFAULT, "without the flag int8 needs requant_mult");
	op.requant_mult = mult;
	op.requant_shift = (int8_t[4]){ 0, 0, 0, 0 };
	CHECK(fpq_gemm_validate(&op) == -EINVAL && strstr(fpq_strerror(-EINVAL), "out_scale"),
	      "gemmlowp mode takes no out_scale: %s", fpq_strerror(-EINVAL));
	fpq_gemm_op_init(&op);
	op.a = fa.m;
	op.b = fb.m;
	op.c = cf.m;
	op.flags = FPQ_GEMM_REQUANT_FP32;
	CHECK(fpq_gemm_validate(&op) == -EINVAL, "float path refuses the flag");
	tm_free(&a);
	tm_free(&b);
	tm_free(&c8);
	tm_free(&c32);
	tm_free(&cf);
	tm_free(&fa);
	tm_free(&fb);
}

/* At the K limit the extreme sum is still exact in int32. */
static void int8_k_limit(void)
{
	struct test_matrix a, b, c;
	struct fpq_gemm_op op;

	tm_alloc(&a, FPQ_FMT_INT8, 2, FPQ_INT8_MAX_K, 0, 0);
	tm_alloc(&b, FPQ_FMT_INT8, 2, FPQ_INT8_MAX_K, 0, 0);
	tm_alloc(&c, FPQ_FMT_INT32, 2, 2, 0, 0);
	for (uint32_t k = 0; k < FPQ_INT8_MAX_K; k++) {
		fpq_matrix_set(&a.m, 0, k, 0x80);   /* -128 */
		fpq_matrix_set(&a.m, 1, k, 0x7F);   /* 127 */
		fpq_matrix_set(&b.m, 0, k, 0x80);
		fpq_matrix_set(&b.m, 1, k, 0x7F);
	}
	a.m.zero_point = 127;
	fpq_gemm_op_init(&op);
	op.a = a.m;
	op.b = b.m;
	op.c = c.m;
	CHECK(fpq_gemm_reference(&op, NULL) == 0, "K = 65536");
	CHECK((int32_t)fpq_matrix_get(&c.m, 0, 0) == -255 * -128 * 65536, "(-128-127)*-128*K");
	CHECK((int32_t)fpq_matrix_get(&c.m, 0, 1) == -255 * 127 * 65536, "(-128-127)*127*K");
	CHECK((int32_t)fpq_matrix_get(&c.m, 1, 0) == 0, "zero after the zero point");
	op.a.cols = op.b.cols = FPQ_INT8_MAX_K + 1;
	CHECK(fpq_gemm_validate(&op) == -EINVAL, "K above the limit is refused");
	tm_free(&a);
	tm_free(&b);
	tm_free(&c);
}

int main(void)
{
	RUN(products_exhaustive);
	RUN(int8_products_exhaustive);
	RUN(gemm_random);
	RUN(gemm_adversarial);
	RUN(gemm_outputs);
	RUN(int8_path);
	RUN(int8_k_limit);
	RUN(requant_fp32_examples);
	RUN(requant_fp32_gemms);
	RUN(requant_fp32_validation);
	mpfr_free_cache();
	return harness_report();
}
