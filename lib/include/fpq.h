/* SPDX-License-Identifier: MIT */
/*
 * fpq.h - the public interface of libfpq, the finite-precision (6/8-bit) inference
 * library of the fpq accelerator.
 *
 * Conventions (as in libdrm and liburing): functions return 0 or a negative errno;
 * fpq_strerror() turns an error into text, with the detail of the last failure on the
 * calling thread when there is one. Objects are opaque and have create/destroy pairs.
 * Arithmetic follows Documentation/numerics.rst bit for bit on every backend.
 */
#ifndef FPQ_H
#define FPQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FPQ_VERSION_MAJOR 0
#define FPQ_VERSION_MINOR 1

/** Largest K of the INT8 path: keeps the int32 sum of products itself exact. */
#define FPQ_INT8_MAX_K 65536u
/** MX block size: one E8M0 scale per 32 consecutive elements along K. */
#define FPQ_MX_BLOCK 32u

/**
 * enum fpq_format - element formats. Values are stable (they are also the format codes
 * of the card's UAPI). 0 is invalid so that a zeroed descriptor is rejected.
 */
enum fpq_format {
	FPQ_FMT_INVALID = 0,
	FPQ_FMT_INT8 = 1,   /* two's complement; INT8 GEMM path, or a narrow output */
	FPQ_FMT_E4M3 = 2,   /* OCP FP8, no Inf, NaN = S.1111.111 */
	FPQ_FMT_E5M2 = 3,   /* OCP FP8, IEEE-like Inf/NaN */
	FPQ_FMT_E3M2 = 4,   /* OCP FP6, packed 4 in 3 bytes */
	FPQ_FMT_E2M3 = 5,   /* OCP FP6, packed 4 in 3 bytes */
	FPQ_FMT_E2M1 = 6,   /* OCP FP4, packed 2 per byte */
	FPQ_FMT_MXINT8 = 7, /* int8 read as int8 * 2^-6 (MX element) */
	FPQ_FMT_E8M0 = 8,   /* scale: 2^(e-127), 0xFF = NaN */
	FPQ_FMT_INT32 = 9,  /* output of the INT8 path */
	FPQ_FMT_FP32 = 10,  /* IEEE binary32 */
	FPQ_FMT_BF16 = 11,  /* bfloat16 (output only) */
	FPQ_FMT_COUNT
};

/**
 * struct fpq_format_info - static facts about a format.
 * @name: short name ("e4m3").
 * @bits: storage bits per element.
 * @group_elems: elements per packing group (4 for 6-bit, 2 for 4-bit, else 1).
 * @group_bytes: bytes per packing group (3 for 6-bit, else 1 or the element size).
 * @exp_bits: exponent bits (0 for integers).
 * @man_bits: mantissa bits (fraction bits for floats; value bits for integers).
 * @bias: exponent bias.
 * @max_finite: largest finite value.
 * @has_inf: the format encodes infinities.
 * @has_nan: the format encodes NaN.
 * @mx_emax: emax_elem of the MX scale rule (largest binade exponent).
 * @is_element: usable as a GEMM operand (A or B).
 */
struct fpq_format_info {
	const char *name;
	unsigned int bits;
	unsigned int group_elems;
	unsigned int group_bytes;
	int exp_bits;
	int man_bits;
	int bias;
	float max_finite;
	bool has_inf;
	bool has_nan;
	int mx_emax;
	bool is_element;
};

/** fpq_format_info() - facts about @fmt, or NULL when @fmt is not a format. */
const struct fpq_format_info *fpq_format_info(enum fpq_format fmt);
/** fpq_format_name() - "e4m3" etc., or "invalid". */
const char *fpq_format_name(enum fpq_format fmt);
/** fpq_format_from_name() - inverse of fpq_format_name(); FPQ_FMT_INVALID if unknown. */
enum fpq_format fpq_format_from_name(const char *name);

/* ---- errors ---------------------------------------------------------------------- */

/**
 * fpq_strerror() - text for a negative errno returned by libfpq. When @err is the error
 * of the last failed libfpq call on this thread, the text says what exactly was wrong
 * ("gemm: A: row stride 4 splits a 6-bit packing group of 3 bytes").
 */
const char *fpq_strerror(int err);

/* ---- scalar codecs --------------------------------------------------------------- */

/** Quantization flags. */
enum {
	/* Overflow gives Inf (E5M2) or NaN (E4M3) instead of +-max. Formats that have
	 * neither saturate anyway. */
	FPQ_QUANT_NONSAT = 1u << 0,
};

/**
 * struct fpq_quant_stats - what a conversion to a narrow format had to change.
 * @nan_to_zero: NaN inputs written as +0 because the format has no NaN.
 * @saturated: values (finite or infinite) written as +-max_finite.
 * @overflowed: with FPQ_QUANT_NONSAT, values that became Inf or NaN by overflow.
 */
struct fpq_quant_stats {
	uint64_t nan_to_zero;
	uint64_t saturated;
	uint64_t overflowed;
};

/**
 * fpq_decode() - value of one element code (low bits of @code). NaN is returned as the
 * canonical quiet NaN 0x7FC00000. Returns NaN for non-element formats.
 */
float fpq_decode(enum fpq_format fmt, uint32_t code);

/**
 * fpq_encode() - round @v to @fmt (RNE) and return its code. Saturating unless @flags
 * has FPQ_QUANT_NONSAT. @stats (may be NULL) accumulates what was changed.
 */
uint32_t fpq_encode(enum fpq_format fmt, float v, unsigned int flags,
		    struct fpq_quant_stats *stats);

/** fpq_e8m0_exponent() - the power of two of an E8M0 scale, code - 127; the NaN code
 * 0xFF gives INT32_MIN. */
int32_t fpq_e8m0_exponent(uint8_t code);

/** fpq_bf16_from_fp32() - RNE to bfloat16; NaN gives 0x7FC0. */
uint16_t fpq_bf16_from_fp32(float v);
/** fpq_bf16_to_fp32() - exact widening. */
float fpq_bf16_to_fp32(uint16_t v);

/* ---- matrices -------------------------------------------------------------------- */

/**
 * struct fpq_matrix - a row-major matrix in memory.
 * @format: element format.
 * @rows: number of rows (M for A and C, N for B).
 * @cols: number of columns (K for A and B, N for C).
 * @stride: bytes from one row to the next; 0 means rows are packed back to back
 *	(fpq_row_bytes()). 6-bit rows must start on 3-byte packing groups.
 * @data: the elements.
 * @scales: E8M0 block scales, @rows x (@cols / 32), or NULL for none (every scale 127).
 *	Giving scales makes the matrix MX-blocked along its columns.
 * @scale_stride: bytes from one row of scales to the next; 0 means cols / 32.
 * @zero_point: INT8 A operand only: the activation zero point, -128..127.
 */
struct fpq_matrix {
	enum fpq_format format;
	uint32_t rows;
	uint32_t cols;
	size_t stride;
	void *data;
	uint8_t *scales;
	size_t scale_stride;
	int32_t zero_point;
};

/** fpq_row_bytes() - bytes that @cols elements of @fmt occupy (whole packing groups);
 * 0 for an invalid format or an overflowing size. */
size_t fpq_row_bytes(enum fpq_format fmt, uint32_t cols);

/**
 * fpq_matrix_validate() - check a descriptor: format, shape, stride, pointers, scale
 * shape; and that the extent in bytes does not overflow.
 * @m: the matrix.
 * @data_bytes: if not NULL, receives the bytes spanned by @m->data.
 * Return: 0, or -EINVAL / -EOVERFLOW / -EFAULT with a detail for fpq_strerror().
 */
int fpq_matrix_validate(const struct fpq_matrix *m, size_t *data_bytes);

/** fpq_matrix_get() - code of element (@r, @c), no bounds checks beyond asserts. */
uint32_t fpq_matrix_get(const struct fpq_matrix *m, uint32_t r, uint32_t c);
/** fpq_matrix_set() - store a code at (@r, @c), keeping the neighbours in its group. */
void fpq_matrix_set(const struct fpq_matrix *m, uint32_t r, uint32_t c, uint32_t code);

/**
 * fpq_quantize() - quantize a binary32 matrix into @dst.
 * @src: @dst->rows x @dst->cols floats, row i at @src + i * @src_stride (in floats).
 * @src_stride: floats between rows (>= cols).
 * @dst: destination; if @dst->scales is set the conversion is MX block quantization:
 *	one E8M0 scale per 32 columns, computed from the block's largest magnitude.
 * @flags: FPQ_QUANT_* flags.
 * @stats: may be NULL; receives (not accumulates) the counts.
 */
int fpq_quantize(const float *src, size_t src_stride, const struct fpq_matrix *dst,
		 unsigned int flags, struct fpq_quant_stats *stats);

/**
 * fpq_dequantize() - binary32 values of @src (scales applied) into @dst, row i at
 * @dst + i * @dst_stride. Each value is rounded once (only scaled-down subnormals round).
 */
int fpq_dequantize(const struct fpq_matrix *src, float *dst, size_t dst_stride);

/* ---- GEMM ------------------------------------------------------------------------ */

/** enum fpq_activation - float epilogue activation. */
enum fpq_activation {
	FPQ_ACT_NONE = 0,
	FPQ_ACT_RELU = 1,
	FPQ_ACT_CLAMP = 2,
};

/** GEMM operation flags. */
enum {
	FPQ_GEMM_ALPHA_BROADCAST = 1u << 0,   /* alpha points to one value for all N */
	FPQ_GEMM_BETA_BROADCAST = 1u << 1,    /* beta points to one value */
	FPQ_GEMM_REQUANT_BROADCAST = 1u << 2, /* requant_mult/shift hold one value */
	FPQ_GEMM_SCALE_BROADCAST = 1u << 3,   /* out_scale holds one value */
	FPQ_GEMM_QUANT_NONSAT = 1u << 4,      /* narrow output: non-saturating */
	/* INT8 path, int8 output: ONNX Runtime's binary32 requantization instead of
	 * TFLite's fixed-point one (see struct fpq_gemm_op, @out_scale) */
	FPQ_GEMM_REQUANT_FP32 = 1u << 5,
	FPQ_GEMM_FLAGS_ALL = (1u << 6) - 1,
};

/**
 * struct fpq_gemm_op - one GEMM: C[M x N] = epilogue(A[M x K] * B[N x K]^T).
 *
 * The formats pick the path. INT8 x INT8 is the integer path; the formats E4M3, E5M2,
 * E3M2, E2M3, E2M1 and MXINT8 may be mixed freely between A and B (the float/MX path).
 *
 * @a: activations, M x K. INT8 may carry a zero point.
 * @b: weights, N x K (each output channel's K values contiguous).
 * @c: output, M x N. Its format selects the output:
 *	INT8 path: FPQ_FMT_INT32 (raw), FPQ_FMT_INT8 (requantized), FPQ_FMT_FP32 (scaled);
 *	float path: FPQ_FMT_FP32, FPQ_FMT_BF16 or a narrow element format (with @c.scales:
 *	MX-blocked along N, N % 32 == 0).
 * @flags: FPQ_GEMM_* flags.
 * @alpha: float path: per-channel (N) multiplier, or NULL for 1.0.
 * @beta: float path: per-channel (N) addend, or NULL for 0.0.
 * @act: float path activation.
 * @clamp_lo: lower bound for FPQ_ACT_CLAMP.
 * @clamp_hi: upper bound for FPQ_ACT_CLAMP.
 * @bias: INT8 path: per-channel int32 bias, or NULL.
 * @requant_mult: INT8 output: per-channel fixed-point multiplier (Q31). Not read with
 *	FPQ_GEMM_REQUANT_FP32 (may be NULL).
 * @requant_shift: INT8 output: per-channel shift, positive = left, -31..30. Not read
 *	with FPQ_GEMM_REQUANT_FP32 (may be NULL).
 * @out_zero: INT8 output zero point.
 * @act_min: INT8 output lower clamp (-128..127).
 * @act_max: INT8 output upper clamp (act_min..127).
 * @out_scale: INT8 path: per-channel (N) scale of FP32 output, and of INT8 output with
 *	FPQ_GEMM_REQUANT_FP32 (one value with FPQ_GEMM_SCALE_BROADCAST).
 *
 * INT8 output has two requantization modes. The default is TFLite's (gemmlowp):
 * ``clamp(out_zero + MultiplyByQuantizedMultiplier(acc, requant_mult[j],
 * requant_shift[j]), act_min, act_max)``. With FPQ_GEMM_REQUANT_FP32 it is ONNX
 * Runtime's (MLAS MlasRequantizeOutput on x86), bit for bit:
 * ``y = rne(clamp(fp32(fp32(acc) * out_scale[j]), act_min - out_zero,
 * act_max - out_zero)) + out_zero``, where acc is the exact int32 accumulator (bias and
 * A's zero point included), fp32() rounds to binary32 (nearest, ties to even), the clamp
 * is done in binary32 and rne() rounds to the nearest integer, ties to even. A NaN
 * product gives act_min, an infinite one act_min or act_max (as MLAS's MAXPS/MINPS
 * clamp does). Products outside the clamp range, and NaNs, count in
 * fpq_gemm_status.clamped. Any out_scale is accepted, including NaN, Inf and zero.
 * @b_packed: NULL, or weights pre-packed from B with fpq_weights_pack(). They must have
 *	been packed from a matrix of @b's format and shape, with scales exactly when @b
 *	has them (checked); the packed copy is then used and @b.data and @b.scales are
 *	not read (they may be NULL).
 */
struct fpq_gemm_op {
	struct fpq_matrix a;
	struct fpq_matrix b;
	struct fpq_matrix c;
	unsigned int flags;

	const float *alpha;
	const float *beta;
	enum fpq_activation act;
	float clamp_lo;
	float clamp_hi;

	const int32_t *bias;
	const int32_t *requant_mult;
	const int8_t *requant_shift;
	int32_t out_zero;
	int32_t act_min;
	int32_t act_max;
	const float *out_scale;

	const struct fpq_weights *b_packed;
};

/** fpq_gemm_op_init() - zero @op and set the defaults (INT8 clamps -128..127,
 * clamp bounds -Inf..+Inf). */
void fpq_gemm_op_init(struct fpq_gemm_op *op);

/**
 * struct fpq_gemm_status - what one operation reports.
 * @clamped: values changed by the activation clamp (ReLU, clamp, act_min/act_max).
 * @saturated: narrow-output values saturated to +-max.
 * @nan_to_zero: narrow-output NaNs written as 0 (formats without NaN).
 * @overflowed: narrow-output overflows to Inf/NaN (FPQ_GEMM_QUANT_NONSAT).
 * @device_cycles: card cycles spent (0 on the CPU).
 * @backend: the backend that ran it (enum fpq_backend): after a card fault that the
 *	context recovered from, the one that produced the result.
 * @card_faults: runs of this operation's card job that failed on the card (an error
 *	the card reported, a hang, an address fault) before the result was produced.
 * @checksum_errors: of @card_faults, checksum mismatches (the card's ABFT check found
 *	a wrong result: Documentation/driver.rst).
 * @card_reruns: times the job ran again on the card after a fault
 *	(FPQ_FAULT_RERUN).
 */
struct fpq_gemm_status {
	uint64_t clamped;
	uint64_t saturated;
	uint64_t nan_to_zero;
	uint64_t overflowed;
	uint64_t device_cycles;
	int backend;
	uint32_t card_faults;
	uint32_t checksum_errors;
	uint32_t card_reruns;
};

/**
 * fpq_gemm_validate() - check an operation without running it: descriptors, shapes
 * agree, format pair and output mode supported, per-channel arrays present, limits.
 * FPQ_GEMM_REQUANT_FP32 (ONNX Runtime's requantization) is accepted only on an INT8 x
 * INT8 operation with int8 output and an out_scale array.
 */
int fpq_gemm_validate(const struct fpq_gemm_op *op);

/**
 * fpq_gemm_reference() - the reference implementation of numerics.rst, written for
 * clarity. Needs no context. @status may be NULL.
 */
int fpq_gemm_reference(const struct fpq_gemm_op *op, struct fpq_gemm_status *status);

/* ---- contexts, backends, jobs ---------------------------------------------------- */

/** enum fpq_backend - where operations run. */
enum fpq_backend {
	FPQ_BACKEND_AUTO = 0, /* the card if one is present, else the CPU */
	FPQ_BACKEND_CPU = 1,
	FPQ_BACKEND_CARD = 2,
	FPQ_BACKEND_REFERENCE = 3, /* the reference code: slow, for checking */
};

/** Context flags. */
enum {
	/* Never fall back to the CPU: a card error is returned to the caller. */
	FPQ_CTX_STRICT = 1u << 0,
	/* On a card fault, return the error (FPQ_FAULT_REPORT). */
	FPQ_CTX_FAULT_REPORT = 1u << 1,
	/* On a card fault, run the job on the card once more (FPQ_FAULT_RERUN). */
	FPQ_CTX_FAULT_RERUN = 1u << 2,
};

/**
 * enum fpq_fault_policy - what a non-strict card context does when a job fails on the
 * card (a card fault: -EIO, for instance a checksum mismatch; -ETIMEDOUT; -EFAULT),
 * chosen with the context flags FPQ_CTX_FAULT_REPORT and FPQ_CTX_FAULT_RERUN (neither:
 * FPQ_FAULT_CPU). Operations the card declines (-ENOTSUP and the like) run on the CPU
 * whatever the policy; a strict context (FPQ_CTX_STRICT) always reports.
 * @FPQ_FAULT_CPU: run the job on the CPU (bit-exact with the card); the default.
 * @FPQ_FAULT_REPORT: return the card's error.
 * @FPQ_FAULT_RERUN: run the job on the card once more; if that fails too, return its
 *	error (a fault that stays, such as a stuck processing element, fails again).
 */
enum fpq_fault_policy {
	FPQ_FAULT_CPU = 0,
	FPQ_FAULT_REPORT = 1,
	FPQ_FAULT_RERUN = 2,
};

/**
 * struct fpq_context_opts - how to open a context.
 * @backend: FPQ_BACKEND_*; AUTO also honours the FPQ_DEVICE environment variable
 *	(auto, card, cpu, ref).
 * @flags: FPQ_CTX_* flags.
 * @num_threads: CPU worker threads; 0 = FPQ_NUM_THREADS or the number of CPUs. The
 *	results do not depend on it.
 */
struct fpq_context_opts {
	enum fpq_backend backend;
	unsigned int flags;
	unsigned int num_threads;
};


struct fpq_context;
struct fpq_job;
struct fpq_weights;

/** fpq_context_create() - open a context; @opts may be NULL for the defaults. */
int fpq_context_create(const struct fpq_context_opts *opts, struct fpq_context **ctx);
/**
 * fpq_context_destroy() - finish every outstanding job, then free the context. Jobs
 * not yet freed stay valid: fpq_job_wait() returns their result at once and
 * fpq_job_free() releases them. NULL is a no-op.
 */
void fpq_context_destroy(struct fpq_context *ctx);
/** fpq_context_backend() - the backend the context uses. */
enum fpq_backend fpq_context_backend(const struct fpq_context *ctx);
/** fpq_context_fallback() - why an AUTO context is not on the card, or NULL. */
const char *fpq_context_fallback(const struct fpq_context *ctx);
/** fpq_context_threads() - CPU worker threads asked for (0: one per CPU). */
unsigned int fpq_context_threads(const struct fpq_context *ctx);
/**
 * fpq_context_fault_policy() - the context's enum fpq_fault_policy (FPQ_FAULT_REPORT
 * for a strict context).
 */
enum fpq_fault_policy fpq_context_fault_policy(const struct fpq_context *ctx);
/** fpq_backend_name() - "cpu", "card", "reference" or "auto". */
const char *fpq_backend_name(enum fpq_backend backend);
/**
 * fpq_context_cpu_isa() - the CPU kernel set a "cpu" context runs: "avx512", "avxvnni",
 * "avx2" or "scalar" (the best the CPU supports, or the one the FPQ_CPU_ISA environment
 * variable named when the context was created); NULL for other backends.
 */
const char *fpq_context_cpu_isa(const struct fpq_context *ctx);

/* ---- pre-packed weights ---------------------------------------------------------- */

/**
 * fpq_weights_pack() - decode and lay out a weight matrix once, for the backend of
 * @ctx, so that operations using it (fpq_gemm_op.b_packed) skip that work. Worth it
 * whenever the same B serves more than one call, and essential for latency-bound
 * inference (small M), where packing B would cost as much as the product.
 * @ctx: the context whose backend will use the weights (they also work, unpacked
 *	again per call, on other contexts and with fpq_gemm_reference()).
 * @b: the weight matrix, N x K, any operand format (INT8 or a float/MX format), with or
 *	without scales. The object keeps its own copy: @b may be freed afterwards.
 * @out: receives the weights.
 * Return: 0, or -EINVAL / -EFAULT / -ENOMEM.
 */
int fpq_weights_pack(struct fpq_context *ctx, const struct fpq_matrix *b,
		     struct fpq_weights **out);

/**
 * fpq_weights_free() - free weights from fpq_weights_pack(). No job using them may be
 * running. NULL is a no-op.
 */
void fpq_weights_free(struct fpq_weights *w);

/**
 * struct fpq_device_info - what the card of a context reports (fpq_context_device_info()).
 * @node: the device node ("/dev/accel/accel0" or "/dev/dri/renderD128").
 * @driver_version: (major << 32) | (minor << 16) | patch of fpq.ko's interface.
 * @pci_id: (vendor << 16) | device.
 * @hw_id: the card's identity register.
 * @hw_version: the card's contract version ((major << 16) | minor).
 * @array_rows: rows of the systolic array.
 * @array_cols: columns of the systolic array.
 * @input_formats: bit (1 << f) for every enum fpq_format the card takes as A or B.
 * @output_formats: bit (1 << f) for every format it can write as C.
 * @features: DRM_FPQ_FEATURE_* bits (uapi/fpq_drm.h).
 * @max_m: largest M of one operation.
 * @max_n: largest N of one operation.
 * @max_k: largest K of one operation.
 * @max_ops: largest number of operations in one device job.
 * @max_buffer: largest device buffer in bytes.
 * @offset_align: alignment of operand offsets and strides on the device.
 * @job_timeout_ms: time a job may run before the driver resets the card.
 */
struct fpq_device_info {
	char node[64];
	uint64_t driver_version;
	uint64_t pci_id;
	uint64_t hw_id;
	uint64_t hw_version;
	uint32_t array_rows;
	uint32_t array_cols;
	uint64_t input_formats;
	uint64_t output_formats;
	uint64_t features;
	uint32_t max_m;
	uint32_t max_n;
	uint32_t max_k;
	uint32_t max_ops;
	uint64_t max_buffer;
	uint32_t offset_align;
	uint32_t job_timeout_ms;
};

/**
 * fpq_devices() - every fpq card on this machine.
 * @infos: room for @max entries (may be NULL when @max is 0).
 * @max: entries at @infos.
 * @count: receives the number of cards found (which may exceed @max).
 *
 * Cards that exist but cannot be opened (permissions) are not counted; the return value
 * says so when no card could be opened for that reason (-EACCES).
 */
int fpq_devices(struct fpq_device_info *infos, unsigned int max, unsigned int *count);

/** fpq_context_device_info() - the card's facts; -ENODEV for a context without one. */
int fpq_context_device_info(const struct fpq_context *ctx, struct fpq_device_info *info);

/**
 * struct fpq_fallback_stats - operations an AUTO context ran on the CPU instead of
 * the card, and the last reason.
 * @ops: operations run on the CPU because the card could not run them.
 * @reason: the last reason, "" if none.
 */
struct fpq_fallback_stats {
	uint64_t ops;
	char reason[160];
};

/** fpq_context_fallback_stats() - fill @stats (zero and "" on a CPU context). */
void fpq_context_fallback_stats(const struct fpq_context *ctx, struct fpq_fallback_stats *stats);

/* ---- buffers --------------------------------------------------------------------- */

struct fpq_buffer;

/**
 * fpq_buffer_alloc() - memory the context's backend reaches directly: a device buffer
 * object mapped into the process on the card, ordinary aligned memory on the CPU.
 * Matrices and per-channel arrays placed in such a buffer are not copied on submission.
 */
int fpq_buffer_alloc(struct fpq_context *ctx, size_t size, struct fpq_buffer **buf);
/** fpq_buffer_import_dmabuf() - wrap a dma-buf (camera, other device) as a buffer;
 * @fd stays the caller's. Card contexts only (-ENOTSUP on the CPU). */
int fpq_buffer_import_dmabuf(struct fpq_context *ctx, int fd, struct fpq_buffer **buf);
/** fpq_buffer_export_dmabuf() - a new dma-buf fd for @buf (card contexts only). */
int fpq_buffer_export_dmabuf(struct fpq_buffer *buf, int *fd);
/** fpq_buffer_data() - the buffer's address in this process. */
void *fpq_buffer_data(const struct fpq_buffer *buf);
/** fpq_buffer_size() - its size in bytes (at least what was asked for). */
size_t fpq_buffer_size(const struct fpq_buffer *buf);
/** fpq_buffer_free() - release it; no job may still use it. NULL is a no-op. */
void fpq_buffer_free(struct fpq_buffer *buf);

/** fpq_gemm() - run one operation and wait for it. @status may be NULL. */
int fpq_gemm(struct fpq_context *ctx, const struct fpq_gemm_op *op,
	     struct fpq_gemm_status *status);

/**
 * fpq_submit() - queue a job of @n_ops operations (run in order) and return at once.
 * The operation structs are copied; the matrices and per-channel arrays they point to
 * must stay valid until the job has completed.
 */
int fpq_submit(struct fpq_context *ctx, const struct fpq_gemm_op *ops, unsigned int n_ops,
	       struct fpq_job **job);

/**
 * fpq_job_wait() - wait for @job.
 * @timeout_ns: relative timeout; negative waits forever, 0 polls.
 * @status: NULL, or an array of the job's n_ops entries to fill.
 * Return: 0 when done, -ETIMEDOUT if still running, or the job's error.
 */
int fpq_job_wait(struct fpq_job *job, int64_t timeout_ns, struct fpq_gemm_status *status);

/** fpq_job_free() - wait for @job to finish if needed, then free it. NULL is a no-op. */
void fpq_job_free(struct fpq_job *job);

#ifdef __cplusplus
}
#endif

#endif /* FPQ_H */
