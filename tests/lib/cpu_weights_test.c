// SPDX-License-Identifier: MIT
/*
 * cpu_weights_test.c - pre-packed weights (fpq_weights_pack, fpq_gemm_op.b_packed):
 * every rejection path, the copy being independent of the caller's buffer, weights used
 * across contexts, kernel sets and backends (and with A formats of another class, which
 * repack per call), asynchronous jobs, and the reference reading the packed copy.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm_data.h"
#include "harness.h"
#include "rng.h"

static struct fpq_context *open_ctx(enum fpq_backend be, const char *isa)
{
	struct fpq_context_opts o = { be, 0, 2 };
	struct fpq_context *ctx = NULL;

	if (isa)
		setenv("FPQ_CPU_ISA", isa, 1);
	if (fpq_context_create(&o, &ctx))
		ctx = NULL;
	unsetenv("FPQ_CPU_ISA");
	return ctx;
}

static void rejections(void)
{
	struct fpq_context *ctx = open_ctx(FPQ_BACKEND_CPU, NULL);
	struct test_matrix b, wrong;
	struct fpq_weights *w = (struct fpq_weights *)1;
	struct fpq_matrix m;

	tm_alloc(&b, FPQ_FMT_E2M3, 8, 64, 0, 1);
	CHECK(fpq_weights_pack(ctx, &b.m, NULL) == -EFAULT, "NULL output");
	CHECK(fpq_weights_pack(NULL, &b.m, &w) == -EFAULT && w == NULL, "NULL context");
	CHECK(fpq_weights_pack(ctx, NULL, &w) == -EFAULT, "NULL matrix");
	m = b.m;
	m.format = FPQ_FMT_FP32;
	m.stride = 0;
	m.scales = NULL;
	m.scale_stride = 0;
	CHECK(fpq_weights_pack(ctx, &m, &w) == -EINVAL &&
	      strstr(fpq_strerror(-EINVAL), "operand"), "fp32 weights: %s", fpq_strerror(-EINVAL));
	m = b.m;
	m.cols = 60;                    /* MX needs whole blocks */
	CHECK(fpq_weights_pack(ctx, &m, &w) == -EINVAL, "K not a multiple of 32 with scales");
	tm_alloc(&wrong, FPQ_FMT_INT8, 8, 64, 0, 0);
	wrong.m.zero_point = 3;
	CHECK(fpq_weights_pack(ctx, &wrong.m, &w) == -EINVAL &&
	      strstr(fpq_strerror(-EINVAL), "zero point"), "zero point: %s", fpq_strerror(-EINVAL));
	tm_free(&wrong);

	/* An operation whose B descriptor disagrees with the packed weights. */
	CHECK(fpq_weights_pack(ctx, &b.m, &w) == 0, "pack");
	struct test_matrix a, c;
	struct fpq_gemm_op op;

	tm_alloc(&a, FPQ_FMT_E2M3, 4, 64, 0, 1);
	tm_alloc(&c, FPQ_FMT_FP32, 4, 8, 0, 0);
	struct rng r = rng_seeded(0x3E1);

	tm_fill(&a, &r, DATA_FINITE, SCALES_NEAR);
	for (int what = 0; what < 5; what++) {
		fpq_gemm_op_init(&op);
		op.a = a.m;
		op.b = b.m;
		op.c = c.m;
		op.b_packed = w;
		switch (what) {
		case 0: op.b.format = FPQ_FMT_E3M2; break;
		case 1: op.b.rows = 7; op.c.cols = 7; break;
		case 2: op.b.cols = 32; op.a.cols = 32; break;
		case 3: op.b.scales = NULL; op.b.scale_stride = 0; break;
		default: op.b.zero_point = 1; break;
		}
		memset(c.buf, 0x5A, c.buf_bytes);
		int err = fpq_gemm(ctx, &op, NULL);

		CHECK(err == -EINVAL, "mismatch %d: %d", what, err);
		CHECK(fpq_gemm_reference(&op, NULL) == -EINVAL, "mismatch %d (reference)", what);
		for (size_t i = 0; i < c.buf_bytes; i++)
			if (c.buf[i] != 0x5A) {
				CHECK(0, "mismatch %d: C written", what);
				break;
			}
	}
	fpq_weights_free(w);
	fpq_weights_free(NULL);
	tm_free(&a);
	tm_free(&b);
	tm_free(&c);
	fpq_context_destroy(ctx);
}

/* One op run on ctx with weights packed on wctx; compared with the plain reference. */
static void check_cross(struct fpq_context *ctx, struct fpq_context *wctx, enum fpq_format fa,
			enum fpq_format fb, uint32_t m, uint32_t n, uint32_t k, int scaled,
			enum data_mode bmode, enum scale_mode sm, const char *what)
{
	struct test_matrix a, b, c;
	struct fpq_gemm_op op;
	struct fpq_weights *w = NULL;
	struct rng r = rng_seeded(0x3E2 + k);
	enum fpq_format fc = fa == FPQ_FMT_INT8 ? FPQ_FMT_INT32 : FPQ_FMT_FP32;

	tm_alloc(&a, fa, m, k, 1, scaled);
	tm_alloc(&b, fb, n, k, 2, scaled);
	tm_alloc(&c, fc, m, n, 1, 0);
	tm_fill(&a, &r, fa == FPQ_FMT_INT8 ? DATA_UNIFORM : DATA_SPECIALS, sm);
	tm_fill(&b, &r, fb == FPQ_FMT_INT8 ? DATA_UNIFORM : bmode, sm);
	a.m.zero_point = fa == FPQ_FMT_INT8 ? -7 : 0;
	fpq_gemm_op_init(&op);
	op.a = a.m;
	op.b = b.m;
	op.c = c.m;
	CHECK(fpq_gemm_reference(&op, NULL) == 0, "%s: reference", what);
	uint8_t *want = tm_snapshot(&c);

	CHECK(fpq_weights_pack(wctx, &b.m, &w) == 0, "%s: pack", what);
	/* The weights keep their own copy: the caller's B may change or go away. */
	memset(b.buf, 0xEE, b.buf_bytes);
	if (b.scale_buf)
		memset(b.scale_buf, 0xFF, b.scale_bytes);
	op.b_packed = w;
	memset(c.buf, 0, c.buf_bytes);
	memcpy(c.buf, want, c.buf_bytes);
	memset(c.buf, 0x11, fpq_row_bytes(fc, n));      /* row 0 must be rewritten */
	int err = fpq_gemm(ctx, &op, NULL);

	CHECK(err == 0, "%s: %s", what, fpq_strerror(err));
	CHECK(memcmp(c.buf, want, c.buf_bytes) == 0, "%s: C differs from the reference", what);

	/* The reference reads the packed copy too. */
	memset(c.buf, 0x22, fpq_row_bytes(fc, n));
	CHECK(fpq_gemm_reference(&op, NULL) == 0 && memcmp(c.buf, want, c.buf_bytes) == 0,
	      "%s: reference with b_packed", what);

	/* Asynchronously, B's data pointer gone. */
	struct fpq_job *job = NULL;

	op.b.data = NULL;
	memset(c.buf, 0x33, fpq_row_bytes(fc, n));
	CHECK(fpq_submit(ctx, &op, 1, &job) == 0 && fpq_job_wait(job, -1, NULL) == 0,
	      "%s: job", what);
	CHECK(memcmp(c.buf, want, c.buf_bytes) == 0, "%s: C differs after a job", what);
	fpq_job_free(job);
	fpq_weights_free(w);
	free(want);
	tm_free(&a);
	tm_free(&b);
	tm_free(&c);
}

static void across_contexts(void)
{
	static const char *const isas[] = { "scalar", "avx2", "avxvnni", "avx512" };
	static const struct {
		enum fpq_format fa, fb;
		int scaled;
		enum data_mode bmode;
	} pairs[] = {
		{ FPQ_FMT_INT8, FPQ_FMT_INT8, 0, DATA_SPECIALS },
		{ FPQ_FMT_E2M3, FPQ_FMT_E2M1, 1, DATA_SPECIALS },
		/* B packed as int8, used as binary64 */
		{ FPQ_FMT_E4M3, FPQ_FMT_E2M3, 1, DATA_SPECIALS },
		{ FPQ_FMT_E3M2, FPQ_FMT_MXINT8, 1, DATA_SPECIALS },   /* used as int16 */
		/* e4m3 B: AVX-512 packs int16 windows (I16W) for windowed data, binary64 for
		 * wide-ranging data; e5m2 A needs binary64 (two pieces). */
		{ FPQ_FMT_E5M2, FPQ_FMT_E4M3, 0, DATA_SPECIALS },
		{ FPQ_FMT_E5M2, FPQ_FMT_E4M3, 1, DATA_WINDOWED_SPECIALS },
		{ FPQ_FMT_E4M3, FPQ_FMT_E4M3, 1, DATA_WINDOWED_SPECIALS },
		{ FPQ_FMT_E2M1, FPQ_FMT_E4M3, 1, DATA_WINDOWED },
		{ FPQ_FMT_E3M2, FPQ_FMT_E4M3, 1, DATA_SPECIALS },
		{ FPQ_FMT_MXINT8, FPQ_FMT_E5M2, 1, DATA_SPECIALS },
	};
	struct fpq_context *ref = open_ctx(FPQ_BACKEND_REFERENCE, NULL);
	struct fpq_context *ctx[4];

	for (int i = 0; i < 4; i++)
		ctx[i] = open_ctx(FPQ_BACKEND_CPU, isas[i]);
	for (size_t p = 0; p < sizeof(pairs) / sizeof(pairs[0]); p++) {
		for (int i = 0; i < 4; i++) {
			for (int j = 0; j < 5; j++) {
				/* j == 4: weights from the reference backend (no packed form). */
				struct fpq_context *wctx = j == 4 ? ref : ctx[j];
				char what[120];

				if (!ctx[i] || !wctx)
					continue;
				snprintf(what, sizeof(what), "%s x %s on %s, packed on %s",
					 fpq_format_name(pairs[p].fa), fpq_format_name(pairs[p].fb),
					 isas[i], j == 4 ? "reference" : isas[j]);
				check_cross(ctx[i], wctx, pairs[p].fa, pairs[p].fb, 5, 37, 96,
					    pairs[p].scaled, pairs[p].bmode, SCALES_ANY, what);
				/* K a multiple of 64 (the AVX-512 B packer) and block exponents
				 * at binary32's edges, where kernel sets without a scale
				 * instruction rely on the packed exponent ranges. */
				check_cross(ctx[i], wctx, pairs[p].fa, pairs[p].fb, 5, 37, 128,
					    pairs[p].scaled, pairs[p].bmode, SCALES_EXTREME, what);
			}
		}
		/* And cpu weights on the reference backend. */
		if (ctx[3] || ctx[0])
			check_cross(ref, ctx[3] ? ctx[3] : ctx[0], pairs[p].fa, pairs[p].fb, 3, 20,
				    64, pairs[p].scaled, pairs[p].bmode, SCALES_ANY,
				    "on the reference backend");
	}
	for (int i = 0; i < 4; i++)
		fpq_context_destroy(ctx[i]);
	fpq_context_destroy(ref);
}

static void isa_errors(void)
{
	struct fpq_context *ctx = NULL;

	setenv("FPQ_CPU_ISA", "sse9", 1);
	CHECK(fpq_context_create(&(struct fpq_context_opts){ FPQ_BACKEND_CPU, 0, 1 }, &ctx) ==
	      -EINVAL && ctx == NULL, "unknown FPQ_CPU_ISA accepted");
	setenv("FPQ_CPU_ISA", "scalar", 1);
	CHECK(fpq_context_create(&(struct fpq_context_opts){ FPQ_BACKEND_CPU, 0, 1 }, &ctx) == 0 &&
	      strcmp(fpq_context_cpu_isa(ctx), "scalar") == 0, "FPQ_CPU_ISA=scalar");
	fpq_context_destroy(ctx);
	unsetenv("FPQ_CPU_ISA");
	CHECK(fpq_context_create(&(struct fpq_context_opts){ FPQ_BACKEND_REFERENCE, 0, 1 },
				 &ctx) == 0 && fpq_context_cpu_isa(ctx) == NULL, "reference: no ISA");
	fpq_context_destroy(ctx);
}

int main(void)
{
	RUN(rejections);
	RUN(across_contexts);
	RUN(isa_errors);
	return harness_report();
}
