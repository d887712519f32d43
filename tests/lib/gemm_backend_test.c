// SPDX-License-Identifier: MIT
/*
 * gemm_backend_test.c - the context's backend (FPQ_DEVICE: cpu by default, the card in
 * the VM) against fpq_gemm_reference(): every format pair and output mode, odd shapes,
 * adversarial data, synchronous and asynchronous submission. Outputs, output scales
 * and status counts must be equal bit for bit; bytes around the outputs untouched.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm_data.h"
#include "harness.h"

static const enum fpq_format float_ops[] = {
	FPQ_FMT_E4M3, FPQ_FMT_E5M2, FPQ_FMT_E3M2, FPQ_FMT_E2M3, FPQ_FMT_E2M1, FPQ_FMT_MXINT8,
};
#define N_FLOAT_OPS 6

static struct fpq_context *ctx;

/* Operands plus two outputs: one for the backend, one for the reference. */
struct case_bufs {
	struct test_matrix a, b, c, c_ref;
	float alpha[80], beta[80], out_scale[80];
	int32_t bias[80], mult[80];
	int8_t shift[80];
};

static void free_case(struct case_bufs *cb)
{
	tm_free(&cb->a);
	tm_free(&cb->b);
	tm_free(&cb->c);
	tm_free(&cb->c_ref);
}

static const uint32_t odd_sizes[] = { 1, 2, 3, 5, 8, 17, 31, 33, 64, 65 };

/* Build a random valid operation into cb; op->c points at cb->c. */
static void random_op(struct case_bufs *cb, struct fpq_gemm_op *op, struct rng *r, int int8)
{
	uint32_t m = odd_sizes[rng_below(r, 10)], n = odd_sizes[rng_below(r, 10)];
	int scaled = !int8 && rng_below(r, 2);
	uint32_t k = scaled ? 32 * (1 + rng_below(r, 5)) : odd_sizes[rng_below(r, 10)] + rng_below(r, 40);
	enum data_mode mode = (enum data_mode)rng_below(r, DATA_MODES);
	enum fpq_format fa = int8 ? FPQ_FMT_INT8 : float_ops[rng_below(r, N_FLOAT_OPS)];
	enum fpq_format fb = int8 ? FPQ_FMT_INT8 : float_ops[rng_below(r, N_FLOAT_OPS)];
	static const enum fpq_format float_outs[] = {
		FPQ_FMT_FP32, FPQ_FMT_FP32, FPQ_FMT_BF16, FPQ_FMT_E4M3, FPQ_FMT_E5M2,
		FPQ_FMT_E3M2, FPQ_FMT_E2M3, FPQ_FMT_E2M1, FPQ_FMT_MXINT8, FPQ_FMT_INT8,
	};
	static const enum fpq_format int8_outs[] = { FPQ_FMT_INT32, FPQ_FMT_INT8, FPQ_FMT_FP32 };
	enum fpq_format fc = int8 ? int8_outs[rng_below(r, 3)] : float_outs[rng_below(r, 10)];
	int mx_out = !int8 && fc != FPQ_FMT_FP32 && fc != FPQ_FMT_BF16 && fc != FPQ_FMT_INT8 &&
		     rng_below(r, 2);

	if (mx_out)
		n = 32 * (1 + rng_below(r, 2));
	tm_alloc(&cb->a, fa, m, k, rng_below(r, 3), scaled);
	tm_alloc(&cb->b, fb, n, k, rng_below(r, 3), scaled && rng_below(r, 2));
	tm_alloc(&cb->c, fc, m, n, rng_below(r, 3), mx_out);
	/* Same padding in both outputs, so that whole buffers compare. */
	tm_alloc(&cb->c_ref, fc, m, n, (unsigned int)((cb->c.m.stride - fpq_row_bytes(fc, n)) /
						      fpq_format_info(fc)->group_bytes), mx_out);
	tm_fill(&cb->a, r, mode, (enum scale_mode)rng_below(r, SCALE_MODES));
	tm_fill(&cb->b, r, rng_below(r, 2) ? mode : DATA_FINITE, SCALES_NEAR);
	for (int j = 0; j < 80; j++) {
		cb->alpha[j] = (float)((int)rng_below(r, 200) - 100) / 64.0f;
		cb->beta[j] = (float)((int)rng_below(r, 200) - 100) / 16.0f;
		cb->bias[j] = (int32_t)rng_below(r, 4001) - 2000;
		cb->mult[j] = (int32_t)((1u << 30) + rng_below(r, 1u << 30));
		cb->shift[j] = (int8_t)(-(int)rng_below(r, 12));
		cb->out_scale[j] = (float)(1 + rng_below(r, 1000)) / 65536.0f;
	}
	fpq_gemm_op_init(op);
	op->a = cb->a.m;
	op->b = cb->b.m;
	op->c = cb->c.m;
	if (int8) {
		op->a.zero_point = (int32_t)rng_below(r, 256) - 128;
		op->bias = rng_below(r, 2) ? cb->bias : NULL;
		if (fc == FPQ_FMT_INT8) {
			op->requant_mult = cb->mult;
			op->requant_shift = cb->shift;
			op->out_zero = (int32_t)rng_below(r, 40) - 20;
			op->act_min = -100;
			op->act_max = 90;
		} else if (fc == FPQ_FMT_FP32) {
			op->out_scale = cb->out_scale;
		}
	} else {
		op->act = (enum fpq_activation)rng_below(r, 3);
		op->clamp_lo = -3.0f;
		op->clamp_hi = 5.0f;
		if (rng_below(r, 2)) {
			op->alpha = cb->alpha;
			op->beta = cb->beta;
		}
		if (fc != FPQ_FMT_FP32 && fc != FPQ_FMT_BF16 && rng_below(r, 2))
			op->flags |= FPQ_GEMM_QUANT_NONSAT;
	}
}

static void compare(struct case_bufs *cb, const struct fpq_gemm_op *op,
		    const struct fpq_gemm_status *st, const struct fpq_gemm_status *want,
		    int which)
{
	CHECK(memcmp(cb->c.buf, cb->c_ref.buf, cb->c.buf_bytes) == 0,
	      "case %d: %s x %s -> %s M%u N%u K%u: output differs from the reference", which,
	      fpq_format_name(op->a.format), fpq_format_name(op->b.format),
	      fpq_format_name(op->c.format), op->a.rows, op->b.rows, op->a.cols);
	if (cb->c.scale_buf)
		CHECK(memcmp(cb->c.scale_buf, cb->c_ref.scale_buf, cb->c.scale_bytes) == 0,
		      "case %d: output scales differ", which);
	CHECK(st->clamped == want->clamped && st->saturated == want->saturated &&
	      st->nan_to_zero == want->nan_to_zero && st->overflowed == want->overflowed,
	      "case %d: counts %llu/%llu/%llu/%llu, reference %llu/%llu/%llu/%llu", which,
	      (unsigned long long)st->clamped, (unsigned long long)st->saturated,
	      (unsigned long long)st->nan_to_zero, (unsigned long long)st->overflowed,
	      (unsigned long long)want->clamped, (unsigned long long)want->saturated,
	      (unsigned long long)want->nan_to_zero, (unsigned long long)want->overflowed);
	CHECK(st->backend == (int)fpq_context_backend(ctx), "case %d: ran on backend %d", which,
	      st->backend);
}

static void run_cases(int int8, uint64_t seed, int count)
{
	struct rng r = rng_seeded(seed);

	for (int n = 0; n < count && harness_case_failures() == 0; n++) {
		struct case_bufs cb;
		struct fpq_gemm_op op, ref;
		struct fpq_gemm_status st, want;
		int err;

		random_op(&cb, &op, &r, int8);
		ref = op;
		ref.c = cb.c_ref.m;
		CHECK(fpq_gemm_reference(&ref, &want) == 0, "reference: %s", fpq_strerror(-EINVAL));
		err = fpq_gemm(ctx, &op, &st);
		CHECK(err == 0, "case %d: %s", n, fpq_strerror(err));
		if (!err)
			compare(&cb, &op, &st, &want, n);
		free_case(&cb);
	}
}

static void float_paths(void)
{
	run_cases(0, 0xF10A7, 400);
}

static void int8_path(void)
{
	run_cases(1, 0x1E78, 200);
}

/* Every format pair once, each output format once, through the context. */
static void every_pair(void)
{
	struct rng r = rng_seeded(0xE7E);

	for (int x = 0; x < N_FLOAT_OPS; x++)
		for (int y = 0; y < N_FLOAT_OPS; y++) {
			struct case_bufs cb;
			struct fpq_gemm_op op, ref;
			struct fpq_gemm_status st, want;

			tm_alloc(&cb.a, float_ops[x], 7, 96, 1, 1);
			tm_alloc(&cb.b, float_ops[y], 9, 96, 0, 1);
			tm_alloc(&cb.c, FPQ_FMT_FP32, 7, 9, 1, 0);
			tm_alloc(&cb.c_ref, FPQ_FMT_FP32, 7, 9, 1, 0);
			tm_fill(&cb.a, &r, DATA_SPECIALS, SCALES_EXTREME);
			tm_fill(&cb.b, &r, DATA_MIXED_MAG, SCALES_NEAR);
			fpq_gemm_op_init(&op);
			op.a = cb.a.m;
			op.b = cb.b.m;
			op.c = cb.c.m;
			ref = op;
			ref.c = cb.c_ref.m;
			CHECK(fpq_gemm_reference(&ref, &want) == 0, "reference");
			CHECK(fpq_gemm(ctx, &op, &st) == 0, "%s x %s", fpq_format_name(float_ops[x]),
			      fpq_format_name(float_ops[y]));
			compare(&cb, &op, &st, &want, x * N_FLOAT_OPS + y);
			free_case(&cb);
		}
}

/* Several operations per job, several jobs in flight, waited for in reverse. */
static void async_jobs(void)
{
	enum { JOBS = 6, OPS = 3 };
	static struct case_bufs cb[JOBS][OPS];
	struct fpq_gemm_op ops[JOBS][OPS];
	struct fpq_gemm_status want[JOBS][OPS], st[OPS];
	struct fpq_job *job[JOBS];
	struct rng r = rng_seeded(0xA57);

	for (int j = 0; j < JOBS; j++) {
		for (int i = 0; i < OPS; i++) {
			struct fpq_gemm_op ref;

			random_op(&cb[j][i], &ops[j][i], &r, (i + j) % 3 == 0);
			ref = ops[j][i];
			ref.c = cb[j][i].c_ref.m;
			CHECK(fpq_gemm_reference(&ref, &want[j][i]) == 0, "reference");
		}
		CHECK(fpq_submit(ctx, ops[j], OPS, &job[j]) == 0, "submit %d: %s", j,
		      fpq_strerror(-EINVAL));
	}
	for (int j = JOBS - 1; j >= 0; j--) {
		CHECK(fpq_job_wait(job[j], -1, st) == 0, "wait %d", j);
		for (int i = 0; i < OPS; i++) {
			compare(&cb[j][i], &ops[j][i], &st[i], &want[j][i], j * OPS + i);
			free_case(&cb[j][i]);
		}
		fpq_job_free(job[j]);
	}
}

/* A context destroyed with jobs in flight finishes them; the jobs outlive it. */
static void destroy_with_jobs(void)
{
	enum { JOBS = 3 };
	static struct case_bufs cb[JOBS];
	struct fpq_gemm_op ops[JOBS], ref;
	struct fpq_gemm_status want[JOBS], st;
	struct fpq_job *job[JOBS];
	struct fpq_context *c2;
	struct rng r = rng_seeded(0xD35);

	CHECK(fpq_context_create(NULL, &c2) == 0, "second context");
	for (int j = 0; j < JOBS; j++) {
		random_op(&cb[j], &ops[j], &r, j == 1);
		ref = ops[j];
		ref.c = cb[j].c_ref.m;
		CHECK(fpq_gemm_reference(&ref, &want[j]) == 0, "reference");
		CHECK(fpq_submit(c2, &ops[j], 1, &job[j]) == 0, "submit %d", j);
	}
	fpq_context_destroy(c2);
	for (int j = 0; j < JOBS; j++) {
		CHECK(fpq_job_wait(job[j], 0, &st) == 0, "job %d finished by the destroy", j);
		compare(&cb[j], &ops[j], &st, &want[j], j);
		fpq_job_free(job[j]);
		free_case(&cb[j]);
	}
}

int main(void)
{
	int err = fpq_context_create(NULL, &ctx);

	if (err) {
		printf("cannot open a context (FPQ_DEVICE=%s): %s\n",
		       getenv("FPQ_DEVICE") ? getenv("FPQ_DEVICE") : "", fpq_strerror(err));
		return 1;
	}
	printf("backend: %s\n", fpq_backend_name(fpq_context_backend(ctx)));
	RUN(every_pair);
	RUN(float_paths);
	RUN(int8_path);
	RUN(async_jobs);
	RUN(destroy_with_jobs);
	fpq_context_destroy(ctx);
	return harness_report();
}
