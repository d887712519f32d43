// SPDX-License-Identifier: MIT
/*
 * quantize.c - whole-matrix conversion between binary32 and the narrow formats,
 * including MX block quantization (one E8M0 scale per 32 elements along a row).
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "internal.h"

/*
 * The shared exponent X = floor(log2(amax)) - emax_elem, clamped to E8M0's -127..127.
 * NaNs do not take part in amax; an infinite amax asks for the largest scale.
 */
static int mx_shared_exponent(enum fpq_format fmt, const float *vals, unsigned int n)
{
	float amax = 0.0f;
	int x;

	for (unsigned int i = 0; i < n; i++)
		if (!isnan(vals[i]) && fabsf(vals[i]) > amax)
			amax = fabsf(vals[i]);
	if (amax == 0.0f)
		return -127;
	if (isinf(amax))
		return 127;
	x = ilogbf(amax) - fpq_format_info(fmt)->mx_emax;
	return x < -127 ? -127 : x > 127 ? 127 : x;
}

void fpq_mx_quantize_block(enum fpq_format fmt, const float *vals, unsigned int n,
			   unsigned int flags, struct fpq_quant_stats *stats,
			   uint8_t *scale, uint32_t *codes)
{
	int x = mx_shared_exponent(fmt, vals, n);

	*scale = (uint8_t)(x + 127);
	/* v * 2^-X is exact in binary64, so the element rounding is the only one. */
	for (unsigned int i = 0; i < n; i++)
		codes[i] = fpq_encode_double(fmt, ldexp((double)vals[i], -x), flags, stats);
}

static FPQ_FP_WORK int quantize(const float *src, size_t src_stride,
				const struct fpq_matrix *dst, unsigned int flags,
				struct fpq_quant_stats *stats)
{
	struct fpq_quant_stats st = { 0, 0, 0 };
	const struct fpq_format_info *fi;
	int err;

	err = fpq_matrix_validate(dst, NULL);
	if (err)
		return err;
	fi = fpq_format_info(dst->format);
	if (!fi->is_element)
		return fpq_error(-EINVAL, "quantize: %s is not a narrow element format", fi->name);
	if (!src)
		return fpq_error(-EFAULT, "quantize: source pointer is NULL");
	if (src_stride < dst->cols)
		return fpq_error(-EINVAL, "quantize: source stride %zu < %u columns", src_stride,
				 dst->cols);
	if (flags & ~(unsigned int)FPQ_QUANT_NONSAT)
		return fpq_error(-EINVAL, "quantize: unknown flags 0x%x", flags);

	for (uint32_t r = 0; r < dst->rows; r++) {
		const float *row = src + (size_t)r * src_stride;

		if (dst->scales) {
			size_t sstride = dst->scale_stride ? dst->scale_stride
							   : dst->cols / FPQ_MX_BLOCK;

			for (uint32_t b = 0; b < dst->cols / FPQ_MX_BLOCK; b++) {
				uint32_t codes[FPQ_MX_BLOCK];

				fpq_mx_quantize_block(dst->format, row + b * FPQ_MX_BLOCK,
						      FPQ_MX_BLOCK, flags, &st,
						      &dst->scales[r * sstride + b], codes);
				for (uint32_t t = 0; t < FPQ_MX_BLOCK; t++)
					fpq_matrix_set(dst, r, b * FPQ_MX_BLOCK + t, codes[t]);
			}
		} else {
			for (uint32_t c = 0; c < dst->cols; c++)
				fpq_matrix_set(dst, r, c,
					       fpq_encode_double(dst->format, row[c], flags, &st));
		}
	}
	if (stats)
		*stats = st;
	return 0;
}

int fpq_quantize(const float *src, size_t src_stride, const struct fpq_matrix *dst,
		 unsigned int flags, struct fpq_quant_stats *stats)
{
	struct fpq_fp_env env = fpq_fp_enter();
	int r = quantize(src, src_stride, dst, flags, stats);

	fpq_fp_leave(env);
	return r;
}

static FPQ_FP_WORK int dequantize(const struct fpq_matrix *src, float *dst,
				  size_t dst_stride)
{
	int err = fpq_matrix_validate(src, NULL);

	if (err)
		return err;
	if (!dst)
		return fpq_error(-EFAULT, "dequantize: destination pointer is NULL");
	if (dst_stride < src->cols)
		return fpq_error(-EINVAL, "dequantize: destination stride %zu < %u columns",
				 dst_stride, src->cols);

	for (uint32_t r = 0; r < src->rows; r++) {
		for (uint32_t c = 0; c < src->cols; c++) {
			uint32_t code = fpq_matrix_get(src, r, c);
			float v;

			switch (src->format) {
			case FPQ_FMT_INT32:
				v = (float)(int32_t)code;   /* RNE conversion, one rounding */
				break;
			case FPQ_FMT_FP32:
				memcpy(&v, &code, sizeof(v));
				break;
			case FPQ_FMT_BF16:
				v = fpq_bf16_to_fp32((uint16_t)code);
				break;
			default: {
				uint8_t s = fpq_matrix_scale(src, r, c / FPQ_MX_BLOCK);
				double d = fpq_decode(src->format, code);

				/* Exact in binary64; the conversion to float rounds once. */
				v = s == 0xFF ? fpq_canonical(NAN)
					      : fpq_canonical((float)ldexp(d, (int)s - 127));
				break;
			}
			}
			dst[(size_t)r * dst_stride + c] = v;
		}
	}
	return 0;
}

int fpq_dequantize(const struct fpq_matrix *src, float *dst, size_t dst_stride)
{
	struct fpq_fp_env env = fpq_fp_enter();
	int r = dequantize(src, dst, dst_stride);

	fpq_fp_leave(env);
	return r;
}
