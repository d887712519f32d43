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

#include "gemm_case.h"
#include "harness.h"

static const enum fpq_format float_ops[] = {
	FPQ_FMT_E4M3, FPQ_FMT_E5M2, FPQ_FMT_E3M2, FPQ_FMT_E2M3, FPQ_FMT_E2M1, FPQ_FMT_MXINT8,
};
#define N_FLOAT_OPS 6

static struct fpq_context *ctx;

static const uint32_t odd_sizes[] = { 1, 2, 3, 5, 8, 17, 31, 33, 64, 65 };

/* A random valid operation of the INT8 path or the float path. */
static struct gemm_spec random_spec(struct rng *r, int int8)
{
	static const enum fpq_format float_outs[] = {
		FPQ_FMT_FP32, FPQ_FMT_FP32, FPQ_FMT_BF16, FPQ_FMT_E4M3, FPQ_FMT_E5M2,
		FPQ_FMT_E3M2, FPQ_FMT_E2M3, FPQ_FMT_E2M1, FPQ_FMT_MXINT8, FPQ_FMT_INT8,
	};
	static const enum fpq_format int8_outs[] = { FPQ_FMT_INT32, FPQ_FMT_INT8, FPQ_FMT_FP32 };
	struct gemm_spec s = { .m = odd_sizes[rng_below(r, 10)], .n = odd_sizes[rng_below(r, 10)],
			       .pad = 2, .broadcast = GEMM_BROADCAST_SOMETIMES };
	enum data_mode mode = (enum data_mode)rng_below(r, DATA_MODES);
	int scaled = !int8 && rng_below(r, 2);

	s.k = scaled ? 32 * (1 + rng_below(r, 5)) : odd_sizes[rng_below(r, 10)] + rng_below(r, 40);
	s.a = int8 ? FPQ_FMT_INT8 : float_ops[rng_below(r, N_FLOAT_OPS)];
	s.b = int8 ? FPQ_FMT_INT8 : float_ops[rng_below(r, N_FLOAT_OPS)];
	s.c = int8 ? int8_outs[rng_below(r, 3)] : float_outs[rng_below(r, 10)];
	s.c_scales = !int8 && s.c != FPQ_FMT_FP32 && s.c != FPQ_FMT_BF16 && s.c != FPQ_FMT_INT8 &&
		     rng_below(r, 2);
	if (s.c_scales)
		s.n = 32 * (1 + rng_below(r, 2));
	s.a_scales = scaled;
	s.b_scales = scaled && rng_below(r, 2);
	s.a_data = mode;
	s.b_data = rng_below(r, 2) ? mode : DATA_FINITE;
	s.a_scale_data = (enum scale_mode)rng_below(r, SCALE_MODES);
	s.b_scale_data = SCALES_NEAR;
	if (int8) {
		s.arrays = rng_below(r, 2) ? GEMM_BIAS : 0;
	} else {
		s.act = (enum fpq_activation)rng_below(r, 3);
		s.arrays = rng_below(r, 2) ? GEMM_ALPHA | GEMM_BETA : 0;
		s.nonsat = s.c != FPQ_FMT_FP32 && s.c != FPQ_FMT_BF16 && rng_below(r, 2);
	}
	return s;
}

/* INT8 x INT8 with int8 output in ONNX Runtime's mode, accumulators on rounding ties. */
static struct gemm_spec requant_spec(struct rng *r)
{
	struct gemm_spec s = { .a = FPQ_FMT_INT8, .b = FPQ_FMT_INT8, .c = FPQ_FMT_INT8,
			       .m = odd_sizes[rng_below(r, 10)], .n = odd_sizes[rng_below(r, 10)],
			       .pad = 2, .requant_fp32 = true, .a_data = DATA_UNIFORM,
			       .b_data = DATA_UNIFORM };

	s.k = odd_sizes[rng_below(r, 10)] + rng_below(r, 40);
	s.broadcast = rng_below(r, 3) == 0 ? FPQ_GEMM_SCALE_BROADCAST : 0;
	s.big_acc = rng_below(r, 2);
	return s;
}

static void make_case(struct gemm_case *gc, const struct gemm_spec *s, struct rng *r)
{
	CHECK(gemm_case_make(gc, s, r) == 0, "reference");
}

/*
 * What the backend wrote into the case's C against the reference: the whole buffers,
 * padding and unused slots of the last packing group included, and the counts.
 */
static void compare(const struct gemm_case *gc, const struct fpq_gemm_status *st, int which)
{
	CHECK(memcmp(gc->c.buf, gc->ref.buf, gc->c.buf_bytes) == 0,
	      "case %d: %s: output differs from the reference", which, gc->name);
	if (gc->c.scale_buf)
		CHECK(memcmp(gc->c.scale_buf, gc->ref.scale_buf, gc->c.scale_bytes) == 0,
		      "case %d: output scales differ", which);
	CHECK(gemm_case_compare_counts(gc, st, "backend") == 0, "case %d: counts differ", which);
	CHECK(st->backend == (int)fpq_context_backend(ctx), "case %d: ran on backend %d", which,
	      st->backend);
}

/* One case through fpq_gemm() against the reference. */
static void run_case(const struct gemm_spec *s, struct rng *r, int which)
{
	struct gemm_case gc;
	struct fpq_gemm_status st;
	int err;

	make_case(&gc, s, r);
	err = fpq_gemm(ctx, &gc.op, &st);
	CHECK(err == 0, "case %d: %s", which, fpq_strerror(err));
	if (!err)
		compare(&gc, &st, which);
	gemm_case_free(&gc);
}

static void run_cases(int int8, uint64_t seed, int count)
{
	struct rng r = rng_seeded(seed);

	for (int n = 0; n < count && harness_case_failures() == 0; n++) {
		const struct gemm_spec s = random_spec(&r, int8);

		run_case(&s, &r, n);
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

/*
 * FPQ_GEMM_REQUANT_FP32 (the card runs int32 output and libfpq requantizes on the
 * host): synchronous, and in jobs next to other operations.
 */
static void requant_fp32(void)
{
	struct rng r = rng_seeded(0x0E7F);

	for (int n = 0; n < 120 && harness_case_failures() == 0; n++) {
		const struct gemm_spec s = requant_spec(&r);

		run_case(&s, &r, n);
	}
	/* Jobs of three: requantized, another INT8 or float operation, requantized. */
	for (int j = 0; j < 8 && harness_case_failures() == 0; j++) {
		struct gemm_case gc[3];
		struct fpq_gemm_op ops[3];
		struct fpq_gemm_status st[3];
		struct fpq_job *job;

		for (int i = 0; i < 3; i++) {
			const struct gemm_spec s = i == 1 ? random_spec(&r, j % 2) : requant_spec(&r);

			make_case(&gc[i], &s, &r);
			ops[i] = gc[i].op;
		}
		CHECK(fpq_submit(ctx, ops, 3, &job) == 0, "submit %d", j);
		CHECK(fpq_job_wait(job, -1, st) == 0, "wait %d", j);
		for (int i = 0; i < 3; i++) {
			compare(&gc[i], &st[i], 1000 + 3 * j + i);
			gemm_case_free(&gc[i]);
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
	const struct gemm_spec s = requant_spec(&r);
	struct gemm_case first;
	struct test_matrix b, c, c_ref;
	struct fpq_gemm_op ops[2], ref;
	struct fpq_gemm_status st[2], want;
	struct fpq_job *job;
	struct fpq_fallback_stats fb;

	make_case(&first, &s, &r);
	ops[0] = first.op;
	tm_alloc(&b, FPQ_FMT_INT8, 6, ops[0].c.cols, 0, 0);
	tm_alloc(&c, FPQ_FMT_INT32, ops[0].c.rows, 6, 0, 0);
	tm_alloc(&c_ref, FPQ_FMT_INT32, ops[0].c.rows, 6, 0, 0);
	tm_fill(&b, &r, DATA_UNIFORM, SCALES_NONE);
	fpq_gemm_op_init(&ops[1]);
	ops[1].a = ops[0].c;           /* reads the first output */
	ops[1].b = b.m;
	ops[1].c = c.m;
	/* The reference, on the reference's first output. */
	ref = ops[1];
	ref.a = first.ref.m;
	ref.c = c_ref.m;
	CHECK(fpq_gemm_reference(&ref, &want) == 0, "reference 1");

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
	CHECK(memcmp(first.c.buf, first.ref.buf, first.c.buf_bytes) == 0, "first output");
	CHECK(memcmp(c.buf, c_ref.buf, c.buf_bytes) == 0, "second output (reads the first)");
	CHECK(st[0].clamped == first.ref_status.clamped, "clamp count");
	fpq_context_fallback_stats(ctx, &fb);
	if (fpq_context_backend(ctx) == FPQ_BACKEND_CARD && !refused)
		CHECK(st[0].backend == FPQ_BACKEND_CPU && strstr(fb.reason, "separate jobs"),
		      "ran on %d, fallback reason \"%s\"", st[0].backend, fb.reason);
	gemm_case_free(&first);
	tm_free(&b);
	tm_free(&c);
	tm_free(&c_ref);
}

/* Every format pair once, specials against mixed magnitudes, through the context. */
static void every_pair(void)
{
	struct rng r = rng_seeded(0xE7E);

	for (int x = 0; x < N_FLOAT_OPS; x++)
		for (int y = 0; y < N_FLOAT_OPS; y++) {
			const struct gemm_spec s = {
				.a = float_ops[x], .b = float_ops[y], .c = FPQ_FMT_FP32,
				.m = 7, .n = 9, .k = 96, .a_scales = true, .b_scales = true,
				.pad = 1, .a_data = DATA_SPECIALS, .b_data = DATA_MIXED_MAG,
				.a_scale_data = SCALES_EXTREME, .b_scale_data = SCALES_NEAR,
			};
			struct gemm_case gc;
			struct fpq_gemm_status st;

			make_case(&gc, &s, &r);
			CHECK(fpq_gemm(ctx, &gc.op, &st) == 0, "%s", gc.name);
			compare(&gc, &st, x * N_FLOAT_OPS + y);
			gemm_case_free(&gc);
		}
}

/* Several operations per job, several jobs in flight, waited for in reverse. */
static void async_jobs(void)
{
	enum { JOBS = 6, OPS = 3 };
	static struct gemm_case gc[JOBS][OPS];
	struct fpq_gemm_op ops[JOBS][OPS];
	struct fpq_gemm_status st[OPS];
	struct fpq_job *job[JOBS];
	struct rng r = rng_seeded(0xA57);

	for (int j = 0; j < JOBS; j++) {
		for (int i = 0; i < OPS; i++) {
			const struct gemm_spec s = random_spec(&r, (i + j) % 3 == 0);

			make_case(&gc[j][i], &s, &r);
			ops[j][i] = gc[j][i].op;
		}
		CHECK(fpq_submit(ctx, ops[j], OPS, &job[j]) == 0, "submit %d: %s", j,
		      fpq_strerror(-EINVAL));
	}
	for (int j = JOBS - 1; j >= 0; j--) {
		CHECK(fpq_job_wait(job[j], -1, st) == 0, "wait %d", j);
		for (int i = 0; i < OPS; i++) {
			compare(&gc[j][i], &st[i], j * OPS + i);
			gemm_case_free(&gc[j][i]);
		}
		fpq_job_free(job[j]);
	}
}

/* A context destroyed with jobs in flight finishes them; the jobs outlive it. */
static void destroy_with_jobs(void)
{
	enum { JOBS = 3 };
	static struct gemm_case gc[JOBS];
	struct fpq_gemm_status st;
	struct fpq_job *job[JOBS];
	struct fpq_context *c2;
	struct rng r = rng_seeded(0xD35);

	CHECK(fpq_context_create(NULL, &c2) == 0, "second context");
	for (int j = 0; j < JOBS; j++) {
		const struct gemm_spec s = random_spec(&r, j == 1);

		make_case(&gc[j], &s, &r);
		CHECK(fpq_submit(c2, &gc[j].op, 1, &job[j]) == 0, "submit %d", j);
	}
	fpq_context_destroy(c2);
	for (int j = 0; j < JOBS; j++) {
		CHECK(fpq_job_wait(job[j], 0, &st) == 0, "job %d finished by the destroy", j);
		compare(&gc[j], &st, j);
		fpq_job_free(job[j]);
		gemm_case_free(&gc[j]);
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
