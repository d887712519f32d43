// SPDX-License-Identifier: MIT
/*
 * fp_env_test.c - the caller's floating-point environment changes no result of libfpq.
 *
 * Every public entry point that computes (codecs, bfloat16, quantize and dequantize,
 * validation, the reference GEMM, fpq_gemm() on the reference and CPU contexts - every
 * kernel set, contexts created before and inside the changed environment - jobs,
 * pre-packed weights) runs first in the default environment, then with one change at a
 * time: rounding upward, downward, toward zero (fesetround: MXCSR and the x87 control
 * word), flush-to-zero (MXCSR bit 15) and denormals-are-zero (MXCSR bit 6). The outputs
 * and status counts must be equal bit for bit, and after every call the environment
 * must be exactly the one the caller set.
 *
 * Inputs are made once in the default environment; between library calls the test
 * code only copies bytes, so the changed environment touches nothing but libfpq.
 */
#include <errno.h>
#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm_data.h"
#include "harness.h"
#include "rng.h"

/* ---- the environment ---- */

struct fp_state {
	int round;
	unsigned int mxcsr;
	uint16_t x87_cw;
};

static struct fp_state fp_state_now(void)
{
	struct fp_state s = { fegetround(), 0, 0 };

#if defined(__x86_64__) || defined(__i386__)
	s.mxcsr = __builtin_ia32_stmxcsr();
	__asm__ volatile("fnstcw %0" : "=m"(s.x87_cw));
#endif
	return s;
}

struct env_change {
	const char *name;
	int round;
	unsigned int mxcsr_bits;
};

static const struct env_change changes[] = {
	{ "FE_UPWARD", FE_UPWARD, 0 },
	{ "FE_DOWNWARD", FE_DOWNWARD, 0 },
	{ "FE_TOWARDZERO", FE_TOWARDZERO, 0 },
	{ "FTZ", FE_TONEAREST, 0x8000 },
	{ "DAZ", FE_TONEAREST, 0x0040 },
};
#define N_CHANGES (sizeof(changes) / sizeof(changes[0]))

static struct fp_state default_state, expected;
static const char *env_name = "default";
static long n_calls;

static void enter_env(const struct env_change *c)
{
	fesetround(c->round);
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_ldmxcsr(__builtin_ia32_stmxcsr() | c->mxcsr_bits);
#endif
	expected = fp_state_now();
	env_name = c->name;
}

static void leave_env(void)
{
	fesetround(default_state.round);
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_ldmxcsr(default_state.mxcsr);
	__asm__ volatile("fldcw %0" : : "m"(default_state.x87_cw));
#endif
	expected = fp_state_now();
	env_name = "default";
}

/* MXCSR: DAZ, exception masks, rounding, FTZ (bits 6..15); below them status flags. */
#define MXCSR_CONTROL 0xFFC0u
#define MXCSR_FLAGS 0x003Fu

static char env_failure[300];
static long env_failures;

/*
 * After every library call: the caller's control modes are as it set them, and no
 * status flag it had is cleared (a library may raise flags, C11 7.6, but not clear
 * them). The first failure of a run is kept for compare_runs() to report.
 */
static void env_check(const char *what)
{
	struct fp_state s = fp_state_now();

	n_calls++;
	if (s.round == expected.round &&
	    (s.mxcsr & MXCSR_CONTROL) == (expected.mxcsr & MXCSR_CONTROL) &&
	    (s.mxcsr & expected.mxcsr & MXCSR_FLAGS) == (expected.mxcsr & MXCSR_FLAGS) &&
	    s.x87_cw == expected.x87_cw)
		return;
	if (env_failures++ == 0)
		snprintf(env_failure, sizeof(env_failure), "%s under %s: environment not "
			 "restored (rounding %d, want %d; MXCSR 0x%x, want 0x%x; x87 control "
			 "0x%x, want 0x%x)", what, env_name, s.round, expected.round, s.mxcsr,
			 expected.mxcsr, s.x87_cw, expected.x87_cw);
}

static void report_env(void)
{
	CHECK(env_failures == 0, "%s (%ld calls left it changed)", env_failure, env_failures);
	env_failures = 0;
}

/* ---- what a run produced: bytes, compared whole ---- */

struct sink {
	uint8_t *p;
	size_t n, cap;
};

static void put(struct sink *s, const void *v, size_t len)
{
	if (s->n + len > s->cap) {
		s->cap = (s->n + len) * 2;
		s->p = realloc(s->p, s->cap);
	}
	memcpy(s->p + s->n, v, len);
	s->n += len;
}

#define PUT(s, v) put(s, &(v), sizeof(v))

/* Run one exercise in the default environment, then under every change. */
static void compare_runs(const char *what, void (*run)(struct sink *))
{
	struct sink want = { 0 };

	run(&want);
	report_env();
	for (size_t c = 0; c < N_CHANGES; c++) {
		struct sink got = { 0 };

		enter_env(&changes[c]);
		run(&got);
		leave_env();
		report_env();
		if (got.n != want.n || memcmp(got.p, want.p, want.n)) {
			size_t at = 0;

			while (at < got.n && at < want.n && got.p[at] == want.p[at])
				at++;
			CHECK(0, "%s under %s: results differ (first at byte %zu of %zu)", what,
			      changes[c].name, at, want.n);
		}
		free(got.p);
	}
	free(want.p);
}

/* ---- scalar codecs ---- */

static const enum fpq_format elem_formats[] = {
	FPQ_FMT_INT8, FPQ_FMT_E4M3, FPQ_FMT_E5M2, FPQ_FMT_E3M2, FPQ_FMT_E2M3, FPQ_FMT_E2M1,
	FPQ_FMT_MXINT8,
};
#define N_ELEM (sizeof(elem_formats) / sizeof(elem_formats[0]))
#define N_VALUES 6000

static float values[N_ELEM][N_VALUES];

/* Values the rounding mode, FTZ or DAZ would change: ties, subnormals, out of range. */
static void make_values(void)
{
	struct rng r = rng_seeded(0xFE01);

	for (size_t f = 0; f < N_ELEM; f++) {
		const struct fpq_format_info *fi = fpq_format_info(elem_formats[f]);

		for (int i = 0; i < N_VALUES; i++) {
			float v;

			switch (i % 5) {
			case 0:
				v = rng_float_bits(&r);
				break;
			case 1: {      /* a subnormal binary32 */
				uint32_t b = rng_u32(&r) & 0x807FFFFFu;

				memcpy(&v, &b, sizeof(v));
				break;
			}
			case 2:        /* halfway between two codes of small magnitude */
				v = ldexpf((float)(2 * (int)rng_below(&r, 64) + 1),
					   -(int)rng_below(&r, 20));
				break;
			default:       /* anywhere in twice the format's range */
				v = fi->max_finite * 2.0f *
				    ((float)(int)(rng_u32(&r) % 2000001 - 1000000) / 1e6f);
				break;
			}
			values[f][i] = v;
		}
	}
}

static void run_codecs(struct sink *s)
{
	for (size_t f = 0; f < N_ELEM; f++) {
		enum fpq_format fmt = elem_formats[f];

		for (unsigned int flags = 0; flags < 2; flags++) {
			struct fpq_quant_stats st = { 0, 0, 0 };

			for (int i = 0; i < N_VALUES; i++) {
				uint32_t code = fpq_encode(fmt, values[f][i], flags, &st);

				PUT(s, code);
			}
			env_check("fpq_encode");
			PUT(s, st);
		}
		for (uint32_t code = 0; code < (1u << fpq_format_info(fmt)->bits); code++) {
			float v = fpq_decode(fmt, code);

			PUT(s, v);
		}
		env_check("fpq_decode");
	}
}

static void run_bf16(struct sink *s)
{
	for (int i = 0; i < N_VALUES; i++) {
		uint16_t b = fpq_bf16_from_fp32(values[i % N_ELEM][i]);

		PUT(s, b);
	}
	env_check("fpq_bf16_from_fp32");
	for (uint32_t c = 0; c < 65536; c++) {
		float v = fpq_bf16_to_fp32((uint16_t)c);

		PUT(s, v);
	}
	env_check("fpq_bf16_to_fp32");
}

/* ---- matrices ---- */

#define QROWS 4
#define QCOLS 96

static float qsrc[QROWS * QCOLS];

static void make_qsrc(void)
{
	struct rng r = rng_seeded(0xFE02);

	for (int i = 0; i < QROWS * QCOLS; i++) {
		int row = i / QCOLS;

		/* Row 3 tiny (subnormal after MX scaling), the others mixed. */
		qsrc[i] = row == 3 ? ldexpf((float)(int)(rng_u32(&r) % 2001 - 1000), -140)
			: row == 2 ? values[i % N_ELEM][i]
				   : (float)(int)(rng_u32(&r) % 20001 - 10000) / 977.0f;
	}
}

static void run_quantize(struct sink *s)
{
	static const struct {
		enum fpq_format fmt;
		int mx;
		unsigned int flags;
	} q[] = {
		{ FPQ_FMT_E4M3, 0, 0 }, { FPQ_FMT_E5M2, 0, FPQ_QUANT_NONSAT },
		{ FPQ_FMT_E2M1, 1, 0 }, { FPQ_FMT_MXINT8, 1, 0 }, { FPQ_FMT_E3M2, 1, 0 },
		{ FPQ_FMT_INT8, 0, 0 },
	};
	uint8_t data[QROWS * QCOLS], scales[QROWS * QCOLS / 32];
	float back[QROWS * QCOLS];

	for (size_t t = 0; t < sizeof(q) / sizeof(q[0]); t++) {
		struct fpq_matrix m = { q[t].fmt, QROWS, QCOLS, 0, data, q[t].mx ? scales : NULL,
					0, 0 };
		struct fpq_quant_stats st;
		int err;

		memset(data, 0, sizeof(data));
		memset(scales, 0, sizeof(scales));
		err = fpq_quantize(qsrc, QCOLS, &m, q[t].flags, &st);
		env_check("fpq_quantize");
		PUT(s, err);
		PUT(s, st);
		put(s, data, sizeof(data));
		put(s, scales, sizeof(scales));
		if (q[t].mx)
			scales[3 * QCOLS / 32] = 1;    /* 2^-126: subnormal results */
		err = fpq_dequantize(&m, back, QCOLS);
		env_check("fpq_dequantize");
		PUT(s, err);
		put(s, back, sizeof(back));
	}
	/* int32 to binary32 rounds above 2^24. */
	int32_t ints[QCOLS];
	struct fpq_matrix mi = { FPQ_FMT_INT32, 1, QCOLS, 0, ints, NULL, 0, 0 };

	for (int i = 0; i < QCOLS; i++)
		ints[i] = (int32_t)(0x1000001u + 0x2468ACEu * (uint32_t)i);
	fpq_dequantize(&mi, back, QCOLS);
	env_check("fpq_dequantize");
	put(s, back, QCOLS * sizeof(float));
}

/* ---- GEMM ---- */

/* The operations, made once; each run resets C to its initial bytes. */
#define N_OPS 24

struct gemm_case {
	struct test_matrix a, b, c;
	uint8_t *c_init;
	struct fpq_gemm_op op;
	float alpha[64], beta[64], scale[64];
	int32_t bias[64], mult[64];
	int8_t shift[64];
};

static struct gemm_case cases[N_OPS];
static int n_cases;

/* The issue's example: e2m1 x e2m1, mxint8 output, all zero, beta 0x12f88005. */
static void make_issue_case(struct gemm_case *g)
{
	uint32_t beta_bits = 0x12f88005u;

	tm_alloc(&g->a, FPQ_FMT_E2M1, 1, 32, 0, 0);
	tm_alloc(&g->b, FPQ_FMT_E2M1, 1, 32, 0, 0);
	tm_alloc(&g->c, FPQ_FMT_MXINT8, 1, 1, 0, 0);
	memset(g->a.m.data, 0, fpq_row_bytes(FPQ_FMT_E2M1, 32));
	memset(g->b.m.data, 0, fpq_row_bytes(FPQ_FMT_E2M1, 32));
	memcpy(&g->beta[0], &beta_bits, 4);
	fpq_gemm_op_init(&g->op);
	g->op.a = g->a.m;
	g->op.b = g->b.m;
	g->op.c = g->c.m;
	g->op.flags = FPQ_GEMM_QUANT_NONSAT;
	g->op.beta = g->beta;
	g->op.act = FPQ_ACT_CLAMP;
	g->op.clamp_lo = 0.0f;
	g->op.clamp_hi = INFINITY;
}

static void make_float_case(struct gemm_case *g, struct rng *r, int n)
{
	static const enum fpq_format ops[] = { FPQ_FMT_E4M3, FPQ_FMT_E5M2, FPQ_FMT_E3M2,
					       FPQ_FMT_E2M3, FPQ_FMT_E2M1, FPQ_FMT_MXINT8 };
	static const enum fpq_format outs[] = { FPQ_FMT_FP32, FPQ_FMT_BF16, FPQ_FMT_E4M3,
						FPQ_FMT_E2M1, FPQ_FMT_MXINT8 };
	enum fpq_format fa = ops[n % 6], fb = ops[(n / 2 + 1) % 6], fc = outs[n % 5];
	int mx_out = fc == FPQ_FMT_E2M1 && n % 2;
	uint32_t cols = mx_out ? 32 : 13;

	tm_alloc(&g->a, fa, 5, 96, 0, 1);
	tm_alloc(&g->b, fb, cols, 96, 0, 1);
	tm_alloc(&g->c, fc, 5, cols, 0, mx_out);
	if (n % 4 == 0) {      /* ordinary sums, scaled into the subnormals by alpha */
		tm_fill(&g->a, r, DATA_FINITE, SCALES_NEAR);
		tm_fill(&g->b, r, DATA_FINITE, SCALES_NEAR);
	} else {
		tm_fill(&g->a, r, n % 3 ? DATA_SUBNORMAL : DATA_FINITE, SCALES_EXTREME);
		tm_fill(&g->b, r, n % 2 ? DATA_SUBNORMAL : DATA_MIXED_MAG, SCALES_EXTREME);
	}
	for (int j = 0; j < 64; j++) {
		/* Every fourth case: tiny alphas, so fmaf's results are inexact subnormals. */
		g->alpha[j] = ldexpf(1.0f + (float)rng_below(r, 1000) / 997.0f,
				     n % 4 == 0 ? -120 - (int)rng_below(r, 20)
						: (int)rng_below(r, 60) - 40);
		g->beta[j] = ldexpf((float)((int)rng_below(r, 2001) - 1000), -(int)rng_below(r, 150));
	}
	fpq_gemm_op_init(&g->op);
	g->op.a = g->a.m;
	g->op.b = g->b.m;
	g->op.c = g->c.m;
	g->op.alpha = g->alpha;
	g->op.beta = g->beta;
	g->op.act = (enum fpq_activation)(n % 3);
	g->op.clamp_lo = -0x1p-130f;
	g->op.clamp_hi = 0x1p-128f * (float)(1 + n);
}

static void make_int8_case(struct gemm_case *g, struct rng *r, int n)
{
	static const enum fpq_format outs[] = { FPQ_FMT_FP32, FPQ_FMT_INT8, FPQ_FMT_INT8 };
	enum fpq_format fc = outs[n % 3];

	tm_alloc(&g->a, FPQ_FMT_INT8, 5, 70, 0, 0);
	tm_alloc(&g->b, FPQ_FMT_INT8, 37, 70, 0, 0);
	tm_alloc(&g->c, fc, 5, 37, 0, 0);
	tm_fill(&g->a, r, DATA_UNIFORM, SCALES_NONE);
	tm_fill(&g->b, r, DATA_UNIFORM, SCALES_NONE);
	fpq_gemm_op_init(&g->op);
	g->op.a = g->a.m;
	g->op.b = g->b.m;
	g->op.c = g->c.m;
	g->op.a.zero_point = (int32_t)rng_below(r, 256) - 128;
	for (int j = 0; j < 64; j++) {
		g->bias[j] = (int32_t)rng_u32(r) / 64;
		g->mult[j] = (int32_t)((1u << 30) + rng_below(r, 1u << 30));
		g->shift[j] = (int8_t)(-(int)rng_below(r, 20));
		g->scale[j] = ldexpf(1.0f + (float)rng_below(r, 1u << 20) / 1048576.0f,
				     -(int)rng_below(r, 160));
	}
	g->op.bias = g->bias;
	if (n % 3 == 0) {
		g->op.out_scale = g->scale;     /* fp32 output: subnormal products */
	} else if (n % 3 == 1) {
		g->op.requant_mult = g->mult;
		g->op.requant_shift = g->shift;
	} else {
		requant_fp32_params(r, &g->op, g->bias, g->scale, n % 2, 1);
	}
}

static void make_cases(void)
{
	struct rng r = rng_seeded(0xFE03);

	make_issue_case(&cases[n_cases++]);
	for (int n = 0; n < 14; n++)
		make_float_case(&cases[n_cases++], &r, n);
	for (int n = 0; n < 9; n++)
		make_int8_case(&cases[n_cases++], &r, n);
	for (int i = 0; i < n_cases; i++)
		cases[i].c_init = tm_snapshot(&cases[i].c);
}

static void free_cases(void)
{
	for (int i = 0; i < n_cases; i++) {
		tm_free(&cases[i].a);
		tm_free(&cases[i].b);
		tm_free(&cases[i].c);
		free(cases[i].c_init);
	}
}

static void reset_c(struct gemm_case *g)
{
	memcpy(g->c.buf, g->c_init, g->c.buf_bytes);
	if (g->c.scale_buf)
		memset(g->c.scale_buf, 0, g->c.scale_bytes);
}

static void put_result(struct sink *s, struct gemm_case *g, int err,
		       const struct fpq_gemm_status *st)
{
	struct fpq_gemm_status z = *st;

	z.backend = 0;                   /* which backend ran is not a result */
	z.device_cycles = 0;
	PUT(s, err);
	PUT(s, z);
	put(s, g->c.buf, g->c.buf_bytes);
	if (g->c.scale_buf)
		put(s, g->c.scale_buf, g->c.scale_bytes);
}

static void run_reference(struct sink *s)
{
	for (int i = 0; i < n_cases; i++) {
		struct fpq_gemm_status st = { 0 };
		int err;

		reset_c(&cases[i]);
		err = fpq_gemm_reference(&cases[i].op, &st);
		env_check("fpq_gemm_reference");
		put_result(s, &cases[i], err, &st);
	}
}

static void run_validate(struct sink *s)
{
	/* A subnormal lower clamp bound above an upper bound of zero: DAZ would see 0..0. */
	struct fpq_gemm_op op = cases[1].op;
	int err;

	op.act = FPQ_ACT_CLAMP;
	op.clamp_lo = 0x1p-140f;
	op.clamp_hi = 0.0f;
	err = fpq_gemm_validate(&op);
	env_check("fpq_gemm_validate");
	PUT(s, err);
	op.clamp_lo = -0x1p-145f;
	op.clamp_hi = -0x1p-146f;
	err = fpq_gemm_validate(&op);
	env_check("fpq_gemm_validate");
	PUT(s, err);
}

/* ---- contexts ---- */

static const char *const isas[] = { "scalar", "avx2", "avxvnni", "avx512" };
#define N_ISAS 4
/* The reference context, then one CPU context per kernel set the CPU runs. */
static struct fpq_context *contexts[1 + N_ISAS];
static int n_contexts;
static int fresh_contexts;       /* also create contexts inside the changed environment */

static int open_contexts(struct fpq_context **out)
{
	int n = 0;
	struct fpq_context_opts ref = { FPQ_BACKEND_REFERENCE, 0, 1 };

	if (fpq_context_create(&ref, &out[n]) == 0)
		n++;
	env_check("fpq_context_create");
	for (int i = 0; i < N_ISAS; i++) {
		struct fpq_context_opts o = { FPQ_BACKEND_CPU, 0, 2 };

		setenv("FPQ_CPU_ISA", isas[i], 1);
		if (fpq_context_create(&o, &out[n]) == 0)
			n++;
		env_check("fpq_context_create");
	}
	unsetenv("FPQ_CPU_ISA");
	return n;
}

static void run_contexts_on(struct sink *s, struct fpq_context **ctx, int n)
{
	for (int c = 0; c < n; c++) {
		/* One call at a time. */
		for (int i = 0; i < n_cases; i++) {
			struct fpq_gemm_status st = { 0 };
			int err;

			reset_c(&cases[i]);
			err = fpq_gemm(ctx[c], &cases[i].op, &st);
			env_check("fpq_gemm");
			put_result(s, &cases[i], err, &st);
		}
		/* Jobs of every operation; then pre-packed weights. */
		struct fpq_gemm_op ops[N_OPS];
		struct fpq_gemm_status st[N_OPS];
		struct fpq_job *job = NULL;
		int err;

		for (int i = 0; i < n_cases; i++) {
			reset_c(&cases[i]);
			ops[i] = cases[i].op;
		}
		memset(st, 0, sizeof(st));
		err = fpq_submit(ctx[c], ops, (unsigned int)n_cases, &job);
		env_check("fpq_submit");
		if (!err) {
			err = fpq_job_wait(job, -1, st);
			env_check("fpq_job_wait");
			fpq_job_free(job);
			env_check("fpq_job_free");
		}
		for (int i = 0; i < n_cases; i++)
			put_result(s, &cases[i], err, &st[i]);
		for (int i = 0; i < n_cases; i++) {
			struct fpq_weights *w = NULL;
			struct fpq_gemm_op op = cases[i].op;
			struct fpq_gemm_status one = { 0 };

			reset_c(&cases[i]);
			err = fpq_weights_pack(ctx[c], &op.b, &w);
			env_check("fpq_weights_pack");
			if (!err) {
				op.b_packed = w;
				err = fpq_gemm(ctx[c], &op, &one);
				env_check("fpq_gemm (pre-packed)");
				fpq_weights_free(w);
			}
			put_result(s, &cases[i], err, &one);
		}
	}
}

static void run_contexts(struct sink *s)
{
	run_contexts_on(s, contexts, n_contexts);
	if (fresh_contexts) {
		/* Contexts made here: their worker threads start in this environment. */
		struct fpq_context *fresh[1 + N_ISAS];
		int n = open_contexts(fresh);

		run_contexts_on(s, fresh, n);
		for (int c = 0; c < n; c++) {
			fpq_context_destroy(fresh[c]);
			env_check("fpq_context_destroy");
		}
	}
}

/* ---- the cases ---- */

static void codecs(void)
{
	compare_runs("fpq_encode/fpq_decode", run_codecs);
}

static void bf16(void)
{
	compare_runs("fpq_bf16_from_fp32/to_fp32", run_bf16);
}

static void quantize(void)
{
	compare_runs("fpq_quantize/fpq_dequantize", run_quantize);
}

static void validate(void)
{
	struct sink s = { 0 };

	run_validate(&s);
	CHECK(s.n == 2 * sizeof(int) && ((int *)(void *)s.p)[0] == -EINVAL,
	      "a subnormal lower bound above 0 is refused");
	free(s.p);
	compare_runs("fpq_gemm_validate", run_validate);
}

/* The issue's example on its own: 0x00 in every environment (0x01 was seen upward). */
static void issue_example(void)
{
	struct gemm_case *g = &cases[0];

	for (size_t c = 0; c <= N_CHANGES; c++) {
		if (c < N_CHANGES)
			enter_env(&changes[c]);
		reset_c(g);
		int err = fpq_gemm_reference(&g->op, NULL);

		env_check("fpq_gemm_reference");
		uint32_t got = fpq_matrix_get(&g->c.m, 0, 0);

		if (c < N_CHANGES)
			leave_env();
		report_env();
		CHECK(err == 0 && got == 0x00, "under %s: 0x%02x (err %d)",
		      c < N_CHANGES ? changes[c].name : "the default environment", got, err);
	}
}

static void reference(void)
{
	compare_runs("fpq_gemm_reference", run_reference);
}

static void contexts_and_jobs(void)
{
	n_contexts = open_contexts(contexts);
	CHECK(n_contexts >= 2, "only %d contexts", n_contexts);
	fresh_contexts = 1;
	compare_runs("fpq_gemm/fpq_submit/fpq_weights_pack", run_contexts);
	for (int c = 0; c < n_contexts; c++)
		fpq_context_destroy(contexts[c]);
	printf("  %d contexts (reference and every CPU kernel set here), %d operations\n",
	       n_contexts, n_cases);
}

int main(void)
{
	default_state = expected = fp_state_now();
	make_values();
	make_qsrc();
	make_cases();
	RUN(codecs);
	RUN(bf16);
	RUN(quantize);
	RUN(validate);
	RUN(issue_example);
	RUN(reference);
	RUN(contexts_and_jobs);
	printf("  %ld library calls, the environment checked after each\n", n_calls);
	free_cases();
	return harness_report();
}
