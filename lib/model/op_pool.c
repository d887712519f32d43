// SPDX-License-Identifier: MIT
/*
 * op_pool.c - pooling in NHWC: MaxPool (binary32 and 8-bit: a maximum needs no
 * requantization), AveragePool, GlobalAveragePool, GlobalMaxPool, and the quantized
 * average pools of com.microsoft with ONNX Runtime's arithmetic:
 *
 *   QLinearGlobalAveragePool (and QLinearAveragePool whose window is the whole image
 *   without pads): acc = sum(x) - x_zp * n, requantized with
 *   scale = x_scale / (y_scale * fp32(n)) as a convolution's output.
 *   QLinearAveragePool otherwise: v = sum over the window, row by row, of
 *   fp32(x_scale * (x - x_zp)), divided by the count (fp32), then
 *   y = clamp(rne(v / y_scale + y_zp)) - the zero point added before rounding.
 */
#include <errno.h>
#include <float.h>
#include <inttypes.h>

#include "conv_geom.h"
#include "internal.h"
#include "ops.h"

enum pool_kind { POOL_MAX, POOL_AVG, POOL_GAVG, POOL_GMAX, POOL_QAVG, POOL_QGAVG };

struct pool_priv {
	enum pool_kind kind;
	struct mg_window win;
	int64_t count_include_pad;
	struct mg_geom geo;
	bool global;                /* the window covers the image (QLinearAveragePool) */
	float x_scale, y_scale;
	int32_t x_zero, y_zero;     /* stored domain */
	bool u8;
};

static void pool_destroy(struct mg_graph *g, struct mg_node *n)
{
	mg_free(g, n->priv);
	n->priv = NULL;
}

static int pool_parse(struct mg_graph *g, struct mg_node *n)
{
	struct pool_priv *p = mg_calloc(g, 1, sizeof(*p));
	const char *t = n->op_type;
	int64_t v;
	int err = 0;

	if (!p)
		return -E2BIG;
	n->priv = p;
	if (!strcmp(t, "MaxPool"))
		p->kind = POOL_MAX;
	else if (!strcmp(t, "AveragePool"))
		p->kind = POOL_AVG;
	else if (!strcmp(t, "GlobalAveragePool"))
		p->kind = POOL_GAVG;
	else if (!strcmp(t, "GlobalMaxPool"))
		p->kind = POOL_GMAX;
	else if (!strcmp(t, "QLinearAveragePool"))
		p->kind = POOL_QAVG;
	else
		p->kind = POOL_QGAVG;
	if (p->kind == POOL_MAX || p->kind == POOL_AVG || p->kind == POOL_QAVG) {
		err = mg_window_parse(g, n, &p->win, true);
		if (err)
			return err;
	}
	if (p->kind == POOL_AVG || p->kind == POOL_QAVG) {
		err = mg_attr_int(g, n, "count_include_pad", 0, &p->count_include_pad);
		if (err)
			return err;
		if (p->win.d[0] != 1 || p->win.d[1] != 1)
			return mg_node_error(n, -ENOTSUP, "dilations are not supported");
	}
	if (p->kind == POOL_MAX) {
		err = mg_attr_int(g, n, "storage_order", 0, &v);
		if (err)
			return err;
		if (n->n_out > 1 && n->out[1] >= 0)
			return mg_node_error(n, -ENOTSUP, "the Indices output is not supported");
	}
	if (p->kind == POOL_QAVG || p->kind == POOL_QGAVG) {
		err = mg_attr_int(g, n, "channels_last", 0, &v);
		if (err)
			return err;
		if (v)
			return mg_node_error(n, -ENOTSUP, "channels_last = 1 is not supported");
	}
	return 0;
}

static int pool_infer(struct mg_graph *g, struct mg_node *n)
{
	struct pool_priv *p = n->priv;
	struct mg_value *x = mg_in(g, n, 0);
	int64_t od[4];
	bool q = p->kind == POOL_QAVG || p->kind == POOL_QGAVG;
	int err;

	if (q ? !mg_is_q8(x->dtype) :
		(x->dtype != FPQ_DTYPE_FLOAT && !(p->kind == POOL_MAX && mg_is_q8(x->dtype))))
		return mg_node_error(n, -ENOTSUP, "input type %s", fpq_dtype_name(x->dtype));
	if (x->rank < 0)
		return 0;
	if (x->rank != 4)
		return mg_node_error(n, -ENOTSUP, "input of rank %d (fpq pools 4-D NCHW tensors)",
				     x->rank);
	if (p->kind == POOL_GAVG || p->kind == POOL_GMAX || p->kind == POOL_QGAVG) {
		struct mg_window win = { .nd = 2, .k = { x->dims[2], x->dims[3] },
					 .s = { 1, 1 }, .d = { 1, 1 } };

		if (x->dims[2] < 1 || x->dims[3] < 1)
			return mg_set_output(g, n, 0, x->dtype, 4,
					     (int64_t[]){ x->dims[0], x->dims[1], 1, 1 });
		err = mg_window_apply(n, &win, x->dims, 4, &p->geo);
	} else {
		err = mg_window_apply(n, &p->win, x->dims, 4, &p->geo);
	}
	if (err)
		return err;
	p->global = p->geo.kh == p->geo.h && p->geo.kw == p->geo.w && !p->geo.pt && !p->geo.pl &&
		    !p->geo.pb && !p->geo.pr;
	od[0] = x->dims[0];
	od[1] = x->dims[1];
	od[2] = p->geo.oh;
	od[3] = p->geo.ow;
	return mg_set_output(g, n, 0, x->dtype, 4, od);
}

static int qpool_pack(struct mg_graph *g, struct mg_node *n)
{
	struct pool_priv *p = n->priv;
	enum fpq_dtype t = mg_in(g, n, 0)->dtype;
	int err;

	err = mg_qparams_scalar(g, n, 1, 2, t, &p->x_scale, &p->x_zero, &p->u8);
	if (!err)
		err = mg_qparams_scalar(g, n, 3, 4, t, &p->y_scale, &p->y_zero, NULL);
	return err;
}

/* The window of output (oy, ox), clipped to the image: [y0, y1) x [x0, x1). */
static void window(const struct mg_geom *geo, int64_t oy, int64_t ox, int64_t *y0, int64_t *y1,
		   int64_t *x0, int64_t *x1)
{
	int64_t hs = oy * geo->sh - geo->pt, ws = ox * geo->sw - geo->pl;
	int64_t he = hs + (geo->kh - 1) * geo->dh + 1, we = ws + (geo->kw - 1) * geo->dw + 1;

	*y0 = hs;
	*y1 = he < geo->h ? he : geo->h;
	*x0 = ws;
	*x1 = we < geo->w ? we : geo->w;
}

static int max_run(struct mg_exec *ex, struct mg_node *n)
{
	struct pool_priv *p = n->priv;
	struct mg_value *xv = mg_in(ex->g, n, 0), *yv = mg_out(ex->g, n, 0);
	const struct mg_geom *geo = &p->geo;
	const int64_t c = geo->c;
	bool q8 = mg_is_q8(xv->dtype);

	for (int64_t img = 0; img < geo->n; img++)
		for (int64_t oy = 0; oy < geo->oh; oy++)
			for (int64_t ox = 0; ox < geo->ow; ox++) {
				int64_t y0, y1, x0, x1;
				int64_t o = ((img * geo->oh + oy) * geo->ow + ox) * c;

				window(geo, oy, ox, &y0, &y1, &x0, &x1);
				if (q8) {
					int8_t *y = (int8_t *)yv->ptr + o;

					for (int64_t ch = 0; ch < c; ch++)
						y[ch] = -128;
					for (int64_t iy = y0; iy < y1; iy += geo->dh) {
						if (iy < 0)
							continue;
						for (int64_t ix = x0; ix < x1; ix += geo->dw) {
							const int8_t *x;

							if (ix < 0)
								continue;
							x = (const int8_t *)xv->ptr +
							    ((img * geo->h + iy) * geo->w + ix) * c;
							for (int64_t ch = 0; ch < c; ch++)
								y[ch] = x[ch] > y[ch] ? x[ch] : y[ch];
						}
					}
				} else {
					float *y = (float *)yv->ptr + o;

					for (int64_t ch = 0; ch < c; ch++)
						y[ch] = -FLT_MAX;
					for (int64_t iy = y0; iy < y1; iy += geo->dh) {
						if (iy < 0)
							continue;
						for (int64_t ix = x0; ix < x1; ix += geo->dw) {
							const float *x;

							if (ix < 0)
								continue;
							x = (const float *)xv->ptr +
							    ((img * geo->h + iy) * geo->w + ix) * c;
							for (int64_t ch = 0; ch < c; ch++)
								y[ch] = x[ch] > y[ch] ? x[ch] : y[ch];
						}
					}
				}
			}
	return 0;
}

static size_t avg_scratch(struct mg_graph *g, const struct mg_node *n)
{
	const struct pool_priv *p = n->priv;

	(void)g;
	return (size_t)p->geo.c * sizeof(float) * 2 + 64;
}

/* Average pools: binary32 sums in window order; the quantized one dequantizes first. */
static int avg_run(struct mg_exec *ex, struct mg_node *n)
{
	struct pool_priv *p = n->priv;
	struct mg_value *xv = mg_in(ex->g, n, 0), *yv = mg_out(ex->g, n, 0);
	const struct mg_geom *geo = &p->geo;
	const int64_t c = geo->c;
	float *acc = ex->scratch;
	bool q = p->kind == POOL_QAVG;
	const int32_t off = p->u8 ? 128 : 0;
	uint64_t clamped = 0;

	for (int64_t img = 0; img < geo->n; img++)
		for (int64_t oy = 0; oy < geo->oh; oy++)
			for (int64_t ox = 0; ox < geo->ow; ox++) {
				int64_t y0, y1, x0, x1, count;
				int64_t o = ((img * geo->oh + oy) * geo->ow + ox) * c;

				window(geo, oy, ox, &y0, &y1, &x0, &x1);
				if (y0 < 0)
					y0 = 0;
				if (x0 < 0)
					x0 = 0;
				count = p->count_include_pad ? geo->kh * geo->kw : (y1 - y0) * (x1 - x0);
				for (int64_t ch = 0; ch < c; ch++)
					acc[ch] = 0.0f;
				for (int64_t iy = y0; iy < y1; iy++)
					for (int64_t ix = x0; ix < x1; ix++) {
						int64_t i = ((img * geo->h + iy) * geo->w + ix) * c;

						if (q) {
							const int8_t *x = (const int8_t *)xv->ptr + i;

							for (int64_t ch = 0; ch < c; ch++)
								acc[ch] += p->x_scale * (float)(x[ch] - p->x_zero);
						} else {
							const float *x = (const float *)xv->ptr + i;

							for (int64_t ch = 0; ch < c; ch++)
								acc[ch] += x[ch];
						}
					}
				for (int64_t ch = 0; ch < c; ch++) {
					float v = acc[ch] / (float)count;

					if (q) {
						float r = mg_rne(v / p->y_scale + (float)(p->y_zero + off));
						int32_t iv, lo = n->qmin + off, hi = n->qmax + off;

						/* out of int32's range the conversion gives
						 * INT32_MIN, as x86 does */
						iv = mg_cvt_i32(r);
						if (iv < lo || iv > hi) {
							clamped++;
							iv = iv < lo ? lo : hi;
						}
						((int8_t *)yv->ptr)[o + ch] = (int8_t)(iv - off);
					} else {
						((float *)yv->ptr)[o + ch] = v;
					}
				}
			}
	ex->st->clamped += clamped;
	return 0;
}

static size_t gavg_scratch(struct mg_graph *g, const struct mg_node *n)
{
	const struct pool_priv *p = n->priv;

	(void)g;
	return (size_t)p->geo.c * sizeof(int32_t) * 2 + 64;
}

/* Global pools: the whole image per channel. */
static int global_run(struct mg_exec *ex, struct mg_node *n)
{
	struct pool_priv *p = n->priv;
	struct mg_value *xv = mg_in(ex->g, n, 0), *yv = mg_out(ex->g, n, 0);
	const struct mg_geom *geo = &p->geo;
	const int64_t c = geo->c, hw = geo->h * geo->w;

	for (int64_t img = 0; img < geo->n; img++) {
		if (p->kind == POOL_QGAVG || p->kind == POOL_QAVG) {
			const int8_t *x = (const int8_t *)xv->ptr + img * hw * c;
			int32_t *acc = ex->scratch;
			float scale = p->x_scale / (p->y_scale * (float)hw);

			for (int64_t ch = 0; ch < c; ch++)
				acc[ch] = -p->x_zero * (int32_t)hw;
			for (int64_t i = 0; i < hw; i++)
				for (int64_t ch = 0; ch < c; ch++)
					acc[ch] += x[i * c + ch];
			mg_requantize(acc, 0, (int8_t *)yv->ptr + img * c, 0, 1, (uint32_t)c, &scale,
				      true, p->y_zero, n->qmin, n->qmax, ex->st);
		} else {
			const float *x = (const float *)xv->ptr + img * hw * c;
			float *y = (float *)yv->ptr + img * c;

			for (int64_t ch = 0; ch < c; ch++)
				y[ch] = p->kind == POOL_GMAX ? -FLT_MAX : 0.0f;
			for (int64_t i = 0; i < hw; i++)
				for (int64_t ch = 0; ch < c; ch++) {
					if (p->kind == POOL_GMAX)
						y[ch] = x[i * c + ch] > y[ch] ? x[i * c + ch] : y[ch];
					else
						y[ch] += x[i * c + ch];
				}
			if (p->kind == POOL_GAVG)
				for (int64_t ch = 0; ch < c; ch++)
					y[ch] /= (float)hw;
		}
	}
	return 0;
}

static int qavg_run(struct mg_exec *ex, struct mg_node *n)
{
	struct pool_priv *p = n->priv;

	/* ORT falls back to its global average pool for whole-image windows. */
	return p->global ? global_run(ex, n) : avg_run(ex, n);
}

static size_t qavg_scratch(struct mg_graph *g, const struct mg_node *n)
{
	return avg_scratch(g, n) + gavg_scratch(g, n);
}

const struct mg_op mg_op_max_pool = {
	.name = "MaxPool", .domain = "", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 2,
	.flags = MG_OP_NHWC,
	.parse = pool_parse, .infer = pool_infer, .run = max_run, .destroy = pool_destroy,
};

const struct mg_op mg_op_average_pool = {
	.name = "AveragePool", .domain = "", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	.flags = MG_OP_NHWC,
	.parse = pool_parse, .infer = pool_infer, .scratch = avg_scratch, .run = avg_run,
	.destroy = pool_destroy,
};

const struct mg_op mg_op_global_average_pool = {
	.name = "GlobalAveragePool", .domain = "", .min_in = 1, .max_in = 1, .min_out = 1,
	.max_out = 1, .flags = MG_OP_NHWC,
	.parse = pool_parse, .infer = pool_infer, .run = global_run, .destroy = pool_destroy,
};

const struct mg_op mg_op_global_max_pool = {
	.name = "GlobalMaxPool", .domain = "", .min_in = 1, .max_in = 1, .min_out = 1,
	.max_out = 1, .flags = MG_OP_NHWC,
	.parse = pool_parse, .infer = pool_infer, .run = global_run, .destroy = pool_destroy,
};

const struct mg_op mg_op_qlinear_average_pool = {
	.name = "QLinearAveragePool", .domain = "com.microsoft", .min_in = 4, .max_in = 5,
	.min_out = 1, .max_out = 1, .flags = MG_OP_NHWC,
	.parse = pool_parse, .infer = pool_infer, .pack = qpool_pack, .scratch = qavg_scratch,
	.run = qavg_run, .destroy = pool_destroy,
};

const struct mg_op mg_op_qlinear_global_average_pool = {
	.name = "QLinearGlobalAveragePool", .domain = "com.microsoft", .min_in = 4, .max_in = 5,
	.min_out = 1, .max_out = 1, .flags = MG_OP_NHWC,
	.parse = pool_parse, .infer = pool_infer, .pack = qpool_pack, .scratch = gavg_scratch,
	.run = global_run, .destroy = pool_destroy,
};
