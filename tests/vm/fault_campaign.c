// SPDX-License-Identifier: MIT
/*
 * fault_campaign.c - the driver under load while faults are injected at random times
 * (Documentation/driver.rst, "What the driver promises under faults"):
 *
 *   fault_campaign [--seconds S] [--max-jobs N] [--seed X] [--procs P] [--threads T]
 *
 * P worker processes of T threads each (every thread with its own DRM file) submit
 * jobs of every operand format pair and output: single operations, several at once,
 * and chains whose second operation reads the first one's output; B operands often
 * live in a buffer the processes share through PRIME; waits use short timeouts and
 * are retried. Meanwhile the injector (this process) arms, at seeded random times,
 * the card's DMA read error or hang, a soft reset of the card while jobs run, a
 * corrupted descriptor, SIGKILL of a worker (which another replaces), and the device
 * unbound from the driver and bound again. The run is bounded by S seconds and N jobs.
 *
 * With a card that has ABFT checksums, the injector also arms a fault of one
 * processing element (fault_inject "pe ..."), after the workers have switched to INT8
 * jobs (the checked kind: a float job would take the fault unchecked) and drained
 * what they had in flight.
 *
 * Every job must end exactly once, with C equal to the reference bit for bit or with
 * an error the UAPI documents; after a card error the outputs of the operations that
 * never started are untouched; a second wait gives ENOENT. The jobs of a killed worker
 * are judged by the survivor: before the kill the injector stops the worker, takes
 * the sync_file of each of its jobs in flight from the worker's ledger (shared memory;
 * pidfd_getfd()), and after the kill each must signal, with success or a documented
 * error; the ledger's counts must add up. At the end, with every file closed:
 * submitted = completed + failed, no job or buffer is live, the slab has come back,
 * and the kernel log is clean. Prints the figures.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gemm_case.h"
#include "rng.h"
#include "vm_dev.h"
#include "vm_fence.h"
#include "vm_gemm.h"

#define MAX_PROCS 8
#define MAX_THREADS 4
#define MAX_OPS 4
#define INFLIGHT 3
#define ARENA_BYTES (2u << 20)
#define SHARED_BYTES (1u << 20)

/* Outcomes, as the workers count them. */
enum outcome {
	OUT_EXACT,		/* error 0 and C equal to the reference */
	OUT_ETIMEDOUT, OUT_EIO, OUT_EFAULT, OUT_ENODEV, OUT_ECANCELED, OUT_ENOMEM,
	OUT_GONE,		/* the device went away under the wait (ioctl ENODEV) */
	OUT_COUNT
};

static const char *const outcome_names[OUT_COUNT] = {
	"exact", "ETIMEDOUT", "EIO", "EFAULT", "ENODEV", "ECANCELED", "ENOMEM", "device-gone",
};

/* What a worker process reports at its end (one per process, through a pipe). */
struct report {
	uint64_t submitted, ops, outcomes[OUT_COUNT], wrong, undocumented, touched,
		 twice, lost, timed_waits, reopen;
};

struct cfg {
	unsigned int seconds, max_jobs, seed, procs, threads;
	int64_t deadline_ms;
};

static struct cfg cfg = { .seconds = 60, .max_jobs = 100000, .seed = 1, .procs = 3,
			  .threads = 2 };

/*
 * The ledger: what each worker thread has in flight, in memory the injector shares,
 * so that the jobs of a worker it kills are judged all the same. An entry is
 * SUBMITTING from before the submit ioctl until its sync_file is recorded (the job
 * may or may not exist yet), then PENDING until the worker has judged the job.
 */
enum { L_FREE, L_SUBMITTING, L_PENDING };

struct ledger_entry {
	int state;
	int sync_fd;
	uint64_t id;
};

struct ledger_thread {
	uint64_t submitted, judged;
	struct ledger_entry e[INFLIGHT];
};

struct ledger {
	int int8_only;		/* the injector asks for INT8 jobs only (a PE fault) */
	int drained[MAX_PROCS][MAX_THREADS];	/* 1: nothing but INT8 in flight */
	struct ledger_thread t[MAX_PROCS][MAX_THREADS];
};

static struct ledger *ledger;

static void ledger_set(struct ledger_entry *e, int state)
{
	__atomic_store_n(&e->state, state, __ATOMIC_RELEASE);
}

/* ---- jobs ------------------------------------------------------------------------- */

struct job {
	uint64_t id;
	unsigned int n_ops;
	struct gemm_case gc[MAX_OPS];
	struct vm_op vo[MAX_OPS];
};

static const enum fpq_format floats[] = { FPQ_FMT_E4M3, FPQ_FMT_E5M2, FPQ_FMT_E3M2,
					  FPQ_FMT_E2M3, FPQ_FMT_E2M1, FPQ_FMT_MXINT8 };
static const enum fpq_format outs[] = { FPQ_FMT_FP32, FPQ_FMT_BF16, FPQ_FMT_E4M3,
					FPQ_FMT_E5M2, FPQ_FMT_E2M3, FPQ_FMT_E2M1 };

static struct gemm_spec random_spec(struct rng *r)
{
	struct gemm_spec s = { .m = 1 + rng_below(r, 9), .n = 1 + rng_below(r, 9),
			       .k = 1 + rng_below(r, 64), .a_data = DATA_UNIFORM,
			       .b_data = DATA_UNIFORM, .a_scale_data = SCALES_NEAR,
			       .b_scale_data = SCALES_NEAR };

	if (rng_below(r, 4) == 0 || __atomic_load_n(&ledger->int8_only, __ATOMIC_ACQUIRE)) {
		static const enum fpq_format int8_outs[] = { FPQ_FMT_INT32, FPQ_FMT_INT8,
							     FPQ_FMT_FP32 };

		s.a = s.b = FPQ_FMT_INT8;
		s.c = int8_outs[rng_below(r, 3)];
		s.arrays = rng_below(r, 2) ? GEMM_BIAS : 0;
		s.broadcast = GEMM_BROADCAST_SOMETIMES;
		return s;
	}
	s.a = floats[rng_below(r, 6)];
	s.b = floats[rng_below(r, 6)];
	s.c = outs[rng_below(r, 6)];
	if (rng_below(r, 3) == 0) {
		s.a_scales = s.b_scales = true;
		s.k = 32 * (1 + rng_below(r, 2));
	}
	s.arrays = GEMM_ALPHA | GEMM_BETA;
	s.broadcast = GEMM_BROADCAST_SOMETIMES;
	s.act = (enum fpq_activation)rng_below(r, 3);
	s.pad = rng_below(r, 2);
	return s;
}

/*
 * A chain: the second operation's A is the first one's E4M3 output, read where the
 * card wrote it. The host reference of the second uses the first's reference output.
 */
static int make_chain(struct job *j, struct rng *r, struct arena *ar)
{
	struct gemm_spec s1 = random_spec(r), s2;
	struct gemm_case *g1 = &j->gc[0], *g2 = &j->gc[1];
	struct fpq_gemm_op ref;
	int err;

	s1.a = floats[rng_below(r, 6)];
	s1.b = floats[rng_below(r, 6)];
	s1.c = FPQ_FMT_E4M3;
	s1.a_scales = s1.b_scales = false;
	s1.c_scales = false;
	s1.k = 1 + rng_below(r, 64);
	s2 = random_spec(r);
	s2.a = FPQ_FMT_E4M3;
	s2.a_scales = s2.b_scales = false;
	if (s2.b == FPQ_FMT_INT8)
		s2.b = FPQ_FMT_E5M2, s2.c = FPQ_FMT_FP32, s2.arrays = GEMM_ALPHA;
	s2.m = s1.m;
	s2.k = s1.n;
	if ((err = gemm_case_make(g1, &s1, r)))
		return err;
	if ((err = gemm_case_make(g2, &s2, r))) {
		gemm_case_free(g1);
		return err;
	}
	for (uint32_t row = 0; row < s1.m; row++)
		for (uint32_t col = 0; col < s1.n; col++)
			fpq_matrix_set(&g2->op.a, row, col, fpq_matrix_get(&g1->ref.m, row, col));
	ref = g2->op;
	ref.c = g2->ref.m;
	if ((err = fpq_gemm_reference(&ref, &g2->ref_status)) ||
	    (err = vm_op_place(&j->vo[0], g1, ar)) || (err = vm_op_place(&j->vo[1], g2, ar))) {
		gemm_case_free(g1);
		gemm_case_free(g2);
		return err;
	}
	j->vo[1].drm.a.offset = j->vo[0].c_off;
	j->vo[1].drm.a.stride = j->vo[0].drm.c.stride;
	j->n_ops = 2;
	return 0;
}

/*
 * Build a job into @ar (reset); B sometimes in @shared, this job's part of the buffer
 * the processes share (reset too: @shared_start).
 */
static int make_job(struct job *j, struct rng *r, struct arena *ar, struct arena *shared,
		    uint64_t shared_start)
{
	unsigned int kind = rng_below(r, 3);
	int err = 0;

	ar->used = 0;
	if (shared)
		shared->used = shared_start;
	j->n_ops = 0;
	if (kind == 2 && !__atomic_load_n(&ledger->int8_only, __ATOMIC_ACQUIRE))
		return make_chain(j, r, ar);
	for (unsigned int i = 0, n = kind ? 2 + rng_below(r, MAX_OPS - 1) : 1; i < n; i++) {
		struct gemm_spec s = random_spec(r);

		if ((err = gemm_case_make(&j->gc[i], &s, r)))
			break;
		if ((err = vm_op_place(&j->vo[i], &j->gc[i], ar))) {
			gemm_case_free(&j->gc[i]);
			break;
		}
		j->n_ops++;
		if (shared && rng_below(r, 2)) {
			/* The same B bytes, in this thread's part of the shared buffer. */
			const struct fpq_matrix *b = &j->gc[i].op.b;
			size_t bytes = matrix_extent(b);
			uint64_t off = arena_alloc(shared, bytes);

			if (off == UINT64_MAX || b->scales)
				continue;
			memcpy(shared->map + off, b->data, bytes);
			j->vo[i].drm.b.handle = shared->handle;
			j->vo[i].drm.b.offset = off;
		}
	}
	if (!j->n_ops)
		return err ? err : -EINVAL;
	return 0;
}

static void free_job(struct job *j)
{
	for (unsigned int i = 0; i < j->n_ops; i++)
		gemm_case_free(&j->gc[i]);
	j->n_ops = 0;
}

/* ---- workers -------------------------------------------------------------------- */

struct worker {
	unsigned int proc, thread, slot;
	int dmabuf;
	struct report rep;
};

/* Submit with the job's out fence recorded in the ledger as a sync_file. */
static int submit_job(struct vdev *d, struct job *j, struct ledger_thread *lt,
		      struct ledger_entry *e, uint32_t syncobj)
{
	struct drm_fpq_gemm ops[MAX_OPS];
	int err, sync_fd = -1;

	for (unsigned int i = 0; i < j->n_ops; i++)
		ops[i] = j->vo[i].drm;
	ledger_set(e, L_SUBMITTING);
	err = vdev_submit(d, ops, j->n_ops, 0, syncobj, &j->id);
	if (err) {
		ledger_set(e, L_FREE);
		return err;
	}
	__atomic_add_fetch(&lt->submitted, 1, __ATOMIC_RELEASE);
	if (!syncobj || syncobj_export_sync_file(d->fd, syncobj, &sync_fd))
		sync_fd = -1;
	e->sync_fd = sync_fd;
	e->id = j->id;
	ledger_set(e, L_PENDING);
	return 0;
}

/* The worker judged the job: the ledger forgets it. */
static void ledger_judged(struct ledger_thread *lt, struct ledger_entry *e)
{
	int fd = e->sync_fd;

	if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) != L_PENDING)
		return;
	__atomic_add_fetch(&lt->judged, 1, __ATOMIC_RELEASE);
	ledger_set(e, L_FREE);
	if (fd >= 0)
		close(fd);
}

static enum outcome errno_outcome(int e)
{
	switch (-e) {
	case ETIMEDOUT: return OUT_ETIMEDOUT;
	case EIO: return OUT_EIO;
	case EFAULT: return OUT_EFAULT;
	case ENODEV: return OUT_ENODEV;
	case ECANCELED: return OUT_ECANCELED;
	case ENOMEM: return OUT_ENOMEM;
	default: return OUT_COUNT;
	}
}

/* Judge one job: exactly one outcome, the outputs as the UAPI promises. */
static void judge(struct worker *w, struct vdev *d, struct arena *ar, struct job *j)
{
	struct drm_fpq_op_status st[MAX_OPS];
	struct drm_fpq_job_status js;
	int r;

	for (;;) {
		/* Short waits, retried: a wait that times out leaves the job running. */
		r = vdev_wait(d, j->id, 1 + (int64_t)(rand() % 200), &js, st, j->n_ops);
		if (r != -ETIMEDOUT)
			break;
		w->rep.timed_waits++;
		if (now_ms() > cfg.deadline_ms + 120000) {
			w->rep.lost++;
			printf("  worker %u.%u: job %llu never finished\n", w->proc, w->thread,
			       (unsigned long long)j->id);
			return;
		}
	}
	if (r == -ENODEV) {
		w->rep.outcomes[OUT_GONE]++;
		return;
	}
	if (r) {
		w->rep.undocumented++;
		printf("  worker %u.%u: wait %d\n", w->proc, w->thread, r);
		return;
	}
	/* Collected: a second wait must not find it (or the device went away since). */
	r = vdev_wait(d, j->id, 0, NULL, NULL, 0);
	if (r == 0)
		w->rep.twice++;
	else if (r != -ENOENT && r != -ENODEV)
		w->rep.undocumented++;
	if (!js.error) {
		unsigned int bad = 0;

		for (unsigned int i = 0; i < j->n_ops; i++)
			bad += vm_op_check(&j->vo[i], &j->gc[i], ar, &st[i]) != 0;
		w->rep.outcomes[OUT_EXACT] += !bad;
		w->rep.wrong += !!bad;
		if (bad)
			printf("  worker %u.%u: job %llu succeeded with wrong output\n", w->proc,
			       w->thread, (unsigned long long)j->id);
		return;
	}
	if (errno_outcome(js.error) == OUT_COUNT) {
		w->rep.undocumented++;
		printf("  worker %u.%u: job %llu: undocumented error %d\n", w->proc, w->thread,
		       (unsigned long long)j->id, js.error);
		return;
	}
	w->rep.outcomes[errno_outcome(js.error)]++;
	/*
	 * After a card error in the job's only run, the operations after the failing one
	 * never started; a job that never ran touched nothing.
	 */
	for (unsigned int i = js.hw_error && js.runs == 1 ? js.ops_done + 1 :
			      js.runs ? j->n_ops : 0;
	     i < j->n_ops; i++) {
		const struct fpq_matrix *c = &j->gc[i].op.c;

		if (memcmp(ar->map + j->vo[i].c_off, c->data, matrix_extent(c))) {
			w->rep.touched++;
			printf("  worker %u.%u: job %llu (%d, cause %u at %u, %u runs): operation %u "
			       "never started but its C changed\n", w->proc, w->thread,
			       (unsigned long long)j->id, js.error, js.hw_error, js.ops_done,
			       js.runs, i);
		}
	}
}

/* A thread's own file, arena and view of the shared buffer; 0 or -errno. */
static int worker_open(struct worker *w, struct vdev *d, struct arena *ar, struct arena *sh)
{
	struct drm_prime_handle imp = { .fd = w->dmabuf };
	int err;

	if ((err = vdev_wait_open(d)))
		return err;
	if ((err = arena_init(d, ar, ARENA_BYTES)))
		goto fail;
	memset(sh, 0, sizeof(*sh));
	if (vioctl(d->fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp) == 0) {
		sh->handle = imp.handle;
		sh->size = SHARED_BYTES;
		sh->map = vdev_bo_map(d, imp.handle, SHARED_BYTES);
		/*
		 * Each thread writes its own slice of the shared buffer, by process slot:
		 * process numbers wrap at MAX_PROCS after kills and would share a slice.
		 */
		sh->used = (uint64_t)(w->slot * MAX_THREADS + w->thread) * SHARED_BYTES /
			   (MAX_PROCS * MAX_THREADS);
		sh->size = sh->used + SHARED_BYTES / (MAX_PROCS * MAX_THREADS);
	}
	return 0;
fail:
	vdev_close(d);
	return err;
}

static void worker_close(struct vdev *d, struct arena *ar, struct arena *sh)
{
	if (sh->map)
		munmap(sh->map, SHARED_BYTES);
	arena_fini(d, ar);
	vdev_close(d);
}

/* Judge the oldest job in flight and let the ledger forget it. */
static void judge_oldest(struct worker *w, struct vdev *d, struct arena *ar, struct job *jobs,
			 struct ledger_thread *lt, unsigned int *head, unsigned int *count)
{
	judge(w, d, &ar[*head], &jobs[*head]);
	ledger_judged(lt, &lt->e[*head]);
	free_job(&jobs[*head]);
	*head = (*head + 1) % INFLIGHT;
	(*count)--;
}

/* A syncobj per job in flight, for its out fence (0 where none could be made). */
static void syncobjs_create(struct vdev *d, uint32_t *so)
{
	for (unsigned int i = 0; i < INFLIGHT; i++)
		if (syncobj_create(d->fd, &so[i]))
			so[i] = 0;
}

static void *worker_thread(void *arg)
{
	struct worker *w = arg;
	struct rng r = rng_seeded(cfg.seed * 7919 + w->proc * 131 + w->thread + 1);
	struct ledger_thread *lt = &ledger->t[w->slot][w->thread];
	int *drained = &ledger->drained[w->slot][w->thread];
	struct job jobs[INFLIGHT];
	unsigned int head = 0, count = 0;
	struct arena ar[INFLIGHT], sh, sh_slot;
	uint32_t so[INFLIGHT];
	struct vdev d;

	/* One arena per job in flight: a job's buffers stay as it left them until judged. */
	if (worker_open(w, &d, &ar[0], &sh))
		return NULL;
	for (unsigned int i = 1; i < INFLIGHT; i++)
		if (arena_init(&d, &ar[i], ARENA_BYTES))
			return NULL;
	syncobjs_create(&d, so);
	while (now_ms() < cfg.deadline_ms && w->rep.submitted < cfg.max_jobs) {
		unsigned int slot = (head + count) % INFLIGHT;
		struct job *j = &jobs[slot];
		int want = __atomic_load_n(&ledger->int8_only, __ATOMIC_ACQUIRE);
		int err;

		/* INT8 only from now on: first finish what is in flight (it may be float). */
		if (want && !__atomic_load_n(drained, __ATOMIC_ACQUIRE)) {
			while (count)
				judge_oldest(w, &d, ar, jobs, lt, &head, &count);
			__atomic_store_n(drained, 1, __ATOMIC_RELEASE);
		} else if (!want) {
			__atomic_store_n(drained, 0, __ATOMIC_RELEASE);
		}
		if (count == INFLIGHT) {
			judge_oldest(w, &d, ar, jobs, lt, &head, &count);
			continue;
		}
		/* Each job in flight has its own part of the thread's slice of the buffer. */
		sh_slot = sh;
		sh_slot.size = sh.used + (sh.size - sh.used) / INFLIGHT * (slot + 1);
		if (make_job(j, &r, &ar[slot], sh.map ? &sh_slot : NULL,
			     sh.used + (sh.size - sh.used) / INFLIGHT * slot))
			continue;
		err = submit_job(&d, j, lt, &lt->e[slot], so[slot]);
		if (err == -ENODEV) {
			/* Unbound: judge what was in flight, reopen once the device is back. */
			free_job(j);
			while (count)
				judge_oldest(w, &d, ar, jobs, lt, &head, &count);
			for (unsigned int i = 1; i < INFLIGHT; i++)
				arena_fini(&d, &ar[i]);
			worker_close(&d, &ar[0], &sh);
			w->rep.reopen++;
			if (worker_open(w, &d, &ar[0], &sh))
				return NULL;
			for (unsigned int i = 1; i < INFLIGHT; i++)
				if (arena_init(&d, &ar[i], ARENA_BYTES))
					return NULL;
			syncobjs_create(&d, so);
			continue;
		}
		if (err) {
			if (err != -ENOMEM && err != -EBUSY) {
				w->rep.undocumented++;
				printf("  worker %u.%u: submit %d\n", w->proc, w->thread, err);
			}
			free_job(j);
			continue;
		}
		w->rep.submitted++;
		w->rep.ops += j->n_ops;
		count++;
	}
	while (count)
		judge_oldest(w, &d, ar, jobs, lt, &head, &count);
	/* Done: the injector's drain waits for this thread no more. */
	__atomic_store_n(drained, 1, __ATOMIC_RELEASE);
	for (unsigned int i = 1; i < INFLIGHT; i++)
		arena_fini(&d, &ar[i]);
	worker_close(&d, &ar[0], &sh);
	return NULL;
}

static void worker_process(unsigned int proc, unsigned int slot, int dmabuf, int wfd)
{
	struct worker w[MAX_THREADS];
	pthread_t t[MAX_THREADS];
	struct report sum = { 0 };

	for (unsigned int i = 0; i < cfg.threads; i++) {
		w[i] = (struct worker){ .proc = proc, .thread = i, .slot = slot, .dmabuf = dmabuf };
		pthread_create(&t[i], NULL, worker_thread, &w[i]);
	}
	for (unsigned int i = 0; i < cfg.threads; i++) {
		uint64_t *a = (uint64_t *)&sum;
		const uint64_t *b = (const uint64_t *)&w[i].rep;

		pthread_join(t[i], NULL);
		for (size_t k = 0; k < sizeof(sum) / sizeof(uint64_t); k++)
			a[k] += b[k];
	}
	_exit(write(wfd, &sum, sizeof(sum)) == sizeof(sum) ? 0 : 2);
}

/* ---- the injector --------------------------------------------------------------- */

enum fault { F_DMA_READ, F_HANG, F_RESET, F_DESC, F_KILL, F_REBIND, F_PE, F_COUNT };

static const char *const fault_names[F_COUNT] = {
	"dma_read", "hang", "reset", "desc", "kill", "unbind+bind", "pe",
};

/* A killed worker's job in flight, its out fence taken before the kill. */
struct orphan {
	int sync_fd;
	uint64_t id;
};

/* What the survivor makes of killed workers' jobs. */
struct orphans {
	struct orphan o[MAX_PROCS * MAX_THREADS * INFLIGHT * 64];
	unsigned int n;
	uint64_t submitted, judged_by_worker, in_submit, no_fence;
	uint64_t unbalanced;	/* a thread whose ledger counts do not add up */
};

struct procs {
	pid_t pid[MAX_PROCS];
	int rfd[MAX_PROCS];
	unsigned int next;	/* process numbers handed out */
	int dmabuf;
};

static void spawn(struct procs *p, unsigned int slot)
{
	int fds[2];

	if (pipe(fds))
		return;
	/* A new process in the slot: a ledger of its own. */
	memset(&ledger->t[slot], 0, sizeof(ledger->t[slot]));
	memset(&ledger->drained[slot], 0, sizeof(ledger->drained[slot]));
	p->pid[slot] = fork();
	if (p->pid[slot] == 0) {
		close(fds[0]);
		worker_process(p->next % MAX_PROCS, slot, p->dmabuf, fds[1]);
	}
	close(fds[1]);
	p->rfd[slot] = fds[0];
	p->next++;
}

/*
 * Before a worker dies: stop it, take the sync_file of every job its ledger has in
 * flight (pidfd_getfd()), so that the survivor judges those jobs after the kill.
 */
static void take_orphans(pid_t pid, unsigned int slot, struct orphans *or)
{
	int status, pidfd;

	kill(pid, SIGSTOP);
	if (waitpid(pid, &status, WUNTRACED) != pid || !WIFSTOPPED(status))
		return;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (unsigned int t = 0; t < cfg.threads; t++) {
		struct ledger_thread *lt = &ledger->t[slot][t];
		uint64_t pending = 0, submitting = 0;

		for (unsigned int i = 0; i < INFLIGHT; i++) {
			struct ledger_entry *e = &lt->e[i];
			int state = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE), fd = -1;

			if (state == L_SUBMITTING) {
				submitting++;
				continue;
			}
			if (state != L_PENDING)
				continue;
			pending++;
			if (pidfd >= 0 && e->sync_fd >= 0)
				fd = (int)syscall(SYS_pidfd_getfd, pidfd, e->sync_fd, 0);
			if (fd < 0 || or->n == sizeof(or->o) / sizeof(or->o[0])) {
				if (fd >= 0)
					close(fd);
				or->no_fence++;
				continue;
			}
			or->o[or->n++] = (struct orphan){ .sync_fd = fd, .id = e->id };
		}
		or->submitted += lt->submitted;
		or->judged_by_worker += lt->judged;
		or->in_submit += submitting;
		/* Submitted = judged + in flight, give or take one caught mid-submit. */
		if (lt->submitted < lt->judged + pending ||
		    lt->submitted > lt->judged + pending + submitting)
			or->unbalanced++;
	}
	if (pidfd >= 0)
		close(pidfd);
}

/*
 * Judge the killed workers' jobs: each fence must signal, with success or an error
 * the UAPI documents (a dropped job: -ECANCELED). Their buffers died with the worker:
 * the outputs cannot be compared. Counts into @sum like the workers' own outcomes.
 */
static void judge_orphans(struct orphans *or, struct report *sum, uint64_t *ended_ok)
{
	for (unsigned int i = 0; i < or->n; i++) {
		struct orphan *o = &or->o[i];
		struct sync_file_info info;
		struct sync_fence_info fence;
		int64_t t0 = now_ms();
		int r;

		while ((r = sync_file_signalled(o->sync_fd)) == 0 && now_ms() - t0 < 120000)
			usleep(10000);
		if (r != 1) {
			sum->lost++;
			printf("  killed worker's job %llu never finished\n",
			       (unsigned long long)o->id);
		} else if (sync_file_info(o->sync_fd, &info, &fence)) {
			sum->undocumented++;
		} else if (fence.status == 1) {
			(*ended_ok)++;
		} else if (errno_outcome(fence.status) == OUT_COUNT) {
			sum->undocumented++;
			printf("  killed worker's job %llu: undocumented error %d\n",
			       (unsigned long long)o->id, fence.status);
		} else {
			sum->outcomes[errno_outcome(fence.status)]++;
		}
		close(o->sync_fd);
	}
}

static int inject_word(struct vdev *d, const char *word);

/*
 * A PE fault (card with ABFT): the workers switch to INT8 jobs and drain what they
 * had in flight, the fault is armed, and INT8 jobs go on until the card has run
 * enough jobs to have taken it. 0, or -EAGAIN when the workers did not drain.
 */
static int inject_pe(struct vdev *d, struct rng *r, struct procs *p)
{
	char cmd[64];
	int64_t t0 = now_ms(), ended0;
	bool drained = false;
	int err;

	__atomic_store_n(&ledger->int8_only, 1, __ATOMIC_RELEASE);
	while (!drained && now_ms() - t0 < 20000) {
		drained = true;
		for (unsigned int s = 0; s < cfg.procs; s++)
			for (unsigned int t = 0; t < cfg.threads; t++)
				drained &= __atomic_load_n(&ledger->drained[s][t], __ATOMIC_ACQUIRE);
		if (!drained)
			usleep(10000);
	}
	(void)p;
	if (!drained) {
		__atomic_store_n(&ledger->int8_only, 0, __ATOMIC_RELEASE);
		return -EAGAIN;
	}
	snprintf(cmd, sizeof(cmd), "pe %u %u %u acc %u",
		 rng_below(r, (uint32_t)d->param[DRM_FPQ_PARAM_ARRAY_ROWS]),
		 rng_below(r, (uint32_t)d->param[DRM_FPQ_PARAM_ARRAY_COLS]), rng_below(r, 32),
		 rng_below(r, 2000));
	ended0 = vdev_sysfs_counter(d, "jobs_completed") + vdev_sysfs_counter(d, "jobs_failed");
	err = inject_word(d, cmd);
	/* The ring and what is in flight behind it, run past the armed fault. */
	t0 = now_ms();
	while (!err && now_ms() - t0 < 10000 &&
	       vdev_sysfs_counter(d, "jobs_completed") + vdev_sysfs_counter(d, "jobs_failed") <
	       ended0 + 2 * (int64_t)(MAX_PROCS * MAX_THREADS * INFLIGHT))
		usleep(20000);
	__atomic_store_n(&ledger->int8_only, 0, __ATOMIC_RELEASE);
	return err;
}

/* Reap a worker: add its report (a killed one has none). */
static int reap(struct procs *p, unsigned int slot, struct report *sum)
{
	struct report rep;
	int status, got = 0;

	if (read(p->rfd[slot], &rep, sizeof(rep)) == sizeof(rep)) {
		uint64_t *a = (uint64_t *)sum;
		const uint64_t *b = (const uint64_t *)&rep;

		for (size_t k = 0; k < sizeof(rep) / sizeof(uint64_t); k++)
			a[k] += b[k];
		got = 1;
	}
	close(p->rfd[slot]);
	waitpid(p->pid[slot], &status, 0);
	return got;
}

static int inject_word(struct vdev *d, const char *word)
{
	char path[128];
	int fd, r;

	if (vdev_debugfs_path(d, "fault_inject", path, sizeof(path)))
		return -ENOENT;
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	r = write(fd, word, strlen(word)) == (ssize_t)strlen(word) ? 0 : -errno;
	close(fd);
	return r;
}

static int64_t counter(struct vdev *d, const char *name)
{
	return vdev_sysfs_counter(d, name);
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [--seconds S] [--max-jobs N] [--seed X] [--procs P (<= %d)] "
		"[--threads T (<= %d)]\n", argv0, MAX_PROCS, MAX_THREADS);
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t injected[F_COUNT] = { 0 }, refused[F_COUNT] = { 0 }, orphans_ok = 0;
	static struct orphans orphans;
	struct report sum = { 0 };
	bool abft;
	struct procs p = { 0 };
	struct drm_prime_handle exp = { .flags = DRM_CLOEXEC | DRM_RDWR };
	int64_t slab0, slab1, t0;
	unsigned int reported = 0, killed = 0;
	uint32_t shared;
	char addr[64];
	struct rng r;
	struct vdev d;
	int kmsg, failures = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i + 1 < argc; i += 2) {
		unsigned int v = (unsigned int)strtoul(argv[i + 1], NULL, 0);

		if (!strcmp(argv[i], "--seconds"))
			cfg.seconds = v;
		else if (!strcmp(argv[i], "--max-jobs"))
			cfg.max_jobs = v;
		else if (!strcmp(argv[i], "--seed"))
			cfg.seed = v;
		else if (!strcmp(argv[i], "--procs") && v >= 1 && v <= MAX_PROCS)
			cfg.procs = v;
		else if (!strcmp(argv[i], "--threads") && v >= 1 && v <= MAX_THREADS)
			cfg.threads = v;
		else
			usage(argv[0]);
	}
	if (argc % 2 == 0)
		usage(argv[0]);
	if (vdev_open(&d)) {
		printf("SKIP no fpq device\n");
		return 77;
	}
	if (!(d.param[DRM_FPQ_PARAM_FEATURES] & DRM_FPQ_FEATURE_FAULT_INJECT) ||
	    inject_word(&d, "reset") == -ENOENT) {
		printf("SKIP the card or the driver has no fault injection (a test build)\n");
		return 77;
	}
	/* PE faults only where the card checks: a float job takes them unchecked. */
	abft = d.param[DRM_FPQ_PARAM_FEATURES] & DRM_FPQ_FEATURE_ABFT;
	ledger = mmap(NULL, sizeof(*ledger), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (ledger == MAP_FAILED) {
		printf("FAIL the ledger\n");
		return 1;
	}
	memset(ledger, 0, sizeof(*ledger));
	snprintf(addr, sizeof(addr), "%s", d.pci);
	printf("campaign: seed %u, %u s or %u jobs, %u processes x %u threads, card %s, "
	       "timeout %llu ms\n", cfg.seed, cfg.seconds, cfg.max_jobs, cfg.procs, cfg.threads,
	       addr, (unsigned long long)d.param[DRM_FPQ_PARAM_JOB_TIMEOUT_MS]);
	kmsg = kmsg_mark();
	slab0 = meminfo_kb("SUnreclaim");

	/* The buffer the processes share through PRIME. */
	if (vdev_bo_create(&d, SHARED_BYTES, &shared, NULL) || (exp.handle = shared,
	    vioctl(d.fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &exp))) {
		printf("FAIL the shared buffer\n");
		return 1;
	}
	p.dmabuf = exp.fd;
	vdev_close(&d);	/* the dma-buf keeps the buffer */

	r = rng_seeded(cfg.seed);
	srand(cfg.seed);
	t0 = now_ms();
	cfg.deadline_ms = t0 + (int64_t)cfg.seconds * 1000;
	for (unsigned int i = 0; i < cfg.procs; i++)
		spawn(&p, i);
	while (now_ms() < cfg.deadline_ms) {
		enum fault f = (enum fault)rng_below(&r, F_COUNT);
		unsigned int victim;
		int err = 0;

		/*
		 * The driver's counters start again at each bind: no rebind in the last third
		 * of the run, so that the final check of the counters covers its faults.
		 */
		if (f == F_REBIND && now_ms() > cfg.deadline_ms - (int64_t)cfg.seconds * 1000 / 3)
			f = F_DMA_READ;
		if (f == F_PE && !abft)
			f = F_HANG;

		usleep(200000 + rng_below(&r, 1300) * 1000);
		if (now_ms() >= cfg.deadline_ms)
			break;
		if (vdev_wait_open(&d))
			break;
		switch (f) {
		case F_DMA_READ:
		case F_HANG:
		case F_RESET:
		case F_DESC:
			err = inject_word(&d, fault_names[f]);
			break;
		case F_PE:
			err = inject_pe(&d, &r, &p);
			break;
		case F_KILL:
			victim = rng_below(&r, cfg.procs);
			take_orphans(p.pid[victim], victim, &orphans);
			kill(p.pid[victim], SIGKILL);
			reported += reap(&p, victim, &sum);
			killed++;
			spawn(&p, victim);
			break;
		case F_REBIND:
			err = vm_sh("echo %s > /sys/bus/pci/drivers/fpq/unbind", addr) ? -EIO : 0;
			usleep(rng_below(&r, 500) * 1000);
			if (vm_sh("echo %s > /sys/bus/pci/drivers/fpq/bind", addr)) {
				printf("FAIL bind %s again\n", addr);
				failures++;
			}
			break;
		default:
			break;
		}
		vdev_close(&d);
		if (err)
			refused[f]++;	/* e.g. a reset with nothing on the card: EAGAIN */
		else
			injected[f]++;
	}
	for (unsigned int i = 0; i < cfg.procs; i++)
		reported += reap(&p, i, &sum);
	close(p.dmabuf);
	judge_orphans(&orphans, &sum, &orphans_ok);

	/* Quiescence: every file is closed; jobs and buffers go. */
	if (vdev_wait_open(&d)) {
		printf("FAIL no device at the end\n");
		return 1;
	}
	for (int i = 0; i < 600; i++) {
		if (counter(&d, "jobs_live") == 0 && counter(&d, "buffers_live") == 0)
			break;
		usleep(100000);
	}
	slab1 = meminfo_kb("SUnreclaim");

	printf("campaign: %.1f s, %u worker processes (%u killed, %u reported), %llu jobs "
	       "(%llu operations) submitted, %llu waits timed out and retried, %llu reopens\n",
	       (now_ms() - t0) / 1000.0, p.next, killed, reported,
	       (unsigned long long)sum.submitted, (unsigned long long)sum.ops,
	       (unsigned long long)sum.timed_waits, (unsigned long long)sum.reopen);
	printf("killed workers: %llu jobs submitted, %llu judged by the worker, %u in flight "
	       "judged by the survivor (%llu ended without error), %llu caught mid-submit, "
	       "%llu without a fence\n", (unsigned long long)orphans.submitted,
	       (unsigned long long)orphans.judged_by_worker, orphans.n,
	       (unsigned long long)orphans_ok, (unsigned long long)orphans.in_submit,
	       (unsigned long long)orphans.no_fence);
	printf("faults injected:");
	for (int f = 0; f < F_COUNT; f++)
		printf(" %s %llu%s", fault_names[f], (unsigned long long)injected[f],
		       refused[f] ? " (+refused)" : "");
	printf("\noutcomes:");
	for (int o = 0; o < OUT_COUNT; o++)
		printf(" %s %llu", outcome_names[o], (unsigned long long)sum.outcomes[o]);
	printf("\ndriver (since the last bind): submitted %lld completed %lld failed %lld "
	       "canceled %lld timeouts %lld resets %lld reruns %lld faults mmu/dma/desc "
	       "%lld/%lld/%lld; live jobs %lld buffers %lld; SUnreclaim %lld -> %lld kB\n",
	       (long long)counter(&d, "jobs_submitted"), (long long)counter(&d, "jobs_completed"),
	       (long long)counter(&d, "jobs_failed"), (long long)counter(&d, "jobs_canceled"),
	       (long long)counter(&d, "job_timeouts"), (long long)counter(&d, "resets"),
	       (long long)counter(&d, "jobs_rerun"), (long long)counter(&d, "faults_mmu"),
	       (long long)counter(&d, "faults_dma"), (long long)counter(&d, "faults_descriptor"),
	       (long long)counter(&d, "jobs_live"), (long long)counter(&d, "buffers_live"),
	       (long long)slab0, (long long)slab1);

#define EXPECT(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			failures++;					\
			printf("FAIL " __VA_ARGS__);			\
			printf("\n");					\
		}							\
	} while (0)
	{
		uint64_t judged = sum.lost;

		for (int o = 0; o < OUT_COUNT; o++)
			judged += sum.outcomes[o];
		judged += sum.wrong + sum.undocumented;
		/* The killed workers' judged jobs are in their (lost) reports: not here. */
		judged -= orphans.n - orphans_ok;
		EXPECT(judged == sum.submitted, "%llu jobs submitted, %llu ended",
		       (unsigned long long)sum.submitted, (unsigned long long)judged);
	}
	EXPECT(!orphans.unbalanced, "%llu killed worker threads' ledgers do not add up",
	       (unsigned long long)orphans.unbalanced);
	EXPECT(!orphans.no_fence, "%llu killed workers' jobs without a fence to judge",
	       (unsigned long long)orphans.no_fence);
	EXPECT(!sum.lost, "%llu jobs never ended", (unsigned long long)sum.lost);
	EXPECT(!sum.wrong, "%llu jobs succeeded with wrong output", (unsigned long long)sum.wrong);
	EXPECT(!sum.undocumented, "%llu undocumented errors", (unsigned long long)sum.undocumented);
	EXPECT(!sum.touched, "%llu outputs of operations that never started changed",
	       (unsigned long long)sum.touched);
	EXPECT(!sum.twice, "%llu jobs reported twice", (unsigned long long)sum.twice);
	EXPECT(sum.outcomes[OUT_EXACT] > 0, "no job succeeded");
	EXPECT(reported + killed == p.next, "%u of %u worker processes reported",
	       reported, p.next - killed);
	EXPECT(counter(&d, "jobs_submitted") ==
	       counter(&d, "jobs_completed") + counter(&d, "jobs_failed"),
	       "driver counters: submitted != completed + failed");
	EXPECT(counter(&d, "jobs_live") == 0 && counter(&d, "buffers_live") == 0,
	       "jobs or buffers still live");
	EXPECT(counter(&d, "resets") >= counter(&d, "job_timeouts"), "fewer resets than timeouts");
	EXPECT(slab1 - slab0 < 4096, "unreclaimable slab grew by %lld kB",
	       (long long)(slab1 - slab0));
	EXPECT(kmsg_problems(kmsg) == 0, "the kernel log reports a problem (above)");
	printf("%s campaign (%d failed checks)\n", failures ? "FAIL" : "ok  ", failures);
	vdev_close(&d);
	(void)shared;
	return failures ? 1 : 0;
}
