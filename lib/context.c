// SPDX-License-Identifier: MIT
/*
 * context.c - contexts choose a backend and own its state; jobs run asynchronously
 * either on the device (backends with job_start/job_finish) or on a per-context worker
 * thread in submission order. A non-strict context runs on the CPU whatever the card
 * cannot, and records why.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "internal.h"

struct fpq_job {
	struct fpq_context *ctx;
	struct fpq_job *next;            /* worker queue link */
	pthread_mutex_t lock;
	pthread_cond_t done_cond;        /* CLOCK_MONOTONIC */
	bool done;
	int err;
	void *device;                    /* backend job handle while on the device */
	struct fpq_job *dnext, *dprev;   /* the context's list of jobs on the device */
	bool on_cpu;                     /* the card declined it: the worker runs it on the CPU */
	unsigned int n_ops;
	struct fpq_gemm_op *ops;
	struct fpq_gemm_status *status;
};

struct fpq_context {
	const struct fpq_backend_ops *ops;
	void *priv;
	void *cpu_state;                 /* see fpq_context_cpu_slot() */
	unsigned int flags;
	unsigned int num_threads;

	pthread_mutex_t lock;            /* queue, buffers, fallback stats */
	pthread_cond_t work_cond;
	struct fpq_job *head, *tail;
	bool worker_started, stopping;
	pthread_t worker;
	struct fpq_job *device_jobs;     /* started on the device, not yet finished */
	struct fpq_buffer *buffers;
	struct fpq_fallback_stats fallback;
};

const char *fpq_backend_name(enum fpq_backend backend)
{
	switch (backend) {
	case FPQ_BACKEND_AUTO: return "auto";
	case FPQ_BACKEND_CPU: return "cpu";
	case FPQ_BACKEND_CARD: return "card";
	case FPQ_BACKEND_REFERENCE: return "reference";
	default: return "invalid";
	}
}

static int backend_from_env(enum fpq_backend *out)
{
	const char *v = getenv("FPQ_DEVICE");

	if (!v || !*v || !strcasecmp(v, "auto"))
		*out = FPQ_BACKEND_AUTO;
	else if (!strcasecmp(v, "cpu"))
		*out = FPQ_BACKEND_CPU;
	else if (!strcasecmp(v, "card"))
		*out = FPQ_BACKEND_CARD;
	else if (!strcasecmp(v, "ref") || !strcasecmp(v, "reference"))
		*out = FPQ_BACKEND_REFERENCE;
	else
		return fpq_error(-EINVAL, "FPQ_DEVICE=%s: expected auto, card, cpu or ref", v);
	return 0;
}

static unsigned int threads_from_env(void)
{
	const char *v = getenv("FPQ_NUM_THREADS");
	long n = v ? strtol(v, NULL, 10) : 0;

	return n > 0 && n <= 1024 ? (unsigned int)n : 0;
}

static bool strict_from_env(void)
{
	const char *v = getenv("FPQ_STRICT");

	return v && *v && strcmp(v, "0") != 0;
}

void *fpq_context_priv(const struct fpq_context *ctx)
{
	return ctx->priv;
}

void fpq_context_set_priv(struct fpq_context *ctx, void *priv)
{
	ctx->priv = priv;
}

const struct fpq_backend_ops *fpq_context_ops(const struct fpq_context *ctx)
{
	return ctx->ops;
}

void **fpq_context_cpu_slot(struct fpq_context *ctx)
{
	return &ctx->cpu_state;
}

static void note_fallback(struct fpq_context *ctx, unsigned int n_ops, int err)
{
	pthread_mutex_lock(&ctx->lock);
	ctx->fallback.ops += n_ops;
	snprintf(ctx->fallback.reason, sizeof(ctx->fallback.reason), "%s", fpq_strerror(err));
	pthread_mutex_unlock(&ctx->lock);
}

/* May the CPU run what the card could not? */
static bool may_fall_back(const struct fpq_context *ctx, int err)
{
	if (ctx->ops->id != FPQ_BACKEND_CARD || (ctx->flags & FPQ_CTX_STRICT))
		return false;
	return err == -ENOTSUP || err == -EIO || err == -ETIMEDOUT || err == -EFAULT ||
	       err == -ENODEV || err == -ENOMEM || err == -E2BIG || err == -ENOSPC;
}

static int try_open(struct fpq_context *ctx, const struct fpq_backend_ops *ops)
{
	ctx->ops = ops;
	return ops->open ? ops->open(ctx) : 0;
}

int fpq_context_create(const struct fpq_context_opts *opts, struct fpq_context **out)
{
	struct fpq_context_opts o = opts ? *opts : (struct fpq_context_opts){ 0 };
	struct fpq_context *ctx;
	enum fpq_backend want = o.backend;
	int err;

	if (!out)
		return fpq_error(-EFAULT, "context: output pointer is NULL");
	*out = NULL;
	if (o.flags & ~(unsigned int)FPQ_CTX_STRICT)
		return fpq_error(-EINVAL, "context: unknown flags 0x%x", o.flags);
	if (want == FPQ_BACKEND_AUTO && (err = backend_from_env(&want)))
		return err;
	if ((unsigned int)want > FPQ_BACKEND_REFERENCE)
		return fpq_error(-EINVAL, "context: unknown backend %d", (int)want);

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return fpq_error(-ENOMEM, "context: out of memory");
	ctx->flags = o.flags | (strict_from_env() ? FPQ_CTX_STRICT : 0);
	ctx->num_threads = o.num_threads ? o.num_threads : threads_from_env();
	pthread_mutex_init(&ctx->lock, NULL);
	pthread_cond_init(&ctx->work_cond, NULL);

	switch (want) {
	case FPQ_BACKEND_CARD:
		err = try_open(ctx, &fpq_backend_card);
		break;
	case FPQ_BACKEND_AUTO:
		err = try_open(ctx, &fpq_backend_card);
		if (err) {
			snprintf(ctx->fallback.reason, sizeof(ctx->fallback.reason),
				 "%s", fpq_strerror(err));
			err = try_open(ctx, &fpq_backend_cpu);
		}
		break;
	case FPQ_BACKEND_REFERENCE:
		err = try_open(ctx, &fpq_backend_reference);
		break;
	default:
		err = try_open(ctx, &fpq_backend_cpu);
		break;
	}
	if (err) {
		fpq_cpu_state_free(ctx->cpu_state);
		pthread_cond_destroy(&ctx->work_cond);
		pthread_mutex_destroy(&ctx->lock);
		free(ctx);
		return err;
	}
	*out = ctx;
	return 0;
}

enum fpq_backend fpq_context_backend(const struct fpq_context *ctx)
{
	return ctx ? ctx->ops->id : FPQ_BACKEND_AUTO;
}

const char *fpq_context_fallback(const struct fpq_context *ctx)
{
	return ctx && ctx->fallback.reason[0] ? ctx->fallback.reason : NULL;
}

void fpq_context_fallback_stats(const struct fpq_context *ctx, struct fpq_fallback_stats *stats)
{
	pthread_mutex_lock((pthread_mutex_t *)&ctx->lock);
	*stats = ctx->fallback;
	pthread_mutex_unlock((pthread_mutex_t *)&ctx->lock);
}

unsigned int fpq_context_threads(const struct fpq_context *ctx)
{
	return ctx->num_threads;
}

int fpq_context_device_info(const struct fpq_context *ctx, struct fpq_device_info *info)
{
	if (!ctx || !info)
		return fpq_error(-EFAULT, "device info: NULL context or info");
	if (!ctx->ops->device_info)
		return fpq_error(-ENODEV, "device info: the %s backend has no card",
				 fpq_backend_name(ctx->ops->id));
	return ctx->ops->device_info(ctx, info);
}

/* Run ops on the CPU in order after the card declined them or failed. */
static int run_on_cpu(struct fpq_context *ctx, const struct fpq_gemm_op *ops,
		      unsigned int n_ops, struct fpq_gemm_status *st, int why)
{
	int err = 0;

	note_fallback(ctx, n_ops, why);
	for (unsigned int i = 0; i < n_ops && !err; i++) {
		memset(&st[i], 0, sizeof(st[i]));
		err = fpq_backend_cpu.run(ctx, &ops[i], &st[i]);
	}
	return err;
}

/*
 * Pre-packed weights carry a copy of B: a backend that does not use them (the card,
 * when it did not pack them) reads B from that copy. The CPU and the reference take
 * b_packed as it is, so a fallback to the CPU still uses the packed form.
 */
static void weights_as_matrix(const struct fpq_backend_ops *ops, struct fpq_gemm_op *op)
{
	if (!op->b_packed || ops == &fpq_backend_cpu || ops == &fpq_backend_reference ||
	    (ops->pack_weights && op->b_packed->owner == ops))
		return;
	op->b = *fpq_weights_matrix(op->b_packed);
	op->b_packed = NULL;
}

static FPQ_FP_WORK int gemm(struct fpq_context *ctx, const struct fpq_gemm_op *op,
			    struct fpq_gemm_status *status)
{
	struct fpq_gemm_status st = { 0 };
	struct fpq_gemm_op for_backend;
	int err;

	if (!ctx)
		return fpq_error(-EFAULT, "gemm: context is NULL");
	err = fpq_gemm_validate(op);
	if (err)
		return err;
	for_backend = *op;
	weights_as_matrix(ctx->ops, &for_backend);
	err = ctx->ops->run(ctx, &for_backend, &st);
	if (err && may_fall_back(ctx, err))
		err = run_on_cpu(ctx, op, 1, &st, err);
	if (!err && status)
		*status = st;
	return err;
}

int fpq_gemm(struct fpq_context *ctx, const struct fpq_gemm_op *op,
	     struct fpq_gemm_status *status)
{
	struct fpq_fp_env env = fpq_fp_enter();
	int r = gemm(ctx, op, status);

	fpq_fp_leave(env);
	return r;
}

static void job_complete(struct fpq_job *job, int err)
{
	pthread_mutex_lock(&job->lock);
	job->err = err;
	job->done = true;
	pthread_cond_broadcast(&job->done_cond);
	pthread_mutex_unlock(&job->lock);
}

/* Operations run in order; the first error ends the job. */
static FPQ_FP_WORK int run_job(struct fpq_context *ctx, struct fpq_job *job)
{
	const struct fpq_backend_ops *ops = job->on_cpu ? &fpq_backend_cpu : ctx->ops;
	int err = 0;

	for (unsigned int i = 0; i < job->n_ops && !err; i++)
		err = ops->run(ctx, &job->ops[i], &job->status[i]);
	if (err && may_fall_back(ctx, err))
		err = run_on_cpu(ctx, job->ops, job->n_ops, job->status, err);
	return err;
}

static void *worker_main(void *arg)
{
	struct fpq_context *ctx = arg;

	pthread_mutex_lock(&ctx->lock);
	for (;;) {
		struct fpq_job *job;

		while (!ctx->head && !ctx->stopping)
			pthread_cond_wait(&ctx->work_cond, &ctx->lock);
		if (!ctx->head)
			break;
		job = ctx->head;
		ctx->head = job->next;
		if (!ctx->head)
			ctx->tail = NULL;
		pthread_mutex_unlock(&ctx->lock);

		/* The worker inherited its creator's floating-point environment. */
		struct fpq_fp_env env = fpq_fp_enter();
		int err = run_job(ctx, job);

		fpq_fp_leave(env);
		job_complete(job, err);

		pthread_mutex_lock(&ctx->lock);
	}
	pthread_mutex_unlock(&ctx->lock);
	return NULL;
}

static void job_destroy(struct fpq_job *job)
{
	pthread_cond_destroy(&job->done_cond);
	pthread_mutex_destroy(&job->lock);
	free(job->ops);
	free(job->status);
	free(job);
}

static struct fpq_job *job_create(struct fpq_context *ctx, const struct fpq_gemm_op *ops,
				  unsigned int n_ops)
{
	pthread_condattr_t attr;
	struct fpq_job *job = calloc(1, sizeof(*job));

	if (!job)
		return NULL;
	job->ops = malloc(sizeof(*ops) * n_ops);
	job->status = calloc(n_ops, sizeof(*job->status));
	if (!job->ops || !job->status) {
		free(job->ops);
		free(job->status);
		free(job);
		return NULL;
	}
	memcpy(job->ops, ops, sizeof(*ops) * n_ops);
	for (unsigned int i = 0; i < n_ops; i++)
		weights_as_matrix(ctx->ops, &job->ops[i]);
	job->n_ops = n_ops;
	job->ctx = ctx;
	pthread_mutex_init(&job->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&job->done_cond, &attr);
	pthread_condattr_destroy(&attr);
	return job;
}

static int queue_on_worker(struct fpq_context *ctx, struct fpq_job *job)
{
	int err;

	pthread_mutex_lock(&ctx->lock);
	if (!ctx->worker_started) {
		err = pthread_create(&ctx->worker, NULL, worker_main, ctx);
		if (err) {
			pthread_mutex_unlock(&ctx->lock);
			return fpq_error(-err, "submit: cannot start the worker thread");
		}
		ctx->worker_started = true;
	}
	if (ctx->tail)
		ctx->tail->next = job;
	else
		ctx->head = job;
	ctx->tail = job;
	pthread_cond_signal(&ctx->work_cond);
	pthread_mutex_unlock(&ctx->lock);
	return 0;
}

static FPQ_FP_WORK int submit(struct fpq_context *ctx, const struct fpq_gemm_op *ops,
			      unsigned int n_ops, struct fpq_job **out)
{
	struct fpq_job *job;
	int err;

	if (!ctx || !ops || !out)
		return fpq_error(-EFAULT, "submit: NULL context, operations or job pointer");
	*out = NULL;
	if (n_ops == 0 || n_ops > 4096)
		return fpq_error(-EINVAL, "submit: %u operations (1..4096 per job)", n_ops);
	for (unsigned int i = 0; i < n_ops; i++) {
		err = fpq_gemm_validate(&ops[i]);
		if (err)
			return fpq_error(err, "submit: operation %u: %s", i, fpq_strerror(err));
	}
	job = job_create(ctx, ops, n_ops);
	if (!job)
		return fpq_error(-ENOMEM, "submit: out of memory");

	if (ctx->ops->job_start) {
		err = ctx->ops->job_start(ctx, job->ops, n_ops, &job->device);
		if (!err) {
			pthread_mutex_lock(&ctx->lock);
			job->dnext = ctx->device_jobs;
			if (ctx->device_jobs)
				ctx->device_jobs->dprev = job;
			ctx->device_jobs = job;
			pthread_mutex_unlock(&ctx->lock);
			*out = job;
			return 0;
		}
		if (!may_fall_back(ctx, err)) {
			job_destroy(job);
			return err;
		}
		/* The CPU takes the whole job; the worker keeps submission order. */
		note_fallback(ctx, n_ops, err);
		job->on_cpu = true;
	}
	err = queue_on_worker(ctx, job);
	if (err) {
		job_destroy(job);
		return err;
	}
	*out = job;
	return 0;
}

int fpq_submit(struct fpq_context *ctx, const struct fpq_gemm_op *ops, unsigned int n_ops,
	       struct fpq_job **out)
{
	struct fpq_fp_env env = fpq_fp_enter();
	int r = submit(ctx, ops, n_ops, out);

	fpq_fp_leave(env);
	return r;
}

/* Finish a device job: wait for it, or run it on the CPU if the card failed. */
static int finish_device_job(struct fpq_job *job, int64_t timeout_ns)
{
	struct fpq_context *ctx = job->ctx;
	int err = ctx->ops->job_finish(ctx, job->device, timeout_ns, job->status);

	if (err > 0)
		return -ETIMEDOUT;      /* still running: the handle stays */
	job->device = NULL;
	pthread_mutex_lock(&ctx->lock);
	if (job->dprev)
		job->dprev->dnext = job->dnext;
	else
		ctx->device_jobs = job->dnext;
	if (job->dnext)
		job->dnext->dprev = job->dprev;
	pthread_mutex_unlock(&ctx->lock);
	if (err && may_fall_back(ctx, err))
		err = run_on_cpu(ctx, job->ops, job->n_ops, job->status, err);
	job->err = err;
	job->done = true;
	return 0;
}

static int64_t remaining_ns(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(deadline->tv_sec - now.tv_sec) * 1000000000 +
	       (deadline->tv_nsec - now.tv_nsec);
}

static FPQ_FP_WORK int job_wait(struct fpq_job *job, int64_t timeout_ns,
				struct fpq_gemm_status *status)
{
	struct timespec deadline;
	int err = 0;

	if (!job)
		return fpq_error(-EFAULT, "wait: job is NULL");
	if (timeout_ns >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += timeout_ns / 1000000000;
		deadline.tv_nsec += timeout_ns % 1000000000;
		if (deadline.tv_nsec >= 1000000000) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000;
		}
	}
	pthread_mutex_lock(&job->lock);
	if (job->device && !job->done) {
		int64_t left = timeout_ns < 0 ? -1 : remaining_ns(&deadline);

		err = finish_device_job(job, left < 0 && timeout_ns >= 0 ? 0 : left);
	}
	while (!job->done && err == 0) {
		if (timeout_ns < 0)
			pthread_cond_wait(&job->done_cond, &job->lock);
		else if (pthread_cond_timedwait(&job->done_cond, &job->lock, &deadline) ==
			 ETIMEDOUT)
			err = -ETIMEDOUT;
	}
	bool running = !job->done;

	if (job->done) {
		err = job->err;
		if (!err && status)
			memcpy(status, job->status, sizeof(*status) * job->n_ops);
	}
	pthread_mutex_unlock(&job->lock);
	if (running)
		return fpq_error(-ETIMEDOUT, "wait: job still running after %lld ns",
				 (long long)timeout_ns);
	return err;
}

int fpq_job_wait(struct fpq_job *job, int64_t timeout_ns, struct fpq_gemm_status *status)
{
	struct fpq_fp_env env = fpq_fp_enter();
	int r = job_wait(job, timeout_ns, status);

	fpq_fp_leave(env);
	return r;
}

void fpq_job_free(struct fpq_job *job)
{
	if (!job)
		return;
	fpq_job_wait(job, -1, NULL);
	job_destroy(job);
}

static FPQ_FP_WORK void context_destroy(struct fpq_context *ctx)
{
	if (!ctx)
		return;
	pthread_mutex_lock(&ctx->lock);
	ctx->stopping = true;
	pthread_cond_signal(&ctx->work_cond);
	pthread_mutex_unlock(&ctx->lock);
	/* The worker drains the queue before it stops. */
	if (ctx->worker_started)
		pthread_join(ctx->worker, NULL);
	/*
	 * Finish the device jobs nobody has waited for yet: afterwards a job needs nothing
	 * of the context, so it can still be waited for and freed.
	 */
	for (;;) {
		struct fpq_job *job;

		pthread_mutex_lock(&ctx->lock);
		job = ctx->device_jobs;
		pthread_mutex_unlock(&ctx->lock);
		if (!job)
			break;
		pthread_mutex_lock(&job->lock);
		if (job->device && !job->done)
			finish_device_job(job, -1);
		pthread_mutex_unlock(&job->lock);
	}
	while (ctx->buffers)
		fpq_buffer_free(ctx->buffers);
	if (ctx->ops->close)
		ctx->ops->close(ctx);
	fpq_cpu_state_free(ctx->cpu_state);
	pthread_cond_destroy(&ctx->work_cond);
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
}

void fpq_context_destroy(struct fpq_context *ctx)
{
	struct fpq_fp_env env = fpq_fp_enter();

	context_destroy(ctx);
	fpq_fp_leave(env);
}

/* ---- buffers ---- */

/* Put buf on ctx's list, where fpq_context_find_buffer() finds it. */
static void buffer_link(struct fpq_context *ctx, struct fpq_buffer *buf)
{
	pthread_mutex_lock(&ctx->lock);
	buf->next = ctx->buffers;
	if (ctx->buffers)
		ctx->buffers->prev = buf;
	ctx->buffers = buf;
	pthread_mutex_unlock(&ctx->lock);
}

int fpq_buffer_alloc(struct fpq_context *ctx, size_t size, struct fpq_buffer **out)
{
	struct fpq_buffer *buf;
	int err = 0;

	if (!ctx || !out)
		return fpq_error(-EFAULT, "buffer: NULL context or output pointer");
	*out = NULL;
	if (size == 0 || size > ((size_t)1 << 40))
		return fpq_error(-EINVAL, "buffer: size %zu (1 byte .. 1 TiB)", size);
	buf = calloc(1, sizeof(*buf));
	if (!buf)
		return fpq_error(-ENOMEM, "buffer: out of memory");
	buf->ctx = ctx;
	if (ctx->ops->buffer_alloc) {
		err = ctx->ops->buffer_alloc(ctx, buf, size);
	} else {
		buf->size = (size + 4095) & ~(size_t)4095;
		buf->data = aligned_alloc(4096, buf->size);
		if (!buf->data)
			err = fpq_error(-ENOMEM, "buffer: out of memory for %zu bytes", size);
	}
	if (err) {
		free(buf);
		return err;
	}
	buffer_link(ctx, buf);
	*out = buf;
	return 0;
}

int fpq_buffer_import_dmabuf(struct fpq_context *ctx, int fd, struct fpq_buffer **out)
{
	struct fpq_buffer *buf;
	int err;

	if (!ctx || !out)
		return fpq_error(-EFAULT, "buffer import: NULL context or output pointer");
	*out = NULL;
	if (!ctx->ops->buffer_import)
		return fpq_error(-ENOTSUP, "buffer import: the %s backend takes no dma-bufs",
				 fpq_backend_name(ctx->ops->id));
	if (fd < 0)
		return fpq_error(-EINVAL, "buffer import: bad file descriptor %d", fd);
	buf = calloc(1, sizeof(*buf));
	if (!buf)
		return fpq_error(-ENOMEM, "buffer import: out of memory");
	buf->ctx = ctx;
	err = ctx->ops->buffer_import(ctx, buf, fd);
	if (err) {
		free(buf);
		return err;
	}
	buffer_link(ctx, buf);
	*out = buf;
	return 0;
}

int fpq_buffer_export_dmabuf(struct fpq_buffer *buf, int *fd)
{
	if (!buf || !fd)
		return fpq_error(-EFAULT, "buffer export: NULL buffer or fd pointer");
	if (!buf->ctx->ops->buffer_export)
		return fpq_error(-ENOTSUP, "buffer export: the %s backend has no dma-bufs",
				 fpq_backend_name(buf->ctx->ops->id));
	return buf->ctx->ops->buffer_export(buf, fd);
}

void *fpq_buffer_data(const struct fpq_buffer *buf)
{
	return buf ? buf->data : NULL;
}

size_t fpq_buffer_size(const struct fpq_buffer *buf)
{
	return buf ? buf->size : 0;
}

void fpq_buffer_free(struct fpq_buffer *buf)
{
	struct fpq_context *ctx;

	if (!buf)
		return;
	ctx = buf->ctx;
	pthread_mutex_lock(&ctx->lock);
	if (buf->prev)
		buf->prev->next = buf->next;
	else
		ctx->buffers = buf->next;
	if (buf->next)
		buf->next->prev = buf->prev;
	pthread_mutex_unlock(&ctx->lock);
	if (ctx->ops->buffer_free)
		ctx->ops->buffer_free(buf);
	else
		free(buf->data);
	free(buf);
}

struct fpq_buffer *fpq_context_find_buffer(struct fpq_context *ctx, const void *p,
					   size_t len)
{
	uintptr_t a = (uintptr_t)p;
	struct fpq_buffer *found = NULL;

	pthread_mutex_lock(&ctx->lock);
	for (struct fpq_buffer *b = ctx->buffers; b; b = b->next) {
		uintptr_t base = (uintptr_t)b->data;

		if (a >= base && len <= b->size && a - base <= b->size - len) {
			found = b;
			break;
		}
	}
	pthread_mutex_unlock(&ctx->lock);
	return found;
}
