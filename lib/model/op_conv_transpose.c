// SPDX-License-Identifier: MIT
/*
 * op_conv_transpose.c - ConvTranspose (binary32, 2-D, NHWC): groups, strides, pads,
 * dilations, output_padding, output_shape and auto_pad as ONNX opset 11+ and ONNX
 * Runtime define them.
 *
 * Each output pixel gathers the input pixels whose kernel taps land on it: tap (ky, kx)
 * of input pixel (iy, ix) writes output (iy * sh - pt + ky * dh, ix * sw - pl + kx * dw).
 * The sums are grouped as ONNX Runtime's GEMM + col2im groups them - per tap a sum over
 * the input channels, the taps added in (ky, kx) order, the bias last - but the order
 * within a binary32 sum is not specified (Documentation/models.rst): results may differ
 * from ORT's in the last bits. QDQ models run it between DequantizeLinear and
 * QuantizeLinear, as ORT 1.30 does (it has no quantized ConvTranspose).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "conv_geom.h"
#include "internal.h"
#include "ops.h"

struct convt_priv {
	struct mg_window win;
	int64_t group;
	int64_t out_pad[2];         /* output_padding (adj) */
	int64_t out_shape[2];       /* output_shape's spatial sizes, or -1 */
	/* of the last inference */
	int64_t n, h, w, c, cg;     /* input; channels per group */
	int64_t m, mg;              /* output channels, per group */
	int64_t oh, ow, pt, pl;     /* output size, head pads */
	int64_t kh, kw, sh, sw, dh, dw;
	float *wt;                  /* [group][kh][kw][cg][mg] */
	float *bias;                /* m */
};

static void convt_destroy(struct mg_graph *g, struct mg_node *n)
{
	struct convt_priv *p = n->priv;

	mg_free(g, p->wt);
	mg_free(g, p->bias);
	mg_free(g, p);
	n->priv = NULL;
}

static int convt_parse(struct mg_graph *g, struct mg_node *n)
{
	struct convt_priv *p = mg_calloc(g, 1, sizeof(*p));
	int64_t v[8];
	int cnt, err;

	if (!p)
		return -E2BIG;
	n->priv = p;
	err = mg_window_parse(g, n, &p->win, false);
	if (!err)
		err = mg_attr_int(g, n, "group", 1, &p->group);
	if (err)
		return err;
	if (p->win.nd == 1)
		return mg_node_error(n, -ENOTSUP, "1-D ConvTranspose is not supported (2-D only)");
	if (p->group < 1 || p->group > (1 << 20))
		return mg_node_error(n, -EINVAL, "group %" PRId64, p->group);
	err = mg_attr_ints(g, n, "output_padding", v, 8, &cnt);
	if (err)
		return err;
	if (cnt >= 0) {
		if (cnt != 2)
			return mg_node_error(n, -ENOTSUP, "output_padding has %d values (fpq runs 2-D "
					     "ConvTranspose only)", cnt);
		for (int i = 0; i < 2; i++) {
			if (v[i] < 0 || v[i] > 1024)
				return mg_node_error(n, -EINVAL, "output_padding %" PRId64, v[i]);
			p->out_pad[i] = v[i];
		}
	}
	p->out_shape[0] = p->out_shape[1] = -1;
	err = mg_attr_ints(g, n, "output_shape", v, 8, &cnt);
	if (err)
		return err;
	if (cnt >= 0) {
		/* the spatial sizes, or (as ORT also takes) N, C and the spatial sizes */
		if (cnt != 2 && cnt != 4)
			return mg_node_error(n, -ENOTSUP, "output_shape has %d values (fpq runs 2-D "
					     "ConvTranspose only)", cnt);
		for (int i = 0; i < 2; i++) {
			int64_t s = v[cnt - 2 + i];

			if (s < 1 || s > MG_MAX_ELEMS)
				return mg_node_error(n, -EINVAL, "output_shape %" PRId64, s);
			p->out_shape[i] = s;
		}
	}
	return 0;
}

/*
 * One spatial axis, as ONNX and ORT 1.30 compute it: with output_shape the pads follow
 * from it (the total never below zero); with SAME_UPPER/SAME_LOWER the output is
 * in * stride; an odd total puts the extra pad at the tail for SAME_UPPER, at the head
 * otherwise (NOTSET with output_shape too).
 */
static int convt_axis(const struct mg_node *n, const struct convt_priv *p, int i, int64_t in,
		      int64_t *out, int64_t *head)
{
	const int64_t s = p->win.s[i], d = p->win.d[i], adj = p->out_pad[i];
	const int64_t full = (in - 1) * s + adj + (p->win.k[i] - 1) * d + 1;
	int64_t total, tail;

	if (adj >= (s > d ? s : d))
		return mg_node_error(n, -EINVAL, "output_padding %" PRId64 " must be less than the "
				     "stride or the dilation", adj);
	if (p->out_shape[i] >= 0 || p->win.auto_pad == MG_PAD_SAME_UPPER ||
	    p->win.auto_pad == MG_PAD_SAME_LOWER) {
		int64_t target = p->out_shape[i] >= 0 ? p->out_shape[i] : in * s;

		total = full - target;
		/* ORT takes an output_shape up to stride - 1 past the full output (the
		 * pixels no tap reaches hold the bias), and refuses a larger one */
		if (total <= -s)
			return mg_node_error(n, -EINVAL, "output_shape %" PRId64 " is %" PRId64
					     " or more past the full output (%" PRId64 ")",
					     target, s, full);
		if (total < 0)
			total = 0;
		if (p->win.auto_pad == MG_PAD_SAME_UPPER) {
			*head = total / 2;
			tail = total - total / 2;
		} else {
			*head = total - total / 2;
			tail = total / 2;
		}
		if (p->out_shape[i] >= 0) {
			*out = p->out_shape[i];
			return 0;
		}
	} else if (p->win.auto_pad == MG_PAD_VALID) {
		*head = tail = 0;
	} else {
		*head = p->win.pads[i];
		tail = p->win.pads[2 + i];
	}
	*out = full - *head - tail;
	if (*out < 1)
		return mg_node_error(n, -EINVAL, "the output would be empty (size %" PRId64 ")",
				     *out);
	return 0;
}

static int convt_infer(struct mg_graph *g, struct mg_node *n)
{
	struct convt_priv *p = n->priv;
	struct mg_value *x = mg_in(g, n, 0), *w = mg_in(g, n, 1), *b = mg_in(g, n, 2);
	int64_t od[4] = { -1, -1, -1, -1 };
	int err;

	if (x->dtype != FPQ_DTYPE_FLOAT || w->dtype != FPQ_DTYPE_FLOAT ||
	    (b && b->dtype != FPQ_DTYPE_FLOAT))
		return mg_node_error(n, -ENOTSUP, "ConvTranspose takes float tensors (quantized "
				     "models run it between DequantizeLinear and QuantizeLinear)");
	if (x->rank < 0 || w->rank < 0)
		return 0;
	if (x->rank != 4 || w->rank != 4)
		return mg_node_error(n, -ENOTSUP, "only 2-D ConvTranspose is supported (input rank "
				     "%d, weights rank %d)", x->rank, w->rank);
	if (!p->win.kernel_given) {
		p->win.k[0] = w->dims[2];
		p->win.k[1] = w->dims[3];
	} else if (p->win.k[0] != w->dims[2] || p->win.k[1] != w->dims[3]) {
		return mg_node_error(n, -EINVAL, "kernel_shape does not match the weights");
	}
	if (p->win.k[0] < 1 || p->win.k[1] < 1)
		return mg_node_error(n, -EINVAL, "an empty kernel");
	if (w->dims[0] < 1 || w->dims[0] % p->group || w->dims[1] < 1)
		return mg_node_error(n, -EINVAL, "weights [%" PRId64 ", %" PRId64 ", ...] in %" PRId64
				     " groups", w->dims[0], w->dims[1], p->group);
	if (x->dims[1] >= 0 && x->dims[1] != w->dims[0])
		return mg_node_error(n, -EINVAL, "the input has %" PRId64 " channels, the weights "
				     "take %" PRId64, x->dims[1], w->dims[0]);
	if (w->dims[1] > MG_MAX_ELEMS / p->group)
		return mg_node_error(n, -EINVAL, "too many output channels");
	p->c = w->dims[0];
	p->cg = p->c / p->group;
	p->mg = w->dims[1];
	p->m = p->mg * p->group;
	if (b && b->rank >= 0 && mg_numel(b) != p->m)
		return mg_node_error(n, -EINVAL, "%" PRId64 " biases for %" PRId64 " channels",
				     mg_numel(b), p->m);
	p->n = x->dims[0];
	p->h = x->dims[2];
	p->w = x->dims[3];
	p->kh = p->win.k[0];
	p->kw = p->win.k[1];
	p->sh = p->win.s[0];
	p->sw = p->win.s[1];
	p->dh = p->win.d[0];
	p->dw = p->win.d[1];
	od[0] = x->dims[0];
	od[1] = p->m;
	if (p->h >= 0) {
		if (p->h < 1)
			return mg_node_error(n, -EINVAL, "an empty input");
		err = convt_axis(n, p, 0, p->h, &od[2], &p->pt);
		if (err)
			return err;
	}
	if (p->w >= 0) {
		if (p->w < 1)
			return mg_node_error(n, -EINVAL, "an empty input");
		err = convt_axis(n, p, 1, p->w, &od[3], &p->pl);
		if (err)
			return err;
	}
	p->oh = od[2];
	p->ow = od[3];
	return mg_set_output(g, n, 0, FPQ_DTYPE_FLOAT, 4, od);
}

static int convt_pack(struct mg_graph *g, struct mg_node *n)
{
	struct convt_priv *p = n->priv;
	struct mg_value *w = mg_in(g, n, 1);
	const int64_t kk = p->kh * p->kw;
	void *bias;
	int err = mg_conv_constants(g, n, 1, 2, p->m, sizeof(float), true, &bias);

	if (err)
		return err;
	p->bias = bias;
	p->wt = mg_calloc(g, (size_t)(p->c * p->mg * kk), sizeof(float));
	if (!p->wt)
		return -E2BIG;
	const float *src = w->data;

	/* ONNX [C][M/group][kh][kw] to [group][kh][kw][C/group][M/group]: the kernel adds
	 * one input channel at a time across a group's output channels. */
	for (int64_t ci = 0; ci < p->c; ci++) {
		int64_t gi = ci / p->cg, c = ci % p->cg;

		for (int64_t mo = 0; mo < p->mg; mo++)
			for (int64_t t = 0; t < kk; t++)
				p->wt[((gi * kk + t) * p->cg + c) * p->mg + mo] =
					src[(ci * p->mg + mo) * kk + t];
	}
	return 0;
}

static size_t convt_scratch(struct mg_graph *g, const struct mg_node *n)
{
	const struct convt_priv *p = n->priv;

	/* one tap's sums per worker */
	return (size_t)p->mg * sizeof(float) * (g->workers ? g->workers : 1) + 64;
}

struct convt_job {
	const struct convt_priv *p;
	const float *x;
	float *y;
	float *tmp;              /* mg per worker */
};

/* The input index a tap reads for output position o, or -1. */
static inline int64_t convt_src(int64_t o, int64_t head, int64_t tap, int64_t s, int64_t d,
				int64_t in)
{
	int64_t t = o + head - tap * d;

	if (t < 0 || t % s)
		return -1;
	t /= s;
	return t < in ? t : -1;
}

/* Output rows [r0, r1) (a row: one image's one output line). */
static void convt_rows(void *arg, int64_t r0, int64_t r1, unsigned int worker)
{
	const struct convt_job *j = arg;
	const struct convt_priv *p = j->p;
	const int64_t m = p->m, mg = p->mg, cg = p->cg, kk = p->kh * p->kw;
	float *tmp = j->tmp + (size_t)worker * (size_t)mg;

	for (int64_t r = r0; r < r1; r++) {
		const int64_t img = r / p->oh, oy = r % p->oh;
		const float *xi = j->x + img * p->h * p->w * p->c;
		float *y = j->y + r * p->ow * m;

		for (int64_t ox = 0; ox < p->ow; ox++, y += m) {
			for (int64_t o = 0; o < m; o++)
				y[o] = 0.0f;
			for (int64_t ky = 0; ky < p->kh; ky++) {
				const int64_t iy = convt_src(oy, p->pt, ky, p->sh, p->dh, p->h);

				if (iy < 0)
					continue;
				for (int64_t kx = 0; kx < p->kw; kx++) {
					const int64_t ix = convt_src(ox, p->pl, kx, p->sw, p->dw, p->w);

					if (ix < 0)
						continue;
					const float *px = xi + (iy * p->w + ix) * p->c;

					for (int64_t gi = 0; gi < p->group; gi++) {
						const float *wt = p->wt + ((gi * kk + ky * p->kw + kx) * cg) * mg;
						const float *xg = px + gi * cg;
						float *yg = y + gi * mg;

						for (int64_t o = 0; o < mg; o++)
							tmp[o] = 0.0f;
						for (int64_t c = 0; c < cg; c++) {
							const float xv = xg[c];
							const float *wr = wt + c * mg;

							for (int64_t o = 0; o < mg; o++)
								tmp[o] += xv * wr[o];
						}
						for (int64_t o = 0; o < mg; o++)
							yg[o] += tmp[o];
					}
				}
			}
			for (int64_t o = 0; o < m; o++)
				y[o] += p->bias[o];
		}
	}
}

static int convt_run(struct mg_exec *ex, struct mg_node *n)
{
	const struct convt_priv *p = n->priv;
	struct convt_job j = {
		p, mg_in(ex->g, n, 0)->ptr, mg_out(ex->g, n, 0)->ptr, ex->scratch,
	};

	return mg_parallel(ex, p->n * p->oh, 1, convt_rows, &j);
}

const struct mg_op mg_op_conv_transpose = {
	.name = "ConvTranspose", .domain = "",
	.min_in = 2, .max_in = 3, .min_out = 1, .max_out = 1,
	.flags = MG_OP_NHWC,
	.parse = convt_parse, .infer = convt_infer, .pack = convt_pack,
	.scratch = convt_scratch, .run = convt_run, .destroy = convt_destroy,
};
