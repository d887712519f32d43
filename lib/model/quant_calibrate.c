// SPDX-License-Identifier: MIT
/*
 * quant_calibrate.c - MinMax calibration, as quantize_static's MinMaxCalibrater does
 * it: the float model runs on every calibration sample with the tensors to quantize
 * exposed as extra graph outputs, and each tensor's range is the smallest and largest
 * value it took over all of them. The float model runs on libfpq's own model layer
 * (binary32 arithmetic in its own order, so a range can differ from ORT's float run
 * in its last bits; the quantized model is what fpq and ORT are compared on).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "quant.h"

#define QZ_DEFAULT_BATCH 64

static const char *set_name(const struct fpq_quantize_opts *opts, unsigned int s, char *buf,
			    size_t len)
{
	if (opts && opts->set_names && opts->set_names[s])
		return opts->set_names[s];
	snprintf(buf, len, "calibration set %u", s);
	return buf;
}

static void dims_str(char *buf, size_t len, unsigned int ndim, const int64_t *dims)
{
	size_t o = 0;

	o += (size_t)snprintf(buf + o, len - o, "[");
	for (unsigned int i = 0; i < ndim && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%" PRId64, i ? ", " : "", dims[i]);
	if (o < len)
		snprintf(buf + o, len - o, "]");
}

/* A set's tensor against the model's input: type, rank, every fixed dimension. */
static int check_set(const struct fpq_tensor *t, const struct fpq_tensor_info *in,
		     const char *name)
{
	char want[160], got[160];
	size_t count = 1;

	dims_str(want, sizeof(want), in->ndim, in->dims);
	dims_str(got, sizeof(got), t->ndim, t->dims);
	if (t->dtype != in->dtype)
		return fpq_error(-EINVAL, "quantize: %s: input '%s' must be %s, not %s", name,
				 in->name, fpq_dtype_name(in->dtype), fpq_dtype_name(t->dtype));
	if (t->ndim != in->ndim)
		return fpq_error(-EINVAL, "quantize: %s: input '%s' has shape %s, the model "
				 "takes %s", name, in->name, got, want);
	for (unsigned int i = 0; i < t->ndim; i++) {
		if (t->dims[i] <= 0 || (in->dims[i] >= 0 && t->dims[i] != in->dims[i]))
			return fpq_error(-EINVAL, "quantize: %s: input '%s' has shape %s, the "
					 "model takes %s", name, in->name, got, want);
		if ((uint64_t)t->dims[i] > SIZE_MAX / 8 / count)
			return fpq_error(-EINVAL, "quantize: %s: input '%s' is too large", name,
					 in->name);
		count *= (size_t)t->dims[i];
	}
	if (!t->data || t->size < count * fpq_dtype_size(t->dtype))
		return fpq_error(-EINVAL, "quantize: %s: input '%s' holds fewer bytes than its "
				 "shape", name, in->name);
	if (t->dtype == FPQ_DTYPE_FLOAT) {
		const float *v = t->data;

		for (size_t i = 0; i < count; i++)
			if (!isfinite(v[i]))
				return fpq_error(-EINVAL, "quantize: %s: input '%s' holds a value "
						 "that is not finite (element %zu)", name, in->name,
						 i);
	}
	return 0;
}

static void widen(struct qz_minmax *r, const float *v, size_t n)
{
	float lo = r->seen ? r->min : INFINITY, hi = r->seen ? r->max : -INFINITY;

	for (size_t i = 0; i < n; i++) {
		lo = fminf(lo, v[i]);
		hi = fmaxf(hi, v[i]);
	}
	if (n) {
		r->min = lo;
		r->max = hi;
		r->seen = true;
	}
}

static size_t elements(const struct fpq_tensor *t)
{
	size_t n = 1;

	for (unsigned int i = 0; i < t->ndim; i++)
		n *= (size_t)t->dims[i];
	return n;
}

static bool finite_all(const float *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return false;
	return true;
}

/* The index of the graph output called @name, or -1. */
static int graph_output(const Onnx__GraphProto *g, const char *name)
{
	for (size_t i = 0; i < g->n_output; i++)
		if (g->output[i]->name && !strcmp(g->output[i]->name, name))
			return (int)i;
	return -1;
}

/* The output of the tapped model that holds taps[i]. */
static size_t tap_output(const Onnx__GraphProto *g, const char *const *taps, size_t i)
{
	int o = graph_output(g, taps[i]);
	size_t k = g->n_output;

	if (o >= 0)
		return (size_t)o;
	for (size_t j = 0; j < i; j++)
		k += graph_output(g, taps[j]) < 0;
	return k;
}

/* The model with the taps as extra outputs (those that are not outputs already),
 * serialized. */
static int tapped_model(const Onnx__ModelProto *model, const char *const *taps, size_t n_taps,
			struct qz_arena *a, void **buf, size_t *size)
{
	const Onnx__GraphProto *g = model->graph;
	Onnx__ModelProto m = *model;
	Onnx__GraphProto tg = *g;
	Onnx__ValueInfoProto **outs = qz_alloc(a, (g->n_output + n_taps + 1) * sizeof(*outs));

	if (!outs)
		return fpq_error(-ENOMEM, "quantize: out of memory");
	if (g->n_output)
		memcpy(outs, g->output, g->n_output * sizeof(*outs));
	size_t n = g->n_output;

	for (size_t i = 0; i < n_taps; i++) {
		if (graph_output(g, taps[i]) >= 0)
			continue;   /* already an output */
		outs[n] = qz_value_info(a, taps[i], ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT);
		if (!outs[n++])
			return fpq_error(-ENOMEM, "quantize: out of memory");
	}
	tg.output = outs;
	tg.n_output = n;
	tg.n_value_info = 0;
	m.graph = &tg;
	return qz_pack(&m, buf, size);
}

/* Run @fm on every set, cut into batches; hand each run's outputs and stats to @cb. */
struct qz_run_cb {
	int (*outputs)(void *arg, const struct fpq_tensor *out, unsigned int n_out,
		       const char *set);
	void *arg;
	struct fpq_layer_stats *stats;   /* NULL, or fpq_model_num_layers() entries */
	struct fpq_layer_stats *sum;     /* the sums over all runs */
	struct qz_minmax *input_ranges;  /* NULL, or one per input */
	uint64_t samples;
	const struct fpq_tensor *inputs; /* the running batch's inputs, for outputs() */
};

static int run_sets(struct fpq_model *fm, const struct fpq_tensor *sets, unsigned int n_sets,
		    const struct fpq_quantize_opts *opts, struct qz_run_cb *cb)
{
	unsigned int batch = opts && opts->batch ? opts->batch : QZ_DEFAULT_BATCH;
	unsigned int n_in = fpq_model_num_inputs(fm), n_out = fpq_model_num_outputs(fm);
	unsigned int n_layers = fpq_model_num_layers(fm);
	struct fpq_tensor_info *info = calloc(n_in ? n_in : 1, sizeof(*info));
	struct fpq_tensor *in = calloc(n_in ? n_in : 1, sizeof(*in));
	struct fpq_tensor *out = calloc(n_out ? n_out : 1, sizeof(*out));
	bool dynamic = true;
	char nbuf[48];
	int err = 0;

	if (!info || !in || !out) {
		err = fpq_error(-ENOMEM, "quantize: out of memory");
		goto out;
	}
	for (unsigned int k = 0; k < n_in; k++) {
		err = fpq_model_input(fm, k, &info[k]);
		if (err)
			goto out;
		if (info[k].ndim == 0 || info[k].dims[0] >= 0)
			dynamic = false;
	}
	for (unsigned int s = 0; s < n_sets; s++) {
		const struct fpq_tensor *set = sets + (size_t)s * n_in;
		const char *name = set_name(opts, s, nbuf, sizeof(nbuf));
		int64_t n = dynamic ? set[0].dims[0] : 1, step = dynamic ? batch : 1;

		for (unsigned int k = 0; k < n_in; k++) {
			err = check_set(&set[k], &info[k], name);
			if (err)
				goto out;
			if (dynamic && set[k].dims[0] != n) {
				err = fpq_error(-EINVAL, "quantize: %s: the inputs hold different "
						"numbers of samples", name);
				goto out;
			}
			if (cb->input_ranges && set[k].dtype == FPQ_DTYPE_FLOAT)
				widen(&cb->input_ranges[k], set[k].data, elements(&set[k]));
		}
		cb->samples += (uint64_t)n;
		for (int64_t b = 0; b < n; b += step) {
			int64_t m = dynamic ? (n - b < step ? n - b : step) : 1;

			for (unsigned int k = 0; k < n_in; k++) {
				size_t per = elements(&set[k]) / (size_t)(dynamic ? n : 1);
				size_t esz = fpq_dtype_size(set[k].dtype);

				in[k] = set[k];
				if (dynamic) {
					in[k].dims[0] = m;
					in[k].data = (uint8_t *)set[k].data + (size_t)b * per * esz;
					in[k].size = (size_t)m * per * esz;
				}
			}
			memset(out, 0, n_out * sizeof(*out));
			err = fpq_model_run(fm, in, n_in, out, n_out, cb->stats);
			cb->inputs = in;
			if (!err && cb->outputs)
				err = cb->outputs(cb->arg, out, n_out, name);
			for (unsigned int l = 0; !err && cb->stats && l < n_layers; l++) {
				cb->sum[l].clamped += cb->stats[l].clamped;
				cb->sum[l].saturated += cb->stats[l].saturated;
			}
			for (unsigned int o = 0; o < n_out; o++)
				free(out[o].data);
			if (err)
				goto out;
		}
	}
out:
	free(info);
	free(in);
	free(out);
	return err;
}

struct calib {
	const Onnx__GraphProto *g;
	const char *const *taps;
	size_t n_taps;
	unsigned int first;   /* the model's own outputs come first */
	struct qz_minmax *ranges;
};

/* ranges[o] for output o: the graph's outputs, then the taps. */
static int calib_outputs(void *arg, const struct fpq_tensor *out, unsigned int n_out,
			 const char *set)
{
	struct calib *c = arg;

	for (unsigned int o = 0; o < n_out && o < c->first + c->n_taps; o++) {
		const struct fpq_tensor *t = &out[o];
		const char *name = o < c->first ? c->g->output[o]->name : c->taps[o - c->first];
		size_t cnt = elements(t);

		if (t->dtype != FPQ_DTYPE_FLOAT) {
			if (o < c->first)
				continue;
			return fpq_error(-ENOTSUP, "quantize: tensor '%.64s' is %s, not float",
					 name, fpq_dtype_name(t->dtype));
		}
		if (!finite_all(t->data, cnt))
			return fpq_error(-EINVAL, "quantize: tensor '%.64s' takes a value that is "
					 "not finite on %s", name, set);
		widen(&c->ranges[o], t->data, cnt);
	}
	return 0;
}

int qz_calibrate(struct fpq_context *ctx, const Onnx__ModelProto *model,
		 const char *const *taps, size_t n_taps, const struct fpq_tensor *sets,
		 unsigned int n_sets, const struct fpq_quantize_opts *opts,
		 struct qz_minmax *ranges, struct qz_minmax *input_ranges, uint64_t *samples)
{
	struct fpq_model_opts mopts = { .max_memory = opts ? opts->max_memory : 0 };
	struct calib c = { model->graph, taps, n_taps, (unsigned int)model->graph->n_output, ranges };
	struct qz_run_cb cb = { calib_outputs, &c, NULL, NULL, input_ranges, 0, NULL };
	struct qz_arena a = { 0 };
	struct fpq_model *fm = NULL;
	void *buf = NULL;
	size_t size = 0;
	int err;

	err = tapped_model(model, taps, n_taps, &a, &buf, &size);
	if (!err)
		err = fpq_model_load_memory(ctx, buf, size, &mopts, &fm);
	if (!err && fpq_model_num_outputs(fm) != c.first + n_taps)
		err = fpq_error(-EINVAL, "quantize: the calibration model has %u outputs, not %zu",
				fpq_model_num_outputs(fm), c.first + n_taps);
	if (!err)
		err = run_sets(fm, sets, n_sets, opts, &cb);
	*samples = cb.samples;
	fpq_model_free(fm);
	free(buf);
	qz_arena_free(&a);
	return err;
}

int qz_clamp_counts(struct fpq_model *fm, const struct fpq_tensor *sets, unsigned int n_sets,
		    const struct fpq_quantize_opts *opts, struct fpq_layer_stats *sum)
{
	unsigned int n_layers = fpq_model_num_layers(fm);
	struct fpq_layer_stats *stats = calloc(n_layers ? n_layers : 1, sizeof(*stats));
	struct qz_run_cb cb = { NULL, NULL, stats, sum, NULL, 0, NULL };
	int err;

	if (!stats)
		return fpq_error(-ENOMEM, "quantize: out of memory");
	err = run_sets(fm, sets, n_sets, opts, &cb);
	free(stats);
	return err;
}

struct compare {
	struct fpq_model *qm;
	const Onnx__GraphProto *g, *qg;
	const char *const *taps, *const *qtaps;
	size_t n_taps;
	double *signal, *noise;
	const struct qz_run_cb *cb;  /* its inputs: the batch the float model ran */
};

static int compare_outputs(void *arg, const struct fpq_tensor *out, unsigned int n_out,
			   const char *set)
{
	struct compare *c = arg;
	unsigned int qn = fpq_model_num_outputs(c->qm), n_in = fpq_model_num_inputs(c->qm);
	struct fpq_tensor *qout = calloc(qn ? qn : 1, sizeof(*qout));
	int err;

	(void)set;
	if (!qout)
		return fpq_error(-ENOMEM, "quantize: out of memory");
	err = fpq_model_run(c->qm, c->cb->inputs, n_in, qout, qn, NULL);
	for (size_t i = 0; !err && i < c->n_taps; i++) {
		size_t xo = tap_output(c->g, c->taps, i), qo = tap_output(c->qg, c->qtaps, i);
		const struct fpq_tensor *x = &out[xo], *q = &qout[qo];
		size_t n;

		if (xo >= n_out || qo >= qn) {
			err = fpq_error(-EINVAL, "quantize: tap %zu is missing", i);
			break;
		}
		n = elements(x);
		if ( x->dtype != FPQ_DTYPE_FLOAT ||
		    q->dtype != FPQ_DTYPE_FLOAT || elements(q) != n) {
			err = fpq_error(-EINVAL, "quantize: tap %zu of the quantized model does not "
					"match the float model's", i);
			break;
		}
		for (size_t e = 0; e < n; e++) {
			double a = ((const float *)x->data)[e], d = a - ((const float *)q->data)[e];

			c->signal[i] += a * a;
			c->noise[i] += d * d;
		}
	}
	for (unsigned int o = 0; o < qn; o++)
		free(qout[o].data);
	free(qout);
	return err;
}

int qz_compare(struct fpq_context *ctx, const Onnx__ModelProto *model, const void *qmodel,
	       size_t qsize, const char *const *taps, const char *const *qtaps, size_t n_taps,
	       const struct fpq_tensor *sets, unsigned int n_sets,
	       const struct fpq_quantize_opts *opts, double *signal, double *noise,
	       uint64_t *samples)
{
	struct fpq_model_opts mopts = { .max_memory = opts ? opts->max_memory : 0 };
	struct compare c = { NULL, model->graph, NULL, taps, qtaps, n_taps, signal, noise, NULL };
	struct qz_run_cb cb = { compare_outputs, &c, NULL, NULL, NULL, 0, NULL };
	Onnx__ModelProto *qm = onnx__model_proto__unpack(NULL, qsize, qmodel);
	struct qz_arena a = { 0 };
	struct fpq_model *fm = NULL;
	void *fbuf = NULL, *qbuf = NULL;
	size_t fsize = 0, qbsize = 0;
	int err;

	if (!qm || !qm->graph)
		return fpq_error(-EINVAL, "quantize: cannot read back the quantized model");
	c.cb = &cb;
	c.qg = qm->graph;
	err = tapped_model(model, taps, n_taps, &a, &fbuf, &fsize);
	if (!err)
		err = tapped_model(qm, qtaps, n_taps, &a, &qbuf, &qbsize);
	if (!err)
		err = fpq_model_load_memory(ctx, fbuf, fsize, &mopts, &fm);
	if (!err)
		err = fpq_model_load_memory(ctx, qbuf, qbsize, &mopts, &c.qm);
	if (!err)
		err = run_sets(fm, sets, n_sets, opts, &cb);
	*samples = cb.samples;
	fpq_model_free(fm);
	fpq_model_free(c.qm);
	free(fbuf);
	free(qbuf);
	onnx__model_proto__free_unpacked(qm, NULL);
	qz_arena_free(&a);
	return err;
}

struct top1 {
	uint32_t *classes;
	uint64_t n, cap;
};

static int top1_outputs(void *arg, const struct fpq_tensor *out, unsigned int n_out,
			const char *set)
{
	struct top1 *t = arg;
	const struct fpq_tensor *y = &out[0];
	uint64_t rows, cols;

	(void)set;
	if (!n_out || y->dtype != FPQ_DTYPE_FLOAT || y->ndim != 2 || y->dims[1] < 1)
		return fpq_error(-ENOTSUP, "quantize: the budget needs the model's output 0 to be "
				 "float [N, classes]");
	rows = (uint64_t)y->dims[0];
	cols = (uint64_t)y->dims[1];
	if (t->n + rows > t->cap) {
		uint64_t cap = (t->n + rows) * 2;
		uint32_t *c = realloc(t->classes, cap * sizeof(*c));

		if (!c)
			return fpq_error(-ENOMEM, "quantize: out of memory");
		t->classes = c;
		t->cap = cap;
	}
	for (uint64_t r = 0; r < rows; r++) {
		const float *v = (const float *)y->data + r * cols;
		uint32_t best = 0;

		for (uint64_t c = 1; c < cols; c++)
			if (v[c] > v[best])
				best = (uint32_t)c;
		t->classes[t->n++] = best;
	}
	return 0;
}

int qz_top1(struct fpq_context *ctx, const void *model, size_t size,
	    const struct fpq_tensor *sets, unsigned int n_sets,
	    const struct fpq_quantize_opts *opts, uint32_t **classes, uint64_t *count)
{
	struct fpq_model_opts mopts = { .max_memory = opts ? opts->max_memory : 0 };
	struct top1 t = { 0 };
	struct qz_run_cb cb = { top1_outputs, &t, NULL, NULL, NULL, 0, NULL };
	struct fpq_model *fm = NULL;
	int err = fpq_model_load_memory(ctx, model, size, &mopts, &fm);

	if (!err)
		err = run_sets(fm, sets, n_sets, opts, &cb);
	fpq_model_free(fm);
	if (err) {
		free(t.classes);
		return err;
	}
	*classes = t.classes;
	*count = t.n;
	return 0;
}
