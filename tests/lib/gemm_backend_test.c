// SPDX-License-Identifier: MIT
/*
 * gemm_backend_test.c - the context's backend (FPQ_DEVICE: cpu by default, the card in
 * the VM) against fpq_gemm_reference(): every format pair and output mode (ONNX
 * Runtime's requantization too, which the card does on the host), odd shapes,
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

/* INT8 x INT8 with int8 output in ONNX Runtime's mode, accumulators on rounding ties. */
static void random_requant_op(struct case_bufs *cb, struct fpq_gemm_op *op, struct rng *r)
{
	uint32_t m = odd_sizes[rng_below(r, 10)], n = odd_sizes[rng_below(r, 10)];
	uint32_t k = odd_sizes[rng_below(r, 10)] + rng_below(r, 40);
	unsigned int pad = rng_below(r, 3);

	tm_alloc(&cb->a, FPQ_FMT_INT8, m, k, rng_below(r, 3), 0);
	tm_alloc(&cb->b, FPQ_FMT_INT8, n, k, rng_below(r, 3), 0);
	tm_alloc(&cb->c, FPQ_FMT_INT8, m, n, pad, 0);
	tm_alloc(&cb->c_ref, FPQ_FMT_INT8, m, n, pad, 0);
	tm_fill(&cb->a, r, DATA_UNIFORM, SCALES_NONE);
	tm_fill(&cb->b, r, DATA_UNIFORM, SCALES_NONE);
	fpq_gemm_op_init(op);
	op->a = cb->a.m;
	op->b = cb->b.m;
	op->c = cb->c.m;
	op->a.zero_point = (int32_t)rng_below(r, 256) - 128;
	requant_fp32_params(r, op, cb->bias, cb->out_scale, rng_below(r, 3) == 0,
			    rng_below(r, 2));
}

/*
 * FPQ_GEMM_REQUANT_FP32 (the card runs int32 output and libfpq requantizes on the
 * host): synchronous, and in jobs next to other operations.
 */
static void requant_fp32(void)
{
	struct rng r = rng_seeded(0x0E7F);

	for (int n = 0; n < 120 && harness_case_failures() == 0; n++) {
		struct case_bufs cb;
		struct fpq_gemm_op op, ref;
		struct fpq_gemm_status st, want;
		int err;

		random_requant_op(&cb, &op, &r);
		ref = op;
		ref.c = cb.c_ref.m;
		CHECK(fpq_gemm_reference(&ref, &want) == 0, "reference");
		err = fpq_gemm(ctx, &op, &st);
		CHECK(err == 0, "case %d: %s", n, fpq_strerror(err));
		if (!err)
			compare(&cb, &op, &st, &want, n);
		free_case(&cb);
	}
	/* Jobs of three: requantized, another INT8 or float operation, requantized. */
	for (int j = 0; j < 8 && harness_case_failures() == 0; j++) {
		struct case_bufs cb[3];
		struct fpq_gemm_op ops[3];
		struct fpq_gemm_status want[3], st[3];
		struct fpq_job *job;

		for (int i = 0; i < 3; i++) {
			struct fpq_gemm_op ref;

			if (i == 1)
				random_op(&cb[i], &ops[i], &r, j % 2);
			else
				random_requant_op(&cb[i], &ops[i], &r);
			ref = ops[i];
			ref.c = cb[i].c_ref.m;
			CHECK(fpq_gemm_reference(&ref, &want[i]) == 0, "reference");
		}
		CHECK(fpq_submit(ctx, ops, 3, &job) == 0, "submit %d", j);
		CHECK(fpq_job_wait(job, -1, st) == 0, "wait %d", j);
		for (int i = 0; i < 3; i++) {
			compare(&cb[i], &ops[i], &st[i], &want[i], 1000 + 3 * j + i);
			free_case(&cb[i]);
		}
		fpq_job_free(job);
	}
}

/*
 * A job whose second operation reads the first one's host-requantized output: the card
 * cannot keep that order, so a non-strict context runs the job on the CPU and a strict
 * one refuses it (then the two run as separate calls); the bits are the reference's.
 */
static void requant_fp32_chain(void)
{
	struct rng r = rng_seeded(0xC4A1);
	struct case_bufs first, second;
	struct fpq_gemm_op ops[2], ref;
	struct fpq_gemm_status st[2], want[2];
	struct fpq_job *job;
	struct fpq_fallback_stats fb;

	random_requant_op(&first, &ops[0], &r);
	tm_alloc(&second.b, FPQ_FMT_INT8, 6, ops[0].c.cols, 0, 0);
	tm_alloc(&second.c, FPQ_FMT_INT32, ops[0].c.rows, 6, 0, 0);
	tm_alloc(&second.c_ref, FPQ_FMT_INT32, ops[0].c.rows, 6, 0, 0);
	tm_fill(&second.b, &r, DATA_UNIFORM, SCALES_NONE);
	fpq_gemm_op_init(&ops[1]);
	ops[1].a = ops[0].c;           /* reads the first output */
	ops[1].b = second.b.m;
	ops[1].c = second.c.m;
	/* The reference, in order, on copies of the outputs. */
	ref = ops[0];
	ref.c = first.c_ref.m;
	CHECK(fpq_gemm_reference(&ref, &want[0]) == 0, "reference 0");
	ref = ops[1];
	ref.a = first.c_ref.m;
	ref.c = second.c_ref.m;
	CHECK(fpq_gemm_reference(&ref, &want[1]) == 0, "reference 1");

	int err = fpq_submit(ctx, ops, 2, &job);
	int refused = err == -ENOTSUP && fpq_context_backend(ctx) == FPQ_BACKEND_CARD;

	if (refused) {
		/* A strict card context (FPQ_STRICT) says so; as two jobs it runs. */
		CHECK(strstr(fpq_strerror(err), "separate jobs"), "refusal: %s", fpq_strerror(err));
		CHECK(fpq_gemm(ctx, &ops[0], &st[0]) == 0, "first alone");
		CHECK(fpq_gemm(ctx, &ops[1], &st[1]) == 0, "second alone");
		CHECK(st[0].backend == FPQ_BACKEND_CARD, "first ran on %d", st[0].backend);
	} else {
		CHECK(err == 0, "submit: %s", fpq_strerror(err));
		CHECK(err == 0 && fpq_job_wait(job, -1, st) == 0, "wait");
		fpq_job_free(job);
	}
	CHECK(memcmp(first.c.buf, first.c_ref.buf, first.c.buf_bytes) == 0, "first output");
	CHECK(memcmp(second.c.buf, second.c_ref.buf, second.c.buf_bytes) == 0,
	      "second output (reads the first)");
	CHECK(st[0].clamped == want[0].clamped, "clamp count");
	fpq_context_fallback_stats(ctx, &fb);
	if (fpq_context_backend(ctx) == FPQ_BACKEND_CARD && !refused)
		CHECK(st[0].backend == FPQ_BACKEND_CPU && strstr(fb.reason, "separate jobs"),
		      "ran on %d, fallback reason \"%s\"", st[0].backend, fb.reason);
	free_case(&first);
	tm_free(&second.b);
	tm_free(&second.c);
	tm_free(&second.c_ref);
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
	RUN(requant_fp32);
	RUN(requant_fp32_chain);
	fpq_context_destroy(ctx);
	return harness_report();
}
