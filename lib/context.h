/* SPDX-License-Identifier: MIT */
/*
 * context.h - what a context is, for the three files that make one up: context.c (the
 * backend choice, synchronous operations and the CPU fallback), job.c (asynchronous jobs
 * and the worker thread) and buffer.c (memory the backend reaches directly).
 */
#ifndef FPQ_CONTEXT_H
#define FPQ_CONTEXT_H

#include <pthread.h>

#include "internal.h"

struct fpq_context {
	const struct fpq_backend_ops *ops;
	void *priv;
	void *cpu_state;                 /* see fpq_context_cpu_slot() */
	unsigned int flags;
	unsigned int num_threads;
	enum fpq_fault_policy on_card_fault;

	pthread_mutex_t lock;            /* queue, buffers, fallback stats */
	pthread_cond_t work_cond;
	struct fpq_job *head, *tail;     /* the worker's queue (job.c) */
	bool worker_started, stopping;
	pthread_t worker;
	struct fpq_job *device_jobs;     /* started on the device, not yet finished */
	struct fpq_buffer *buffers;
	struct fpq_fallback_stats fallback;
};

/* context.c: the CPU runs what the card could not. */
bool fpq_context_may_fall_back(const struct fpq_context *ctx, int err);
void fpq_context_note_fallback(struct fpq_context *ctx, unsigned int n_ops, int err);
int fpq_context_run_on_cpu(struct fpq_context *ctx, const struct fpq_gemm_op *ops,
			   unsigned int n_ops, struct fpq_gemm_status *st, int why);
/*
 * context.c: after the context's backend failed @card_ops with @err: fall back, re-run
 * or report as the context says; @cpu_ops are the same operations for the CPU.
 */
int fpq_context_recover(struct fpq_context *ctx, const struct fpq_gemm_op *card_ops,
			const struct fpq_gemm_op *cpu_ops, unsigned int n_ops,
			struct fpq_gemm_status *st, int err);
void fpq_context_weights_as_matrix(const struct fpq_backend_ops *ops, struct fpq_gemm_op *op);

/* job.c: stop the worker after it drained its queue, then finish every device job. */
void fpq_context_finish_jobs(struct fpq_context *ctx);
/* buffer.c: free every buffer still open. */
void fpq_context_free_buffers(struct fpq_context *ctx);

#endif /* FPQ_CONTEXT_H */
