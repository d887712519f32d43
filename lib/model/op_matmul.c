// SPDX-License-Identifier: MIT
/*
 * op_matmul.c - MatMul and Gemm (binary32), QLinearMatMul and QGemm (com.microsoft)
 * on libfpq's INT8 GEMM. The quantized forms take constant 2-D weights, converted to
 * int8 (w - zero point, which must fit) in libfpq's N x K layout and pre-packed at
 * load. Scales as ONNX Runtime computes them: QLinearMatMul
 * fp32(fp32(a_scale * b_scale[j]) / y_scale), QGemm
 * fp32(fp32(fp32(alpha * a_scale) * b_scale[j]) / y_scale).
 */
#include <errno.h>
#include <inttypes.h>

#include "internal.h"
#include "ops.h"

struct mm_priv {
	int64_t trans_a, trans_b;
	float alpha, beta;
	int64_t m, k, n;            /* rows of A (all leading dims), K, N */
	/* quantized */
	float a_scale, y_scale;
	int32_t a_zero, y_zero;
	float *scale;               /* n */
	int32_t *bias;              /* n or NULL */
	int8_t *wq;                 /* n x k */
	struct fpq_weights *packed;
	/* float, constant B: k x n */
	float *wf;
};

static void mm_destroy(struct mg_graph *g, struct mg_node *n)
{
	struct mm_priv *p = n->priv;

	fpq_weights_free(p->packed);
	mg_free(g, p->scale);
	mg_free(g, p->bias);
	mg_free(g, p->wq);
	mg_free(g, p->wf);
	mg_free(g, p);
	n->priv = NULL;
}

static int mm_parse(struct mg_graph *g, struct mg_node *n)
{
	struct mm_priv *p = mg_calloc(g, 1, sizeof(*p));
	bool gemm = !strcmp(n->op_type, "Gemm") || !strcmp(n->op_type, "QGemm");
	int err = 0;

	if (!p)
		return -E2BIG;
	n->priv = p;
	p->alpha = 1.0f;
	p->beta = 1.0f;
	if (gemm) {
		err = mg_attr_int(g, n, "transA", 0, &p->trans_a);
		if (!err)
			err = mg_attr_int(g, n, "transB", 0, &p->trans_b);
		if (!err)
			err = mg_attr_float(g, n, "alpha", 1.0f, &p->alpha);
		if (!err && !strcmp(n->op_type, "Gemm"))
			err = mg_attr_float(g, n, "beta", 1.0f, &p->beta);
		if (err)
			return err;
		if (p->trans_a)
			return mg_node_error(n, -ENOTSUP, "transA = 1 is not supported");
	}
	return 0;
}

/* A [..., M, K] times B [K, N] (or B^T when trans_b): the output shape. */
static int mm_shapes(struct mg_graph *g, struct mg_node *n, int ai, int bi, enum fpq_dtype t,
		     bool gemm)
{
	struct mm_priv *p = n->priv;
	struct mg_value *a = mg_in(g, n, ai), *b = mg_in(g, n, bi);
	int64_t od[MG_MAX_DIMS];
	int64_t kb, nb;
	int r;

	if (a->rank < 0 || b->rank < 0)
		return 0;
	if (gemm && (a->rank != 2 || b->rank != 2))
		return mg_node_error(n, -EINVAL, "Gemm takes 2-D inputs");
	if (a->rank < 1 || b->rank != 2)
		return mg_node_error(n, -ENOTSUP, "B must be 2-D (batched B is not supported)");
	kb = p->trans_b ? b->dims[1] : b->dims[0];
	nb = p->trans_b ? b->dims[0] : b->dims[1];
	if (a->dims[a->rank - 1] >= 0 && kb >= 0 && a->dims[a->rank - 1] != kb)
		return mg_node_error(n, -EINVAL, "A has K = %" PRId64 ", B K = %" PRId64,
				     a->dims[a->rank - 1], kb);
	p->k = kb;
	p->n = nb;
	p->m = 1;
	for (int d = 0; d < a->rank - 1; d++)
		p->m = a->dims[d] < 0 || p->m < 0 ? -1 : p->m * a->dims[d];
	r = a->rank;
	for (int d = 0; d < r - 1; d++)
		od[d] = a->dims[d];
	od[r - 1] = nb;
	return mg_set_output(g, n, 0, t, r, od);
}

/* Constant weights B to int8 n x k (w - zero point per column j). */
static int pack_qweights(struct mg_graph *g, struct mg_node *n, int bi, int bsi, int bzi)
{
	struct mm_priv *p = n->priv;
	struct mg_value *b = mg_in(g, n, bi);
	struct mg_qparams wq;
	int err;

	if (b->kind == MG_RUNTIME || !b->data)
		return mg_node_error(n, -ENOTSUP, "B must be constant");
	if (p->k > FPQ_INT8_MAX_K)
		return mg_node_error(n, -ENOTSUP, "K = %" PRId64 " exceeds libfpq's INT8 limit %u",
				     p->k, FPQ_INT8_MAX_K);
	err = mg_qparams_read(g, n, bsi, bzi, b->dtype, &wq);
	if (err)
		return err;
	if (wq.count != 1 && wq.count != p->n) {
		mg_qparams_free(g, &wq);
		return mg_node_error(n, -EINVAL, "%d B scales for N = %" PRId64, wq.count, p->n);
	}
	p->scale = mg_calloc(g, (size_t)p->n, sizeof(float));
	p->wq = mg_calloc(g, (size_t)(p->n * p->k), 1);
	if (!p->scale || !p->wq) {
		mg_qparams_free(g, &wq);
		return -E2BIG;
	}
	const int8_t *src = b->data;
	bool qgemm = !strcmp(n->op_type, "QGemm");

	for (int64_t j = 0; j < p->n; j++) {
		int c = wq.count == 1 ? 0 : (int)j;

		if (qgemm)
			p->scale[j] = ((p->alpha * p->a_scale) * wq.scale[c]) / p->y_scale;
		else
			p->scale[j] = (p->a_scale * wq.scale[c]) / p->y_scale;
		for (int64_t t = 0; t < p->k; t++) {
			int32_t v = (p->trans_b ? src[j * p->k + t] : src[t * p->n + j]) - wq.zero[c];

			if (v < -128 || v > 127) {
				mg_qparams_free(g, &wq);
				return mg_node_error(n, -ENOTSUP, "B minus its zero point (%d) does not "
						     "fit int8 (column %" PRId64 ")", v, j);
			}
			p->wq[j * p->k + t] = (int8_t)v;
		}
	}
	mg_qparams_free(g, &wq);
	struct fpq_matrix bm = { .format = FPQ_FMT_INT8, .rows = (uint32_t)p->n,
				 .cols = (uint32_t)p->k, .data = p->wq };

	err = fpq_weights_pack(g->ctx, &bm, &p->packed);
	if (err)
		return mg_node_error(n, err, "packing the weights: %s", fpq_strerror(err));
	return 0;
}

static int read_bias(struct mg_graph *g, struct mg_node *n, int ci)
{
	struct mm_priv *p = n->priv;
	struct mg_value *c = mg_in(g, n, ci);

	if (!c)
		return 0;
	if (c->kind == MG_RUNTIME || !c->data)
		return mg_node_error(n, -ENOTSUP, "the bias must be constant");
	if (c->dtype != FPQ_DTYPE_INT32)
		return mg_node_error(n, -EINVAL, "the bias must be int32");
	if (mg_numel(c) != p->n || (c->rank == 2 && c->dims[0] != 1))
		return mg_node_error(n, -ENOTSUP, "the bias must have N = %" PRId64 " values",
				     p->n);
	p->bias = mg_calloc(g, (size_t)p->n, sizeof(int32_t));
	if (!p->bias)
		return -E2BIG;
	memcpy(p->bias, c->data, (size_t)p->n * sizeof(int32_t));
	return 0;
}

static size_t qmm_scratch(struct mg_graph *g, const struct mg_node *n)
{
	const struct mm_priv *p = n->priv;

	(void)g;
	return (size_t)(p->m * p->n) * sizeof(int32_t);
}

static int qmm_run(struct mg_exec *ex, struct mg_node *n)
{
	struct mm_priv *p = n->priv;
	struct mg_qgemm_args q = {
		.k = (uint32_t)p->k, .n = (uint32_t)p->n, .a_zero = p->a_zero, .w = p->packed,
		.bias = p->bias, .scale = p->scale, .y_zero = p->y_zero,
		.qmin = n->qmin, .qmax = n->qmax,
	};

	return mg_qgemm(ex, &q, mg_in(ex->g, n, 0)->ptr, (size_t)p->k, (uint32_t)p->m,
			mg_out(ex->g, n, 0)->ptr, (size_t)p->n, ex->scratch);
}

/* ---- QLinearMatMul: a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp ---- */

static int qlmm_infer(struct mg_graph *g, struct mg_node *n)
{
	struct mg_value *a = mg_in(g, n, 0), *b = mg_in(g, n, 3), *yz = mg_in(g, n, 7);

	if (!mg_is_q8(a->dtype) || !mg_is_q8(b->dtype))
		return mg_node_error(n, -ENOTSUP, "takes 8-bit integers");
	return mm_shapes(g, n, 0, 3, yz->dtype, false);
}

static int qlmm_pack(struct mg_graph *g, struct mg_node *n)
{
	struct mm_priv *p = n->priv;
	int err;

	err = mg_qparams_scalar(g, n, 1, 2, mg_in(g, n, 0)->dtype, &p->a_scale, &p->a_zero, NULL);
	if (!err)
		err = mg_qparams_scalar(g, n, 6, 7, FPQ_DTYPE_UINT8, &p->y_scale, &p->y_zero, NULL);
	if (!err)
		err = pack_qweights(g, n, 3, 4, 5);
	return err;
}

const struct mg_op mg_op_qlinear_matmul = {
	.name = "QLinearMatMul", .domain = "",
	.min_in = 8, .max_in = 8, .min_out = 1, .max_out = 1,
	.flags = MG_OP_GEMM,
	.parse = mm_parse, .infer = qlmm_infer, .pack = qlmm_pack,
	.scratch = qmm_scratch, .run = qmm_run, .destroy = mm_destroy,
};

/* ---- QGemm (com.microsoft): A, a_scale, a_zp, B, b_scale, b_zp, C, y_scale, y_zp ---- */

static int qgemm_infer(struct mg_graph *g, struct mg_node *n)
{
	struct mg_value *a = mg_in(g, n, 0), *b = mg_in(g, n, 3), *ys = mg_in(g, n, 7);
	struct mg_value *yz = mg_in(g, n, 8);

	if (!mg_is_q8(a->dtype) || !mg_is_q8(b->dtype))
		return mg_node_error(n, -ENOTSUP, "takes 8-bit integers");
	if (!ys)
		return mg_node_error(n, -ENOTSUP, "float output (no y_scale) is not supported");
	return mm_shapes(g, n, 0, 3, yz ? yz->dtype : FPQ_DTYPE_UINT8, true);
}

static int qgemm_pack(struct mg_graph *g, struct mg_node *n)
{
	struct mm_priv *p = n->priv;
	int err;

	err = mg_qparams_scalar(g, n, 1, 2, mg_in(g, n, 0)->dtype, &p->a_scale, &p->a_zero, NULL);
	if (!err)
		err = mg_qparams_scalar(g, n, 7, 8, FPQ_DTYPE_UINT8, &p->y_scale, &p->y_zero, NULL);
	if (!err)
		err = pack_qweights(g, n, 3, 4, 5);
	if (!err)
		err = read_bias(g, n, 6);
	return err;
}

const struct mg_op mg_op_qgemm = {
	.name = "QGemm", .domain = "com.microsoft",
	.min_in = 6, .max_in = 9, .min_out = 1, .max_out = 1,
	.flags = MG_OP_GEMM,
	.parse = mm_parse, .infer = qgemm_infer, .pack = qgemm_pack,
	.scratch = qmm_scratch, .run = qmm_run, .destroy = mm_destroy,
};

/* ---- MatMul and Gemm in binary32 ---- */

static int fmm_infer(struct mg_graph *g, struct mg_node *n)
{
	bool gemm = !strcmp(n->op_type, "Gemm");
	struct mg_value *a = mg_in(g, n, 0), *b = mg_in(g, n, 1), *c = mg_in(g, n, 2);

	if (a->dtype != FPQ_DTYPE_FLOAT || b->dtype != FPQ_DTYPE_FLOAT ||
	    (c && c->dtype != FPQ_DTYPE_FLOAT))
		return mg_node_error(n, -ENOTSUP, "takes float tensors");
	return mm_shapes(g, n, 0, 1, FPQ_DTYPE_FLOAT, gemm);
}

static int fmm_pack(struct mg_graph *g, struct mg_node *n)
{
	struct mm_priv *p = n->priv;
	struct mg_value *b = mg_in(g, n, 1), *c = mg_in(g, n, 2);

	if (c) {
		int64_t cn = mg_numel(c);

		if (c->kind == MG_RUNTIME || !c->data)
			return mg_node_error(n, -ENOTSUP, "C must be constant");
		if (!(cn == 1 || cn == p->n || (c->rank == 2 && c->dims[0] == p->m &&
						 c->dims[1] == p->n)))
			return mg_node_error(n, -ENOTSUP, "C must be a scalar, N values or M x N");
	}
	if (b->kind == MG_RUNTIME || !b->data)
		return 0; /* runtime B is read as it is */
	p->wf = mg_calloc(g, (size_t)(p->k * p->n), sizeof(float));
	if (!p->wf)
		return -E2BIG;
	const float *src = b->data;

	for (int64_t t = 0; t < p->k; t++)
		for (int64_t j = 0; j < p->n; j++)
			p->wf[t * p->n + j] = p->trans_b ? src[j * p->k + t] : src[t * p->n + j];
	return 0;
}

static int fmm_run(struct mg_exec *ex, struct mg_node *n)
{
	struct mm_priv *p = n->priv;
	const float *a = mg_in(ex->g, n, 0)->ptr;
	struct mg_value *bv = mg_in(ex->g, n, 1), *cv = mg_in(ex->g, n, 2);
	float *y = mg_out(ex->g, n, 0)->ptr;
	const float *w = p->wf;
	int64_t cn = cv ? mg_numel(cv) : 0;
	int64_t m = mg_numel(mg_in(ex->g, n, 0)) / (p->k ? p->k : 1);

	if (!p->k)
		m = mg_numel(mg_out(ex->g, n, 0)) / (p->n ? p->n : 1);
	for (int64_t i = 0; i < m; i++) {
		float *o = y + i * p->n;

		for (int64_t j = 0; j < p->n; j++)
			o[j] = 0.0f;
		for (int64_t t = 0; t < p->k; t++) {
			const float av = a[i * p->k + t];

			if (w) {
				const float *wr = w + t * p->n;

				for (int64_t j = 0; j < p->n; j++)
					o[j] += av * wr[j];
			} else {
				const float *bd = bv->ptr;

				for (int64_t j = 0; j < p->n; j++)
					o[j] += av * (p->trans_b ? bd[j * p->k + t] : bd[t * p->n + j]);
			}
		}
		for (int64_t j = 0; j < p->n; j++) {
			float v = p->alpha == 1.0f ? o[j] : p->alpha * o[j];

			if (cv) {
				const float *cd = cv->ptr;
				float cval = cn == 1 ? cd[0] : cn == p->n ? cd[j] : cd[i * p->n + j];

				v += p->beta == 1.0f ? cval : p->beta * cval;
			}
			if (n->act) {
				float cl = v < n->act_lo ? n->act_lo : v > n->act_hi ? n->act_hi : v;

				ex->st->clamped += cl != v;
				v = cl;
			}
			o[j] = v;
		}
	}
	return 0;
}

const struct mg_op mg_op_matmul = {
	.name = "MatMul", .domain = "",
	.min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
	.parse = mm_parse, .infer = fmm_infer, .pack = fmm_pack, .run = fmm_run,
	.destroy = mm_destroy,
};

const struct mg_op mg_op_gemm = {
	.name = "Gemm", .domain = "",
	.min_in = 2, .max_in = 3, .min_out = 1, .max_out = 1,
	.parse = mm_parse, .infer = fmm_infer, .pack = fmm_pack, .run = fmm_run,
	.destroy = mm_destroy,
};
