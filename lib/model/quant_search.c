// SPDX-License-Identifier: MIT
/*
 * quant_search.c - the mixed-precision search of an MX model (fpq_quantize_opts.budget;
 * Documentation/models.rst, "MX and FP8 layers"): greedily, the layers with the most
 * weights first, each Conv, Gemm and MatMul tries the smaller MX weight formats (E2M1,
 * then E2M3) and keeps the first with which the quantized model's top-1 answers on the
 * calibration set disagree with the float model's on at most budget percent of the
 * samples; otherwise it stays in the model's weight format. Every trial is a whole
 * quantization and a run over the calibration set.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "quant.h"

#define QZ_SEARCH_MAX_LAYERS 256

struct layer {
	const char *name;
	uint64_t weights;
};

static int by_weights(const void *a, const void *b)
{
	const struct layer *x = a, *y = b;

	return x->weights < y->weights ? 1 : x->weights > y->weights ? -1 : strcmp(x->name, y->name);
}

/* Percent of the samples whose top-1 class under @opts differs from @ref's. */
static int disagreement(struct fpq_context *ctx, const void *model, size_t size,
			const struct fpq_tensor *sets, unsigned int n_sets,
			const struct fpq_quantize_opts *opts, const uint32_t *ref, uint64_t n,
			double *percent)
{
	void *q = NULL;
	size_t qsize = 0;
	uint32_t *cls = NULL;
	uint64_t m = 0, differ = 0;
	int err = qz_quantize_graph(ctx, model, size, sets, n_sets, opts, &q, &qsize, NULL);

	if (!err)
		err = qz_top1(ctx, q, qsize, sets, n_sets, opts, &cls, &m);
	if (!err && m != n)
		err = fpq_error(-EINVAL, "quantize: %llu answers of the quantized model, %llu of "
				"the float one", (unsigned long long)m, (unsigned long long)n);
	for (uint64_t i = 0; !err && i < n; i++)
		differ += cls[i] != ref[i];
	*percent = n ? 100.0 * (double)differ / (double)n : 0.0;
	free(cls);
	free(q);
	return err;
}

int qz_search(struct fpq_context *ctx, const void *model, size_t size,
	      const struct fpq_tensor *sets, unsigned int n_sets,
	      const struct fpq_quantize_opts *opts, void **out, size_t *out_size,
	      struct fpq_quant_report **report)
{
	static const enum fpq_quant_format smaller[] = { FPQ_QUANT_E2M1, FPQ_QUANT_E2M3 };
	Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, size, model);
	struct fpq_quant_layer_format *lf = NULL;
	struct fpq_quantize_opts o = *opts;
	struct layer *ls = NULL;
	uint32_t *ref = NULL;
	uint64_t n_ref = 0;
	unsigned int n = 0, user = opts->layers ? opts->n_layers : 0;
	int err = 0;

	if (!m || !m->graph)
		return fpq_error(-EINVAL, "quantize: not a valid ONNX model");
	if (!(opts->budget >= 0) || isinf(opts->budget)) {
		err = fpq_error(-EINVAL, "quantize: budget %g (points, at least 0)", opts->budget);
		goto out;
	}
	ls = calloc(m->graph->n_node + 1, sizeof(*ls));
	lf = calloc(user + m->graph->n_node + 1, sizeof(*lf));
	if (!ls || !lf) {
		err = fpq_error(-ENOMEM, "quantize: out of memory");
		goto out;
	}
	if (user)
		memcpy(lf, opts->layers, user * sizeof(*lf));
	for (size_t i = 0; i < m->graph->n_node; i++) {
		const Onnx__NodeProto *nd = m->graph->node[i];
		bool fixed = false;

		if (strcmp(nd->op_type, "Conv") && strcmp(nd->op_type, "Gemm") &&
		    strcmp(nd->op_type, "MatMul"))
			continue;
		for (unsigned int u = 0; u < user; u++)
			fixed |= lf[u].node && nd->name && !strcmp(lf[u].node, nd->name) &&
				 lf[u].weights != FPQ_QUANT_DEFAULT;
		if (fixed || !nd->name || !*nd->name || n == QZ_SEARCH_MAX_LAYERS)
			continue;
		ls[n].name = nd->name;
		for (size_t t = 0; nd->n_input > 1 && t < m->graph->n_initializer; t++) {
			const Onnx__TensorProto *w = m->graph->initializer[t];
			uint64_t e = 1;

			if (!w->name || strcmp(w->name, nd->input[1]))
				continue;
			for (size_t d = 0; d < w->n_dims; d++)
				e *= (uint64_t)w->dims[d];
			ls[n].weights = e;
		}
		n++;
	}
	qsort(ls, n, sizeof(*ls), by_weights);
	err = qz_top1(ctx, model, size, sets, n_sets, opts, &ref, &n_ref);
	o.layers = lf;
	for (unsigned int l = 0; !err && l < n; l++) {
		struct fpq_quant_layer_format *f = &lf[user + l];

		f->node = ls[l].name;
		o.n_layers = user + l + 1;
		for (size_t s = 0; !err && s < sizeof(smaller) / sizeof(smaller[0]); s++) {
			double pct;

			if (smaller[s] == opts->weights)
				break;
			f->weights = smaller[s];
			err = disagreement(ctx, model, size, sets, n_sets, &o, ref, n_ref, &pct);
			if (!err && pct <= opts->budget)
				break;
			f->weights = FPQ_QUANT_DEFAULT;
		}
	}
	if (!err)
		err = qz_quantize_graph(ctx, model, size, sets, n_sets, &o, out, out_size, report);
out:
	free(ref);
	free(ls);
	free(lf);
	onnx__model_proto__free_unpacked(m, NULL);
	return err;
}
