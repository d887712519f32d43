// SPDX-License-Identifier: MIT
/*
 * pass_fold.c - constants: Constant nodes become constant values, and any node whose
 * inputs are all constant is evaluated once at load (its op's own code, so a folded
 * result is exactly what the run would have computed).
 */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "pipeline.h"

int mg_pass_constants(struct mg_graph *g)
{
	for (int k = 0; k < g->n_order; k++) {
		int idx = g->order[k];
		struct mg_node *n = &g->nodes[idx];
		int err;

		if (!mg_node_is(g, idx, "Constant"))
			continue;
		if (n->op->infer) {
			err = n->op->infer(g, n);
			if (err)
				return err;
		}
		err = mg_eval_node(g, idx, MG_CONST);
		if (err)
			return err;
		mg_kill_node(g, idx);
	}
	return mg_graph_update(g);
}

/* Constant folding at load: nodes whose inputs are all constant become constants. */
int mg_pass_fold(struct mg_graph *g, bool keep_dq)
{
	int err = mg_graph_update(g);

	if (err)
		return err;
	for (int k = 0; k < g->n_order; k++) {
		int idx = g->order[k];
		struct mg_node *n = &g->nodes[idx];
		bool all_const = true;

		if (keep_dq && !strcmp(n->op_type, "DequantizeLinear") && !*n->domain)
			continue;
		for (int i = 0; i < n->n_in; i++) {
			const struct mg_value *v = mg_in(g, n, i);

			if (v && v->kind != MG_CONST)
				all_const = false;
		}
		if (!all_const)
			continue;
		if (n->op->infer) {
			err = n->op->infer(g, n);
			if (err)
				return err;
			n = &g->nodes[idx];
		}
		if (!mg_evaluable(g, n, true))
			continue;
		err = mg_eval_node(g, idx, MG_CONST);
		if (err)
			return err;
		n = &g->nodes[idx];
		n->dead = true;
		for (int o = 0; o < n->n_out; o++) {
			struct mg_value *v = mg_out(g, n, o);

			if (v)
				v->producer = -1;
		}
	}
	return mg_graph_update(g);
}
