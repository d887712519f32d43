// SPDX-License-Identifier: MIT
/*
 * pass_util.c - what the graph passes share: a consumer index, new nodes, copied
 * attributes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "pipeline.h"

int mg_pass_index(struct mg_graph *g, struct mg_index *ix)
{
	size_t edges = 0;

	memset(ix, 0, sizeof(*ix));
	ix->n_values = g->n_values;
	ix->first = mg_calloc(g, (size_t)g->n_values + 1, sizeof(int));
	ix->count = mg_calloc(g, (size_t)g->n_values + 1, sizeof(int));
	if (!ix->first || !ix->count)
		goto nomem;
	for (int i = 0; i < g->n_nodes; i++) {
		const struct mg_node *n = &g->nodes[i];

		if (n->dead)
			continue;
		for (int k = 0; k < n->n_in; k++)
			if (n->in[k] >= 0) {
				ix->first[n->in[k] + 1]++;
				edges++;
			}
	}
	for (int v = 0; v < g->n_values; v++)
		ix->first[v + 1] += ix->first[v];
	ix->cons = mg_calloc(g, edges + 1, sizeof(int));
	if (!ix->cons)
		goto nomem;
	for (int i = 0; i < g->n_nodes; i++) {
		const struct mg_node *n = &g->nodes[i];

		if (n->dead)
			continue;
		for (int k = 0; k < n->n_in; k++) {
			int v = n->in[k];

			/* a node reading v twice is listed once */
			if (v < 0 || (ix->count[v] && ix->cons[ix->first[v] + ix->count[v] - 1] == i))
				continue;
			ix->cons[ix->first[v] + ix->count[v]++] = i;
		}
	}
	return 0;
nomem:
	mg_pass_index_free(g, ix);
	return -E2BIG;
}

void mg_pass_index_free(struct mg_graph *g, struct mg_index *ix)
{
	mg_free(g, ix->first);
	mg_free(g, ix->count);
	mg_free(g, ix->cons);
	ix->first = ix->count = ix->cons = NULL;
}

static bool reads(const struct mg_node *n, int v)
{
	for (int k = 0; k < n->n_in; k++)
		if (n->in[k] == v)
			return true;
	return false;
}

int mg_consumers(struct mg_graph *g, const struct mg_index *ix, int v, int *out, int max)
{
	int found = 0;

	if (v < 0 || v >= ix->n_values)
		return 0;
	for (int e = 0; e < ix->count[v]; e++) {
		int c = ix->cons[ix->first[v] + e];

		if (g->nodes[c].dead || !reads(&g->nodes[c], v))
			continue;
		if (found < max)
			out[found] = c;
		found++;
	}
	return found;
}

int mg_sole_consumer(struct mg_graph *g, const struct mg_index *ix, int v)
{
	int c;

	if (v < 0 || g->values[v].graph_output)
		return -1;
	if (mg_consumers(g, ix, v, &c, 1) != 1)
		return -1;
	/* read once only */
	{
		int times = 0;

		for (int k = 0; k < g->nodes[c].n_in; k++)
			times += g->nodes[c].in[k] == v;
		if (times != 1)
			return -1;
	}
	return c;
}

int mg_new_node(struct mg_graph *g, const char *op_type, const char *domain, int like,
		int n_in, int n_out)
{
	/* mg_add_node may move g->nodes: copy the name first. */
	char name[128];
	int idx;

	snprintf(name, sizeof(name), "%s", like >= 0 ? g->nodes[like].name : op_type);
	idx = mg_add_node(g, op_type, domain, name, n_in, n_out);
	if (idx >= 0)
		g->nodes[idx].internal = true;
	return idx;
}

int mg_copy_attrs(struct mg_graph *g, int dst, int src, const char *const *names)
{
	struct mg_node *s = &g->nodes[src], *d = &g->nodes[dst];
	int n = 0;

	d->attr = mg_calloc(g, (size_t)s->n_attr + 1, sizeof(*d->attr));
	if (!d->attr)
		return -E2BIG;
	for (int a = 0; a < s->n_attr; a++) {
		const struct mg_attr *sa = &s->attr[a];
		struct mg_attr *da = &d->attr[n];
		bool want = !names;

		for (int i = 0; names && names[i]; i++)
			if (!strcmp(names[i], sa->name))
				want = true;
		if (!want)
			continue;
		*da = *sa;
		da->used = false;
		da->name = mg_strdup(g, sa->name);
		da->s = sa->s ? mg_strdup(g, sa->s) : NULL;
		da->ints = NULL;
		da->floats = NULL;
		if (sa->ints) {
			da->ints = mg_calloc(g, sa->n + 1, sizeof(int64_t));
			if (da->ints)
				memcpy(da->ints, sa->ints, sa->n * sizeof(int64_t));
		}
		if (sa->floats) {
			da->floats = mg_calloc(g, sa->n + 1, sizeof(float));
			if (da->floats)
				memcpy(da->floats, sa->floats, sa->n * sizeof(float));
		}
		d->n_attr = ++n;
		if (!da->name || (sa->s && !da->s) || (sa->ints && !da->ints) ||
		    (sa->floats && !da->floats))
			return -E2BIG;
	}
	return 0;
}

void mg_kill_node(struct mg_graph *g, int node)
{
	struct mg_node *n = &g->nodes[node];

	n->dead = true;
	for (int k = 0; k < n->n_out; k++)
		if (n->out[k] >= 0 && g->values[n->out[k]].producer == node)
			g->values[n->out[k]].producer = -1;
}

bool mg_node_is(const struct mg_graph *g, int idx, const char *op_type)
{
	return idx >= 0 && !g->nodes[idx].dead && !g->nodes[idx].domain[0] &&
	       !strcmp(g->nodes[idx].op_type, op_type);
}
