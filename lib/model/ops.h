/* SPDX-License-Identifier: MIT */
/*
 * ops.h - what the operator files (op_*.c) share: the op structs they define, layout
 * helpers, quantization parameters and ONNX Runtime's scalar formulas.
 */
#ifndef FPQ_MODEL_OPS_H
#define FPQ_MODEL_OPS_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "pipeline.h"

/* ---- the op table entries (one op family per file) ---- */

#define MG_OPS(X)                                                                        \
	X(quantize_linear) X(dequantize_linear)                                          \
	X(conv) X(conv_transpose) X(qlinear_conv)                                        \
	X(matmul) X(gemm) X(qlinear_matmul) X(qgemm)                                     \
	X(add) X(sub) X(mul) X(div) X(qlinear_add) X(qlinear_mul)                        \
	X(max_pool) X(average_pool) X(global_average_pool) X(global_max_pool)            \
	X(qlinear_average_pool) X(qlinear_global_average_pool)                           \
	X(relu) X(clip) X(leaky_relu) X(sigmoid) X(hard_sigmoid) X(hard_swish)           \
	X(qlinear_sigmoid) X(qlinear_leaky_relu) X(lut)                                  \
	X(softmax) X(resize) X(batch_normalization)                                      \
	X(reshape) X(flatten) X(transpose) X(squeeze) X(unsqueeze) X(identity)            \
	X(shape) X(gather) X(slice) X(pad) X(concat) X(qlinear_concat) X(cast)            \
	X(constant) X(constant_of_shape) X(to_nhwc) X(to_nchw) X(mx_conv) X(mx_gemm)

#define MG_DECLARE_OP(name) extern const struct mg_op mg_op_##name;
MG_OPS(MG_DECLARE_OP)
#undef MG_DECLARE_OP

/* ---- layout: logical NCHW axes to the physical position in an NHWC buffer ---- */

static inline int mg_nhwc_axis(int axis)
{
	static const int map[4] = { 0, 3, 1, 2 };

	return map[axis];
}

/* The physical (memory-order) dims of a value. */
static inline void mg_physical_dims(const struct mg_value *v, int64_t *dims)
{
	for (int d = 0; d < v->rank; d++)
		dims[d] = v->dims[d];
	if (v->nhwc && v->rank == 4) {
		dims[1] = v->dims[2];
		dims[2] = v->dims[3];
		dims[3] = v->dims[1];
	}
}

/* Normalise an axis attribute against a rank (negative counts from the end). */
int mg_axis(const struct mg_node *n, int64_t axis, int rank, int *out);

/* ---- quantization parameters (from constant inputs) ---- */

/*
 * A quantized tensor's parameters: one scale and zero point, or one per channel along
 * an axis. Zero points are in the stored domain (uint8 as int8, see graph.h); u8 says
 * the tensor is uint8.
 */
struct mg_qparams {
	int count;         /* 1, or the channels along axis */
	int axis;          /* -1 for per-tensor */
	bool u8;           /* the model's type is uint8 */
	float *scale;
	int32_t *zero;
};

/* Read scale input si and zero-point input zi (zi may be absent: zero point 0 of the
 * data type dtype) of node n; per-channel when the scale has more than one element. */
int mg_qparams_read(struct mg_graph *g, struct mg_node *n, int si, int zi,
		    enum fpq_dtype dtype, struct mg_qparams *q);
void mg_qparams_free(struct mg_graph *g, struct mg_qparams *q);
/* One value (per-tensor) only: refuse per-channel parameters. */
int mg_qparams_scalar(struct mg_graph *g, struct mg_node *n, int si, int zi,
		      enum fpq_dtype dtype, float *scale, int32_t *zero, bool *u8);

/* ---- ONNX Runtime's scalar arithmetic (numerics in Documentation/models.rst) ---- */

/* Round to nearest even, whatever the rounding mode (also for huge values). */
static inline float mg_rne(float v)
{
	return roundevenf(v);
}

/* float -> int32 as cvtps2dq does: RNE, and INT32_MIN for NaN and out of range. */
static inline int32_t mg_cvt_i32(float v)
{
	float r = roundevenf(v);

	if (!(r >= -2147483648.0f && r < 2147483648.0f))
		return INT32_MIN;
	return (int32_t)r;
}

/*
 * RNE to an integer for |v| <= 2^22 (clamped values): adding and subtracting 1.5 * 2^23
 * rounds in the current rounding mode, which the model runner keeps at the default
 * (round to nearest even) - unlike roundevenf(), the compiler vectorises it.
 */
static inline float mg_rne_small(float v)
{
	return (v + 12582912.0f) - 12582912.0f;
}

/* Copy n bytes (no overlap) without a call for the short pieces im2col copies: a few
 * fixed-size moves, overlapping at the end. */
static inline void mg_copy_short(uint8_t *d, const uint8_t *s, size_t n)
{
	if (n >= 16) {
		if (n > 64) {
			memcpy(d, s, n);
			return;
		}
		for (size_t i = 0; i + 16 <= n; i += 16)
			memcpy(d + i, s + i, 16);
		memcpy(d + n - 16, s + n - 16, 16);
	} else if (n >= 8) {
		memcpy(d, s, 8);
		memcpy(d + n - 8, s + n - 8, 8);
	} else if (n >= 4) {
		memcpy(d, s, 4);
		memcpy(d + n - 4, s + n - 4, 4);
	} else if (n >= 2) {
		memcpy(d, s, 2);
		memcpy(d + n - 2, s + n - 2, 2);
	} else if (n) {
		*d = *s;
	}
}

static inline int32_t mg_sat8(int32_t v)
{
	return v < -128 ? -128 : v > 127 ? 127 : v;
}

/*
 * MlasQuantizeLinear in the stored domain: y = rne(clamp(x / scale, -128 - zp,
 * 127 - zp)) + zp. The clamp is maxps then minps: a NaN quotient becomes the lower
 * bound. *clamped (if not NULL) counts values the clamp moved.
 */
static inline int8_t mg_quantize(float x, float scale, int32_t zp, uint64_t *clamped)
{
	float lo = (float)(-128 - zp), hi = (float)(127 - zp);
	float v = x / scale;
	float c = v > lo ? v : lo;

	c = c < hi ? c : hi;
	if (clamped && c != v)
		(*clamped)++;
	return (int8_t)((int32_t)mg_rne_small(c) + zp);
}

/* ---- 8-bit requantization of int32 accumulators (requant.c) ---- */

/*
 * y = sat(rne(clamp(fp32(fp32(acc) * s[j]), qmin - zp, qmax - zp)) + zp) for an M x N
 * block of accumulators (row stride acc_stride, output row stride y_stride): the
 * MlasRequantizeOutput formula, with [qmin, qmax] the op's output range in the stored
 * domain. scale has N entries, or one with per_tensor. Counts go to st.
 */
void mg_requantize(const int32_t *acc, size_t acc_stride, int8_t *y, size_t y_stride,
		   uint32_t m, uint32_t n, const float *scale, bool per_tensor, int32_t zp,
		   int32_t qmin, int32_t qmax, struct fpq_layer_stats *st);

/* One quantized GEMM: y[rows x n] = requant(a[rows x k] * w^T + bias). */
struct mg_qgemm_args {
	uint32_t k, n;
	int32_t a_zero;
	const struct fpq_weights *w;  /* n x k int8, pre-packed */
	const int32_t *bias;          /* n, or NULL */
	const float *scale;           /* n, or 1 with per_tensor */
	bool per_tensor;
	int32_t y_zero, qmin, qmax;
};

/* Run it on libfpq's GEMM, which requantizes (FPQ_GEMM_REQUANT_FP32); y_stride in bytes. */
int mg_qgemm(struct mg_exec *ex, const struct mg_qgemm_args *q, const int8_t *a,
	     size_t a_stride, uint32_t rows, int8_t *y, size_t y_stride);

/* ---- broadcasting of elementwise ops ---- */

/*
 * The strides (in elements) with which each of two inputs is read for an output of
 * rank r and physical dims out[]: 0 along broadcast dimensions.
 */
struct mg_bcast {
	int rank;
	int64_t out[MG_MAX_DIMS];
	int64_t sa[MG_MAX_DIMS], sb[MG_MAX_DIMS];
};

/* Broadcast shapes of inputs a and b to the output's, in physical order. */
int mg_bcast_init(const struct mg_node *n, const struct mg_value *a, const struct mg_value *b,
		  const struct mg_value *out, struct mg_bcast *bc);
/* Output shape of broadcasting a with b (logical). */
int mg_bcast_shape(const struct mg_node *n, const struct mg_value *a, const struct mg_value *b,
		   int *rank, int64_t *dims);

/* ---- small helpers ---- */

static inline float *mg_f32(struct mg_value *v)
{
	return (float *)v->ptr;
}

static inline int8_t *mg_i8(struct mg_value *v)
{
	return (int8_t *)v->ptr;
}

/* Is dtype an 8-bit quantized type? */
static inline bool mg_is_q8(enum fpq_dtype t)
{
	return t == FPQ_DTYPE_INT8 || t == FPQ_DTYPE_UINT8;
}

/* Read an int list from a constant 1-D int64/int32 input (NULL data: -EAGAIN). */
int mg_const_ints(struct mg_graph *g, struct mg_node *n, int i, int64_t *out, int max,
		  int *count);

#endif /* FPQ_MODEL_OPS_H */
