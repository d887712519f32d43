// SPDX-License-Identifier: MIT
/*
 * conv_transpose_test.c - float ConvTranspose models against a transposed convolution
 * written plainly here as ONNX defines it (each input pixel scatters its kernel into
 * the output, NCHW loops, binary64 sums; sizes and pads from the operator's formulas):
 * groups, strides, pads, dilations, output_padding, auto_pad and output_shape, batches.
 * The model layer gathers instead, in binary32 and another order, so outputs are
 * compared within 1e-5 relative to the sum of the magnitudes. Then what fpq refuses at
 * load: 1-D and 3-D, output_padding not below the stride, an output_shape too large,
 * integer tensors.
 */
#include <errno.h>
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
#define T_I8 ONNX__TENSOR_PROTO__DATA_TYPE__INT8

static struct fpq_context *ctx;

struct ct_case {
	const char *what;
	int n, c, h, w, mg, kh, kw, sh, sw, dh, dw, group;
	int pads[4];          /* t, l, b, r */
	int adj[2];           /* output_padding */
	const char *auto_pad; /* NULL: NOTSET */
	int out_shape[2];     /* 0: none */
	int bias;
};

/* ONNX's output size and head pad of one axis. */
static void axis(const struct ct_case *cc, int i, int in, int *out, int *head)
{
	int s = i ? cc->sw : cc->sh, d = i ? cc->dw : cc->dh, k = i ? cc->kw : cc->kh;
	int full = (in - 1) * s + cc->adj[i] + (k - 1) * d + 1, total;
	int upper = cc->auto_pad && !strcmp(cc->auto_pad, "SAME_UPPER");

	if (cc->out_shape[0] || (cc->auto_pad && strcmp(cc->auto_pad, "VALID"))) {
		*out = cc->out_shape[0] ? cc->out_shape[i] : in * s;
		total = full - *out;
		if (total < 0)
			total = 0;
		*head = upper ? total / 2 : total - total / 2;
		if (!cc->out_shape[0])
			*out = full - total;
		return;
	}
	*head = cc->pads[i];
	*out = full - cc->pads[i] - cc->pads[2 + i];
}

struct ct_data {
	int oh, ow, pt, pl, m;
	float *x, *w, *b;
	double *want, *mag;   /* sums and sums of magnitudes, NCHW */
};

static void reference(const struct ct_case *cc, struct ct_data *d)
{
	const int cg = cc->c / cc->group;
	size_t ny = (size_t)cc->n * (size_t)(d->m * d->oh * d->ow);

	d->want = calloc(ny, sizeof(double));
	d->mag = calloc(ny, sizeof(double));
	for (int n = 0; n < cc->n; n++)
		for (int ci = 0; ci < cc->c; ci++)
			for (int iy = 0; iy < cc->h; iy++)
				for (int ix = 0; ix < cc->w; ix++) {
					double xv = d->x[((n * cc->c + ci) * cc->h + iy) * cc->w + ix];
					int g = ci / cg;

					for (int mo = 0; mo < cc->mg; mo++)
						for (int ky = 0; ky < cc->kh; ky++)
							for (int kx = 0; kx < cc->kw; kx++) {
								int oy = iy * cc->sh - d->pt + ky * cc->dh;
								int ox = ix * cc->sw - d->pl + kx * cc->dw;
								int m = g * cc->mg + mo;
								double p;
								size_t o;

								if (oy < 0 || oy >= d->oh || ox < 0 || ox >= d->ow)
									continue;
								p = xv * d->w[((ci * cc->mg + mo) * cc->kh + ky) *
									      cc->kw + kx];
								o = ((size_t)(n * d->m + m) * (size_t)d->oh +
								     (size_t)oy) * (size_t)d->ow + (size_t)ox;
								d->want[o] += p;
								d->mag[o] += fabs(p);
							}
				}
	if (cc->bias)
		for (size_t o = 0; o < ny; o++) {
			int m = (int)(o / (size_t)(d->oh * d->ow) % (size_t)d->m);

			d->want[o] += d->b[m];
			d->mag[o] += fabs(d->b[m]);
		}
}

static float uniform(struct rng *r)
{
	return (float)(rng_next(r) >> 40) / (float)(1 << 24) * 2.0f - 1.0f;
}

static void make_data(const struct ct_case *cc, struct ct_data *d, struct rng *r)
{
	size_t nx = (size_t)(cc->n * cc->c * cc->h * cc->w), nw = (size_t)(cc->c * cc->mg * cc->kh * cc->kw);

	memset(d, 0, sizeof(*d));
	d->m = cc->mg * cc->group;
	axis(cc, 0, cc->h, &d->oh, &d->pt);
	axis(cc, 1, cc->w, &d->ow, &d->pl);
	d->x = malloc(nx * sizeof(float));
	d->w = malloc(nw * sizeof(float));
	d->b = malloc((size_t)d->m * sizeof(float));
	for (size_t i = 0; i < nx; i++)
		d->x[i] = uniform(r) * 4.0f;
	for (size_t i = 0; i < nw; i++)
		d->w[i] = uniform(r);
	for (int i = 0; i < d->m; i++)
		d->b[i] = uniform(r) * 8.0f;
	reference(cc, d);
}

static void free_data(struct ct_data *d)
{
	free(d->x);
	free(d->w);
	free(d->b);
	free(d->want);
	free(d->mag);
}

static struct mb *model(const struct ct_case *cc, const struct ct_data *d)
{
	struct mb *b = mb_new(13, 0);
	Onnx__NodeProto *n;

	mb_input(b, "x", T_FLOAT, 4, (int64_t[]){ cc->n, cc->c, cc->h, cc->w }, NULL);
	mb_output(b, "y", T_FLOAT, 4, (int64_t[]){ cc->n, d->m, d->oh, d->ow });
	mb_init(b, "w", T_FLOAT, 4, (int64_t[]){ cc->c, cc->mg, cc->kh, cc->kw }, d->w);
	if (cc->bias)
		mb_init(b, "b", T_FLOAT, 1, (int64_t[]){ d->m }, d->b);
	n = mb_node(b, "ConvTranspose", NULL, "convt", cc->bias ? "x,w,b" : "x,w", "y");
	mb_attr_ints(b, n, "strides", 2, (int64_t[]){ cc->sh, cc->sw });
	mb_attr_ints(b, n, "dilations", 2, (int64_t[]){ cc->dh, cc->dw });
	mb_attr_i(b, n, "group", cc->group);
	if (cc->adj[0] || cc->adj[1])
		mb_attr_ints(b, n, "output_padding", 2, (int64_t[]){ cc->adj[0], cc->adj[1] });
	if (cc->out_shape[0])
		mb_attr_ints(b, n, "output_shape", 2, (int64_t[]){ cc->out_shape[0], cc->out_shape[1] });
	if (cc->auto_pad)
		mb_attr_s(b, n, "auto_pad", cc->auto_pad);
	else if (!cc->out_shape[0])
		mb_attr_ints(b, n, "pads", 4, (int64_t[]){ cc->pads[0], cc->pads[1], cc->pads[2],
							   cc->pads[3] });
	return b;
}

struct float_outputs {
	const float *got;
	const double *want, *mag;
};

/* within 1e-5 of the magnitude of the output's terms */
static int float_differs(const void *arg, size_t i, char *why, size_t why_size)
{
	const struct float_outputs *o = arg;
	const double got = o->got[i];

	snprintf(why, why_size, "is %.9g, want %.9g", got, o->want[i]);
	return !(fabs(got - o->want[i]) <= 1e-5 * o->mag[i] + 1e-30);
}

static void run_case(const struct ct_case *cc)
{
	struct rng r = rng_seeded(0xc7u + (uint64_t)cc->c * 131u + (uint64_t)cc->h);
	struct ct_data d;
	struct mb *b;
	size_t size, ny;
	const uint8_t *bytes;
	struct fpq_model *m = NULL;
	struct fpq_tensor out = { 0 };
	int err;

	make_data(cc, &d, &r);
	ny = (size_t)cc->n * (size_t)(d.m * d.oh * d.ow);
	b = model(cc, &d);
	bytes = mb_bytes(b, &size);
	err = fpq_model_load_memory(ctx, bytes, size, NULL, &m);
	CHECK(err == 0, "%s: load: %s", cc->what, fpq_strerror(err));
	if (!err) {
		struct fpq_tensor in = { .dtype = FPQ_DTYPE_FLOAT, .ndim = 4,
					 .dims = { cc->n, cc->c, cc->h, cc->w }, .data = d.x,
					 .size = (size_t)(cc->n * cc->c * cc->h * cc->w) * sizeof(float) };

		err = fpq_model_run(m, &in, 1, &out, 1, NULL);
		CHECK(err == 0, "%s: run: %s", cc->what, fpq_strerror(err));
	}
	if (m && !err) {
		CHECK(out.ndim == 4 && out.dims[1] == d.m && out.dims[2] == d.oh && out.dims[3] == d.ow,
		      "%s: output shape [%lld, %lld, %lld, %lld], want [%d, %d, %d, %d]", cc->what,
		      (long long)out.dims[0], (long long)out.dims[1], (long long)out.dims[2],
		      (long long)out.dims[3], cc->n, d.m, d.oh, d.ow);
		CHECK_EQ_U(out.size, ny * sizeof(float), "%s: output bytes", cc->what);
		if (out.size == ny * sizeof(float)) {
			const struct float_outputs o = { out.data, d.want, d.mag };

			compare_outputs(cc->what, ny, float_differs, &o);
		}
	}
	free(out.data);
	fpq_model_free(m);
	mb_free(b);
	free_data(&d);
}

static const struct ct_case cases[] = {
	{ "3x3 stride 2 pads 1", 1, 4, 5, 6, 6, 3, 3, 2, 2, 1, 1, 1, { 1, 1, 1, 1 }, { 1, 1 }, NULL, { 0, 0 }, 1 },
	{ "2x2 stride 2 (upsampling)", 2, 16, 7, 5, 8, 2, 2, 2, 2, 1, 1, 1, { 0, 0, 0, 0 }, { 0, 0 }, NULL, { 0, 0 }, 1 },
	{ "groups 3", 1, 6, 4, 5, 2, 3, 3, 2, 2, 1, 1, 3, { 0, 1, 1, 0 }, { 0, 0 }, NULL, { 0, 0 }, 1 },
	{ "depthwise", 1, 8, 6, 6, 1, 3, 3, 2, 2, 1, 1, 8, { 1, 1, 1, 1 }, { 1, 1 }, NULL, { 0, 0 }, 0 },
	{ "dilation 2, strides 1x2", 1, 3, 5, 4, 4, 3, 2, 1, 2, 2, 2, 1, { 0, 0, 0, 0 }, { 0, 1 }, NULL, { 0, 0 }, 1 },
	{ "strides 3x2, asymmetric pads, output_padding", 1, 2, 4, 6, 3, 3, 4, 3, 2, 1, 1, 1,
	  { 1, 2, 0, 1 }, { 2, 1 }, NULL, { 0, 0 }, 0 },
	{ "SAME_UPPER odd total", 1, 3, 5, 5, 2, 3, 3, 2, 2, 1, 1, 1, { 0, 0, 0, 0 }, { 0, 0 }, "SAME_UPPER", { 0, 0 }, 1 },
	{ "SAME_LOWER odd total", 1, 3, 5, 5, 2, 3, 3, 2, 2, 1, 1, 1, { 0, 0, 0, 0 }, { 0, 0 }, "SAME_LOWER", { 0, 0 }, 1 },
	{ "VALID", 1, 3, 4, 4, 2, 3, 3, 2, 2, 1, 1, 1, { 0, 0, 0, 0 }, { 0, 0 }, "VALID", { 0, 0 }, 1 },
	{ "output_shape smaller (odd pads)", 1, 2, 5, 4, 3, 3, 3, 2, 2, 1, 1, 1, { 0, 0, 0, 0 }, { 0, 0 }, NULL,
	  { 10, 8 }, 1 },
	{ "output_shape larger", 1, 2, 3, 3, 2, 3, 3, 2, 3, 1, 1, 1, { 0, 0, 0, 0 }, { 0, 0 }, NULL, { 8, 11 }, 1 },
	{ "64 channels 4x4 stride 2", 1, 64, 6, 6, 48, 4, 4, 2, 2, 1, 1, 1, { 1, 1, 1, 1 }, { 0, 0 }, NULL, { 0, 0 }, 1 },
};

static void test_forms(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

/* A model that must be refused at load with err and a message holding text. */
static void refused(struct mb *b, int want, const char *text, const char *what)
{
	size_t size;
	const uint8_t *bytes = mb_bytes(b, &size);
	struct fpq_model *m = NULL;
	int err = fpq_model_load_memory(ctx, bytes, size, NULL, &m);

	CHECK(err == want, "%s: load gave %d (%s), want %d", what, err, fpq_strerror(err), want);
	CHECK(err >= 0 || strstr(fpq_strerror(err), text), "%s: message '%s' lacks '%s'", what,
	      fpq_strerror(err), text);
	CHECK(err >= 0 || strstr(fpq_strerror(err), "convt"), "%s: message '%s' does not name the "
	      "node", what, fpq_strerror(err));
	fpq_model_free(m);
	mb_free(b);
}

static struct mb *simple(int rank, const int64_t *xd, const int64_t *wd, int dtype)
{
	struct mb *b = mb_new(13, 0);
	static float w[64];
	static int8_t w8[64];

	mb_input(b, "x", dtype, rank, xd, NULL);
	mb_output(b, "y", dtype, -1, NULL);
	mb_init(b, "w", dtype, rank, wd, dtype == T_FLOAT ? (const void *)w : (const void *)w8);
	return b;
}

static void test_refusals(void)
{
	struct mb *b;
	Onnx__NodeProto *n;

	b = simple(5, (int64_t[]){ 1, 2, 3, 3, 3 }, (int64_t[]){ 2, 1, 2, 2, 2 }, T_FLOAT);
	mb_node(b, "ConvTranspose", NULL, "convt", "x,w", "y");
	refused(b, -ENOTSUP, "only 2-D ConvTranspose", "3-D");
	b = simple(5, (int64_t[]){ 1, 2, 3, 3, 3 }, (int64_t[]){ 2, 1, 2, 2, 2 }, T_FLOAT);
	n = mb_node(b, "ConvTranspose", NULL, "convt", "x,w", "y");
	mb_attr_ints(b, n, "kernel_shape", 3, (int64_t[]){ 2, 2, 2 });
	refused(b, -ENOTSUP, "3-D", "3-D with kernel_shape");
	b = simple(3, (int64_t[]){ 1, 2, 5 }, (int64_t[]){ 2, 1, 3 }, T_FLOAT);
	n = mb_node(b, "ConvTranspose", NULL, "convt", "x,w", "y");
	mb_attr_ints(b, n, "strides", 1, (int64_t[]){ 2 });
	refused(b, -ENOTSUP, "1-D ConvTranspose", "1-D");
	b = simple(4, (int64_t[]){ 1, 2, 3, 3 }, (int64_t[]){ 2, 1, 2, 2 }, T_FLOAT);
	n = mb_node(b, "ConvTranspose", NULL, "convt", "x,w", "y");
	mb_attr_ints(b, n, "strides", 2, (int64_t[]){ 2, 2 });
	mb_attr_ints(b, n, "output_padding", 2, (int64_t[]){ 2, 0 });
	refused(b, -EINVAL, "output_padding 2 must be less", "output_padding = stride");
	b = simple(4, (int64_t[]){ 1, 2, 3, 3 }, (int64_t[]){ 2, 1, 3, 3 }, T_FLOAT);
	n = mb_node(b, "ConvTranspose", NULL, "convt", "x,w", "y");
	mb_attr_ints(b, n, "strides", 2, (int64_t[]){ 2, 2 });
	mb_attr_ints(b, n, "output_shape", 2, (int64_t[]){ 9, 7 });
	refused(b, -EINVAL, "output_shape 9 is 2 or more past the full output (7)", "output_shape too large");
	b = simple(4, (int64_t[]){ 1, 2, 3, 3 }, (int64_t[]){ 2, 1, 3, 3 }, T_FLOAT);
	n = mb_node(b, "ConvTranspose", NULL, "convt", "x,w", "y");
	mb_attr_ints(b, n, "output_shape", 3, (int64_t[]){ 5, 5, 5 });
	refused(b, -ENOTSUP, "output_shape has 3 values", "output_shape of 3 values");
	b = simple(4, (int64_t[]){ 1, 2, 3, 3 }, (int64_t[]){ 2, 1, 3, 3 }, T_FLOAT);
	n = mb_node(b, "ConvTranspose", NULL, "convt", "x,w", "y");
	mb_attr_i(b, n, "group", 4);
	refused(b, -EINVAL, "in 4 groups", "channels not divisible by group");
	b = simple(4, (int64_t[]){ 1, 2, 3, 3 }, (int64_t[]){ 2, 1, 3, 3 }, T_I8);
	mb_node(b, "ConvTranspose", NULL, "convt", "x,w", "y");
	refused(b, -ENOTSUP, "takes float tensors", "int8 tensors");
}

int main(void)
{
	struct fpq_context_opts o = { .backend = FPQ_BACKEND_CPU };
	int err = fpq_context_create(&o, &ctx);

	if (err) {
		printf("no CPU context: %s\n", fpq_strerror(err));
		return 1;
	}
	RUN(test_forms);
	RUN(test_refusals);
	fpq_context_destroy(ctx);
	return harness_report();
}
