// SPDX-License-Identifier: MIT
/*
 * backend_cpu.c - the CPU backends. "reference" runs the reference code; "cpu" runs
 * the CPU implementation, which for now is the reference as well (the fast kernels of
 * lib/cpu/ plug in here, under the same bit-exact contract).
 */
#include "internal.h"

static int run_reference(struct fpq_context *ctx, const struct fpq_gemm_op *op,
			 struct fpq_gemm_status *st)
{
	(void)ctx;
	return fpq_gemm_reference(op, st);
}

static int run_cpu(struct fpq_context *ctx, const struct fpq_gemm_op *op,
		   struct fpq_gemm_status *st)
{
	int err = run_reference(ctx, op, st);

	st->backend = FPQ_BACKEND_CPU;
	return err;
}

const struct fpq_backend_ops fpq_backend_reference = {
	.id = FPQ_BACKEND_REFERENCE,
	.run = run_reference,
};

const struct fpq_backend_ops fpq_backend_cpu = {
	.id = FPQ_BACKEND_CPU,
	.run = run_cpu,
};
