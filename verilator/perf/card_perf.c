/* SPDX-License-Identifier: MIT */
/*
 * card_perf.c - figures of the card, not a test: MAC utilisation, DMA bytes per MAC and
 * register accesses per job for one GEMM, read from the card's own performance counters.
 *   card_perf [--format int8|e4m3] [--m M] [--n N] [--k K] [--latency CYCLES]
 *             [--stall PERCENT] [--check] [--abft]
 * --abft: with CONTROL.ABFT set (make card-perf runs INT8 with and without it).
 * Utilisation = PERF_MACS / (PERF_BUSY * ROWS * COLS): the cycles from fetching the job
 * descriptor to the interrupt, fill, drain and descriptor traffic included.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "card_gemm.h"
#include "card_host.h"

static uint64_t counter(struct host *h, uint32_t lo)
{
	uint64_t l = host_reg_read(h, lo);

	return l | (uint64_t)host_reg_read(h, lo + 4) << 32;
}

int main(int argc, char **argv)
{
	struct fpq_card_model_opts opts = { 0 };
	struct gemm_spec cfg = { .a = FPQ_FMT_INT8, .b = FPQ_FMT_INT8, .c = FPQ_FMT_INT32,
				 .m = 512, .n = 512, .k = 512 };
	bool check = false, abft = false;
	struct host h;
	struct rng r = rng_seeded(7);

	opts.read_latency = 200;
	opts.seed = 1;
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : "0";

		if (!strcmp(argv[i], "--format")) {
			cfg.a = cfg.b = fpq_format_from_name(v);
			cfg.c = cfg.a == FPQ_FMT_INT8 ? FPQ_FMT_INT32 : FPQ_FMT_FP32;
			i++;
		} else if (!strcmp(argv[i], "--m")) {
			cfg.m = (uint32_t)atoi(v), i++;
		} else if (!strcmp(argv[i], "--n")) {
			cfg.n = (uint32_t)atoi(v), i++;
		} else if (!strcmp(argv[i], "--k")) {
			cfg.k = (uint32_t)atoi(v), i++;
		} else if (!strcmp(argv[i], "--latency")) {
			opts.read_latency = (unsigned int)atoi(v), i++;
		} else if (!strcmp(argv[i], "--stall")) {
			opts.stall_percent = (unsigned int)atoi(v), i++;
		} else if (!strcmp(argv[i], "--check")) {
			check = true;
		} else if (!strcmp(argv[i], "--abft")) {
			abft = true;
		} else {
			fprintf(stderr, "usage: %s [--format F] [--m M] [--n N] [--k K] "
					"[--latency C] [--stall P] [--check] [--abft]\n", argv[0]);
			return 2;
		}
	}
	if (cfg.a == FPQ_FMT_INVALID) {
		fprintf(stderr, "card_perf: unknown format\n");
		return 2;
	}
	if (host_init(&h, &opts, 3))
		return 1;
	h.control = abft ? FPQ_REG_CONTROL_ABFT_MASK : 0;
	host_start(&h, 4);

	struct gemm_case gc;
	struct dev_op dev;
	struct vspace vs;
	struct job j;

	vs_init(&vs, &h);
	card_case_make(&gc, &cfg, &r);
	dev_op_build(&vs, &gc.op, &dev, 0);
	host_reg_write(&h, FPQ_REG_PERF_CTRL, FPQ_REG_PERF_CTRL_CLEAR_MASK);
	uint64_t regs0 = h.reg_reads + h.reg_writes;

	job_queue(&h, &vs, &dev.desc, 1, true, &j);
	clock_t t0 = clock();

	host_doorbell(&h);
	uint64_t regs_submit = h.reg_reads + h.reg_writes - regs0;
	bool done = host_wait_fence(&h, j.fence, 4000000000ull);
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;

	/* completion as an interrupt-driven driver sees it: read and clear INT_STATUS */
	for (int i = 0; i < 100 && !fpq_card_model_irq(h.card); i++)
		fpq_card_model_tick(h.card, 10);
	uint64_t regs1 = h.reg_reads + h.reg_writes;
	uint32_t ist = host_reg_read(&h, FPQ_REG_INT_STATUS);

	host_reg_write(&h, FPQ_REG_INT_STATUS, ist);
	uint64_t regs_complete = h.reg_reads + h.reg_writes - regs1;

	uint64_t busy = counter(&h, FPQ_REG_PERF_BUSY_LO), macs = counter(&h, FPQ_REG_PERF_MACS_LO);
	uint64_t stall = counter(&h, FPQ_REG_PERF_STALL_LO);
	uint64_t rd = counter(&h, FPQ_REG_PERF_RD_BYTES_LO), wr = counter(&h, FPQ_REG_PERF_WR_BYTES_LO);
	const struct fpq_hw_completion *c = job_completion(&h, &j);

	uint64_t abft_tiles = counter(&h, FPQ_REG_PERF_ABFT_TILES_LO);
	uint64_t abft_errors = counter(&h, FPQ_REG_PERF_ABFT_ERRORS_LO);

	printf("card %ux%u  %s x %s -> %s  %ux%ux%u  read latency %u cycles, stalls %u%%, "
	       "ABFT %s\n", h.rows, h.cols, fpq_format_name(cfg.a), fpq_format_name(cfg.b),
	       fpq_format_name(cfg.c), cfg.m, cfg.n, cfg.k, opts.read_latency, opts.stall_percent,
	       abft ? "on" : "off");
	if (!done || c->status != FPQ_HW_ERR_OK) {
		printf("FAILED: done %d status %u\n", done, done ? c->status : 0);
		return 1;
	}
	printf("  busy cycles        %llu (job record: %llu)\n", (unsigned long long)busy,
	       (unsigned long long)c->cycles);
	printf("  MACs issued        %llu (M*N*K = %llu)\n", (unsigned long long)macs,
	       (unsigned long long)cfg.m * cfg.n * cfg.k);
	printf("  MAC utilisation    %.3f\n", (double)macs / ((double)busy * h.rows * h.cols));
	printf("  operand stalls     %llu cycles\n", (unsigned long long)stall);
	printf("  ABFT tiles         %llu checked, %llu failed\n", (unsigned long long)abft_tiles,
	       (unsigned long long)abft_errors);
	printf("  DMA bytes read     %llu (%.4f per MAC)\n", (unsigned long long)rd,
	       (double)rd / (double)macs);
	printf("  DMA bytes written  %llu (%.4f per MAC)\n", (unsigned long long)wr,
	       (double)wr / (double)macs);
	printf("  register accesses  %llu to submit, %llu to complete (interrupt); 0 when "
	       "polling the fence record\n", (unsigned long long)regs_submit,
	       (unsigned long long)regs_complete);
	printf("  simulation         %.1f s, %.0f cycles/s\n", secs, (double)busy / secs);
	int rc = 0;

	if (check) {
		unsigned int bad = card_case_check(&vs, &dev, &gc, "C");

		printf("  result             %s\n", bad ? "DIFFERS from the reference" :
							 "equal to fpq_gemm_reference() bit for bit");
		rc = bad != 0;
	}
	gemm_case_free(&gc);
	host_fini(&h);
	return rc;
}
