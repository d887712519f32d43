// SPDX-License-Identifier: MIT
/*
 * pool.c - the worker threads of a context. A run hands out task numbers from per-worker
 * ranges; the caller works too, and a run is over when its tasks are: the caller never
 * waits for a worker that took no task (on a loaded machine a descheduled worker would
 * otherwise cost every small run a time slice). Workers spin briefly after a run before
 * they sleep, so back-to-back small runs (latency-bound inference) do not pay a wake-up
 * each time.
 *
 * Which thread runs which task does not matter for the results: every task computes
 * its outputs completely and identically (see gemm.c), so the bits cannot depend on the
 * thread count or the schedule.
 */
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "cpu.h"

/* Spin iterations before a worker (or the waiting caller) blocks. */
#define SPIN_ITERS 20000

struct cpu_pool {
	unsigned int n;                  /* threads, the caller included */
	pthread_t *threads;
	pthread_mutex_t lock;
	pthread_cond_t wake, done;
	/* Odd while the caller sets a run up, even once it is published. */
	atomic_uint_fast64_t generation;
	atomic_uint remaining;           /* tasks of the current run not finished */
	atomic_uint inside;              /* workers taking part in a run */
	atomic_bool stop;
	void (*fn)(void *arg, uint32_t task, unsigned int worker);
	void *arg;
	uint32_t ntasks;
	/* Worker w owns tasks [w * ntasks / n, (w + 1) * ntasks / n) and takes them in
	 * order from next[w]; once its range is done it helps with the others'. */
	struct range {
		atomic_uint_fast32_t next;
		uint32_t end;
		char pad[64 - sizeof(atomic_uint_fast32_t) - sizeof(uint32_t)];
	} *ranges;
};

struct worker_start {
	struct cpu_pool *pool;
	unsigned int id;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/*
 * Contiguous ranges per worker keep a worker on the same tasks from one call to the next
 * (the same columns of B stay in its core's caches), and stealing keeps the load
 * balanced when a core is slower or busy elsewhere. The one finishing the last task of
 * the run wakes the caller if it sleeps.
 */
static void run_tasks(struct cpu_pool *p, unsigned int id)
{
	for (unsigned int i = 0; i < p->n; i++) {
		struct range *r = &p->ranges[(id + i) % p->n];

		for (;;) {
			uint32_t t = (uint32_t)atomic_fetch_add(&r->next, 1);

			if (t >= r->end)
				break;
			p->fn(p->arg, t, id);
			if (atomic_fetch_sub(&p->remaining, 1) == 1 && id) {
				pthread_mutex_lock(&p->lock);
				pthread_cond_signal(&p->done);
				pthread_mutex_unlock(&p->lock);
			}
		}
	}
}

static void *worker_main(void *arg)
{
	struct worker_start ws = *(struct worker_start *)arg;
	struct cpu_pool *p = ws.pool;
	uint_fast64_t seen = 0;

	free(arg);
	for (;;) {
		uint_fast64_t g = atomic_load(&p->generation);

		for (int i = 0; (g == seen || (g & 1)) && i < SPIN_ITERS && !atomic_load(&p->stop);
		     i++) {
			cpu_relax();
			g = atomic_load(&p->generation);
		}
		if (g == seen || (g & 1)) {
			pthread_mutex_lock(&p->lock);
			while (((g = atomic_load(&p->generation)) == seen || (g & 1)) &&
			       !atomic_load(&p->stop))
				pthread_cond_wait(&p->wake, &p->lock);
			pthread_mutex_unlock(&p->lock);
		}
		if (atomic_load(&p->stop))
			break;
		/* Take part only in the run published as g: announce it, then check that
		 * no set-up of a later run began (the caller waits for inside == 0 before it
		 * changes the run's state; both sides are sequentially consistent). */
		atomic_fetch_add(&p->inside, 1);
		if (atomic_load(&p->generation) == g) {
			run_tasks(p, ws.id);
			seen = g;
		}
		atomic_fetch_sub(&p->inside, 1);
	}
	return NULL;
}

int cpu_pool_create(unsigned int threads, struct cpu_pool **out)
{
	struct cpu_pool *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (!p)
		return -ENOMEM;
	p->n = threads ? threads : 1;
	p->threads = calloc(p->n, sizeof(*p->threads));
	if (!p->threads) {
		free(p);
		return -ENOMEM;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	pthread_cond_init(&p->done, NULL);
	atomic_init(&p->generation, 0);
	atomic_init(&p->remaining, 0);
	atomic_init(&p->inside, 0);
	atomic_init(&p->stop, false);
	p->ranges = aligned_alloc(64, sizeof(*p->ranges) * p->n);
	if (!p->ranges) {
		free(p->threads);
		free(p);
		return -ENOMEM;
	}
	for (unsigned int i = 1; i < p->n; i++) {
		struct worker_start *ws = malloc(sizeof(*ws));
		int err = ws ? 0 : ENOMEM;

		if (ws) {
			ws->pool = p;
			ws->id = i;
			err = pthread_create(&p->threads[i], NULL, worker_main, ws);
			if (err)
				free(ws);
		}
		if (err) {
			p->n = i;                /* the ones started are joined by destroy */
			cpu_pool_destroy(p);
			return -err;
		}
	}
	*out = p;
	return 0;
}

void cpu_pool_destroy(struct cpu_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	atomic_store(&p->stop, true);
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	for (unsigned int i = 1; i < p->n; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->wake);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->lock);
	free(p->threads);
	free(p->ranges);
	free(p);
}

unsigned int cpu_pool_threads(const struct cpu_pool *p)
{
	return p->n;
}

void cpu_pool_run(struct cpu_pool *p, void (*fn)(void *arg, uint32_t task, unsigned int worker),
		  void *arg, uint32_t ntasks)
{
	if (p->n == 1 || ntasks <= 1) {
		for (uint32_t t = 0; t < ntasks; t++)
			fn(arg, t, 0);
		return;
	}
	/* Set-up: no worker may still be looking at the previous run's state (one that
	 * woke late leaves at once; yield in case it is waiting for a CPU). */
	atomic_fetch_add(&p->generation, 1);
	for (int i = 0; atomic_load(&p->inside) != 0; i++) {
		if (i < SPIN_ITERS)
			cpu_relax();
		else
			sched_yield();
	}
	p->fn = fn;
	p->arg = arg;
	p->ntasks = ntasks;
	for (unsigned int w = 0; w < p->n; w++) {
		atomic_store(&p->ranges[w].next, (uint_fast32_t)((uint64_t)ntasks * w / p->n));
		p->ranges[w].end = (uint32_t)((uint64_t)ntasks * (w + 1) / p->n);
	}
	atomic_store(&p->remaining, ntasks);
	pthread_mutex_lock(&p->lock);
	atomic_fetch_add(&p->generation, 1);
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);

	run_tasks(p, 0);

	for (int i = 0; atomic_load(&p->remaining) != 0 && i < SPIN_ITERS; i++)
		cpu_relax();
	if (atomic_load(&p->remaining) != 0) {
		pthread_mutex_lock(&p->lock);
		while (atomic_load(&p->remaining) != 0)
			pthread_cond_wait(&p->done, &p->lock);
		pthread_mutex_unlock(&p->lock);
	}
}
