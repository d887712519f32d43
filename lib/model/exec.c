// SPDX-License-Identifier: MIT
/*
 * exec.c - preparing a graph for a set of input shapes (shape inference, shape
 * arithmetic evaluated, buffers planned) and running it.
 *
 * Buffer planning: every tensor computed by a run lives in one arena, at an offset
 * chosen so that tensors whose lifetimes (from the node that writes it to the last node
 * that reads it) overlap never share bytes, and others do: first fit, largest first.
 * Reshape-like nodes alias their input's buffer instead of copying it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "pipeline.h"

#define MG_ALIGN 64

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int mg_set_output(struct mg_graph *g, struct mg_node *n, int o, enum fpq_dtype dtype,
		  int rank, const int64_t *dims)
{
	struct mg_value *v = mg_out(g, n, o);

	if (!v)
		return 0;
	if (v->graph_output && v->dtype != FPQ_DTYPE_UNDEFINED && v->dtype != dtype)
		return mg_node_error(n, -EINVAL, "output '%.64s' is declared %s but is %s", v->name,
				     fpq_dtype_name(v->dtype), fpq_dtype_name(dtype));
	v->dtype = dtype;
	return mg_set_shape(g, n, v, rank, dims);
}

int mg_output_like(struct mg_graph *g, struct mg_node *n, int o, int i)
{
	struct mg_value *in = mg_in(g, n, i);

	return mg_set_output(g, n, o, in->dtype, in->rank, in->dims);
}

static int root_of(const struct mg_graph *g, int v)
{
	while (g->values[v].alias >= 0)
		v = g->values[v].alias;
	return v;
}

static int check_inputs(struct mg_graph *g, const struct fpq_tensor *inputs)
{
	for (int i = 0; i < g->n_inputs; i++) {
		const struct fpq_tensor *t = &inputs[i];
		struct mg_value *v = &g->values[g->inputs[i]];
		int64_t n = 1;

		if (t->dtype != v->dtype)
			return fpq_error(-EINVAL, "run: input '%.64s' is %s, the model takes %s",
					 v->name, fpq_dtype_name(t->dtype), fpq_dtype_name(v->dtype));
		if ((int)t->ndim != v->rank)
			return fpq_error(-EINVAL, "run: input '%.64s' has %u dimensions, the model "
					 "takes %d", v->name, t->ndim, v->rank);
		for (int d = 0; d < v->rank; d++) {
			if (t->dims[d] < 0 || t->dims[d] > MG_MAX_ELEMS)
				return fpq_error(-EINVAL, "run: input '%.64s' dimension %d is %" PRId64,
						 v->name, d, t->dims[d]);
			if (v->decl_dims[d] >= 0 && t->dims[d] != v->decl_dims[d])
				return fpq_error(-EINVAL, "run: input '%.64s' dimension %d is %" PRId64
						 ", the model takes %" PRId64, v->name, d, t->dims[d],
						 v->decl_dims[d]);
			if (t->dims[d] && n > MG_MAX_ELEMS / t->dims[d])
				return fpq_error(-E2BIG, "run: input '%.64s' is too large", v->name);
			n *= t->dims[d];
		}
		if (n && !t->data)
			return fpq_error(-EFAULT, "run: input '%.64s' has no data", v->name);
		if (t->size < (size_t)n * mg_dtype_size(v->dtype))
			return fpq_error(-EINVAL, "run: input '%.64s' has %zu bytes, its shape needs %zu",
					 v->name, t->size, (size_t)n * mg_dtype_size(v->dtype));
	}
	return 0;
}

void mg_plan_free(struct mg_graph *g, struct mg_plan *p)
{
	mg_free(g, p->arena);
	mg_free(g, p->scratch);
	mg_free(g, p->shape_time);
	memset(p, 0, sizeof(*p));
}

struct interval {
	int v;
	int start, end;
	size_t size;
};

static int by_size_desc(const void *a, const void *b)
{
	const struct interval *x = a, *y = b;

	if (x->size != y->size)
		return x->size < y->size ? 1 : -1;
	return x->v - y->v;
}

static size_t align_up(size_t x)
{
	return (x + MG_ALIGN - 1) & ~(size_t)(MG_ALIGN - 1);
}

static int plan_buffers(struct mg_graph *g, struct mg_plan *p)
{
	int nv = g->n_values;
	int *start = mg_calloc(g, (size_t)nv, sizeof(int));
	int *end = mg_calloc(g, (size_t)nv, sizeof(int));
	struct interval *iv = mg_calloc(g, (size_t)nv + 1, sizeof(*iv));
	int n_iv = 0, err = 0;
	size_t total = 0;

	if (!start || !end || !iv) {
		err = -E2BIG;
		goto out;
	}
	for (int v = 0; v < nv; v++) {
		start[v] = -2; /* -2: needs no arena space */
		end[v] = -2;
		g->values[v].alias = -1;
	}
	/* uint8 inputs are converted into the arena; the others are read where they are. */
	for (int i = 0; i < g->n_inputs; i++) {
		int v = g->inputs[i];

		if (g->values[v].dtype == FPQ_DTYPE_UINT8)
			start[v] = end[v] = -1;
	}
	for (int k = 0; k < g->n_order; k++) {
		int idx = g->order[k];
		struct mg_node *n = &g->nodes[idx];

		if (p->shape_time[idx])
			continue;
		for (int o = 0; o < n->n_out; o++) {
			struct mg_value *ov = mg_out(g, n, o);

			if (!ov || ov->kind != MG_RUNTIME)
				continue;
			if (o == 0 && (n->op->flags & MG_OP_ALIAS)) {
				struct mg_value *iv0 = mg_in(g, n, 0);

				if (iv0->kind == MG_RUNTIME && iv0->nhwc == ov->nhwc &&
				    mg_numel(iv0) * (int64_t)mg_dtype_size(iv0->dtype) ==
					    mg_numel(ov) * (int64_t)mg_dtype_size(ov->dtype)) {
					ov->alias = n->in[0];
					continue;
				}
			}
			start[n->out[o]] = end[n->out[o]] = k;
		}
		for (int i = 0; i < n->n_in; i++) {
			if (n->in[i] < 0)
				continue;
			int r = root_of(g, n->in[i]);

			if (start[r] != -2 && end[r] < k)
				end[r] = k;
		}
	}
	for (int i = 0; i < g->n_outputs; i++) {
		int r = root_of(g, g->outputs[i]);

		if (start[r] != -2)
			end[r] = g->n_order;
	}
	for (int v = 0; v < nv; v++) {
		struct mg_value *val = &g->values[v];

		if (start[v] == -2 || val->alias >= 0)
			continue;
		iv[n_iv].v = v;
		iv[n_iv].start = start[v];
		iv[n_iv].end = end[v];
		iv[n_iv].size = align_up((size_t)mg_numel(val) * mg_dtype_size(val->dtype));
		n_iv++;
	}
	qsort(iv, (size_t)n_iv, sizeof(*iv), by_size_desc);
	/* First fit: the lowest offset that no placed, overlapping interval covers. The
	 * placed intervals are kept sorted by offset in a second pass per candidate. */
	for (int a = 0; a < n_iv; a++) {
		size_t off = 0;
		bool moved = true;

		while (moved) {
			moved = false;
			for (int b = 0; b < a; b++) {
				size_t bo = g->values[iv[b].v].offset;

				if (iv[b].end < iv[a].start || iv[a].end < iv[b].start)
					continue;
				if (off < bo + iv[b].size && bo < off + iv[a].size) {
					off = bo + iv[b].size;
					moved = true;
				}
			}
		}
		g->values[iv[a].v].offset = off;
		if (off + iv[a].size > total)
			total = off + iv[a].size;
	}
	p->arena_size = total;
out:
	mg_free(g, start);
	mg_free(g, end);
	mg_free(g, iv);
	return err;
}

int mg_prepare(struct mg_graph *g, struct mg_plan *p, const struct fpq_tensor *inputs)
{
	size_t scratch = 0;
	int err;

	err = check_inputs(g, inputs);
	if (err)
		return err;
	if (p->valid) {
		bool same = true;

		for (int i = 0; i < g->n_inputs && i < 64 && same; i++)
			for (unsigned int d = 0; d < inputs[i].ndim; d++)
				if (p->in_dims[i][d] != inputs[i].dims[d])
					same = false;
		if (same && g->n_inputs <= 64)
			return 0;
	}
	p->valid = false;

	/* Forget the last shape set: shape-time values become run-time values again. */
	for (int v = 0; v < g->n_values; v++) {
		struct mg_value *val = &g->values[v];

		if (val->kind == MG_SHAPE) {
			mg_free(g, val->data);
			val->data = NULL;
			val->kind = MG_RUNTIME;
		}
	}
	for (int i = 0; i < g->n_inputs; i++) {
		struct mg_value *v = &g->values[g->inputs[i]];

		for (unsigned int d = 0; d < inputs[i].ndim; d++)
			v->dims[d] = inputs[i].dims[d];
	}
	err = mg_infer_shapes(g, true);
	if (err)
		return err;
	if (!p->shape_time) {
		p->shape_time = mg_calloc(g, (size_t)g->n_nodes + 1, sizeof(bool));
		if (!p->shape_time)
			return -E2BIG;
	}
	for (int k = 0; k < g->n_order; k++) {
		int idx = g->order[k];
		struct mg_node *n = &g->nodes[idx];
		bool all_known = n->n_out > 0;

		for (int o = 0; o < n->n_out; o++) {
			struct mg_value *v = mg_out(g, n, o);
			char sb[96];

			if (!v)
				continue;
			if (v->kind == MG_RUNTIME)
				all_known = false;
			if (!mg_shape_known(v))
				return mg_node_error(n, -ENOTSUP, "the shape of output '%.64s' is not "
						     "known before the run (%s)", v->name,
						     mg_shape_str(v, sb, sizeof(sb)));
		}
		p->shape_time[idx] = all_known;
		if (!all_known && n->op->scratch) {
			size_t s = n->op->scratch(g, n);

			if (s > scratch)
				scratch = s;
		}
	}
	err = plan_buffers(g, p);
	if (err)
		return err;
	if (p->arena_cap < p->arena_size) {
		mg_free(g, p->arena);
		p->arena_cap = 0;
		p->arena = mg_alloc(g, p->arena_size);
		if (!p->arena)
			return -E2BIG;
		p->arena_cap = p->arena_size;
	}
	if (p->scratch_cap < scratch) {
		mg_free(g, p->scratch);
		p->scratch_cap = 0;
		p->scratch = mg_alloc(g, scratch);
		if (!p->scratch)
			return -E2BIG;
		p->scratch_cap = scratch;
	}
	p->scratch_size = scratch;
	for (int i = 0; i < g->n_inputs && i < 64; i++)
		for (unsigned int d = 0; d < inputs[i].ndim; d++)
			p->in_dims[i][d] = inputs[i].dims[d];
	p->valid = true;
	return 0;
}

static size_t value_bytes(const struct mg_value *v)
{
	return (size_t)mg_numel(v) * mg_dtype_size(v->dtype);
}

int mg_execute(struct mg_graph *g, struct mg_plan *p, const struct fpq_tensor *inputs,
	       struct fpq_tensor *outputs, struct fpq_layer_stats *stats, int n_layers)
{
	struct fpq_layer_stats dummy;
	struct mg_exec x = { .g = g, .ctx = g->ctx, .scratch = p->scratch,
			     .scratch_size = p->scratch_size };
	bool *allocated = NULL;
	int err = 0;

	/* Output room first: a run that cannot deliver writes nothing. */
	for (int i = 0; i < g->n_outputs; i++) {
		const struct mg_value *v = &g->values[g->outputs[i]];

		if (outputs[i].data && outputs[i].size < value_bytes(v))
			return fpq_error(-ENOSPC, "run: output '%.64s' needs %zu bytes, %zu given",
					 v->name, value_bytes(v), outputs[i].size);
	}
	if (stats)
		memset(stats, 0, sizeof(*stats) * (size_t)n_layers);

	/* Bind every value to its bytes. */
	for (int v = 0; v < g->n_values; v++) {
		struct mg_value *val = &g->values[v];

		if (val->kind != MG_RUNTIME)
			val->ptr = val->data;
		else if (val->alias < 0)
			/* A plan with no runtime bytes has no arena. */
			val->ptr = p->arena ? (uint8_t *)p->arena + val->offset : NULL;
	}
	for (int i = 0; i < g->n_inputs; i++) {
		struct mg_value *v = &g->values[g->inputs[i]];

		if (v->dtype == FPQ_DTYPE_UINT8) {
			const uint8_t *src = inputs[i].data;
			uint8_t *dst = v->ptr;

			for (size_t b = 0; b < value_bytes(v); b++)
				dst[b] = src[b] ^ 0x80;
		} else {
			v->ptr = inputs[i].data;
		}
	}
	for (int v = 0; v < g->n_values; v++)
		if (g->values[v].kind == MG_RUNTIME && g->values[v].alias >= 0)
			g->values[v].ptr = g->values[root_of(g, v)].ptr;

	for (int k = 0; k < g->n_order && !err; k++) {
		int idx = g->order[k];
		struct mg_node *n = &g->nodes[idx];
		int64_t t0;

		if (p->shape_time[idx])
			continue;
		x.st = stats && n->layer >= 0 && n->layer < n_layers ? &stats[n->layer] : &dummy;
		if (x.st == &dummy)
			memset(&dummy, 0, sizeof(dummy));
		t0 = now_ns();
		err = n->op->run(&x, n);
		x.st->time_ns += (uint64_t)(now_ns() - t0);
		if (err && err != -ENOMEM)
			err = mg_node_error(n, err, "%s", fpq_strerror(err));
	}
	if (err)
		return err;

	allocated = calloc((size_t)g->n_outputs + 1, sizeof(bool));
	if (!allocated)
		return fpq_error(-ENOMEM, "run: out of memory");
	for (int i = 0; i < g->n_outputs && !err; i++) {
		const struct mg_value *v = &g->values[g->outputs[i]];
		size_t bytes = value_bytes(v);

		if (!outputs[i].data) {
			outputs[i].data = malloc(bytes ? bytes : 1);
			if (!outputs[i].data) {
				err = fpq_error(-ENOMEM, "run: no memory for output '%.64s'", v->name);
				break;
			}
			outputs[i].size = bytes;
			allocated[i] = true;
		}
		outputs[i].dtype = v->dtype;
		outputs[i].ndim = (unsigned int)v->rank;
		for (int d = 0; d < MG_MAX_DIMS; d++)
			outputs[i].dims[d] = d < v->rank ? v->dims[d] : 0;
		if (v->dtype == FPQ_DTYPE_UINT8) {
			const uint8_t *src = v->ptr;
			uint8_t *dst = outputs[i].data;

			for (size_t b = 0; b < bytes; b++)
				dst[b] = src[b] ^ 0x80;
		} else if (bytes) {
			memcpy(outputs[i].data, v->ptr, bytes);
		}
	}
	if (err)
		for (int i = 0; i < g->n_outputs; i++)
			if (allocated[i]) {
				free(outputs[i].data);
				outputs[i].data = NULL;
				outputs[i].size = 0;
			}
	free(allocated);
	return err;
}
