// SPDX-License-Identifier: MIT
/*
 * cpu_gemm_test.c - the fast CPU backend against fpq_gemm_reference(), bit for bit:
 * every kernel set this machine can run (forced with FPQ_CPU_ISA), thread counts 1..4,
 * with and without pre-packed weights, on odd shapes, every format pair, adversarial
 * data and scales, and every output mode. A case compares all of C's bytes (padding
 * included, which must stay untouched), C's scales and the status counts.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exact_model.h"
#include "gemm_data.h"
#include "harness.h"
#include "rng.h"

static const char *const isa_names[] = { "scalar", "avx2", "avxvnni", "avx512" };
#define N_ISAS 4
#define MAX_THREADS 4

/* Contexts per ISA and thread count; NULL when the CPU cannot run the ISA. */
static struct fpq_context *ctxs[N_ISAS][MAX_THREADS + 1];
static int isa_ok[N_ISAS];

static const enum fpq_format float_ops[] = {
	FPQ_FMT_E4M3, FPQ_FMT_E5M2, FPQ_FMT_E3M2, FPQ_FMT_E2M3, FPQ_FMT_E2M1, FPQ_FMT_MXINT8,
};
#define N_FLOAT_OPS 6

static long n_compared, n_variant_runs, n_requant_ties;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Create the contexts; an ISA the CPU lacks must be refused, not replaced. */
static void isa_selection(void)
{
	for (int i = 0; i < N_ISAS; i++) {
		setenv("FPQ_CPU_ISA", isa_names[i], 1);
		for (unsigned int t = 1; t <= MAX_THREADS; t++) {
			struct fpq_context_opts o = { FPQ_BACKEND_CPU, 0, t };
			int err = fpq_context_create(&o, &ctxs[i][t]);

			if (err) {
				CHECK(err == -ENOTSUP, "FPQ_CPU_ISA=%s: %s", isa_names[i],
				      fpq_strerror(err));
				ctxs[i][t] = NULL;
				continue;
			}
			CHECK(strcmp(fpq_context_cpu_isa(ctxs[i][t]), isa_names[i]) == 0,
			      "FPQ_CPU_ISA=%s runs %s", isa_names[i],
			      fpq_context_cpu_isa(ctxs[i][t]));
			isa_ok[i] = 1;
		}
		printf("  %s: %s\n", isa_names[i], isa_ok[i] ? "runs" : "not supported here");
	}
	unsetenv("FPQ_CPU_ISA");
}

static void close_contexts(void)
{
	for (int i = 0; i < N_ISAS; i++)
		for (unsigned int t = 1; t <= MAX_THREADS; t++)
			fpq_context_destroy(ctxs[i][t]);
}

static int status_equal(const struct fpq_gemm_status *a, const struct fpq_gemm_status *b)
{
	return a->clamped == b->clamped && a->saturated == b->saturated &&
	       a->nan_to_zero == b->nan_to_zero && a->overflowed == b->overflowed;
}

/* First differing element of C, for the failure message. */
static void report_diff(const struct fpq_gemm_op *op, const uint8_t *want, const char *what)
{
	struct fpq_matrix w = op->c;

	w.data = (void *)want;
	for (uint32_t i = 0; i < op->c.rows; i++)
		for (uint32_t j = 0; j < op->c.cols; j++) {
			uint32_t g = fpq_matrix_get(&op->c, i, j), e = fpq_matrix_get(&w, i, j);

			if (g != e) {
				CHECK_EQ_U(g, e, "%s: first difference at (%u, %u)", what, i, j);
				return;
			}
		}
	CHECK(0, "%s: C differs outside its elements (padding written)", what);
}

/*
 * Run op (whose C buffer holds its initial bytes in c) through the reference, then
 * through every ISA (thread count by rotation, or all of them), plain and pre-packed,
 * and compare. b_mat is B's descriptor (for packing).
 */
static void check_op(struct fpq_gemm_op *op, struct test_matrix *c, const char *what,
		     int all_threads)
{
	static unsigned int rot;
	struct fpq_gemm_status ref_st, st;
	uint8_t *init = tm_snapshot(c), *want, *want_scales = NULL, *init_scales = NULL;
	int err;

	if (c->scale_buf) {
		/* Scales start as junk: the ones the operation writes are compared. */
		memset(c->scale_buf, 0xA5, c->scale_bytes);
		init_scales = malloc(c->scale_bytes);
		memcpy(init_scales, c->scale_buf, c->scale_bytes);
	}
	err = fpq_gemm_reference(op, &ref_st);

	CHECK(err == 0, "%s: reference: %s", what, fpq_strerror(err));
	if (err) {
		free(init);
		free(init_scales);
		return;
	}
	want = tm_snapshot(c);
	if (c->scale_buf) {
		want_scales = malloc(c->scale_bytes);
		memcpy(want_scales, c->scale_buf, c->scale_bytes);
	}
	for (int i = 0; i < N_ISAS; i++) {
		if (!isa_ok[i])
			continue;
		for (unsigned int t = 1; t <= MAX_THREADS; t++) {
			if (!all_threads && t != 1 + (rot + (unsigned int)i) % MAX_THREADS)
				continue;
			for (int packed = 0; packed < 2; packed++) {
				struct fpq_gemm_op o = *op;
				struct fpq_weights *w = NULL;
				static uint8_t not_scales;
				char name[200];

				snprintf(name, sizeof(name), "%s [%s, %u threads%s]", what,
					 isa_names[i], t, packed ? ", pre-packed" : "");
				if (packed) {
					err = fpq_weights_pack(ctxs[i][t], &op->b, &w);
					CHECK(err == 0, "%s: pack: %s", name, fpq_strerror(err));
					if (err)
						continue;
					o.b_packed = w;
					/* Neither B's elements nor its scales may be read. */
					o.b.data = NULL;
					if (o.b.scales)
						o.b.scales = &not_scales;
				}
				memcpy(c->buf, init, c->buf_bytes);
				if (c->scale_buf)
					memcpy(c->scale_buf, init_scales, c->scale_bytes);
				memset(&st, 0, sizeof(st));
				err = fpq_gemm(ctxs[i][t], &o, &st);
				CHECK(err == 0, "%s: %s", name, fpq_strerror(err));
				n_variant_runs++;
				if (!err) {
					if (memcmp(c->buf, want, c->buf_bytes))
						report_diff(&o, want, name);
					if (c->scale_buf &&
					    memcmp(c->scale_buf, want_scales, c->scale_bytes))
						CHECK(0, "%s: C's scales differ", name);
					CHECK(status_equal(&st, &ref_st) &&
					      st.backend == FPQ_BACKEND_CPU,
					      "%s: status clamped %llu/%llu saturated %llu/%llu "
					      "nan_to_zero %llu/%llu overflowed %llu/%llu", name,
					      (unsigned long long)st.clamped,
					      (unsigned long long)ref_st.clamped,
					      (unsigned long long)st.saturated,
					      (unsigned long long)ref_st.saturated,
					      (unsigned long long)st.nan_to_zero,
					      (unsigned long long)ref_st.nan_to_zero,
					      (unsigned long long)st.overflowed,
					      (unsigned long long)ref_st.overflowed);
					n_compared += (long)op->c.rows * op->c.cols;
				}
				fpq_weights_free(w);
			}
		}
	}
	rot++;
	free(init);
	free(want);
	free(want_scales);
	free(init_scales);
}

/* ---- float / MX path ---- */

struct float_case {
	enum fpq_format fa, fb, fc;
	uint32_t m, n, k;
	enum data_mode da, db;
	enum scale_mode sa, sb;
	int act, alpha_mode, mx_out, nonsat, all_threads;
	int sweep;        /* 1: xa + xb swept over -180..-120, 2: over 110..150 */
};

/* Scales 127 + x with x drawn from [lo, lo + 30], so xa + xb covers a range's edges. */
static void sweep_scales(struct test_matrix *t, struct rng *r, int lo)
{
	for (uint32_t i = 0; i < t->m.rows; i++)
		for (uint32_t b = 0; b < t->m.cols / 32; b++)
			t->m.scales[(size_t)i * t->m.scale_stride + b] =
				(uint8_t)(127 + lo + (int)rng_below(r, 31));
}

static void run_float_case(const struct float_case *fc, struct rng *r)
{
	struct test_matrix a, b, c;
	struct fpq_gemm_op op;
	float *alpha = malloc(sizeof(float) * fc->n), *beta = malloc(sizeof(float) * fc->n);
	char what[160];

	tm_alloc(&a, fc->fa, fc->m, fc->k, rng_below(r, 3), fc->sa != SCALES_NONE);
	tm_alloc(&b, fc->fb, fc->n, fc->k, rng_below(r, 3), fc->sb != SCALES_NONE);
	tm_alloc(&c, fc->fc, fc->m, fc->n, rng_below(r, 3), fc->mx_out);
	tm_fill(&a, r, fc->da, fc->sa);
	tm_fill(&b, r, fc->db, fc->sb);
	if (fc->sweep) {
		sweep_scales(&a, r, fc->sweep == 1 ? -90 : 55);
		sweep_scales(&b, r, fc->sweep == 1 ? -90 : 55);
	}
	for (uint32_t j = 0; j < fc->n; j++) {
		alpha[j] = ldexpf((float)(int)(rng_below(r, 2000) - 1000) / 256.0f,
				  (int)rng_below(r, 9) - 4);
		beta[j] = (float)(int)(rng_below(r, 2000) - 1000) / 64.0f;
	}
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
	snprintf(what, sizeof(what), "%s x %s -> %s%s M%u N%u K%u %s/%s scales %d/%d",
		 fpq_format_name(fc->fa), fpq_format_name(fc->fb), fpq_format_name(fc->fc),
		 fc->mx_out ? " (MX)" : "", fc->m, fc->n, fc->k, data_mode_name(fc->da),
		 data_mode_name(fc->db), (int)fc->sa, (int)fc->sb);
	check_op(&op, &c, what, fc->all_threads);
	tm_free(&a);
	tm_free(&b);
	tm_free(&c);
	free(alpha);
	free(beta);
}

static const uint32_t odd_sizes[] = { 1, 2, 3, 5, 17, 31, 33, 63, 65 };
static const uint32_t k_any[] = { 1, 3, 5, 31, 33, 45, 63, 65, 100, 129 };
static const uint32_t k_mx[] = { 32, 64, 96, 160, 288 };

static uint32_t pick(struct rng *r, const uint32_t *v, size_t n)
{
	return v[rng_below(r, (uint32_t)n)];
}

#define PICK(r, v) pick(r, v, sizeof(v) / sizeof(v[0]))

/* Every format pair through every data mode, scales from plain to extreme and NaN. */
static void float_pairs(void)
{
	struct rng r = rng_seeded(0xC9A1);

	for (int x = 0; x < N_FLOAT_OPS; x++)
		for (int y = 0; y < N_FLOAT_OPS; y++)
			for (int mode = 0; mode < DATA_MODES; mode++) {
				struct float_case fc = {
					float_ops[x], float_ops[y], FPQ_FMT_FP32,
					PICK(&r, odd_sizes), PICK(&r, odd_sizes), 0,
					(enum data_mode)mode,
					rng_below(&r, 3) ? (enum data_mode)mode
							 : (enum data_mode)rng_below(&r, DATA_MODES),
					(enum scale_mode)rng_below(&r, SCALE_MODES),
					(enum scale_mode)rng_below(&r, SCALE_MODES),
					(int)rng_below(&r, 3), (int)rng_below(&r, 3), 0, 0, 0, 0
				};

				if (fc.m > 17 && fc.n > 17)
					fc.n = 17;       /* keep the reference's time bounded */
				fc.k = fc.sa || fc.sb ? PICK(&r, k_mx) : PICK(&r, k_any);
				run_float_case(&fc, &r);
			}
}

/*
 * Block exponents at the edges of binary32's range: P = S * 2^(ea + eb) lands in the
 * subnormals, overflows, or needs the exact path where 2^(ea + eb) is not a binary32
 * number (kernel sets without a scale instruction).
 */
static void float_scale_extremes(void)
{
	struct rng r = rng_seeded(0xC9E5);

	for (int x = 0; x < N_FLOAT_OPS; x++)
		for (int y = 0; y < N_FLOAT_OPS; y++)
			for (int n = 0; n < 3; n++) {
				static const enum data_mode modes[] = {
					DATA_FINITE, DATA_MIXED_MAG, DATA_SUBNORMAL,
				};
				struct float_case fc = {
					float_ops[x], float_ops[y], FPQ_FMT_FP32, 7, 33, 128,
					modes[n], modes[(n + x) % 3], SCALES_EXTREME,
					n == 1 ? SCALES_ANY : SCALES_EXTREME, FPQ_ACT_NONE,
					(int)rng_below(&r, 3), 0, 0, 0, 0
				};

				run_float_case(&fc, &r);
				if (n < 2) {
					/* And the two edges of the range, swept. */
					fc.sweep = 1 + n;
					fc.sb = SCALES_NEAR;
					run_float_case(&fc, &r);
				}
			}
}

/* bf16 and every narrow output, plain and MX along N, saturating or not. */
static void float_outputs(void)
{
	static const enum fpq_format outs[] = {
		FPQ_FMT_BF16, FPQ_FMT_E4M3, FPQ_FMT_E5M2, FPQ_FMT_E3M2, FPQ_FMT_E2M3,
		FPQ_FMT_E2M1, FPQ_FMT_MXINT8, FPQ_FMT_INT8,
	};
	struct rng r = rng_seeded(0xC907);

	for (size_t o = 0; o < sizeof(outs) / sizeof(outs[0]); o++)
		for (int n = 0; n < 8; n++) {
			struct float_case fc = {
				float_ops[rng_below(&r, N_FLOAT_OPS)],
				float_ops[rng_below(&r, N_FLOAT_OPS)], outs[o],
				PICK(&r, odd_sizes), PICK(&r, odd_sizes), 64,
				(enum data_mode)rng_below(&r, DATA_MODES), DATA_FINITE,
				SCALES_NEAR, (enum scale_mode)rng_below(&r, SCALE_MODES),
				(int)rng_below(&r, 3), 1 + (int)rng_below(&r, 2), 0,
				(n & 1) && outs[o] != FPQ_FMT_BF16, 0, 0
			};

			fc.db = fc.da;
			if (outs[o] != FPQ_FMT_BF16 && outs[o] != FPQ_FMT_INT8 && n % 4 >= 2) {
				fc.mx_out = 1;
				fc.n = 32 * (1 + rng_below(&r, 3));
			}
			if (fc.m > 17)
				fc.m = 17;
			run_float_case(&fc, &r);
		}
}

/* Shapes that span several tiles, tasks and K chunks, on every thread count. */
static void float_large(void)
{
	static const struct { enum fpq_format fa, fb; uint32_t m, n, k; } shapes[] = {
		{ FPQ_FMT_E2M3, FPQ_FMT_E2M1, 37, 150, 1088 },
		{ FPQ_FMT_MXINT8, FPQ_FMT_E2M3, 13, 200, 2080 },
		{ FPQ_FMT_E3M2, FPQ_FMT_E2M3, 29, 97, 608 },
		{ FPQ_FMT_E4M3, FPQ_FMT_E4M3, 23, 70, 320 },
		{ FPQ_FMT_E4M3, FPQ_FMT_E3M2, 9, 66, 288 },
		{ FPQ_FMT_E5M2, FPQ_FMT_E4M3, 7, 40, 192 },
		{ FPQ_FMT_E5M2, FPQ_FMT_E5M2, 11, 35, 160 },
		{ FPQ_FMT_E2M1, FPQ_FMT_E5M2, 5, 48, 128 },
		{ FPQ_FMT_E2M3, FPQ_FMT_E2M3, 7, 80, 1056 },
		{ FPQ_FMT_E4M3, FPQ_FMT_E4M3, 6, 16, 64 },
		{ FPQ_FMT_E3M2, FPQ_FMT_E3M2, 9, 48, 96 },
		/* Int8-class B in whole panels, K a multiple of 64 (the AVX-512 B packer). */
		{ FPQ_FMT_E2M1, FPQ_FMT_MXINT8, 9, 64, 1024 },
		{ FPQ_FMT_MXINT8, FPQ_FMT_E2M1, 5, 35, 192 },
	};
	struct rng r = rng_seeded(0xC91A);

	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		struct float_case fc = {
			shapes[s].fa, shapes[s].fb, FPQ_FMT_FP32, shapes[s].m, shapes[s].n,
			shapes[s].k, s % 2 ? DATA_SPECIALS : DATA_FINITE,
			s % 3 ? DATA_FINITE : DATA_MIXED_MAG, SCALES_NEAR,
			s % 2 ? SCALES_ANY : SCALES_NEAR, FPQ_ACT_NONE, 1, 0, 0, 1, 0
		};

		run_float_case(&fc, &r);
	}
}

/*
 * e4m3 weights with data like quantized tensors, which the AVX-512 set runs in int16
 * windows (I16W; cpu_window_test checks that this data packs so): every A format it
 * serves and e5m2 (which falls back), tiles, tasks and K chunks, the windows' outliers
 * as corrections, NaN and extreme scales, and specials in two shapes only (an output
 * with an Inf or NaN in any block would hide its other blocks' errors).
 */
static void float_windowed(void)
{
	static const enum fpq_format fas[] = {
		FPQ_FMT_E4M3, FPQ_FMT_E3M2, FPQ_FMT_E2M3, FPQ_FMT_E2M1, FPQ_FMT_MXINT8, FPQ_FMT_E5M2,
	};
	static const struct { uint32_t m, n, k; } shapes[] = {
		{ 1, 16, 32 }, { 7, 70, 320 }, { 23, 33, 1000 }, { 13, 130, 256 }, { 6, 32, 2048 },
	};
	struct rng r = rng_seeded(0xC9B3);

	for (size_t f = 0; f < sizeof(fas) / sizeof(fas[0]); f++)
		for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
			const int scaled = shapes[s].k % 32 == 0;
			struct float_case fc = {
				fas[f], FPQ_FMT_E4M3, FPQ_FMT_FP32, shapes[s].m, shapes[s].n,
				shapes[s].k, s == 1 ? DATA_WINDOWED_SPECIALS : DATA_WINDOWED,
				s == 3 ? DATA_WINDOWED_SPECIALS : DATA_WINDOWED,
				scaled ? (enum scale_mode)(s % SCALE_MODES) : SCALES_NONE,
				scaled ? (enum scale_mode)((s + f) % SCALE_MODES) : SCALES_NONE,
				FPQ_ACT_NONE, (int)rng_below(&r, 3), 0, 0, s == 1, 0
			};

			run_float_case(&fc, &r);
		}
}

/* ---- INT8 path ---- */

static void run_int8_case(uint32_t m, uint32_t n, uint32_t k, int out, int trial,
			  struct rng *r, int all_threads)
{
	/* out: 0 int32, 1 int8 (TFLite), 2 fp32, 3 int8 (ONNX Runtime, REQUANT_FP32) */
	static const enum fpq_format cf[] = { FPQ_FMT_INT32, FPQ_FMT_INT8, FPQ_FMT_FP32,
					      FPQ_FMT_INT8 };
	struct test_matrix a, b, c;
	struct fpq_gemm_op op;
	int32_t *bias = malloc(4 * n), *mult = malloc(4 * n);
	int8_t *shift = malloc(n);
	float *scale = malloc(4 * n);
	char what[120];

	tm_alloc(&a, FPQ_FMT_INT8, m, k, rng_below(r, 4), 0);
	tm_alloc(&b, FPQ_FMT_INT8, n, k, rng_below(r, 4), 0);
	tm_alloc(&c, cf[out], m, n, rng_below(r, 2), 0);
	tm_fill(&a, r, trial % 5 == 1 ? DATA_MIXED_MAG : DATA_UNIFORM, SCALES_NONE);
	tm_fill(&b, r, trial % 5 == 2 ? DATA_MIXED_MAG : DATA_UNIFORM, SCALES_NONE);
	a.m.zero_point = trial % 9 == 0 ? -128 : (int32_t)rng_below(r, 256) - 128;
	for (uint32_t j = 0; j < n; j++) {
		bias[j] = trial % 7 == 0 ? (int32_t)rng_u32(r) : (int32_t)rng_below(r, 20001) - 10000;
		mult[j] = trial % 4 == 0 ? (int32_t)rng_u32(r)
					 : (int32_t)((1u << 30) + rng_below(r, 1u << 30));
		shift[j] = (int8_t)((int)rng_below(r, 62) - 31);
		scale[j] = trial % 6 == 0 ? rng_float_bits(r)
					  : ldexpf((float)rng_below(r, 1u << 24), -30);
	}
	if (trial % 11 == 3 && n > 1) {
		mult[0] = INT32_MIN;     /* the one saturating case of the high multiply */
		shift[0] = 30;
		bias[0] = INT32_MIN;
	}
	fpq_gemm_op_init(&op);
	op.a = a.m;
	op.b = b.m;
	op.c = c.m;
	op.bias = trial % 2 ? bias : NULL;
	if (out == 1) {
		op.requant_mult = mult;
		op.requant_shift = shift;
		op.out_zero = (int32_t)rng_below(r, 256) - 128;
		op.act_min = (int32_t)rng_below(r, 100) - 128;
		op.act_max = op.act_min + (int32_t)rng_below(r, (uint32_t)(128 - op.act_min));
		if (trial % 8 == 1)
			op.flags |= FPQ_GEMM_REQUANT_BROADCAST;
	} else if (out == 2) {
		op.out_scale = scale;
		if (trial % 8 == 2)
			op.flags |= FPQ_GEMM_SCALE_BROADCAST;
	} else if (out == 3) {
		n_requant_ties += requant_fp32_params(r, &op, bias, scale, trial % 3 == 0,
						      trial % 2);
	}
	snprintf(what, sizeof(what), "int8 -> %s%s M%u N%u K%u zp %d", fpq_format_name(cf[out]),
		 out == 3 ? " (requant_fp32)" : "", m, n, k, a.m.zero_point);
	if (out == 3) {
		/* The reference itself against the exact model, then every ISA against it. */
		uint64_t clamped = 0, wrong;
		struct fpq_gemm_status st;

		CHECK(fpq_gemm_reference(&op, &st) == 0, "%s: reference", what);
		wrong = model_check_requant_fp32(&op, &c.m, &clamped);
		CHECK(wrong == 0 && st.clamped == clamped, "%s: reference: %llu outputs differ "
		      "from the model, clamped %llu vs %llu", what, (unsigned long long)wrong,
		      (unsigned long long)st.clamped, (unsigned long long)clamped);
	}
	check_op(&op, &c, what, all_threads);
	tm_free(&a);
	tm_free(&b);
	tm_free(&c);
	free(bias);
	free(mult);
	free(shift);
	free(scale);
}

static void int8_odd_shapes(void)
{
	struct rng r = rng_seeded(0xC918);

	for (int trial = 0; trial < 120; trial++) {
		uint32_t m = PICK(&r, odd_sizes), n = PICK(&r, odd_sizes);
		/* K a multiple of 32 lets the INT8 kernels read A in place. */
		uint32_t k = trial % 10 == 0 ? 300 + rng_below(&r, 900)
			   : trial % 3 == 1 ? 32 * (1 + rng_below(&r, 12)) : PICK(&r, k_any);

		if (m > 17 && n > 17)
			m = 17;
		run_int8_case(m, n, k, trial % 3, trial, &r, 0);
	}
}

static void int8_large(void)
{
	struct rng r = rng_seeded(0xC91B);

	run_int8_case(40, 130, 1200, 0, 1, &r, 1);
	run_int8_case(19, 67, 2049, 1, 2, &r, 1);
	run_int8_case(7, 200, 777, 2, 3, &r, 1);
	/* N a multiple of 16 but not of the widest panel group: the last group is whole
	 * but narrower than the others. */
	run_int8_case(5, 48, 1100, 0, 4, &r, 1);
	run_int8_case(3, 80, 96, 1, 6, &r, 0);
	run_int8_case(2, 16, 64, 2, 8, &r, 0);
	/* The K limit: the extreme sum is still exact. */
	run_int8_case(3, 5, FPQ_INT8_MAX_K, 0, 5, &r, 0);
	/* Whole panels of 16 channels and K a multiple of 64 (the AVX-512 B packer), next
	 * to a last panel it leaves to the portable packer. */
	run_int8_case(9, 67, 640, 0, 10, &r, 1);
	run_int8_case(4, 64, 128, 1, 12, &r, 0);
	run_int8_case(6, 32, 4096, 2, 14, &r, 0);
}

/*
 * Up to four rows with B not pre-packed: the AVX-512 set reads B's rows directly (no
 * packing); K ending inside a 64-byte piece, single channels, and the K limit.
 */
static void int8_few_rows(void)
{
	static const uint32_t ns[] = { 1, 5, 67, 200 }, ks[] = { 1, 63, 64, 65, 1000 };
	struct rng r = rng_seeded(0xC9A1);
	int trial = 0;

	for (uint32_t m = 1; m <= 4; m++)
		for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
			for (size_t j = 0; j < sizeof(ks) / sizeof(ks[0]); j++, trial++)
				run_int8_case(m, ns[i], ks[j], trial % 3, trial, &r, trial % 4 == 0);
	run_int8_case(4, 9, FPQ_INT8_MAX_K, 0, 9, &r, 1);
	run_int8_case(1, 3, FPQ_INT8_MAX_K, 1, 11, &r, 0);
}

/*
 * INT8 output in ONNX Runtime's mode on every ISA: odd shapes, the few-row path without
 * packing, large K, accumulators on rounding ties.
 */
static void int8_requant_fp32(void)
{
	static const uint32_t ks[] = { 1, 63, 64, 65, 1000 };
	struct rng r = rng_seeded(0xC9F8);
	int trial = 0;

	for (; trial < 60; trial++) {
		uint32_t m = PICK(&r, odd_sizes), n = PICK(&r, odd_sizes);
		uint32_t k = trial % 3 == 1 ? 32 * (1 + rng_below(&r, 12)) : PICK(&r, k_any);

		run_int8_case(m, n, k, 3, trial, &r, trial % 6 == 0);
	}
	for (uint32_t m = 1; m <= 4; m++)
		for (size_t j = 0; j < sizeof(ks) / sizeof(ks[0]); j++, trial++)
			run_int8_case(m, 1 + rng_below(&r, 70), ks[j], 3, trial, &r, 0);
	run_int8_case(19, 67, 2049, 3, trial++, &r, 1);
	run_int8_case(2, 40, FPQ_INT8_MAX_K, 3, trial++, &r, 0);
	printf("  %ld accumulators placed on rounding ties\n", n_requant_ties);
	CHECK(n_requant_ties > 1000, "only %ld tie cases", n_requant_ties);
}

/*
 * The caller's floating-point state must not leak into the kernels: flush-to-zero,
 * denormals-are-zero and round-toward-zero set in the calling thread (and inherited by
 * the workers of a context created afterwards) change nothing.
 */
static void caller_fp_state(void)
{
#if defined(__x86_64__)
	struct rng r = rng_seeded(0xC9F7);
	struct fpq_context *late[N_ISAS] = { NULL };
	unsigned int csr = __builtin_ia32_stmxcsr();

	for (int n = 0; n < 12; n++) {
		struct test_matrix a, b, c;
		struct fpq_gemm_op op;
		struct fpq_gemm_status ref_st, st;
		enum fpq_format fa = float_ops[n % N_FLOAT_OPS], fb = float_ops[(n / 2) % N_FLOAT_OPS];

		tm_alloc(&a, fa, 9, 96, 0, 1);
		tm_alloc(&b, fb, 21, 96, 0, 1);
		tm_alloc(&c, n % 3 ? FPQ_FMT_FP32 : FPQ_FMT_BF16, 9, 21, 0, 0);
		tm_fill(&a, &r, DATA_SUBNORMAL, SCALES_EXTREME);
		tm_fill(&b, &r, n % 2 ? DATA_SUBNORMAL : DATA_FINITE, SCALES_EXTREME);
		fpq_gemm_op_init(&op);
		op.a = a.m;
		op.b = b.m;
		op.c = c.m;
		CHECK(fpq_gemm_reference(&op, &ref_st) == 0, "reference");
		uint8_t *want = tm_snapshot(&c);

		/* FTZ | DAZ | round toward zero. */
		__builtin_ia32_ldmxcsr(csr | 0x8040 | 0x6000);
		for (int i = 0; i < N_ISAS; i++) {
			if (!isa_ok[i])
				continue;
			if (!late[i]) {
				setenv("FPQ_CPU_ISA", isa_names[i], 1);
				fpq_context_create(&(struct fpq_context_opts){ FPQ_BACKEND_CPU, 0, 2 },
						   &late[i]);
				unsetenv("FPQ_CPU_ISA");
			}
			struct fpq_context *both[2] = { ctxs[i][2], late[i] };

			for (int v = 0; v < 2; v++) {
				memset(c.buf, 0, c.buf_bytes);
				CHECK(both[v] && fpq_gemm(both[v], &op, &st) == 0, "gemm");
				CHECK(memcmp(c.buf, want, c.buf_bytes) == 0 &&
				      st.clamped == ref_st.clamped,
				      "%s x %s [%s%s]: differs with FTZ/DAZ/RZ in the caller",
				      fpq_format_name(fa), fpq_format_name(fb), isa_names[i],
				      v ? ", context created after" : "");
			}
		}
		CHECK(__builtin_ia32_stmxcsr() == (csr | 0x8040 | 0x6000),
		      "the caller's MXCSR was not restored");
		__builtin_ia32_ldmxcsr(csr);
		free(want);
		tm_free(&a);
		tm_free(&b);
		tm_free(&c);
	}
	for (int i = 0; i < N_ISAS; i++)
		fpq_context_destroy(late[i]);
#else
	harness_skip("x86 only");
#endif
}

int main(void)
{
	double t0 = now();

	RUN(isa_selection);
	RUN(int8_odd_shapes);
	RUN(int8_large);
	RUN(int8_few_rows);
	RUN(int8_requant_fp32);
	RUN(float_pairs);
	RUN(float_scale_extremes);
	RUN(float_outputs);
	RUN(float_large);
	RUN(float_windowed);
	RUN(caller_fp_state);
	close_contexts();
	printf("  %ld variant runs, %ld outputs compared, %.1f s\n", n_variant_runs, n_compared,
	       now() - t0);
	return harness_report();
}
