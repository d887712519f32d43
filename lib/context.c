// SPDX-License-Identifier: MIT
/*
 * context.c - contexts choose a backend; jobs run asynchronously on a per-context
 * worker thread in submission order, and each job can be waited for on its own.
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
	struct fpq_job *next;            /* context queue link */
	pthread_mutex_t lock;
	pthread_cond_t done_cond;        /* CLOCK_MONOTONIC */
	bool done;
	int err;
	unsigned int n_ops;
	struct fpq_gemm_op *ops;
	struct fpq_gemm_status *status;
};

struct fpq_context {
	const struct fpq_backend_ops *ops;
	unsigned int flags;
	unsigned int num_threads;
	char fallback[160];

	pthread_mutex_t lock;
	pthread_cond_t work_cond;
	struct fpq_job *head, *tail;
	bool worker_started, stopping;
	pthread_t worker;
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
	ctx->flags = o.flags;
	ctx->num_threads = o.num_threads ? o.num_threads : threads_from_env();

	switch (want) {
	case FPQ_BACKEND_CARD:
		free(ctx);
		return fpq_error(-ENODEV, "context: no fpq card backend in this build");
	case FPQ_BACKEND_AUTO:
		snprintf(ctx->fallback, sizeof(ctx->fallback),
			 "no fpq card backend in this build: using the CPU");
		ctx->ops = &fpq_backend_cpu;
		break;
	case FPQ_BACKEND_REFERENCE:
		ctx->ops = &fpq_backend_reference;
		break;
	default:
		ctx->ops = &fpq_backend_cpu;
		break;
	}
	pthread_mutex_init(&ctx->lock, NULL);
	pthread_cond_init(&ctx->work_cond, NULL);
	*out = ctx;
	return 0;
}

enum fpq_backend fpq_context_backend(const struct fpq_context *ctx)
{
	return ctx ? ctx->ops->id : FPQ_BACKEND_AUTO;
}

const char *fpq_context_fallback(const struct fpq_context *ctx)
{
	return ctx && ctx->fallback[0] ? ctx->fallback : NULL;
}

unsigned int fpq_context_threads(const struct fpq_context *ctx)
{
	return ctx->num_threads;
}

int fpq_gemm(struct fpq_context *ctx, const struct fpq_gemm_op *op,
	     struct fpq_gemm_status *status)
{
	struct fpq_gemm_status st = { 0 };
	int err;

	if (!ctx)
		return fpq_error(-EFAULT, "gemm: context is NULL");
	err = fpq_gemm_validate(op);
	if (err)
		return err;
	err = ctx->ops->run(ctx, op, &st);
	if (!err && status)
		*status = st;
	return err;
}

static void job_complete(struct fpq_job *job, int err)
{
	pthread_mutex_lock(&job->lock);
	job->err = err;
	job->done = true;
	pthread_cond_broadcast(&job->done_cond);
	pthread_mutex_unlock(&job->lock);
}

static void *worker_main(void *arg)
{
	struct fpq_context *ctx = arg;

	pthread_mutex_lock(&ctx->lock);
	for (;;) {
		struct fpq_job *job;
		int err = 0;

		while (!ctx->head && !ctx->stopping)
			pthread_cond_wait(&ctx->work_cond, &ctx->lock);
		if (!ctx->head)
			break;
		job = ctx->head;
		ctx->head = job->next;
		if (!ctx->head)
			ctx->tail = NULL;
		pthread_mutex_unlock(&ctx->lock);

		/* Operations run in order; the first error ends the job. */
		for (unsigned int i = 0; i < job->n_ops && !err; i++)
			err = ctx->ops->run(ctx, &job->ops[i], &job->status[i]);
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

int fpq_submit(struct fpq_context *ctx, const struct fpq_gemm_op *ops, unsigned int n_ops,
	       struct fpq_job **out)
{
	pthread_condattr_t attr;
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

	job = calloc(1, sizeof(*job));
	if (!job)
		return fpq_error(-ENOMEM, "submit: out of memory");
	job->ops = malloc(sizeof(*ops) * n_ops);
	job->status = calloc(n_ops, sizeof(*job->status));
	if (!job->ops || !job->status) {
		free(job->ops);
		free(job->status);
		free(job);
		return fpq_error(-ENOMEM, "submit: out of memory");
	}
	memcpy(job->ops, ops, sizeof(*ops) * n_ops);
	job->n_ops = n_ops;
	pthread_mutex_init(&job->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&job->done_cond, &attr);
	pthread_condattr_destroy(&attr);

	pthread_mutex_lock(&ctx->lock);
	if (!ctx->worker_started) {
		err = pthread_create(&ctx->worker, NULL, worker_main, ctx);
		if (err) {
			pthread_mutex_unlock(&ctx->lock);
			job_destroy(job);
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
	*out = job;
	return 0;
}

int fpq_job_wait(struct fpq_job *job, int64_t timeout_ns, struct fpq_gemm_status *status)
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
	while (!job->done && err == 0) {
		if (timeout_ns < 0)
			pthread_cond_wait(&job->done_cond, &job->lock);
		else if (pthread_cond_timedwait(&job->done_cond, &job->lock, &deadline) ==
			 ETIMEDOUT)
			err = -ETIMEDOUT;
	}
	if (job->done) {
		err = job->err;
		if (!err && status)
			memcpy(status, job->status, sizeof(*status) * job->n_ops);
	}
	pthread_mutex_unlock(&job->lock);
	if (err == -ETIMEDOUT)
		return fpq_error(err, "wait: job still running after %lld ns",
				 (long long)timeout_ns);
	return err;
}

void fpq_job_free(struct fpq_job *job)
{
	if (!job)
		return;
	fpq_job_wait(job, -1, NULL);
	job_destroy(job);
}

void fpq_context_destroy(struct fpq_context *ctx)
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
	pthread_cond_destroy(&ctx->work_cond);
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
}
