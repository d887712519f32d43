/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fpq_validate.h - checking a job's operations: the driver's security boundary.
 *
 * Nothing from userspace reaches the card before fpq_validate_gemm() has turned it
 * into a struct fpq_op: formats and shapes within the card's capabilities, reserved
 * fields zero, and every byte each operand can touch inside its buffer (with
 * overflow-checked arithmetic). Hardware descriptors are built only from fpq_op.
 */
#ifndef FPQ_VALIDATE_H
#define FPQ_VALIDATE_H

#include <linux/types.h>

#include "../uapi/fpq_drm.h"

/** FPQ_MX_BLOCK - elements per E8M0 block scale, along K (or N for an MX output). */
#define FPQ_MX_BLOCK 32u
/** FPQ_INT8_MAX_K - largest K of the INT8 path: the int32 sum stays exact. */
#define FPQ_INT8_MAX_K 65536u

/**
 * struct fpq_caps - what the card can do, from its capability registers.
 * @input_formats: bit (1 << f) for each enum drm_fpq_format usable as A or B.
 * @output_formats: bit (1 << f) for each format the card can write as C.
 * @features: DRM_FPQ_FEATURE_* bits.
 * @max_m: largest M.
 * @max_n: largest N.
 * @max_k: largest K.
 * @max_ops: most operations in one job.
 * @offset_align: required alignment of matrix offsets and strides (power of two).
 * @max_bo_size: largest buffer object.
 */
struct fpq_caps {
	u32 input_formats;
	u32 output_formats;
	u64 features;
	u32 max_m;
	u32 max_n;
	u32 max_k;
	u32 max_ops;
	u32 offset_align;
	u64 max_bo_size;
};

/**
 * struct fpq_op_matrix - a checked matrix operand.
 * @format: enum drm_fpq_format.
 * @has_scales: carries E8M0 block scales.
 * @slot: index of the element buffer in the job's buffer table.
 * @scale_slot: index of the scale buffer (valid when @has_scales).
 * @zero_point: INT8 A zero point.
 * @offset: byte offset of element (0, 0).
 * @stride: bytes between rows (never 0 here).
 * @extent: bytes from @offset to the end of the last row's last packing group.
 * @scale_offset: byte offset of the first scale.
 * @scale_stride: bytes between rows of scales (never 0 when @has_scales).
 * @scale_extent: bytes from @scale_offset to the last scale, inclusive.
 */
struct fpq_op_matrix {
	u8 format;
	bool has_scales;
	u16 slot;
	u16 scale_slot;
	s32 zero_point;
	u64 offset;
	u64 stride;
	u64 extent;
	u64 scale_offset;
	u64 scale_stride;
	u64 scale_extent;
};

/**
 * struct fpq_op_vector - a checked per-channel array.
 * @present: the array was given.
 * @broadcast: it holds one value for all channels.
 * @slot: buffer slot.
 * @offset: byte offset of element 0.
 * @bytes: bytes it spans.
 */
struct fpq_op_vector {
	bool present;
	bool broadcast;
	u16 slot;
	u64 offset;
	u64 bytes;
};

/**
 * struct fpq_op - one checked GEMM operation; the only input of descriptor building.
 * @m: rows of A and C.
 * @n: rows of B, columns of C.
 * @k: columns of A and B.
 * @flags: DRM_FPQ_GEMM_* flags.
 * @int8_path: INT8 x INT8 (else the float/MX path).
 * @a: activations.
 * @b: weights.
 * @c: output.
 * @alpha: float path multiplier.
 * @beta: float path addend.
 * @bias: INT8 bias.
 * @requant_mult: INT8 output multiplier.
 * @requant_shift: INT8 output shift.
 * @out_scale: INT8 path fp32 output scale.
 * @act: enum drm_fpq_activation.
 * @clamp_lo: binary32 bits.
 * @clamp_hi: binary32 bits.
 * @out_zero: INT8 output zero point.
 * @act_min: INT8 output lower clamp.
 * @act_max: INT8 output upper clamp.
 */
struct fpq_op {
	u32 m;
	u32 n;
	u32 k;
	u32 flags;
	bool int8_path;
	struct fpq_op_matrix a;
	struct fpq_op_matrix b;
	struct fpq_op_matrix c;
	struct fpq_op_vector alpha;
	struct fpq_op_vector beta;
	struct fpq_op_vector bias;
	struct fpq_op_vector requant_mult;
	struct fpq_op_vector requant_shift;
	struct fpq_op_vector out_scale;
	u32 act;
	u32 clamp_lo;
	u32 clamp_hi;
	s32 out_zero;
	s32 act_min;
	s32 act_max;
};

/**
 * struct fpq_validator - what fpq_validate_gemm() needs besides the operation.
 * @caps: the card's capabilities.
 * @resolve: turns a GEM handle of the submitting file into a slot of the job's
 *	buffer table and the buffer's size. Returns the slot (>= 0) or a negative
 *	errno (-ENOENT for a handle the file does not own).
 * @priv: passed to @resolve.
 * @why: set to a short reason when validation fails (for debug messages and tests).
 */
struct fpq_validator {
	const struct fpq_caps *caps;
	int (*resolve)(void *priv, u32 handle, u64 *size);
	void *priv;
	const char *why;
};

/**
 * struct fpq_format_desc - storage facts of a format.
 * @bits: bits per element.
 * @group_elems: elements per packing group.
 * @group_bytes: bytes per packing group.
 * @is_element: usable as a GEMM operand.
 */
struct fpq_format_desc {
	u8 bits;
	u8 group_elems;
	u8 group_bytes;
	bool is_element;
};

const struct fpq_format_desc *fpq_format_desc(u32 format);
int fpq_row_bytes(u32 format, u32 cols, u64 *bytes);
int fpq_validate_submit(struct fpq_validator *v, const struct drm_fpq_submit *args);
int fpq_validate_gemm(struct fpq_validator *v, const struct drm_fpq_gemm *in,
		      struct fpq_op *out);

#endif /* FPQ_VALIDATE_H */
