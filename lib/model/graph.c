// SPDX-License-Identifier: MIT
/*
 * graph.c - values, nodes, attributes and the model's memory account.
 *
 * Every allocation of a model goes through mg_alloc(), which counts it against the
 * model's limit: a hostile file cannot make the library allocate more than it allows,
 * however its shapes and counts are chosen.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "internal.h"

/* Each block carries its size so that freeing it gives the bytes back. */
struct mg_block {
	size_t size;
	size_t pad; /* keeps the payload 16-byte aligned */
};

void *mg_alloc(struct mg_graph *g, size_t size)
{
	struct mg_block *b;

	if (size > g->mem_limit - g->mem_used || size > SIZE_MAX - sizeof(*b)) {
		fpq_error(-E2BIG, "model: needs more than its memory limit of %zu bytes",
			  g->mem_limit);
		return NULL;
	}
	b = malloc(sizeof(*b) + (size ? size : 1));
	if (!b) {
		fpq_error(-ENOMEM, "model: out of memory (%zu bytes)", size);
		return NULL;
	}
	b->size = size;
	g->mem_used += size;
	return b + 1;
}

void *mg_calloc(struct mg_graph *g, size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size) {
		fpq_error(-E2BIG, "model: allocation of %zu x %zu bytes overflows", n, size);
		return NULL;
	}
	p = mg_alloc(g, n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void mg_free(struct mg_graph *g, void *p)
{
	struct mg_block *b;

	if (!p)
		return;
	b = (struct mg_block *)p - 1;
	g->mem_used -= b->size;
	free(b);
}

char *mg_strdup(struct mg_graph *g, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = mg_alloc(g, n);

	if (d)
		memcpy(d, s, n);
	return d;
}

int mg_grow(struct mg_graph *g, void **arr, int *cap, int need, size_t elem)
{
	int ncap;
	void *n;

	if (need <= *cap)
		return 0;
	if (need > (1 << 24))
		return fpq_error(-E2BIG, "model: more than %d graph entries", 1 << 24);
	ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap *= 2;
	n = mg_calloc(g, (size_t)ncap, elem);
	if (!n)
		return -ENOMEM;
	if (*arr)
		memcpy(n, *arr, (size_t)*cap * elem);
	mg_free(g, *arr);
	*arr = n;
	*cap = ncap;
	return 0;
}

int mg_graph_init(struct mg_graph *g, size_t mem_limit)
{
	memset(g, 0, sizeof(*g));
	g->mem_limit = mem_limit;
	return 0;
}

void mg_graph_destroy(struct mg_graph *g)
{
	for (int i = 0; i < g->n_nodes; i++) {
		struct mg_node *n = &g->nodes[i];

		if (n->op && n->op->destroy && n->priv)
			n->op->destroy(g, n);
		for (int a = 0; a < n->n_attr; a++) {
			mg_free(g, n->attr[a].name);
			mg_free(g, n->attr[a].s);
			mg_free(g, n->attr[a].ints);
			mg_free(g, n->attr[a].floats);
		}
		mg_free(g, n->attr);
		mg_free(g, n->in);
		mg_free(g, n->out);
		mg_free(g, n->name);
		mg_free(g, n->op_type);
		mg_free(g, n->domain);
	}
	for (int i = 0; i < g->n_values; i++) {
		struct mg_value *v = &g->values[i];

		mg_free(g, v->name);
		mg_free(g, v->data);
		for (int d = 0; d < MG_MAX_DIMS; d++)
			mg_free(g, v->dim_param[d]);
	}
	mg_free(g, g->nodes);
	mg_free(g, g->values);
	mg_free(g, g->inputs);
	mg_free(g, g->outputs);
	mg_free(g, g->order);
	mg_free(g, g->hash);
	g->nodes = NULL;
	g->values = NULL;
}

/* ---- name lookup: open addressing, FNV-1a ---- */

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static int hash_insert(struct mg_graph *g, int idx)
{
	uint32_t mask = (uint32_t)g->hash_cap - 1;
	uint32_t h = name_hash(g->values[idx].name) & mask;

	while (g->hash[h] >= 0)
		h = (h + 1) & mask;
	g->hash[h] = idx;
	return 0;
}

static int hash_rebuild(struct mg_graph *g, int cap)
{
	int *h = mg_alloc(g, sizeof(int) * (size_t)cap);

	if (!h)
		return -ENOMEM;
	for (int i = 0; i < cap; i++)
		h[i] = -1;
	mg_free(g, g->hash);
	g->hash = h;
	g->hash_cap = cap;
	for (int i = 0; i < g->n_values; i++)
		hash_insert(g, i);
	return 0;
}

int mg_find_value(const struct mg_graph *g, const char *name)
{
	uint32_t mask, h;

	if (!g->hash_cap)
		return -1;
	mask = (uint32_t)g->hash_cap - 1;
	h = name_hash(name) & mask;
	while (g->hash[h] >= 0) {
		if (!strcmp(g->values[g->hash[h]].name, name))
			return g->hash[h];
		h = (h + 1) & mask;
	}
	return -1;
}

int mg_add_value(struct mg_graph *g, const char *name, enum fpq_dtype dtype)
{
	char made[48];
	struct mg_value *v;
	int err;

	if (!name) {
		/* Made-up names cannot collide with a file's: they contain a NUL-free
		 * prefix no ONNX exporter writes, and are checked anyway. */
		snprintf(made, sizeof(made), "fpq::v%d", g->n_values);
		name = made;
	}
	if (mg_find_value(g, name) >= 0)
		return fpq_error(-EINVAL, "model: tensor name '%.64s' is defined twice", name);
	err = mg_grow(g, (void **)&g->values, &g->cap_values, g->n_values + 1,
		      sizeof(*g->values));
	if (err)
		return err;
	if ((g->n_values + 1) * 2 > g->hash_cap) {
		err = hash_rebuild(g, g->hash_cap ? g->hash_cap * 2 : 64);
		if (err)
			return err;
	}
	v = &g->values[g->n_values];
	memset(v, 0, sizeof(*v));
	v->name = mg_strdup(g, name);
	if (!v->name)
		return -ENOMEM;
	v->dtype = dtype;
	v->rank = -1;
	v->producer = -1;
	v->alias = -1;
	v->decl_rank = -1;
	for (int d = 0; d < MG_MAX_DIMS; d++)
		v->dims[d] = v->decl_dims[d] = -1;
	hash_insert(g, g->n_values);
	return g->n_values++;
}

int mg_add_const(struct mg_graph *g, const char *name, enum fpq_dtype dtype, int rank,
		 const int64_t *dims, void *data, size_t nbytes)
{
	int idx = mg_add_value(g, name, dtype);

	if (idx < 0) {
		mg_free(g, data);
		return idx;
	}
	struct mg_value *v = &g->values[idx];

	v->kind = MG_CONST;
	v->rank = rank;
	for (int d = 0; d < rank; d++)
		v->dims[d] = dims[d];
	v->data = data;
	v->nbytes = nbytes;
	return idx;
}

int mg_add_node(struct mg_graph *g, const char *op_type, const char *domain,
		const char *name, int n_in, int n_out)
{
	char made[64];
	struct mg_node *n;
	int err;

	err = mg_grow(g, (void **)&g->nodes, &g->cap_nodes, g->n_nodes + 1, sizeof(*g->nodes));
	if (err)
		return err;
	n = &g->nodes[g->n_nodes];
	memset(n, 0, sizeof(*n));
	if (!name || !*name) {
		snprintf(made, sizeof(made), "%.40s:%d", op_type, g->n_nodes);
		name = made;
	}
	n->name = mg_strdup(g, name);
	n->op_type = mg_strdup(g, op_type);
	n->domain = mg_strdup(g, domain ? domain : "");
	n->in = mg_calloc(g, (size_t)(n_in ? n_in : 1), sizeof(int));
	n->out = mg_calloc(g, (size_t)(n_out ? n_out : 1), sizeof(int));
	if (!n->name || !n->op_type || !n->domain || !n->in || !n->out) {
		mg_free(g, n->name);
		mg_free(g, n->op_type);
		mg_free(g, n->domain);
		mg_free(g, n->in);
		mg_free(g, n->out);
		return -ENOMEM;
	}
	for (int i = 0; i < n_in; i++)
		n->in[i] = MG_NO_VALUE;
	for (int i = 0; i < n_out; i++)
		n->out[i] = MG_NO_VALUE;
	n->n_in = n_in;
	n->n_out = n_out;
	n->qmin = -128;
	n->qmax = 127;
	n->layer = -1;
	return g->n_nodes++;
}

static void count_uses(struct mg_graph *g)
{
	for (int i = 0; i < g->n_values; i++)
		g->values[i].uses = 0;
	for (int i = 0; i < g->n_nodes; i++) {
		struct mg_node *n = &g->nodes[i];

		if (n->dead)
			continue;
		for (int k = 0; k < n->n_in; k++)
			if (n->in[k] >= 0)
				g->values[n->in[k]].uses++;
	}
	for (int i = 0; i < g->n_outputs; i++)
		g->values[g->outputs[i]].uses++;
}

int mg_graph_update(struct mg_graph *g)
{
	int *indeg = NULL, *first = NULL, *cons = NULL, *queue = NULL, *fill = NULL;
	int live = 0, head = 0, tail = 0, err = 0;
	bool changed = true;

	/* Dead code: a node none of whose outputs is used. Removing one may free others. */
	while (changed) {
		changed = false;
		count_uses(g);
		for (int i = 0; i < g->n_nodes; i++) {
			struct mg_node *n = &g->nodes[i];
			bool used = false;

			if (n->dead)
				continue;
			for (int k = 0; k < n->n_out; k++)
				if (n->out[k] >= 0 && g->values[n->out[k]].uses)
					used = true;
			if (!used) {
				n->dead = true;
				for (int k = 0; k < n->n_out; k++)
					if (n->out[k] >= 0 && g->values[n->out[k]].producer == i)
						g->values[n->out[k]].producer = -1;
				changed = true;
			}
		}
	}

	/* Kahn's algorithm over the live nodes; consumers in CSR form. */
	indeg = mg_calloc(g, (size_t)g->n_nodes + 1, sizeof(int));
	first = mg_calloc(g, (size_t)g->n_values + 1, sizeof(int));
	queue = mg_calloc(g, (size_t)g->n_nodes + 1, sizeof(int));
	if (!indeg || !first || !queue) {
		err = -ENOMEM;
		goto out;
	}
	size_t n_edges = 0;

	for (int i = 0; i < g->n_nodes; i++) {
		struct mg_node *n = &g->nodes[i];

		if (n->dead)
			continue;
		live++;
		for (int k = 0; k < n->n_in; k++) {
			int v = n->in[k];

			if (v >= 0 && g->values[v].producer >= 0) {
				first[v + 1]++;
				n_edges++;
				indeg[i]++;
			}
		}
	}
	for (int v = 0; v < g->n_values; v++)
		first[v + 1] += first[v];
	cons = mg_calloc(g, n_edges + 1, sizeof(int));
	if (!cons) {
		err = -ENOMEM;
		goto out;
	}
	fill = mg_calloc(g, (size_t)g->n_values + 1, sizeof(int));
	if (!fill) {
		err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < g->n_nodes; i++) {
		struct mg_node *n = &g->nodes[i];

		if (n->dead)
			continue;
		for (int k = 0; k < n->n_in; k++) {
			int v = n->in[k];

			if (v >= 0 && g->values[v].producer >= 0)
				cons[first[v] + fill[v]++] = i;
		}
	}
	for (int i = 0; i < g->n_nodes; i++)
		if (!g->nodes[i].dead && indeg[i] == 0)
			queue[tail++] = i;
	mg_free(g, g->order);
	g->order = mg_alloc(g, sizeof(int) * ((size_t)live + 1));
	if (!g->order) {
		err = -ENOMEM;
		goto out;
	}
	g->n_order = 0;
	while (head < tail) {
		int i = queue[head++];
		struct mg_node *n = &g->nodes[i];

		g->order[g->n_order++] = i;
		for (int k = 0; k < n->n_out; k++) {
			int v = n->out[k];

			if (v < 0)
				continue;
			for (int e = first[v]; e < first[v + 1]; e++) {
				int c = cons[e];

				if (--indeg[c] == 0)
					queue[tail++] = c;
			}
		}
	}
	if (g->n_order != live) {
		for (int i = 0; i < g->n_nodes; i++)
			if (!g->nodes[i].dead && indeg[i] > 0) {
				err = mg_node_error(&g->nodes[i], -EINVAL,
						    "is on a cycle of the graph");
				break;
			}
	}
out:
	mg_free(g, indeg);
	mg_free(g, first);
	mg_free(g, cons);
	mg_free(g, queue);
	mg_free(g, fill);
	return err;
}

/* ---- shapes ---- */

size_t mg_dtype_size(enum fpq_dtype t)
{
	switch (t) {
	case FPQ_DTYPE_FLOAT: return 4;
	case FPQ_DTYPE_UINT8: return 1;
	case FPQ_DTYPE_INT8: return 1;
	case FPQ_DTYPE_INT32: return 4;
	case FPQ_DTYPE_INT64: return 8;
	case FPQ_DTYPE_BOOL: return 1;
	default: return 0;
	}
}

int64_t mg_numel(const struct mg_value *v)
{
	int64_t n = 1;

	if (v->rank < 0)
		return -1;
	for (int d = 0; d < v->rank; d++) {
		if (v->dims[d] < 0)
			return -1;
		n *= v->dims[d];
	}
	return n;
}

bool mg_shape_known(const struct mg_value *v)
{
	return mg_numel(v) >= 0;
}

int mg_set_shape(struct mg_graph *g, const struct mg_node *n, struct mg_value *v, int rank,
		 const int64_t *dims)
{
	int64_t total = 1;
	bool known = true;

	(void)g;
	if (rank < 0 || rank > MG_MAX_DIMS) {
		return n ? mg_node_error(n, -ENOTSUP, "output '%.64s' has rank %d (at most %d)",
					 v->name, rank, MG_MAX_DIMS)
			 : fpq_error(-ENOTSUP, "model: tensor '%.64s' has rank %d (at most %d)",
				     v->name, rank, MG_MAX_DIMS);
	}
	for (int d = 0; d < rank; d++) {
		if (dims[d] < -1)
			return n ? mg_node_error(n, -EINVAL, "output '%.64s' dimension %d is %" PRId64,
						 v->name, d, dims[d])
				 : fpq_error(-EINVAL, "model: tensor '%.64s' dimension %d is %" PRId64,
					     v->name, d, dims[d]);
		if (dims[d] < 0) {
			known = false;
			continue;
		}
		if (dims[d] > MG_MAX_ELEMS || (dims[d] && total > MG_MAX_ELEMS / dims[d]))
			return n ? mg_node_error(n, -E2BIG, "output '%.64s' would have more than 2^31 elements",
						 v->name)
				 : fpq_error(-E2BIG, "model: tensor '%.64s' has more than 2^31 elements",
					     v->name);
		total *= dims[d];
	}
	(void)known;
	v->rank = rank;
	for (int d = 0; d < MG_MAX_DIMS; d++)
		v->dims[d] = d < rank ? dims[d] : -1;
	return 0;
}

const char *mg_shape_str(const struct mg_value *v, char *buf, size_t size)
{
	size_t len = 0;

	if (v->rank < 0) {
		snprintf(buf, size, "[?]");
		return buf;
	}
	len += (size_t)snprintf(buf + len, size - len, "[");
	for (int d = 0; d < v->rank && len < size; d++) {
		if (v->dims[d] < 0)
			len += (size_t)snprintf(buf + len, size - len, "%s?", d ? ", " : "");
		else
			len += (size_t)snprintf(buf + len, size - len, "%s%" PRId64, d ? ", " : "",
						v->dims[d]);
	}
	if (len < size)
		snprintf(buf + len, size - len, "]");
	return buf;
}

int64_t mg_get_int(const struct mg_value *v, int64_t k)
{
	switch (v->dtype) {
	case FPQ_DTYPE_INT8:
	case FPQ_DTYPE_UINT8:
		return ((const int8_t *)v->data)[k];
	case FPQ_DTYPE_INT32:
		return ((const int32_t *)v->data)[k];
	case FPQ_DTYPE_INT64:
		return ((const int64_t *)v->data)[k];
	case FPQ_DTYPE_BOOL:
		return ((const uint8_t *)v->data)[k];
	case FPQ_DTYPE_FLOAT:
		return (int64_t)((const float *)v->data)[k];
	default:
		return 0;
	}
}

float mg_get_float(const struct mg_value *v, int64_t k)
{
	if (v->dtype == FPQ_DTYPE_FLOAT)
		return ((const float *)v->data)[k];
	return (float)mg_get_int(v, k);
}

/* ---- attributes ---- */

struct mg_attr *mg_attr_find(struct mg_node *n, const char *name)
{
	for (int i = 0; i < n->n_attr; i++)
		if (!strcmp(n->attr[i].name, name))
			return &n->attr[i];
	return NULL;
}

static int attr_type_error(struct mg_node *n, const struct mg_attr *a, const char *want)
{
	return mg_node_error(n, -EINVAL, "attribute '%.40s' must be %s", a->name, want);
}

int mg_attr_int(struct mg_graph *g, struct mg_node *n, const char *name, int64_t def,
		int64_t *out)
{
	struct mg_attr *a = mg_attr_find(n, name);

	(void)g;
	*out = def;
	if (!a)
		return 0;
	a->used = true;
	if (a->type != MG_ATTR_INT)
		return attr_type_error(n, a, "an int");
	*out = a->i;
	return 0;
}

int mg_attr_float(struct mg_graph *g, struct mg_node *n, const char *name, float def,
		  float *out)
{
	struct mg_attr *a = mg_attr_find(n, name);

	(void)g;
	*out = def;
	if (!a)
		return 0;
	a->used = true;
	if (a->type != MG_ATTR_FLOAT)
		return attr_type_error(n, a, "a float");
	*out = a->f;
	return 0;
}

int mg_attr_string(struct mg_graph *g, struct mg_node *n, const char *name, const char *def,
		   const char **out)
{
	struct mg_attr *a = mg_attr_find(n, name);

	(void)g;
	*out = def;
	if (!a)
		return 0;
	a->used = true;
	if (a->type != MG_ATTR_STRING)
		return attr_type_error(n, a, "a string");
	*out = a->s;
	return 0;
}

int mg_attr_ints(struct mg_graph *g, struct mg_node *n, const char *name, int64_t *out,
		 int max, int *count)
{
	struct mg_attr *a = mg_attr_find(n, name);

	(void)g;
	*count = -1;
	if (!a)
		return 0;
	a->used = true;
	if (a->type != MG_ATTR_INTS)
		return attr_type_error(n, a, "a list of ints");
	if (a->n > (size_t)max)
		return mg_node_error(n, -EINVAL, "attribute '%.40s' has %zu values (at most %d)",
				     name, a->n, max);
	for (size_t i = 0; i < a->n; i++)
		out[i] = a->ints[i];
	*count = (int)a->n;
	return 0;
}

int mg_attr_floats(struct mg_graph *g, struct mg_node *n, const char *name, float *out,
		   int max, int *count)
{
	struct mg_attr *a = mg_attr_find(n, name);

	(void)g;
	*count = -1;
	if (!a)
		return 0;
	a->used = true;
	if (a->type != MG_ATTR_FLOATS)
		return attr_type_error(n, a, "a list of floats");
	if (a->n > (size_t)max)
		return mg_node_error(n, -EINVAL, "attribute '%.40s' has %zu values (at most %d)",
				     name, a->n, max);
	for (size_t i = 0; i < a->n; i++)
		out[i] = a->floats[i];
	*count = (int)a->n;
	return 0;
}

int mg_node_error(const struct mg_node *n, int err, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fpq_error(err, "model: node '%.60s' (%.40s): %s", n->name, n->op_type, msg);
}
