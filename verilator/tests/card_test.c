/* SPDX-License-Identifier: MIT */
/*
 * card_test.c - the whole card under Verilator, driven like a driver drives it: BAR0
 * registers, a job ring, page tables and descriptors in simulated host memory behind a
 * slow, randomly stalling AXI slave. GEMMs of many shapes, every format pair and output
 * mode are compared bit for bit with libfpq's fpq_gemm_reference(); faults (unmapped
 * and read-only pages, bad descriptors, bus errors, injected hang and DMA error, reset
 * mid-job) each give the documented status, and the next job still works. The AXI
 * protocol checker must stay silent throughout. With --abft every job runs with
 * CONTROL.ABFT set: the same results bit for bit, every INT8 tile checked, none failed.
 *   card_test [--seed N] [--stall PERCENT] [--latency CYCLES] [--trace FILE.fst] [--abft]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card_gemm.h"
#include "card_host.h"
#include "harness.h"
#include "rtl_errors_check.h"

static struct host H;
static struct rng R;
static bool abft;   /* --abft: CONTROL.ABFT on for every job */

#define JOB_CYCLES 2000000ull

static void check_bus_clean(void)
{
	struct fpq_card_model_stats st;

	fpq_card_model_stats(H.card, &st);
	CHECK(st.protocol_errors == 0, "AXI protocol violations: %llu (%s)",
	      (unsigned long long)st.protocol_errors, fpq_card_model_last_error(H.card));
}

/* Every case: no assertion of the card failed (rtl/fpq_assert.svh). */
static void no_rtl_errors(void)
{
	struct fpq_card_model_stats st;

	fpq_card_model_stats(H.card, &st);
	check_no_new_rtl_errors(st.rtl_errors);
}

/* Run @n operations as one job; check results, records and counts. */
static void run_job(struct gemm_spec *cfgs, unsigned int n, const char *what)
{
	struct gemm_case *gc = calloc(n, sizeof(*gc));
	struct dev_op *dev = calloc(n, sizeof(*dev));
	struct fpq_hw_op_desc *descs = calloc(n, sizeof(*descs));
	struct vspace vs;
	struct job j;

	vs_init(&vs, &H);
	for (unsigned int i = 0; i < n; i++) {
		card_case_make(&gc[i], &cfgs[i], &R);
		dev_op_build(&vs, &gc[i].op, &dev[i], rng_below(&R, 4096));
		descs[i] = dev[i].desc;
	}
	job_queue(&H, &vs, descs, n, true, &j);
	host_doorbell(&H);
	bool done = host_wait_fence(&H, j.fence, JOB_CYCLES);

	CHECK(done, "%s: job did not complete", what);
	if (done) {
		const struct fpq_hw_completion *c = job_completion(&H, &j);

		CHECK(c->fence == j.fence && c->status == FPQ_HW_ERR_OK && c->ops_done == n,
		      "%s: completion fence %llu status %u ops %u", what,
		      (unsigned long long)c->fence, c->status, c->ops_done);
		for (unsigned int i = 0; i < n; i++) {
			CHECK(card_case_check(&vs, &dev[i], &gc[i], what) == 0, "%s: %s: C differs",
			      what, gc[i].name);
			CHECK(card_status_check(job_op_status(&H, &j, i), &gc[i], what) == 0,
			      "%s: %s: counts differ", what, gc[i].name);
		}
	}
	for (unsigned int i = 0; i < n; i++)
		gemm_case_free(&gc[i]);
	free(gc);
	free(dev);
	free(descs);
	check_bus_clean();
}

/* ---- registers ---------------------------------------------------------------------- */

static void test_registers(void)
{
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_ID), FPQ_HW_ID_MAGIC, "register value");
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_VERSION), FPQ_REG_VERSION_RESET, "register value");
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_CAP_MAX_M), FPQ_HW_MAX_M, "register value");
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_CAP_MAX_K), FPQ_HW_MAX_K, "register value");
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_CAP_RING), FPQ_REG_CAP_RING_RESET, "register value");
	CHECK(H.rows >= 2 && H.cols >= 2, "array %ux%u", H.rows, H.cols);
	uint32_t in = host_reg_read(&H, FPQ_REG_CAP_IN_FORMATS);

	CHECK((in & (1u << FPQ_FMT_INT8)) && (in & (1u << FPQ_FMT_E4M3)), "formats 0x%x", in);
	host_reg_write(&H, FPQ_REG_SCRATCH, 0x12345678);
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_SCRATCH), 0x12345678u, "register value");
	host_reg_write(&H, FPQ_REG_ID, 0);
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_ID), FPQ_HW_ID_MAGIC, "register value");
	/* the ring size clamps to the documented limits */
	host_reg_write(&H, FPQ_REG_RING_LOG2, 31);
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_RING_LOG2), FPQ_HW_RING_LOG2_MAX, "register value");
	host_reg_write(&H, FPQ_REG_RING_LOG2, 0);
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_RING_LOG2), FPQ_HW_RING_LOG2_MIN, "register value");
	/* RING_BASE_LO keeps 64-byte alignment */
	host_reg_write(&H, FPQ_REG_RING_BASE_LO, 0x1234567f);
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_RING_BASE_LO), 0x12345640u, "register value");
	uint32_t st = host_reg_read(&H, FPQ_REG_STATUS);

	CHECK(st & FPQ_REG_STATUS_IDLE_MASK, "STATUS 0x%x", st);
	/* RING_HEAD is writable while the ring is disabled (resuming after a reset) */
	host_reg_write(&H, FPQ_REG_RING_HEAD, 5);
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_RING_HEAD), 5, "RING_HEAD written while disabled");
	host_reg_write(&H, FPQ_REG_RING_HEAD, 0);
	/* write 1 to clear leaves the other bits alone; a masked cause raises no interrupt */
	host_reg_write(&H, FPQ_REG_INT_MASK, 0);
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_INT_MASK), 0, "INT_MASK");
	CHECK(fpq_card_model_irq(H.card) == 0, "interrupt with every cause masked");
	/* counters count; reading _LO latches _HI */
	uint32_t c0 = host_reg_read(&H, FPQ_REG_PERF_CYCLES_LO);
	uint32_t c1 = host_reg_read(&H, FPQ_REG_PERF_CYCLES_LO);

	CHECK(c1 > c0, "PERF_CYCLES %u then %u", c0, c1);
	check_bus_clean();
}

/* ---- GEMMs ------------------------------------------------------------------------ */

static void test_gemm_int8_small(void)
{
	struct gemm_spec c = { .a = FPQ_FMT_INT8, .b = FPQ_FMT_INT8, .c = FPQ_FMT_INT32,
			      .m = H.rows, .n = H.cols, .k = 32 };

	run_job(&c, 1, "int8 one tile");
}

static void test_gemm_e4m3_small(void)
{
	struct gemm_spec c = { .a = FPQ_FMT_E4M3, .b = FPQ_FMT_E4M3, .c = FPQ_FMT_FP32,
			      .m = H.rows, .n = H.cols, .k = 64 };

	run_job(&c, 1, "e4m3 one tile");
}


static const enum fpq_format float_fmts[] = { FPQ_FMT_E4M3, FPQ_FMT_E5M2, FPQ_FMT_E3M2,
					      FPQ_FMT_E2M3, FPQ_FMT_E2M1, FPQ_FMT_MXINT8 };
#define N_FLOAT (sizeof(float_fmts) / sizeof(float_fmts[0]))

static uint32_t small(uint32_t tile)
{
	/* 1, a tile, or up to three tiles and a bit */
	switch (rng_below(&R, 4)) {
	case 0:
		return 1;
	case 1:
		return tile;
	default:
		return 1 + rng_below(&R, 3 * tile + 2);
	}
}

static void test_gemm_int8_shapes_and_outputs(void)
{
	static const enum fpq_format outs[] = { FPQ_FMT_INT32, FPQ_FMT_INT8, FPQ_FMT_FP32 };
	const uint32_t shapes[][3] = {
		{ 1, 1, 1 }, { 1, H.cols, 5 }, { H.rows, 1, 7 }, { H.rows + 1, H.cols + 3, 33 },
		{ 3 * H.rows - 1, 2 * H.cols + 1, 100 }, { 2 * H.rows, 2 * H.cols, 64 },
	};
	struct gemm_spec c[6];

	for (unsigned int s = 0; s < 6; s++) {
		c[s] = (struct gemm_spec){ .a = FPQ_FMT_INT8, .b = FPQ_FMT_INT8, .c = outs[s % 3],
					  .m = shapes[s][0], .n = shapes[s][1], .k = shapes[s][2],
					  .arrays = s % 2 ? GEMM_ARRAYS : 0, .pad = (s % 3) * 8 };
	}
	run_job(c, 6, "int8 shapes, six operations in one job");
}

static void test_gemm_float_format_pairs(void)
{
	for (unsigned int a = 0; a < N_FLOAT; a++) {
		struct gemm_spec c[N_FLOAT];

		for (unsigned int b = 0; b < N_FLOAT; b++)
			c[b] = (struct gemm_spec){ .a = float_fmts[a], .b = float_fmts[b],
						  .c = FPQ_FMT_FP32, .m = small(H.rows),
						  .n = small(H.cols), .k = 1 + rng_below(&R, 90),
						  .pad = rng_below(&R, 2) * 12, .specials = 3 };
		run_job(c, N_FLOAT, fpq_format_name(float_fmts[a]));
	}
}

static void test_gemm_mx_scales(void)
{
	struct gemm_spec c[8];

	for (unsigned int i = 0; i < 8; i++)
		c[i] = (struct gemm_spec){ .a = float_fmts[rng_below(&R, N_FLOAT)],
					  .b = float_fmts[rng_below(&R, N_FLOAT)],
					  .c = FPQ_FMT_FP32, .m = small(H.rows), .n = small(H.cols),
					  .k = 32 * (1 + rng_below(&R, 5)), .a_scales = i % 3 != 1,
					  .b_scales = i % 3 != 2, .arrays = i % 2 ? GEMM_ARRAYS : 0, .specials = i % 4 };
	run_job(c, 8, "mx scales");
}

static void test_gemm_float_outputs(void)
{
	static const enum fpq_format outs[] = { FPQ_FMT_FP32, FPQ_FMT_BF16, FPQ_FMT_E4M3,
						FPQ_FMT_E5M2, FPQ_FMT_E3M2, FPQ_FMT_E2M3,
						FPQ_FMT_E2M1, FPQ_FMT_MXINT8, FPQ_FMT_INT8 };
	struct gemm_spec c[9];

	for (unsigned int rep = 0; rep < 2; rep++) {
		for (unsigned int i = 0; i < 9; i++)
			c[i] = (struct gemm_spec){ .a = float_fmts[rng_below(&R, N_FLOAT)],
						  .b = float_fmts[rng_below(&R, N_FLOAT)],
						  .c = outs[i], .m = small(H.rows), .n = small(H.cols),
						  .k = 1 + rng_below(&R, 70), .act = (i + rep) % 3,
						  .arrays = GEMM_ARRAYS, .nonsat = rep && i >= 2,
						  .pad = 3 * rng_below(&R, 3), .specials = 2 };
		run_job(c, 9, rep ? "narrow outputs, non-saturating" : "float outputs");
	}
}

static void test_gemm_mx_output(void)
{
	static const enum fpq_format outs[] = { FPQ_FMT_E4M3, FPQ_FMT_E5M2, FPQ_FMT_E3M2,
						FPQ_FMT_E2M3, FPQ_FMT_E2M1, FPQ_FMT_MXINT8 };
	struct gemm_spec c[6];

	for (unsigned int i = 0; i < 6; i++)
		c[i] = (struct gemm_spec){ .a = float_fmts[rng_below(&R, N_FLOAT)],
					  .b = float_fmts[rng_below(&R, N_FLOAT)], .c = outs[i],
					  .m = small(H.rows), .n = 32 * (1 + rng_below(&R, 2)),
					  .k = 32 * (1 + rng_below(&R, 3)), .a_scales = true, .b_scales = i % 2,
					  .c_scales = true, .act = i % 3, .arrays = GEMM_ARRAYS, .nonsat = i % 2 };
	run_job(c, 6, "mx output");
}

static void test_gemm_long_k_streamed(void)
{
	struct gemm_spec c[3] = {
		{ .a = FPQ_FMT_INT8, .b = FPQ_FMT_INT8, .c = FPQ_FMT_INT32, .m = H.rows + 1,
		  .n = 3, .k = 4096 + 100, .arrays = GEMM_ARRAYS },
		{ .a = FPQ_FMT_E4M3, .b = FPQ_FMT_E2M3, .c = FPQ_FMT_FP32, .m = 2, .n = H.cols,
		  .k = 8192 + 96, .a_scales = true, .b_scales = true },
		{ .a = FPQ_FMT_E2M1, .b = FPQ_FMT_E2M1, .c = FPQ_FMT_BF16, .m = 3, .n = 5,
		  .k = 9000 },
	};

	run_job(c, 3, "long K, streamed in chunks");
}

static void test_gemm_specials(void)
{
	struct gemm_spec c[4];

	for (unsigned int i = 0; i < 4; i++)
		c[i] = (struct gemm_spec){ .a = i < 2 ? FPQ_FMT_E5M2 : FPQ_FMT_E4M3,
					  .b = i % 2 ? FPQ_FMT_E5M2 : FPQ_FMT_E4M3,
					  .c = i == 3 ? FPQ_FMT_E4M3 : FPQ_FMT_FP32,
					  .m = H.rows, .n = H.cols, .k = 64, .a_scales = i >= 2, .b_scales = i >= 2,
					  .specials = 30, .arrays = i % 2 ? GEMM_ARRAYS : 0 };
	run_job(c, 4, "Inf, NaN, zeros, extreme scales");
}

/* Operands spanning more pages than the TLB holds, rows straddling pages. */
static void test_gemm_many_pages(void)
{
	struct gemm_spec c[2] = {
		{ .a = FPQ_FMT_INT8, .b = FPQ_FMT_INT8, .c = FPQ_FMT_INT32, .m = 5 * H.rows + 3,
		  .n = 4 * H.cols + 1, .k = 1000, .pad = 200, .arrays = GEMM_ARRAYS },
		{ .a = FPQ_FMT_E3M2, .b = FPQ_FMT_E4M3, .c = FPQ_FMT_FP32, .m = 4 * H.rows,
		  .n = 5 * H.cols, .k = 1536, .a_scales = true, .b_scales = true, .pad = 90 },
	};

	run_job(c, 2, "operands over many pages");
}

/* Several jobs in the ring at once: one doorbell, completions in order. */
static void test_jobs_in_flight(void)
{
	enum { NJ = 5 };
	struct gemm_case gc[NJ];
	struct dev_op dev[NJ];
	struct vspace vs[NJ];
	struct job j[NJ];
	char name[160];
	uint64_t w0 = H.reg_writes, r0 = H.reg_reads;

	for (unsigned int i = 0; i < NJ; i++) {
		struct gemm_spec c = { .a = i % 2 ? FPQ_FMT_INT8 : FPQ_FMT_E4M3,
				      .b = i % 2 ? FPQ_FMT_INT8 : FPQ_FMT_E3M2,
				      .c = i % 2 ? FPQ_FMT_INT8 : FPQ_FMT_BF16, .m = small(H.rows),
				      .n = small(H.cols), .k = 1 + rng_below(&R, 64), .arrays = GEMM_ARRAYS };

		vs_init(&vs[i], &H);   /* each job its own page table */
		card_case_make(&gc[i], &c, &R);
		dev_op_build(&vs[i], &gc[i].op, &dev[i], rng_below(&R, 4096));
		job_queue(&H, &vs[i], &dev[i].desc, 1, i == NJ - 1, &j[i]);
	}
	host_doorbell(&H);
	CHECK(host_wait_fence(&H, j[NJ - 1].fence, JOB_CYCLES), "the last job did not complete");
	for (unsigned int i = 0; i < NJ; i++) {
		const struct fpq_hw_completion *c = job_completion(&H, &j[i]);

		snprintf(name, sizeof(name), "job %u", i);
		CHECK(c->fence == j[i].fence && c->status == FPQ_HW_ERR_OK, "%s: status %u", name,
		      c->status);
		CHECK(card_case_check(&vs[i], &dev[i], &gc[i], name) == 0, "%s: C differs", name);
		gemm_case_free(&gc[i]);
	}
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_RING_HEAD), H.tail, "every job consumed");
	printf("  %d jobs: %llu register writes, %llu reads to submit and complete\n", NJ,
	       (unsigned long long)(H.reg_writes - w0), (unsigned long long)(H.reg_reads - r0));
	CHECK(H.reg_writes - w0 == 1, "submitting took more than the doorbell");
	check_bus_clean();
}

static void test_interrupt(void)
{
	struct gemm_spec c = { .a = FPQ_FMT_INT8, .b = FPQ_FMT_INT8, .c = FPQ_FMT_INT32, .m = 2,
			      .n = 2, .k = 3 };

	fpq_card_model_tick(H.card, 1000);
	host_reg_write(&H, FPQ_REG_INT_STATUS, 3);
	CHECK(fpq_card_model_irq(H.card) == 0, "irq high with nothing pending");
	run_job(&c, 1, "job with IRQ");
	for (int i = 0; i < 100 && !fpq_card_model_irq(H.card); i++)
		fpq_card_model_tick(H.card, 10);
	CHECK(fpq_card_model_irq(H.card) == 1, "no interrupt after the job");
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_INT_STATUS), FPQ_REG_INT_STATUS_JOB_DONE_MASK,
		   "JOB_DONE only");
	host_reg_write(&H, FPQ_REG_INT_STATUS, FPQ_REG_INT_STATUS_JOB_DONE_MASK);
	CHECK(fpq_card_model_irq(H.card) == 0, "interrupt still high after W1C");
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_INT_STATUS), 0, "W1C cleared");
}

/* ---- failures ------------------------------------------------------------------------ */

/* Most ops of a job that run_bad_ops() builds (more than 8 zeroed records: 256 bytes). */
#define BAD_JOB_MAX_OPS 12

/* A job whose descriptor was changed by @mangle; expect @status at op @op_idx. */
struct bad {
	const char *what;
	uint32_t status;
	unsigned int failing_op;
};

static void expect_failure(struct job *j, struct vspace *vs, const struct gemm_case *gc,
			   const struct dev_op *dev, unsigned int n, const struct bad *b)
{
	bool done = host_wait_fence(&H, j->fence, JOB_CYCLES);

	CHECK(done, "%s: job did not complete", b->what);
	if (!done)
		return;
	const struct fpq_hw_completion *c = job_completion(&H, j);

	/* the interrupt follows the fence record once its write is answered */
	for (int i = 0; i < 100 && !(host_reg_read(&H, FPQ_REG_INT_STATUS) &
				     FPQ_REG_INT_STATUS_JOB_ERROR_MASK); i++)
		fpq_card_model_tick(H.card, 10);
	CHECK(c->status == b->status && c->ops_done == b->failing_op,
	      "%s: status %u ops_done %u, expected %u at op %u", b->what, c->status, c->ops_done,
	      b->status, b->failing_op);
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_ERR_CAUSE), b->status, "%s: ERR_CAUSE", b->what);
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_ERR_OP), b->failing_op, "%s: ERR_OP", b->what);
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_ERR_JOB), j->index, "%s: ERR_JOB", b->what);
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_ERR_FENCE_LO), (uint32_t)j->fence, "%s: ERR_FENCE",
		   b->what);
	CHECK(host_reg_read(&H, FPQ_REG_INT_STATUS) & FPQ_REG_INT_STATUS_JOB_ERROR_MASK,
	      "%s: no JOB_ERROR", b->what);
	host_reg_write(&H, FPQ_REG_INT_STATUS, 3);
	for (unsigned int i = 0; i < n && i < b->failing_op; i++)
		CHECK(card_case_check(vs, &dev[i], &gc[i], b->what) == 0, "%s: op %u before the failure",
		      b->what, i);
	for (unsigned int i = b->failing_op; i < n; i++) {
		const struct fpq_hw_op_status *s = job_op_status(&H, j, i);
		static const uint8_t zero[32];

		CHECK(memcmp(s, zero, 32) == 0, "%s: record of op %u not zeroed", b->what, i);
	}
	check_bus_clean();
}

/*
 * @n ops; @mangle breaks op @bad_op (or its pages) before the job runs. The records of
 * the op that fails and of every later op come back zeroed.
 */
static void run_bad_ops(void (*mangle)(struct vspace *, const struct dev_op *,
				       struct fpq_hw_op_desc *),
			unsigned int n, unsigned int bad_op, const struct bad *b)
{
	struct gemm_spec c = { .a = FPQ_FMT_INT8, .b = FPQ_FMT_INT8, .c = FPQ_FMT_INT32,
			      .m = H.rows + 2, .n = H.cols + 1, .k = 40, .arrays = GEMM_ARRAYS };
	struct gemm_case gc[BAD_JOB_MAX_OPS];
	struct dev_op dev[BAD_JOB_MAX_OPS];
	struct fpq_hw_op_desc d[BAD_JOB_MAX_OPS];
	struct vspace vs;
	struct job j;

	if (n > BAD_JOB_MAX_OPS || bad_op >= n) {
		CHECK(0, "%s: %u ops, op %u broken: not a valid case", b->what, n, bad_op);
		return;
	}
	vs_init(&vs, &H);
	for (unsigned int i = 0; i < n; i++) {
		card_case_make(&gc[i], &c, &R);
		dev_op_build(&vs, &gc[i].op, &dev[i], rng_below(&R, 4096));
		d[i] = dev[i].desc;
	}
	mangle(&vs, &dev[bad_op], &d[bad_op]);
	job_queue(&H, &vs, d, n, true, &j);
	host_doorbell(&H);
	expect_failure(&j, &vs, gc, dev, n, b);
	for (unsigned int i = 0; i < n; i++)
		gemm_case_free(&gc[i]);
	/* the next job works */
	run_job(&c, 1, "the job after a failure");
}

/* Two ops; @mangle breaks the second one (or its pages) before the job runs. */
static void run_bad(void (*mangle)(struct vspace *, const struct dev_op *, struct fpq_hw_op_desc *),
		    const struct bad *b)
{
	run_bad_ops(mangle, 2, 1, b);
}

static void m_bad_opcode(struct vspace *vs, const struct dev_op *g, struct fpq_hw_op_desc *d)
{
	(void)vs, (void)g;
	d->op = (d->op & ~FPQ_HW_OP_DESC_OP_OPCODE_MASK) |
		FPQ_HW_FIELD_PREP(FPQ_HW_OP_DESC_OP_OPCODE_MASK, 0x33);
}

static void m_reserved(struct vspace *vs, const struct dev_op *g, struct fpq_hw_op_desc *d)
{
	(void)vs, (void)g;
	d->rsvd7 = 1;
}

static void m_reserved_flag(struct vspace *vs, const struct dev_op *g, struct fpq_hw_op_desc *d)
{
	(void)vs, (void)g;
	d->flags |= FPQ_HW_FIELD_PREP(FPQ_HW_OP_DESC_FLAGS_RSVD1_MASK, 1u << 6);
}

static void m_bad_format(struct vspace *vs, const struct dev_op *g, struct fpq_hw_op_desc *d)
{
	(void)vs, (void)g;
	d->op = (d->op & ~FPQ_HW_OP_DESC_OP_FMT_B_MASK) |   /* int8 x e4m3 */
		FPQ_HW_FIELD_PREP(FPQ_HW_OP_DESC_OP_FMT_B_MASK, FPQ_HW_FMT_E4M3);
}

static void m_bad_shape(struct vspace *vs, const struct dev_op *g, struct fpq_hw_op_desc *d)
{
	(void)vs, (void)g;
	d->a_stride = 3;   /* shorter than a row of K = 40 */
}

static void m_unmapped(struct vspace *vs, const struct dev_op *g, struct fpq_hw_op_desc *d)
{
	(void)g;
	vs_set_pte(vs, d->b_addr + 100, 0);
}

static void m_read_only_c(struct vspace *vs, const struct dev_op *g, struct fpq_hw_op_desc *d)
{
	uint64_t va = d->c_addr + g->c_bytes - 1;

	vs_set_pte(vs, va, (vs_get_pte(vs, va) & ~FPQ_HW_PTE_WRITE_MASK) | FPQ_HW_PTE_READ_MASK);
}

static void m_bad_pte(struct vspace *vs, const struct dev_op *g, struct fpq_hw_op_desc *d)
{
	(void)g;
	vs_set_pte(vs, d->a_addr, vs_get_pte(vs, d->a_addr) |
		   FPQ_HW_FIELD_PREP(FPQ_HW_PTE_RSVD0_MASK, 1u << 2));
}

static void m_beyond_va(struct vspace *vs, const struct dev_op *g, struct fpq_hw_op_desc *d)
{
	(void)vs, (void)g;
	d->b_addr |= 1ull << FPQ_HW_VA_BITS;
}

static uint64_t bus_err_pa;
static void m_bus_error(struct vspace *vs, const struct dev_op *g, struct fpq_hw_op_desc *d)
{
	(void)g;
	uint64_t pte = vs_get_pte(vs, d->a_addr);

	bus_err_pa = pte & FPQ_HW_PTE_ADDR_MASK;
	H.err_lo = bus_err_pa;
	H.err_hi = bus_err_pa + 4096;
}

static void test_fault_bad_opcode(void)
{
	struct bad b = { "bad opcode", FPQ_HW_ERR_BAD_OPCODE, 1 };

	run_bad(m_bad_opcode, &b);
}

/*
 * The first of 12 ops is invalid: the 12 records (384 bytes) are zeroed in one write
 * longer than the command processor's 256-byte descriptor buffer.
 */
static void test_fault_first_of_many(void)
{
	struct bad b = { "bad opcode, first of 12", FPQ_HW_ERR_BAD_OPCODE, 0 };

	run_bad_ops(m_bad_opcode, BAD_JOB_MAX_OPS, 0, &b);
}

static void test_fault_reserved_fields(void)
{
	struct bad b = { "reserved field", FPQ_HW_ERR_RESERVED, 1 };
	struct bad f = { "reserved flag", FPQ_HW_ERR_RESERVED, 1 };

	run_bad(m_reserved, &b);
	run_bad(m_reserved_flag, &f);
}

static void test_fault_format_and_shape(void)
{
	struct bad b = { "int8 x e4m3", FPQ_HW_ERR_BAD_FORMAT, 1 };
	struct bad s = { "short stride", FPQ_HW_ERR_BAD_SHAPE, 1 };

	run_bad(m_bad_format, &b);
	run_bad(m_bad_shape, &s);
}

static void test_fault_unmapped_page(void)
{
	struct bad b = { "unmapped page of B", FPQ_HW_ERR_PAGE_UNMAPPED, 1 };
	struct bad v = { "VA beyond 1 GiB", FPQ_HW_ERR_PAGE_UNMAPPED, 1 };

	run_bad(m_unmapped, &b);
	run_bad(m_beyond_va, &v);
}

static void test_fault_permission(void)
{
	struct bad b = { "read-only page of C", FPQ_HW_ERR_PAGE_PERMISSION, 1 };
	struct bad e = { "PTE reserved bit", FPQ_HW_ERR_PAGE_BAD_ENTRY, 1 };

	run_bad(m_read_only_c, &b);
	run_bad(m_bad_pte, &e);
}

static void test_fault_bus_error(void)
{
	struct bad b = { "SLVERR on A", FPQ_HW_ERR_DMA_READ, 1 };

	run_bad(m_bus_error, &b);
	uint32_t ea = host_reg_read(&H, FPQ_REG_ERR_ADDR_LO);

	CHECK(ea >> 12 == (uint32_t)bus_err_pa >> 12,
	      "ERR_ADDR 0x%x does not name the failing page 0x%llx", ea,
	      (unsigned long long)bus_err_pa);
	H.err_lo = H.err_hi = 0;
}

/* The operation descriptors themselves cannot be read: ERR_DMA_READ at op 0. */
static void test_fault_unreadable_descriptor(void)
{
	struct gemm_spec c = { .a = FPQ_FMT_INT8, .b = FPQ_FMT_INT8, .c = FPQ_FMT_INT32,
			      .m = 3, .n = 3, .k = 3 };
	struct gemm_case gc;
	struct dev_op dev;
	struct vspace vs;
	struct job j;
	struct bad b = { "unreadable operation descriptor", FPQ_HW_ERR_DMA_READ, 0 };

	vs_init(&vs, &H);
	card_case_make(&gc, &c, &R);
	dev_op_build(&vs, &gc.op, &dev, 0);
	job_queue(&H, &vs, &dev.desc, 1, true, &j);
	H.err_lo = j.ops_pa;
	H.err_hi = j.ops_pa + FPQ_HW_OP_DESC_BYTES;
	host_doorbell(&H);
	expect_failure(&j, &vs, &gc, &dev, 1, &b);
	H.err_lo = H.err_hi = 0;
	gemm_case_free(&gc);
	run_job(&c, 1, "the job after an unreadable descriptor");
}

static void test_fault_bad_job(void)
{
	struct fpq_hw_job_desc d;
	struct job j;
	uint64_t compl = host_kernel_alloc(&H, 64, 32);

	memset(host_ptr(&H, compl), 0xee, 64);
	memset(&d, 0, sizeof(d));
	d.header = FPQ_HW_FIELD_PREP(FPQ_HW_JOB_DESC_HEADER_KIND_MASK, 7) |   /* unknown kind */
		   FPQ_HW_FIELD_PREP(FPQ_HW_JOB_DESC_HEADER_NUM_OPS_MASK, 1);
	d.fence = ++H.next_fence;
	d.completion_addr = compl;
	job_queue_raw(&H, &d, &j);
	host_doorbell(&H);
	CHECK(host_wait_fence(&H, j.fence, JOB_CYCLES), "bad job did not complete");
	const struct fpq_hw_completion *c = host_ptr(&H, compl);

	CHECK(c->status == FPQ_HW_ERR_BAD_JOB && c->fence == j.fence, "status %u", c->status);
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_ERR_CAUSE), FPQ_HW_ERR_BAD_JOB, "ERR_CAUSE");
	host_reg_write(&H, FPQ_REG_INT_STATUS, 3);
	check_bus_clean();
}

static void test_fault_injected_dma_error(void)
{
	struct gemm_spec c = { .a = FPQ_FMT_E4M3, .b = FPQ_FMT_E4M3, .c = FPQ_FMT_FP32,
			      .m = H.rows, .n = H.cols, .k = 64 };
	struct gemm_case gc;
	struct dev_op dev;
	struct vspace vs;
	struct job j;
	struct bad b = { "injected DMA error", FPQ_HW_ERR_DMA_READ, 0 };

	host_reg_write(&H, FPQ_REG_FAULT_INJECT, FPQ_REG_FAULT_INJECT_DMA_READ_MASK);
	vs_init(&vs, &H);
	card_case_make(&gc, &c, &R);
	dev_op_build(&vs, &gc.op, &dev, 64);
	job_queue(&H, &vs, &dev.desc, 1, true, &j);
	host_doorbell(&H);
	expect_failure(&j, &vs, &gc, &dev, 1, &b);
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_FAULT_INJECT), 0, "the one-shot bit cleared");
	gemm_case_free(&gc);
	run_job(&c, 1, "the job after an injected DMA error");
}

/*
 * ABFT: PERF_ABFT_TILES counted every INT8 tile checked since the last look, none failed;
 * without --abft nothing is checked. Reads the 64-bit counters (_LO latches _HI).
 */
static uint64_t abft_tiles_seen;
static uint64_t perf64(uint32_t lo)
{
	uint64_t v = host_reg_read(&H, lo);

	return v | (uint64_t)host_reg_read(&H, lo + 4) << 32;
}

static void test_abft_counters(void)
{
	struct gemm_spec c = { .a = FPQ_FMT_INT8, .b = FPQ_FMT_INT8, .c = FPQ_FMT_INT8,
			      .m = H.rows + 1, .n = H.cols, .k = 40, .arrays = GEMM_ARRAYS };

	run_job(&c, 1, "int8, two tiles");
	uint64_t tiles = perf64(FPQ_REG_PERF_ABFT_TILES_LO);
	uint64_t errors = perf64(FPQ_REG_PERF_ABFT_ERRORS_LO);

	printf("  ABFT %s: %llu tiles checked, %llu failed\n", abft ? "on" : "off",
	       (unsigned long long)tiles, (unsigned long long)errors);
	CHECK(host_reg_read(&H, FPQ_REG_CAP_FEATURES) & FPQ_REG_CAP_FEATURES_ABFT_MASK,
	      "CAP_FEATURES.ABFT not set");
	CHECK_EQ_U(!!(host_reg_read(&H, FPQ_REG_CONTROL) & FPQ_REG_CONTROL_ABFT_MASK), abft,
		   "CONTROL.ABFT");
	CHECK(abft ? tiles >= abft_tiles_seen + 2 : tiles == 0, "PERF_ABFT_TILES %llu",
	      (unsigned long long)tiles);
	CHECK(errors == 0, "PERF_ABFT_ERRORS %llu on a fault-free card", (unsigned long long)errors);
	abft_tiles_seen = tiles;
}

/* A soft reset zeroes the counters and CONTROL (ABFT with it). */
static void abft_counts_after_reset(void)
{
	CHECK(perf64(FPQ_REG_PERF_ABFT_TILES_LO) == 0 && perf64(FPQ_REG_PERF_ABFT_ERRORS_LO) == 0,
	      "ABFT counters after reset");
	abft_tiles_seen = 0;
}

/* Soft reset: the card returns to its reset state; the driver programs it again. */
static void soft_reset_and_restart(void)
{
	host_reg_write(&H, FPQ_REG_SOFT_RESET, FPQ_HW_SOFT_RESET_KEY);
	for (int i = 0; i < 100 && (host_reg_read(&H, FPQ_REG_STATUS) &
				    FPQ_REG_STATUS_RESETTING_MASK); i++)
		fpq_card_model_tick(H.card, 100);
	uint32_t st = host_reg_read(&H, FPQ_REG_STATUS);

	CHECK(st == FPQ_REG_STATUS_IDLE_MASK, "STATUS 0x%x after reset", st);
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_CONTROL), 0, "CONTROL after reset");
	abft_counts_after_reset();
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_RING_HEAD), 0, "RING_HEAD after reset");
	host_start(&H, 4);
}

static void test_fault_injected_hang_then_reset(void)
{
	struct gemm_spec c = { .a = FPQ_FMT_INT8, .b = FPQ_FMT_INT8, .c = FPQ_FMT_INT8,
			      .m = H.rows, .n = H.cols, .k = 16 };
	struct gemm_case gc;
	struct dev_op dev;
	struct vspace vs;
	struct job j;

	fpq_card_model_tick(H.card, 1000);   /* the last job's interrupt has come */
	host_reg_write(&H, FPQ_REG_INT_STATUS, 3);
	host_reg_write(&H, FPQ_REG_FAULT_INJECT, FPQ_REG_FAULT_INJECT_HANG_MASK);
	vs_init(&vs, &H);
	card_case_make(&gc, &c, &R);
	dev_op_build(&vs, &gc.op, &dev, 0);
	job_queue(&H, &vs, &dev.desc, 1, true, &j);
	host_doorbell(&H);
	CHECK(!host_wait_fence(&H, j.fence, 200000), "the hung job completed");
	CHECK(host_reg_read(&H, FPQ_REG_STATUS) & FPQ_REG_STATUS_BUSY_MASK, "not busy while hung");
	CHECK(fpq_card_model_irq(H.card) == 0, "interrupt from a hung job");
	gemm_case_free(&gc);
	soft_reset_and_restart();
	run_job(&c, 1, "the job after a hang and reset");
}

static void test_reset_mid_job(void)
{
	struct gemm_spec c = { .a = FPQ_FMT_E4M3, .b = FPQ_FMT_E5M2, .c = FPQ_FMT_FP32,
			      .m = 4 * H.rows, .n = 4 * H.cols, .k = 256, .arrays = GEMM_ARRAYS };

	for (unsigned int when = 300; when < 40000; when = when * 3 + 77) {
		struct gemm_case gc;
		struct dev_op dev;
		struct vspace vs;
		struct job j;

		vs_init(&vs, &H);
		card_case_make(&gc, &c, &R);
		dev_op_build(&vs, &gc.op, &dev, 8);
		job_queue(&H, &vs, &dev.desc, 1, true, &j);
		host_doorbell(&H);
		fpq_card_model_tick(H.card, when);
		soft_reset_and_restart();
		gemm_case_free(&gc);
		check_bus_clean();
	}
	run_job(&c, 1, "the job after resets mid-job");
}

int main(int argc, char **argv)
{
	struct fpq_card_model_opts opts = { 0 };
	uint64_t seed = 42;

	opts.stall_percent = 10;
	opts.read_latency = 200;
	for (int i = 1; i < argc; i += 2) {
		if (!strcmp(argv[i], "--abft")) {
			abft = true;
			i--;   /* a flag without a value */
		} else if (i + 1 >= argc)
			break;
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--stall"))
			opts.stall_percent = (unsigned int)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--latency"))
			opts.read_latency = (unsigned int)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--trace"))
			opts.trace_path = argv[i + 1];
	}
	opts.seed = seed;
	printf("card_test: seed %llu, read latency %u, stalls %u%%, ABFT %s%s%s\n",
	       (unsigned long long)seed, opts.read_latency, opts.stall_percent, abft ? "on" : "off",
	       opts.trace_path ? ", waveform " : "", opts.trace_path ? opts.trace_path : "");
	R = rng_seeded(seed * 31 + 1234);
	if (host_init(&H, &opts, seed + 99)) {
		fprintf(stderr, "card_test: cannot create the card model\n");
		return 1;
	}
	harness.after_case = no_rtl_errors;
	RUN(test_registers);
	H.control = abft ? FPQ_REG_CONTROL_ABFT_MASK : 0;
	host_start(&H, 4);
	RUN(test_gemm_int8_small);
	RUN(test_gemm_e4m3_small);
	RUN(test_gemm_int8_shapes_and_outputs);
	RUN(test_gemm_float_format_pairs);
	RUN(test_gemm_mx_scales);
	RUN(test_gemm_float_outputs);
	RUN(test_gemm_mx_output);
	RUN(test_gemm_specials);
	RUN(test_gemm_long_k_streamed);
	RUN(test_gemm_many_pages);
	RUN(test_jobs_in_flight);
	RUN(test_interrupt);
	RUN(test_abft_counters);
	RUN(test_fault_bad_opcode);
	RUN(test_fault_first_of_many);
	RUN(test_fault_reserved_fields);
	RUN(test_fault_format_and_shape);
	RUN(test_fault_unmapped_page);
	RUN(test_fault_permission);
	RUN(test_fault_bus_error);
	RUN(test_fault_bad_job);
	RUN(test_fault_unreadable_descriptor);
	RUN(test_fault_injected_dma_error);
	RUN(test_fault_injected_hang_then_reset);
	RUN(test_reset_mid_job);
	RUN(test_abft_counters);
	host_fini(&H);
	return harness_report();
}
