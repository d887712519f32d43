// SPDX-License-Identifier: MIT
/*
 * epi.c - the epilogue of a range of columns through lib/epilogue.c, the scalar truth:
 * the operation is viewed as if C started at column j0 and had n columns (per-channel
 * arrays and C's scales shifted to match). Every ISA uses this for the output modes it
 * does not vectorise, and the scalar ISA for all of them.
 */
#include "cpu.h"

/* j0 is a multiple of 16 (whole packing groups of C), and of 32 with MX output. */
static void view_columns(const struct fpq_gemm_op *op, uint32_t j0, uint32_t n,
			 struct fpq_gemm_op *v)
{
	const struct fpq_format_info *fi = fpq_format_info(op->c.format);

	*v = *op;
	v->c.cols = n;
	v->c.stride = fpq_matrix_stride(&op->c);
	v->c.data = (uint8_t *)op->c.data + (size_t)j0 / fi->group_elems * fi->group_bytes;
	if (op->c.scales) {
		v->c.scale_stride = op->c.scale_stride ? op->c.scale_stride
						       : op->c.cols / FPQ_MX_BLOCK;
		v->c.scales = op->c.scales + j0 / FPQ_MX_BLOCK;
	}
	if (op->alpha && !(op->flags & FPQ_GEMM_ALPHA_BROADCAST))
		v->alpha = op->alpha + j0;
	if (op->beta && !(op->flags & FPQ_GEMM_BETA_BROADCAST))
		v->beta = op->beta + j0;
	if (op->requant_mult && !(op->flags & FPQ_GEMM_REQUANT_BROADCAST)) {
		v->requant_mult = op->requant_mult + j0;
		v->requant_shift = op->requant_shift + j0;
	}
	if (op->out_scale && !(op->flags & FPQ_GEMM_SCALE_BROADCAST))
		v->out_scale = op->out_scale + j0;
}

void cpu_epi_float_scalar(const struct fpq_gemm_op *op, uint32_t row0, unsigned int rows,
			  uint32_t j0, uint32_t n, const float *acc, size_t acc_stride,
			  struct fpq_gemm_status *st)
{
	struct fpq_gemm_op v;

	view_columns(op, j0, n, &v);
	for (unsigned int r = 0; r < rows; r++)
		fpq_epilogue_float_row(&v, row0 + r, acc + r * acc_stride, st);
}

void cpu_epi_int8_scalar(const struct fpq_gemm_op *op, uint32_t row0, unsigned int rows,
			 uint32_t j0, uint32_t n, const int32_t *acc, size_t acc_stride,
			 struct fpq_gemm_status *st)
{
	struct fpq_gemm_op v;

	view_columns(op, j0, n, &v);
	for (unsigned int r = 0; r < rows; r++)
		fpq_epilogue_int8_row(&v, row0 + r, acc + r * acc_stride, st);
}
