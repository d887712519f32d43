// SPDX-License-Identifier: MIT
/*
 * card_buffers_test.c - the card backend's memory paths, each against the reference:
 * operands in device buffers (zero copy), jobs whose second operation reads the first
 * one's output (staged and zero copy), weights shared between two contexts as a dma-buf,
 * and problems split to the card's limits (lowered with the FPQ_CARD_MAX_* knobs so that
 * a small problem needs many pieces and several device jobs).
 *
 * Runs in the co-simulation VM; skips without a card.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gemm_data.h"
#include "harness.h"

static struct fpq_context *card_context(void)
{
	struct fpq_context *ctx = NULL;

	CHECK(fpq_context_create(&(struct fpq_context_opts){ FPQ_BACKEND_CARD, FPQ_CTX_STRICT, 0 },
				 &ctx) == 0, "strict card context");
	return ctx;
}

/* A bump allocator inside one fpq_buffer. */
struct arena {
	struct fpq_buffer *buf;
	size_t used;
};

static void *take(struct arena *ar, size_t bytes)
{
	size_t at = (ar->used + 63) & ~(size_t)63;

	ar->used = at + bytes;
	CHECK(ar->used <= fpq_buffer_size(ar->buf), "arena overflow");
	return (uint8_t *)fpq_buffer_data(ar->buf) + at;
}

/* Copy a test matrix into arena memory (same layout). */
static struct fpq_matrix in_arena(struct arena *ar, const struct test_matrix *t)
{
	struct fpq_matrix m = t->m;

	m.data = take(ar, t->buf_bytes);
	memcpy(m.data, t->buf, t->buf_bytes);
	if (t->scale_buf) {
		m.scales = take(ar, t->scale_bytes);
		memcpy(m.scales, t->scale_buf, t->scale_bytes);
	}
	return m;
}

static void zero_copy(void)
{
	struct fpq_context *ctx = card_context();
	struct rng r = rng_seeded(0x2C);
	struct test_matrix a, b, c;
	struct arena ar = { NULL, 0 };
	struct fpq_gemm_op op, ref;
	struct fpq_gemm_status st, want;
	float *alpha, beta[48];

	CHECK(fpq_buffer_alloc(ctx, 1 << 20, &ar.buf) == 0, "device buffer");
	tm_alloc(&a, FPQ_FMT_E3M2, 33, 96, 1, 1);
	tm_alloc(&b, FPQ_FMT_MXINT8, 48, 96, 0, 1);
	tm_alloc(&c, FPQ_FMT_BF16, 33, 48, 2, 0);
	tm_fill(&a, &r, DATA_MIXED_MAG, SCALES_NEAR);
	tm_fill(&b, &r, DATA_FINITE, SCALES_NEAR);
	alpha = take(&ar, sizeof(float) * 48);
	for (int j = 0; j < 48; j++) {
		alpha[j] = 0.25f * (float)(j % 7 - 3);
		beta[j] = (float)j / 8;
	}
	fpq_gemm_op_init(&op);
	op.a = in_arena(&ar, &a);
	op.b = in_arena(&ar, &b);
	op.c = in_arena(&ar, &c);
	op.alpha = alpha;          /* in the buffer */
	op.beta = beta;            /* in ordinary memory: staged */
	op.act = FPQ_ACT_CLAMP;
	op.clamp_lo = -4;
	op.clamp_hi = 4;
	ref = op;
	ref.a = a.m;
	ref.b = b.m;
	ref.c = c.m;
	CHECK(fpq_gemm_reference(&ref, &want) == 0, "reference");
	CHECK(fpq_gemm(ctx, &op, &st) == 0, "gemm in device buffers: %s", fpq_strerror(-EIO));
	CHECK(memcmp(op.c.data, c.buf, c.buf_bytes) == 0, "zero-copy output equals the reference");
	CHECK(st.backend == FPQ_BACKEND_CARD && st.clamped == want.clamped, "status");
	fpq_buffer_free(ar.buf);
	tm_free(&a);
	tm_free(&b);
	tm_free(&c);
	fpq_context_destroy(ctx);
}

/* op 2 reads op 1's MX output: layer after layer in one job. */
static void chained(int use_buffers)
{
	struct fpq_context *ctx = card_context();
	struct rng r = rng_seeded(0xC4 + (uint64_t)use_buffers);
	struct test_matrix x, w1, h, w2, y;
	struct arena ar = { NULL, 0 };
	struct fpq_gemm_op ops[2], ref[2];
	struct fpq_gemm_status st[2], want[2];
	struct fpq_job *job;
	int rc;
	uint8_t *h_ref, *hs_ref, *y_ref;

	tm_alloc(&x, FPQ_FMT_E4M3, 9, 64, 0, 1);
	tm_alloc(&w1, FPQ_FMT_E2M3, 64, 64, 0, 1);
	tm_alloc(&h, FPQ_FMT_E4M3, 9, 64, 0, 1);
	tm_alloc(&w2, FPQ_FMT_E2M1, 20, 64, 0, 1);
	tm_alloc(&y, FPQ_FMT_FP32, 9, 20, 0, 0);
	tm_fill(&x, &r, DATA_FINITE, SCALES_NEAR);
	tm_fill(&w1, &r, DATA_FINITE, SCALES_NEAR);
	tm_fill(&w2, &r, DATA_FINITE, SCALES_NEAR);
	for (int i = 0; i < 2; i++)
		fpq_gemm_op_init(&ops[i]);
	ops[0].a = x.m;
	ops[0].b = w1.m;
	ops[0].c = h.m;
	ops[0].act = FPQ_ACT_RELU;
	ops[1].a = h.m;
	ops[1].b = w2.m;
	ops[1].c = y.m;
	/* The reference, one after the other, on its own copies. */
	memcpy(ref, ops, sizeof(ops));
	CHECK(fpq_gemm_reference(&ref[0], &want[0]) == 0 && fpq_gemm_reference(&ref[1], &want[1]) == 0,
	      "reference");
	h_ref = malloc(h.buf_bytes);
	hs_ref = malloc(h.scale_bytes);
	y_ref = malloc(y.buf_bytes);
	memcpy(h_ref, h.buf, h.buf_bytes);
	memcpy(hs_ref, h.scale_buf, h.scale_bytes);
	memcpy(y_ref, y.buf, y.buf_bytes);
	memset(h.buf, 0xC3, h.buf_bytes);
	memset(h.scale_buf, 127, h.scale_bytes);
	memset(y.buf, 0xC3, y.buf_bytes);
	if (use_buffers) {
		CHECK(fpq_buffer_alloc(ctx, 1 << 16, &ar.buf) == 0, "device buffer");
		ops[0].a = in_arena(&ar, &x);
		ops[0].b = in_arena(&ar, &w1);
		ops[0].c = in_arena(&ar, &h);
		ops[1].a = ops[0].c;
		ops[1].b = in_arena(&ar, &w2);
		ops[1].c = in_arena(&ar, &y);
	}
	rc = fpq_submit(ctx, ops, 2, &job);
	CHECK(rc == 0, "submit a chained job: %s", fpq_strerror(rc));
	if (rc == 0) {
		rc = fpq_job_wait(job, -1, st);
		CHECK(rc == 0, "wait: %s", fpq_strerror(rc));
		fpq_job_free(job);
	}
	CHECK(memcmp(ops[0].c.data, h_ref, h.buf_bytes) == 0 &&
	      memcmp(ops[0].c.scales, hs_ref, h.scale_bytes) == 0, "layer 1 output and scales");
	CHECK(memcmp(ops[1].c.data, y_ref, y.buf_bytes) == 0, "layer 2 read layer 1's output");
	CHECK(st[0].clamped == want[0].clamped && st[1].backend == FPQ_BACKEND_CARD, "status");
	if (ar.buf)
		fpq_buffer_free(ar.buf);
	free(h_ref);
	free(hs_ref);
	free(y_ref);
	tm_free(&x);
	tm_free(&w1);
	tm_free(&h);
	tm_free(&w2);
	tm_free(&y);
	fpq_context_destroy(ctx);
}

static void chained_staged(void)
{
	chained(0);
}

static void chained_zero_copy(void)
{
	chained(1);
}

/* Weights exported by one context as a dma-buf, imported and used by another. */
static void dmabuf_share(void)
{
	struct fpq_context *owner = card_context(), *user = card_context();
	struct rng r = rng_seeded(0xDB);
	struct test_matrix a, b, c, c_ref;
	struct fpq_buffer *exported, *imported = NULL;
	struct fpq_gemm_op op, ref;
	int fd = -1;

	tm_alloc(&a, FPQ_FMT_INT8, 5, 200, 0, 0);
	tm_alloc(&b, FPQ_FMT_INT8, 24, 200, 0, 0);
	tm_alloc(&c, FPQ_FMT_INT32, 5, 24, 0, 0);
	tm_alloc(&c_ref, FPQ_FMT_INT32, 5, 24, 0, 0);
	tm_fill(&a, &r, DATA_UNIFORM, SCALES_NONE);
	tm_fill(&b, &r, DATA_UNIFORM, SCALES_NONE);
	CHECK(fpq_buffer_alloc(owner, b.buf_bytes, &exported) == 0, "owner's buffer");
	memcpy(fpq_buffer_data(exported), b.buf, b.buf_bytes);
	CHECK(fpq_buffer_export_dmabuf(exported, &fd) == 0 && fd >= 0, "export");
	CHECK(fpq_buffer_import_dmabuf(user, fd, &imported) == 0, "import into another context");
	close(fd);
	if (imported) {
		CHECK(fpq_buffer_size(imported) >= b.buf_bytes &&
		      memcmp(fpq_buffer_data(imported), b.buf, b.buf_bytes) == 0,
		      "the importer sees the owner's bytes");
		fpq_gemm_op_init(&op);
		op.a = a.m;
		op.a.zero_point = -7;
		op.b = b.m;
		op.b.data = fpq_buffer_data(imported);
		op.c = c.m;
		ref = op;
		ref.b.data = b.buf;
		ref.c = c_ref.m;
		CHECK(fpq_gemm_reference(&ref, NULL) == 0, "reference");
		CHECK(fpq_gemm(user, &op, NULL) == 0, "gemm on imported weights");
		CHECK(memcmp(c.buf, c_ref.buf, c.buf_bytes) == 0, "equal to the reference");
		fpq_buffer_free(imported);
	}
	fpq_buffer_free(exported);
	tm_free(&a);
	tm_free(&b);
	tm_free(&c);
	tm_free(&c_ref);
	fpq_context_destroy(user);
	fpq_context_destroy(owner);
}

/* Limits lowered to M 16, N 40 (pieces of 32 columns), 2 operations per device job. */
static void split_to_limits(void)
{
	struct rng r = rng_seeded(0x5B);
	struct fpq_context *ctx;
	struct fpq_device_info info;
	struct test_matrix a, b, c, c_ref;
	struct fpq_gemm_op op, ref;
	struct fpq_gemm_status st, want;
	int rc;

	setenv("FPQ_CARD_MAX_M", "16", 1);
	setenv("FPQ_CARD_MAX_N", "40", 1);
	setenv("FPQ_CARD_MAX_OPS", "2", 1);
	ctx = card_context();
	unsetenv("FPQ_CARD_MAX_M");
	unsetenv("FPQ_CARD_MAX_N");
	unsetenv("FPQ_CARD_MAX_OPS");
	CHECK(fpq_context_device_info(ctx, &info) == 0 && info.max_m == 16 && info.max_n == 40 &&
	      info.max_ops == 2, "lowered limits took effect");
	tm_alloc(&a, FPQ_FMT_E5M2, 100, 64, 1, 1);
	tm_alloc(&b, FPQ_FMT_E3M2, 130, 64, 1, 1);
	tm_alloc(&c, FPQ_FMT_E2M3, 100, 128, 1, 1);     /* MX output along N */
	tm_alloc(&c_ref, FPQ_FMT_E2M3, 100, 128, 1, 1);
	tm_fill(&a, &r, DATA_FINITE, SCALES_NEAR);
	tm_fill(&b, &r, DATA_FINITE, SCALES_NEAR);
	/* N = 128 of B's 130 rows would not match C: use 128 channels. */
	b.m.rows = 128;
	fpq_gemm_op_init(&op);
	op.a = a.m;
	op.b = b.m;
	op.c = c.m;
	op.act = FPQ_ACT_RELU;
	ref = op;
	ref.c = c_ref.m;
	CHECK(fpq_gemm_reference(&ref, &want) == 0, "reference");
	rc = fpq_gemm(ctx, &op, &st);
	CHECK(rc == 0, "a 100 x 128 problem in 7 x 4 pieces, 14 device jobs: %s", fpq_strerror(rc));
	CHECK(memcmp(c.buf, c_ref.buf, c.buf_bytes) == 0, "pieces assemble to the reference");
	CHECK(memcmp(c.scale_buf, c_ref.scale_buf, c.scale_bytes) == 0, "output scales too");
	CHECK(st.clamped == want.clamped && st.saturated == want.saturated &&
	      st.backend == FPQ_BACKEND_CARD, "counts summed over the pieces");
	tm_free(&a);
	tm_free(&b);
	tm_free(&c);
	tm_free(&c_ref);
	fpq_context_destroy(ctx);
}

int main(void)
{
	struct fpq_context *ctx = NULL;

	if (fpq_context_create(&(struct fpq_context_opts){ FPQ_BACKEND_CARD, 0, 0 }, &ctx)) {
		printf("no card: %s\n", fpq_strerror(-ENODEV));
		harness.skipped++;
		return harness_report();
	}
	fpq_context_destroy(ctx);
	RUN(zero_copy);
	RUN(chained_staged);
	RUN(chained_zero_copy);
	RUN(dmabuf_share);
	RUN(split_to_limits);
	return harness_report();
}
