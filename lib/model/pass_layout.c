// SPDX-License-Identifier: MIT
/*
 * pass_layout.c - NHWC inside. Convolutions, pools, resizes and batch normalisation
 * work on [N, H, W, C] (a 1x1 convolution is then a GEMM on the tensor as it is, and
 * every kernel's inner loop runs over contiguous channels). Elementwise ops follow
 * their inputs' layout, Concat too (its axis moves with the channels); everything
 * else - reshapes, transposes, slices, softmax, the graph outputs - sees NCHW: the
 * pass inserts a conversion where a tensor crosses from one to the other, one per
 * tensor and direction. Constants that meet an NHWC tensor are permuted once at load.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "ops.h"

void mg_permute(const uint8_t *x, const int64_t *xd, int rank, const int64_t *perm, size_t es,
		uint8_t *y);

struct layout_ctx {
	int *to_nhwc;   /* value -> its NHWC conversion (or permuted constant), -1 */
	int *to_nchw;   /* value -> its NCHW conversion, -1 */
	int cap;
};

static bool is_data_input(const struct mg_node *n, int i)
{
	uint32_t m = n->op->data_inputs;

	if (!strcmp(n->op_type, "QLinearConcat"))
		return i >= 2 && (i - 2) % 3 == 0;
	if (m == ~0u)
		return true;
	if (!m)
		return i == 0;
	return i < 32 && (m >> i) & 1;
}

static int grow_maps(struct mg_graph *g, struct layout_ctx *lc)
{
	int old = lc->cap;

	if (g->n_values < lc->cap)
		return 0;
	int ncap = g->n_values * 2 + 16;
	int *a = mg_calloc(g, (size_t)ncap, sizeof(int)), *b = mg_calloc(g, (size_t)ncap, sizeof(int));

	if (!a || !b) {
		mg_free(g, a);
		mg_free(g, b);
		return -E2BIG;
	}
	for (int i = 0; i < ncap; i++)
		a[i] = b[i] = -1;
	if (old) {
		memcpy(a, lc->to_nhwc, sizeof(int) * (size_t)old);
		memcpy(b, lc->to_nchw, sizeof(int) * (size_t)old);
	}
	mg_free(g, lc->to_nhwc);
	mg_free(g, lc->to_nchw);
	lc->to_nhwc = a;
	lc->to_nchw = b;
	lc->cap = ncap;
	return 0;
}

/* A new value like v (same type and shape) in the given layout. */
static int like_value(struct mg_graph *g, int v, bool nhwc)
{
	int nv = mg_add_value(g, NULL, g->values[v].dtype);

	if (nv < 0)
		return nv;
	struct mg_value *d = &g->values[nv], *s = &g->values[v];

	d->rank = s->rank;
	memcpy(d->dims, s->dims, sizeof(d->dims));
	d->nhwc = nhwc;
	return nv;
}

/* v converted by a new node to the other layout (runtime values). */
static int convert(struct mg_graph *g, struct layout_ctx *lc, int v, bool to_nhwc)
{
	int *map, nv, node, err;

	err = grow_maps(g, lc);
	if (err)
		return err;
	map = to_nhwc ? lc->to_nhwc : lc->to_nchw;
	if (map[v] >= 0)
		return map[v];
	if (g->values[v].kind != MG_RUNTIME) {
		/* A constant: permuted once now. */
		struct mg_value *s = &g->values[v];
		int64_t perm[4] = { 0, 2, 3, 1 }, inv[4] = { 0, 3, 1, 2 }, pd[4];
		size_t es = mg_dtype_size(s->dtype);
		uint8_t *data = mg_alloc(g, s->nbytes ? s->nbytes : 1);

		if (!data)
			return -E2BIG;
		if (to_nhwc) {
			mg_permute(s->data, s->dims, 4, perm, es, data);
		} else {
			mg_physical_dims(s, pd);
			mg_permute(s->data, pd, 4, inv, es, data);
		}
		nv = mg_add_const(g, NULL, g->values[v].dtype, 4, g->values[v].dims, data,
				  g->values[v].nbytes);
		if (nv < 0)
			return nv;
		g->values[nv].nhwc = to_nhwc;
	} else {
		nv = like_value(g, v, to_nhwc);
		if (nv < 0)
			return nv;
		node = mg_add_node(g, to_nhwc ? "ToNHWC" : "ToNCHW", "fpq", NULL, 1, 1);
		if (node < 0)
			return node;
		g->nodes[node].internal = true;
		g->nodes[node].in[0] = v;
		g->nodes[node].out[0] = nv;
		g->values[nv].producer = node;
		err = mg_parse_node(g, node);
		if (err)
			return err;
	}
	err = grow_maps(g, lc);
	if (err)
		return err;
	map = to_nhwc ? lc->to_nhwc : lc->to_nchw;
	map[v] = nv;
	return nv;
}

/* A lower-rank constant that broadcasts against NHWC data as a 4-D constant. */
static int as_4d_const(struct mg_graph *g, int v)
{
	struct mg_value *s = &g->values[v];
	int64_t dims[4];
	uint8_t *data;
	int nv;

	for (int d = 0; d < 4; d++) {
		int i = d - (4 - s->rank);

		dims[d] = i >= 0 ? s->dims[i] : 1;
	}
	data = mg_alloc(g, s->nbytes ? s->nbytes : 1);
	if (!data)
		return -E2BIG;
	memcpy(data, s->data, s->nbytes);
	nv = mg_add_const(g, NULL, s->dtype, 4, dims, data, s->nbytes);
	return nv;
}

/* Would a rank < 4 tensor read the same bytes in NHWC broadcasting? */
static bool low_rank_ok(const struct mg_value *v)
{
	int64_t pd[4];

	for (int d = 0; d < 4; d++) {
		int i = d - (4 - v->rank);

		pd[d] = i >= 0 ? v->dims[i] : 1;
	}
	return pd[1] == 1 || (pd[2] == 1 && pd[3] == 1);
}

static int set_input(struct mg_graph *g, int node, int i, int v)
{
	if (v < 0)
		return v;
	g->nodes[node].in[i] = v;
	return 0;
}

static int layout_node(struct mg_graph *g, struct layout_ctx *lc, int idx)
{
	struct mg_node *n = &g->nodes[idx];
	unsigned int fl = n->op->flags;
	int err = 0;

	if (fl & MG_OP_SHAPE_ONLY)
		return 0;
	if (fl & MG_OP_NHWC) {
		int v = n->in[0];

		if (v >= 0 && g->values[v].rank == 4 && !g->values[v].nhwc) {
			err = set_input(g, idx, 0, convert(g, lc, v, true));
			if (err)
				return err;
		}
		n = &g->nodes[idx];
		for (int o = 0; o < n->n_out; o++)
			if (n->out[o] >= 0)
				g->values[n->out[o]].nhwc = true;
		return 0;
	}
	if (fl & (MG_OP_ELEMENTWISE | MG_OP_LAYOUT_AXIS)) {
		bool want = false;

		for (int i = 0; i < n->n_in; i++) {
			int v = n->in[i];

			if (v >= 0 && is_data_input(n, i) && g->values[v].kind == MG_RUNTIME &&
			    g->values[v].nhwc)
				want = true;
		}
		/* Every data input must be able to join NHWC; one that cannot sends all back. */
		for (int i = 0; i < n->n_in && want; i++) {
			const struct mg_value *v = n->in[i] >= 0 ? &g->values[n->in[i]] : NULL;

			if (!v || !is_data_input(n, i) || v->nhwc)
				continue;
			if ((fl & MG_OP_LAYOUT_AXIS) && v->rank != 4)
				want = false;
			else if (v->rank < 4 && v->kind == MG_RUNTIME && !low_rank_ok(v))
				want = false;
			else if (v->rank > 4 || v->rank < 0)
				want = false;
		}
		for (int i = 0; i < g->nodes[idx].n_in; i++) {
			int v = g->nodes[idx].in[i];

			if (v < 0 || !is_data_input(&g->nodes[idx], i))
				continue;
			if (want && !g->values[v].nhwc) {
				if (g->values[v].rank == 4) {
					err = set_input(g, idx, i, convert(g, lc, v, true));
				} else if (!low_rank_ok(&g->values[v])) {
					int c4 = as_4d_const(g, v); /* a constant, checked above */

					err = c4 < 0 ? c4 : set_input(g, idx, i, convert(g, lc, c4, true));
				}
			} else if (!want && g->values[v].nhwc) {
				err = set_input(g, idx, i, convert(g, lc, v, false));
			}
			if (err)
				return err;
		}
		n = &g->nodes[idx];
		for (int o = 0; o < n->n_out; o++)
			if (n->out[o] >= 0)
				g->values[n->out[o]].nhwc = want && g->values[n->out[o]].rank == 4;
		return 0;
	}
	/* Everything else reads NCHW. */
	for (int i = 0; i < g->nodes[idx].n_in; i++) {
		int v = g->nodes[idx].in[i];

		if (v >= 0 && g->values[v].nhwc) {
			err = set_input(g, idx, i, convert(g, lc, v, false));
			if (err)
				return err;
		}
	}
	return 0;
}

/* A graph output computed in NHWC: the producer writes a twin, a conversion the output. */
static int fix_output(struct mg_graph *g, int v)
{
	int twin, node, prod = g->values[v].producer;

	twin = like_value(g, v, true);
	if (twin < 0)
		return twin;
	for (int i = 0; i < g->n_nodes; i++) {
		struct mg_node *n = &g->nodes[i];

		if (n->dead)
			continue;
		for (int k = 0; k < n->n_in; k++)
			if (n->in[k] == v)
				n->in[k] = twin;
		if (i == prod)
			for (int k = 0; k < n->n_out; k++)
				if (n->out[k] == v)
					n->out[k] = twin;
	}
	g->values[twin].producer = prod;
	node = mg_add_node(g, "ToNCHW", "fpq", NULL, 1, 1);
	if (node < 0)
		return node;
	g->nodes[node].internal = true;
	g->nodes[node].in[0] = twin;
	g->nodes[node].out[0] = v;
	g->values[v].producer = node;
	g->values[v].nhwc = false;
	return mg_parse_node(g, node);
}

int mg_pass_layout(struct mg_graph *g)
{
	struct layout_ctx lc = { 0 };
	int *order, n_order, err;

	err = mg_graph_update(g);
	if (err)
		return err;
	n_order = g->n_order;
	order = mg_calloc(g, (size_t)n_order + 1, sizeof(int));
	if (!order)
		return -E2BIG;
	memcpy(order, g->order, sizeof(int) * (size_t)n_order);
	err = grow_maps(g, &lc);
	for (int k = 0; k < n_order && !err; k++)
		err = layout_node(g, &lc, order[k]);
	for (int i = 0; i < g->n_outputs && !err; i++) {
		int v = g->outputs[i];

		if (g->values[v].nhwc && g->values[v].producer >= 0)
			err = fix_output(g, v);
	}
	mg_free(g, order);
	mg_free(g, lc.to_nhwc);
	mg_free(g, lc.to_nchw);
	if (err)
		return err;
	return mg_graph_update(g);
}
