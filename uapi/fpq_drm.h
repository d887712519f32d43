/* SPDX-License-Identifier: MIT */
/*
 * fpq_drm.h - the ioctl interface of the fpq inference accelerator driver (fpq.ko).
 *
 * The same ioctls are served on the compute-accelerator node (/dev/accel/accelN,
 * kernels with CONFIG_DRM_ACCEL) and on the render node (/dev/dri/renderD*, older
 * kernels such as 6.1). Documentation/driver.rst describes the semantics in prose.
 *
 * Rules that hold for every structure below: all fields are fixed-width, 64-bit
 * fields sit at 64-bit aligned offsets and every structure is a multiple of 8 bytes,
 * so the layout is the same for 32-bit and 64-bit processes; pointers travel as
 * __u64; every field named pad or reserved, and every flag bit not defined here,
 * must be zero, or the ioctl fails with -EINVAL.
 */
#ifndef FPQ_DRM_H
#define FPQ_DRM_H

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/**
 * DOC: ioctl numbers
 *
 * Driver-private ioctl numbers, offsets from DRM_COMMAND_BASE. Buffer sharing uses
 * the DRM core's PRIME ioctls (DRM_IOCTL_PRIME_HANDLE_TO_FD, DRM_IOCTL_PRIME_FD_TO_HANDLE),
 * buffers are freed with DRM_IOCTL_GEM_CLOSE and fences are DRM syncobjs
 * (DRM_IOCTL_SYNCOBJ_CREATE and friends).
 */
#define DRM_FPQ_GET_PARAM	0x00
#define DRM_FPQ_BO_CREATE	0x01
#define DRM_FPQ_BO_INFO		0x02
#define DRM_FPQ_SUBMIT		0x03
#define DRM_FPQ_WAIT		0x04

/** define DRM_IOCTL_FPQ_GET_PARAM - read one device or driver parameter */
#define DRM_IOCTL_FPQ_GET_PARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_FPQ_GET_PARAM, struct drm_fpq_get_param)
/** define DRM_IOCTL_FPQ_BO_CREATE - create a buffer object */
#define DRM_IOCTL_FPQ_BO_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_FPQ_BO_CREATE, struct drm_fpq_bo_create)
/** define DRM_IOCTL_FPQ_BO_INFO - size and mmap offset of a buffer object */
#define DRM_IOCTL_FPQ_BO_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_FPQ_BO_INFO, struct drm_fpq_bo_info)
/** define DRM_IOCTL_FPQ_SUBMIT - queue a job of GEMM operations */
#define DRM_IOCTL_FPQ_SUBMIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_FPQ_SUBMIT, struct drm_fpq_submit)
/** define DRM_IOCTL_FPQ_WAIT - wait for a job and collect its status */
#define DRM_IOCTL_FPQ_WAIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_FPQ_WAIT, struct drm_fpq_wait)

/**
 * enum drm_fpq_format - element formats.
 *
 * The values are those of libfpq's enum fpq_format (lib/include/fpq.h); a test keeps
 * the two identical. Storage: 8-bit formats one per byte; 6-bit formats packed four
 * elements in three bytes (element i of a group in bits [6i, 6i+6) of the 24-bit
 * little-endian group); 4-bit formats two per byte, element 0 in the low nibble;
 * wider formats little-endian.
 *
 * @DRM_FPQ_FMT_INVALID: not a format; a zeroed operand is rejected.
 * @DRM_FPQ_FMT_INT8: two's complement 8-bit integer.
 * @DRM_FPQ_FMT_E4M3: OCP FP8 E4M3 (no infinity).
 * @DRM_FPQ_FMT_E5M2: OCP FP8 E5M2.
 * @DRM_FPQ_FMT_E3M2: OCP FP6 E3M2, packed.
 * @DRM_FPQ_FMT_E2M3: OCP FP6 E2M3, packed.
 * @DRM_FPQ_FMT_E2M1: OCP FP4 E2M1, packed.
 * @DRM_FPQ_FMT_MXINT8: 8-bit integer read as int8 * 2^-6 (an MX element).
 * @DRM_FPQ_FMT_E8M0: 8-bit power-of-two block scale; only as a scale array.
 * @DRM_FPQ_FMT_INT32: 32-bit integer; output of the INT8 path.
 * @DRM_FPQ_FMT_FP32: IEEE binary32.
 * @DRM_FPQ_FMT_BF16: bfloat16; output only.
 * @DRM_FPQ_FMT_COUNT: number of format codes; not a format.
 */
enum drm_fpq_format {
	DRM_FPQ_FMT_INVALID = 0,
	DRM_FPQ_FMT_INT8 = 1,
	DRM_FPQ_FMT_E4M3 = 2,
	DRM_FPQ_FMT_E5M2 = 3,
	DRM_FPQ_FMT_E3M2 = 4,
	DRM_FPQ_FMT_E2M3 = 5,
	DRM_FPQ_FMT_E2M1 = 6,
	DRM_FPQ_FMT_MXINT8 = 7,
	DRM_FPQ_FMT_E8M0 = 8,
	DRM_FPQ_FMT_INT32 = 9,
	DRM_FPQ_FMT_FP32 = 10,
	DRM_FPQ_FMT_BF16 = 11,
	DRM_FPQ_FMT_COUNT
};

/**
 * enum drm_fpq_param - what DRM_IOCTL_FPQ_GET_PARAM can read.
 *
 * @DRM_FPQ_PARAM_DRIVER_VERSION: driver interface version,
 *	(major << 32) | (minor << 16) | patch. A minor increase only adds
 *	(1.1: DRM_FPQ_FEATURE_ABFT and the checksum status).
 * @DRM_FPQ_PARAM_PCI_ID: (PCI vendor ID << 16) | PCI device ID.
 * @DRM_FPQ_PARAM_HW_ID: the card's identity register.
 * @DRM_FPQ_PARAM_HW_VERSION: the card's version register.
 * @DRM_FPQ_PARAM_ARRAY_ROWS: rows of the systolic MAC array.
 * @DRM_FPQ_PARAM_ARRAY_COLS: columns of the systolic MAC array.
 * @DRM_FPQ_PARAM_INPUT_FORMATS: bit (1 << f) set for every enum drm_fpq_format f
 *	the card accepts as an A or B operand.
 * @DRM_FPQ_PARAM_OUTPUT_FORMATS: bit (1 << f) set for every format the card can
 *	write as C.
 * @DRM_FPQ_PARAM_FEATURES: DRM_FPQ_FEATURE_* bits.
 * @DRM_FPQ_PARAM_MAX_M: largest M of one operation.
 * @DRM_FPQ_PARAM_MAX_N: largest N of one operation.
 * @DRM_FPQ_PARAM_MAX_K: largest K of one operation (the INT8 path is further
 *	limited to 65536).
 * @DRM_FPQ_PARAM_MAX_OPS: largest number of operations in one job.
 * @DRM_FPQ_PARAM_MAX_BO_SIZE: largest buffer object in bytes.
 * @DRM_FPQ_PARAM_OFFSET_ALIGN: every operand offset and row stride must be a
 *	multiple of this many bytes (a power of two, at least 1).
 * @DRM_FPQ_PARAM_JOB_TIMEOUT_MS: time a job may run before the card is reset.
 * @DRM_FPQ_PARAM_CLOCK_KHZ: the card's nominal clock in kHz (0 if unknown), to turn
 *	cycle counts into time.
 * @DRM_FPQ_PARAM_VA_SIZE: bytes of the card's per-job address space: the buffers
 *	of one job, rounded up to pages plus one guard page each, must fit.
 * @DRM_FPQ_PARAM_COUNT: number of parameters; not a parameter.
 */
enum drm_fpq_param {
	DRM_FPQ_PARAM_DRIVER_VERSION = 0,
	DRM_FPQ_PARAM_PCI_ID = 1,
	DRM_FPQ_PARAM_HW_ID = 2,
	DRM_FPQ_PARAM_HW_VERSION = 3,
	DRM_FPQ_PARAM_ARRAY_ROWS = 4,
	DRM_FPQ_PARAM_ARRAY_COLS = 5,
	DRM_FPQ_PARAM_INPUT_FORMATS = 6,
	DRM_FPQ_PARAM_OUTPUT_FORMATS = 7,
	DRM_FPQ_PARAM_FEATURES = 8,
	DRM_FPQ_PARAM_MAX_M = 9,
	DRM_FPQ_PARAM_MAX_N = 10,
	DRM_FPQ_PARAM_MAX_K = 11,
	DRM_FPQ_PARAM_MAX_OPS = 12,
	DRM_FPQ_PARAM_MAX_BO_SIZE = 13,
	DRM_FPQ_PARAM_OFFSET_ALIGN = 14,
	DRM_FPQ_PARAM_JOB_TIMEOUT_MS = 15,
	DRM_FPQ_PARAM_CLOCK_KHZ = 16,
	DRM_FPQ_PARAM_VA_SIZE = 17,
	DRM_FPQ_PARAM_COUNT
};

/**
 * define DRM_FPQ_FEATURE_MX_SCALES - E8M0 block scales on A and B are supported.
 */
#define DRM_FPQ_FEATURE_MX_SCALES	0x1ull
/**
 * define DRM_FPQ_FEATURE_MX_OUTPUT - a narrow C may carry E8M0 scales
 *
 * The output is then MX-blocked along N.
 */
#define DRM_FPQ_FEATURE_MX_OUTPUT	0x2ull
/**
 * define DRM_FPQ_FEATURE_MIXED_FORMATS - A and B may use different float formats.
 */
#define DRM_FPQ_FEATURE_MIXED_FORMATS	0x4ull
/**
 * define DRM_FPQ_FEATURE_FAULT_INJECT - the card can inject faults
 *
 * Its fault-injection register is reachable through the driver's debugfs, for tests.
 */
#define DRM_FPQ_FEATURE_FAULT_INJECT	0x8ull
/**
 * define DRM_FPQ_FEATURE_PERF - the card's performance counters count
 */
#define DRM_FPQ_FEATURE_PERF		0x10ull
/**
 * define DRM_FPQ_FEATURE_ABFT - the card checks INT8 and MXINT8 output tiles
 *
 * The card has ABFT checksums and the driver turned them on (module parameter abft):
 * an output tile of an INT8 or MXINT8 operation that fails its check is not written,
 * and the job ends with -EIO, @hw_error CHECKSUM (enum err) and the tile in
 * @fault_addr (struct drm_fpq_job_status).
 */
#define DRM_FPQ_FEATURE_ABFT		0x20ull

/**
 * struct drm_fpq_get_param - argument of DRM_IOCTL_FPQ_GET_PARAM.
 * @param: in: an enum drm_fpq_param. Unknown values give -EINVAL.
 * @pad: must be zero.
 * @value: out: the value.
 */
struct drm_fpq_get_param {
	__u32 param;
	__u32 pad;
	__u64 value;
};

/**
 * struct drm_fpq_bo_create - argument of DRM_IOCTL_FPQ_BO_CREATE.
 *
 * Buffer objects are system memory (not physically contiguous) that the card reaches
 * through its page table. Free one with DRM_IOCTL_GEM_CLOSE; share it with the PRIME
 * ioctls; map it with mmap() on the DRM file at @mmap_offset.
 *
 * @size: in: bytes wanted, 1..DRM_FPQ_PARAM_MAX_BO_SIZE; out: the size allocated
 *	(rounded up to whole pages).
 * @flags: in: must be zero (no flags are defined).
 * @handle: out: the GEM handle, valid in this DRM file only.
 * @mmap_offset: out: the offset to pass to mmap().
 */
struct drm_fpq_bo_create {
	__u64 size;
	__u32 flags;
	__u32 handle;
	__u64 mmap_offset;
};

/**
 * struct drm_fpq_bo_info - argument of DRM_IOCTL_FPQ_BO_INFO.
 *
 * Works for buffers created here and for imported dma-bufs. -ENOENT if @handle
 * does not name a buffer of this DRM file.
 *
 * @handle: in: GEM handle.
 * @flags: out: the creation flags (zero; imported buffers also zero).
 * @size: out: size in bytes.
 * @mmap_offset: out: the offset to pass to mmap().
 */
struct drm_fpq_bo_info {
	__u32 handle;
	__u32 flags;
	__u64 size;
	__u64 mmap_offset;
};

/**
 * struct drm_fpq_matrix - a row-major matrix stored in a buffer object.
 *
 * Row r starts @offset + r * stride bytes into the buffer. The kernel checks that
 * every byte of every row lies inside the buffer (and likewise for the scales), that
 * the stride is at least one row and keeps 6-bit and 4-bit rows on whole packing
 * groups, and that offsets and strides meet DRM_FPQ_PARAM_OFFSET_ALIGN.
 *
 * @handle: GEM handle of the buffer holding the elements.
 * @format: enum drm_fpq_format of the elements.
 * @offset: byte offset of element (0, 0) in the buffer.
 * @stride: bytes from one row to the next, below 2^32; 0 means rows packed back to
 *	back.
 * @scale_handle: GEM handle of the E8M0 block scales (one per 32 consecutive
 *	elements of a row), or 0 for none (every scale 2^0). Scales make the matrix
 *	MX-blocked; the number of columns must then be a multiple of 32.
 * @zero_point: INT8 A operand only: the activation zero point, -128..127;
 *	otherwise zero.
 * @scale_offset: byte offset of the first scale in the scale buffer; zero when
 *	@scale_handle is 0.
 * @scale_stride: bytes from one row of scales to the next, below 2^32; 0 means
 *	columns / 32. Zero when @scale_handle is 0.
 */
struct drm_fpq_matrix {
	__u32 handle;
	__u32 format;
	__u64 offset;
	__u64 stride;
	__u32 scale_handle;
	__s32 zero_point;
	__u64 scale_offset;
	__u64 scale_stride;
};

/**
 * struct drm_fpq_vector - a per-output-channel parameter array in a buffer object.
 *
 * N elements (one when the operation's matching BROADCAST flag is set) starting
 * @offset bytes into the buffer; the kernel checks they lie inside it.
 *
 * @handle: GEM handle, or 0 when the array is absent.
 * @pad: must be zero.
 * @offset: byte offset of element 0; zero when @handle is 0.
 */
struct drm_fpq_vector {
	__u32 handle;
	__u32 pad;
	__u64 offset;
};

/**
 * enum drm_fpq_activation - float epilogue activation.
 * @DRM_FPQ_ACT_NONE: y = x.
 * @DRM_FPQ_ACT_RELU: y = max(x, 0).
 * @DRM_FPQ_ACT_CLAMP: y = min(max(x, clamp_lo), clamp_hi).
 */
enum drm_fpq_activation {
	DRM_FPQ_ACT_NONE = 0,
	DRM_FPQ_ACT_RELU = 1,
	DRM_FPQ_ACT_CLAMP = 2,
};

/** define DRM_FPQ_GEMM_ALPHA_BROADCAST - alpha holds one value for all N channels */
#define DRM_FPQ_GEMM_ALPHA_BROADCAST	0x1u
/** define DRM_FPQ_GEMM_BETA_BROADCAST - beta holds one value */
#define DRM_FPQ_GEMM_BETA_BROADCAST	0x2u
/** define DRM_FPQ_GEMM_REQUANT_BROADCAST - requant_mult and requant_shift hold one value */
#define DRM_FPQ_GEMM_REQUANT_BROADCAST	0x4u
/** define DRM_FPQ_GEMM_SCALE_BROADCAST - out_scale holds one value */
#define DRM_FPQ_GEMM_SCALE_BROADCAST	0x8u
/** define DRM_FPQ_GEMM_QUANT_NONSAT - narrow float output overflows to Inf/NaN */
#define DRM_FPQ_GEMM_QUANT_NONSAT	0x10u
/** define DRM_FPQ_GEMM_FLAGS_ALL - every defined DRM_FPQ_GEMM_* flag */
#define DRM_FPQ_GEMM_FLAGS_ALL		0x1fu

/**
 * struct drm_fpq_gemm - one operation: C[M x N] = epilogue(A[M x K] * B[N x K]^T).
 *
 * The arithmetic is libfpq's (Documentation/numerics.rst); the fields mirror
 * struct fpq_gemm_op with buffers in place of pointers. INT8 x INT8 is the integer
 * path (C is INT32, INT8 requantized, or FP32 scaled); E4M3, E5M2, E3M2, E2M3, E2M1
 * and MXINT8 may be mixed between A and B (the float path; C is FP32, BF16 or a
 * narrow element format). Fields that do not apply keep libfpq's defaults
 * (fpq_gemm_op_init()): absent arrays have handle 0, @out_zero is 0, @act_min and
 * @act_max are -128 and 127 unless C is INT8, @act is NONE on the INT8 path. The
 * clamp bounds are always checked (not NaN, @clamp_lo <= @clamp_hi; libfpq's
 * -Inf..+Inf passes) and used only with DRM_FPQ_ACT_CLAMP.
 *
 * @m: rows of A and C, 1..DRM_FPQ_PARAM_MAX_M.
 * @n: rows of B, columns of C, 1..DRM_FPQ_PARAM_MAX_N.
 * @k: columns of A and B, 1..DRM_FPQ_PARAM_MAX_K.
 * @flags: DRM_FPQ_GEMM_* flags.
 * @a: activations, M x K.
 * @b: weights, N x K (each output channel's K values contiguous).
 * @c: output, M x N; must not overlap A or B.
 * @alpha: float path: per-channel fp32 multiplier; absent means 1.0.
 * @beta: float path: per-channel fp32 addend; absent means 0.0.
 * @bias: INT8 path: per-channel int32 bias; absent means 0.
 * @requant_mult: INT8 output: per-channel int32 Q31 multiplier; required.
 * @requant_shift: INT8 output: per-channel int8 shift (-31..30, left when positive);
 *	required. The card clamps values outside -31..30 into that range.
 * @out_scale: FP32 output of the INT8 path: per-channel fp32 scale; required.
 * @act: float path: enum drm_fpq_activation.
 * @clamp_lo: lower bound of DRM_FPQ_ACT_CLAMP, binary32 bits; not NaN.
 * @clamp_hi: upper bound of DRM_FPQ_ACT_CLAMP, binary32 bits; not NaN, >= @clamp_lo.
 * @out_zero: INT8 output zero point, -128..127; else 0.
 * @act_min: INT8 output lower clamp, -128..127; else -128.
 * @act_max: INT8 output upper clamp, @act_min..127; else 127.
 * @reserved: must be zero.
 */
struct drm_fpq_gemm {
	__u32 m;
	__u32 n;
	__u32 k;
	__u32 flags;
	struct drm_fpq_matrix a;
	struct drm_fpq_matrix b;
	struct drm_fpq_matrix c;
	struct drm_fpq_vector alpha;
	struct drm_fpq_vector beta;
	struct drm_fpq_vector bias;
	struct drm_fpq_vector requant_mult;
	struct drm_fpq_vector requant_shift;
	struct drm_fpq_vector out_scale;
	__u32 act;
	__u32 clamp_lo;
	__u32 clamp_hi;
	__s32 out_zero;
	__s32 act_min;
	__s32 act_max;
	__u64 reserved[2];
};

/**
 * define DRM_FPQ_SUBMIT_DETACHED - keep no status for this job
 *
 * DRM_IOCTL_FPQ_WAIT cannot collect a detached job; wait on its out_syncobj instead.
 * At most DRM_FPQ_MAX_DETACHED detached jobs of one file may be unfinished (queued,
 * waiting for their input fences, or running): one more fails with -EBUSY. Without
 * this flag each job's status is kept until DRM_IOCTL_FPQ_WAIT collects it or the file
 * is closed, and at most DRM_FPQ_MAX_UNCOLLECTED jobs of one file may wait to be
 * collected: one more submission fails with -EBUSY. The kernel memory of queued jobs
 * is charged to the submitter's memory cgroup.
 */
#define DRM_FPQ_SUBMIT_DETACHED		0x1u
/** define DRM_FPQ_SUBMIT_FLAGS_ALL - every defined DRM_FPQ_SUBMIT_* flag */
#define DRM_FPQ_SUBMIT_FLAGS_ALL	0x1u

/** define DRM_FPQ_MAX_UNCOLLECTED - statuses one DRM file may leave uncollected */
#define DRM_FPQ_MAX_UNCOLLECTED		1024
/** define DRM_FPQ_MAX_DETACHED - detached jobs one DRM file may have unfinished */
#define DRM_FPQ_MAX_DETACHED		1024
/** define DRM_FPQ_MAX_IN_SYNCOBJS - input syncobjs one job may wait on */
#define DRM_FPQ_MAX_IN_SYNCOBJS		64

/**
 * struct drm_fpq_submit - argument of DRM_IOCTL_FPQ_SUBMIT.
 *
 * Queues one job: its operations run in order, each seeing the results of the ones
 * before it. The kernel validates every operation completely before queueing
 * anything (-EINVAL for a bad field, -ENOENT for a handle that does not name a
 * buffer of this file, -EFAULT for a bad pointer) and builds the card's
 * descriptors and page table itself. The card sees each job through its own
 * address space of DRM_FPQ_PARAM_VA_SIZE bytes holding every buffer the job names,
 * each followed by one unmapped page: a job whose buffers do not fit fails with
 * -E2BIG.
 *
 * @ops: in: user pointer to @op_count struct drm_fpq_gemm.
 * @in_syncobjs: in: user pointer to @in_syncobj_count __u32 syncobj handles; the
 *	job starts once all their fences have signalled.
 * @op_count: in: 1..DRM_FPQ_PARAM_MAX_OPS.
 * @op_size: in: sizeof(struct drm_fpq_gemm) as the caller was built with.
 * @in_syncobj_count: in: 0..DRM_FPQ_MAX_IN_SYNCOBJS.
 * @out_syncobj: in: syncobj handle that receives the job's fence, or 0.
 * @flags: in: DRM_FPQ_SUBMIT_* flags.
 * @pad: must be zero.
 * @job_id: out: the job's identity in this DRM file (non-zero, increasing).
 */
struct drm_fpq_submit {
	__u64 ops;
	__u64 in_syncobjs;
	__u32 op_count;
	__u32 op_size;
	__u32 in_syncobj_count;
	__u32 out_syncobj;
	__u32 flags;
	__u32 pad;
	__u64 job_id;
};

/**
 * struct drm_fpq_job_status - what a finished job reports.
 *
 * Documentation/driver.rst says what each error promises about the job's outputs:
 * after a card error (@hw_error not 0) the outputs of the operations after @ops_done
 * are untouched, and so are all of them when @runs is 0.
 *
 * @error: 0 on success, else a negative errno: -ETIMEDOUT (the job ran past the
 *	timeout and the card was reset), -EFAULT (the card's address translation
 *	refused an access), -EIO (the card reported another error, see @hw_error, or
 *	the card is out of service after a failed reset), -ENODEV (the device went
 *	away), -ECANCELED (the job was dropped before it ran), -ENOMEM (its pages could
 *	not be pinned or mapped when it was to run).
 * @hw_error: the card's cause code (enum err of Documentation/registers.rst), 0 if
 *	none.
 * @ops_done: operations that completed; on a card error, the failing operation's
 *	index.
 * @pad: zero.
 * @clamped: sum of the operations' clamped counts.
 * @cycles: card clock cycles from fetching the job to completing it.
 * @runs: times the job was handed to the card: 0 when it never ran, 2 or more when
 *	a card reset (another job's timeout, a recovery) made it run again - its
 *	result is then that of its last run.
 * @reserved: zero.
 * @fault_addr: on a card error, the address the card reported (the device virtual
 *	address for -EFAULT, the bus address for a DMA error); for a checksum
 *	mismatch (@hw_error CHECKSUM) the failing output tile: its
 *	first row m in bits 15:0, its first column n in bits 31:16; else 0.
 */
struct drm_fpq_job_status {
	__s32 error;
	__u32 hw_error;
	__u32 ops_done;
	__u32 pad;
	__u64 clamped;
	__u64 cycles;
	__u32 runs;
	__u32 reserved;
	__u64 fault_addr;
};

/**
 * struct drm_fpq_op_status - what one operation of a finished job reports.
 *
 * The counts have libfpq's meaning (struct fpq_gemm_status), so a job on the card
 * reports exactly what the CPU would.
 *
 * @clamped: values the activation changed (ReLU, clamp, act_min/act_max).
 * @saturated: narrow-output values saturated to +-max.
 * @nan_to_zero: narrow-output NaNs written as zero (formats without NaN).
 * @overflowed: narrow-output overflows to Inf/NaN (DRM_FPQ_GEMM_QUANT_NONSAT).
 * @cycles: card clock cycles the operation took.
 * @reserved: zero.
 */
struct drm_fpq_op_status {
	__u64 clamped;
	__u64 saturated;
	__u64 nan_to_zero;
	__u64 overflowed;
	__u64 cycles;
	__u64 reserved;
};

/**
 * struct drm_fpq_wait - argument of DRM_IOCTL_FPQ_WAIT.
 *
 * Waits until job @job_id of this DRM file has finished or @timeout_ns has passed.
 * Returns 0 when it has finished: @status and the per-operation records are filled
 * and the job is collected, so a second wait on it gives -ENOENT. Returns -ETIMEDOUT
 * when it has not finished by the deadline (the job keeps running), -ENOENT for an
 * unknown, detached or collected job, -EFAULT when @op_status cannot be written
 * (the job is collected all the same), -ERESTARTSYS or -EINTR when a signal arrives.
 *
 * @job_id: in: from struct drm_fpq_submit.
 * @timeout_ns: in: absolute CLOCK_MONOTONIC deadline in nanoseconds; a time in the
 *	past polls.
 * @flags: in: must be zero.
 * @op_status_count: in: entries at @op_status, 0..operations in the job (more give
 *	-EINVAL); 0 when @op_status is 0. They are all written; operations that did not
 *	complete report zeros.
 * @op_status: in: user pointer to @op_status_count struct drm_fpq_op_status, or 0.
 * @status: out: the job's status.
 */
struct drm_fpq_wait {
	__u64 job_id;
	__s64 timeout_ns;
	__u32 flags;
	__u32 op_status_count;
	__u64 op_status;
	struct drm_fpq_job_status status;
};

#if defined(__cplusplus)
}
#endif

#endif /* FPQ_DRM_H */
