// SPDX-License-Identifier: MIT
/*
 * op_conv.c - Conv (binary32) and QLinearConv (8-bit) in NHWC: every form a CNN uses
 * (groups, depthwise, strides, pads and auto_pad, dilations, 1x1 and KxK).
 *
 * QLinearConv runs on libfpq's INT8 GEMM: the weights of each group are converted to
 * int8 (w - w_zero_point, which must fit) and pre-packed at load; a 1x1 convolution
 * with stride 1 reads the NHWC input as the GEMM's A directly, others go through
 * im2col in blocks of rows, with the input's zero point in the padding so that padded
 * positions add nothing. Depthwise convolutions (one input channel per group) run as a
 * direct kernel: the same exact int32 sums. The accumulators are requantized with
 * ONNX Runtime's formula (the GEMM's FPQ_GEMM_REQUANT_FP32 mode, mg_requantize() for
 * the direct kernel), s[m] = fp32(fp32(x_scale * w_scale[m]) / y_scale).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "conv_geom.h"
#include "internal.h"
#include "kern.h"
#include "ops.h"

/* im2col blocks: at most this many bytes of A per GEMM call (and at least 64 rows) -
 * small enough that the block is still in L2 when the GEMM sums its rows and multiplies
 * (at 2 MiB the row sums waited on memory). */
#define CONV_BLOCK_BYTES ((size_t)512 << 10)
#define CONV_K_ALIGN 32

struct conv_priv {
	struct mg_window win;
	int64_t group;
	struct mg_geom geo;          /* of the last inference */
	int64_t m, cg, mg, k;        /* output channels, per group: in, out; GEMM K */
	int64_t kp;                  /* the quantized GEMM's K: k, or with im2col k rounded up
				      * to CONV_K_ALIGN with zero weights (A is then used in
				      * place by the CPU GEMM, whose K blocks are that size) */
	bool depthwise;              /* cg == 1: direct kernel */
	bool pointwise;              /* 1x1, stride 1, no pads, one group: A is the input */
	/* quantized */
	float x_scale, y_scale;
	int32_t x_zero, y_zero;
	float *scale;                /* m requantization scales */
	int32_t *bias;               /* m, may be NULL */
	int8_t *wq;                  /* m x k weights (w - zero point), group-major */
	int8_t *wdw;                 /* depthwise: kh*kw x m (transposed) */
	struct fpq_weights **packed; /* one per group */
	/* float */
	float *wf;                   /* groups x k x mg (transposed for the float kernel) */
	float *bf;                   /* m */
};

static void conv_destroy(struct mg_graph *g, struct mg_node *n)
{
	struct conv_priv *p = n->priv;

	if (p->packed) {
		for (int64_t i = 0; i < p->group; i++)
			fpq_weights_free(p->packed[i]);
		mg_free(g, p->packed);
	}
	mg_free(g, p->scale);
	mg_free(g, p->bias);
	mg_free(g, p->wq);
	mg_free(g, p->wdw);
	mg_free(g, p->wf);
	mg_free(g, p->bf);
	mg_free(g, p);
	n->priv = NULL;
}

static int conv_parse(struct mg_graph *g, struct mg_node *n)
{
	struct conv_priv *p = mg_calloc(g, 1, sizeof(*p));
	int err;

	if (!p)
		return -E2BIG;
	n->priv = p;
	err = mg_window_parse(g, n, &p->win, false);
	if (!err)
		err = mg_attr_int(g, n, "group", 1, &p->group);
	if (err)
		return err;
	if (p->group < 1 || p->group > (1 << 20))
		return mg_node_error(n, -EINVAL, "group %" PRId64, p->group);
	return 0;
}

/* Shapes: x (NCHW logical) and w [M, C/group, kh, kw]. */
static int conv_shapes(struct mg_graph *g, struct mg_node *n, int xi, int wi)
{
	struct conv_priv *p = n->priv;
	struct mg_value *x = mg_in(g, n, xi), *w = mg_in(g, n, wi);
	struct mg_window win = p->win;
	int64_t od[4];
	int err;

	if (x->rank < 0 || w->rank < 0)
		return 0;
	if (x->rank != 4 || w->rank != 4)
		return mg_node_error(n, -ENOTSUP, "only 2-D convolutions are supported (input rank "
				     "%d, weights rank %d)", x->rank, w->rank);
	if (win.nd < 0 || !win.kernel_given) {
		win.k[0] = w->dims[2];
		win.k[1] = w->dims[3];
	} else if (win.k[0] != w->dims[2] || win.k[1] != w->dims[3]) {
		return mg_node_error(n, -EINVAL, "kernel_shape does not match the weights");
	}
	if (win.nd == 1)
		return mg_node_error(n, -ENOTSUP, "1-D attributes on a 2-D convolution");
	if (w->dims[0] < 1 || w->dims[0] % p->group)
		return mg_node_error(n, -EINVAL, "%" PRId64 " output channels in %" PRId64 " groups",
				     w->dims[0], p->group);
	if (x->dims[1] >= 0 && x->dims[1] != w->dims[1] * p->group)
		return mg_node_error(n, -EINVAL, "the input has %" PRId64 " channels, the weights "
				     "take %" PRId64 " x %" PRId64 " groups", x->dims[1], w->dims[1],
				     p->group);
	err = mg_window_apply(n, &win, x->dims, 4, &p->geo);
	if (err)
		return err;
	p->m = w->dims[0];
	p->cg = w->dims[1];
	p->mg = p->m / p->group;
	p->k = p->geo.kh * p->geo.kw * p->cg;
	p->depthwise = p->cg == 1 && p->group > 1;
	p->pointwise = p->group == 1 && p->geo.kh == 1 && p->geo.kw == 1 && p->geo.sh == 1 &&
		       p->geo.sw == 1 && !p->geo.pt && !p->geo.pl && !p->geo.pb && !p->geo.pr;
	p->kp = p->pointwise || p->depthwise ? p->k
					     : (p->k + CONV_K_ALIGN - 1) / CONV_K_ALIGN * CONV_K_ALIGN;
	od[0] = x->dims[0];
	od[1] = p->m;
	od[2] = p->geo.oh;
	od[3] = p->geo.ow;
	if (p->geo.oh == 0 || p->geo.ow == 0)
		return mg_node_error(n, -EINVAL, "the output would be empty");
	return mg_set_output(g, n, 0, mg_in(g, n, 0)->dtype == FPQ_DTYPE_FLOAT ? FPQ_DTYPE_FLOAT :
			     mg_in(g, n, 7) ? mg_in(g, n, 7)->dtype : FPQ_DTYPE_UINT8, 4, od);
}

/* ---- QLinearConv ---- */

static int qconv_infer(struct mg_graph *g, struct mg_node *n)
{
	struct mg_value *x = mg_in(g, n, 0), *w = mg_in(g, n, 3);

	if (!mg_is_q8(x->dtype) || !mg_is_q8(w->dtype))
		return mg_node_error(n, -ENOTSUP, "input %s, weights %s (fpq takes 8-bit integers)",
				     fpq_dtype_name(x->dtype), fpq_dtype_name(w->dtype));
	if (mg_in(g, n, 8) && mg_in(g, n, 8)->dtype != FPQ_DTYPE_INT32)
		return mg_node_error(n, -EINVAL, "the bias must be int32");
	return conv_shapes(g, n, 0, 3);
}

static int qconv_pack(struct mg_graph *g, struct mg_node *n)
{
	struct conv_priv *p = n->priv;
	struct mg_value *w = mg_in(g, n, 3);
	struct mg_qparams wq;
	bool xu8, yu8;
	void *bias;
	int err;

	err = mg_conv_constants(g, n, 3, 8, p->m, sizeof(int32_t), false, &bias);
	if (err)
		return err;
	p->bias = bias;
	if (p->kp > FPQ_INT8_MAX_K)
		return mg_node_error(n, -ENOTSUP, "K = %" PRId64 " exceeds libfpq's INT8 limit %u",
				     p->k, FPQ_INT8_MAX_K);
	err = mg_qparams_scalar(g, n, 1, 2, mg_in(g, n, 0)->dtype, &p->x_scale, &p->x_zero, &xu8);
	if (!err)
		err = mg_qparams_scalar(g, n, 6, 7, FPQ_DTYPE_UINT8, &p->y_scale, &p->y_zero, &yu8);
	if (err)
		return err;
	if (xu8 != (mg_in(g, n, 0)->dtype == FPQ_DTYPE_UINT8))
		return mg_node_error(n, -EINVAL, "the input's zero point has another type");
	err = mg_qparams_read(g, n, 4, 5, w->dtype, &wq);
	if (err)
		return err;
	if (wq.count != 1 && wq.count != p->m) {
		mg_qparams_free(g, &wq);
		return mg_node_error(n, -EINVAL, "%d weight scales for %" PRId64 " channels",
				     wq.count, p->m);
	}
	p->scale = mg_calloc(g, (size_t)p->m, sizeof(float));
	p->wq = mg_calloc(g, (size_t)(p->m * p->k), 1);
	if (!p->scale || !p->wq) {
		mg_qparams_free(g, &wq);
		return -E2BIG;
	}
	const int8_t *src = w->data;
	const int64_t kk = p->geo.kh * p->geo.kw;

	for (int64_t m = 0; m < p->m; m++) {
		int c = wq.count == 1 ? 0 : (int)m;
		int32_t zw = wq.zero[c];

		p->scale[m] = (p->x_scale * wq.scale[c]) / p->y_scale;
		/* ONNX order [m][c][ky][kx] to the GEMM's K order (ky, kx, c). */
		for (int64_t ci = 0; ci < p->cg; ci++)
			for (int64_t t = 0; t < kk; t++) {
				int32_t v = src[(m * p->cg + ci) * kk + t] - zw;

				if (v < -128 || v > 127) {
					mg_qparams_free(g, &wq);
					return mg_node_error(n, -ENOTSUP, "weight minus zero point (%d) "
							     "does not fit int8 (channel %" PRId64 ")",
							     v, m);
				}
				p->wq[m * p->k + t * p->cg + ci] = (int8_t)v;
			}
	}
	mg_qparams_free(g, &wq);
	if (p->depthwise) {
		p->wdw = mg_calloc(g, (size_t)(p->m * kk), 1);
		if (!p->wdw)
			return -E2BIG;
		for (int64_t m = 0; m < p->m; m++)
			for (int64_t t = 0; t < kk; t++)
				p->wdw[t * p->m + m] = p->wq[m * p->k + t];
		return 0;
	}
	p->packed = mg_calloc(g, (size_t)p->group, sizeof(*p->packed));
	if (!p->packed)
		return -E2BIG;
	int8_t *wk = p->wq;

	if (p->kp != p->k) {
		/* K padded with zero weights */
		wk = mg_calloc(g, (size_t)(p->m * p->kp), 1);
		if (!wk)
			return -E2BIG;
		for (int64_t m = 0; m < p->m; m++)
			memcpy(wk + m * p->kp, p->wq + m * p->k, (size_t)p->k);
	}
	err = 0;
	for (int64_t gi = 0; gi < p->group && !err; gi++) {
		struct fpq_matrix bm = {
			.format = FPQ_FMT_INT8, .rows = (uint32_t)p->mg, .cols = (uint32_t)p->kp,
			.data = wk + gi * p->mg * p->kp,
		};

		err = fpq_weights_pack(g->ctx, &bm, &p->packed[gi]);
	}
	if (wk != p->wq)
		mg_free(g, wk);
	if (err)
		return mg_node_error(n, err, "packing the weights: %s", fpq_strerror(err));
	return 0;
}

static size_t conv_block_rows(int64_t k, int64_t total)
{
	int64_t rows = (int64_t)(CONV_BLOCK_BYTES / (size_t)(k > 0 ? k : 1));

	if (rows < 64)
		rows = 64;
	return (size_t)(rows < total ? rows : total);
}

static size_t qconv_scratch(struct mg_graph *g, const struct mg_node *n)
{
	const struct conv_priv *p = n->priv;
	int64_t rows = p->geo.n * p->geo.oh * p->geo.ow;
	size_t br = conv_block_rows(p->kp, rows);

	if (p->depthwise)
		return (size_t)p->m * sizeof(int32_t) * (g->workers ? g->workers : 1);
	/* an im2col block (unless pointwise) */
	return (p->pointwise ? 0 : br * (size_t)p->kp) + 64;
}

struct dw_job {
	struct conv_priv *p;
	const int8_t *x;
	int8_t *y;
	int32_t *acc;            /* m per worker */
	int32_t qmin, qmax;
	const struct mg_kernels *k;
	struct fpq_layer_stats *st;
};

/* Output rows [r0, r1) (a row: one image's one output line) of a depthwise conv. */
static void depthwise_rows(void *arg, int64_t r0, int64_t r1, unsigned int worker)
{
	struct dw_job *d = arg;
	const struct conv_priv *p = d->p;
	const struct mg_geom *geo = &p->geo;
	const int64_t m = p->m, mult = p->mg, c = geo->c;
	int32_t *acc = d->acc + (size_t)worker * (size_t)m;
	struct mg_counts cnt = { 0, 0 };

	for (int64_t r = r0; r < r1; r++) {
		int64_t img = r / geo->oh, oy = r % geo->oh;
		const int8_t *xi = d->x + img * geo->h * geo->w * c;
		int8_t *y = d->y + r * geo->ow * m;

		if (mult == 1) {
			const struct mg_dw dw = {
				.x = xi, .h = geo->h, .w = geo->w, .c = c, .ow = geo->ow,
				.kh = geo->kh, .kw = geo->kw, .sh = geo->sh, .sw = geo->sw,
				.pt = geo->pt, .pl = geo->pl, .dh = geo->dh, .dw = geo->dw,
				.wt = p->wdw, .bias = p->bias, .scale = p->scale,
				.x_zero = p->x_zero, .y_zero = p->y_zero, .qmin = d->qmin,
				.qmax = d->qmax,
			};

			d->k->dw_row(&dw, oy, y, acc, &cnt);
			continue;
		}
		/* a channel multiplier: the plain loops */
		for (int64_t ox = 0; ox < geo->ow; ox++, y += m) {
			if (p->bias)
				memcpy(acc, p->bias, sizeof(int32_t) * (size_t)m);
			else
				memset(acc, 0, sizeof(int32_t) * (size_t)m);
			for (int64_t ky = 0; ky < geo->kh; ky++) {
				int64_t iy = oy * geo->sh - geo->pt + ky * geo->dh;

				if (iy < 0 || iy >= geo->h)
					continue;
				for (int64_t kx = 0; kx < geo->kw; kx++) {
					int64_t ix = ox * geo->sw - geo->pl + kx * geo->dw;
					const int8_t *wt = p->wdw + (ky * geo->kw + kx) * m;
					const int8_t *px;

					if (ix < 0 || ix >= geo->w)
						continue;
					px = xi + (iy * geo->w + ix) * c;
					for (int64_t j = 0; j < m; j++)
						acc[j] += (px[j / mult] - p->x_zero) * wt[j];
				}
			}
			d->k->requant(acc, y, m, p->scale, false, p->y_zero, d->qmin, d->qmax, &cnt);
		}
	}
	mg_count(&d->st->clamped, cnt.clamped);
	mg_count(&d->st->saturated, cnt.saturated);
}

static int qconv_run(struct mg_exec *ex, struct mg_node *n)
{
	struct conv_priv *p = n->priv;
	struct mg_value *xv = mg_in(ex->g, n, 0), *yv = mg_out(ex->g, n, 0);
	const int8_t *x = xv->ptr;
	int8_t *y = yv->ptr;
	const int64_t rows = p->geo.n * p->geo.oh * p->geo.ow;
	const size_t br = conv_block_rows(p->kp, rows);
	uint8_t *scratch = ex->scratch;
	int8_t *col;
	int err;

	if (p->depthwise) {
		struct dw_job d = { p, x, y, (int32_t *)scratch, n->qmin, n->qmax, ex->k, ex->st };

		return mg_parallel(ex, p->geo.n * p->geo.oh, 1, depthwise_rows, &d);
	}
	col = (int8_t *)scratch;
	for (int64_t gi = 0; gi < p->group; gi++) {
		for (int64_t r0 = 0; r0 < rows; r0 += (int64_t)br) {
			uint32_t nr = (uint32_t)(rows - r0 < (int64_t)br ? rows - r0 : (int64_t)br);
			const int8_t *a;
			size_t a_stride;

			if (p->pointwise) {
				a = x + r0 * p->geo.c;
				a_stride = (size_t)p->geo.c;
			} else {
				int8_t pad = (int8_t)p->x_zero;

				mg_im2col((const uint8_t *)x, 1, &p->geo, gi * p->cg, p->cg, r0, nr,
					  &pad, (uint8_t *)col, (size_t)p->kp);
				a = col;
				a_stride = (size_t)p->kp;
			}
			struct mg_qgemm_args q = {
				.k = (uint32_t)p->kp, .n = (uint32_t)p->mg, .a_zero = p->x_zero,
				.w = p->packed[gi], .bias = p->bias ? p->bias + gi * p->mg : NULL,
				.scale = p->scale + gi * p->mg, .y_zero = p->y_zero,
				.qmin = n->qmin, .qmax = n->qmax,
			};

			err = mg_qgemm(ex, &q, a, a_stride, nr, y + r0 * p->m + gi * p->mg,
				       (size_t)p->m);
			if (err)
				return err;
		}
	}
	return 0;
}

const struct mg_op mg_op_qlinear_conv = {
	.name = "QLinearConv", .domain = "",
	.min_in = 8, .max_in = 9, .min_out = 1, .max_out = 1,
	.flags = MG_OP_NHWC | MG_OP_GEMM,
	.parse = conv_parse, .infer = qconv_infer, .pack = qconv_pack,
	.scratch = qconv_scratch, .run = qconv_run, .destroy = conv_destroy,
};

/* ---- Conv (binary32) ---- */

static int fconv_infer(struct mg_graph *g, struct mg_node *n)
{
	struct mg_value *x = mg_in(g, n, 0), *w = mg_in(g, n, 1), *b = mg_in(g, n, 2);

	if (x->dtype != FPQ_DTYPE_FLOAT || w->dtype != FPQ_DTYPE_FLOAT ||
	    (b && b->dtype != FPQ_DTYPE_FLOAT))
		return mg_node_error(n, -ENOTSUP, "Conv takes float tensors (quantized models use "
				     "QLinearConv or Q/DQ pairs)");
	return conv_shapes(g, n, 0, 1);
}

static int fconv_pack(struct mg_graph *g, struct mg_node *n)
{
	struct conv_priv *p = n->priv;
	struct mg_value *w = mg_in(g, n, 1);
	const int64_t kk = p->geo.kh * p->geo.kw;
	void *bias;
	int err = mg_conv_constants(g, n, 1, 2, p->m, sizeof(float), true, &bias);

	if (err)
		return err;
	p->bf = bias;
	p->wf = mg_calloc(g, (size_t)(p->m * p->k), sizeof(float));
	if (!p->wf)
		return -E2BIG;
	const float *src = w->data;

	/* wf[group][k][mg]: the kernel adds one k at a time across the channels. */
	for (int64_t m = 0; m < p->m; m++) {
		int64_t gi = m / p->mg, mo = m % p->mg;

		for (int64_t ci = 0; ci < p->cg; ci++)
			for (int64_t t = 0; t < kk; t++)
				p->wf[(gi * p->k + t * p->cg + ci) * p->mg + mo] =
					src[(m * p->cg + ci) * kk + t];
	}
	return 0;
}

static size_t fconv_scratch(struct mg_graph *g, const struct mg_node *n)
{
	const struct conv_priv *p = n->priv;

	(void)g;
	return conv_block_rows(p->k, p->geo.n * p->geo.oh * p->geo.ow) * (size_t)p->k *
	       sizeof(float) + 64;
}

/* out[r][j] = sum over k in order of a[r][k] * w[k][j], then bias and activation. */
static void sgemm_rows(const float *a, int64_t rows, int64_t k, const float *w, int64_t mg,
		       const float *bias, float *out, int64_t out_stride, const struct mg_node *n,
		       struct fpq_layer_stats *st)
{
	for (int64_t r = 0; r < rows; r++) {
		float *o = out + r * out_stride;
		const float *ar = a + r * k;

		for (int64_t j = 0; j < mg; j++)
			o[j] = 0.0f;
		for (int64_t t = 0; t < k; t++) {
			const float av = ar[t];
			const float *wr = w + t * mg;

			for (int64_t j = 0; j < mg; j++)
				o[j] += av * wr[j];
		}
		for (int64_t j = 0; j < mg; j++) {
			float v = o[j] + bias[j];

			if (n->act) {
				float c = v < n->act_lo ? n->act_lo : v > n->act_hi ? n->act_hi : v;

				st->clamped += c != v;
				v = c;
			}
			o[j] = v;
		}
	}
}

static int fconv_run(struct mg_exec *ex, struct mg_node *n)
{
	struct conv_priv *p = n->priv;
	const float *x = mg_in(ex->g, n, 0)->ptr;
	float *y = mg_out(ex->g, n, 0)->ptr;
	const int64_t rows = p->geo.n * p->geo.oh * p->geo.ow;
	const int64_t br = (int64_t)conv_block_rows(p->k, rows);
	float *col = ex->scratch;
	const float zero = 0.0f;

	for (int64_t gi = 0; gi < p->group; gi++)
		for (int64_t r0 = 0; r0 < rows; r0 += br) {
			int64_t nr = rows - r0 < br ? rows - r0 : br;

			mg_im2col((const uint8_t *)x, 4, &p->geo, gi * p->cg, p->cg, r0, nr, &zero,
				  (uint8_t *)col, (size_t)p->k * 4);
			sgemm_rows(col, nr, p->k, p->wf + gi * p->k * p->mg, p->mg, p->bf + gi * p->mg,
				   y + r0 * p->m + gi * p->mg, p->m, n, ex->st);
		}
	return 0;
}

const struct mg_op mg_op_conv = {
	.name = "Conv", .domain = "",
	.min_in = 2, .max_in = 3, .min_out = 1, .max_out = 1,
	.flags = MG_OP_NHWC,
	.parse = conv_parse, .infer = fconv_infer, .pack = fconv_pack,
	.scratch = fconv_scratch, .run = fconv_run, .destroy = conv_destroy,
};
