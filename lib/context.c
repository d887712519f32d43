// SPDX-License-Identifier: MIT
/*
 * context.c - contexts choose a backend and own its state; operations run on it
 * synchronously here, as jobs in job.c. A non-strict context runs on the CPU whatever
 * the card cannot, and records why.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "context.h"

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

void fpq_context_note_fallback(struct fpq_context *ctx, unsigned int n_ops, int err)
{
	pthread_mutex_lock(&ctx->lock);
	ctx->fallback.ops += n_ops;
	snprintf(ctx->fallback.reason, sizeof(ctx->fallback.reason), "%s", fpq_strerror(err));
	pthread_mutex_unlock(&ctx->lock);
}

/* May the CPU run what the card could not? */
bool fpq_context_may_fall_back(const struct fpq_context *ctx, int err)
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
	if (o.flags & ~(unsigned int)(FPQ_CTX_STRICT | FPQ_CTX_FAULT_REPORT | FPQ_CTX_FAULT_RERUN))
		return fpq_error(-EINVAL, "context: unknown flags 0x%x", o.flags);
	if ((o.flags & FPQ_CTX_FAULT_REPORT) && (o.flags & FPQ_CTX_FAULT_RERUN))
		return fpq_error(-EINVAL, "context: FPQ_CTX_FAULT_REPORT and FPQ_CTX_FAULT_RERUN "
				 "exclude each other");
	if (want == FPQ_BACKEND_AUTO && (err = backend_from_env(&want)))
		return err;
	if ((unsigned int)want > FPQ_BACKEND_REFERENCE)
		return fpq_error(-EINVAL, "context: unknown backend %d", (int)want);

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return fpq_error(-ENOMEM, "context: out of memory");
	ctx->flags = o.flags | (strict_from_env() ? FPQ_CTX_STRICT : 0);
	ctx->num_threads = o.num_threads ? o.num_threads : threads_from_env();
	ctx->on_card_fault = o.flags & FPQ_CTX_FAULT_REPORT ? FPQ_FAULT_REPORT :
			     o.flags & FPQ_CTX_FAULT_RERUN ? FPQ_FAULT_RERUN : FPQ_FAULT_CPU;
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

enum fpq_fault_policy fpq_context_fault_policy(const struct fpq_context *ctx)
{
	return ctx->flags & FPQ_CTX_STRICT ? FPQ_FAULT_REPORT : ctx->on_card_fault;
}

/* Run the operations on the context's backend again, as one job when it has jobs. */
static int run_on_backend(struct fpq_context *ctx, const struct fpq_gemm_op *ops,
			  unsigned int n_ops, struct fpq_gemm_status *st)
{
	void *handle;
	int err = 0;

	if (!ctx->ops->job_start) {
		for (unsigned int i = 0; i < n_ops && !err; i++)
			err = ctx->ops->run(ctx, &ops[i], &st[i]);
		return err;
	}
	err = ctx->ops->job_start(ctx, ops, n_ops, &handle);
	return err ? err : ctx->ops->job_finish(ctx, handle, -1, st);
}

/* The operation a card fault was counted on (card_job.c), or n_ops. */
static unsigned int faulted_op(const struct fpq_gemm_status *st, unsigned int n_ops)
{
	unsigned int i = 0;

	while (i < n_ops && !st[i].card_faults)
		i++;
	return i;
}

int fpq_context_recover(struct fpq_context *ctx, const struct fpq_gemm_op *card_ops,
			const struct fpq_gemm_op *cpu_ops, unsigned int n_ops,
			struct fpq_gemm_status *st, int err)
{
	struct fpq_gemm_status fault = { 0 };
	unsigned int at;

	if (!err || !fpq_context_may_fall_back(ctx, err))
		return err;
	if (!fpq_is_card_fault(err))
		return fpq_context_run_on_cpu(ctx, cpu_ops, n_ops, st, err);
	at = faulted_op(st, n_ops);
	if (at == n_ops)
		at = 0;
	fault.card_faults = st[at].card_faults ? st[at].card_faults : 1;
	fault.checksum_errors = st[at].checksum_errors;
	switch (ctx->on_card_fault) {
	case FPQ_FAULT_REPORT:
		return err;
	case FPQ_FAULT_RERUN:
		memset(st, 0, sizeof(*st) * n_ops);
		err = run_on_backend(ctx, card_ops, n_ops, st);
		if (err)
			return err;	/* failed again: its own message stands */
		fault.card_reruns = 1;
		break;
	default:
		err = fpq_context_run_on_cpu(ctx, cpu_ops, n_ops, st, err);
		if (err)
			return err;
		break;
	}
	st[at].card_faults += fault.card_faults;
	st[at].checksum_errors += fault.checksum_errors;
	st[at].card_reruns += fault.card_reruns;
	return 0;
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
int fpq_context_run_on_cpu(struct fpq_context *ctx, const struct fpq_gemm_op *ops,
			   unsigned int n_ops, struct fpq_gemm_status *st, int why)
{
	int err = 0;

	fpq_context_note_fallback(ctx, n_ops, why);
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
void fpq_context_weights_as_matrix(const struct fpq_backend_ops *ops, struct fpq_gemm_op *op)
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
	fpq_context_weights_as_matrix(ctx->ops, &for_backend);
	err = ctx->ops->run(ctx, &for_backend, &st);
	err = fpq_context_recover(ctx, &for_backend, op, 1, &st, err);
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

static FPQ_FP_WORK void context_destroy(struct fpq_context *ctx)
{
	if (!ctx)
		return;
	fpq_context_finish_jobs(ctx);
	fpq_context_free_buffers(ctx);
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
