// SPDX-License-Identifier: MIT
/*
 * conv_test.c - QLinearConv and QDQ Conv models against a brute-force convolution
 * written plainly here (NCHW loops, padding skipped, the requantization formula of
 * Documentation/models.rst spelled out), over every CNN form: 3x3, strides, pads and
 * auto_pad, dilations, groups, depthwise, 1x1, a large K, batches, uint8 and int8
 * activations, per-tensor and per-channel weights, a fused Relu.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpq_model.h"
#include "harness.h"
#include "model_builder.h"
#include "output_compare.h"
#include "rng.h"

#define T_FLOAT ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT
#define T_U8 ONNX__TENSOR_PROTO__DATA_TYPE__UINT8
#define T_I8 ONNX__TENSOR_PROTO__DATA_TYPE__INT8
#define T_I32 ONNX__TENSOR_PROTO__DATA_TYPE__INT32

static struct fpq_context *ctx;

struct conv_case {
	const char *what;
	int n, c, h, w, m, kh, kw, sh, sw, dh, dw, group;
	int pads[4];          /* t, l, b, r */
	const char *auto_pad; /* NULL: explicit pads */
	int u8;               /* uint8 activations */
	int per_channel;
	int relu;             /* QDQ form only */
};

struct conv_data {
	int oh, ow, pt, pl;
	uint8_t *x;           /* codes, NCHW */
	int8_t *w;
	float *ws;
	int32_t *bias;
	float xs, ys;
	int xz, yz;           /* codes */
	uint8_t *want;        /* output codes, NCHW */
};

static int out_size(int in, int k, int s, int d, int pb, int pe)
{
	return (in + pb + pe - ((k - 1) * d + 1)) / s + 1;
}

static void geometry(const struct conv_case *cc, struct conv_data *cd, int *pb, int *pe)
{
	int ext_h = (cc->kh - 1) * cc->dh + 1, ext_w = (cc->kw - 1) * cc->dw + 1;

	if (cc->auto_pad && !strcmp(cc->auto_pad, "SAME_UPPER")) {
		int oh = (cc->h + cc->sh - 1) / cc->sh, ow = (cc->w + cc->sw - 1) / cc->sw;
		int th = (oh - 1) * cc->sh + ext_h - cc->h, tw = (ow - 1) * cc->sw + ext_w - cc->w;

		th = th < 0 ? 0 : th;
		tw = tw < 0 ? 0 : tw;
		pb[0] = th / 2;
		pe[0] = th - th / 2;
		pb[1] = tw / 2;
		pe[1] = tw - tw / 2;
	} else if (cc->auto_pad && !strcmp(cc->auto_pad, "VALID")) {
		pb[0] = pb[1] = pe[0] = pe[1] = 0;
	} else {
		pb[0] = cc->pads[0];
		pb[1] = cc->pads[1];
		pe[0] = cc->pads[2];
		pe[1] = cc->pads[3];
	}
	cd->oh = out_size(cc->h, cc->kh, cc->sh, cc->dh, pb[0], pe[0]);
	cd->ow = out_size(cc->w, cc->kw, cc->sw, cc->dw, pb[1], pe[1]);
	cd->pt = pb[0];
	cd->pl = pb[1];
}

/* The reference: plain loops, exact int32 sums, then the requantization formula. */
static void reference(const struct conv_case *cc, struct conv_data *cd)
{
	int cg = cc->c / cc->group, mg = cc->m / cc->group;
	int lo = cc->u8 ? 0 : -128, hi = cc->u8 ? 255 : 127;

	if (cc->relu && cd->yz > lo)
		lo = cd->yz;
	for (int b = 0; b < cc->n; b++)
		for (int m = 0; m < cc->m; m++)
			for (int oy = 0; oy < cd->oh; oy++)
				for (int ox = 0; ox < cd->ow; ox++) {
					int gi = m / mg;
					int32_t acc = cd->bias[m];
					float s, v;

					for (int ci = 0; ci < cg; ci++)
						for (int ky = 0; ky < cc->kh; ky++)
							for (int kx = 0; kx < cc->kw; kx++) {
								int iy = oy * cc->sh - cd->pt + ky * cc->dh;
								int ix = ox * cc->sw - cd->pl + kx * cc->dw;
								int c = gi * cg + ci, xv;

								if (iy < 0 || iy >= cc->h || ix < 0 || ix >= cc->w)
									continue;
								xv = cc->u8 ? cd->x[((b * cc->c + c) * cc->h + iy) * cc->w + ix] :
									      (int8_t)cd->x[((b * cc->c + c) * cc->h + iy) * cc->w + ix];
								acc += (xv - cd->xz) *
								       cd->w[((m * cg + ci) * cc->kh + ky) * cc->kw + kx];
							}
					s = (cd->xs * cd->ws[cc->per_channel ? m : 0]) / cd->ys;
					v = (float)acc * s;
					if (v < (float)(lo - cd->yz))
						v = (float)(lo - cd->yz);
					if (v > (float)(hi - cd->yz))
						v = (float)(hi - cd->yz);
					cd->want[((b * cc->m + m) * cd->oh + oy) * cd->ow + ox] =
						(uint8_t)((int)nearbyintf(v) + cd->yz);
				}
}

static void make_data(const struct conv_case *cc, struct conv_data *cd, struct rng *r)
{
	int cg = cc->c / cc->group, nw = cc->m * cg * cc->kh * cc->kw, nx = cc->n * cc->c * cc->h * cc->w;
	int pb[2], pe[2];

	geometry(cc, cd, pb, pe);
	cd->x = malloc((size_t)nx);
	cd->w = malloc((size_t)nw);
	cd->ws = malloc(sizeof(float) * (size_t)cc->m);
	cd->bias = malloc(sizeof(int32_t) * (size_t)cc->m);
	cd->want = malloc((size_t)(cc->n * cc->m * cd->oh * cd->ow));
	for (int i = 0; i < nx; i++)
		cd->x[i] = (uint8_t)rng_below(r, 256);
	for (int i = 0; i < nw; i++)
		cd->w[i] = (int8_t)((int)rng_below(r, 255) - 127);
	for (int m = 0; m < cc->m; m++) {
		cd->ws[m] = 0.001f + (float)rng_below(r, 1000) * 1e-5f;
		cd->bias[m] = (int32_t)rng_below(r, 20001) - 10000;
	}
	cd->xs = 0.02f + (float)rng_below(r, 100) * 1e-4f;
	/* An output scale that keeps most outputs inside the 8-bit range. */
	cd->ys = cd->xs * cd->ws[0] * sqrtf((float)(cg * cc->kh * cc->kw)) * 40.0f;
	cd->xz = cc->u8 ? (int)rng_below(r, 256) : (int)rng_below(r, 256) - 128;
	cd->yz = cc->u8 ? (int)rng_below(r, 256) : (int)rng_below(r, 256) - 128;
	reference(cc, cd);
}

static void free_data(struct conv_data *cd)
{
	free(cd->x);
	free(cd->w);
	free(cd->ws);
	free(cd->bias);
	free(cd->want);
}

static void conv_attrs(struct mb *b, Onnx__NodeProto *n, const struct conv_case *cc)
{
	mb_attr_ints(b, n, "kernel_shape", 2, (int64_t[]){ cc->kh, cc->kw });
	mb_attr_ints(b, n, "strides", 2, (int64_t[]){ cc->sh, cc->sw });
	mb_attr_ints(b, n, "dilations", 2, (int64_t[]){ cc->dh, cc->dw });
	mb_attr_i(b, n, "group", cc->group);
	if (cc->auto_pad)
		mb_attr_s(b, n, "auto_pad", cc->auto_pad);
	else
		mb_attr_ints(b, n, "pads", 4, (int64_t[]){ cc->pads[0], cc->pads[1], cc->pads[2],
							   cc->pads[3] });
}

static void weights(struct mb *b, const struct conv_case *cc, const struct conv_data *cd)
{
	int cg = cc->c / cc->group;
	int nsc = cc->per_channel ? cc->m : 1;
	int8_t zw[4096] = { 0 };

	mb_init(b, "w", T_I8, 4, (int64_t[]){ cc->m, cg, cc->kh, cc->kw }, cd->w);
	if (cc->per_channel) {
		mb_init(b, "ws", T_FLOAT, 1, (int64_t[]){ nsc }, cd->ws);
		mb_init(b, "wz", T_I8, 1, (int64_t[]){ nsc }, zw);
	} else {
		mb_init_f(b, "ws", cd->ws[0]);
		mb_init_zp(b, "wz", T_I8, 0);
	}
	mb_init(b, "bias", T_I32, 1, (int64_t[]){ cc->m }, cd->bias);
}

/* QOperator form: 8-bit input, QLinearConv, 8-bit output. */
static struct mb *qop_model(const struct conv_case *cc, const struct conv_data *cd)
{
	struct mb *b = mb_new(13, 0);
	int t = cc->u8 ? T_U8 : T_I8;
	Onnx__NodeProto *n;

	mb_input(b, "x", t, 4, (int64_t[]){ cc->n, cc->c, cc->h, cc->w }, NULL);
	mb_output(b, "y", t, 4, (int64_t[]){ cc->n, cc->m, cd->oh, cd->ow });
	mb_init_f(b, "xs", cd->xs);
	mb_init_zp(b, "xz", t, cd->xz);
	mb_init_f(b, "ys", cd->ys);
	mb_init_zp(b, "yz", t, cd->yz);
	weights(b, cc, cd);
	n = mb_node(b, "QLinearConv", NULL, "conv", "x,xs,xz,w,ws,wz,ys,yz,bias", "y");
	conv_attrs(b, n, cc);
	return b;
}

/* QDQ form as quantize_static writes it, with 8-bit graph edges kept by Q/DQ pairs:
 * x8 -> DQ -> Conv (DQ weights, DQ bias) [-> Relu] -> Q -> y8. */
static struct mb *qdq_model(const struct conv_case *cc, const struct conv_data *cd)
{
	struct mb *b = mb_new(13, 0);
	int t = cc->u8 ? T_U8 : T_I8;
	Onnx__NodeProto *n;
	float bs[4096];

	mb_input(b, "x", t, 4, (int64_t[]){ cc->n, cc->c, cc->h, cc->w }, NULL);
	mb_output(b, "y", t, 4, (int64_t[]){ cc->n, cc->m, cd->oh, cd->ow });
	mb_init_f(b, "xs", cd->xs);
	mb_init_zp(b, "xz", t, cd->xz);
	mb_init_f(b, "ys", cd->ys);
	mb_init_zp(b, "yz", t, cd->yz);
	weights(b, cc, cd);
	for (int m = 0; m < cc->m; m++)
		bs[m] = cd->xs * cd->ws[cc->per_channel ? m : 0];
	mb_init(b, "bs", T_FLOAT, 1, (int64_t[]){ cc->m }, bs);
	mb_node(b, "DequantizeLinear", NULL, "dqx", "x,xs,xz", "xf");
	n = mb_node(b, "DequantizeLinear", NULL, "dqw", "w,ws,wz", "wf");
	mb_attr_i(b, n, "axis", 0);
	n = mb_node(b, "DequantizeLinear", NULL, "dqb", "bias,bs", "bf");
	mb_attr_i(b, n, "axis", 0);
	n = mb_node(b, "Conv", NULL, "conv", "xf,wf,bf", cc->relu ? "yc" : "yf");
	conv_attrs(b, n, cc);
	if (cc->relu)
		mb_node(b, "Relu", NULL, "relu", "yc", "yf");
	mb_node(b, "QuantizeLinear", NULL, "qy", "yf,ys,yz", "y");
	return b;
}

struct byte_outputs {
	const uint8_t *got, *want;
};

static int byte_differs(const void *arg, size_t i, char *why, size_t why_size)
{
	const struct byte_outputs *o = arg;

	snprintf(why, why_size, "is 0x%02x, want 0x%02x", o->got[i], o->want[i]);
	return o->got[i] != o->want[i];
}

static int run_case(const struct conv_case *cc, const struct conv_data *cd, struct mb *b,
		    const char *form)
{
	size_t size, ny = (size_t)(cc->n * cc->m * cd->oh * cd->ow);
	const uint8_t *bytes = mb_bytes(b, &size);
	struct fpq_model *m = NULL;
	struct fpq_tensor in = { .dtype = cc->u8 ? FPQ_DTYPE_UINT8 : FPQ_DTYPE_INT8, .ndim = 4,
				 .dims = { cc->n, cc->c, cc->h, cc->w }, .data = cd->x,
				 .size = (size_t)(cc->n * cc->c * cc->h * cc->w) };
	struct fpq_tensor out = { 0 };
	int err = fpq_model_load_memory(ctx, bytes, size, NULL, &m), bad = 0;

	CHECK(err == 0, "%s %s: load: %s", cc->what, form, fpq_strerror(err));
	if (err)
		return 1;
	err = fpq_model_run(m, &in, 1, &out, 1, NULL);
	CHECK(err == 0, "%s %s: run: %s", cc->what, form, fpq_strerror(err));
	if (!err) {
		CHECK_EQ_U(out.size, ny, "%s %s: output bytes", cc->what, form);
		CHECK(out.ndim == 4 && out.dims[2] == cd->oh && out.dims[3] == cd->ow,
		      "%s %s: output shape", cc->what, form);
		if (out.size == ny) {
			const struct byte_outputs o = { out.data, cd->want };
			char what[160];

			snprintf(what, sizeof(what), "%s %s", cc->what, form);
			bad = compare_outputs(what, ny, byte_differs, &o);
		} else {
			bad = 1;
		}
	}
	free(out.data);
	fpq_model_free(m);
	return bad;
}

static const struct conv_case cases[] = {
	{ "3x3 pad 1", 1, 8, 9, 11, 16, 3, 3, 1, 1, 1, 1, 1, { 1, 1, 1, 1 }, NULL, 1, 1, 0 },
	{ "3x3 stride 2", 1, 3, 17, 16, 8, 3, 3, 2, 2, 1, 1, 1, { 1, 1, 1, 1 }, NULL, 0, 1, 0 },
	{ "5x3 asymmetric pads", 2, 4, 10, 7, 5, 5, 3, 1, 2, 1, 1, 1, { 2, 0, 1, 1 }, NULL, 1, 0, 0 },
	{ "depthwise 3x3", 1, 16, 12, 12, 16, 3, 3, 1, 1, 1, 1, 16, { 1, 1, 1, 1 }, NULL, 1, 1, 0 },
	{ "depthwise stride 2", 2, 24, 9, 9, 24, 3, 3, 2, 2, 1, 1, 24, { 1, 1, 1, 1 }, NULL, 0, 1, 0 },
	{ "depthwise multiplier 2", 1, 6, 8, 8, 12, 3, 3, 1, 1, 1, 1, 6, { 1, 1, 1, 1 }, NULL, 1, 1, 0 },
	{ "groups 2", 1, 8, 7, 7, 12, 3, 3, 1, 1, 1, 1, 2, { 1, 1, 1, 1 }, NULL, 1, 1, 0 },
	{ "1x1", 2, 32, 6, 5, 20, 1, 1, 1, 1, 1, 1, 1, { 0, 0, 0, 0 }, NULL, 1, 1, 0 },
	{ "1x1 stride 2", 1, 16, 8, 8, 8, 1, 1, 2, 2, 1, 1, 1, { 0, 0, 0, 0 }, NULL, 0, 0, 0 },
	{ "dilation 2", 1, 4, 12, 12, 6, 3, 3, 1, 1, 2, 2, 1, { 2, 2, 2, 2 }, NULL, 1, 1, 0 },
	{ "SAME_UPPER stride 2", 1, 5, 11, 10, 7, 3, 3, 2, 2, 1, 1, 1, { 0, 0, 0, 0 }, "SAME_UPPER", 1, 1, 0 },
	{ "VALID", 1, 3, 9, 9, 4, 3, 3, 1, 1, 1, 1, 1, { 0, 0, 0, 0 }, "VALID", 0, 1, 0 },
	{ "K = 2304", 1, 256, 5, 5, 12, 3, 3, 1, 1, 1, 1, 1, { 1, 1, 1, 1 }, NULL, 1, 1, 0 },
	{ "fused Relu", 1, 8, 8, 8, 8, 3, 3, 1, 1, 1, 1, 1, { 1, 1, 1, 1 }, NULL, 1, 1, 1 },
	{ "fused Relu int8", 1, 8, 8, 8, 8, 3, 3, 1, 1, 1, 1, 1, { 1, 1, 1, 1 }, NULL, 0, 1, 1 },
};

static void test_qlinearconv_forms(void)
{
	struct rng r = rng_seeded(0xc0de);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct conv_case *cc = &cases[i];
		struct conv_data cd;
		struct mb *b;

		make_data(cc, &cd, &r);
		if (!cc->relu) {
			b = qop_model(cc, &cd);
			run_case(cc, &cd, b, "QLinearConv");
			mb_free(b);
		}
		b = qdq_model(cc, &cd);
		run_case(cc, &cd, b, "QDQ");
		mb_free(b);
		free_data(&cd);
	}
}

/* A fused Relu must actually clamp: with an output zero point in the middle, about
 * half of the outputs sit at it. */
static void test_relu_clamps(void)
{
	struct rng r = rng_seeded(0x5e1u);
	struct conv_case cc = cases[13];
	struct conv_data cd;
	int at_zero = 0, below = 0, total;

	make_data(&cc, &cd, &r);
	total = cc.n * cc.m * cd.oh * cd.ow;
	for (int i = 0; i < total; i++) {
		at_zero += cd.want[i] == cd.yz;
		below += cd.want[i] < cd.yz;
	}
	CHECK(below == 0, "the reference itself clamps");
	CHECK(at_zero > total / 10, "%d of %d outputs at the zero point %d", at_zero, total, cd.yz);
	free_data(&cd);
}

int main(void)
{
	struct fpq_context_opts o = { .backend = FPQ_BACKEND_CPU };
	int err = fpq_context_create(&o, &ctx);

	if (err) {
		printf("no CPU context: %s\n", fpq_strerror(err));
		return 1;
	}
	RUN(test_qlinearconv_forms);
	RUN(test_relu_clamps);
	fpq_context_destroy(ctx);
	return harness_report();
}
