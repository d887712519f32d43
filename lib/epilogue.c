// SPDX-License-Identifier: MIT
/*
 * epilogue.c - what happens to a row of accumulators before it is stored: the float
 * epilogue (fmaf alpha/beta, activation, output conversion) and the INT8 path's output
 * stages. Shared by every CPU implementation so they cannot drift apart.
 */
#include <math.h>
#include <string.h>

#include "internal.h"

static float per_channel(const float *v, bool broadcast, uint32_t j, float dflt)
{
	if (!v)
		return dflt;
	return broadcast ? v[0] : v[j];
}

/* Activation; counts the values it changes. NaN passes through unchanged. */
static float activate(const struct fpq_gemm_op *op, float y, uint64_t *clamped)
{
	switch (op->act) {
	case FPQ_ACT_RELU:
		if (y < 0.0f) {
			(*clamped)++;
			return 0.0f;
		}
		return y;
	case FPQ_ACT_CLAMP:
		if (y < op->clamp_lo) {
			(*clamped)++;
			return op->clamp_lo;
		}
		if (y > op->clamp_hi) {
			(*clamped)++;
			return op->clamp_hi;
		}
		return y;
	default:
		return y;
	}
}

static uint32_t fp32_bits(float v)
{
	uint32_t b;

	memcpy(&b, &v, sizeof(b));
	return b;
}

void fpq_epilogue_float_row(const struct fpq_gemm_op *op, uint32_t row, const float *acc,
			    struct fpq_gemm_status *st)
{
	const struct fpq_matrix *c = &op->c;
	const unsigned int qflags = op->flags & FPQ_GEMM_QUANT_NONSAT ? FPQ_QUANT_NONSAT : 0;
	struct fpq_quant_stats qs = { 0, 0, 0 };
	float y[FPQ_MX_BLOCK];

	for (uint32_t j0 = 0; j0 < c->cols; j0 += FPQ_MX_BLOCK) {
		uint32_t n = c->cols - j0 < FPQ_MX_BLOCK ? c->cols - j0 : FPQ_MX_BLOCK;

		for (uint32_t t = 0; t < n; t++) {
			uint32_t j = j0 + t;
			float alpha = per_channel(op->alpha, op->flags & FPQ_GEMM_ALPHA_BROADCAST,
						  j, 1.0f);
			float beta = per_channel(op->beta, op->flags & FPQ_GEMM_BETA_BROADCAST,
						 j, 0.0f);

			y[t] = activate(op, fpq_canonical(fmaf(acc[j], alpha, beta)),
					&st->clamped);
		}
		switch (c->format) {
		case FPQ_FMT_FP32:
			for (uint32_t t = 0; t < n; t++)
				fpq_matrix_set(c, row, j0 + t, fp32_bits(y[t]));
			break;
		case FPQ_FMT_BF16:
			for (uint32_t t = 0; t < n; t++)
				fpq_matrix_set(c, row, j0 + t, fpq_bf16_from_fp32(y[t]));
			break;
		default:
			if (c->scales) {
				size_t sstride = c->scale_stride ? c->scale_stride
								 : c->cols / FPQ_MX_BLOCK;
				uint32_t codes[FPQ_MX_BLOCK];

				fpq_mx_quantize_block(c->format, y, n, qflags, &qs,
						      &c->scales[row * sstride + j0 / FPQ_MX_BLOCK],
						      codes);
				for (uint32_t t = 0; t < n; t++)
					fpq_matrix_set(c, row, j0 + t, codes[t]);
			} else {
				for (uint32_t t = 0; t < n; t++)
					fpq_matrix_set(c, row, j0 + t,
						       fpq_encode_double(c->format, y[t], qflags,
									 &qs));
			}
			break;
		}
	}
	st->saturated += qs.saturated;
	st->nan_to_zero += qs.nan_to_zero;
	st->overflowed += qs.overflowed;
}

void fpq_epilogue_int8_row(const struct fpq_gemm_op *op, uint32_t row, const int32_t *acc,
			   struct fpq_gemm_status *st)
{
	const struct fpq_matrix *c = &op->c;
	const bool req_bc = op->flags & FPQ_GEMM_REQUANT_BROADCAST;
	const bool scale_bc = op->flags & FPQ_GEMM_SCALE_BROADCAST;
	const bool fp32_mode = op->flags & FPQ_GEMM_REQUANT_FP32;

	for (uint32_t j = 0; j < c->cols; j++) {
		switch (c->format) {
		case FPQ_FMT_INT32:
			fpq_matrix_set(c, row, j, (uint32_t)acc[j]);
			break;
		case FPQ_FMT_INT8: {
			if (fp32_mode) {
				/* The clamped value lies in act_min..act_max: no saturation left. */
				int32_t y = fpq_requant_fp32(acc[j], op->out_scale[scale_bc ? 0 : j],
							     op->act_min - op->out_zero,
							     op->act_max - op->out_zero,
							     &st->clamped) + op->out_zero;

				fpq_matrix_set(c, row, j, (uint32_t)(uint8_t)(int8_t)y);
				break;
			}
			uint32_t ch = req_bc ? 0 : j;
			/* The zero point is added exactly (in 64 bits), then clamped. */
			int64_t y = (int64_t)fpq_requant_multiply(acc[j], op->requant_mult[ch],
								  op->requant_shift[ch]) +
				    op->out_zero;

			if (y < op->act_min) {
				y = op->act_min;
				st->clamped++;
			} else if (y > op->act_max) {
				y = op->act_max;
				st->clamped++;
			}
			fpq_matrix_set(c, row, j, (uint32_t)(uint8_t)(int8_t)y);
			break;
		}
		default: /* FP32 */
			fpq_matrix_set(c, row, j,
				       fp32_bits(fpq_mul_i32_f32(acc[j],
								 op->out_scale[scale_bc ? 0 : j])));
			break;
		}
	}
}
