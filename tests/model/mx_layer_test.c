// SPDX-License-Identifier: MIT
/*
 * mx_layer_test.c - fpq.MxConv and fpq.MxGemm (lib/model/op_mx.c; Documentation/
 * models.rst, "MX and FP8 layers") against a composition of libfpq's reference:
 * this test's own im2col in the documented K order, fpq_quantize() of the activations
 * and fpq_gemm_reference() on the same packed weights, compared bit for bit, for every
 * weight format, several activation formats, strides, pads, groups, depthwise and K
 * that is not a multiple of 32; and the loader's refusals of malformed MX nodes, each
 * naming the node.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpq.h"
#include "fpq_model.h"
#include "harness.h"
#include "model_builder.h"
#include "rng.h"

#define T_FLOAT ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT
#define T_U8 ONNX__TENSOR_PROTO__DATA_TYPE__UINT8

static struct fpq_context *ctx;

static const enum fpq_format formats[] = {
	FPQ_FMT_E4M3, FPQ_FMT_E5M2, FPQ_FMT_E3M2, FPQ_FMT_E2M3, FPQ_FMT_E2M1, FPQ_FMT_MXINT8,
};
#define N_FORMATS (sizeof(formats) / sizeof(formats[0]))

struct conv_case {
	int n, c, h, w, m, kh, kw, stride, pad, group;
};

/* Values over several binades, some zeros and negatives. */
static float value(struct rng *r)
{
	uint32_t u = rng_below(r, 16);

	if (!u)
		return 0.0f;
	return ((float)rng_below(r, 2001) - 1000.0f) / 400.0f * ldexpf(1.0f, (int)u / 3 - 2);
}

/* An MX layer's weights: [m, kp] binary32 (zeros after k) MX-quantized to fmt. */
static void mx_weights(struct rng *r, enum fpq_format fmt, int m, int k, int kp,
		       uint8_t **data, uint8_t **scales)
{
	float *w = calloc((size_t)m * (size_t)kp, sizeof(float));
	size_t row = fpq_row_bytes(fmt, (uint32_t)kp);
	struct fpq_matrix dst;

	*data = calloc((size_t)m, row);
	*scales = calloc((size_t)m, (size_t)kp / 32);
	for (int o = 0; o < m; o++)
		for (int e = 0; e < k; e++)
			w[(size_t)o * (size_t)kp + (size_t)e] = value(r);
	dst = (struct fpq_matrix){ .format = fmt, .rows = (uint32_t)m, .cols = (uint32_t)kp,
				   .stride = row, .data = *data, .scales = *scales,
				   .scale_stride = (size_t)kp / 32 };
	CHECK(fpq_quantize(w, (size_t)kp, &dst, 0, NULL) == 0);
	free(w);
}

/* The reference of one group: rows x mg outputs into out (row stride ld). */
static void reference_gemm(enum fpq_format af, enum fpq_format wf, const float *a,
			   uint32_t rows, uint32_t kp, const uint8_t *w, const uint8_t *ws,
			   uint32_t mg, const float *bias, float *out, size_t ld)
{
	size_t arow = fpq_row_bytes(af, kp), wrow = fpq_row_bytes(wf, kp);
	uint8_t *aq = calloc(rows, arow), *as = calloc(rows, kp / 32);
	struct fpq_gemm_op op;
	int err;

	fpq_gemm_op_init(&op);
	op.a = (struct fpq_matrix){ .format = af, .rows = rows, .cols = kp, .stride = arow,
				    .data = aq, .scales = as, .scale_stride = kp / 32 };
	CHECK(fpq_quantize(a, kp, &op.a, 0, NULL) == 0);
	op.b = (struct fpq_matrix){ .format = wf, .rows = mg, .cols = kp, .stride = wrow,
				    .data = (void *)w, .scales = (uint8_t *)ws,
				    .scale_stride = kp / 32 };
	op.c = (struct fpq_matrix){ .format = FPQ_FMT_FP32, .rows = rows, .cols = mg,
				    .stride = ld * sizeof(float), .data = out };
	op.beta = bias;
	err = fpq_gemm_reference(&op, NULL);
	CHECK(err == 0, "reference: %s", fpq_strerror(err));
	free(aq);
	free(as);
}

static struct mb *conv_model(const struct conv_case *t, enum fpq_format wf, enum fpq_format af,
			     const uint8_t *w, const uint8_t *ws, const float *bias, int kp)
{
	struct mb *b = mb_new(17, 0);
	int cg = t->c / t->group;
	size_t row = fpq_row_bytes(wf, (uint32_t)kp);
	int oh = (t->h + 2 * t->pad - t->kh) / t->stride + 1;
	int ow = (t->w + 2 * t->pad - t->kw) / t->stride + 1;
	Onnx__NodeProto *n;

	mb_import(b, "fpq", 1);
	mb_input(b, "x", T_FLOAT, 4, (int64_t[]){ t->n, t->c, t->h, t->w }, NULL);
	mb_output(b, "y", T_FLOAT, 4, (int64_t[]){ t->n, t->m, oh, ow });
	mb_init(b, "w", T_U8, 2, (int64_t[]){ t->m, (int64_t)row }, w);
	mb_init(b, "ws", T_U8, 2, (int64_t[]){ t->m, kp / 32 }, ws);
	mb_init(b, "b", T_FLOAT, 1, (int64_t[]){ t->m }, bias);
	n = mb_node(b, "MxConv", "fpq", "mx1", "x,w,ws,b", "y");
	mb_attr_s(b, n, "weight_format", fpq_format_name(wf));
	mb_attr_s(b, n, "act_format", fpq_format_name(af));
	mb_attr_i(b, n, "block_size", 32);
	mb_attr_ints(b, n, "weight_shape", 4, (int64_t[]){ t->m, cg, t->kh, t->kw });
	mb_attr_ints(b, n, "kernel_shape", 2, (int64_t[]){ t->kh, t->kw });
	mb_attr_ints(b, n, "strides", 2, (int64_t[]){ t->stride, t->stride });
	mb_attr_ints(b, n, "pads", 4, (int64_t[]){ t->pad, t->pad, t->pad, t->pad });
	mb_attr_i(b, n, "group", t->group);
	return b;
}

static void run_conv(const struct conv_case *t, enum fpq_format wf, enum fpq_format af,
		     uint64_t seed)
{
	struct rng r = rng_seeded(seed);
	int cg = t->c / t->group, mg = t->m / t->group;
	int k = t->kh * t->kw * cg, kp = (k + 31) / 32 * 32;
	int oh = (t->h + 2 * t->pad - t->kh) / t->stride + 1;
	int ow = (t->w + 2 * t->pad - t->kw) / t->stride + 1;
	size_t nx = (size_t)t->n * t->c * t->h * t->w, ny = (size_t)t->n * t->m * oh * ow;
	size_t rows = (size_t)t->n * oh * ow, row = fpq_row_bytes(wf, (uint32_t)kp);
	float *x = malloc(nx * sizeof(float)), *bias = malloc((size_t)t->m * sizeof(float));
	float *y = calloc(ny, sizeof(float)), *want = calloc(rows * (size_t)t->m, sizeof(float));
	float *col = calloc(rows * (size_t)kp, sizeof(float));
	uint8_t *w, *ws;
	struct fpq_model *fm = NULL;
	struct mb *b;
	size_t size, diff = 0;
	const uint8_t *bytes;
	int err;

	for (size_t i = 0; i < nx; i++)
		x[i] = value(&r);
	for (int i = 0; i < t->m; i++)
		bias[i] = value(&r);
	mx_weights(&r, wf, t->m, k, kp, &w, &ws);
	b = conv_model(t, wf, af, w, ws, bias, kp);
	bytes = mb_bytes(b, &size);
	err = fpq_model_load_memory(ctx, bytes, size, NULL, &fm);
	CHECK(err == 0, "load: %s", fpq_strerror(err));
	if (!err) {
		struct fpq_tensor in = { .dtype = FPQ_DTYPE_FLOAT, .ndim = 4,
					 .dims = { t->n, t->c, t->h, t->w }, .data = x,
					 .size = nx * sizeof(float) };
		struct fpq_tensor out = { .data = y, .size = ny * sizeof(float) };

		err = fpq_model_run(fm, &in, 1, &out, 1, NULL);
		CHECK(err == 0, "run: %s", fpq_strerror(err));
	}
	/* The reference: rows (n, oy, ox), K = (ky, kx, c) of the group, zeros beyond. */
	for (int gi = 0; gi < t->group; gi++) {
		memset(col, 0, rows * (size_t)kp * sizeof(float));
		for (int nn = 0; nn < t->n; nn++)
			for (int oy = 0; oy < oh; oy++)
				for (int ox = 0; ox < ow; ox++) {
					float *c = col + ((size_t)(nn * oh + oy) * ow + ox) * kp;

					for (int ky = 0; ky < t->kh; ky++)
						for (int kx = 0; kx < t->kw; kx++)
							for (int ci = 0; ci < cg; ci++) {
								int iy = oy * t->stride - t->pad + ky;
								int ix = ox * t->stride - t->pad + kx;

								if (iy < 0 || iy >= t->h || ix < 0 || ix >= t->w)
									continue;
								c[(ky * t->kw + kx) * cg + ci] =
									x[(((size_t)nn * t->c + gi * cg + ci) * t->h + iy) *
									  t->w + ix];
							}
				}
		reference_gemm(af, wf, col, (uint32_t)rows, (uint32_t)kp,
			       w + (size_t)gi * mg * row, ws + (size_t)gi * mg * (kp / 32),
			       (uint32_t)mg, bias + gi * mg, want + gi * mg, (size_t)t->m);
	}
	/* The model's output is NCHW; want is [rows, m]. */
	for (int nn = 0; nn < t->n; nn++)
		for (int o = 0; o < t->m; o++)
			for (int p = 0; p < oh * ow; p++) {
				float got = y[((size_t)nn * t->m + o) * oh * ow + p];
				float ref = want[((size_t)nn * oh * ow + p) * t->m + o];
				uint32_t gb, rb;

				memcpy(&gb, &got, 4);
				memcpy(&rb, &ref, 4);
				if (gb != rb && !diff++)
					CHECK(gb == rb, "%s x %s: output (%d, %d, %d): %a, reference %a",
					      fpq_format_name(af), fpq_format_name(wf), nn, o, p,
					      (double)got, (double)ref);
			}
	CHECK(diff == 0, "%s x %s: %zu of %zu outputs differ", fpq_format_name(af),
	      fpq_format_name(wf), diff, ny);
	fpq_model_free(fm);
	mb_free(b);
	free(x);
	free(bias);
	free(y);
	free(want);
	free(col);
	free(w);
	free(ws);
}

static const struct conv_case conv_cases[] = {
	{ 2, 1, 9, 9, 16, 3, 3, 1, 1, 1 },     /* K = 9: one partial block */
	{ 1, 16, 8, 8, 32, 3, 3, 2, 1, 1 },    /* stride 2, K = 144 */
	{ 2, 32, 7, 7, 32, 3, 3, 1, 1, 32 },   /* depthwise */
	{ 1, 40, 5, 5, 24, 1, 1, 1, 0, 1 },    /* 1x1, K = 40 */
	{ 1, 8, 6, 6, 8, 3, 3, 1, 1, 2 },      /* two groups */
};

static void test_conv(void)
{
	uint64_t seed = 1;

	for (size_t c = 0; c < sizeof(conv_cases) / sizeof(conv_cases[0]); c++)
		for (size_t f = 0; f < N_FORMATS; f++)
			run_conv(&conv_cases[c], formats[f], formats[(f + c) % N_FORMATS], seed++);
}

static void run_gemm(int rows, int k, int n, enum fpq_format wf, enum fpq_format af,
		     uint64_t seed)
{
	struct rng r = rng_seeded(seed);
	int kp = (k + 31) / 32 * 32;
	size_t row = fpq_row_bytes(wf, (uint32_t)kp);
	float *a = malloc((size_t)rows * k * sizeof(float)), *bias = malloc((size_t)n * 4);
	float *col = calloc((size_t)rows * kp, sizeof(float));
	float *y = calloc((size_t)rows * n, sizeof(float)), *want = calloc((size_t)rows * n, 4);
	struct mb *b = mb_new(17, 0);
	struct fpq_model *fm = NULL;
	uint8_t *w, *ws;
	Onnx__NodeProto *nd;
	const uint8_t *bytes;
	size_t size;
	int err;

	for (int i = 0; i < rows * k; i++)
		a[i] = value(&r);
	for (int i = 0; i < n; i++)
		bias[i] = value(&r);
	mx_weights(&r, wf, n, k, kp, &w, &ws);
	mb_import(b, "fpq", 1);
	mb_input(b, "a", T_FLOAT, 2, (int64_t[]){ rows, k }, NULL);
	mb_output(b, "y", T_FLOAT, 2, (int64_t[]){ rows, n });
	mb_init(b, "w", T_U8, 2, (int64_t[]){ n, (int64_t)row }, w);
	mb_init(b, "ws", T_U8, 2, (int64_t[]){ n, kp / 32 }, ws);
	mb_init(b, "b", T_FLOAT, 1, (int64_t[]){ n }, bias);
	nd = mb_node(b, "MxGemm", "fpq", "gemm1", "a,w,ws,b", "y");
	mb_attr_s(b, nd, "weight_format", fpq_format_name(wf));
	mb_attr_s(b, nd, "act_format", fpq_format_name(af));
	mb_attr_ints(b, nd, "weight_shape", 2, (int64_t[]){ n, k });
	bytes = mb_bytes(b, &size);
	err = fpq_model_load_memory(ctx, bytes, size, NULL, &fm);
	CHECK(err == 0, "load: %s", fpq_strerror(err));
	if (!err) {
		struct fpq_tensor in = { .dtype = FPQ_DTYPE_FLOAT, .ndim = 2, .dims = { rows, k },
					 .data = a, .size = (size_t)rows * k * sizeof(float) };
		struct fpq_tensor out = { .data = y, .size = (size_t)rows * n * sizeof(float) };

		err = fpq_model_run(fm, &in, 1, &out, 1, NULL);
		CHECK(err == 0, "run: %s", fpq_strerror(err));
	}
	for (int i = 0; i < rows; i++)
		memcpy(col + (size_t)i * kp, a + (size_t)i * k, (size_t)k * sizeof(float));
	reference_gemm(af, wf, col, (uint32_t)rows, (uint32_t)kp, w, ws, (uint32_t)n, bias, want,
		       (size_t)n);
	CHECK(!memcmp(y, want, (size_t)rows * n * sizeof(float)), "%s x %s: outputs differ",
	      fpq_format_name(af), fpq_format_name(wf));
	fpq_model_free(fm);
	mb_free(b);
	free(a);
	free(bias);
	free(col);
	free(y);
	free(want);
	free(w);
	free(ws);
}

static void test_gemm(void)
{
	for (size_t f = 0; f < N_FORMATS; f++) {
		run_gemm(5, 64, 10, formats[f], formats[(f + 1) % N_FORMATS], 100 + f);
		run_gemm(3, 70, 33, formats[f], formats[f], 200 + f);
	}
}

/* ---- refusals: each names the node ---- */

enum breakage {
	B_BLOCK, B_WFORMAT, B_AFORMAT_MISSING, B_WBYTES, B_SCALES, B_WSHAPE_RANK, B_GROUP,
	B_NO_IMPORT, B_CHANNELS, B_KERNEL, B_COUNT
};

static void refuse(enum breakage what, const char *want)
{
	struct mb *b = mb_new(17, 0);
	struct fpq_model *fm = NULL;
	uint8_t w[16 * 32] = { 0 }, ws[16] = { 0 };
	float bias[16] = { 0 };
	Onnx__NodeProto *n;
	const uint8_t *bytes;
	size_t size;
	int err;

	if (what != B_NO_IMPORT)
		mb_import(b, "fpq", 1);
	mb_input(b, "x", T_FLOAT, 4, (int64_t[]){ 1, what == B_CHANNELS ? 2 : 1, 8, 8 }, NULL);
	mb_output(b, "y", T_FLOAT, 4, (int64_t[]){ 1, 16, 8, 8 });
	/* e4m3, K = 9 padded to 32: 32 bytes a row, one scale a row */
	mb_init(b, "w", T_U8, 2, (int64_t[]){ 16, what == B_WBYTES ? 24 : 32 }, w);
	mb_init(b, "ws", T_U8, 2, (int64_t[]){ what == B_SCALES ? 8 : 16, 1 }, ws);
	mb_init(b, "b", T_FLOAT, 1, (int64_t[]){ 16 }, bias);
	n = mb_node(b, "MxConv", "fpq", "mx_bad", "x,w,ws,b", "y");
	mb_attr_s(b, n, "weight_format", what == B_WFORMAT ? "int8" : "e4m3");
	if (what != B_AFORMAT_MISSING)
		mb_attr_s(b, n, "act_format", "e4m3");
	mb_attr_i(b, n, "block_size", what == B_BLOCK ? 16 : 32);
	if (what == B_WSHAPE_RANK)
		mb_attr_ints(b, n, "weight_shape", 3, (int64_t[]){ 16, 1, 9 });
	else
		mb_attr_ints(b, n, "weight_shape", 4, (int64_t[]){ 16, 1, 3, 3 });
	mb_attr_ints(b, n, "kernel_shape", 2, (int64_t[]){ 3, what == B_KERNEL ? 1 : 3 });
	mb_attr_ints(b, n, "pads", 4, (int64_t[]){ 1, 1, 1, 1 });
	mb_attr_i(b, n, "group", what == B_GROUP ? 3 : 1);
	bytes = mb_bytes(b, &size);
	err = fpq_model_load_memory(ctx, bytes, size, NULL, &fm);
	CHECK(err < 0, "breakage %d loaded", (int)what);
	if (err < 0) {
		const char *msg = fpq_strerror(err);

		CHECK(strstr(msg, "mx_bad") && strstr(msg, want), "breakage %d: '%s' (want '%s')",
		      (int)what, msg, want);
	}
	fpq_model_free(fm);
	mb_free(b);
}

static void test_refusals(void)
{
	refuse(B_BLOCK, "block_size 16");
	refuse(B_WFORMAT, "not an MX element format");
	refuse(B_AFORMAT_MISSING, "act_format");
	refuse(B_WBYTES, "the weights must be [16, 32] bytes");
	refuse(B_SCALES, "the scales must be [16, 1]");
	refuse(B_WSHAPE_RANK, "weight_shape must have 4 dimensions");
	refuse(B_GROUP, "group 3");
	refuse(B_NO_IMPORT, "does not import");
	refuse(B_CHANNELS, "channels");
	refuse(B_KERNEL, "kernel_shape does not match");
}

/* fpq's internal ops stay internal: a file may not use fpq.ToNHWC. */
static void test_internal_op(void)
{
	struct mb *b = mb_new(17, 0);
	struct fpq_model *fm = NULL;
	const uint8_t *bytes;
	size_t size;
	int err;

	mb_import(b, "fpq", 1);
	mb_input(b, "x", T_FLOAT, 4, (int64_t[]){ 1, 2, 3, 3 }, NULL);
	mb_output(b, "y", T_FLOAT, 4, (int64_t[]){ 1, 2, 3, 3 });
	mb_node(b, "ToNHWC", "fpq", "layout1", "x", "y");
	bytes = mb_bytes(b, &size);
	err = fpq_model_load_memory(ctx, bytes, size, NULL, &fm);
	CHECK(err == -ENOTSUP && strstr(fpq_strerror(err), "internal"), "err %d: %s", err,
	      fpq_strerror(err));
	fpq_model_free(fm);
	mb_free(b);
}

int main(void)
{
	struct fpq_context_opts o = { .backend = FPQ_BACKEND_CPU };

	if (fpq_context_create(&o, &ctx)) {
		printf("no CPU context\n");
		return 1;
	}
	RUN(test_conv);
	RUN(test_gemm);
	RUN(test_refusals);
	RUN(test_internal_op);
	fpq_context_destroy(ctx);
	return harness_report();
}
