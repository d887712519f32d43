// SPDX-License-Identifier: MIT
/*
 * gemm_validate.c - checks an operation before any backend touches it: the matrices,
 * that their shapes agree, the format pair and output mode, the per-channel arrays and
 * the limits. Every backend runs only validated operations.
 */
#include <errno.h>
#include <math.h>

#include "internal.h"

/* Every operand format but INT8 (the INT8 path's) is a float-path operand. */
static bool is_float_path_operand(enum fpq_format f)
{
	const struct fpq_format_info *fi = fpq_format_info(f);

	return fi && fi->is_element && f != FPQ_FMT_INT8;
}

enum fpq_gemm_path fpq_gemm_path_of(const struct fpq_gemm_op *op)
{
	return op->a.format == FPQ_FMT_INT8 ? FPQ_PATH_INT8 : FPQ_PATH_FLOAT;
}

void fpq_gemm_op_init(struct fpq_gemm_op *op)
{
	*op = (struct fpq_gemm_op){ 0 };
	op->act_min = -128;
	op->act_max = 127;
	op->clamp_lo = -INFINITY;
	op->clamp_hi = INFINITY;
}

static bool overlaps(const void *a, size_t alen, const void *b, size_t blen)
{
	uintptr_t pa = (uintptr_t)a, pb = (uintptr_t)b;

	return pa < pb + blen && pb < pa + alen;
}

/* INT8 output, ONNX Runtime's mode: out_scale instead of the fixed-point pair. */
static int validate_requant_fp32(const struct fpq_gemm_op *op)
{
	if (op->c.format != FPQ_FMT_INT8)
		return fpq_error(-EINVAL, "gemm: the REQUANT_FP32 flag needs int8 output, not %s",
				 fpq_format_name(op->c.format));
	if (!op->out_scale)
		return fpq_error(-EFAULT, "gemm: int8 output with REQUANT_FP32 needs out_scale");
	if (op->flags & FPQ_GEMM_REQUANT_BROADCAST)
		return fpq_error(-EINVAL, "gemm: REQUANT_FP32 reads out_scale, not requant_mult/"
					  "shift: use the scale broadcast flag");
	return 0;
}

static int validate_int8(const struct fpq_gemm_op *op)
{
	const bool req_bc = op->flags & FPQ_GEMM_REQUANT_BROADCAST;
	const bool fp32_mode = op->flags & FPQ_GEMM_REQUANT_FP32;
	uint32_t n = op->b.rows, nshift = req_bc ? 1 : n;
	int err;

	if (op->b.zero_point)
		return fpq_error(-EINVAL, "gemm: B (weights) is symmetric; zero point %d given",
				 op->b.zero_point);
	if (op->a.cols > FPQ_INT8_MAX_K)
		return fpq_error(-EINVAL, "gemm: INT8 K = %u exceeds %u", op->a.cols,
				 FPQ_INT8_MAX_K);
	if (op->alpha || op->beta || op->act != FPQ_ACT_NONE)
		return fpq_error(-EINVAL, "gemm: alpha, beta and act belong to the float path");
	if (op->flags & (FPQ_GEMM_ALPHA_BROADCAST | FPQ_GEMM_BETA_BROADCAST |
			 FPQ_GEMM_QUANT_NONSAT))
		return fpq_error(-EINVAL, "gemm: float-path flags on an INT8 operation");

	if (fp32_mode && (err = validate_requant_fp32(op)))
		return err;
	switch (op->c.format) {
	case FPQ_FMT_INT32:
		if (op->requant_mult || op->requant_shift || op->out_scale)
			return fpq_error(-EINVAL,
					 "gemm: int32 output takes no requantization or scale");
		break;
	case FPQ_FMT_INT8:
		if (!fp32_mode && (!op->requant_mult || !op->requant_shift))
			return fpq_error(-EFAULT, "gemm: int8 output needs requant_mult and "
						  "requant_shift");
		if (op->out_scale && !fp32_mode)
			return fpq_error(-EINVAL, "gemm: out_scale belongs to fp32 output (or to "
						  "int8 output with REQUANT_FP32)");
		for (uint32_t j = 0; j < nshift && !fp32_mode; j++)
			if (op->requant_shift[j] < -31 || op->requant_shift[j] > 30)
				return fpq_error(-EINVAL, "gemm: requant_shift[%u] = %d is outside "
							  "-31..30", j, op->requant_shift[j]);
		if (op->out_zero < -128 || op->out_zero > 127)
			return fpq_error(-EINVAL, "gemm: out_zero %d is outside -128..127",
					 op->out_zero);
		if (op->act_min < -128 || op->act_max > 127 || op->act_min > op->act_max)
			return fpq_error(-EINVAL, "gemm: act_min..act_max = %d..%d is not inside "
						  "-128..127", op->act_min, op->act_max);
		break;
	case FPQ_FMT_FP32:
		if (!op->out_scale)
			return fpq_error(-EFAULT, "gemm: fp32 output of INT8 needs out_scale");
		if (op->requant_mult || op->requant_shift)
			return fpq_error(-EINVAL, "gemm: requantization belongs to int8 output");
		break;
	default:
		return fpq_error(-EINVAL, "gemm: INT8 inputs give int32, int8 or fp32, not %s",
				 fpq_format_name(op->c.format));
	}
	if (op->c.format != FPQ_FMT_INT8 &&
	    (op->out_zero || op->act_min != -128 || op->act_max != 127))
		return fpq_error(-EINVAL, "gemm: out_zero/act_min/act_max belong to int8 output");
	if (op->c.format != FPQ_FMT_FP32 && !fp32_mode &&
	    (op->flags & FPQ_GEMM_SCALE_BROADCAST))
		return fpq_error(-EINVAL, "gemm: scale broadcast flag without fp32 output (or "
					  "int8 output with REQUANT_FP32)");
	if (op->c.format != FPQ_FMT_INT8 && req_bc)
		return fpq_error(-EINVAL, "gemm: requant broadcast flag without int8 output");
	return 0;
}

static int validate_float(const struct fpq_gemm_op *op)
{
	const struct fpq_format_info *ci = fpq_format_info(op->c.format);

	if (!is_float_path_operand(op->b.format))
		return fpq_error(-EINVAL, "gemm: A is %s but B is %s: INT8 only pairs with "
					  "INT8 (use mxint8 to mix)", fpq_format_name(op->a.format),
				 fpq_format_name(op->b.format));
	if (op->bias || op->requant_mult || op->requant_shift || op->out_scale ||
	    op->out_zero || op->act_min != -128 || op->act_max != 127)
		return fpq_error(-EINVAL, "gemm: bias, requantization and out_scale belong to "
					  "the INT8 path");
	if (op->flags & (FPQ_GEMM_REQUANT_BROADCAST | FPQ_GEMM_SCALE_BROADCAST |
			 FPQ_GEMM_REQUANT_FP32))
		return fpq_error(-EINVAL, "gemm: INT8-path flags on a float operation");
	if (op->c.format != FPQ_FMT_FP32 && op->c.format != FPQ_FMT_BF16 &&
	    !ci->is_element)
		return fpq_error(-EINVAL, "gemm: float paths give fp32, bf16 or a narrow "
					  "format, not %s", ci->name);
	if ((op->flags & FPQ_GEMM_QUANT_NONSAT) && !ci->is_element)
		return fpq_error(-EINVAL, "gemm: non-saturating flag without a narrow output");
	switch (op->act) {
	case FPQ_ACT_NONE:
	case FPQ_ACT_RELU:
		break;
	case FPQ_ACT_CLAMP:
		if (isnan(op->clamp_lo) || isnan(op->clamp_hi) || op->clamp_lo > op->clamp_hi)
			return fpq_error(-EINVAL, "gemm: clamp bounds %g..%g are not ordered",
					 (double)op->clamp_lo, (double)op->clamp_hi);
		break;
	default:
		return fpq_error(-EINVAL, "gemm: unknown activation %d", (int)op->act);
	}
	return 0;
}

static FPQ_FP_WORK int validate(const struct fpq_gemm_op *op)
{
	size_t abytes, bbytes, cbytes;
	int err;

	if (!op)
		return fpq_error(-EFAULT, "gemm: operation is NULL");
	if (op->flags & ~(unsigned int)FPQ_GEMM_FLAGS_ALL)
		return fpq_error(-EINVAL, "gemm: unknown flags 0x%x", op->flags);
	if ((err = fpq_matrix_validate(&op->a, &abytes)))
		return fpq_error(err, "gemm: A: %s", fpq_strerror(err));
	if (op->b_packed) {
		/* Pre-packed weights stand in for B's memory; B's descriptor must agree. */
		const struct fpq_matrix *wb = fpq_weights_matrix(op->b_packed);

		if (op->b.format != wb->format || op->b.rows != wb->rows ||
		    op->b.cols != wb->cols || (op->b.scales != NULL) != (wb->scales != NULL))
			return fpq_error(-EINVAL, "gemm: b_packed holds %s %u x %u %s scales, but "
						  "B is %s %u x %u %s scales",
					 fpq_format_name(wb->format), wb->rows, wb->cols,
					 wb->scales ? "with" : "without",
					 fpq_format_name(op->b.format), op->b.rows, op->b.cols,
					 op->b.scales ? "with" : "without");
		if (op->b.zero_point)
			return fpq_error(-EINVAL, "gemm: B (weights) is symmetric; zero point "
						  "%d given", op->b.zero_point);
		err = fpq_matrix_validate(wb, &bbytes);
	} else {
		err = fpq_matrix_validate(&op->b, &bbytes);
	}
	if (err)
		return fpq_error(err, "gemm: B: %s", fpq_strerror(err));
	if ((err = fpq_matrix_validate(&op->c, &cbytes)))
		return fpq_error(err, "gemm: C: %s", fpq_strerror(err));
	if (!fpq_format_info(op->a.format)->is_element ||
	    !fpq_format_info(op->b.format)->is_element)
		return fpq_error(-EINVAL, "gemm: operands must be element formats, not %s x %s",
				 fpq_format_name(op->a.format), fpq_format_name(op->b.format));
	if (op->a.cols != op->b.cols)
		return fpq_error(-EINVAL, "gemm: A has K = %u but B has K = %u", op->a.cols,
				 op->b.cols);
	if (op->c.rows != op->a.rows || op->c.cols != op->b.rows)
		return fpq_error(-EINVAL, "gemm: C is %u x %u, expected M x N = %u x %u",
				 op->c.rows, op->c.cols, op->a.rows, op->b.rows);
	if (overlaps(op->c.data, cbytes, op->a.data, abytes) ||
	    (!op->b_packed && overlaps(op->c.data, cbytes, op->b.data, bbytes)))
		return fpq_error(-EINVAL, "gemm: C overlaps an input");

	err = op->a.format == FPQ_FMT_INT8 || op->b.format == FPQ_FMT_INT8
		      ? (op->a.format == op->b.format ? validate_int8(op)
			 : fpq_error(-EINVAL, "gemm: %s x %s: INT8 only pairs with INT8 "
					      "(use mxint8 to mix)",
				     fpq_format_name(op->a.format),
				     fpq_format_name(op->b.format)))
		      : validate_float(op);
	if (err)
		return err;
	if (op->a.zero_point && op->a.format != FPQ_FMT_INT8)
		return fpq_error(-EINVAL, "gemm: zero point on a float operand");
	return 0;
}

int fpq_gemm_validate(const struct fpq_gemm_op *op)
{
	struct fpq_fp_env env = fpq_fp_enter();
	int r = validate(op);

	fpq_fp_leave(env);
	return r;
}
