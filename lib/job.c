// SPDX-License-Identifier: MIT
/*
 * job.c - jobs run asynchronously either on the device (backends with
 * job_start/job_finish) or on the context's worker thread in submission order; a job
 * the card declines runs on the CPU in a non-strict context, and one the card fails
 * is run on the CPU, run again on the card or reported, as the context's
 * fpq_fault_policy says.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "context.h"

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
	if (job->on_cpu)
		return err;
	return fpq_context_recover(ctx, job->ops, job->ops, job->n_ops, job->status, err);
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
		fpq_context_weights_as_matrix(ctx->ops, &job->ops[i]);
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
		if (!fpq_context_may_fall_back(ctx, err)) {
			job_destroy(job);
			return err;
		}
		/* The CPU takes the whole job; the worker keeps submission order. */
		fpq_context_note_fallback(ctx, n_ops, err);
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
	/* A card fault: fall back, re-run (waited for in full) or report, as configured. */
	err = fpq_context_recover(ctx, job->ops, job->ops, job->n_ops, job->status, err);
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

void fpq_context_finish_jobs(struct fpq_context *ctx)
{
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
}
