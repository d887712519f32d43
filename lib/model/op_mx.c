// SPDX-License-Identifier: MIT
/*
 * op_mx.c - fpq.MxConv and fpq.MxGemm, the MX layers fpq-quantize writes
 * (Documentation/models.rst, "MX and FP8 layers"): weights stored as packed MX
 * elements with E8M0 scales per 32 along K, activations quantized to an MX element
 * format per 32 along K as the layer runs, the product on libfpq's float/MX GEMM
 * (numerics.rst), so the card and the CPU give the same bits.
 *
 * K runs in NHWC im2col order: k = (ky * kw + kx) * cg + c for a convolution (cg the
 * input channels of a group), the input column for a Gemm; it is padded with zeros to
 * a multiple of 32 (kp). Padded positions of the window read 0.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "conv_geom.h"
#include "internal.h"
#include "ops.h"

/* im2col blocks: about this many bytes of binary32 rows at a time (at least 64 rows). */
#define MX_BLOCK_BYTES ((size_t)512 << 10)
/* Largest K accepted (a file declares any shape). */
#define MX_MAX_K ((int64_t)1 << 20)

struct mx_priv {
	bool conv;
	struct mg_window win;
	int64_t group;
	struct mg_geom geo;
	enum fpq_format wfmt, afmt;
	int64_t wshape[4];
	int64_t m, cg, mg, k, kp;    /* output channels; per group: in, out; K; K padded */
	size_t wrow, arow, nblk;     /* bytes of a weight row, of an activation row; blocks */
	uint8_t *wdata, *wscales;    /* the stored codes (uint8 tensors are kept flipped) */
	float *bias;                 /* m, or NULL */
	struct fpq_weights **packed; /* one per group */
};

static void mx_destroy(struct mg_graph *g, struct mg_node *n)
{
	struct mx_priv *p = n->priv;

	if (p->packed) {
		for (int64_t i = 0; i < p->group; i++)
			fpq_weights_free(p->packed[i]);
		mg_free(g, p->packed);
	}
	mg_free(g, p->wdata);
	mg_free(g, p->wscales);
	mg_free(g, p->bias);
	mg_free(g, p);
	n->priv = NULL;
}

/* An MX operand format named by attribute @name. */
static int mx_format(struct mg_graph *g, struct mg_node *n, const char *name,
		     enum fpq_format *out)
{
	const char *s;
	enum fpq_format f;
	int err = mg_attr_string(g, n, name, NULL, &s);

	if (err)
		return err;
	if (!s)
		return mg_node_error(n, -EINVAL, "attribute '%s' is required", name);
	f = fpq_format_from_name(s);
	if (f != FPQ_FMT_E4M3 && f != FPQ_FMT_E5M2 && f != FPQ_FMT_E3M2 && f != FPQ_FMT_E2M3 &&
	    f != FPQ_FMT_E2M1 && f != FPQ_FMT_MXINT8)
		return mg_node_error(n, -EINVAL, "%s '%.20s' is not an MX element format (e4m3, "
				     "e5m2, e3m2, e2m3, e2m1, mxint8)", name, s);
	*out = f;
	return 0;
}

static int mx_parse(struct mg_graph *g, struct mg_node *n, bool conv)
{
	struct mx_priv *p = mg_calloc(g, 1, sizeof(*p));
	int rank = conv ? 4 : 2, cnt;
	int64_t block, k = 1;
	int err;

	if (!p)
		return -E2BIG;
	n->priv = p;
	p->conv = conv;
	p->group = 1;
	err = mx_format(g, n, "weight_format", &p->wfmt);
	if (!err)
		err = mx_format(g, n, "act_format", &p->afmt);
	if (!err)
		err = mg_attr_int(g, n, "block_size", 32, &block);
	if (!err)
		err = mg_attr_ints(g, n, "weight_shape", p->wshape, 4, &cnt);
	if (!err && conv)
		err = mg_window_parse(g, n, &p->win, false);
	if (!err && conv)
		err = mg_attr_int(g, n, "group", 1, &p->group);
	if (err)
		return err;
	if (block != FPQ_MX_BLOCK)
		return mg_node_error(n, -EINVAL, "block_size %" PRId64 " (MX blocks are %u)", block,
				     FPQ_MX_BLOCK);
	if (cnt != rank)
		return mg_node_error(n, -EINVAL, "weight_shape must have %d dimensions", rank);
	for (int d = 0; d < rank; d++) {
		if (p->wshape[d] < 1 || p->wshape[d] > MX_MAX_K)
			return mg_node_error(n, -EINVAL, "weight_shape[%d] is %" PRId64, d,
					     p->wshape[d]);
		if (d)
			k *= p->wshape[d];
	}
	if (k > MX_MAX_K)
		return mg_node_error(n, -EINVAL, "K = %" PRId64 " (at most %" PRId64 ")", k,
				     MX_MAX_K);
	if (conv) {
		if (p->group < 1 || p->group > p->wshape[0] || p->wshape[0] % p->group)
			return mg_node_error(n, -EINVAL, "group %" PRId64 " for %" PRId64 " output "
					     "channels", p->group, p->wshape[0]);
		if (p->win.nd == 1)
			return mg_node_error(n, -ENOTSUP, "1-D attributes on a 2-D convolution");
		if (p->win.kernel_given &&
		    (p->win.k[0] != p->wshape[2] || p->win.k[1] != p->wshape[3]))
			return mg_node_error(n, -EINVAL, "kernel_shape does not match weight_shape");
		p->win.k[0] = p->wshape[2];
		p->win.k[1] = p->wshape[3];
	}
	p->m = p->wshape[0];
	p->cg = conv ? p->wshape[1] : k;
	p->mg = p->m / p->group;
	p->k = k;
	p->kp = (k + FPQ_MX_BLOCK - 1) / FPQ_MX_BLOCK * FPQ_MX_BLOCK;
	p->nblk = (size_t)(p->kp / FPQ_MX_BLOCK);
	p->wrow = fpq_row_bytes(p->wfmt, (uint32_t)p->kp);
	p->arow = fpq_row_bytes(p->afmt, (uint32_t)p->kp);
	return 0;
}

static int mxconv_parse(struct mg_graph *g, struct mg_node *n)
{
	return mx_parse(g, n, true);
}

static int mxgemm_parse(struct mg_graph *g, struct mg_node *n)
{
	return mx_parse(g, n, false);
}

/* Inputs 1..3: the packed weights [m, wrow] and scales [m, nblk] (uint8), the bias
 * [m] (float, optional). */
static int mx_check_params(struct mg_graph *g, struct mg_node *n)
{
	struct mx_priv *p = n->priv;
	struct mg_value *w = mg_in(g, n, 1), *s = mg_in(g, n, 2), *b = mg_in(g, n, 3);

	if (w->dtype != FPQ_DTYPE_UINT8 || s->dtype != FPQ_DTYPE_UINT8)
		return mg_node_error(n, -EINVAL, "the weights and scales must be uint8");
	if (w->rank >= 0 && (w->rank != 2 || w->dims[0] != p->m ||
			     w->dims[1] != (int64_t)p->wrow))
		return mg_node_error(n, -EINVAL, "the weights must be [%" PRId64 ", %zu] bytes "
				     "(%s, K = %" PRId64 " padded to %" PRId64 ")", p->m, p->wrow,
				     fpq_format_name(p->wfmt), p->k, p->kp);
	if (s->rank >= 0 && (s->rank != 2 || s->dims[0] != p->m ||
			     s->dims[1] != (int64_t)p->nblk))
		return mg_node_error(n, -EINVAL, "the scales must be [%" PRId64 ", %zu]", p->m,
				     p->nblk);
	if (b && (b->dtype != FPQ_DTYPE_FLOAT || (b->rank >= 0 &&
						   (b->rank != 1 || b->dims[0] != p->m))))
		return mg_node_error(n, -EINVAL, "the bias must be float [%" PRId64 "]", p->m);
	return 0;
}

static int mxconv_infer(struct mg_graph *g, struct mg_node *n)
{
	struct mx_priv *p = n->priv;
	struct mg_value *x = mg_in(g, n, 0);
	int64_t od[4];
	int err = mx_check_params(g, n);

	if (err)
		return err;
	if (x->dtype != FPQ_DTYPE_FLOAT)
		return mg_node_error(n, -EINVAL, "the input must be float");
	if (x->rank < 0)
		return 0;
	if (x->rank != 4)
		return mg_node_error(n, -ENOTSUP, "the input has rank %d (2-D convolutions)",
				     x->rank);
	if (x->dims[1] >= 0 && x->dims[1] != p->cg * p->group)
		return mg_node_error(n, -EINVAL, "the input has %" PRId64 " channels, the weights "
				     "take %" PRId64 " x %" PRId64 " groups", x->dims[1], p->cg,
				     p->group);
	err = mg_window_apply(n, &p->win, x->dims, 4, &p->geo);
	if (err)
		return err;
	if (p->geo.oh == 0 || p->geo.ow == 0)
		return mg_node_error(n, -EINVAL, "the output would be empty");
	od[0] = x->dims[0];
	od[1] = p->m;
	od[2] = p->geo.oh;
	od[3] = p->geo.ow;
	return mg_set_output(g, n, 0, FPQ_DTYPE_FLOAT, 4, od);
}

static int mxgemm_infer(struct mg_graph *g, struct mg_node *n)
{
	struct mx_priv *p = n->priv;
	struct mg_value *a = mg_in(g, n, 0);
	int64_t od[2];
	int err = mx_check_params(g, n);

	if (err)
		return err;
	if (a->dtype != FPQ_DTYPE_FLOAT)
		return mg_node_error(n, -EINVAL, "the input must be float");
	if (a->rank < 0)
		return 0;
	if (a->rank != 2 || (a->dims[1] >= 0 && a->dims[1] != p->k))
		return mg_node_error(n, -EINVAL, "the input must be [rows, %" PRId64 "]", p->k);
	od[0] = a->dims[0];
	od[1] = p->m;
	return mg_set_output(g, n, 0, FPQ_DTYPE_FLOAT, 2, od);
}

static int mx_pack(struct mg_graph *g, struct mg_node *n)
{
	struct mx_priv *p = n->priv;
	struct mg_value *w = mg_in(g, n, 1), *s = mg_in(g, n, 2), *b = mg_in(g, n, 3);
	size_t wbytes = (size_t)p->m * p->wrow, sbytes = (size_t)p->m * p->nblk;
	int err;

	if (w->kind == MG_RUNTIME || !w->data || s->kind == MG_RUNTIME || !s->data ||
	    (b && (b->kind == MG_RUNTIME || !b->data)))
		return mg_node_error(n, -ENOTSUP, "the weights, scales and bias must be constant");
	if (w->nbytes != wbytes || s->nbytes != sbytes)
		return mg_node_error(n, -EINVAL, "the weights or scales hold the wrong number of "
				     "bytes");
	p->wdata = mg_alloc(g, wbytes);
	p->wscales = mg_alloc(g, sbytes);
	p->packed = mg_calloc(g, (size_t)p->group, sizeof(*p->packed));
	if (b)
		p->bias = mg_alloc(g, (size_t)p->m * sizeof(float));
	if (!p->wdata || !p->wscales || !p->packed || (b && !p->bias))
		return -E2BIG;
	/* The reader keeps uint8 as code ^ 0x80 (graph.h): back to the codes. */
	for (size_t i = 0; i < wbytes; i++)
		p->wdata[i] = ((const uint8_t *)w->data)[i] ^ 0x80;
	for (size_t i = 0; i < sbytes; i++)
		p->wscales[i] = ((const uint8_t *)s->data)[i] ^ 0x80;
	if (b)
		memcpy(p->bias, b->data, (size_t)p->m * sizeof(float));
	for (int64_t gi = 0; gi < p->group; gi++) {
		struct fpq_matrix bm = {
			.format = p->wfmt, .rows = (uint32_t)p->mg, .cols = (uint32_t)p->kp,
			.stride = p->wrow, .data = p->wdata + (size_t)(gi * p->mg) * p->wrow,
			.scales = p->wscales + (size_t)(gi * p->mg) * p->nblk,
			.scale_stride = p->nblk,
		};

		err = fpq_weights_pack(g->ctx, &bm, &p->packed[gi]);
		if (err)
			return mg_node_error(n, err, "packing the weights: %s", fpq_strerror(err));
	}
	return 0;
}

static int64_t mx_rows(const struct mx_priv *p, const struct mg_graph *g, const struct mg_node *n)
{
	const struct mg_value *x = &g->values[n->in[0]];

	return p->conv ? p->geo.n * p->geo.oh * p->geo.ow : x->dims[0];
}

static int64_t mx_block_rows(const struct mx_priv *p, int64_t rows)
{
	int64_t br = (int64_t)(MX_BLOCK_BYTES / ((size_t)p->kp * sizeof(float)));

	if (br < 64)
		br = 64;
	return br < rows ? br : rows;
}

static size_t mx_scratch(struct mg_graph *g, const struct mg_node *n)
{
	const struct mx_priv *p = n->priv;
	int64_t br = mx_block_rows(p, mx_rows(p, g, n));

	if (br < 1)
		br = 1;
	return (size_t)br * ((size_t)p->kp * sizeof(float) + p->arow + p->nblk) + 64;
}

/*
 * y[r][j] (row stride y_stride floats) for rows of binary32 A (stride kp, zeros beyond
 * k): A quantized to MX, times group gi's weights, plus the bias.
 */
static int mx_gemm_rows(struct mg_exec *ex, struct mx_priv *p, int64_t gi, const float *a,
			size_t a_stride, uint32_t rows, uint8_t *abuf, uint8_t *sbuf, float *y,
			size_t y_stride)
{
	struct fpq_quant_stats qs;
	struct fpq_gemm_status st;
	struct fpq_gemm_op op;
	int err;

	fpq_gemm_op_init(&op);
	op.a = (struct fpq_matrix){ .format = p->afmt, .rows = rows, .cols = (uint32_t)p->kp,
				    .stride = p->arow, .data = abuf, .scales = sbuf,
				    .scale_stride = p->nblk };
	err = fpq_quantize(a, a_stride, &op.a, 0, &qs);
	if (err)
		return err;
	op.b = (struct fpq_matrix){ .format = p->wfmt, .rows = (uint32_t)p->mg,
				    .cols = (uint32_t)p->kp, .stride = p->wrow,
				    .data = p->wdata + (size_t)(gi * p->mg) * p->wrow,
				    .scales = p->wscales + (size_t)(gi * p->mg) * p->nblk,
				    .scale_stride = p->nblk };
	op.b_packed = p->packed[gi];
	op.c = (struct fpq_matrix){ .format = FPQ_FMT_FP32, .rows = rows, .cols = (uint32_t)p->mg,
				    .stride = y_stride * sizeof(float), .data = y };
	op.beta = p->bias ? p->bias + gi * p->mg : NULL;
	err = fpq_gemm(ex->ctx, &op, &st);
	if (err)
		return err;
	ex->st->gemm_calls++;
	ex->st->device_cycles += st.device_cycles;
	/* The activations' MX quantization saturates (e4m3: a block maximum between 448
	 * and 512 times its scale): the layer's clamp count. */
	ex->st->clamped += qs.saturated + qs.nan_to_zero;
	ex->st->saturated += qs.saturated;
	return 0;
}

static int mxconv_run(struct mg_exec *ex, struct mg_node *n)
{
	struct mx_priv *p = n->priv;
	const float *x = mg_in(ex->g, n, 0)->ptr;
	float *y = mg_out(ex->g, n, 0)->ptr;
	const int64_t rows = p->geo.n * p->geo.oh * p->geo.ow;
	const int64_t br = mx_block_rows(p, rows);
	float *col = ex->scratch;
	uint8_t *abuf = (uint8_t *)(col + br * p->kp), *sbuf = abuf + (size_t)br * p->arow;
	const float zero = 0.0f;
	int err;

	for (int64_t gi = 0; gi < p->group; gi++)
		for (int64_t r0 = 0; r0 < rows; r0 += br) {
			int64_t nr = rows - r0 < br ? rows - r0 : br;

			mg_im2col((const uint8_t *)x, 4, &p->geo, gi * p->cg, p->cg, r0, nr, &zero,
				  (uint8_t *)col, (size_t)p->kp * sizeof(float));
			if (p->kp > p->k)
				for (int64_t r = 0; r < nr; r++)
					memset(col + r * p->kp + p->k, 0,
					       (size_t)(p->kp - p->k) * sizeof(float));
			err = mx_gemm_rows(ex, p, gi, col, (size_t)p->kp, (uint32_t)nr, abuf, sbuf,
					   y + r0 * p->m + gi * p->mg, (size_t)p->m);
			if (err)
				return err;
		}
	return 0;
}

static int mxgemm_run(struct mg_exec *ex, struct mg_node *n)
{
	struct mx_priv *p = n->priv;
	const float *a = mg_in(ex->g, n, 0)->ptr;
	float *y = mg_out(ex->g, n, 0)->ptr;
	const int64_t rows = mg_in(ex->g, n, 0)->dims[0];
	const int64_t br = mx_block_rows(p, rows);
	float *col = ex->scratch;
	uint8_t *abuf = (uint8_t *)(col + br * p->kp), *sbuf = abuf + (size_t)br * p->arow;
	int err;

	for (int64_t r0 = 0; r0 < rows; r0 += br) {
		int64_t nr = rows - r0 < br ? rows - r0 : br;
		const float *src = a + r0 * p->k;

		if (p->kp > p->k) {
			for (int64_t r = 0; r < nr; r++) {
				memcpy(col + r * p->kp, a + (r0 + r) * p->k,
				       (size_t)p->k * sizeof(float));
				memset(col + r * p->kp + p->k, 0,
				       (size_t)(p->kp - p->k) * sizeof(float));
			}
			src = col;
		}
		err = mx_gemm_rows(ex, p, 0, src, (size_t)p->kp, (uint32_t)nr, abuf, sbuf,
				   y + r0 * p->m, (size_t)p->m);
		if (err)
			return err;
	}
	return 0;
}

const struct mg_op mg_op_mx_conv = {
	.name = "MxConv", .domain = "fpq",
	.min_in = 3, .max_in = 4, .min_out = 1, .max_out = 1,
	.flags = MG_OP_NHWC | MG_OP_GEMM | MG_OP_PUBLIC,
	.parse = mxconv_parse, .infer = mxconv_infer, .pack = mx_pack,
	.scratch = mx_scratch, .run = mxconv_run, .destroy = mx_destroy,
};

const struct mg_op mg_op_mx_gemm = {
	.name = "MxGemm", .domain = "fpq",
	.min_in = 3, .max_in = 4, .min_out = 1, .max_out = 1,
	.flags = MG_OP_GEMM | MG_OP_PUBLIC,
	.parse = mxgemm_parse, .infer = mxgemm_infer, .pack = mx_pack,
	.scratch = mx_scratch, .run = mxgemm_run, .destroy = mx_destroy,
};
