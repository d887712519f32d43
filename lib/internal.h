/* SPDX-License-Identifier: MIT */
/*
 * internal.h - what libfpq's source files share and applications do not see.
 */
#ifndef FPQ_INTERNAL_H
#define FPQ_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "fpq.h"
/*
 * The floating-point environment libfpq computes in (fp_env.h): every public entry
 * point that computes brackets its work with fpq_fp_enter()/fpq_fp_leave(), and so does
 * every worker task. Layers built on libfpq that do their own binary32 arithmetic (the
 * model runner) use the same pair around it, so the caller's rounding mode, FTZ or DAZ
 * change none of their results either. Public functions that compute nothing in
 * floating point (format facts, matrix descriptors and codes, fpq_e8m0_exponent,
 * fpq_gemm_op_init, contexts, buffers) do not need it.
 */
#include "fp_env.h"

#define FPQ_CANONICAL_NAN_BITS 0x7FC00000u

/* ---- errors (error.c) ---- */

/* Record @err with a printf-style detail for fpq_strerror() and return @err. */
int fpq_error(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * A card fault: a job that ran on the card and failed there (an error the card
 * reported, a hang the driver's timeout ended, an address fault), as opposed to an
 * operation the card declined or could not take. The context's fault policy applies.
 */
static inline bool fpq_is_card_fault(int err)
{
	return err == -EIO || err == -ETIMEDOUT || err == -EFAULT;
}

/* ---- exact element values (codec.c) ---- */

/*
 * An element decoded as an exact fixed-point number: value = sig * 2^lsb_exp, where
 * lsb_exp is fixed per format (fpq_elem_lsb_exp()), so products and sums of a format
 * pair are plain integer arithmetic.
 */
enum fpq_elem_class { FPQ_ELEM_FINITE, FPQ_ELEM_INF, FPQ_ELEM_NAN };

struct fpq_elem {
	enum fpq_elem_class cls;
	int negative;     /* sign of an Inf (finite values carry it in sig) */
	int64_t sig;      /* signed integer significand of a finite value */
};

int fpq_elem_lsb_exp(enum fpq_format fmt);
struct fpq_elem fpq_elem_decode(enum fpq_format fmt, uint32_t code);

/*
 * Round v (any double holding at most 53 significant bits, e.g. a binary32 value times
 * a power of two) to @fmt, with the saturation and NaN policy of fpq_encode().
 */
uint32_t fpq_encode_double(enum fpq_format fmt, double v, unsigned int flags,
			   struct fpq_quant_stats *stats);

/* ---- exact rounding to binary32 (round.c) ---- */

/* RNE_fp32(s * 2^exp) with gradual underflow and overflow to Inf, one rounding. */
float fpq_round_fp32(__int128 s, int exp);
/* RNE_fp32(acc * scale) for an int32 acc and any binary32 scale, one rounding. */
float fpq_mul_i32_f32(int32_t acc, float scale);
/* NaN becomes the canonical quiet NaN; everything else passes unchanged. */
float fpq_canonical(float v);

/* ---- MX blocks (quantize.c) ---- */

/*
 * Quantize @n (<= 32) values as one MX block of @fmt: the scale code goes to *scale,
 * element codes to codes[]. amax is taken over the non-NaN values; an infinite amax
 * gives the largest scale (2^127).
 */
void fpq_mx_quantize_block(enum fpq_format fmt, const float *vals, unsigned int n,
			   unsigned int flags, struct fpq_quant_stats *stats,
			   uint8_t *scale, uint32_t *codes);

/* ---- INT8 path (ref/requant.c) ---- */

/* TFLite MultiplyByQuantizedMultiplier(): shift > 0 shifts left (saturating). */
int32_t fpq_requant_multiply(int32_t x, int32_t mult, int shift);
/*
 * ONNX Runtime's requantization (FPQ_GEMM_REQUANT_FP32) before the zero point is added:
 * rne(clamp(fp32(fp32(acc) * scale), lo, hi)) with lo = act_min - out_zero and
 * hi = act_max - out_zero. A NaN product gives lo. Products outside [lo, hi] and NaNs
 * add one to *clamped.
 */
int32_t fpq_requant_fp32(int32_t acc, float scale, int32_t lo, int32_t hi, uint64_t *clamped);

/* ---- matrices (matrix.c) ---- */

/* Byte address of the scale of block @blk of row @r. */
uint8_t fpq_matrix_scale(const struct fpq_matrix *m, uint32_t r, uint32_t blk);
/* Bytes spanned by data (validated matrix). */
size_t fpq_matrix_extent(const struct fpq_matrix *m);
/* Effective stride: m->stride or the packed row size. */
size_t fpq_matrix_stride(const struct fpq_matrix *m);

/* ---- GEMM paths ---- */

enum fpq_gemm_path { FPQ_PATH_INT8, FPQ_PATH_FLOAT };

enum fpq_gemm_path fpq_gemm_path_of(const struct fpq_gemm_op *op);
/* Float epilogue for one output row: acc[] holds N binary32 accumulators. */
void fpq_epilogue_float_row(const struct fpq_gemm_op *op, uint32_t row, const float *acc,
			    struct fpq_gemm_status *st);
/* INT8 epilogue for one output row: acc[] holds N int32 accumulators. */
void fpq_epilogue_int8_row(const struct fpq_gemm_op *op, uint32_t row, const int32_t *acc,
			   struct fpq_gemm_status *st);

/* ---- backends (context.c and backend_*.c) ---- */

/*
 * A backend runs validated operations. Errors that mean "not on this backend" are
 * -ENOTSUP (something the card was not built for, or beyond its limits); device
 * failures are -EIO, -ETIMEDOUT, -EFAULT or -ENODEV. Either lets a non-strict context
 * run the operations on the CPU instead.
 */
struct fpq_backend_ops {
	enum fpq_backend id;
	/* Set up ctx's private state (fpq_context_priv); NULL if there is none. */
	int (*open)(struct fpq_context *ctx);
	void (*close)(struct fpq_context *ctx);
	/* Run one operation synchronously. */
	int (*run)(struct fpq_context *ctx, const struct fpq_gemm_op *op,
		   struct fpq_gemm_status *st);
	/*
	 * Optional asynchronous jobs: start returns once the job is queued on the device;
	 * finish waits up to timeout_ns (negative: forever). It returns 1 if the job is
	 * still running (call it again later); otherwise it fills st[], releases the handle
	 * and returns 0 or the job's error (which may itself be -ETIMEDOUT: the device's
	 * timeout ended the job).
	 */
	int (*job_start)(struct fpq_context *ctx, const struct fpq_gemm_op *ops,
			 unsigned int n_ops, void **handle);
	int (*job_finish)(struct fpq_context *ctx, void *handle, int64_t timeout_ns,
			  struct fpq_gemm_status *st);
	/* Buffers: NULL means plain process memory. */
	int (*buffer_alloc)(struct fpq_context *ctx, struct fpq_buffer *buf, size_t size);
	int (*buffer_import)(struct fpq_context *ctx, struct fpq_buffer *buf, int fd);
	int (*buffer_export)(struct fpq_buffer *buf, int *fd);
	void (*buffer_free)(struct fpq_buffer *buf);
	int (*device_info)(const struct fpq_context *ctx, struct fpq_device_info *info);
	/* Optional: put pre-packed weights into the backend's form (w->priv). */
	int (*pack_weights)(struct fpq_context *ctx, struct fpq_weights *w);
	void (*free_weights)(struct fpq_weights *w);
};

extern const struct fpq_backend_ops fpq_backend_cpu;
extern const struct fpq_backend_ops fpq_backend_reference;
extern const struct fpq_backend_ops fpq_backend_card;

struct fpq_buffer {
	struct fpq_context *ctx;
	void *data;
	size_t size;
	uint32_t handle;        /* device buffer object, 0 for process memory */
	struct fpq_buffer *next, *prev;
};

void *fpq_context_priv(const struct fpq_context *ctx);
void fpq_context_set_priv(struct fpq_context *ctx, void *priv);
const struct fpq_backend_ops *fpq_context_ops(const struct fpq_context *ctx);

/*
 * The CPU backend's state of a context (kernel set, worker threads, buffers). Any
 * context may run operations on the CPU (card contexts fall back to it), so this is
 * not the backend's private pointer: backend_cpu.c creates it on first use (or when a
 * "cpu" context opens) and fpq_cpu_state_free() releases it with the context.
 */
void **fpq_context_cpu_slot(struct fpq_context *ctx);
void fpq_cpu_state_free(void *state);

/*
 * Work of libfpq's own CPU code (the model layer's operators) on the context's CPU
 * worker threads: fn(arg, task, worker) for task 0..ntasks-1, worker < the count
 * fpq_cpu_workers() gives; returns when all are done. One parallel run or CPU
 * operation at a time per context. fn brackets its float work with fp_env.h itself.
 */
int fpq_cpu_parallel(struct fpq_context *ctx,
		     void (*fn)(void *arg, uint32_t task, unsigned int worker), void *arg,
		     uint32_t ntasks);
/* How many workers fpq_cpu_parallel() may use (0 if the CPU state cannot be made). */
unsigned int fpq_cpu_workers(struct fpq_context *ctx);

/*
 * Pre-packed weights (weights.c): a private copy of B in its own storage format (so any
 * backend, and the reference, can always read the elements), and the packed form of
 * the backend that made it.
 */
struct fpq_weights {
	const struct fpq_backend_ops *owner;
	struct fpq_matrix b;          /* copy: rows back to back, scales back to back */
	void *priv;                   /* owner's packed form, or NULL */
};

static inline const struct fpq_matrix *fpq_weights_matrix(const struct fpq_weights *w)
{
	return &w->b;
}

struct cpu_bpack;
/* The CPU backend's packing of w (struct cpu_bpack), when the CPU backend made it. */
const struct cpu_bpack *fpq_weights_cpu_pack(const struct fpq_weights *w);
/*
 * The buffer of ctx that holds [p, p + len), or NULL. Callers hold no lock: buffers
 * must not be freed while a job that uses them is being submitted.
 */
struct fpq_buffer *fpq_context_find_buffer(struct fpq_context *ctx, const void *p,
					   size_t len);

#endif /* FPQ_INTERNAL_H */
