// SPDX-License-Identifier: MIT
/*
 * async_test.c - asynchronous jobs: many in flight, waited for in another order, with
 * timeouts, per-operation status, rejected submissions, and contexts destroyed while
 * jobs are queued. Results must equal the synchronous reference bit for bit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm_data.h"
#include "harness.h"

#define N_JOBS 40
#define MAX_OPS 3

struct job_data {
	struct test_matrix a[MAX_OPS], b[MAX_OPS], c[MAX_OPS];
	struct fpq_gemm_op ops[MAX_OPS];
	uint8_t *expect[MAX_OPS];
	struct fpq_gemm_status expect_st[MAX_OPS];
	unsigned int n_ops;
	struct fpq_job *job;
};

static const enum fpq_format fmts[] = { FPQ_FMT_E4M3, FPQ_FMT_E2M3, FPQ_FMT_E3M2, FPQ_FMT_MXINT8 };

/* A random float op with ReLU (so the clamp counts vary), expected output kept aside. */
static void make_op(struct job_data *d, unsigned int i, struct rng *r, uint32_t k)
{
	uint32_t m = 1 + rng_below(r, 6), n = 1 + rng_below(r, 6);
	struct fpq_gemm_op *op = &d->ops[i];

	tm_alloc(&d->a[i], fmts[rng_below(r, 4)], m, k, 0, 1);
	tm_alloc(&d->b[i], fmts[rng_below(r, 4)], n, k, 1, 1);
	tm_alloc(&d->c[i], FPQ_FMT_FP32, m, n, 0, 0);
	tm_fill(&d->a[i], r, DATA_FINITE, SCALES_NEAR);
	tm_fill(&d->b[i], r, DATA_FINITE, SCALES_NEAR);
	fpq_gemm_op_init(op);
	op->a = d->a[i].m;
	op->b = d->b[i].m;
	op->c = d->c[i].m;
	op->act = FPQ_ACT_RELU;
	CHECK(fpq_gemm_reference(op, &d->expect_st[i]) == 0, "reference");
	d->expect[i] = tm_snapshot(&d->c[i]);
	memset(d->c[i].buf, 0, d->c[i].buf_bytes);
}

static void free_job_data(struct job_data *d)
{
	for (unsigned int i = 0; i < d->n_ops; i++) {
		tm_free(&d->a[i]);
		tm_free(&d->b[i]);
		tm_free(&d->c[i]);
		free(d->expect[i]);
	}
}

static void check_job(struct job_data *d, const struct fpq_gemm_status *st, int which)
{
	for (unsigned int i = 0; i < d->n_ops; i++) {
		CHECK(memcmp(d->c[i].buf, d->expect[i], d->c[i].buf_bytes) == 0,
		      "job %d op %u output differs from the reference", which, i);
		CHECK(st[i].clamped == d->expect_st[i].clamped, "job %d op %u clamp count", which,
		      i);
		CHECK(st[i].backend == FPQ_BACKEND_CPU, "job %d op %u backend", which, i);
	}
}

static void many_in_flight(void)
{
	static struct job_data jobs[N_JOBS];
	struct rng r = rng_seeded(0xA5);
	struct fpq_context *ctx;
	int order[N_JOBS];

	CHECK(fpq_context_create(&(struct fpq_context_opts){ FPQ_BACKEND_CPU, 0, 0 }, &ctx) == 0,
	      "context");
	for (int j = 0; j < N_JOBS; j++) {
		jobs[j].n_ops = 1 + rng_below(&r, MAX_OPS);
		for (unsigned int i = 0; i < jobs[j].n_ops; i++)
			make_op(&jobs[j], i, &r, 32 * (1 + rng_below(&r, 4)));
	}
	for (int j = 0; j < N_JOBS; j++)
		CHECK(fpq_submit(ctx, jobs[j].ops, jobs[j].n_ops, &jobs[j].job) == 0, "submit %d", j);
	/* Wait in a shuffled order. */
	for (int j = 0; j < N_JOBS; j++)
		order[j] = j;
	for (int j = N_JOBS - 1; j > 0; j--) {
		int s = (int)rng_below(&r, (uint32_t)j + 1), t = order[j];

		order[j] = order[s];
		order[s] = t;
	}
	for (int n = 0; n < N_JOBS; n++) {
		struct job_data *d = &jobs[order[n]];
		struct fpq_gemm_status st[MAX_OPS];

		CHECK(fpq_job_wait(d->job, -1, st) == 0, "wait job %d", order[n]);
		check_job(d, st, order[n]);
		/* A second wait on a finished job returns at once with the same answer. */
		CHECK(fpq_job_wait(d->job, 0, st) == 0, "re-wait job %d", order[n]);
		fpq_job_free(d->job);
		free_job_data(d);
	}
	fpq_context_destroy(ctx);
}

static void timeouts(void)
{
	struct job_data big = { 0 }, small = { 0 };
	struct rng r = rng_seeded(0x7E);
	struct fpq_context *ctx;
	struct fpq_gemm_status st[MAX_OPS];

	CHECK(fpq_context_create(&(struct fpq_context_opts){ FPQ_BACKEND_CPU, 0, 0 }, &ctx) == 0,
	      "context");
	/* A long job, then a short one queued behind it: it cannot be done yet. */
	big.n_ops = 1;
	make_op(&big, 0, &r, 32 * 2048);
	big.ops[0].a.rows = big.ops[0].c.rows = 1;
	small.n_ops = 1;
	make_op(&small, 0, &r, 32);
	/* Make the big job bigger than the reference run above: repeat it in one job. */
	struct fpq_gemm_op rep[MAX_OPS] = { big.ops[0], big.ops[0], big.ops[0] };

	CHECK(fpq_submit(ctx, rep, MAX_OPS, &big.job) == 0, "submit big");
	CHECK(fpq_submit(ctx, small.ops, 1, &small.job) == 0, "submit small");
	CHECK(fpq_job_wait(small.job, 0, st) == -ETIMEDOUT, "poll of a queued job");
	CHECK(fpq_job_wait(small.job, 1000000, st) == -ETIMEDOUT, "1 ms wait times out");
	CHECK(strstr(fpq_strerror(-ETIMEDOUT), "still running") != NULL, "timeout message");
	CHECK(fpq_job_wait(small.job, -1, st) == 0, "then it completes");
	check_job(&small, st, 1);
	CHECK(fpq_job_wait(big.job, -1, st) == 0, "big completes");
	fpq_job_free(big.job);
	fpq_job_free(small.job);
	free_job_data(&big);
	free_job_data(&small);
	fpq_context_destroy(ctx);
}

static void rejected_submission(void)
{
	struct job_data d = { 0 };
	struct rng r = rng_seeded(0x99);
	struct fpq_context *ctx;
	struct fpq_job *job = (struct fpq_job *)&d;   /* must be reset to NULL */

	CHECK(fpq_context_create(&(struct fpq_context_opts){ FPQ_BACKEND_CPU, 0, 0 }, &ctx) == 0,
	      "context");
	d.n_ops = 2;
	make_op(&d, 0, &r, 64);
	make_op(&d, 1, &r, 64);
	d.ops[1].b.cols = 32;
	CHECK(fpq_submit(ctx, d.ops, 2, &job) == -EINVAL && job == NULL, "second op invalid");
	CHECK(strstr(fpq_strerror(-EINVAL), "operation 1") != NULL,
	      "message names the operation: %s", fpq_strerror(-EINVAL));
	/* Nothing of the rejected job ran. */
	for (unsigned int i = 0; i < 2; i++)
		for (size_t b = 0; b < d.c[i].buf_bytes; b++)
			if (d.c[i].buf[b]) {
				CHECK(0, "op %u of a rejected job wrote C", i);
				break;
			}
	free_job_data(&d);
	fpq_context_destroy(ctx);
}

/* Destroying a context drains its queue; the jobs outlive it. */
static void destroy_with_jobs_queued(void)
{
	static struct job_data jobs[8];
	struct rng r = rng_seeded(0xDE);
	struct fpq_context *ctx;

	CHECK(fpq_context_create(&(struct fpq_context_opts){ FPQ_BACKEND_REFERENCE, 0, 0 },
				 &ctx) == 0, "context");
	for (int j = 0; j < 8; j++) {
		jobs[j].n_ops = 1;
		make_op(&jobs[j], 0, &r, 96);
		CHECK(fpq_submit(ctx, jobs[j].ops, 1, &jobs[j].job) == 0, "submit");
	}
	fpq_context_destroy(ctx);
	for (int j = 0; j < 8; j++) {
		struct fpq_gemm_status st[1];

		CHECK(fpq_job_wait(jobs[j].job, 0, st) == 0, "job %d done after destroy", j);
		CHECK(memcmp(jobs[j].c[0].buf, jobs[j].expect[0], jobs[j].c[0].buf_bytes) == 0,
		      "job %d output", j);
		CHECK(st[0].backend == FPQ_BACKEND_REFERENCE, "reference backend");
		fpq_job_free(jobs[j].job);
		free_job_data(&jobs[j]);
	}
}

int main(void)
{
	unsetenv("FPQ_DEVICE");
	RUN(many_in_flight);
	RUN(timeouts);
	RUN(rejected_submission);
	RUN(destroy_with_jobs_queued);
	return harness_report();
}
