// SPDX-License-Identifier: MIT
/*
 * card_faults_test.c - libfpq on a card that fails: faults injected through the
 * driver's debugfs (a DMA error, a hang) and operations beyond the card's limits.
 * Strict contexts return the error (with a message) and leave the output untouched;
 * non-strict ones follow their fault policy: by default they run the operation on the
 * CPU, record why, and still give the reference's bits; FPQ_CTX_FAULT_RERUN runs it on
 * the card again; FPQ_CTX_FAULT_REPORT returns the error. The status counts the fault.
 * After every fault the next job on the card succeeds.
 *
 * Runs in the co-simulation VM (root, debugfs); skips without a card.
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>

#include "gemm_data.h"
#include "harness.h"

static char fault_path[256];
static struct fpq_device_info info;

struct small_op {
	struct test_matrix a, b, c, c_ref;
	struct fpq_gemm_op op, ref;
	struct fpq_gemm_status want;
};

static void make_op(struct small_op *s, uint32_t k, uint64_t seed)
{
	struct rng r = rng_seeded(seed);

	tm_alloc(&s->a, FPQ_FMT_E4M3, 8, k, 0, 1);
	tm_alloc(&s->b, FPQ_FMT_E2M3, 16, k, 0, 1);
	tm_alloc(&s->c, FPQ_FMT_FP32, 8, 16, 1, 0);
	tm_alloc(&s->c_ref, FPQ_FMT_FP32, 8, 16, 1, 0);
	tm_fill(&s->a, &r, DATA_FINITE, SCALES_NEAR);
	tm_fill(&s->b, &r, DATA_FINITE, SCALES_NEAR);
	fpq_gemm_op_init(&s->op);
	s->op.a = s->a.m;
	s->op.b = s->b.m;
	s->op.c = s->c.m;
	s->op.act = FPQ_ACT_RELU;
	s->ref = s->op;
	s->ref.c = s->c_ref.m;
	CHECK(fpq_gemm_reference(&s->ref, &s->want) == 0, "reference");
}

static void free_op(struct small_op *s)
{
	tm_free(&s->a);
	tm_free(&s->b);
	tm_free(&s->c);
	tm_free(&s->c_ref);
}

static int untouched(const struct test_matrix *t)
{
	for (size_t i = 0; i < t->buf_bytes; i++)
		if (t->buf[i] != 0xC3)   /* tm_alloc's fill */
			return 0;
	return 1;
}

static int equals_reference(const struct small_op *s)
{
	return memcmp(s->c.buf, s->c_ref.buf, s->c.buf_bytes) == 0;
}

static int arm(const char *what)
{
	FILE *f = fopen(fault_path, "w");
	int ok;

	if (!f)
		return 0;
	ok = fputs(what, f) >= 0;
	return fclose(f) == 0 && ok;
}

static struct fpq_context *context_flags(unsigned int flags)
{
	struct fpq_context_opts o = { FPQ_BACKEND_CARD, flags, 0 };
	struct fpq_context *ctx = NULL;

	CHECK(fpq_context_create(&o, &ctx) == 0, "card context");
	return ctx;
}

static struct fpq_context *context(int strict)
{
	return context_flags(strict ? FPQ_CTX_STRICT : 0);
}

/* The card works again: a clean operation gives the reference's bits on the card. */
static void card_recovered(struct fpq_context *ctx)
{
	struct small_op s;
	struct fpq_gemm_status st;

	make_op(&s, 64, 0xBEEF);
	CHECK(fpq_gemm(ctx, &s.op, &st) == 0, "next job after the fault");
	CHECK(equals_reference(&s) && st.backend == FPQ_BACKEND_CARD,
	      "next job ran on the card with the reference's bits");
	free_op(&s);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void strict_dma_error(void)
{
	struct fpq_context *ctx = context(1);
	struct small_op s;
	int err;

	make_op(&s, 96, 1);
	CHECK(arm("dma_read"), "arm a DMA read error");
	err = fpq_gemm(ctx, &s.op, NULL);
	CHECK(err == -EIO || err == -EFAULT, "a DMA error is -EIO/-EFAULT, got %d (%s)", err,
	      fpq_strerror(err));
	CHECK(strstr(fpq_strerror(err), "card") != NULL, "message: %s", fpq_strerror(err));
	CHECK(untouched(&s.c), "output untouched after the failed job");
	free_op(&s);
	card_recovered(ctx);
	fpq_context_destroy(ctx);
}

static void strict_hang(void)
{
	struct fpq_context *ctx = context(1);
	struct small_op s;
	struct fpq_job *job;
	double t0, took, limit = info.job_timeout_ms / 1000.0;
	int err;

	make_op(&s, 64, 2);
	CHECK(arm("hang"), "arm a hang");
	t0 = now();
	CHECK(fpq_submit(ctx, &s.op, 1, &job) == 0, "submit to a card that will hang");
	/* The card cannot finish: a poll and a short wait both time out. */
	CHECK(fpq_job_wait(job, 0, NULL) == -ETIMEDOUT, "poll of a hung job");
	CHECK(fpq_job_wait(job, 200000000, NULL) == -ETIMEDOUT, "200 ms wait of a hung job");
	err = fpq_job_wait(job, -1, NULL);
	took = now() - t0;
	CHECK(err == -ETIMEDOUT, "the driver's timeout ends the job: got %d (%s)", err,
	      fpq_strerror(err));
	CHECK(took < limit + 5.0, "ended after %.1f s; timeout %.1f s plus slack", took, limit);
	CHECK(untouched(&s.c), "output untouched after the hang");
	fpq_job_free(job);
	free_op(&s);
	card_recovered(ctx);
	fpq_context_destroy(ctx);
}

static void fallback_on_device_error(void)
{
	struct fpq_context *ctx = context(0);
	struct fpq_fallback_stats before, after;
	struct fpq_gemm_status st;
	struct small_op s;

	make_op(&s, 128, 3);
	fpq_context_fallback_stats(ctx, &before);
	CHECK(arm("dma_read"), "arm a DMA read error");
	CHECK(fpq_gemm(ctx, &s.op, &st) == 0, "a non-strict context still succeeds");
	fpq_context_fallback_stats(ctx, &after);
	CHECK(after.ops == before.ops + 1, "one operation fell back (%llu -> %llu)",
	      (unsigned long long)before.ops, (unsigned long long)after.ops);
	CHECK(strstr(after.reason, "card") != NULL, "reason recorded: %s", after.reason);
	CHECK(st.backend == FPQ_BACKEND_CPU, "status says the CPU ran it");
	CHECK(equals_reference(&s) && st.clamped == s.want.clamped, "the CPU's bits are the reference's");
	CHECK(st.card_faults == 1 && st.checksum_errors == 0 && st.card_reruns == 0,
	      "status counts the fault: %u fault(s), %u checksum, %u re-run(s)", st.card_faults,
	      st.checksum_errors, st.card_reruns);
	free_op(&s);
	card_recovered(ctx);
	fpq_context_destroy(ctx);
}

/* FPQ_CTX_FAULT_RERUN: a one-shot fault, then the card's own result on the re-run. */
static void rerun_on_device_error(void)
{
	struct fpq_context *ctx = context_flags(FPQ_CTX_FAULT_RERUN);
	struct fpq_fallback_stats before, after;
	struct fpq_gemm_status st;
	struct small_op s;

	make_op(&s, 96, 5);
	fpq_context_fallback_stats(ctx, &before);
	CHECK(arm("dma_read"), "arm a DMA read error");
	CHECK(fpq_gemm(ctx, &s.op, &st) == 0, "the re-run succeeds");
	fpq_context_fallback_stats(ctx, &after);
	CHECK(after.ops == before.ops, "nothing fell back to the CPU");
	CHECK(st.backend == FPQ_BACKEND_CARD && st.card_faults == 1 && st.card_reruns == 1,
	      "status: ran on %s after %u fault(s), %u re-run(s)", fpq_backend_name(st.backend),
	      st.card_faults, st.card_reruns);
	CHECK(equals_reference(&s) && st.clamped == s.want.clamped, "the card's bits are the reference's");
	free_op(&s);
	fpq_context_destroy(ctx);
}

/* FPQ_CTX_FAULT_REPORT: the error comes back, as from a strict context; no CPU run. */
static void report_device_error(void)
{
	struct fpq_context *ctx = context_flags(FPQ_CTX_FAULT_REPORT);
	struct fpq_fallback_stats fb;
	struct small_op s;
	int err;

	make_op(&s, 96, 6);
	CHECK(arm("dma_read"), "arm a DMA read error");
	err = fpq_gemm(ctx, &s.op, NULL);
	CHECK(err == -EIO || err == -EFAULT, "reported: %d (%s)", err, fpq_strerror(err));
	CHECK(untouched(&s.c), "output untouched");
	fpq_context_fallback_stats(ctx, &fb);
	CHECK(fb.ops == 0, "nothing ran on the CPU");
	free_op(&s);
	card_recovered(ctx);
	fpq_context_destroy(ctx);
}

/* K beyond the card: the float path cannot split K, so the CPU runs it (or strict fails). */
static void beyond_the_card(void)
{
	uint32_t k = info.max_k + 32;
	struct fpq_context *strict = context(1), *loose = context(0);
	struct fpq_fallback_stats fb;
	struct fpq_gemm_status st;
	struct small_op s;
	int err;

	make_op(&s, k, 4);
	err = fpq_gemm(strict, &s.op, NULL);
	CHECK(err == -ENOTSUP, "strict: K = %u is -ENOTSUP, got %d", k, err);
	CHECK(strstr(fpq_strerror(err), "exceeds") != NULL, "message: %s", fpq_strerror(err));
	CHECK(untouched(&s.c), "strict: output untouched");
	CHECK(fpq_gemm(loose, &s.op, &st) == 0 && equals_reference(&s), "non-strict: CPU result");
	fpq_context_fallback_stats(loose, &fb);
	CHECK(fb.ops == 1 && strstr(fb.reason, "exceeds"), "reason: %s", fb.reason);
	free_op(&s);
	fpq_context_destroy(strict);
	fpq_context_destroy(loose);
}

int main(void)
{
	struct fpq_context *ctx = NULL;
	glob_t g = { 0 };

	if (fpq_context_create(&(struct fpq_context_opts){ FPQ_BACKEND_CARD, 0, 0 }, &ctx)) {
		printf("no card: %s\n", fpq_strerror(-ENODEV));
		harness.skipped++;
		return harness_report();
	}
	fpq_context_device_info(ctx, &info);
	fpq_context_destroy(ctx);
	mount("none", "/sys/kernel/debug", "debugfs", 0, NULL);   /* may already be there */
	/* A directory per device under accel/ or dri/ (6.12), or per minor under dri/ (6.1). */
	if (glob("/sys/kernel/debug/accel/*/fault_inject", 0, NULL, &g) != GLOB_NOSPACE &&
	    glob("/sys/kernel/debug/dri/*/fault_inject", GLOB_APPEND, NULL, &g) != GLOB_NOSPACE &&
	    g.gl_pathc > 0)
		snprintf(fault_path, sizeof(fault_path), "%s", g.gl_pathv[0]);
	globfree(&g);
	printf("card %s, job timeout %u ms, fault injection at %s\n", info.node,
	       info.job_timeout_ms, fault_path[0] ? fault_path : "(none)");
	if (fault_path[0]) {
		RUN(strict_dma_error);
		RUN(strict_hang);
		RUN(fallback_on_device_error);
		RUN(rerun_on_device_error);
		RUN(report_device_error);
	} else {
		printf("no fault_inject file in debugfs: fault cases cannot run\n");
		harness.failed++;
	}
	RUN(beyond_the_card);
	return harness_report();
}
