// SPDX-License-Identifier: MIT
/*
 * backend_cpu.c - the CPU backends. "reference" runs the reference code; "cpu" runs the
 * fast kernels of lib/cpu/ (chosen per context from cpuid, or FPQ_CPU_ISA) on the
 * context's worker threads, under the same bit-exact contract. Card contexts use the
 * "cpu" backend for what they fall back on.
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

static int cpu_state_create(struct cpu_state **out)
{
	struct cpu_state *cs;
	enum cpu_isa isa;
	int err = cpu_isa_select(&isa);

	*out = NULL;
	if (err)
		return err;
	cs = calloc(1, sizeof(*cs));
	if (!cs)
		return fpq_error(-ENOMEM, "context: out of memory");
	cs->kern = cpu_kernels_for(isa);
	pthread_mutex_init(&cs->lock, NULL);
	*out = cs;
	return 0;
}

void fpq_cpu_state_free(void *state)
{
	struct cpu_state *cs = state;

	if (!cs)
		return;
	cpu_pool_destroy(cs->pool);
	cpu_scratch_free(cs);
	pthread_mutex_destroy(&cs->lock);
	free(cs);
}

/*
 * The context's CPU state, created on first use: a "cpu" context makes it when it opens
 * (so that a bad FPQ_CPU_ISA fails fpq_context_create()), a card context only if it
 * falls back to the CPU. Two threads may race to create it; one wins.
 */
static int cpu_state_of(struct fpq_context *ctx, struct cpu_state **out)
{
	void **slot = fpq_context_cpu_slot(ctx);
	struct cpu_state *cs = __atomic_load_n(slot, __ATOMIC_ACQUIRE), *expected = NULL;
	int err;

	if (cs) {
		*out = cs;
		return 0;
	}
	if ((err = cpu_state_create(&cs)))
		return err;
	if (!__atomic_compare_exchange_n(slot, (void **)&expected, cs, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		fpq_cpu_state_free(cs);
		cs = expected;
	}
	*out = cs;
	return 0;
}

static int cpu_open(struct fpq_context *ctx)
{
	struct cpu_state *cs;

	return cpu_state_of(ctx, &cs);
}

/* The context's pool, made on first use; called with cs->lock held. */
static int pool_of(struct fpq_context *ctx, struct cpu_state *cs)
{
	unsigned int n;
	int err;

	if (cs->pool)
		return 0;
	n = fpq_context_threads(ctx);
	err = cpu_pool_create(n ? n : online_cpus(), &cs->pool);
	return err ? fpq_error(err, "cpu: cannot start the CPU worker threads") : 0;
}

static int run_cpu(struct fpq_context *ctx, const struct fpq_gemm_op *op,
		   struct fpq_gemm_status *st)
{
	struct cpu_state *cs;
	int err = cpu_state_of(ctx, &cs);

	st->backend = FPQ_BACKEND_CPU;
	if (err)
		return err;
	/* One operation at a time per context (fpq_gemm and the job worker may race). */
	pthread_mutex_lock(&cs->lock);
	err = pool_of(ctx, cs);
	if (!err)
		err = cpu_gemm(cs, op, st);
	pthread_mutex_unlock(&cs->lock);
	return err;
}

int fpq_cpu_parallel(struct fpq_context *ctx,
		     void (*fn)(void *arg, uint32_t task, unsigned int worker), void *arg,
		     uint32_t ntasks)
{
	struct cpu_state *cs;
	int err = cpu_state_of(ctx, &cs);

	if (err)
		return err;
	pthread_mutex_lock(&cs->lock);
	err = pool_of(ctx, cs);
	if (!err && ntasks)
		cpu_pool_run(cs->pool, fn, arg, ntasks);
	pthread_mutex_unlock(&cs->lock);
	return err;
}

unsigned int fpq_cpu_workers(struct fpq_context *ctx)
{
	struct cpu_state *cs;
	unsigned int n = 0;

	if (cpu_state_of(ctx, &cs))
		return 0;
	pthread_mutex_lock(&cs->lock);
	if (!pool_of(ctx, cs))
		n = cpu_pool_threads(cs->pool);
	pthread_mutex_unlock(&cs->lock);
	return n;
}

static int cpu_pack_weights(struct fpq_context *ctx, struct fpq_weights *w)
{
	struct cpu_state *cs;
	struct cpu_bpack *bp;
	int err = cpu_state_of(ctx, &cs);

	if (!err)
		err = cpu_weights_pack(cs->kern, &w->b, &bp);
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
	cs = *fpq_context_cpu_slot((struct fpq_context *)ctx);
	return cs ? cs->kern->name : NULL;
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
	.open = cpu_open,
	.run = run_cpu,
	.pack_weights = cpu_pack_weights,
	.free_weights = cpu_free_weights,
};
