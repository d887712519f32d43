// SPDX-License-Identifier: MIT
/*
 * pass_batchnorm.c - BatchNormalization after a binary32 Conv with constant weights
 * folded into the Conv: w'[m] = w[m] * f[m], b'[m] = (b[m] - mean[m]) * f[m] + beta[m]
 * with f[m] = scale[m] / sqrt(var[m] + epsilon). (Quantized models have it folded
 * before quantization; this is for float models and float parts.)
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "internal.h"
#include "pipeline.h"

static int fold_one(struct mg_graph *g, int conv, int bn)
{
	struct mg_node *c = &g->nodes[conv], *b = &g->nodes[bn];
	struct mg_value *w = mg_in(g, c, 1), *bias = mg_in(g, c, 2);
	const float *sc, *be, *mean, *var;
	float eps = 1e-5f;
	int64_t m, per;
	float *nw, *nb;
	int wi, bi, err;

	for (int i = 1; i < 5; i++) {
		struct mg_value *v = mg_in(g, b, i);

		if (!v || v->kind != MG_CONST || v->dtype != FPQ_DTYPE_FLOAT || v->rank != 1)
			return 0;
	}
	if (!w || w->kind != MG_CONST || w->dtype != FPQ_DTYPE_FLOAT || w->rank != 4)
		return 0;
	if (bias && (bias->kind != MG_CONST || bias->dtype != FPQ_DTYPE_FLOAT))
		return 0;
	m = w->dims[0];
	if (mg_numel(mg_in(g, b, 1)) != m)
		return 0;
	for (int a = 0; a < b->n_attr; a++)
		if (!strcmp(b->attr[a].name, "epsilon") && b->attr[a].type == MG_ATTR_FLOAT)
			eps = b->attr[a].f;
	sc = mg_in(g, b, 1)->data;
	be = mg_in(g, b, 2)->data;
	mean = mg_in(g, b, 3)->data;
	var = mg_in(g, b, 4)->data;
	per = mg_numel(w) / (m ? m : 1);
	nw = mg_calloc(g, (size_t)mg_numel(w), sizeof(float));
	nb = mg_calloc(g, (size_t)m, sizeof(float));
	if (!nw || !nb) {
		mg_free(g, nw);
		mg_free(g, nb);
		return -E2BIG;
	}
	for (int64_t j = 0; j < m; j++) {
		float f = sc[j] / sqrtf(var[j] + eps);
		float b0 = bias ? ((const float *)bias->data)[j] : 0.0f;

		for (int64_t t = 0; t < per; t++)
			nw[j * per + t] = ((const float *)w->data)[j * per + t] * f;
		nb[j] = (b0 - mean[j]) * f + be[j];
	}
	int64_t wd[4] = { w->dims[0], w->dims[1], w->dims[2], w->dims[3] };

	wi = mg_add_const(g, NULL, FPQ_DTYPE_FLOAT, 4, wd, nw, (size_t)mg_numel(w) * sizeof(float));
	if (wi < 0) {
		mg_free(g, nb);
		return wi;
	}
	bi = mg_add_const(g, NULL, FPQ_DTYPE_FLOAT, 1, &m, nb, (size_t)m * sizeof(float));
	if (bi < 0)
		return bi;
	c = &g->nodes[conv];
	b = &g->nodes[bn];
	if (c->n_in < 3) {
		int *in = mg_calloc(g, 3, sizeof(int));

		if (!in)
			return -E2BIG;
		memcpy(in, c->in, sizeof(int) * (size_t)c->n_in);
		mg_free(g, c->in);
		c->in = in;
		c->n_in = 3;
	}
	c->in[1] = wi;
	c->in[2] = bi;
	/* The Conv now writes the BatchNormalization's output. */
	int out = b->out[0];

	mg_kill_node(g, bn);
	g->values[c->out[0]].producer = -1;
	c->out[0] = out;
	g->values[out].producer = conv;
	err = 0;
	return err;
}

int mg_pass_batchnorm(struct mg_graph *g)
{
	struct mg_index ix;
	int err = mg_pass_index(g, &ix);

	if (err)
		return err;
	for (int k = 0; k < g->n_order && !err; k++) {
		int conv = g->order[k];
		int bn;

		if (!mg_node_is(g, conv, "Conv"))
			continue;
		bn = mg_sole_consumer(g, &ix, g->nodes[conv].out[0]);
		if (!mg_node_is(g, bn, "BatchNormalization") || g->nodes[bn].in[0] != g->nodes[conv].out[0])
			continue;
		err = fold_one(g, conv, bn);
	}
	mg_pass_index_free(g, &ix);
	if (err)
		return err;
	return mg_graph_update(g);
}
