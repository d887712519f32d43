// SPDX-License-Identifier: MIT
/*
 * requant.c - the quantized GEMM of the model layer: libfpq's INT8 GEMM (exact int32
 * sums, bias included) whose accumulators are requantized to 8 bits as ONNX Runtime's
 * MlasRequantizeOutput does (Documentation/models.rst): one binary32 product with the
 * per-channel scale, a clamp in binary32 to the output range, round to nearest even,
 * the zero point.
 *
 * The one place that requantizes: once libfpq's GEMM epilogue has this mode
 * (FPQ_GEMM_REQUANT_FP32), mg_qgemm() asks the GEMM for int8 output directly.
 */
#include <errno.h>

#include "internal.h"
#include "ops.h"

void mg_requantize(const int32_t *acc, size_t acc_stride, int8_t *y, size_t y_stride,
		   uint32_t m, uint32_t n, const float *scale, bool per_tensor, int32_t zp,
		   int32_t qmin, int32_t qmax, struct fpq_layer_stats *st)
{
	const float lo = (float)(qmin - zp), hi = (float)(qmax - zp);
	const float type_lo = (float)(-128 - zp), type_hi = (float)(127 - zp);
	uint64_t clamped = 0, saturated = 0;

	for (uint32_t i = 0; i < m; i++) {
		const int32_t *a = acc + (size_t)i * acc_stride;
		int8_t *out = y + (size_t)i * y_stride;

		for (uint32_t j = 0; j < n; j++) {
			float v = (float)a[j] * scale[per_tensor ? 0 : j];
			float c = v > lo ? v : lo;

			c = c < hi ? c : hi;
			clamped += c != v;
			saturated += v < type_lo || v > type_hi;
			out[j] = (int8_t)((int32_t)mg_rne_small(c) + zp);
		}
	}
	st->clamped += clamped;
	st->saturated += saturated;
}

int mg_qgemm(struct mg_exec *ex, const struct mg_qgemm_args *q, const int8_t *a,
	     size_t a_stride, uint32_t rows, int8_t *y, size_t y_stride, int32_t *acc)
{
	struct fpq_gemm_op op;
	struct fpq_gemm_status st;
	int err;

	if (!rows)
		return 0;
	fpq_gemm_op_init(&op);
	op.a = (struct fpq_matrix){ .format = FPQ_FMT_INT8, .rows = rows, .cols = q->k,
				    .stride = a_stride, .data = (void *)a,
				    .zero_point = q->a_zero };
	op.b = (struct fpq_matrix){ .format = FPQ_FMT_INT8, .rows = q->n, .cols = q->k };
	op.b_packed = q->w;
	op.c = (struct fpq_matrix){ .format = FPQ_FMT_INT32, .rows = rows, .cols = q->n,
				    .data = acc };
	op.bias = q->bias;
	err = fpq_gemm(ex->ctx, &op, &st);
	if (err)
		return err;
	ex->st->gemm_calls++;
	ex->st->device_cycles += st.device_cycles;
	mg_requantize(acc, q->n, y, y_stride, rows, q->n, q->scale, q->per_tensor, q->y_zero,
		      q->qmin, q->qmax, ex->st);
	return 0;
}
