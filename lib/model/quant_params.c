// SPDX-License-Identifier: MIT
/*
 * quant_params.c - the quantization parameters and quantized values exactly as ONNX
 * Runtime's quantize_static computes them (its quant_utils: compute_scale_zp,
 * quantize_nparray, and the bias rule of its quantizer), so that fpq's quantized
 * models hold the bytes ORT's would for the same ranges. Documentation/models.rst,
 * "Quantizing", states the rules.
 */
#include <float.h>
#include <math.h>

#include "quant.h"

void qz_range(enum fpq_quant_format fmt, bool weight, int *qmin, int *qmax)
{
	if (fmt == FPQ_QUANT_UINT8) {
		*qmin = 0;
		*qmax = 255;
	} else {
		*qmin = weight ? -127 : -128;
		*qmax = 127;
	}
}

struct qz_params qz_compute_params(float rmin, float rmax, int qmin, int qmax, bool symmetric)
{
	struct qz_params p = { 1.0f, 0 };
	double scale;

	rmin = fminf(rmin, 0.0f);
	rmax = fmaxf(rmax, 0.0f);
	if (symmetric) {
		float absmax = fmaxf(fabsf(rmin), fabsf(rmax));

		rmin = -absmax;
		rmax = absmax;
	}
	/* The difference in binary32 (numpy subtracts the float32 values), the quotient
	 * in binary64, then rounded to binary32. */
	scale = (double)(rmax - rmin) / ((double)qmax - (double)qmin);
	if (!(scale >= (double)FLT_MIN))
		return p;
	if (symmetric)
		p.zero_point = (int32_t)nearbyint(((double)qmin + (double)qmax) / 2.0);
	else
		p.zero_point = (int32_t)nearbyint((double)qmin - (double)rmin / scale);
	if (p.zero_point < qmin)
		p.zero_point = qmin;
	if (p.zero_point > qmax)
		p.zero_point = qmax;
	p.scale = (float)scale;
	return p;
}

int32_t qz_quantize_value(float x, struct qz_params p, int qmin, int qmax)
{
	float v = nearbyintf(x / p.scale) + (float)p.zero_point;

	if (!(v >= (float)qmin))
		return qmin;
	if (v > (float)qmax)
		return qmax;
	return (int32_t)v;
}

int32_t qz_quantize_bias(float b, float bias_scale)
{
	float v = nearbyintf(b / bias_scale);

	/* numpy clips to int32's range in binary32, where 2^31 - 1 rounds to 2^31. */
	if (!(v > -2147483648.0f))
		return INT32_MIN;
	if (v >= 2147483648.0f)
		return INT32_MAX;
	return (int32_t)v;
}
