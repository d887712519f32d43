// SPDX-License-Identifier: MIT
/*
 * cosim_card_test.c - the card process's clock policy (cosim_model_card.c) over the
 * Verilated card.
 *
 * The card process runs the card's clock only while cosim_model_busy() says work is in
 * flight, and the model decides that from the STATUS register it samples now and then.
 * Between two jobs of the ring the card is IDLE for a cycle (no job running, nothing on
 * the bus) although the next job is already queued: a policy that stops the clock there
 * leaves the ring stalled until some register write, and a driver that has rung its
 * last doorbell times the job out. The test sweeps where the samples fall relative to
 * the job boundaries so that one of them lands on every cycle a boundary can take, and
 * each queued job must still run to completion with its product right.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cosim_model.h"
#include "fpq_hw_regs.h"
#include "harness.h"

#define HOST_BASE 0x40000000ull
#define HOST_BYTES (256u << 10)
#define RING_LOG2 4u
#define NJOBS 4u
#define DIM_M 8u
#define DIM_N 8u
#define DIM_K 16u
/* Far more cycles than NJOBS small jobs take. */
#define MAX_CYCLES 400000u

/* Host memory layout (bus addresses). */
#define RING_PA (HOST_BASE + 0x0000)
#define FENCE_PA (HOST_BASE + 0x0800)
#define OPS_PA(j) (HOST_BASE + 0x1000 + (uint64_t)(j) * FPQ_HW_OP_DESC_BYTES)
#define COMPL_PA(j) (HOST_BASE + 0x2000 + (uint64_t)(j) * 0x40)
#define L1_PA (HOST_BASE + 0x4000)
#define L2_PA (HOST_BASE + 0x5000)
#define DATA_PA(j) (HOST_BASE + 0x10000 + (uint64_t)(j) * FPQ_HW_PAGE_BYTES)
/* Job j's page, at VA page j + 1 (page 0 stays unmapped): A, then B, then C. */
#define DATA_VA(j) ((uint64_t)((j) + 1) * FPQ_HW_PAGE_BYTES)
#define A_OFF 0u
#define B_OFF 256u
#define C_OFF 512u
#define FENCE0 100u

static uint8_t *mem;

static void *host(uint64_t pa)
{
	return mem + (pa - HOST_BASE);
}

static int mem_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	if (addr < HOST_BASE || addr - HOST_BASE + len > HOST_BYTES)
		return -EFAULT;
	memcpy(buf, host(addr), len);
	return 0;
}

static int mem_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	(void)ctx;
	if (addr < HOST_BASE || addr - HOST_BASE + len > HOST_BYTES)
		return -EFAULT;
	memcpy(host(addr), buf, len);
	return 0;
}

static const struct cosim_model_host host_ops = { NULL, mem_read, mem_write };

static uint32_t reg_read(struct cosim_model *m, uint32_t off)
{
	uint32_t v = 0;

	CHECK(cosim_model_reg_read(m, off, &v) == 0, "read of 0x%03x", off);
	return v;
}

static void reg_write(struct cosim_model *m, uint32_t off, uint32_t v)
{
	CHECK(cosim_model_reg_write(m, off, v, 0xf) == 0, "write of 0x%03x", off);
}

static int8_t elem(unsigned int job, unsigned int which, unsigned int i)
{
	return (int8_t)((int)((job * 131u + which * 71u + i * 29u) % 251u) - 125);
}

/* Page tables, operands and descriptors of NJOBS jobs: job j computes C_j = A_j B_j^T. */
static void build_jobs(void)
{
	uint64_t *l1 = host(L1_PA), *l2 = host(L2_PA);

	memset(mem, 0x5a, HOST_BYTES);
	memset(l1, 0, FPQ_HW_PAGE_BYTES);
	memset(l2, 0, FPQ_HW_PAGE_BYTES);
	l1[0] = L2_PA | FPQ_HW_PDE_VALID_MASK;
	for (unsigned int j = 0; j < NJOBS; j++) {
		struct fpq_hw_job_desc *jd = host(RING_PA + (uint64_t)j * FPQ_HW_RING_ENTRY_BYTES);
		struct fpq_hw_op_desc *op = host(OPS_PA(j));
		int8_t *a = host(DATA_PA(j) + A_OFF), *b = host(DATA_PA(j) + B_OFF);

		l2[j + 1] = DATA_PA(j) | FPQ_HW_PTE_VALID_MASK | FPQ_HW_PTE_READ_MASK |
			    FPQ_HW_PTE_WRITE_MASK;
		for (unsigned int i = 0; i < DIM_M * DIM_K; i++)
			a[i] = elem(j, 0, i);
		for (unsigned int i = 0; i < DIM_N * DIM_K; i++)
			b[i] = elem(j, 1, i);
		memset(op, 0, sizeof(*op));
		op->op = FPQ_HW_FIELD_PREP(FPQ_HW_OP_DESC_OP_OPCODE_MASK, FPQ_HW_OPCODE_GEMM) |
			 FPQ_HW_FIELD_PREP(FPQ_HW_OP_DESC_OP_FMT_A_MASK, FPQ_HW_FMT_INT8) |
			 FPQ_HW_FIELD_PREP(FPQ_HW_OP_DESC_OP_FMT_B_MASK, FPQ_HW_FMT_INT8) |
			 FPQ_HW_FIELD_PREP(FPQ_HW_OP_DESC_OP_FMT_C_MASK, FPQ_HW_FMT_INT32);
		op->m = DIM_M;
		op->n = DIM_N;
		op->k = DIM_K;
		op->a_addr = DATA_VA(j) + A_OFF;
		op->b_addr = DATA_VA(j) + B_OFF;
		op->c_addr = DATA_VA(j) + C_OFF;
		op->a_stride = DIM_K;
		op->b_stride = DIM_K;
		op->c_stride = 4 * DIM_N;
		memset(jd, 0, sizeof(*jd));
		jd->header = FPQ_HW_FIELD_PREP(FPQ_HW_JOB_DESC_HEADER_KIND_MASK, FPQ_HW_JOB_KIND_GEMM) |
			     FPQ_HW_FIELD_PREP(FPQ_HW_JOB_DESC_HEADER_NUM_OPS_MASK, 1);
		jd->fence = FENCE0 + j;
		jd->ops_addr = OPS_PA(j);
		jd->pt_root = L1_PA;
		jd->completion_addr = COMPL_PA(j);
	}
	memset(host(FENCE_PA), 0, FPQ_HW_FENCE_RECORD_BYTES);
}

/* A card out of reset, programmed as the driver does at probe (ring empty at 0). */
static struct cosim_model *card_start(void)
{
	struct cosim_model *m = cosim_model_create(&host_ops, NULL);

	if (!m)
		return NULL;
	reg_write(m, FPQ_REG_RING_BASE_LO, (uint32_t)RING_PA);
	reg_write(m, FPQ_REG_RING_BASE_HI, (uint32_t)(RING_PA >> 32));
	reg_write(m, FPQ_REG_RING_LOG2, RING_LOG2);
	reg_write(m, FPQ_REG_FENCE_ADDR_LO, (uint32_t)FENCE_PA);
	reg_write(m, FPQ_REG_FENCE_ADDR_HI, (uint32_t)(FENCE_PA >> 32));
	reg_write(m, FPQ_REG_RING_HEAD, 0);
	reg_write(m, FPQ_REG_RING_TAIL, 0);
	reg_write(m, FPQ_REG_CONTROL, FPQ_REG_CONTROL_ENABLE_MASK);
	return m;
}

/* Cycles, one at a time, until the model lets its clock stop (or @max pass). */
static uint64_t ticks_until_stopped(struct cosim_model *m, uint64_t max)
{
	uint64_t n = 0;

	while (cosim_model_busy(m) && n < max) {
		cosim_model_tick(m, 1);
		n++;
	}
	return n;
}

/* Every job completed, in order, with C_j = A_j B_j^T exactly. */
static void check_jobs(const char *what)
{
	const struct fpq_hw_fence_record *fr = host(FENCE_PA);
	unsigned int bad_c = 0;

	CHECK(fr->fence == FENCE0 + NJOBS - 1 && fr->head == NJOBS,
	      "%s: fence write-back %llu head %u, want %u and %u", what,
	      (unsigned long long)fr->fence, fr->head, FENCE0 + NJOBS - 1, NJOBS);
	for (unsigned int j = 0; j < NJOBS; j++) {
		const struct fpq_hw_completion *c = host(COMPL_PA(j));
		const int32_t *out = host(DATA_PA(j) + C_OFF);

		CHECK(c->fence == FENCE0 + j && c->status == FPQ_HW_ERR_OK && c->ops_done == 1,
		      "%s: job %u: completion fence %llu status %u ops %u", what, j,
		      (unsigned long long)c->fence, c->status, c->ops_done);
		for (unsigned int r = 0; r < DIM_M; r++) {
			for (unsigned int col = 0; col < DIM_N; col++) {
				int32_t want = 0;

				for (unsigned int k = 0; k < DIM_K; k++)
					want += elem(j, 0, r * DIM_K + k) * elem(j, 1, col * DIM_K + k);
				bad_c += out[r * DIM_N + col] != want;
			}
		}
	}
	CHECK(bad_c == 0, "%s: %u elements of C differ from the exact products", what, bad_c);
}

/* The idle card: the first STATUS look after a register write stops the clock. */
static uint64_t status_look_cycles;

static void idle_card_stops_its_clock(void)
{
	struct cosim_model *m = card_start();

	CHECK(m, "cosim_model_create");
	if (!m)
		return;
	status_look_cycles = ticks_until_stopped(m, MAX_CYCLES);
	CHECK(!cosim_model_busy(m), "the clock of an idle card keeps running");
	CHECK(status_look_cycles > 0 && status_look_cycles <= 1024,
	      "%llu cycles to the first STATUS look", (unsigned long long)status_look_cycles);
	printf("  STATUS looked at %llu cycles after a register write\n",
	       (unsigned long long)status_look_cycles);
	cosim_model_destroy(m);
}

/*
 * NJOBS jobs behind one doorbell. The run writes SCRATCH (which has no effect on the
 * card but restarts the model's STATUS schedule) every status_look_cycles cycles, after
 * @phase cycles first: the STATUS looks then come at a fixed period, offset by @phase.
 * Returns false when the model stopped its clock before the last job completed.
 */
static bool run_burst(unsigned int phase)
{
	struct cosim_model *m = card_start();
	const struct fpq_hw_fence_record *fr = host(FENCE_PA);
	uint64_t cycles = 0, since_write = 0, next_write = phase;
	bool stalled = false;
	char what[64];

	CHECK(m, "cosim_model_create");
	if (!m)
		return false;
	build_jobs();
	reg_write(m, FPQ_REG_RING_TAIL, NJOBS);
	while (cycles < MAX_CYCLES) {
		cosim_model_tick(m, 1);
		cycles++;
		if (!cosim_model_busy(m)) {
			/* The card process would now wait for QEMU with the clock stopped. */
			stalled = fr->fence != FENCE0 + NJOBS - 1;
			break;
		}
		if (++since_write == next_write) {
			reg_write(m, FPQ_REG_SCRATCH, (uint32_t)cycles);
			since_write = 0;
			next_write = status_look_cycles;
		}
	}
	snprintf(what, sizeof(what), "phase %u", phase);
	CHECK(!stalled, "%s: the clock stopped with jobs queued: RING_HEAD %u RING_TAIL %u, "
	      "fence write-back %llu", what, reg_read(m, FPQ_REG_RING_HEAD),
	      reg_read(m, FPQ_REG_RING_TAIL), (unsigned long long)fr->fence);
	CHECK(cycles < MAX_CYCLES, "%s: the clock never stopped", what);
	if (!stalled)
		check_jobs(what);
	cosim_model_destroy(m);
	return !stalled;
}

static void queued_jobs_keep_the_clock_running(void)
{
	unsigned int stalls = 0, runs = 0;

	CHECK(status_look_cycles, "no STATUS schedule measured: nothing to sweep");
	if (!status_look_cycles)
		return;
	/* Two periods of phases: every offset of the looks, whatever a write costs. */
	for (unsigned int phase = 1; phase <= 2 * status_look_cycles; phase++, runs++)
		stalls += !run_burst(phase);
	printf("  %u runs of %u jobs, %u stalled\n", runs, NJOBS, stalls);
}

/* A disabled card starts nothing on its own: the clock may stop with jobs queued. */
static void disabled_card_stops_with_jobs_queued(void)
{
	struct cosim_model *m = card_start();

	CHECK(m, "cosim_model_create");
	if (!m)
		return;
	build_jobs();
	reg_write(m, FPQ_REG_CONTROL, 0);
	reg_write(m, FPQ_REG_RING_TAIL, NJOBS);
	ticks_until_stopped(m, MAX_CYCLES);
	CHECK(!cosim_model_busy(m), "the clock of a disabled card keeps running");
	CHECK_EQ_U(reg_read(m, FPQ_REG_RING_HEAD), 0, "a disabled card started a job");
	reg_write(m, FPQ_REG_CONTROL, FPQ_REG_CONTROL_ENABLE_MASK);
	ticks_until_stopped(m, MAX_CYCLES);
	CHECK(!cosim_model_busy(m), "the clock never stopped after the jobs");
	check_jobs("enabled later");
	cosim_model_destroy(m);
}

int main(void)
{
	mem = malloc(HOST_BYTES);
	if (!mem)
		return 1;
	RUN(idle_card_stops_its_clock);
	RUN(queued_jobs_keep_the_clock_running);
	RUN(disabled_card_stops_with_jobs_queued);
	free(mem);
	return harness_report();
}
