// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_validate_test.c - every rejection path of the validation layer, each reached
 * from a valid operation by changing one thing, plus the limits that must still pass
 * (an operand ending exactly at its buffer's end, packed 6- and 4-bit rows).
 */
#include <kunit/test.h>
#include <linux/limits.h>
#include <linux/string.h>

#include "../fpq_validate.h"

/* Buffers the fake resolver knows: handle i has size fake_sizes[i] (0: none). */
static const u64 fake_sizes[] = { 0, 4096, 4096, 4096, 4096, 1 << 20, 100 };

#define FAKE_MAX_SLOTS 8

struct fake_table {
	u32 handles[FAKE_MAX_SLOTS];
	unsigned int count;
	unsigned int calls;
};

static int fake_resolve(void *priv, u32 handle, u64 *size)
{
	struct fake_table *t = priv;
	unsigned int i;

	t->calls++;
	if (!handle || handle >= ARRAY_SIZE(fake_sizes) || !fake_sizes[handle])
		return -ENOENT;
	*size = fake_sizes[handle];
	for (i = 0; i < t->count; i++)
		if (t->handles[i] == handle)
			return i;
	if (t->count == FAKE_MAX_SLOTS)
		return -E2BIG;
	t->handles[t->count] = handle;
	return t->count++;
}

static struct fpq_caps full_caps(void)
{
	return (struct fpq_caps){
		.input_formats = BIT(DRM_FPQ_FMT_INT8) | BIT(DRM_FPQ_FMT_E4M3) |
				 BIT(DRM_FPQ_FMT_E5M2) | BIT(DRM_FPQ_FMT_E3M2) |
				 BIT(DRM_FPQ_FMT_E2M3) | BIT(DRM_FPQ_FMT_E2M1) |
				 BIT(DRM_FPQ_FMT_MXINT8),
		.output_formats = BIT(DRM_FPQ_FMT_INT8) | BIT(DRM_FPQ_FMT_E4M3) |
				  BIT(DRM_FPQ_FMT_E5M2) | BIT(DRM_FPQ_FMT_E3M2) |
				  BIT(DRM_FPQ_FMT_E2M3) | BIT(DRM_FPQ_FMT_E2M1) |
				  BIT(DRM_FPQ_FMT_MXINT8) | BIT(DRM_FPQ_FMT_INT32) |
				  BIT(DRM_FPQ_FMT_FP32) | BIT(DRM_FPQ_FMT_BF16),
		.features = DRM_FPQ_FEATURE_MX_SCALES | DRM_FPQ_FEATURE_MX_OUTPUT |
			    DRM_FPQ_FEATURE_MIXED_FORMATS,
		.max_m = 4096,
		.max_n = 4096,
		.max_k = 1 << 20,
		.max_ops = 16,
		.offset_align = 1,
		.max_bo_size = 1 << 30,
	};
}

/* E4M3 4x64 * (8x64)^T -> FP32 4x8, each operand alone in its buffer. */
static struct drm_fpq_gemm float_op(void)
{
	return (struct drm_fpq_gemm){
		.m = 4, .n = 8, .k = 64,
		.a = { .handle = 1, .format = DRM_FPQ_FMT_E4M3 },
		.b = { .handle = 2, .format = DRM_FPQ_FMT_E4M3 },
		.c = { .handle = 3, .format = DRM_FPQ_FMT_FP32 },
		/* libfpq's defaults of the fields that do not apply */
		.clamp_lo = 0xff800000, .clamp_hi = 0x7f800000,
		.act_min = -128, .act_max = 127,
	};
}

/* INT8 4x64 * (8x64)^T -> INT8 requantized; mult at 0, shift at 64 of buffer 4. */
static struct drm_fpq_gemm int8_op(void)
{
	return (struct drm_fpq_gemm){
		.m = 4, .n = 8, .k = 64,
		.a = { .handle = 1, .format = DRM_FPQ_FMT_INT8, .zero_point = -3 },
		.b = { .handle = 2, .format = DRM_FPQ_FMT_INT8 },
		.c = { .handle = 3, .format = DRM_FPQ_FMT_INT8 },
		.requant_mult = { .handle = 4, .offset = 0 },
		.requant_shift = { .handle = 4, .offset = 64 },
		.out_zero = 5, .act_min = -100, .act_max = 100,
		.clamp_lo = 0xff800000, .clamp_hi = 0x7f800000,
	};
}

struct reject_case {
	const char *name;
	bool int8;
	void (*mutate)(struct drm_fpq_gemm *g, struct fpq_caps *c);
	int err;
	const char *why;
};

#define MUT(fn, body) \
	static void fn(struct drm_fpq_gemm *g, struct fpq_caps *c) { body; }

/* Operation-level fields. */
MUT(m_reserved0, g->reserved[0] = 1)
MUT(m_reserved1, g->reserved[1] = 1ull << 63)
MUT(m_flags, g->flags = 1u << 5)
MUT(m_flags_high, g->flags = 1u << 31)
MUT(m_m0, g->m = 0)
MUT(m_n0, g->n = 0)
MUT(m_k0, g->k = 0)
MUT(m_m_big, g->m = c->max_m + 1)
MUT(m_n_big, g->n = c->max_n + 1)
MUT(m_k_big, g->k = c->max_k + 1)
MUT(m_a_fmt0, g->a.format = DRM_FPQ_FMT_INVALID)
MUT(m_a_fmt_e8m0, g->a.format = DRM_FPQ_FMT_E8M0)
MUT(m_a_fmt_fp32, g->a.format = DRM_FPQ_FMT_FP32)
MUT(m_a_fmt_huge, g->a.format = 0xffffffffu)
MUT(m_b_fmt_int32, g->b.format = DRM_FPQ_FMT_INT32)
MUT(m_b_fmt_count, g->b.format = DRM_FPQ_FMT_COUNT)
MUT(m_caps_no_e4m3, c->input_formats &= ~BIT(DRM_FPQ_FMT_E4M3))
MUT(m_c_fmt0, g->c.format = DRM_FPQ_FMT_INVALID)
MUT(m_c_fmt_huge, g->c.format = 1000)
MUT(m_caps_no_fp32, c->output_formats &= ~BIT(DRM_FPQ_FMT_FP32))
MUT(m_caps_no_mx, g->a.scale_handle = 5; c->features &= ~DRM_FPQ_FEATURE_MX_SCALES)
MUT(m_c_zp, g->c.zero_point = 1)
MUT(m_int8_x_e4m3, g->b.format = DRM_FPQ_FMT_E4M3)
MUT(m_e4m3_x_int8, g->a.format = DRM_FPQ_FMT_E4M3; g->a.zero_point = 0)

/* INT8 path. */
MUT(m_i8_k_big, g->k = 65537)
MUT(m_i8_alpha, g->alpha.handle = 5)
MUT(m_i8_relu, g->act = DRM_FPQ_ACT_RELU)
MUT(m_i8_clamp_lo, g->clamp_lo = 0x3f800000; g->clamp_hi = 0)
MUT(m_i8_clamp_nan, g->clamp_hi = 0x7f800001)
MUT(m_i8_alpha_bc, g->flags = DRM_FPQ_GEMM_ALPHA_BROADCAST)
MUT(m_i8_nonsat, g->flags = DRM_FPQ_GEMM_QUANT_NONSAT)
MUT(m_i8_b_zp, g->b.zero_point = 1)
MUT(m_i8_int32_requant, g->c.format = DRM_FPQ_FMT_INT32; g->out_zero = 0;
	g->act_min = -128; g->act_max = 127)
MUT(m_i8_int8_no_shift, g->requant_shift.handle = 0; g->requant_shift.offset = 0)
MUT(m_i8_int8_no_mult, g->requant_mult.handle = 0)
MUT(m_i8_int8_scale, g->out_scale.handle = 5)
MUT(m_i8_out_zero, g->out_zero = 128)
MUT(m_i8_act_min, g->act_min = -129)
MUT(m_i8_act_max, g->act_max = 128)
MUT(m_i8_act_order, g->act_min = 10; g->act_max = 9)
MUT(m_i8_fp32_no_scale, g->c.format = DRM_FPQ_FMT_FP32; g->requant_mult.handle = 0;
	g->requant_shift.handle = 0; g->requant_shift.offset = 0; g->out_zero = 0;
	g->act_min = -128; g->act_max = 127)
MUT(m_i8_fp32_requant, g->c.format = DRM_FPQ_FMT_FP32; g->out_scale.handle = 5;
	g->out_zero = 0; g->act_min = -128; g->act_max = 127)
MUT(m_i8_out_e4m3, g->c.format = DRM_FPQ_FMT_E4M3)
MUT(m_i8_int32_act, g->c.format = DRM_FPQ_FMT_INT32; g->requant_mult.handle = 0;
	g->requant_shift.handle = 0; g->requant_shift.offset = 0; g->out_zero = 0;
	g->act_min = -128; g->act_max = 0)
MUT(m_i8_int32_act_zero, g->c.format = DRM_FPQ_FMT_INT32; g->requant_mult.handle = 0;
	g->requant_shift.handle = 0; g->requant_shift.offset = 0; g->out_zero = 0;
	g->act_min = 0; g->act_max = 0)
MUT(m_i8_int32_out_zero, g->c.format = DRM_FPQ_FMT_INT32; g->requant_mult.handle = 0;
	g->requant_shift.handle = 0; g->requant_shift.offset = 0; g->out_zero = 1;
	g->act_min = -128; g->act_max = 127)
MUT(m_i8_int8_scale_bc, g->flags = DRM_FPQ_GEMM_SCALE_BROADCAST)
MUT(m_i8_fp32_requant_bc, g->c.format = DRM_FPQ_FMT_FP32; g->requant_mult.handle = 0;
	g->requant_shift.handle = 0; g->requant_shift.offset = 0; g->out_scale.handle = 5;
	g->out_zero = 0; g->act_min = -128; g->act_max = 127;
	g->flags = DRM_FPQ_GEMM_REQUANT_BROADCAST)
MUT(m_i8_scales, g->a.scale_handle = 5)
MUT(m_i8_c_scales, g->c.scale_handle = 5)

/* Float path. */
MUT(m_fl_mixed, g->b.format = DRM_FPQ_FMT_E2M3;
	c->features &= ~DRM_FPQ_FEATURE_MIXED_FORMATS)
MUT(m_fl_bias, g->bias.handle = 5)
MUT(m_fl_requant, g->requant_mult.handle = 5)
MUT(m_fl_out_scale, g->out_scale.handle = 5)
MUT(m_fl_out_zero, g->out_zero = 1)
MUT(m_fl_act_min, g->act_min = -127)
MUT(m_fl_act_max, g->act_max = 0)
MUT(m_fl_act_zeros, g->act_min = 0; g->act_max = 0)
MUT(m_fl_requant_bc, g->flags = DRM_FPQ_GEMM_REQUANT_BROADCAST)
MUT(m_fl_scale_bc, g->flags = DRM_FPQ_GEMM_SCALE_BROADCAST)
MUT(m_fl_a_zp, g->a.zero_point = 1)
MUT(m_fl_b_zp, g->b.zero_point = -1)
MUT(m_fl_out_int32, g->c.format = DRM_FPQ_FMT_INT32)
MUT(m_fl_out_e8m0, g->c.format = DRM_FPQ_FMT_E8M0)
MUT(m_fl_nonsat_fp32, g->flags = DRM_FPQ_GEMM_QUANT_NONSAT)
MUT(m_fl_relu_bounds, g->act = DRM_FPQ_ACT_RELU; g->clamp_lo = 0x7f800000;
	g->clamp_hi = 0x3f800000)
MUT(m_fl_none_bounds, g->clamp_lo = 0xffc00000)
MUT(m_fl_clamp_nan_lo, g->act = DRM_FPQ_ACT_CLAMP; g->clamp_lo = 0x7fc00000;
	g->clamp_hi = 0x3f800000)
MUT(m_fl_clamp_nan_hi, g->act = DRM_FPQ_ACT_CLAMP; g->clamp_hi = 0xff800001)
MUT(m_fl_clamp_order, g->act = DRM_FPQ_ACT_CLAMP; g->clamp_lo = 0x40000000;
	g->clamp_hi = 0x3f800000)
MUT(m_fl_clamp_order_neg, g->act = DRM_FPQ_ACT_CLAMP; g->clamp_lo = 0xbf800000;
	g->clamp_hi = 0xc0000000)
MUT(m_fl_act3, g->act = 3)
MUT(m_fl_c_scales_fp32, g->c.scale_handle = 5)
MUT(m_fl_c_scales_int8, g->c.format = DRM_FPQ_FMT_INT8; g->c.scale_handle = 5)
MUT(m_fl_c_scales_nocap, g->c.format = DRM_FPQ_FMT_E4M3; g->c.scale_handle = 5;
	g->n = 32; c->features &= ~DRM_FPQ_FEATURE_MX_OUTPUT)

/* Matrix extents and buffers. */
MUT(m_stride_short, g->a.stride = 63)
MUT(m_stride_group, g->a.format = DRM_FPQ_FMT_E3M2; g->b.format = DRM_FPQ_FMT_E3M2;
	g->a.stride = 50)
MUT(m_align_offset, c->offset_align = 16; g->b.offset = 8)
MUT(m_align_stride, c->offset_align = 16; g->c.stride = 40)
MUT(m_stride_4g, g->a.stride = 1ull << 32)
MUT(m_stride_4g_one_row, g->m = 1; g->a.stride = U64_MAX)
MUT(m_zp_range_hi, g->a.zero_point = 128)
MUT(m_zp_range_lo, g->a.zero_point = -129)
MUT(m_a_oob, g->a.offset = 4096 - 4 * 64 + 1)
MUT(m_b_oob_stride, g->b.stride = 600)
MUT(m_max_extent, g->m = c->max_m; g->a.stride = 0xffffffffu; g->c.handle = 5)
MUT(m_c_oob, g->c.offset = 4096)
MUT(m_offset_wrap, g->a.offset = U64_MAX - 10)
MUT(m_offset_huge, g->c.offset = 1ull << 63)
MUT(m_small_bo, g->c.handle = 6)
MUT(m_handle0, g->a.handle = 0)
MUT(m_handle_unknown, g->b.handle = 7)
MUT(m_handle_huge, g->c.handle = 0xffffffffu)

/* Block scales. */
MUT(m_sc_offset_only, g->a.scale_offset = 8)
MUT(m_sc_stride_only, g->b.scale_stride = 2)
MUT(m_sc_cols, g->k = 48; g->a.scale_handle = 5)
MUT(m_sc_stride_short, g->a.scale_handle = 5; g->a.scale_stride = 1)
MUT(m_sc_align, c->offset_align = 4; g->a.scale_handle = 5; g->a.scale_offset = 2)
MUT(m_sc_4g, g->a.scale_handle = 5; g->a.scale_stride = 1ull << 32)
MUT(m_sc_oob_stride, g->a.scale_handle = 5; g->a.scale_stride = 0xffffffffu)
MUT(m_sc_oob, g->a.scale_handle = 6; g->a.scale_offset = 93)
MUT(m_sc_handle, g->b.scale_handle = 9)
MUT(m_sc_c_oob, g->c.format = DRM_FPQ_FMT_E4M3; g->n = 32; g->c.scale_handle = 6;
	g->c.scale_offset = 97)

/* Per-channel arrays. */
MUT(m_vec_pad, g->alpha.handle = 5; g->alpha.pad = 1)
MUT(m_vec_pad_absent, g->beta.pad = 1)
MUT(m_vec_offset_absent, g->alpha.offset = 4)
MUT(m_vec_bc_absent, g->flags = DRM_FPQ_GEMM_BETA_BROADCAST)
MUT(m_vec_align, g->alpha.handle = 5; g->alpha.offset = 2)
MUT(m_vec_oob, g->beta.handle = 6; g->beta.offset = 72)
MUT(m_vec_oob_bc, g->beta.handle = 6; g->beta.offset = 100;
	g->flags = DRM_FPQ_GEMM_BETA_BROADCAST)
MUT(m_vec_wrap, g->alpha.handle = 5; g->alpha.offset = U64_MAX - 3)
MUT(m_vec_handle, g->alpha.handle = 8)
MUT(m_i8_shift_oob, g->requant_shift.offset = 4096 - 7)
MUT(m_i8_bias_oob, g->bias.handle = 6; g->bias.offset = 72)

/* Outputs overlapping inputs. */
MUT(m_ov_c_a, g->c.handle = 1; g->c.offset = 255)
MUT(m_ov_a_c, g->a.handle = 3; g->a.offset = 127)
MUT(m_ov_c_alpha, g->alpha.handle = 3; g->alpha.offset = 124)
MUT(m_ov_c_bscales, g->b.scale_handle = 3; g->b.scale_offset = 120)
MUT(m_ov_cscales_a, g->c.format = DRM_FPQ_FMT_E4M3; g->n = 32; g->c.scale_handle = 1;
	g->c.scale_offset = 250)
MUT(m_ov_c_cscales, g->c.format = DRM_FPQ_FMT_E4M3; g->n = 32; g->c.scale_handle = 3;
	g->c.scale_offset = 127)
MUT(m_ov_i8_shift, g->requant_shift.handle = 3; g->requant_shift.offset = 0)

#define REJ(fn, is_int8, e, w) { #fn, is_int8, fn, e, w }

static const struct reject_case reject_cases[] = {
	REJ(m_reserved0, false, -EINVAL, "reserved field"),
	REJ(m_reserved1, true, -EINVAL, "reserved field"),
	REJ(m_flags, false, -EINVAL, "operation flags"),
	REJ(m_flags_high, true, -EINVAL, "operation flags"),
	REJ(m_m0, false, -EINVAL, "empty shape"),
	REJ(m_n0, false, -EINVAL, "empty shape"),
	REJ(m_k0, true, -EINVAL, "empty shape"),
	REJ(m_m_big, false, -EINVAL, "shape above the card's limits"),
	REJ(m_n_big, false, -EINVAL, "shape above the card's limits"),
	REJ(m_k_big, false, -EINVAL, "shape above the card's limits"),
	REJ(m_a_fmt0, false, -EINVAL, "operand format"),
	REJ(m_a_fmt_e8m0, false, -EINVAL, "operand format"),
	REJ(m_a_fmt_fp32, false, -EINVAL, "operand format"),
	REJ(m_a_fmt_huge, false, -EINVAL, "operand format"),
	REJ(m_b_fmt_int32, false, -EINVAL, "operand format"),
	REJ(m_b_fmt_count, false, -EINVAL, "operand format"),
	REJ(m_caps_no_e4m3, false, -EINVAL, "operand format not supported"),
	REJ(m_c_fmt0, false, -EINVAL, "output format not supported"),
	REJ(m_c_fmt_huge, false, -EINVAL, "output format not supported"),
	REJ(m_caps_no_fp32, false, -EINVAL, "output format not supported"),
	REJ(m_caps_no_mx, false, -EINVAL, "block scales not supported"),
	REJ(m_c_zp, false, -EINVAL, "zero point on C"),
	REJ(m_int8_x_e4m3, true, -EINVAL, "INT8 pairs only with INT8"),
	REJ(m_e4m3_x_int8, true, -EINVAL, "INT8 pairs only with INT8"),

	REJ(m_i8_k_big, true, -EINVAL, "INT8 K above 65536"),
	REJ(m_i8_alpha, true, -EINVAL, "float epilogue on the INT8 path"),
	REJ(m_i8_relu, true, -EINVAL, "float epilogue on the INT8 path"),
	REJ(m_i8_clamp_lo, true, -EINVAL, "clamp bounds not ordered"),
	REJ(m_i8_clamp_nan, true, -EINVAL, "clamp bounds not ordered"),
	REJ(m_i8_alpha_bc, true, -EINVAL, "float-path flag on the INT8 path"),
	REJ(m_i8_nonsat, true, -EINVAL, "float-path flag on the INT8 path"),
	REJ(m_i8_b_zp, true, -EINVAL, "zero point on B"),
	REJ(m_i8_int32_requant, true, -EINVAL, "requantization or scale on int32 output"),
	REJ(m_i8_int8_no_shift, true, -EINVAL, "int8 output without requantization"),
	REJ(m_i8_int8_no_mult, true, -EINVAL, "int8 output without requantization"),
	REJ(m_i8_int8_scale, true, -EINVAL, "out_scale on int8 output"),
	REJ(m_i8_out_zero, true, -EINVAL, "out_zero range"),
	REJ(m_i8_act_min, true, -EINVAL, "act_min/act_max range"),
	REJ(m_i8_act_max, true, -EINVAL, "act_min/act_max range"),
	REJ(m_i8_act_order, true, -EINVAL, "act_min/act_max range"),
	REJ(m_i8_fp32_no_scale, true, -EINVAL, "fp32 output of INT8 without out_scale"),
	REJ(m_i8_fp32_requant, true, -EINVAL, "requantization on fp32 output"),
	REJ(m_i8_out_e4m3, true, -EINVAL, "output format of the INT8 path"),
	REJ(m_i8_int32_act, true, -EINVAL, "int8 output fields on another output"),
	REJ(m_i8_int32_act_zero, true, -EINVAL, "int8 output fields on another output"),
	REJ(m_i8_int32_out_zero, true, -EINVAL, "int8 output fields on another output"),
	REJ(m_i8_int8_scale_bc, true, -EINVAL, "scale broadcast without fp32 output"),
	REJ(m_i8_fp32_requant_bc, true, -EINVAL, "requant broadcast without int8 output"),
	REJ(m_i8_scales, true, -EINVAL, "scales on a format without blocks"),
	REJ(m_i8_c_scales, true, -EINVAL, "scales on a format without blocks"),

	REJ(m_fl_mixed, false, -EINVAL, "mixed formats not supported"),
	REJ(m_fl_bias, false, -EINVAL, "INT8 epilogue on the float path"),
	REJ(m_fl_requant, false, -EINVAL, "INT8 epilogue on the float path"),
	REJ(m_fl_out_scale, false, -EINVAL, "INT8 epilogue on the float path"),
	REJ(m_fl_out_zero, false, -EINVAL, "INT8 epilogue on the float path"),
	REJ(m_fl_act_min, false, -EINVAL, "INT8 epilogue on the float path"),
	REJ(m_fl_act_max, false, -EINVAL, "INT8 epilogue on the float path"),
	REJ(m_fl_act_zeros, false, -EINVAL, "INT8 epilogue on the float path"),
	REJ(m_fl_requant_bc, false, -EINVAL, "INT8-path flag on the float path"),
	REJ(m_fl_scale_bc, false, -EINVAL, "INT8-path flag on the float path"),
	REJ(m_fl_a_zp, false, -EINVAL, "zero point on a float operand"),
	REJ(m_fl_b_zp, false, -EINVAL, "zero point on a float operand"),
	REJ(m_fl_out_int32, false, -EINVAL, "output format of the float path"),
	REJ(m_fl_out_e8m0, false, -EINVAL, "output format not supported"),
	REJ(m_fl_nonsat_fp32, false, -EINVAL, "non-saturating flag without a narrow output"),
	REJ(m_fl_relu_bounds, false, -EINVAL, "clamp bounds not ordered"),
	REJ(m_fl_none_bounds, false, -EINVAL, "clamp bounds not ordered"),
	REJ(m_fl_clamp_nan_lo, false, -EINVAL, "clamp bounds not ordered"),
	REJ(m_fl_clamp_nan_hi, false, -EINVAL, "clamp bounds not ordered"),
	REJ(m_fl_clamp_order, false, -EINVAL, "clamp bounds not ordered"),
	REJ(m_fl_clamp_order_neg, false, -EINVAL, "clamp bounds not ordered"),
	REJ(m_fl_act3, false, -EINVAL, "activation"),
	REJ(m_fl_c_scales_fp32, false, -EINVAL, "scales on a format without blocks"),
	REJ(m_fl_c_scales_int8, false, -EINVAL, "scales on a format without blocks"),
	REJ(m_fl_c_scales_nocap, false, -EINVAL, "MX output not supported"),

	REJ(m_stride_short, false, -EINVAL, "row stride shorter than a row"),
	REJ(m_stride_group, false, -EINVAL, "row stride splits a packing group"),
	REJ(m_align_offset, false, -EINVAL, "offset or stride alignment"),
	REJ(m_align_stride, false, -EINVAL, "offset or stride alignment"),
	REJ(m_stride_4g, false, -EINVAL, "stride of 4 GiB or more"),
	REJ(m_stride_4g_one_row, false, -EINVAL, "stride of 4 GiB or more"),
	REJ(m_zp_range_hi, true, -EINVAL, "zero point range"),
	REJ(m_zp_range_lo, true, -EINVAL, "zero point range"),
	REJ(m_a_oob, false, -EINVAL, "matrix outside its buffer"),
	REJ(m_b_oob_stride, false, -EINVAL, "matrix outside its buffer"),
	REJ(m_max_extent, false, -EINVAL, "matrix outside its buffer"),
	REJ(m_c_oob, false, -EINVAL, "matrix outside its buffer"),
	REJ(m_offset_wrap, false, -EINVAL, "matrix outside its buffer"),
	REJ(m_offset_huge, false, -EINVAL, "matrix outside its buffer"),
	REJ(m_small_bo, false, -EINVAL, "matrix outside its buffer"),
	REJ(m_handle0, false, -ENOENT, "buffer handle"),
	REJ(m_handle_unknown, false, -ENOENT, "buffer handle"),
	REJ(m_handle_huge, false, -ENOENT, "buffer handle"),

	REJ(m_sc_offset_only, false, -EINVAL, "scale offset or stride without scales"),
	REJ(m_sc_stride_only, false, -EINVAL, "scale offset or stride without scales"),
	REJ(m_sc_cols, false, -EINVAL, "MX columns not a multiple of 32"),
	REJ(m_sc_stride_short, false, -EINVAL, "scale stride shorter than a row of scales"),
	REJ(m_sc_align, false, -EINVAL, "offset or stride alignment"),
	REJ(m_sc_4g, false, -EINVAL, "stride of 4 GiB or more"),
	REJ(m_sc_oob_stride, false, -EINVAL, "scales outside their buffer"),
	REJ(m_sc_oob, false, -EINVAL, "scales outside their buffer"),
	REJ(m_sc_handle, false, -ENOENT, "buffer handle"),
	REJ(m_sc_c_oob, false, -EINVAL, "scales outside their buffer"),

	REJ(m_vec_pad, false, -EINVAL, "reserved field"),
	REJ(m_vec_pad_absent, false, -EINVAL, "reserved field"),
	REJ(m_vec_offset_absent, false, -EINVAL, "offset of an absent array"),
	REJ(m_vec_bc_absent, false, -EINVAL, "broadcast flag without its array"),
	REJ(m_vec_align, false, -EINVAL, "array offset alignment"),
	REJ(m_vec_oob, false, -EINVAL, "array outside its buffer"),
	REJ(m_vec_oob_bc, false, -EINVAL, "array outside its buffer"),
	REJ(m_vec_wrap, false, -EINVAL, "array outside its buffer"),
	REJ(m_vec_handle, false, -ENOENT, "buffer handle"),
	REJ(m_i8_shift_oob, true, -EINVAL, "array outside its buffer"),
	REJ(m_i8_bias_oob, true, -EINVAL, "array outside its buffer"),

	REJ(m_ov_c_a, false, -EINVAL, "output overlaps an input"),
	REJ(m_ov_a_c, false, -EINVAL, "output overlaps an input"),
	REJ(m_ov_c_alpha, false, -EINVAL, "output overlaps an input"),
	REJ(m_ov_c_bscales, false, -EINVAL, "output overlaps an input"),
	REJ(m_ov_cscales_a, false, -EINVAL, "output overlaps an input"),
	REJ(m_ov_c_cscales, false, -EINVAL, "output overlaps its scales"),
	REJ(m_ov_i8_shift, true, -EINVAL, "output overlaps an input"),
};

static void reject_case_desc(const struct reject_case *t, char *desc)
{
	strscpy(desc, t->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(reject, reject_cases, reject_case_desc);

static int run_validate(struct drm_fpq_gemm *g, struct fpq_caps *caps, struct fpq_op *op,
			const char **why)
{
	struct fake_table table = {};
	struct fpq_validator v = {
		.caps = caps,
		.resolve = fake_resolve,
		.priv = &table,
	};
	int err = fpq_validate_gemm(&v, g, op);

	*why = v.why;
	return err;
}

/* The unchanged operation passes, the changed one fails for the expected reason. */
static void fpq_validate_rejects(struct kunit *test)
{
	const struct reject_case *t = test->param_value;
	struct drm_fpq_gemm g = t->int8 ? int8_op() : float_op();
	struct fpq_caps caps = full_caps();
	const char *why;
	struct fpq_op op;
	int err;

	KUNIT_ASSERT_EQ(test, run_validate(&g, &caps, &op, &why), 0);
	t->mutate(&g, &caps);
	err = run_validate(&g, &caps, &op, &why);
	KUNIT_EXPECT_EQ(test, err, t->err);
	KUNIT_ASSERT_NOT_NULL(test, why);
	KUNIT_EXPECT_STREQ(test, why, t->why);
}

struct accept_case {
	const char *name;
	bool int8;
	void (*mutate)(struct drm_fpq_gemm *g, struct fpq_caps *c);
};

/* Limits that must still pass. */
MUT(a_exact_end, g->a.offset = 4096 - 4 * 64)
MUT(a_exact_stride, g->m = 2; g->a.stride = 4096 - 64)
MUT(a_packed6, g->a.format = DRM_FPQ_FMT_E3M2; g->b.format = DRM_FPQ_FMT_E3M2;
	g->k = 5; g->a.stride = 6; g->a.offset = 4096 - 4 * 6)
MUT(a_packed6_last_group, g->a.format = DRM_FPQ_FMT_E2M3; g->b.format = DRM_FPQ_FMT_E2M3;
	g->m = 1; g->k = 1; g->a.offset = 4093)
MUT(a_packed4, g->a.format = DRM_FPQ_FMT_E2M1; g->b.format = DRM_FPQ_FMT_E2M1;
	g->k = 3; g->m = 1; g->a.offset = 4094)
MUT(a_mixed, g->b.format = DRM_FPQ_FMT_E2M3)
MUT(a_mx, g->a.scale_handle = 6; g->a.scale_offset = 92; g->b.scale_handle = 6;
	g->b.scale_offset = 0; g->b.scale_stride = 10)
MUT(a_mx_out, g->c.format = DRM_FPQ_FMT_E5M2; g->n = 64; g->c.scale_handle = 6;
	g->c.scale_offset = 92; g->flags = DRM_FPQ_GEMM_QUANT_NONSAT)
MUT(a_clamp_zeros, g->act = DRM_FPQ_ACT_CLAMP; g->clamp_lo = 0x00000000;
	g->clamp_hi = 0x80000000)
MUT(a_clamp_inf, g->act = DRM_FPQ_ACT_CLAMP; g->clamp_lo = 0xff800000;
	g->clamp_hi = 0x7f800000)
MUT(a_alpha_bc_end, g->alpha.handle = 6; g->alpha.offset = 96;
	g->flags = DRM_FPQ_GEMM_ALPHA_BROADCAST)
MUT(a_beta_end, g->beta.handle = 6; g->beta.offset = 68)
MUT(a_c_after_a, g->c.handle = 1; g->c.offset = 256)
MUT(a_same_inputs, g->b.handle = 1; g->b.offset = 0)
MUT(a_bf16, g->c.format = DRM_FPQ_FMT_BF16)
MUT(a_relu_default_bounds, g->act = DRM_FPQ_ACT_RELU)
MUT(a_zero_bounds, g->clamp_lo = 0; g->clamp_hi = 0)
MUT(a_int8_out_float, g->c.format = DRM_FPQ_FMT_INT8)
MUT(a_align16, c->offset_align = 16; g->a.offset = 32; g->a.stride = 128)
MUT(a_i8_int32, g->c.format = DRM_FPQ_FMT_INT32; g->requant_mult.handle = 0;
	g->requant_shift.handle = 0; g->requant_shift.offset = 0; g->out_zero = 0;
	g->act_min = -128; g->act_max = 127; g->bias.handle = 5)
MUT(a_i8_fp32_bc, g->c.format = DRM_FPQ_FMT_FP32; g->requant_mult.handle = 0;
	g->requant_shift.handle = 0; g->requant_shift.offset = 0; g->out_scale.handle = 6;
	g->out_scale.offset = 96; g->out_zero = 0; g->act_min = -128; g->act_max = 127;
	g->flags = DRM_FPQ_GEMM_SCALE_BROADCAST)
MUT(a_i8_requant_bc, g->flags = DRM_FPQ_GEMM_REQUANT_BROADCAST;
	g->requant_shift.handle = 6; g->requant_shift.offset = 99)
MUT(a_i8_k_max, g->k = 65536; g->a.handle = 5; g->b.handle = 5; g->b.offset = 4 * 65536)

#define ACC(fn, is_int8) { #fn, is_int8, fn }

static const struct accept_case accept_cases[] = {
	ACC(a_exact_end, false),
	ACC(a_exact_stride, false),
	ACC(a_packed6, false),
	ACC(a_packed6_last_group, false),
	ACC(a_packed4, false),
	ACC(a_mixed, false),
	ACC(a_mx, false),
	ACC(a_mx_out, false),
	ACC(a_clamp_zeros, false),
	ACC(a_clamp_inf, false),
	ACC(a_alpha_bc_end, false),
	ACC(a_beta_end, false),
	ACC(a_c_after_a, false),
	ACC(a_same_inputs, false),
	ACC(a_bf16, false),
	ACC(a_relu_default_bounds, false),
	ACC(a_zero_bounds, true),
	ACC(a_int8_out_float, false),
	ACC(a_align16, false),
	ACC(a_i8_int32, true),
	ACC(a_i8_fp32_bc, true),
	ACC(a_i8_requant_bc, true),
	ACC(a_i8_k_max, true),
};

static void accept_case_desc(const struct accept_case *t, char *desc)
{
	strscpy(desc, t->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(accept, accept_cases, accept_case_desc);

static void fpq_validate_accepts(struct kunit *test)
{
	const struct accept_case *t = test->param_value;
	struct drm_fpq_gemm g = t->int8 ? int8_op() : float_op();
	struct fpq_caps caps = full_caps();
	const char *why;
	struct fpq_op op;
	int err;

	t->mutate(&g, &caps);
	err = run_validate(&g, &caps, &op, &why);
	KUNIT_EXPECT_EQ_MSG(test, err, 0, "rejected: %s", why ? why : "(no reason)");
}

/* What a valid operation turns into: resolved slots, strides and extents. */
static void fpq_validate_fills_op(struct kunit *test)
{
	struct drm_fpq_gemm g = float_op();
	struct fpq_caps caps = full_caps();
	const char *why;
	struct fpq_op op;

	g.a.format = DRM_FPQ_FMT_E3M2;
	g.b.format = DRM_FPQ_FMT_E3M2;
	g.k = 10;		/* 3 groups of 3 bytes per row */
	g.b.stride = 12;
	g.b.handle = 1;		/* same buffer as A: same slot */
	g.b.offset = 1024;
	g.alpha.handle = 5;
	g.alpha.offset = 16;
	g.flags = DRM_FPQ_GEMM_ALPHA_BROADCAST;
	KUNIT_ASSERT_EQ(test, run_validate(&g, &caps, &op, &why), 0);

	KUNIT_EXPECT_EQ(test, op.m, 4u);
	KUNIT_EXPECT_EQ(test, op.n, 8u);
	KUNIT_EXPECT_EQ(test, op.k, 10u);
	KUNIT_EXPECT_FALSE(test, op.int8_path);
	KUNIT_EXPECT_EQ(test, op.a.slot, 0);
	KUNIT_EXPECT_EQ(test, op.b.slot, 0);
	KUNIT_EXPECT_EQ(test, op.c.slot, 1);
	KUNIT_EXPECT_EQ(test, op.alpha.slot, 2);
	KUNIT_EXPECT_EQ(test, op.a.stride, 9ull);
	KUNIT_EXPECT_EQ(test, op.a.extent, 3 * 9ull + 9);
	KUNIT_EXPECT_EQ(test, op.b.stride, 12ull);
	KUNIT_EXPECT_EQ(test, op.b.offset, 1024ull);
	KUNIT_EXPECT_EQ(test, op.b.extent, 7 * 12ull + 9);
	KUNIT_EXPECT_EQ(test, op.c.stride, 32ull);
	KUNIT_EXPECT_EQ(test, op.c.extent, 4 * 32ull);
	KUNIT_EXPECT_TRUE(test, op.alpha.present);
	KUNIT_EXPECT_TRUE(test, op.alpha.broadcast);
	KUNIT_EXPECT_EQ(test, op.alpha.bytes, 4ull);
	KUNIT_EXPECT_FALSE(test, op.beta.present);
	KUNIT_EXPECT_FALSE(test, op.a.has_scales);
}

static void fpq_validate_row_bytes(struct kunit *test)
{
	static const struct { u32 fmt, cols; u64 bytes; } t[] = {
		{ DRM_FPQ_FMT_INT8, 1, 1 }, { DRM_FPQ_FMT_E4M3, 100, 100 },
		{ DRM_FPQ_FMT_E3M2, 1, 3 }, { DRM_FPQ_FMT_E3M2, 4, 3 },
		{ DRM_FPQ_FMT_E2M3, 5, 6 }, { DRM_FPQ_FMT_E2M3, 0xffffffff, 3ull << 30 },
		{ DRM_FPQ_FMT_E2M1, 1, 1 }, { DRM_FPQ_FMT_E2M1, 3, 2 },
		{ DRM_FPQ_FMT_INT32, 3, 12 }, { DRM_FPQ_FMT_FP32, 0xffffffff, 0x3fffffffcull },
		{ DRM_FPQ_FMT_BF16, 7, 14 },
	};
	unsigned int i;
	u64 bytes;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		KUNIT_EXPECT_EQ(test, fpq_row_bytes(t[i].fmt, t[i].cols, &bytes), 0);
		KUNIT_EXPECT_EQ_MSG(test, bytes, t[i].bytes, "format %u cols %u", t[i].fmt,
				    t[i].cols);
	}
	KUNIT_EXPECT_EQ(test, fpq_row_bytes(DRM_FPQ_FMT_INVALID, 1, &bytes), -EINVAL);
	KUNIT_EXPECT_EQ(test, fpq_row_bytes(DRM_FPQ_FMT_COUNT, 1, &bytes), -EINVAL);
	KUNIT_EXPECT_NULL(test, fpq_format_desc(0x80000000u));
}

/* A rejected handle stops validation before any later operand is resolved. */
static void fpq_validate_stops_at_bad_handle(struct kunit *test)
{
	struct drm_fpq_gemm g = float_op();
	struct fpq_caps caps = full_caps();
	struct fake_table table = {};
	struct fpq_validator v = { .caps = &caps, .resolve = fake_resolve, .priv = &table };
	struct fpq_op op;

	g.a.handle = 42;
	KUNIT_EXPECT_EQ(test, fpq_validate_gemm(&v, &g, &op), -ENOENT);
	KUNIT_EXPECT_EQ(test, table.calls, 1u);
	KUNIT_EXPECT_EQ(test, table.count, 0u);
}

static void fpq_validate_submit_fields(struct kunit *test)
{
	struct fpq_caps caps = full_caps();
	struct fpq_validator v = { .caps = &caps };
	const struct drm_fpq_submit good = {
		.ops = 0x1000, .op_count = 1, .op_size = sizeof(struct drm_fpq_gemm),
	};
	struct drm_fpq_submit s;

	KUNIT_EXPECT_EQ(test, fpq_validate_submit(&v, &good), 0);

	s = good;
	s.op_count = caps.max_ops;
	s.in_syncobj_count = DRM_FPQ_MAX_IN_SYNCOBJS;
	s.in_syncobjs = 0x2000;
	s.flags = DRM_FPQ_SUBMIT_DETACHED;
	KUNIT_EXPECT_EQ(test, fpq_validate_submit(&v, &s), 0);

	s = good;
	s.flags = 2;
	KUNIT_EXPECT_EQ(test, fpq_validate_submit(&v, &s), -EINVAL);
	KUNIT_EXPECT_STREQ(test, v.why, "submit flags");
	s = good;
	s.pad = 1;
	KUNIT_EXPECT_EQ(test, fpq_validate_submit(&v, &s), -EINVAL);
	KUNIT_EXPECT_STREQ(test, v.why, "reserved field");
	s = good;
	s.op_size = sizeof(struct drm_fpq_gemm) - 8;
	KUNIT_EXPECT_EQ(test, fpq_validate_submit(&v, &s), -EINVAL);
	KUNIT_EXPECT_STREQ(test, v.why, "operation size");
	s = good;
	s.op_count = 0;
	KUNIT_EXPECT_EQ(test, fpq_validate_submit(&v, &s), -EINVAL);
	KUNIT_EXPECT_STREQ(test, v.why, "operation count");
	s = good;
	s.op_count = caps.max_ops + 1;
	KUNIT_EXPECT_EQ(test, fpq_validate_submit(&v, &s), -EINVAL);
	KUNIT_EXPECT_STREQ(test, v.why, "operation count");
	s = good;
	s.op_count = 0xffffffff;
	KUNIT_EXPECT_EQ(test, fpq_validate_submit(&v, &s), -EINVAL);
	s = good;
	s.in_syncobj_count = DRM_FPQ_MAX_IN_SYNCOBJS + 1;
	s.in_syncobjs = 0x2000;
	KUNIT_EXPECT_EQ(test, fpq_validate_submit(&v, &s), -EINVAL);
	KUNIT_EXPECT_STREQ(test, v.why, "syncobj count");
	s = good;
	s.in_syncobj_count = 1;
	KUNIT_EXPECT_EQ(test, fpq_validate_submit(&v, &s), -EINVAL);
	KUNIT_EXPECT_STREQ(test, v.why, "syncobj array");
}

static struct kunit_case fpq_validate_cases[] = {
	KUNIT_CASE_PARAM(fpq_validate_rejects, reject_gen_params),
	KUNIT_CASE_PARAM(fpq_validate_accepts, accept_gen_params),
	KUNIT_CASE(fpq_validate_fills_op),
	KUNIT_CASE(fpq_validate_row_bytes),
	KUNIT_CASE(fpq_validate_stops_at_bad_handle),
	KUNIT_CASE(fpq_validate_submit_fields),
	{}
};

static struct kunit_suite fpq_validate_suite = {
	.name = "fpq_validate",
	.test_cases = fpq_validate_cases,
};

kunit_test_suite(fpq_validate_suite);
