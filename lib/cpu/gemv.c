// SPDX-License-Identifier: MIT
/*
 * gemv.c - the INT8 path for a few rows of A when B is not pre-packed (latency-bound
 * inference on fresh weights). Packing B would touch every weight once more than the
 * product itself does, so the kernel reads the caller's rows of B (one channel per row,
 * K contiguous) directly and reduces each channel's dot products; the channels are split
 * between the threads in ranges, each range running the same epilogue as the tiled path
 * (results do not depend on the split).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"

/* Channels per task: enough to amortise a task, few enough to spread a layer. */
#define GEMV_TASK_COLS 64u

struct gemv_run {
	const struct fpq_gemm_op *op;
	const struct cpu_kernels *kern;
	struct cpu_gemv gv;
	uint32_t n;
	struct fpq_gemm_status *st;      /* one per worker */
};

int cpu_gemv_applies(const struct cpu_kernels *kern, const struct fpq_gemm_op *op)
{
	return kern->gemv_int8 && op->a.format == FPQ_FMT_INT8 && !op->b_packed &&
	       op->a.rows <= CPU_GEMV_MAX_M && op->a.cols > 0;
}

static void gemv_task(void *arg, uint32_t task, unsigned int worker)
{
	struct gemv_run *g = arg;
	const uint32_t j0 = task * GEMV_TASK_COLS;
	const uint32_t j1 = j0 + GEMV_TASK_COLS < g->n ? j0 + GEMV_TASK_COLS : g->n;
	struct fpq_fp_env env = fpq_fp_enter();

	g->kern->gemv_int8(&g->gv, j0, j1);
	g->kern->epi_int8(g->op, 0, g->gv.m, j0, j1 - j0, g->gv.acc + j0, g->gv.acc_stride,
			  &g->st[worker]);
	fpq_fp_leave(env);
}

int cpu_gemv_int8(struct cpu_state *cs, const struct fpq_gemm_op *op,
		  struct fpq_gemm_status *st)
{
	const uint32_t m = op->a.rows, n = op->b.rows, k = op->a.cols;
	const unsigned int threads = cpu_pool_threads(cs->pool);
	const size_t a_row = ((size_t)k + 63) & ~(size_t)63;
	const size_t acc_row = ((size_t)n + 15) & ~(size_t)15;
	uint8_t *a = cpu_scratch(cs, SLOT_GEMV_A, a_row * m);
	int32_t *acc = cpu_scratch(cs, SLOT_GEMV_ACC, sizeof(int32_t) * acc_row * m);
	struct fpq_gemm_status *wst = calloc(threads, sizeof(*wst));
	struct gemv_run g;

	if (!a || !acc || !wst) {
		free(wst);
		return fpq_error(-ENOMEM, "gemm: out of memory for the CPU kernels' buffers");
	}
	/* A as a + 128 (vpdpbusd multiplies unsigned bytes by signed ones). */
	const size_t a_stride = fpq_matrix_stride(&op->a);

	for (uint32_t i = 0; i < m; i++) {
		const uint8_t *row = (const uint8_t *)op->a.data + (size_t)i * a_stride;

		for (uint32_t kk = 0; kk < k; kk++)
			a[i * a_row + kk] = row[kk] ^ 0x80;
	}
	memset(&g, 0, sizeof(g));
	g.op = op;
	g.kern = cs->kern;
	g.n = n;
	g.st = wst;
	g.gv = (struct cpu_gemv){
		a, a_row, m, k, (const int8_t *)op->b.data, fpq_matrix_stride(&op->b),
		op->a.zero_point, op->bias, acc, acc_row
	};
	cpu_pool_run(cs->pool, gemv_task, &g, (n + GEMV_TASK_COLS - 1) / GEMV_TASK_COLS);
	for (unsigned int i = 0; i < threads; i++)
		cpu_status_add(st, &wst[i]);
	free(wst);
	return 0;
}
