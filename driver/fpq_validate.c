// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_validate.c - turns a userspace GEMM request into a checked struct fpq_op.
 *
 * The rules are libfpq's fpq_gemm_validate() plus what only the kernel can check: the
 * buffers belong to the caller, every byte an operand spans lies inside its buffer,
 * the card supports the formats and sizes, and every reserved field is zero. All
 * size arithmetic is overflow-checked in 64 bits. A failure sets v->why.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/math64.h>
#include <linux/nospec.h>
#include <linux/overflow.h>

#include "fpq_hw_regs.h"
#include "fpq_validate.h"

/*
 * The storage facts are the card's contract (FPQ_HW_FORMAT_STORAGE, generated from
 * rtl/regs/fpq_hw_spec.py), each under its UAPI name: a format of the contract without
 * one does not compile, and a code the contract does not name is no format.
 */
#define FPQ_FORMAT_DESC(NAME, bits, group_elems, group_bytes, is_operand) \
	[DRM_FPQ_FMT_##NAME] = { bits, group_elems, group_bytes, is_operand },

static const struct fpq_format_desc fpq_formats[FPQ_HW_FMT_COUNT] = {
	FPQ_HW_FORMAT_STORAGE(FPQ_FORMAT_DESC)
};

/**
 * fpq_format_desc() - storage facts of @format.
 * @format: an enum drm_fpq_format value from userspace.
 *
 * Return: the description, or NULL when @format is not a format.
 */
const struct fpq_format_desc *fpq_format_desc(u32 format)
{
	const struct fpq_format_desc *fd;

	if (format >= ARRAY_SIZE(fpq_formats))
		return NULL;
	fd = &fpq_formats[array_index_nospec(format, ARRAY_SIZE(fpq_formats))];
	/* INVALID, and any code the contract leaves unused, has no storage. */
	return fd->bits ? fd : NULL;
}

/**
 * fpq_row_bytes() - bytes a row of @cols elements occupies, in whole packing groups.
 * @format: a matrix element format.
 * @cols: elements in the row.
 * @bytes: the result.
 *
 * Return: 0, or -EINVAL when @format has no storage layout.
 */
int fpq_row_bytes(u32 format, u32 cols, u64 *bytes)
{
	const struct fpq_format_desc *fd = fpq_format_desc(format);

	if (!fd)
		return -EINVAL;
	/* cols < 2^32 and group_bytes <= 4: the product fits in 64 bits. */
	*bytes = div_u64((u64)cols + fd->group_elems - 1, fd->group_elems) * fd->group_bytes;
	return 0;
}

static int reject(struct fpq_validator *v, const char *why)
{
	v->why = why;
	return -EINVAL;
}

/*
 * Resolve @handle and check that [@offset, @offset + @len) lies inside the buffer.
 * Returns the slot or a negative errno.
 */
static int claim_range(struct fpq_validator *v, u32 handle, u64 offset, u64 len,
		       const char *why_oob)
{
	u64 size, end;
	int slot;

	slot = v->resolve(v->priv, handle, &size);
	if (slot < 0) {
		v->why = "buffer handle";
		return slot;
	}
	if (check_add_overflow(offset, len, &end) || end > size)
		return reject(v, why_oob);
	return slot;
}

static bool is_pow2_aligned(u64 x, u32 align)
{
	return (x & (align - 1)) == 0;
}

/* E8M0 block scales: MX element formats only, one per 32 columns of each row. */
static int check_scales(struct fpq_validator *v, const struct drm_fpq_matrix *in,
			u32 rows, u32 cols, const struct fpq_format_desc *fd,
			struct fpq_op_matrix *out)
{
	u64 blocks = cols / FPQ_MX_BLOCK, sstride, sextent;
	int slot;

	if (!fd->is_element || in->format == DRM_FPQ_FMT_INT8)
		return reject(v, "scales on a format without blocks");
	if (cols % FPQ_MX_BLOCK)
		return reject(v, "MX columns not a multiple of 32");
	sstride = in->scale_stride ? in->scale_stride : blocks;
	if (sstride < blocks)
		return reject(v, "scale stride shorter than a row of scales");
	if (sstride > U32_MAX)
		return reject(v, "stride of 4 GiB or more");
	if (!is_pow2_aligned(in->scale_offset, v->caps->offset_align))
		return reject(v, "offset or stride alignment");
	if (check_mul_overflow((u64)(rows - 1), sstride, &sextent) ||
	    check_add_overflow(sextent, blocks, &sextent))
		return reject(v, "matrix size overflows");
	slot = claim_range(v, in->scale_handle, in->scale_offset, sextent,
			   "scales outside their buffer");
	if (slot < 0)
		return slot;
	out->has_scales = true;
	out->scale_slot = slot;
	out->scale_offset = in->scale_offset;
	out->scale_stride = sstride;
	out->scale_extent = sextent;
	return 0;
}

/* Shape-independent part of a matrix check, shared by A, B and C. */
static int check_matrix(struct fpq_validator *v, const struct drm_fpq_matrix *in,
			u32 rows, u32 cols, struct fpq_op_matrix *out)
{
	const struct fpq_format_desc *fd = fpq_format_desc(in->format);
	u32 align = v->caps->offset_align;
	u64 row_bytes, stride, extent;
	int slot;

	if (!fd || in->format == DRM_FPQ_FMT_E8M0)
		return reject(v, "matrix format");
	fpq_row_bytes(in->format, cols, &row_bytes);
	stride = in->stride ? in->stride : row_bytes;
	if (stride < row_bytes)
		return reject(v, "row stride shorter than a row");
	if (stride > U32_MAX)
		return reject(v, "stride of 4 GiB or more");
	if (stride % fd->group_bytes)
		return reject(v, "row stride splits a packing group");
	if (!is_pow2_aligned(in->offset, align) || !is_pow2_aligned(stride, align))
		return reject(v, "offset or stride alignment");
	if (check_mul_overflow((u64)(rows - 1), stride, &extent) ||
	    check_add_overflow(extent, row_bytes, &extent))
		return reject(v, "matrix size overflows");
	if (in->zero_point < -128 || in->zero_point > 127)
		return reject(v, "zero point range");

	slot = claim_range(v, in->handle, in->offset, extent, "matrix outside its buffer");
	if (slot < 0)
		return slot;

	*out = (struct fpq_op_matrix){
		.format = in->format,
		.slot = slot,
		.zero_point = in->zero_point,
		.offset = in->offset,
		.stride = stride,
		.extent = extent,
	};

	if (!in->scale_handle) {
		if (in->scale_offset || in->scale_stride)
			return reject(v, "scale offset or stride without scales");
		return 0;
	}
	return check_scales(v, in, rows, cols, fd, out);
}

static int check_vector(struct fpq_validator *v, const struct drm_fpq_vector *in,
			u32 n, bool broadcast, u32 elem_bytes, struct fpq_op_vector *out)
{
	u64 bytes = (u64)(broadcast ? 1 : n) * elem_bytes;
	int slot;

	*out = (struct fpq_op_vector){};
	if (in->pad)
		return reject(v, "reserved field");
	if (!in->handle) {
		if (in->offset)
			return reject(v, "offset of an absent array");
		if (broadcast)
			return reject(v, "broadcast flag without its array");
		return 0;
	}
	if (!is_pow2_aligned(in->offset, elem_bytes))
		return reject(v, "array offset alignment");
	slot = claim_range(v, in->handle, in->offset, bytes, "array outside its buffer");
	if (slot < 0)
		return slot;
	*out = (struct fpq_op_vector){
		.present = true,
		.broadcast = broadcast,
		.slot = slot,
		.offset = in->offset,
		.bytes = bytes,
	};
	return 0;
}

static bool fp32_is_nan(u32 bits)
{
	return (bits & 0x7f800000) == 0x7f800000 && (bits & 0x007fffff);
}

/* A key that orders binary32 values (not NaN) like the values do; -0 == +0. */
static s64 fp32_order(u32 bits)
{
	return bits & 0x80000000 ? -(s64)(bits & 0x7fffffff) : (s64)bits;
}

/* The INT8 output fields hold libfpq's defaults (they do not apply). */
static bool int8_output_defaults(const struct drm_fpq_gemm *in)
{
	return in->out_zero == 0 && in->act_min == -128 && in->act_max == 127;
}

/* Every operand format but INT8 (the INT8 path's) is a float-path operand. */
static bool is_float_operand(u32 format)
{
	const struct fpq_format_desc *fd = fpq_format_desc(format);

	return fd && fd->is_element && format != DRM_FPQ_FMT_INT8;
}

static int check_int8_path(struct fpq_validator *v, const struct drm_fpq_gemm *in)
{
	if (in->k > FPQ_INT8_MAX_K)
		return reject(v, "INT8 K above 65536");
	if (in->alpha.handle || in->beta.handle || in->act != DRM_FPQ_ACT_NONE)
		return reject(v, "float epilogue on the INT8 path");
	if (in->flags & (DRM_FPQ_GEMM_ALPHA_BROADCAST | DRM_FPQ_GEMM_BETA_BROADCAST |
			 DRM_FPQ_GEMM_QUANT_NONSAT))
		return reject(v, "float-path flag on the INT8 path");
	if (in->b.zero_point)
		return reject(v, "zero point on B");

	switch (in->c.format) {
	case DRM_FPQ_FMT_INT32:
		if (in->requant_mult.handle || in->requant_shift.handle ||
		    in->out_scale.handle)
			return reject(v, "requantization or scale on int32 output");
		break;
	case DRM_FPQ_FMT_INT8:
		if (!in->requant_mult.handle || !in->requant_shift.handle)
			return reject(v, "int8 output without requantization");
		if (in->out_scale.handle)
			return reject(v, "out_scale on int8 output");
		if (in->out_zero < -128 || in->out_zero > 127)
			return reject(v, "out_zero range");
		if (in->act_min < -128 || in->act_max > 127 || in->act_min > in->act_max)
			return reject(v, "act_min/act_max range");
		break;
	case DRM_FPQ_FMT_FP32:
		if (!in->out_scale.handle)
			return reject(v, "fp32 output of INT8 without out_scale");
		if (in->requant_mult.handle || in->requant_shift.handle)
			return reject(v, "requantization on fp32 output");
		break;
	default:
		return reject(v, "output format of the INT8 path");
	}
	if (in->c.format != DRM_FPQ_FMT_INT8 && !int8_output_defaults(in))
		return reject(v, "int8 output fields on another output");
	if (in->c.format != DRM_FPQ_FMT_FP32 && (in->flags & DRM_FPQ_GEMM_SCALE_BROADCAST))
		return reject(v, "scale broadcast without fp32 output");
	if (in->c.format != DRM_FPQ_FMT_INT8 && (in->flags & DRM_FPQ_GEMM_REQUANT_BROADCAST))
		return reject(v, "requant broadcast without int8 output");
	return 0;
}

static int check_float_path(struct fpq_validator *v, const struct drm_fpq_gemm *in)
{
	const struct fpq_format_desc *cd = fpq_format_desc(in->c.format);

	if (!is_float_operand(in->a.format) || !is_float_operand(in->b.format))
		return reject(v, "INT8 pairs only with INT8");
	if (in->a.format != in->b.format &&
	    !(v->caps->features & DRM_FPQ_FEATURE_MIXED_FORMATS))
		return reject(v, "mixed formats not supported");
	if (in->bias.handle || in->requant_mult.handle || in->requant_shift.handle ||
	    in->out_scale.handle || !int8_output_defaults(in))
		return reject(v, "INT8 epilogue on the float path");
	if (in->flags & (DRM_FPQ_GEMM_REQUANT_BROADCAST | DRM_FPQ_GEMM_SCALE_BROADCAST))
		return reject(v, "INT8-path flag on the float path");
	if (in->a.zero_point || in->b.zero_point)
		return reject(v, "zero point on a float operand");
	if (!cd || (in->c.format != DRM_FPQ_FMT_FP32 && in->c.format != DRM_FPQ_FMT_BF16 &&
		    !cd->is_element))
		return reject(v, "output format of the float path");
	if ((in->flags & DRM_FPQ_GEMM_QUANT_NONSAT) && !cd->is_element)
		return reject(v, "non-saturating flag without a narrow output");

	if (in->act > DRM_FPQ_ACT_CLAMP)
		return reject(v, "activation");
	return 0;
}

struct fpq_range {
	u16 slot;
	u64 offset;
	u64 len;
};

static void add_range(struct fpq_range *r, unsigned int *n, u16 slot, u64 offset, u64 len)
{
	r[*n] = (struct fpq_range){ .slot = slot, .offset = offset, .len = len };
	(*n)++;
}

static bool ranges_overlap(const struct fpq_range *a, const struct fpq_range *b)
{
	/* Both ranges were checked to lie inside their buffers: no overflow here. */
	return a->slot == b->slot && a->offset < b->offset + b->len &&
	       b->offset < a->offset + a->len;
}

/* The output (C and its scales) must not overlap anything the operation reads. */
static int check_no_output_overlap(struct fpq_validator *v, const struct fpq_op *op)
{
	const struct fpq_op_vector *vecs[] = { &op->alpha, &op->beta, &op->bias,
					       &op->requant_mult, &op->requant_shift,
					       &op->out_scale };
	struct fpq_range in[10], out[2];
	unsigned int nin = 0, nout = 0, i, j;

	add_range(in, &nin, op->a.slot, op->a.offset, op->a.extent);
	add_range(in, &nin, op->b.slot, op->b.offset, op->b.extent);
	if (op->a.has_scales)
		add_range(in, &nin, op->a.scale_slot, op->a.scale_offset, op->a.scale_extent);
	if (op->b.has_scales)
		add_range(in, &nin, op->b.scale_slot, op->b.scale_offset, op->b.scale_extent);
	for (i = 0; i < ARRAY_SIZE(vecs); i++)
		if (vecs[i]->present)
			add_range(in, &nin, vecs[i]->slot, vecs[i]->offset, vecs[i]->bytes);
	add_range(out, &nout, op->c.slot, op->c.offset, op->c.extent);
	if (op->c.has_scales)
		add_range(out, &nout, op->c.scale_slot, op->c.scale_offset, op->c.scale_extent);

	for (i = 0; i < nout; i++)
		for (j = 0; j < nin; j++)
			if (ranges_overlap(&out[i], &in[j]))
				return reject(v, "output overlaps an input");
	if (nout == 2 && ranges_overlap(&out[0], &out[1]))
		return reject(v, "output overlaps its scales");
	return 0;
}

/**
 * fpq_validate_submit() - check the job-level fields of a submission.
 * @v: validator (only @v->caps is used).
 * @args: the ioctl argument as copied from userspace.
 *
 * Return: 0 or -EINVAL (with @v->why set).
 */
int fpq_validate_submit(struct fpq_validator *v, const struct drm_fpq_submit *args)
{
	if (args->flags & ~DRM_FPQ_SUBMIT_FLAGS_ALL)
		return reject(v, "submit flags");
	if (args->pad)
		return reject(v, "reserved field");
	if (args->op_size != sizeof(struct drm_fpq_gemm))
		return reject(v, "operation size");
	if (args->op_count == 0 || args->op_count > v->caps->max_ops)
		return reject(v, "operation count");
	if (args->in_syncobj_count > DRM_FPQ_MAX_IN_SYNCOBJS)
		return reject(v, "syncobj count");
	if (args->in_syncobj_count && !args->in_syncobjs)
		return reject(v, "syncobj array");
	return 0;
}

/**
 * fpq_validate_gemm() - check one operation and resolve its buffers.
 * @v: the validator; @v->resolve is called for each buffer handle.
 * @in: the operation as copied from userspace.
 * @out: the checked operation.
 *
 * Return: 0; -EINVAL for a field outside the rules or the capabilities (@v->why
 * says which); -ENOENT (or another error of @v->resolve) for a bad buffer handle.
 */
int fpq_validate_gemm(struct fpq_validator *v, const struct drm_fpq_gemm *in,
		      struct fpq_op *out)
{
	const struct fpq_caps *caps = v->caps;
	bool int8;
	int err;

	*out = (struct fpq_op){};
	v->why = NULL;

	if (in->reserved[0] || in->reserved[1])
		return reject(v, "reserved field");
	if (in->flags & ~DRM_FPQ_GEMM_FLAGS_ALL)
		return reject(v, "operation flags");
	if (!in->m || !in->n || !in->k)
		return reject(v, "empty shape");
	if (in->m > caps->max_m || in->n > caps->max_n || in->k > caps->max_k)
		return reject(v, "shape above the card's limits");

	/* Formats: known, of the right kind, and built into this card. */
	if (!is_float_operand(in->a.format) && in->a.format != DRM_FPQ_FMT_INT8)
		return reject(v, "operand format");
	if (!is_float_operand(in->b.format) && in->b.format != DRM_FPQ_FMT_INT8)
		return reject(v, "operand format");
	if (!(caps->input_formats & BIT(in->a.format)) ||
	    !(caps->input_formats & BIT(in->b.format)))
		return reject(v, "operand format not supported");
	if (!fpq_format_desc(in->c.format) || !(caps->output_formats & BIT(in->c.format)))
		return reject(v, "output format not supported");
	if ((in->a.scale_handle || in->b.scale_handle) &&
	    !(caps->features & DRM_FPQ_FEATURE_MX_SCALES))
		return reject(v, "block scales not supported");
	if (in->c.zero_point)
		return reject(v, "zero point on C");
	/* Used only by ACT_CLAMP, but always well-formed (libfpq's default: -Inf..+Inf). */
	if (fp32_is_nan(in->clamp_lo) || fp32_is_nan(in->clamp_hi) ||
	    fp32_order(in->clamp_lo) > fp32_order(in->clamp_hi))
		return reject(v, "clamp bounds not ordered");

	int8 = in->a.format == DRM_FPQ_FMT_INT8 || in->b.format == DRM_FPQ_FMT_INT8;
	if (int8 && in->a.format != in->b.format)
		return reject(v, "INT8 pairs only with INT8");
	err = int8 ? check_int8_path(v, in) : check_float_path(v, in);
	if (err)
		return err;
	if (in->c.scale_handle) {
		if (int8 || in->c.format == DRM_FPQ_FMT_INT8)
			return reject(v, "scales on a format without blocks");
		if (!(caps->features & DRM_FPQ_FEATURE_MX_OUTPUT))
			return reject(v, "MX output not supported");
	}

	/* Buffers and extents. */
	err = check_matrix(v, &in->a, in->m, in->k, &out->a);
	if (!err)
		err = check_matrix(v, &in->b, in->n, in->k, &out->b);
	if (!err)
		err = check_matrix(v, &in->c, in->m, in->n, &out->c);
	if (!err)
		err = check_vector(v, &in->alpha, in->n,
				   in->flags & DRM_FPQ_GEMM_ALPHA_BROADCAST, 4, &out->alpha);
	if (!err)
		err = check_vector(v, &in->beta, in->n,
				   in->flags & DRM_FPQ_GEMM_BETA_BROADCAST, 4, &out->beta);
	if (!err)
		err = check_vector(v, &in->bias, in->n, false, 4, &out->bias);
	if (!err)
		err = check_vector(v, &in->requant_mult, in->n,
				   in->flags & DRM_FPQ_GEMM_REQUANT_BROADCAST, 4,
				   &out->requant_mult);
	if (!err)
		err = check_vector(v, &in->requant_shift, in->n,
				   in->flags & DRM_FPQ_GEMM_REQUANT_BROADCAST, 1,
				   &out->requant_shift);
	if (!err)
		err = check_vector(v, &in->out_scale, in->n,
				   in->flags & DRM_FPQ_GEMM_SCALE_BROADCAST, 4, &out->out_scale);
	if (err)
		return err;

	out->m = in->m;
	out->n = in->n;
	out->k = in->k;
	out->flags = in->flags;
	out->int8_path = int8;
	out->act = in->act;
	out->clamp_lo = in->clamp_lo;
	out->clamp_hi = in->clamp_hi;
	out->out_zero = in->out_zero;
	out->act_min = in->act_min;
	out->act_max = in->act_max;
	return check_no_output_overlap(v, out);
}
