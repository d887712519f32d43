// SPDX-License-Identifier: MIT
/*
 * pass_qdq.c - QDQ fusion with ONNX Runtime's rules: DequantizeLinear -> op ->
 * QuantizeLinear becomes one quantized op, so that a QDQ model (as quantize_static
 * writes it) computes what ORT's fused kernels compute.
 *
 *   Conv        -> QLinearConv        (weights constant, bias an int32 DQ or none)
 *   MatMul      -> QLinearMatMul      (B constant, 2-D)
 *   Gemm        -> QGemm              (B constant, C an int32 DQ or none)
 *   Add, Mul    -> QLinearAdd, QLinearMul
 *   Concat      -> QLinearConcat
 *   AveragePool, GlobalAveragePool -> QLinearAveragePool, QLinearGlobalAveragePool
 *   DQ -> (Relu | Clip | LeakyRelu | Sigmoid | HardSigmoid | HardSwish)* -> Q
 *               -> one 256-entry table (fpq.Lut), built by running ORT's float
 *                  kernels on the 256 codes: what ORT computes between its DQ and Q
 *   MaxPool, Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Resize, Slice, Gather,
 *   Identity    -> run on the 8-bit tensor (their Q/DQ pair is dropped) when the Q's
 *                  scale and zero point equal the DQ's
 *
 * A Relu or Clip between the op and its Q narrows the quantized output range instead
 * (qmin = max(type min, Q(lo)), qmax = min(type max, Q(hi))). Float Conv, Gemm and
 * MatMul take a following Relu/Clip into their epilogue.
 */
#include <errno.h>
#include <float.h>
#include <string.h>

#include "internal.h"
#include "ops.h"

struct qside {
	int node;         /* the DQ or Q node */
	int q;            /* the 8-bit value: DQ's input, Q's output */
	int s, z;         /* scale and zero point values (z may be -1) */
	enum fpq_dtype t; /* 8-bit type (or int32 for a bias DQ) */
	bool per_tensor;
	float scale;      /* per-tensor: the values */
	int32_t zero;     /* stored domain */
};

float mg_activation_eval(const struct mg_node *n, float x);
int mg_lut_set(struct mg_graph *g, struct mg_node *n, const int8_t *table);

static bool is_const(const struct mg_graph *g, int v)
{
	return v >= 0 && g->values[v].kind == MG_CONST && g->values[v].data;
}

static void side_values(struct mg_graph *g, struct qside *d)
{
	const struct mg_value *s = &g->values[d->s];

	d->per_tensor = mg_numel(s) == 1;
	d->scale = ((const float *)s->data)[0];
	if (d->z >= 0)
		d->zero = (int32_t)mg_get_int(&g->values[d->z], 0);
	else
		d->zero = d->t == FPQ_DTYPE_UINT8 ? -128 : 0;
}

/* v is the output of a DequantizeLinear with constant parameters. */
static bool dq_of(struct mg_graph *g, int v, struct qside *d)
{
	int p = v >= 0 ? g->values[v].producer : -1;
	const struct mg_node *n;

	if (!mg_node_is(g, p, "DequantizeLinear"))
		return false;
	n = &g->nodes[p];
	d->node = p;
	d->q = n->in[0];
	d->s = n->in[1];
	d->z = n->n_in > 2 ? n->in[2] : -1;
	d->t = g->values[d->q].dtype;
	if (!is_const(g, d->s) || (d->z >= 0 && !is_const(g, d->z)) ||
	    g->values[d->s].dtype != FPQ_DTYPE_FLOAT || mg_numel(&g->values[d->s]) < 1 ||
	    (d->z >= 0 && mg_numel(&g->values[d->z]) != mg_numel(&g->values[d->s])))
		return false;
	side_values(g, d);
	return d->t == FPQ_DTYPE_INT8 || d->t == FPQ_DTYPE_UINT8 || d->t == FPQ_DTYPE_INT32;
}

/* The only reader of v is a per-tensor QuantizeLinear to 8 bits. */
static bool q_after(struct mg_graph *g, const struct mg_index *ix, int v, struct qside *q)
{
	int c = mg_sole_consumer(g, ix, v);
	const struct mg_node *n;

	if (!mg_node_is(g, c, "QuantizeLinear"))
		return false;
	n = &g->nodes[c];
	q->node = c;
	q->q = n->out[0];
	q->s = n->in[1];
	q->z = n->n_in > 2 ? n->in[2] : -1;
	if (q->q < 0 || !is_const(g, q->s) || (q->z >= 0 && !is_const(g, q->z)) ||
	    g->values[q->s].dtype != FPQ_DTYPE_FLOAT || mg_numel(&g->values[q->s]) != 1 ||
	    (q->z >= 0 && mg_numel(&g->values[q->z]) != 1))
		return false;
	q->t = q->z >= 0 ? g->values[q->z].dtype : FPQ_DTYPE_UINT8;
	{
		/* QuantizeLinear-21's output_dtype without a zero point */
		const struct mg_attr *a = mg_attr_find(&g->nodes[c], "output_dtype");

		if (q->z < 0 && a && a->type == MG_ATTR_INT && a->i)
			q->t = (enum fpq_dtype)a->i;
	}
	if (!mg_is_q8(q->t))
		return false;
	side_values(g, q);
	return q->scale > 0 && q->scale <= FLT_MAX;
}

/* The zero point input of side d: a constant of the scale's shape made when absent. */
static int zero_input(struct mg_graph *g, const struct qside *d)
{
	const struct mg_value *s = &g->values[d->s];
	int64_t count = mg_numel(s), dims[1] = { count };
	int8_t *z;

	if (d->z >= 0)
		return d->z;
	z = mg_alloc(g, (size_t)count);
	if (!z)
		return -E2BIG;
	memset(z, (uint8_t)d->zero, (size_t)count);
	return mg_add_const(g, NULL, d->t, s->rank, dims, z, (size_t)count);
}

/* An optional Relu or Clip (constant bounds) between v and its Q: *act is that node. */
static bool act_then_q(struct mg_graph *g, const struct mg_index *ix, int v, int *act,
		       struct qside *q)
{
	int c = mg_sole_consumer(g, ix, v);

	*act = -1;
	if (mg_node_is(g, c, "Relu") ||
	    (mg_node_is(g, c, "Clip") && (g->nodes[c].n_in < 2 || g->nodes[c].in[1] < 0 ||
					   is_const(g, g->nodes[c].in[1])) &&
	     (g->nodes[c].n_in < 3 || g->nodes[c].in[2] < 0 || is_const(g, g->nodes[c].in[2])))) {
		if (q_after(g, ix, g->nodes[c].out[0], q)) {
			*act = c;
			return true;
		}
		return false;
	}
	return q_after(g, ix, v, q);
}

/* The output range in the stored domain that a fused activation leaves. */
static int act_range(struct mg_graph *g, int act, const struct qside *q, int32_t *qmin,
		     int32_t *qmax)
{
	*qmin = -128;
	*qmax = 127;
	if (act < 0)
		return 0;
	if (mg_node_is(g, act, "Relu")) {
		*qmin = q->zero > -128 ? q->zero : -128;
		return 0;
	}
	struct mg_node *n = &g->nodes[act];

	for (int i = 1; i <= 2; i++) {
		int v = n->n_in > i ? n->in[i] : -1;
		int32_t b;

		if (v < 0)
			continue;
		if (g->values[v].dtype != FPQ_DTYPE_FLOAT || mg_numel(&g->values[v]) != 1)
			return mg_node_error(n, -EINVAL, "a bound must be one float");
		b = mg_quantize(((const float *)g->values[v].data)[0], q->scale, q->zero, NULL);
		if (i == 1)
			*qmin = b > *qmin ? b : *qmin;
		else
			*qmax = b < *qmax ? b : *qmax;
	}
	if (*qmin > *qmax)
		*qmin = *qmax;
	return 0;
}

/* Finish a fused node: output from q, old nodes dead, attributes parsed. */
static int finish(struct mg_graph *g, int node, const struct qside *q, int compute, int act)
{
	int32_t qmin, qmax;
	int err;

	err = act_range(g, act, q, &qmin, &qmax);
	if (err)
		return err;
	mg_kill_node(g, compute);
	if (act >= 0)
		mg_kill_node(g, act);
	mg_kill_node(g, q->node);
	g->nodes[node].out[0] = q->q;
	g->values[q->q].producer = node;
	err = mg_parse_node(g, node);
	g->nodes[node].qmin = qmin;
	g->nodes[node].qmax = qmax;
	return err;
}

static int per_axis(struct mg_graph *g, const struct qside *d)
{
	const struct mg_attr *a = mg_attr_find(&g->nodes[d->node], "axis");

	return a && a->type == MG_ATTR_INT ? (int)a->i : 1;
}

static int fuse_conv(struct mg_graph *g, const struct mg_index *ix, int conv)
{
	static const char *const attrs[] = { "auto_pad", "dilations", "group", "kernel_shape",
					     "pads", "strides", NULL };
	struct mg_node *c = &g->nodes[conv];
	struct qside x, w, b, q;
	int act, node, zx, zw, bias = -1;

	if (!dq_of(g, c->in[0], &x) || !x.per_tensor || x.t == FPQ_DTYPE_INT32)
		return 0;
	if (!dq_of(g, c->in[1], &w) || w.t == FPQ_DTYPE_INT32 || !is_const(g, w.q))
		return 0;
	if (!w.per_tensor && per_axis(g, &w) != 0)
		return 0;
	if (c->n_in > 2 && c->in[2] >= 0) {
		if (!dq_of(g, c->in[2], &b) || b.t != FPQ_DTYPE_INT32 || !is_const(g, b.q))
			return 0;
		bias = b.q;
	}
	if (!act_then_q(g, ix, c->out[0], &act, &q))
		return 0;
	zx = zero_input(g, &x);
	zw = zero_input(g, &w);
	if (zx < 0 || zw < 0)
		return -E2BIG;
	{
		int zy = zero_input(g, &q);

		if (zy < 0)
			return zy;
		node = mg_new_node(g, "QLinearConv", "", conv, 9, 1);
		if (node < 0)
			return node;
		int in[9] = { x.q, x.s, zx, w.q, w.s, zw, q.s, zy, bias };

		memcpy(g->nodes[node].in, in, sizeof(in));
		if (bias < 0)
			g->nodes[node].n_in = 8;
	}
	if (mg_copy_attrs(g, node, conv, attrs))
		return -E2BIG;
	return finish(g, node, &q, conv, act);
}

static int fuse_matmul(struct mg_graph *g, const struct mg_index *ix, int mm, bool gemm)
{
	static const char *const attrs[] = { "alpha", "transB", NULL };
	struct mg_node *n = &g->nodes[mm];
	struct qside a, b, c, q;
	int act, node, bias = -1, zy, za, zb;
	bool trans_b = false;

	if (gemm) {
		const struct mg_attr *ta = mg_attr_find(n, "transA");
		const struct mg_attr *tb = mg_attr_find(n, "transB");
		const struct mg_attr *be = mg_attr_find(n, "beta");

		if (ta && ta->i)
			return 0;
		trans_b = tb && tb->i;
		if (be && n->n_in > 2 && n->in[2] >= 0 && be->f != 1.0f)
			return 0;
	}
	if (!dq_of(g, n->in[0], &a) || !a.per_tensor || a.t == FPQ_DTYPE_INT32)
		return 0;
	if (!dq_of(g, n->in[1], &b) || b.t == FPQ_DTYPE_INT32 || !is_const(g, b.q) ||
	    g->values[b.q].rank != 2)
		return 0;
	if (!b.per_tensor) {
		int ax = per_axis(g, &b);

		if (ax < 0)
			ax += 2;
		if (ax != (trans_b ? 0 : 1))
			return 0;
	}
	if (gemm && n->n_in > 2 && n->in[2] >= 0) {
		if (!dq_of(g, n->in[2], &c) || c.t != FPQ_DTYPE_INT32 || !is_const(g, c.q))
			return 0;
		bias = c.q;
	}
	if (!act_then_q(g, ix, n->out[0], &act, &q))
		return 0;
	za = zero_input(g, &a);
	zb = zero_input(g, &b);
	zy = zero_input(g, &q);
	if (za < 0 || zb < 0 || zy < 0)
		return -E2BIG;
	if (gemm) {
		int in[9] = { a.q, a.s, za, b.q, b.s, zb, bias, q.s, zy };

		node = mg_new_node(g, "QGemm", "com.microsoft", mm, 9, 1);
		if (node < 0)
			return node;
		memcpy(g->nodes[node].in, in, sizeof(in));
		if (mg_copy_attrs(g, node, mm, attrs))
			return -E2BIG;
	} else {
		int in[8] = { a.q, a.s, za, b.q, b.s, zb, q.s, zy };

		node = mg_new_node(g, "QLinearMatMul", "", mm, 8, 1);
		if (node < 0)
			return node;
		memcpy(g->nodes[node].in, in, sizeof(in));
		g->nodes[node].attr = mg_calloc(g, 1, sizeof(struct mg_attr));
	}
	return finish(g, node, &q, mm, act);
}

static int fuse_binary(struct mg_graph *g, const struct mg_index *ix, int bn, bool add)
{
	struct mg_node *n = &g->nodes[bn];
	struct qside a, b, q;
	int act, node, za, zb, zy;

	if (!dq_of(g, n->in[0], &a) || !a.per_tensor || !mg_is_q8(a.t))
		return 0;
	if (!dq_of(g, n->in[1], &b) || !b.per_tensor || b.t != a.t)
		return 0;
	if (!act_then_q(g, ix, n->out[0], &act, &q) || q.t != a.t)
		return 0;
	za = zero_input(g, &a);
	zb = zero_input(g, &b);
	zy = zero_input(g, &q);
	if (za < 0 || zb < 0 || zy < 0)
		return -E2BIG;
	node = mg_new_node(g, add ? "QLinearAdd" : "QLinearMul", "com.microsoft", bn, 8, 1);
	if (node < 0)
		return node;
	int in[8] = { a.q, a.s, za, b.q, b.s, zb, q.s, zy };

	memcpy(g->nodes[node].in, in, sizeof(in));
	g->nodes[node].attr = mg_calloc(g, 1, sizeof(struct mg_attr));
	return finish(g, node, &q, bn, act);
}

static int fuse_concat(struct mg_graph *g, const struct mg_index *ix, int cn)
{
	static const char *const attrs[] = { "axis", NULL };
	struct mg_node *n = &g->nodes[cn];
	int n_x = n->n_in, node, zy;
	struct qside q, d;

	if (n_x < 1 || n_x > 1000)
		return 0;
	if (!q_after(g, ix, n->out[0], &q))
		return 0;
	for (int i = 0; i < n_x; i++)
		if (!dq_of(g, n->in[i], &d) || !d.per_tensor || d.t != q.t)
			return 0;
	zy = zero_input(g, &q);
	if (zy < 0)
		return zy;
	node = mg_new_node(g, "QLinearConcat", "com.microsoft", cn, 2 + 3 * n_x, 1);
	if (node < 0)
		return node;
	n = &g->nodes[cn];
	g->nodes[node].in[0] = q.s;
	g->nodes[node].in[1] = zy;
	for (int i = 0; i < n_x; i++) {
		int z;

		dq_of(g, g->nodes[cn].in[i], &d);
		z = zero_input(g, &d);
		if (z < 0)
			return z;
		g->nodes[node].in[2 + 3 * i] = d.q;
		g->nodes[node].in[3 + 3 * i] = d.s;
		g->nodes[node].in[4 + 3 * i] = z;
	}
	if (mg_copy_attrs(g, node, cn, attrs))
		return -E2BIG;
	return finish(g, node, &q, cn, -1);
}

static int fuse_pool(struct mg_graph *g, const struct mg_index *ix, int pn, bool global)
{
	static const char *const attrs[] = { "auto_pad", "ceil_mode", "count_include_pad",
					     "kernel_shape", "pads", "strides", NULL };
	struct mg_node *n = &g->nodes[pn];
	struct qside x, q;
	int node, zx, zy;
	const struct mg_attr *dil = mg_attr_find(n, "dilations");

	if (dil)
		for (size_t i = 0; i < dil->n; i++)
			if (dil->ints[i] != 1)
				return 0;
	if (!dq_of(g, n->in[0], &x) || !x.per_tensor || !mg_is_q8(x.t))
		return 0;
	if (!q_after(g, ix, n->out[0], &q) || q.t != x.t)
		return 0;
	zx = zero_input(g, &x);
	zy = zero_input(g, &q);
	if (zx < 0 || zy < 0)
		return -E2BIG;
	node = mg_new_node(g, global ? "QLinearGlobalAveragePool" : "QLinearAveragePool",
			   "com.microsoft", pn, 5, 1);
	if (node < 0)
		return node;
	int in[5] = { x.q, x.s, zx, q.s, zy };

	memcpy(g->nodes[node].in, in, sizeof(in));
	if (global)
		g->nodes[node].attr = mg_calloc(g, 1, sizeof(struct mg_attr));
	else if (mg_copy_attrs(g, node, pn, attrs))
		return -E2BIG;
	return finish(g, node, &q, pn, -1);
}

static bool unary_float(const struct mg_graph *g, int c)
{
	static const char *const ops[] = { "Relu", "LeakyRelu", "Sigmoid", "HardSigmoid",
					   "HardSwish", NULL };

	for (int i = 0; ops[i]; i++)
		if (mg_node_is(g, c, ops[i]))
			return true;
	if (mg_node_is(g, c, "Clip")) {
		const struct mg_node *n = &g->nodes[c];

		for (int i = 1; i < n->n_in; i++)
			if (n->in[i] >= 0 && !is_const(g, n->in[i]))
				return false;
		return true;
	}
	return false;
}

/* DQ -> unary float ops -> Q into one table. */
static int fuse_lut(struct mg_graph *g, const struct mg_index *ix, int dq)
{
	struct qside x, q;
	int chain[16], len = 0, v, c, node;
	int8_t table[256];

	if (!dq_of(g, g->nodes[dq].out[0], &x) || !x.per_tensor || !mg_is_q8(x.t) ||
	    g->values[x.q].kind != MG_RUNTIME)
		return 0;
	v = g->nodes[dq].out[0];
	for (;;) {
		c = mg_sole_consumer(g, ix, v);
		if (c < 0)
			return 0;
		if (mg_node_is(g, c, "QuantizeLinear"))
			break;
		if (!unary_float(g, c) || len == 16)
			return 0;
		chain[len++] = c;
		v = g->nodes[c].out[0];
	}
	if (!q_after(g, ix, v, &q))
		return 0;
	for (int i = 0; i < len; i++) {
		struct mg_node *a = &g->nodes[chain[i]];

		if (a->op->pack && !a->packed) {
			int err = a->op->pack(g, a);

			if (err)
				return err;
			g->nodes[chain[i]].packed = true;
		}
	}
	for (int s = -128; s < 128; s++) {
		float f = x.scale * (float)(s - x.zero);

		for (int i = 0; i < len; i++)
			f = mg_activation_eval(&g->nodes[chain[i]], f);
		table[s & 255] = mg_quantize(f, q.scale, q.zero, NULL);
	}
	node = mg_new_node(g, "Lut", "fpq", len ? chain[len - 1] : q.node, 1, 1);
	if (node < 0)
		return node;
	g->nodes[node].in[0] = x.q;
	g->nodes[node].attr = mg_calloc(g, 1, sizeof(struct mg_attr));
	for (int i = 0; i < len; i++)
		mg_kill_node(g, chain[i]);
	/* the DQ stays if anything else reads it (dead code removal takes it otherwise) */
	mg_kill_node(g, q.node);
	g->nodes[node].out[0] = q.q;
	g->values[q.q].producer = node;
	{
		int err = mg_parse_node(g, node);

		if (err)
			return err;
	}
	return mg_lut_set(g, &g->nodes[node], table);
}

/* Ops that run on the 8-bit tensor when their DQ and Q agree. */
static int drop_qdq(struct mg_graph *g, const struct mg_index *ix, int on)
{
	struct qside x, q;
	struct mg_node *n = &g->nodes[on];

	if (!dq_of(g, n->in[0], &x) || !x.per_tensor || !mg_is_q8(x.t))
		return 0;
	if (!q_after(g, ix, n->out[0], &q))
		return 0;
	if (q.t != x.t || q.scale != x.scale || q.zero != x.zero)
		return 0;
	/* ORT keeps a linear Resize in binary32 between its DQ and Q. */
	if (mg_node_is(g, on, "Resize")) {
		const struct mg_attr *mode = mg_attr_find(n, "mode");

		if (mode && mode->s && strcmp(mode->s, "nearest"))
			return 0;
	}
	n->in[0] = x.q;
	mg_kill_node(g, q.node);
	g->values[n->out[0]].producer = -1;
	n->out[0] = q.q;
	g->values[q.q].producer = on;
	return 0;
}

/* Float Conv/Gemm/MatMul followed by Relu or Clip: the activation in the epilogue. */
static int fuse_float_act(struct mg_graph *g, const struct mg_index *ix, int cn)
{
	struct mg_node *n = &g->nodes[cn];
	int c = mg_sole_consumer(g, ix, n->out[0]);
	float lo = 0.0f, hi = FLT_MAX;

	if (mg_node_is(g, c, "Clip") && unary_float(g, c)) {
		const struct mg_node *a = &g->nodes[c];

		lo = -FLT_MAX;
		if (a->n_in > 1 && a->in[1] >= 0) {
			if (mg_numel(&g->values[a->in[1]]) != 1 ||
			    g->values[a->in[1]].dtype != FPQ_DTYPE_FLOAT)
				return 0;
			lo = ((const float *)g->values[a->in[1]].data)[0];
		}
		if (a->n_in > 2 && a->in[2] >= 0) {
			if (mg_numel(&g->values[a->in[2]]) != 1 ||
			    g->values[a->in[2]].dtype != FPQ_DTYPE_FLOAT)
				return 0;
			hi = ((const float *)g->values[a->in[2]].data)[0];
		}
	} else if (!mg_node_is(g, c, "Relu")) {
		return 0;
	}
	n->act = true;
	n->act_lo = lo;
	n->act_hi = hi;
	{
		int out = g->nodes[c].out[0];

		mg_kill_node(g, c);
		g->values[n->out[0]].producer = -1;
		n->out[0] = out;
		g->values[out].producer = cn;
	}
	return 0;
}

int mg_pass_qdq(struct mg_graph *g)
{
	static const char *const drop_ops[] = { "MaxPool", "Reshape", "Flatten", "Transpose",
						"Squeeze", "Unsqueeze", "Resize", "Slice", "Gather",
						"Identity", "GlobalMaxPool", NULL };
	struct mg_index ix;
	int *order, n_order, err;

	err = mg_graph_update(g);
	if (err)
		return err;
	n_order = g->n_order;
	order = mg_calloc(g, (size_t)n_order + 1, sizeof(int));
	if (!order)
		return -E2BIG;
	memcpy(order, g->order, sizeof(int) * (size_t)n_order);
	err = mg_pass_index(g, &ix);
	for (int k = 0; k < n_order && !err; k++) {
		int i = order[k];

		if (g->nodes[i].dead)
			continue;
		if (mg_node_is(g, i, "Conv"))
			err = fuse_conv(g, &ix, i);
		else if (mg_node_is(g, i, "MatMul"))
			err = fuse_matmul(g, &ix, i, false);
		else if (mg_node_is(g, i, "Gemm"))
			err = fuse_matmul(g, &ix, i, true);
		else if (mg_node_is(g, i, "Add"))
			err = fuse_binary(g, &ix, i, true);
		else if (mg_node_is(g, i, "Mul"))
			err = fuse_binary(g, &ix, i, false);
		else if (mg_node_is(g, i, "Concat"))
			err = fuse_concat(g, &ix, i);
		else if (mg_node_is(g, i, "AveragePool"))
			err = fuse_pool(g, &ix, i, false);
		else if (mg_node_is(g, i, "GlobalAveragePool"))
			err = fuse_pool(g, &ix, i, true);
		else
			for (int d = 0; drop_ops[d]; d++)
				if (mg_node_is(g, i, drop_ops[d]))
					err = drop_qdq(g, &ix, i);
	}
	/* Tables after the ops: a DQ whose reader was fused away may now lead to a Q. */
	for (int k = 0; k < n_order && !err; k++)
		if (mg_node_is(g, order[k], "DequantizeLinear"))
			err = fuse_lut(g, &ix, order[k]);
	for (int k = 0; k < n_order && !err; k++) {
		int i = order[k];

		if (mg_node_is(g, i, "Conv") || mg_node_is(g, i, "Gemm") ||
		    mg_node_is(g, i, "MatMul"))
			err = fuse_float_act(g, &ix, i);
	}
	mg_pass_index_free(g, &ix);
	mg_free(g, order);
	if (err)
		return err;
	return mg_graph_update(g);
}
