// SPDX-License-Identifier: MIT
/*
 * compile.c - resolving ops and parsing attributes, shape inference in graph order,
 * packing, and evaluating a node whose inputs are all known (constant folding at load,
 * shape arithmetic once the input shapes are known).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "pipeline.h"

/* Shape-time evaluation is for shape arithmetic, not for computing the model: a node
 * whose output is larger than this stays a run-time node. */
#define MG_EVAL_MAX_ELEMS (1 << 16)

int mg_parse_node(struct mg_graph *g, int idx)
{
	struct mg_node *n = &g->nodes[idx];
	const struct mg_op *op = mg_op_find(n->domain, n->op_type);
	int n_in = n->n_in, err;

	if (!op) {
		if (*n->domain && strcmp(n->domain, "com.microsoft"))
			return mg_node_error(n, -ENOTSUP, "operators of domain '%.40s' are not supported",
					     n->domain);
		return mg_node_error(n, -ENOTSUP, "operator %.40s%s%.40s is not supported",
				     *n->domain ? n->domain : "", *n->domain ? "." : "", n->op_type);
	}
	if (!strcmp(op->domain, "com.microsoft") && !g->opset_ms && !n->internal)
		return mg_node_error(n, -EINVAL, "uses domain com.microsoft, which the model does not "
				     "import");
	if (!strcmp(op->domain, "fpq") && !n->internal) {
		if (!(op->flags & MG_OP_PUBLIC))
			return mg_node_error(n, -ENOTSUP, "fpq.%.40s is internal to fpq's model layer",
					     n->op_type);
		if (g->opset_fpq != 1)
			return mg_node_error(n, -EINVAL, "uses domain fpq, which the model does not "
					     "import in version 1");
	}
	/* Trailing absent optional inputs do not count. */
	while (n_in > 0 && n->in[n_in - 1] < 0)
		n_in--;
	if (n_in < op->min_in || n_in > op->max_in)
		return mg_node_error(n, -EINVAL, "has %d inputs (%d to %d)", n_in, op->min_in,
				     op->max_in);
	for (int i = 0; i < op->min_in; i++)
		if (n->in[i] < 0)
			return mg_node_error(n, -EINVAL, "input %d is required", i);
	if (n->n_out < op->min_out || n->n_out > op->max_out)
		return mg_node_error(n, -EINVAL, "has %d outputs (%d to %d)", n->n_out, op->min_out,
				     op->max_out);
	for (int i = 0; i < op->min_out; i++)
		if (n->out[i] < 0)
			return mg_node_error(n, -EINVAL, "output %d is required", i);
	n->op = op;
	if (op->parse) {
		err = op->parse(g, &g->nodes[idx]);
		if (err)
			return err;
	}
	n = &g->nodes[idx];
	for (int a = 0; a < n->n_attr; a++)
		if (!n->attr[a].used)
			return mg_node_error(n, -ENOTSUP, "attribute '%.40s' is not supported",
					     n->attr[a].name);
	return 0;
}

int mg_parse_nodes(struct mg_graph *g)
{
	for (int i = 0; i < g->n_nodes; i++) {
		int err;

		err = mg_parse_node(g, i);

		if (err)
			return err;
	}
	return 0;
}

/* All inputs' data present (constant, or computed at shape time). */
static bool inputs_known(struct mg_graph *g, const struct mg_node *n)
{
	for (int i = 0; i < n->n_in; i++) {
		const struct mg_value *v = mg_in(g, n, i);

		if (v && (v->kind == MG_RUNTIME || !v->data))
			return false;
	}
	return true;
}

int mg_eval_node(struct mg_graph *g, int idx, enum mg_kind kind)
{
	struct mg_node *n = &g->nodes[idx];
	struct fpq_layer_stats st = { 0 };
	struct mg_exec x = { .g = g, .ctx = g->ctx, .k = g->kern, .workers = 1, .st = &st };
	int err = 0;

	if (n->op->pack && !n->packed) {
		err = n->op->pack(g, n);
		if (err)
			return err;
		n = &g->nodes[idx];
		n->packed = true;
	}

	for (int i = 0; i < n->n_in; i++) {
		struct mg_value *v = mg_in(g, n, i);

		if (v)
			v->ptr = v->data;
	}
	for (int o = 0; o < n->n_out; o++) {
		struct mg_value *v = mg_out(g, n, o);
		int64_t ne;

		if (!v)
			continue;
		ne = mg_numel(v);
		if (ne < 0 || !mg_dtype_size(v->dtype))
			return mg_node_error(n, -EINVAL, "output '%.64s' has no known shape or type",
					     v->name);
		mg_free(g, v->data);
		v->nbytes = (size_t)ne * mg_dtype_size(v->dtype);
		v->data = mg_calloc(g, v->nbytes ? v->nbytes : 1, 1);
		if (!v->data)
			return -E2BIG;
		v->ptr = v->data;
	}
	if (n->op->scratch) {
		x.scratch_size = n->op->scratch(g, n);
		x.scratch = mg_alloc(g, x.scratch_size);
		if (!x.scratch)
			return -E2BIG;
	}
	err = n->op->run(&x, n);
	mg_free(g, x.scratch);
	if (err)
		return err;
	for (int o = 0; o < n->n_out; o++) {
		struct mg_value *v = mg_out(g, n, o);

		if (v)
			v->kind = kind;
	}
	return 0;
}

/* Small enough, and worth it: shape arithmetic (int64/int32/bool results) or anything
 * whose inputs are all constant at load. */
bool mg_evaluable(struct mg_graph *g, const struct mg_node *n, bool load)
{
	if (!n->op->run || (n->op->flags & MG_OP_GEMM))
		return false;
	for (int o = 0; o < n->n_out; o++) {
		const struct mg_value *v = mg_out(g, n, o);

		if (!v)
			continue;
		if (!mg_shape_known(v))
			return false;
		if (!load && (mg_numel(v) > MG_EVAL_MAX_ELEMS ||
			      (v->dtype != FPQ_DTYPE_INT64 && v->dtype != FPQ_DTYPE_INT32 &&
			       v->dtype != FPQ_DTYPE_BOOL)))
			return false;
	}
	return true;
}

int mg_infer_shapes(struct mg_graph *g, bool evaluate)
{
	for (int k = 0; k < g->n_order; k++) {
		int idx = g->order[k];
		struct mg_node *n = &g->nodes[idx];
		bool shape_op = !strcmp(n->op_type, "Shape") && !*n->domain;
		int err;

		if (n->op->infer) {
			err = n->op->infer(g, n);
			if (err)
				return err;
		}
		n = &g->nodes[idx];
		if (!evaluate)
			continue;
		/* Shape only needs its input's shape; everything else all its inputs' data. */
		if (shape_op ? mg_shape_known(mg_in(g, n, 0)) : inputs_known(g, n)) {
			if (!mg_evaluable(g, n, false))
				continue;
			err = mg_eval_node(g, idx, MG_SHAPE);
			if (err)
				return err;
		}
	}
	return 0;
}

int mg_pack_nodes(struct mg_graph *g)
{
	for (int k = 0; k < g->n_order; k++) {
		struct mg_node *n = &g->nodes[g->order[k]];

		if (n->op->pack && !n->packed) {
			int err = n->op->pack(g, n);

			if (err)
				return err;
			g->nodes[g->order[k]].packed = true;
		}
	}
	return 0;
}
