// SPDX-License-Identifier: MIT
/*
 * quant_graph.c - a float ONNX graph rewritten into QDQ form the way ONNX Runtime's
 * quantize_static (QDQ format, MinMax) rewrites it:
 *
 * - BatchNormalization after a Conv is folded into the Conv's weights and bias first
 *   (binary32, in the order of ORT's ConvBNFusion);
 * - Conv, Gemm and MatMul quantize their input and output, their constant weight
 *   (symmetric int8, per tensor or per output channel) and bias (int32 at scale
 *   x_scale * w_scale); Add, Mul, Concat, GlobalAveragePool, Sigmoid and LeakyRelu
 *   quantize every input and output; MaxPool, AveragePool, Reshape, Transpose,
 *   Squeeze and Unsqueeze give their output the scale and zero point of their input;
 *   Flatten and Identity stay in float;
 * - a Relu or Clip whose input is quantized and read by nothing else is removed: the
 *   op before it writes its output, whose calibrated range (>= 0) does the clamping;
 * - each quantized tensor gets one QuantizeLinear -> DequantizeLinear pair that all
 *   its readers share; a graph output keeps its name on the DequantizeLinear.
 *
 * Anything else is refused, naming the node.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "quant.h"

enum qz_kind {
	QK_FLOAT,      /* left in float */
	QK_LINEAR,     /* Conv, Gemm, MatMul: weights and bias */
	QK_GENERIC,    /* all inputs and outputs quantized */
	QK_SAME,       /* output takes input 0's parameters */
	QK_REMOVABLE,  /* Relu, Clip */
	QK_BATCHNORM,  /* folded into the Conv before it */
	QK_CONSTANT,   /* a Constant node: its output is a constant */
};

static const struct {
	const char *op;
	enum qz_kind kind;
} qz_ops[] = {
	{ "Conv", QK_LINEAR }, { "Gemm", QK_LINEAR }, { "MatMul", QK_LINEAR },
	{ "Add", QK_GENERIC }, { "Mul", QK_GENERIC }, { "Concat", QK_GENERIC },
	{ "GlobalAveragePool", QK_GENERIC }, { "Sigmoid", QK_GENERIC },
	{ "LeakyRelu", QK_GENERIC },
	{ "MaxPool", QK_SAME }, { "AveragePool", QK_SAME }, { "Reshape", QK_SAME },
	{ "Transpose", QK_SAME }, { "Squeeze", QK_SAME }, { "Unsqueeze", QK_SAME },
	{ "Relu", QK_REMOVABLE }, { "Clip", QK_REMOVABLE },
	{ "Flatten", QK_FLOAT }, { "Identity", QK_FLOAT },
	{ "BatchNormalization", QK_BATCHNORM }, { "Constant", QK_CONSTANT },
};

enum qz_role { QR_NONE, QR_OWN, QR_SHARED };

struct qz_value {
	const char *name;
	int producer;                   /* node, or -1 */
	int consumers;
	bool graph_input, graph_output;
	const Onnx__TensorProto *init;  /* an initializer */
	bool constant;                  /* an initializer or a Constant's output */
	int tap;                        /* its index among the calibrated tensors, or -1 */
	int input;                      /* its index among the graph inputs, or -1 */
	enum qz_role role;
	int share;                      /* QR_SHARED: the value whose parameters it takes */
	enum fpq_quant_format fmt;
	struct qz_minmax range;
	struct qz_params p;
	const char *scale_name, *zp_name, *dq_name;
	int report;                     /* its report entry, or -1 */
};

struct qz {
	struct qz_arena a;
	const struct fpq_quantize_opts *opts;
	Onnx__ModelProto *m;
	Onnx__GraphProto *g;
	Onnx__NodeProto **nodes;        /* working copies (own input/output arrays) */
	enum qz_kind *kind;
	bool *dead;
	size_t n_nodes;
	struct qz_value *v;
	size_t n_v, cap_v;
	int *slots;                     /* hash of names -> value index + 1 */
	size_t n_slots;
	Onnx__TensorProto **inits;      /* initializers made here */
	size_t n_inits, cap_inits;
	Onnx__NodeProto **out_nodes;
	size_t n_out_nodes, cap_out_nodes;
	struct fpq_quant_tensor *rep;
	size_t n_rep, cap_rep;
	/* MX models: the SQNR of each linear node's output (NAN if not measured) */
	const char **sq_names;
	double *sq_db;
	size_t n_sq;
};

static const char *node_name(const struct qz *q, int i)
{
	const Onnx__NodeProto *n = q->nodes[i];

	return n->name && *n->name ? n->name : n->op_type;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 1099511628211ull;
	return h;
}

/* The value named @name, created if @create; -1 if absent (or out of memory). */
static int value(struct qz *q, const char *name, bool create)
{
	size_t i = hash_str(name) & (q->n_slots - 1);

	while (q->slots[i]) {
		if (!strcmp(q->v[q->slots[i] - 1].name, name))
			return q->slots[i] - 1;
		i = (i + 1) & (q->n_slots - 1);
	}
	if (!create || q->n_v == q->cap_v)
		return -1;
	q->v[q->n_v] = (struct qz_value){ .name = name, .producer = -1, .tap = -1, .input = -1,
					  .share = -1, .report = -1 };
	q->slots[i] = (int)++q->n_v;
	return (int)q->n_v - 1;
}

static int oom(void)
{
	return fpq_error(-ENOMEM, "quantize: out of memory");
}

static enum fpq_quant_format layer_fmt(const struct qz *q, int node, bool weights)
{
	enum fpq_quant_format f = weights ? q->opts->weights : q->opts->activations;

	if (node >= 0 && q->opts->layers) {
		const char *name = q->nodes[node]->name ? q->nodes[node]->name : "";

		for (unsigned int i = 0; i < q->opts->n_layers; i++) {
			const struct fpq_quant_layer_format *l = &q->opts->layers[i];
			enum fpq_quant_format lf = weights ? l->weights : l->activations;

			if (l->node && !strcmp(l->node, name) && lf != FPQ_QUANT_DEFAULT)
				f = lf;
		}
	}
	if (f == FPQ_QUANT_DEFAULT && !weights && qz_mx_element(q->opts->weights))
		/* MX layers: activations in e4m3, or mxint8 beside mxint8 weights */
		f = layer_fmt(q, node, true) == FPQ_QUANT_MXINT8 ? FPQ_QUANT_MXINT8 : FPQ_QUANT_E4M3;
	if (f == FPQ_QUANT_DEFAULT)
		f = weights ? FPQ_QUANT_INT8 : FPQ_QUANT_UINT8;
	return f;
}

/* ---- reading the graph ---- */

static int index_graph(struct qz *q)
{
	Onnx__GraphProto *g = q->g;
	size_t names = g->n_input + g->n_output + g->n_initializer;

	for (size_t i = 0; i < g->n_node; i++)
		names += g->n_node ? g->node[i]->n_input + g->node[i]->n_output : 0;
	/* Room for the names BatchNormalization folding adds. */
	names += 2 * g->n_node + 16;
	q->cap_v = names;
	for (q->n_slots = 64; q->n_slots < 2 * names; q->n_slots *= 2)
		;
	q->v = qz_alloc(&q->a, q->cap_v * sizeof(*q->v));
	q->slots = qz_alloc(&q->a, q->n_slots * sizeof(*q->slots));
	q->n_nodes = g->n_node;
	q->nodes = qz_alloc(&q->a, (q->n_nodes + 1) * sizeof(*q->nodes));
	q->kind = qz_alloc(&q->a, (q->n_nodes + 1) * sizeof(*q->kind));
	q->dead = qz_alloc(&q->a, (q->n_nodes + 1) * sizeof(*q->dead));
	if (!q->v || !q->slots || !q->nodes || !q->kind || !q->dead)
		return oom();
	for (size_t i = 0; i < g->n_initializer; i++) {
		const Onnx__TensorProto *t = g->initializer[i];
		int v = value(q, t->name ? t->name : "", true);

		if (v < 0)
			return oom();
		q->v[v].init = t;
		q->v[v].constant = true;
	}
	for (size_t i = 0; i < g->n_input; i++) {
		int v = value(q, g->input[i]->name ? g->input[i]->name : "", true);

		if (v < 0)
			return oom();
		if (!q->v[v].init) {
			q->v[v].graph_input = true;
			q->v[v].input = (int)i;
		}
	}
	for (size_t i = 0; i < q->n_nodes; i++) {
		const Onnx__NodeProto *src = g->node[i];
		Onnx__NodeProto *n = qz_alloc(&q->a, sizeof(*n));
		const char *dom = src->domain ? src->domain : "";
		size_t k;

		if (!n)
			return oom();
		*n = *src;
		n->input = qz_alloc(&q->a, (src->n_input + 1) * sizeof(char *));
		n->output = qz_alloc(&q->a, (src->n_output + 1) * sizeof(char *));
		if (!n->input || !n->output)
			return oom();
		if (src->n_input)
			memcpy(n->input, src->input, src->n_input * sizeof(char *));
		if (src->n_output)
			memcpy(n->output, src->output, src->n_output * sizeof(char *));
		q->nodes[i] = n;
		for (k = 0; k < sizeof(qz_ops) / sizeof(qz_ops[0]); k++)
			if (!strcmp(qz_ops[k].op, src->op_type ? src->op_type : ""))
				break;
		if ((*dom && strcmp(dom, "ai.onnx")) || k == sizeof(qz_ops) / sizeof(qz_ops[0]))
			return fpq_error(-ENOTSUP, "quantize: node '%.64s': %s%s%s is not an op the "
					 "quantizer handles", node_name(q, (int)i),
					 *dom ? dom : "", *dom ? "." : "", src->op_type);
		q->kind[i] = qz_ops[k].kind;
		for (size_t j = 0; j < n->n_input; j++) {
			int v;

			if (!*n->input[j])
				continue;
			v = value(q, n->input[j], true);
			if (v < 0)
				return oom();
			q->v[v].consumers++;
		}
		for (size_t j = 0; j < n->n_output; j++) {
			int v = value(q, n->output[j], true);

			if (v < 0)
				return oom();
			q->v[v].producer = (int)i;
			q->v[v].constant = q->kind[i] == QK_CONSTANT;
		}
	}
	for (size_t i = 0; i < g->n_output; i++) {
		int v = value(q, g->output[i]->name ? g->output[i]->name : "", true);

		if (v < 0)
			return oom();
		q->v[v].graph_output = true;
	}
	return 0;
}

static int add_init(struct qz *q, Onnx__TensorProto *t)
{
	int v;

	if (!t)
		return oom();
	if (q->n_inits == q->cap_inits) {
		size_t cap = q->cap_inits ? 2 * q->cap_inits : 64;
		Onnx__TensorProto **b = qz_alloc(&q->a, cap * sizeof(*b));

		if (!b)
			return oom();
		if (q->n_inits)
			memcpy(b, q->inits, q->n_inits * sizeof(*b));
		q->inits = b;
		q->cap_inits = cap;
	}
	q->inits[q->n_inits++] = t;
	v = value(q, t->name, true);
	if (v < 0)
		return oom();
	q->v[v].init = t;
	q->v[v].constant = true;
	return 0;
}

/* The float initializer read as input @j of node @i, or an error naming both. */
static int const_floats(struct qz *q, int i, size_t j, const char *what, float **data,
			size_t *count, const Onnx__TensorProto **tp)
{
	const Onnx__NodeProto *n = q->nodes[i];
	int v = j < n->n_input && *n->input[j] ? value(q, n->input[j], false) : -1;

	if (v < 0 || !q->v[v].init)
		return fpq_error(-ENOTSUP, "quantize: node '%.64s': its %s is not a constant "
				 "initializer", node_name(q, i), what);
	if (q->v[v].consumers != 1)
		return fpq_error(-ENOTSUP, "quantize: node '%.64s': its %s '%.64s' is shared with "
				 "another node", node_name(q, i), what, q->v[v].name);
	*tp = q->v[v].init;
	return qz_tensor_floats(&q->a, q->v[v].init, data, count);
}

/* ---- BatchNormalization into the Conv before it (ORT's ConvBNFusion order) ---- */

static int fold_batchnorm(struct qz *q, int bn)
{
	Onnx__NodeProto *n = q->nodes[bn];
	int x = value(q, n->input[0], false), conv = x >= 0 ? q->v[x].producer : -1;
	const Onnx__TensorProto *wt, *bt = NULL, *t;
	float *w, *b = NULL, *gamma, *beta, *mean, *var;
	size_t nw, nb = 0, m, c;
	Onnx__NodeProto *cn;
	float eps = qz_attr_float(n, "epsilon", 1e-5f);
	char *wname, *bname;
	const char *in[3];
	int err;

	if (n->n_input != 5 || n->n_output != 1 || qz_attr_int(n, "training_mode", 0))
		return fpq_error(-ENOTSUP, "quantize: node '%.64s': only BatchNormalization in "
				 "inference mode with one output is folded", node_name(q, bn));
	if (conv < 0 || q->kind[conv] != QK_LINEAR || strcmp(q->nodes[conv]->op_type, "Conv") ||
	    q->v[x].consumers != 1 || q->v[x].graph_output)
		return fpq_error(-ENOTSUP, "quantize: node '%.64s': BatchNormalization must follow "
				 "a Conv that nothing else reads", node_name(q, bn));
	cn = q->nodes[conv];
	err = const_floats(q, conv, 1, "weight", &w, &nw, &wt);
	if (!err && cn->n_input > 2 && *cn->input[2])
		err = const_floats(q, conv, 2, "bias", &b, &nb, &bt);
	if (!err)
		err = const_floats(q, bn, 1, "scale", &gamma, &m, &t);
	if (!err)
		err = const_floats(q, bn, 2, "B", &beta, &c, &t);
	if (!err && c == m)
		err = const_floats(q, bn, 3, "mean", &mean, &c, &t);
	if (!err && c == m)
		err = const_floats(q, bn, 4, "var", &var, &c, &t);
	if (err)
		return err;
	if (c != m || wt->n_dims < 1 || wt->dims[0] != (int64_t)m || !m || nw % m ||
	    (b && nb != m))
		return fpq_error(-EINVAL, "quantize: node '%.64s': BatchNormalization's %zu "
				 "channels do not match its Conv", node_name(q, bn), m);
	for (size_t k = 0; k < m; k++) {
		float s = gamma[k] / sqrtf(var[k] + eps);

		for (size_t e = 0; e < nw / m; e++)
			w[k * (nw / m) + e] *= s;
		var[k] = ((b ? b[k] : 0.0f) - mean[k]) * s + beta[k];
	}
	wname = qz_concat(&q->a, wt->name, "_bn");
	bname = qz_concat(&q->a, wt->name, "_bn_bias");
	if (!wname || !bname)
		return oom();
	err = add_init(q, qz_tensor(&q->a, wname, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT,
				     (unsigned int)wt->n_dims, wt->dims, w, nw * 4));
	if (!err)
		err = add_init(q, qz_tensor(&q->a, bname, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1,
					     (int64_t[]){ (int64_t)m }, var, m * 4));
	if (err)
		return err;
	in[0] = cn->input[0];
	in[1] = wname;
	in[2] = bname;
	cn->input = qz_alloc(&q->a, 3 * sizeof(char *));
	if (!cn->input)
		return oom();
	memcpy(cn->input, in, sizeof(in));
	cn->n_input = 3;
	q->v[value(q, wname, false)].consumers = 1;
	q->v[value(q, bname, false)].consumers = 1;
	/* The Conv writes the BatchNormalization's output. */
	cn->output[0] = n->output[0];
	q->v[value(q, n->output[0], false)].producer = conv;
	q->v[x].producer = -1;
	q->v[x].consumers = 0;
	q->dead[bn] = true;
	return 0;
}

/* ---- which tensors are quantized, and how ---- */

static int root(struct qz *q, int v)
{
	while (q->v[v].role == QR_SHARED)
		v = q->v[v].share;
	return v;
}

static int mark(struct qz *q, int v, int node)
{
	if (q->v[v].role != QR_NONE)
		return 0;
	if (q->v[v].constant)
		return fpq_error(-ENOTSUP, "quantize: node '%.64s': its input '%.64s' is a "
				 "constant (quantize_static would quantize it as an activation; "
				 "fpq does not)", node_name(q, node), q->v[v].name);
	q->v[v].role = QR_OWN;
	q->v[v].fmt = layer_fmt(q, q->v[v].producer, false);
	return 0;
}

static int check_linear(struct qz *q, int i)
{
	const Onnx__NodeProto *n = q->nodes[i];

	if (n->n_input < 2 || n->n_output != 1 || !*n->input[0])
		return fpq_error(-EINVAL, "quantize: node '%.64s': wrong number of inputs",
				 node_name(q, i));
	if (!strcmp(n->op_type, "Gemm") &&
	    (qz_attr_int(n, "transA", 0) || qz_attr_float(n, "alpha", 1.0f) != 1.0f ||
	     qz_attr_float(n, "beta", 1.0f) != 1.0f))
		return fpq_error(-ENOTSUP, "quantize: node '%.64s': Gemm with transA, alpha or beta "
				 "is not quantized", node_name(q, i));
	if (!strcmp(n->op_type, "MatMul") && n->n_input != 2)
		return fpq_error(-EINVAL, "quantize: node '%.64s': wrong number of inputs",
				 node_name(q, i));
	if (!qz_mx_element(q->opts->weights) && layer_fmt(q, i, true) != FPQ_QUANT_INT8)
		return fpq_error(-ENOTSUP, "quantize: node '%.64s': weights in %s are not "
				 "supported yet (int8 only)", node_name(q, i),
				 fpq_quant_format_name(layer_fmt(q, i, true)) ?
				 fpq_quant_format_name(layer_fmt(q, i, true)) : "an unknown format");
	return 0;
}

static int assign_roles(struct qz *q)
{
	int err = 0;

	for (size_t i = 0; i < q->n_nodes && !err; i++) {
		Onnx__NodeProto *n = q->nodes[i];
		int x = n->n_input && *n->input[0] ? value(q, n->input[0], false) : -1;
		int y = n->n_output ? value(q, n->output[0], false) : -1;

		if (q->dead[i])
			continue;
		if (q->kind[i] != QK_CONSTANT && q->kind[i] != QK_FLOAT && q->kind[i] != QK_GENERIC &&
		    (x < 0 || n->n_output != 1))
			return fpq_error(-ENOTSUP, "quantize: node '%.64s': %s with %zu outputs is "
					 "not quantized", node_name(q, (int)i), n->op_type,
					 n->n_output);
		switch (q->kind[i]) {
		case QK_LINEAR:
			err = check_linear(q, (int)i);
			if (!err)
				err = mark(q, x, (int)i);
			if (!err)
				err = mark(q, y, (int)i);
			break;
		case QK_SAME:
			if (q->v[x].role != QR_NONE && q->v[y].role == QR_NONE) {
				q->v[y].role = QR_SHARED;
				q->v[y].share = root(q, x);
				q->v[y].fmt = q->v[q->v[y].share].fmt;
			}
			break;
		case QK_REMOVABLE: {
			int p = q->v[x].producer;

			if (q->v[x].role != QR_NONE && q->v[x].consumers == 1 && p >= 0 &&
			    !q->v[x].graph_output && !q->v[x].graph_input) {
				/* The op before writes this one's output. */
				for (size_t o = 0; o < q->nodes[p]->n_output; o++)
					if (!strcmp(q->nodes[p]->output[o], q->v[x].name))
						q->nodes[p]->output[o] = n->output[0];
				q->v[y].producer = p;
				q->v[x].role = QR_NONE;
				q->v[x].producer = -1;
				q->v[x].consumers = 0;
				q->dead[i] = true;
				q->v[y].role = QR_OWN;
				q->v[y].fmt = layer_fmt(q, p, false);
				break;
			}
			/* Kept: quantized like any op; an input read by it alone takes its
			 * output's range (quantize_static's adjust_tensor_ranges). */
			err = mark(q, x, (int)i);
			if (!err)
				err = mark(q, y, (int)i);
			if (!err && q->v[x].consumers == 1)
				q->v[x].share = -2 - y;   /* range of y, see set_params() */
			break;
		}
		case QK_GENERIC:
			for (size_t j = 0; j < n->n_input && !err; j++) {
				int v = *n->input[j] ? value(q, n->input[j], false) : -1;

				if (v >= 0)
					err = mark(q, v, (int)i);
			}
			for (size_t j = 0; j < n->n_output && !err; j++)
				err = mark(q, value(q, n->output[j], false), (int)i);
			break;
		default:
			break;
		}
	}
	return err;
}

static int set_params(struct qz *q, const struct qz_minmax *taps,
		      const struct qz_minmax *inputs)
{
	for (size_t v = 0; v < q->n_v; v++) {
		struct qz_value *t = &q->v[v];
		struct qz_minmax r = { 0 };
		int qmin, qmax;

		if (t->role != QR_OWN)
			continue;
		if (t->share <= -2) {
			int y = -2 - t->share;

			if (q->v[y].tap >= 0)
				r = taps[q->v[y].tap];
			t->share = -1;
		} else if (t->tap >= 0) {
			r = taps[t->tap];
		} else if (t->input >= 0) {
			r = inputs[t->input];
		} else {
			return fpq_error(-EINVAL, "quantize: tensor '%.64s' was not calibrated",
					 t->name);
		}
		if (!r.seen)
			r.min = r.max = 0.0f;
		t->range = r;
		qz_range(t->fmt, false, &qmin, &qmax);
		t->p = qz_compute_params(r.min, r.max, qmin, qmax, false);
	}
	for (size_t v = 0; v < q->n_v; v++) {
		struct qz_value *t = &q->v[v];

		if (t->role == QR_SHARED) {
			t->p = q->v[t->share].p;
			t->range = q->v[t->share].range;
		}
	}
	return 0;
}

/* ---- writing ---- */

static int emit(struct qz *q, Onnx__NodeProto *n)
{
	if (!n)
		return oom();
	if (q->n_out_nodes == q->cap_out_nodes)
		return fpq_error(-EINVAL, "quantize: too many nodes");
	q->out_nodes[q->n_out_nodes++] = n;
	return 0;
}

static int report_add(struct qz *q, const struct fpq_quant_tensor *t)
{
	if (q->n_rep == q->cap_rep) {
		size_t cap = q->cap_rep ? 2 * q->cap_rep : 64;
		struct fpq_quant_tensor *b = qz_alloc(&q->a, cap * sizeof(*b));

		if (!b)
			return oom();
		if (q->n_rep)
			memcpy(b, q->rep, q->n_rep * sizeof(*b));
		q->rep = b;
		q->cap_rep = cap;
	}
	q->rep[q->n_rep++] = *t;
	return 0;
}

static int32_t act_dtype(enum fpq_quant_format f)
{
	return f == FPQ_QUANT_UINT8 ? ONNX__TENSOR_PROTO__DATA_TYPE__UINT8 :
				      ONNX__TENSOR_PROTO__DATA_TYPE__INT8;
}

/* The Q -> DQ pair of activation @v (its scale and zero point first if its own). */
static int emit_qdq(struct qz *q, int v, const char *node)
{
	struct qz_value *t = &q->v[v];
	const char *src = t->name, *qout, *qin[3], *dqin[3];
	int32_t dt = act_dtype(t->fmt);
	uint8_t zp = (uint8_t)t->p.zero_point;
	int err;

	if (t->role == QR_SHARED) {
		t->scale_name = q->v[t->share].scale_name;
		t->zp_name = q->v[t->share].zp_name;
	} else {
		t->scale_name = qz_concat(&q->a, t->name, "_scale");
		t->zp_name = qz_concat(&q->a, t->name, "_zero_point");
		if (!t->scale_name || !t->zp_name)
			return oom();
		err = add_init(q, qz_tensor(&q->a, t->scale_name,
					     ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 0, NULL,
					     &t->p.scale, 4));
		if (!err)
			err = add_init(q, qz_tensor(&q->a, t->zp_name, dt, 0, NULL, &zp, 1));
		if (err)
			return err;
	}
	if (t->graph_output) {
		src = qz_concat(&q->a, t->name, "_QuantizeLinear_Input");
		t->dq_name = t->name;
	} else {
		t->dq_name = qz_concat(&q->a, t->name, "_DequantizeLinear_Output");
	}
	qout = qz_concat(&q->a, t->name, "_QuantizeLinear_Output");
	if (!src || !t->dq_name || !qout)
		return oom();
	qin[0] = src;
	qin[1] = dqin[1] = t->scale_name;
	qin[2] = dqin[2] = t->zp_name;
	dqin[0] = qout;
	err = emit(q, qz_node(&q->a, "QuantizeLinear", qz_concat(&q->a, t->name, "_QuantizeLinear"),
			      qin, 3, &qout, 1));
	if (!err)
		err = emit(q, qz_node(&q->a, "DequantizeLinear",
				      qz_concat(&q->a, t->name, "_DequantizeLinear"), dqin, 3,
				      &t->dq_name, 1));
	if (!err) {
		struct fpq_quant_tensor r = {
			.name = t->name, .node = node, .role = FPQ_QUANT_ROLE_ACTIVATION,
			.dtype = t->fmt == FPQ_QUANT_UINT8 ? FPQ_DTYPE_UINT8 : FPQ_DTYPE_INT8,
			.channels = 1, .scale = t->p.scale, .scale_max = t->p.scale,
			.zero_point = t->p.zero_point, .min = t->range.min, .max = t->range.max,
			.shared_with = t->role == QR_SHARED ? q->v[t->share].name : NULL,
			.format = fpq_quant_format_name(t->fmt),
		};

		err = report_add(q, &r);
	}
	return err;
}

/* Quantize weight input 1 (and bias input 2) of linear node @i; the node's new inputs
 * go to @in. */
static int emit_weights(struct qz *q, int i, const struct qz_params *xp, const char **in)
{
	Onnx__NodeProto *n = q->nodes[i];
	bool per_channel = q->opts->flags & FPQ_QUANTIZE_PER_CHANNEL;
	const Onnx__TensorProto *wt, *bt;
	float *w, *b = NULL, *scales, *bscales, wmin = 0, wmax = 0;
	size_t nw, nb = 0, axis = 0, ch, inner, outer;
	int8_t *wq, *wzp;
	int32_t *bq, *bzp;
	const char *dqin[3];
	Onnx__NodeProto *dq;
	int err;

	err = const_floats(q, i, 1, "weight", &w, &nw, &wt);
	if (err)
		return err;
	if (!strcmp(n->op_type, "Conv")) {
		if (wt->n_dims != 4)
			return fpq_error(-ENOTSUP, "quantize: node '%.64s': only 2-D convolutions "
					 "are quantized", node_name(q, i));
	} else if (wt->n_dims != 2) {
		return fpq_error(-ENOTSUP, "quantize: node '%.64s': the weight must be 2-D",
				 node_name(q, i));
	} else if (!strcmp(n->op_type, "MatMul") || !qz_attr_int(n, "transB", 0)) {
		axis = 1;    /* [K, N]: the output channels are the columns */
	}
	ch = (size_t)wt->dims[axis];
	if (!ch || nw % ch)
		return fpq_error(-EINVAL, "quantize: node '%.64s': empty weight", node_name(q, i));
	outer = axis ? (size_t)wt->dims[0] : 1;
	inner = nw / ch / outer;
	for (size_t e = 0; e < nw; e++)
		if (!isfinite(w[e]))
			return fpq_error(-EINVAL, "quantize: node '%.64s': weight '%.64s' holds a "
					 "value that is not finite", node_name(q, i), wt->name);
	scales = qz_alloc(&q->a, ch * sizeof(float));
	bscales = qz_alloc(&q->a, ch * sizeof(float));
	wq = qz_alloc(&q->a, nw);
	wzp = qz_alloc(&q->a, ch);
	if (!scales || !bscales || !wq || !wzp)
		return oom();
	{
		size_t nch = per_channel ? ch : 1;

		for (size_t c = 0; c < nch; c++) {
			float lo = INFINITY, hi = -INFINITY;
			struct qz_params p;

			/* element (o, c, k) of [outer, ch, inner] */
			for (size_t o = 0; o < outer; o++)
				for (size_t cc = per_channel ? c : 0; cc < (per_channel ? c + 1 : ch); cc++)
					for (size_t k = 0; k < inner; k++) {
						float x = w[(o * ch + cc) * inner + k];

						lo = fminf(lo, x);
						hi = fmaxf(hi, x);
					}
			p = qz_compute_params(lo, hi, -127, 127, true);
			scales[c] = p.scale;
			if (!c || lo < wmin)
				wmin = lo;
			if (!c || hi > wmax)
				wmax = hi;
		}
		for (size_t c = nch; c < ch; c++)
			scales[c] = scales[0];
		for (size_t o = 0; o < outer; o++)
			for (size_t c = 0; c < ch; c++)
				for (size_t k = 0; k < inner; k++) {
					size_t e = (o * ch + c) * inner + k;
					struct qz_params p = { scales[c], 0 };

					wq[e] = (int8_t)qz_quantize_value(w[e], p, -128, 127);
				}
	}
	{
		int64_t cdims[1] = { (int64_t)ch };
		unsigned int sd = per_channel ? 1 : 0;
		const char *wq_name = qz_concat(&q->a, wt->name, "_quantized");
		const char *ws_name = qz_concat(&q->a, wt->name, "_scale");
		const char *wz_name = qz_concat(&q->a, wt->name, "_zero_point");
		const char *wd_name = qz_concat(&q->a, wt->name, "_DequantizeLinear_Output");
		struct fpq_quant_tensor r = {
			.name = wt->name, .node = node_name(q, i), .role = FPQ_QUANT_ROLE_WEIGHT,
			.dtype = FPQ_DTYPE_INT8, .channels = per_channel ? (unsigned int)ch : 1,
			.scale = scales[0], .scale_max = scales[0], .min = wmin, .max = wmax,
			.elements = nw, .float_bytes = nw * 4,
			.quant_bytes = nw + (per_channel ? ch : 1) * 5, .format = "int8",
		};

		if (!wq_name || !ws_name || !wz_name || !wd_name)
			return oom();
		for (size_t c = 0; c < ch; c++) {
			r.scale = fminf(r.scale, scales[c]);
			r.scale_max = fmaxf(r.scale_max, scales[c]);
		}
		err = add_init(q, qz_tensor(&q->a, wq_name, ONNX__TENSOR_PROTO__DATA_TYPE__INT8,
					     (unsigned int)wt->n_dims, wt->dims, wq, nw));
		if (!err)
			err = add_init(q, qz_tensor(&q->a, ws_name, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT,
						     sd, cdims, scales, (sd ? ch : 1) * 4));
		if (!err)
			err = add_init(q, qz_tensor(&q->a, wz_name, ONNX__TENSOR_PROTO__DATA_TYPE__INT8,
						     sd, cdims, wzp, sd ? ch : 1));
		if (err)
			return err;
		dqin[0] = wq_name;
		dqin[1] = ws_name;
		dqin[2] = wz_name;
		dq = qz_node(&q->a, "DequantizeLinear",
			     qz_concat(&q->a, wt->name, "_DequantizeLinear"), dqin, 3, &wd_name, 1);
		if (!dq || (per_channel && qz_node_attr_int(&q->a, dq, "axis", (int64_t)axis)))
			return oom();
		err = emit(q, dq);
		if (!err)
			err = report_add(q, &r);
		if (err)
			return err;
		in[1] = wd_name;
	}
	if (n->n_input < 3 || !*n->input[2])
		return 0;
	err = const_floats(q, i, 2, "bias", &b, &nb, &bt);
	if (err)
		return err;
	if (bt->n_dims != 1 || nb != ch)
		return fpq_error(-ENOTSUP, "quantize: node '%.64s': the bias must be 1-D with one "
				 "value per output channel", node_name(q, i));
	bq = qz_alloc(&q->a, nb * 4);
	bzp = qz_alloc(&q->a, nb * 4);
	if (!bq || !bzp)
		return oom();
	for (size_t c = 0; c < ch; c++) {
		/* binary32 product, as numpy multiplies the float32 scales */
		bscales[c] = xp->scale * scales[c];
		if (!isfinite(b[c]))
			return fpq_error(-EINVAL, "quantize: node '%.64s': bias '%.64s' holds a "
					 "value that is not finite", node_name(q, i), bt->name);
		bq[c] = qz_quantize_bias(b[c], bscales[c]);
	}
	{
		int64_t cdims[1] = { (int64_t)ch };
		unsigned int sd = per_channel ? 1 : 0;
		const char *bq_name = qz_concat(&q->a, bt->name, "_quantized");
		const char *bs_name = qz_concat(&q->a, bt->name, "_quantized_scale");
		const char *bz_name = qz_concat(&q->a, bt->name, "_quantized_zero_point");
		const char *bd_name = qz_concat(&q->a, bt->name, "_DequantizeLinear_Output");
		struct fpq_quant_tensor r = {
			.name = bt->name, .node = node_name(q, i), .role = FPQ_QUANT_ROLE_BIAS,
			.dtype = FPQ_DTYPE_INT32, .channels = per_channel ? (unsigned int)ch : 1,
			.scale = bscales[0], .scale_max = bscales[0], .elements = nb,
			.float_bytes = nb * 4, .quant_bytes = nb * 4 + (per_channel ? ch : 1) * 8,
			.min = b[0], .max = b[0], .format = "int32",
		};

		if (!bq_name || !bs_name || !bz_name || !bd_name)
			return oom();
		for (size_t c = 0; c < ch; c++) {
			r.scale = fminf(r.scale, bscales[c]);
			r.scale_max = fmaxf(r.scale_max, bscales[c]);
			r.min = fminf(r.min, b[c]);
			r.max = fmaxf(r.max, b[c]);
		}
		err = add_init(q, qz_tensor(&q->a, bq_name, ONNX__TENSOR_PROTO__DATA_TYPE__INT32, 1,
					     cdims, bq, nb * 4));
		if (!err)
			err = add_init(q, qz_tensor(&q->a, bs_name, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT,
						     sd, cdims, bscales, (sd ? ch : 1) * 4));
		if (!err)
			err = add_init(q, qz_tensor(&q->a, bz_name, ONNX__TENSOR_PROTO__DATA_TYPE__INT32,
						     sd, cdims, bzp, (sd ? ch : 1) * 4));
		if (err)
			return err;
		dqin[0] = bq_name;
		dqin[1] = bs_name;
		dqin[2] = bz_name;
		dq = qz_node(&q->a, "DequantizeLinear",
			     qz_concat(&q->a, bt->name, "_DequantizeLinear"), dqin, 3, &bd_name, 1);
		if (!dq || (per_channel && qz_node_attr_int(&q->a, dq, "axis", 0)))
			return oom();
		err = emit(q, dq);
		if (!err)
			err = report_add(q, &r);
		in[2] = bd_name;
	}
	return err;
}

static int emit_graph(struct qz *q)
{
	Onnx__GraphProto *g = q->g;
	size_t cap = 2 * g->n_input + 16;
	int err = 0;

	for (size_t i = 0; i < q->n_nodes; i++)
		cap += 3 + 2 * q->nodes[i]->n_output;
	q->out_nodes = qz_alloc(&q->a, cap * sizeof(*q->out_nodes));
	q->cap_out_nodes = cap;
	if (!q->out_nodes)
		return oom();
	for (size_t k = 0; k < g->n_input && !err; k++) {
		int v = value(q, g->input[k]->name ? g->input[k]->name : "", false);

		if (v >= 0 && q->v[v].role != QR_NONE)
			err = emit_qdq(q, v, "");
	}
	for (size_t i = 0; i < q->n_nodes && !err; i++) {
		Onnx__NodeProto *n = q->nodes[i], *c;
		const char **in, **out;

		if (q->dead[i])
			continue;
		c = qz_alloc(&q->a, sizeof(*c));
		in = qz_alloc(&q->a, (n->n_input + 1) * sizeof(*in));
		out = qz_alloc(&q->a, (n->n_output + 1) * sizeof(*out));
		if (!c || !in || !out)
			return oom();
		*c = *n;
		for (size_t j = 0; j < n->n_input; j++) {
			int v = *n->input[j] ? value(q, n->input[j], false) : -1;

			in[j] = v >= 0 && q->v[v].role != QR_NONE ? q->v[v].dq_name : n->input[j];
		}
		if (q->kind[i] == QK_LINEAR)
			err = emit_weights(q, (int)i, &q->v[value(q, n->input[0], false)].p, in);
		for (size_t j = 0; j < n->n_output && !err; j++) {
			int v = value(q, n->output[j], false);

			out[j] = n->output[j];
			if (q->v[v].role != QR_NONE && q->v[v].graph_output)
				out[j] = qz_concat(&q->a, n->output[j], "_QuantizeLinear_Input");
			if (!out[j])
				return oom();
		}
		c->input = (char **)in;
		c->output = (char **)out;
		if (!err)
			err = emit(q, c);
		for (size_t j = 0; j < n->n_output && !err; j++) {
			int v = value(q, n->output[j], false);

			if (q->v[v].role != QR_NONE)
				err = emit_qdq(q, v, node_name(q, (int)i));
		}
	}
	return err;
}

/* An MX model: every Conv, Gemm and MatMul whose weights are not left in fp32 becomes
 * an fpq.MxConv or fpq.MxGemm (quant_mx.c); everything else stays as it is, in float. */
static int emit_mx_graph(struct qz *q)
{
	int err = 0;

	q->out_nodes = qz_alloc(&q->a, (q->n_nodes + 1) * sizeof(*q->out_nodes));
	q->cap_out_nodes = q->n_nodes + 1;
	if (!q->out_nodes)
		return oom();
	for (size_t i = 0; i < q->n_nodes && !err; i++) {
		Onnx__NodeProto *n = q->nodes[i];
		enum fpq_quant_format wf = layer_fmt(q, (int)i, true);
		const Onnx__TensorProto *wt, *bt;
		struct qz_mx_layer l;
		float *w, *b;
		size_t nw, nb;

		if (q->dead[i])
			continue;
		if (q->kind[i] == QK_LINEAR && wf == FPQ_QUANT_FLOAT) {
			/* left in binary32: reported as it is */
			err = const_floats(q, (int)i, 1, "weight", &w, &nw, &wt);
			if (!err) {
				struct fpq_quant_tensor r = {
					.name = wt->name, .node = node_name(q, (int)i),
					.role = FPQ_QUANT_ROLE_WEIGHT, .dtype = FPQ_DTYPE_FLOAT,
					.channels = 1, .elements = nw, .float_bytes = nw * 4,
					.quant_bytes = nw * 4, .format = "fp32", .scale = 1,
					.scale_max = 1,
				};

				err = report_add(q, &r);
			}
			if (!err && n->n_input > 2 && *n->input[2] &&
			    !(err = const_floats(q, (int)i, 2, "bias", &b, &nb, &bt))) {
				struct fpq_quant_tensor r = {
					.name = bt->name, .node = node_name(q, (int)i),
					.role = FPQ_QUANT_ROLE_BIAS, .dtype = FPQ_DTYPE_FLOAT,
					.channels = 1, .elements = nb, .float_bytes = nb * 4,
					.quant_bytes = nb * 4, .format = "fp32", .scale = 1,
					.scale_max = 1,
				};

				err = report_add(q, &r);
			}
			if (!err)
				err = emit(q, n);
			continue;
		}
		if (q->kind[i] != QK_LINEAR) {
			err = emit(q, n);
			continue;
		}
		err = check_linear(q, (int)i);
		if (!err)
			err = const_floats(q, (int)i, 1, "weight", &w, &nw, &wt);
		if (err)
			return err;
		for (size_t e = 0; e < nw; e++)
			if (!isfinite(w[e]))
				return fpq_error(-EINVAL, "quantize: node '%.64s': weight '%.64s' holds "
						 "a value that is not finite", node_name(q, (int)i),
						 wt->name);
		struct qz_mx_args args = {
			.node = n, .name = node_name(q, (int)i), .wname = wt->name, .w = w,
			.dims = wt->dims, .ndims = (unsigned int)wt->n_dims,
			.kn = !strcmp(n->op_type, "MatMul") ||
			      (!strcmp(n->op_type, "Gemm") && !qz_attr_int(n, "transB", 0)),
			.wfmt = qz_mx_element(wf), .afmt = qz_mx_element(layer_fmt(q, (int)i, false)),
			.bias = n->n_input > 2 && *n->input[2] ? n->input[2] : NULL,
		};

		err = qz_mx_layer(&q->a, &args, &l);
		if (err == -ENOMEM)
			return oom();
		if (err)
			return err;
		if (args.bias) {
			err = const_floats(q, (int)i, 2, "bias", &b, &nb, &bt);
			if (err)
				return err;
			if (bt->n_dims != 1 || nb != l.channels)
				return fpq_error(-ENOTSUP, "quantize: node '%.64s': the bias must be 1-D "
						 "with one value per output channel",
						 node_name(q, (int)i));
		}
		err = add_init(q, l.weights);
		if (!err)
			err = add_init(q, l.scales);
		if (!err)
			err = emit(q, l.node);
		if (!err) {
			struct fpq_quant_tensor r = {
				.name = wt->name, .node = node_name(q, (int)i),
				.role = FPQ_QUANT_ROLE_WEIGHT, .dtype = FPQ_DTYPE_UINT8,
				.channels = (unsigned int)l.channels, .elements = nw,
				.float_bytes = nw * 4, .quant_bytes = l.weight_bytes,
				.format = fpq_format_name(args.wfmt), .scale = 1, .scale_max = 1,
			};

			err = report_add(q, &r);
		}
		if (!err && args.bias) {
			struct fpq_quant_tensor r = {
				.name = bt->name, .node = node_name(q, (int)i),
				.role = FPQ_QUANT_ROLE_BIAS, .dtype = FPQ_DTYPE_FLOAT,
				.channels = (unsigned int)nb, .elements = nb, .float_bytes = nb * 4,
				.quant_bytes = nb * 4, .format = "fp32", .scale = 1, .scale_max = 1,
			};

			err = report_add(q, &r);
		}
	}
	return err;
}

/* The SQNR of every linear node's output in the MX model @qm against the float
 * model's (the BatchNormalization-folded graph: the same tensors), on the calibration
 * sets. MX layers keep their output names. */
static int mx_sqnr(struct qz *q, struct fpq_context *ctx, const struct fpq_tensor *sets,
		   unsigned int n_sets, const void *qm, size_t qsize, uint64_t *samples)
{
	Onnx__ModelProto fm = *q->m;
	Onnx__GraphProto fg = *q->g;
	Onnx__NodeProto **live = qz_alloc(&q->a, (q->n_nodes + 1) * sizeof(*live));
	Onnx__TensorProto **inits = qz_alloc(&q->a, (q->g->n_initializer + q->n_inits + 1) *
						       sizeof(*inits));
	const char **taps = qz_alloc(&q->a, (q->n_nodes + 1) * sizeof(*taps));
	double *signal = qz_alloc(&q->a, (q->n_nodes + 1) * sizeof(double));
	double *noise = qz_alloc(&q->a, (q->n_nodes + 1) * sizeof(double));
	size_t nl = 0, nt = 0;
	int err;

	q->sq_db = qz_alloc(&q->a, (q->n_nodes + 1) * sizeof(double));
	q->sq_names = qz_alloc(&q->a, (q->n_nodes + 1) * sizeof(*q->sq_names));
	if (!live || !inits || !taps || !signal || !noise || !q->sq_db || !q->sq_names)
		return oom();
	for (size_t i = 0; i < q->n_nodes; i++) {
		if (q->dead[i])
			continue;
		live[nl++] = q->nodes[i];
		if (q->kind[i] == QK_LINEAR) {
			q->sq_names[nt] = node_name(q, (int)i);
			taps[nt++] = q->nodes[i]->output[0];
		}
	}
	if (q->g->n_initializer)
		memcpy(inits, q->g->initializer, q->g->n_initializer * sizeof(*inits));
	for (size_t i = 0; i < q->n_inits; i++)
		inits[q->g->n_initializer + i] = q->inits[i];
	fg.node = live;
	fg.n_node = nl;
	fg.initializer = inits;
	fg.n_initializer = q->g->n_initializer + q->n_inits;
	fg.n_value_info = 0;
	fm.graph = &fg;
	err = qz_compare(ctx, &fm, qm, qsize, taps, taps, nt, sets, n_sets, q->opts, signal,
			 noise, samples);
	if (err)
		return err;
	for (size_t i = 0; i < nt; i++)
		q->sq_db[i] = noise[i] > 0 ? 10.0 * log10(signal[i] / noise[i]) : INFINITY;
	q->n_sq = nt;
	return 0;
}

/* The graph's nodes, the initializers still read and the new ones, no value_info. */
static int write_model(struct qz *q, void **out, size_t *out_size)
{
	Onnx__GraphProto g = *q->g;
	Onnx__ModelProto m = *q->m;
	Onnx__TensorProto **inits;
	size_t n = 0;
	bool *used;

	inits = qz_alloc(&q->a, (q->g->n_initializer + q->n_inits + 1) * sizeof(*inits));
	used = qz_alloc(&q->a, q->n_v + 1);
	if (!inits || !used)
		return oom();
	for (size_t i = 0; i < q->n_out_nodes; i++)
		for (size_t j = 0; j < q->out_nodes[i]->n_input; j++) {
			int v = value(q, q->out_nodes[i]->input[j], false);

			if (v >= 0)
				used[v] = true;
		}
	for (size_t i = 0; i < q->g->n_initializer; i++) {
		int v = value(q, q->g->initializer[i]->name ? q->g->initializer[i]->name : "", false);

		if (v >= 0 && used[v] && q->v[v].init == q->g->initializer[i])
			inits[n++] = q->g->initializer[i];
	}
	for (size_t i = 0; i < q->n_inits; i++) {
		int v = value(q, q->inits[i]->name, false);

		if (v >= 0 && used[v])
			inits[n++] = q->inits[i];
	}
	if (qz_mx_element(q->opts->weights)) {
		/* MX layers: the model imports the fpq domain, version 1 */
		Onnx__OperatorSetIdProto **ops = qz_alloc(&q->a, (m.n_opset_import + 1) *
							  sizeof(*ops));
		Onnx__OperatorSetIdProto *fo = qz_alloc(&q->a, sizeof(*fo));

		if (!ops || !fo)
			return oom();
		onnx__operator_set_id_proto__init(fo);
		fo->domain = (char *)"fpq";
		fo->has_version = 1;
		fo->version = 1;
		if (m.n_opset_import)
			memcpy(ops, m.opset_import, m.n_opset_import * sizeof(*ops));
		ops[m.n_opset_import++] = fo;
		m.opset_import = ops;
	}
	g.node = q->out_nodes;
	g.n_node = q->n_out_nodes;
	g.initializer = inits;
	g.n_initializer = n;
	g.n_value_info = 0;
	g.value_info = NULL;
	m.graph = &g;
	return qz_pack(&m, out, out_size);
}

/* Copy the report out of the arena into one block the caller frees. */
static int make_report(struct qz *q, struct fpq_model *qm, const struct fpq_layer_stats *sum,
		       uint64_t samples, struct fpq_quant_report **report)
{
	unsigned int n_layers = qm ? fpq_model_num_layers(qm) : 0;
	struct fpq_layer_info *li = calloc(n_layers + 1, sizeof(*li));
	size_t strings = 0, size;
	struct fpq_quant_report *r;
	char *s;

	if (!li)
		return oom();
	for (size_t i = 0; i < q->n_rep; i++)
		strings += strlen(q->rep[i].name) + strlen(q->rep[i].node) + 2 +
			   (q->rep[i].shared_with ? strlen(q->rep[i].shared_with) + 1 : 0);
	for (unsigned int l = 0; l < n_layers; l++) {
		fpq_model_layer(qm, l, &li[l]);
		strings += strlen(li[l].name) + strlen(li[l].op) + 2;
	}
	size = sizeof(*r) + q->n_rep * sizeof(*r->tensors) + n_layers * sizeof(*r->layers) +
	       strings;
	r = calloc(1, size);
	if (!r) {
		free(li);
		return oom();
	}
	r->tensors = (struct fpq_quant_tensor *)(r + 1);
	r->layers = (struct fpq_quant_layer *)(r->tensors + q->n_rep);
	s = (char *)(r->layers + n_layers);
#define QZ_COPY(dst, src) do { size_t len_ = strlen(src) + 1; memcpy(s, src, len_); \
	(dst) = s; s += len_; } while (0)
	for (size_t i = 0; i < q->n_rep; i++) {
		r->tensors[i] = q->rep[i];
		QZ_COPY(r->tensors[i].name, q->rep[i].name);
		QZ_COPY(r->tensors[i].node, q->rep[i].node);
		if (q->rep[i].shared_with)
			QZ_COPY(r->tensors[i].shared_with, q->rep[i].shared_with);
		r->float_weight_bytes += q->rep[i].float_bytes;
		r->quant_weight_bytes += q->rep[i].role == FPQ_QUANT_ROLE_ACTIVATION ? 0 :
					 q->rep[i].quant_bytes;
	}
	for (unsigned int l = 0; l < n_layers; l++) {
		QZ_COPY(r->layers[l].name, li[l].name);
		QZ_COPY(r->layers[l].op, li[l].op);
		r->layers[l].clamped = sum[l].clamped;
		r->layers[l].saturated = sum[l].saturated;
		r->layers[l].sqnr_db = NAN;
		for (size_t i = 0; i < q->n_rep; i++)
			if (r->tensors[i].role != FPQ_QUANT_ROLE_ACTIVATION &&
			    !strcmp(r->tensors[i].node, li[l].name)) {
				r->layers[l].weight_bytes += r->tensors[i].quant_bytes;
				if (r->tensors[i].role == FPQ_QUANT_ROLE_WEIGHT)
					r->layers[l].format = r->tensors[i].format;
			}
		for (size_t i = 0; i < q->n_sq; i++)
			if (!strcmp(q->sq_names[i], li[l].name))
				r->layers[l].sqnr_db = q->sq_db[i];
	}
#undef QZ_COPY
	r->n_tensors = (unsigned int)q->n_rep;
	r->n_layers = n_layers;
	r->samples = samples;
	free(li);
	*report = r;
	return 0;
}

int qz_quantize_graph(struct fpq_context *ctx, const void *model, size_t size,
		      const struct fpq_tensor *sets, unsigned int n_sets,
		      const struct fpq_quantize_opts *opts, void **out, size_t *out_size,
		      struct fpq_quant_report **report)
{
	struct fpq_model_opts mopts = { .max_memory = opts->max_memory };
	struct qz q = { .opts = opts };
	struct qz_minmax *ranges = NULL, *in_ranges = NULL;
	struct fpq_layer_stats *sum = NULL;
	struct fpq_model *qm = NULL;
	const char **taps = NULL;
	Onnx__ModelProto folded;
	Onnx__GraphProto fg;
	Onnx__TensorProto **finits = NULL;
	size_t n_taps = 0;
	uint64_t samples = 0;
	int err;

	/* The loader checked the file completely and decoded it within its memory cap;
	 * decoding it again takes the same. */
	q.m = onnx__model_proto__unpack(NULL, size, model);
	if (!q.m || !q.m->graph)
		return fpq_error(-EINVAL, "quantize: not a valid ONNX model");
	q.g = q.m->graph;
	err = index_graph(&q);
	for (size_t i = 0; i < q.n_nodes && !err; i++)
		if (q.kind[i] == QK_BATCHNORM)
			err = fold_batchnorm(&q, (int)i);
	for (unsigned int l = 0; !err && opts->layers && l < opts->n_layers; l++) {
		size_t i;

		for (i = 0; i < q.n_nodes; i++)
			if (opts->layers[l].node && q.nodes[i]->name &&
			    !strcmp(opts->layers[l].node, q.nodes[i]->name))
				break;
		if (i == q.n_nodes)
			err = fpq_error(-EINVAL, "quantize: the model has no node '%.64s' (a "
					"per-layer format names it)",
					opts->layers[l].node ? opts->layers[l].node : "(null)");
	}
	if (err)
		goto out;
	if (qz_mx_element(opts->weights)) {
		/* MX layers quantize their activations per block as they run: nothing to
		 * calibrate. The calibration sets give the clamp counts (and the report). */
		err = emit_mx_graph(&q);
		if (!err)
			err = write_model(&q, out, out_size);
		if (!err && report)
			err = mx_sqnr(&q, ctx, sets, n_sets, *out, *out_size, &samples);
		if (err)
			goto out;
		goto written;
	}

	/* Calibrate every float tensor a node writes, on the folded graph. */
	taps = qz_alloc(&q.a, (q.n_v + 1) * sizeof(*taps));
	ranges = calloc(q.n_v + q.g->n_output + 1, sizeof(*ranges));
	in_ranges = calloc(q.g->n_input + 1, sizeof(*in_ranges));
	finits = qz_alloc(&q.a, (q.g->n_initializer + q.n_inits + 1) * sizeof(*finits));
	if (!taps || !ranges || !in_ranges || !finits) {
		err = oom();
		goto out;
	}
	for (size_t i = 0; i < q.n_nodes; i++) {
		if (q.dead[i] || q.kind[i] == QK_CONSTANT)
			continue;
		for (size_t j = 0; j < q.nodes[i]->n_output; j++) {
			int v = value(&q, q.nodes[i]->output[j], false);

			if (!q.v[v].graph_output && q.v[v].tap < 0) {
				q.v[v].tap = (int)n_taps;
				taps[n_taps++] = q.v[v].name;
			}
		}
	}
	folded = *q.m;
	fg = *q.g;
	if (q.g->n_initializer)
		memcpy(finits, q.g->initializer, q.g->n_initializer * sizeof(*finits));
	if (q.n_inits)
		memcpy(finits + q.g->n_initializer, q.inits, q.n_inits * sizeof(*finits));
	fg.initializer = finits;
	fg.n_initializer = q.g->n_initializer + q.n_inits;
	{
		Onnx__NodeProto **live = qz_alloc(&q.a, (q.n_nodes + 1) * sizeof(*live));
		size_t nl = 0;

		if (!live) {
			err = oom();
			goto out;
		}
		for (size_t i = 0; i < q.n_nodes; i++)
			if (!q.dead[i])
				live[nl++] = q.nodes[i];
		fg.node = live;
		fg.n_node = nl;
	}
	folded.graph = &fg;
	/* The graph's outputs come first among the calibrated tensors. */
	for (size_t v = 0; v < q.n_v; v++)
		if (q.v[v].tap >= 0)
			q.v[v].tap += (int)q.g->n_output;
	for (size_t i = 0; i < q.g->n_output; i++) {
		int v = value(&q, q.g->output[i]->name ? q.g->output[i]->name : "", false);

		if (v >= 0 && q.v[v].producer >= 0)
			q.v[v].tap = (int)i;
	}
	err = qz_calibrate(ctx, &folded, taps, n_taps, sets, n_sets, opts, ranges, in_ranges,
			   &samples);
	if (err)
		goto out;
	err = assign_roles(&q);
	if (!err)
		err = set_params(&q, ranges, in_ranges);
	if (!err)
		err = emit_graph(&q);
	if (!err)
		err = write_model(&q, out, out_size);
	if (err)
		goto out;
written:
	/* fpq takes what it wrote; the clamp counts come from running it. */
	err = fpq_model_load_memory(ctx, *out, *out_size, &mopts, &qm);
	if (!err && report) {
		sum = calloc(fpq_model_num_layers(qm) + 1, sizeof(*sum));
		err = sum ? qz_clamp_counts(qm, sets, n_sets, opts, sum) : oom();
	}
	if (!err && report)
		err = make_report(&q, qm, sum, samples, report);
	if (err) {
		free(*out);
		*out = NULL;
		*out_size = 0;
	}
out:
	fpq_model_free(qm);
	free(sum);
	free(ranges);
	free(in_ranges);
	onnx__model_proto__free_unpacked(q.m, NULL);
	qz_arena_free(&q.a);
	return err;
}
