// SPDX-License-Identifier: MIT
/*
 * backend_cpu.c - the CPU backends. "reference" runs the reference code; "cpu" runs the
 * fast kernels of lib/cpu/ (chosen per context from cpuid, or FPQ_CPU_ISA) on the
 * context's worker threads, under the same bit-exact contract.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include "cpu/cpu.h"
#include "internal.h"

static int run_reference(struct fpq_context *ctx, const struct fpq_gemm_op *op,
			 struct fpq_gemm_status *st)
{
	(void)ctx;
	return fpq_gemm_reference(op, st);
}

static unsigned int online_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned int)CPU_COUNT(&set);
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned int)n : 1;
}

static int cpu_init(struct fpq_context *ctx)
{
	struct cpu_state *cs;
	enum cpu_isa isa;
	int err = cpu_isa_select(&isa);

	if (err)
		return err;
	cs = calloc(1, sizeof(*cs));
	if (!cs)
		return fpq_error(-ENOMEM, "context: out of memory");
	cs->kern = cpu_kernels_for(isa);
	pthread_mutex_init(&cs->lock, NULL);
	fpq_context_set_priv(ctx, cs);
	return 0;
}

static void cpu_fini(struct fpq_context *ctx)
{
	struct cpu_state *cs = fpq_context_priv(ctx);

	if (!cs)
		return;
	cpu_pool_destroy(cs->pool);
	cpu_scratch_free(cs);
	pthread_mutex_destroy(&cs->lock);
	free(cs);
	fpq_context_set_priv(ctx, NULL);
}

static int run_cpu(struct fpq_context *ctx, const struct fpq_gemm_op *op,
		   struct fpq_gemm_status *st)
{
	struct cpu_state *cs = fpq_context_priv(ctx);
	int err = 0;

	st->backend = FPQ_BACKEND_CPU;
	/* One operation at a time per context (fpq_gemm and the job worker may race). */
	pthread_mutex_lock(&cs->lock);
	if (!cs->pool) {
		unsigned int n = fpq_context_threads(ctx);

		err = cpu_pool_create(n ? n : online_cpus(), &cs->pool);
		if (err)
			err = fpq_error(err, "gemm: cannot start the CPU worker threads");
	}
	if (!err)
		err = cpu_gemm(cs, op, st);
	pthread_mutex_unlock(&cs->lock);
	return err;
}

static int cpu_pack_weights(struct fpq_context *ctx, struct fpq_weights *w)
{
	struct cpu_state *cs = fpq_context_priv(ctx);
	struct cpu_bpack *bp;
	int err = cpu_weights_pack(cs->kern, &w->b, &bp);

	if (!err)
		w->priv = bp;
	return err;
}

static void cpu_free_weights(struct fpq_weights *w)
{
	cpu_bpack_free(w->priv);
	free(w->priv);
	w->priv = NULL;
}

const char *fpq_context_cpu_isa(const struct fpq_context *ctx)
{
	const struct cpu_state *cs;

	if (!ctx || fpq_context_ops(ctx) != &fpq_backend_cpu)
		return NULL;
	cs = fpq_context_priv(ctx);
	return cs->kern->name;
}

const struct cpu_bpack *fpq_weights_cpu_pack(const struct fpq_weights *w)
{
	return w->owner == &fpq_backend_cpu ? w->priv : NULL;
}

const struct fpq_backend_ops fpq_backend_reference = {
	.id = FPQ_BACKEND_REFERENCE,
	.run = run_reference,
};

const struct fpq_backend_ops fpq_backend_cpu = {
	.id = FPQ_BACKEND_CPU,
	.run = run_cpu,
	.init = cpu_init,
	.fini = cpu_fini,
	.pack_weights = cpu_pack_weights,
	.free_weights = cpu_free_weights,
};
