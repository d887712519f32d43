// SPDX-License-Identifier: MIT
/*
 * op_norm.c - BatchNormalization (inference) in binary32, NHWC, for the ones the
 * batchnorm pass could not fold into a preceding Conv:
 * y = (x - mean) * (scale / sqrt(var + epsilon)) + B, with the factor per channel
 * computed once at load.
 */
#include <errno.h>
#include <inttypes.h>

#include "internal.h"
#include "ops.h"

struct bn_priv {
	float epsilon;
	int64_t c;
	float *mul, *add;   /* y = x * mul + add per channel */
};

static void bn_destroy(struct mg_graph *g, struct mg_node *n)
{
	struct bn_priv *p = n->priv;

	mg_free(g, p->mul);
	mg_free(g, p->add);
	mg_free(g, p);
	n->priv = NULL;
}

static int bn_parse(struct mg_graph *g, struct mg_node *n)
{
	struct bn_priv *p = mg_calloc(g, 1, sizeof(*p));
	float momentum;
	int64_t training;
	int err;

	if (!p)
		return -E2BIG;
	n->priv = p;
	err = mg_attr_float(g, n, "epsilon", 1e-5f, &p->epsilon);
	if (!err)
		err = mg_attr_float(g, n, "momentum", 0.9f, &momentum);
	if (!err)
		err = mg_attr_int(g, n, "training_mode", 0, &training);
	if (err)
		return err;
	if (training)
		return mg_node_error(n, -ENOTSUP, "training mode is not supported");
	if (n->n_out > 1)
		return mg_node_error(n, -ENOTSUP, "running mean/var outputs are not supported");
	return 0;
}

static int bn_infer(struct mg_graph *g, struct mg_node *n)
{
	struct mg_value *x = mg_in(g, n, 0);

	if (x->dtype != FPQ_DTYPE_FLOAT)
		return mg_node_error(n, -ENOTSUP, "takes float");
	if (x->rank >= 0 && x->rank != 4)
		return mg_node_error(n, -ENOTSUP, "input of rank %d (4-D)", x->rank);
	for (int i = 1; i < 5; i++) {
		struct mg_value *v = mg_in(g, n, i);

		if (v->dtype != FPQ_DTYPE_FLOAT || v->rank != 1 ||
		    (x->rank == 4 && x->dims[1] >= 0 && v->dims[0] != x->dims[1]))
			return mg_node_error(n, -EINVAL, "input %d must have one float per channel", i);
	}
	return mg_output_like(g, n, 0, 0);
}

static int bn_pack(struct mg_graph *g, struct mg_node *n)
{
	struct bn_priv *p = n->priv;
	const float *s, *b, *m, *v;

	for (int i = 1; i < 5; i++)
		if (!mg_const_data(g, n, i))
			return mg_node_error(n, -ENOTSUP, "scale, B, mean and var must be constant");
	p->c = mg_numel(mg_in(g, n, 1));
	s = mg_const_data(g, n, 1);
	b = mg_const_data(g, n, 2);
	m = mg_const_data(g, n, 3);
	v = mg_const_data(g, n, 4);
	p->mul = mg_calloc(g, (size_t)p->c, sizeof(float));
	p->add = mg_calloc(g, (size_t)p->c, sizeof(float));
	if (!p->mul || !p->add)
		return -E2BIG;
	for (int64_t c = 0; c < p->c; c++) {
		p->mul[c] = s[c] / sqrtf(v[c] + p->epsilon);
		p->add[c] = b[c] - m[c] * p->mul[c];
	}
	return 0;
}

static int bn_run(struct mg_exec *ex, struct mg_node *n)
{
	struct bn_priv *p = n->priv;
	struct mg_value *x = mg_in(ex->g, n, 0), *y = mg_out(ex->g, n, 0);
	const float *src = x->ptr;
	float *dst = y->ptr;
	const int64_t c = p->c, hw = x->dims[2] * x->dims[3], nb = x->dims[0];

	for (int64_t b = 0; b < nb; b++)
		for (int64_t i = 0; i < hw; i++) {
			const float *s = src + (b * hw + i) * c;
			float *d = dst + (b * hw + i) * c;

			for (int64_t ch = 0; ch < c; ch++)
				d[ch] = s[ch] * p->mul[ch] + p->add[ch];
		}
	return 0;
}

const struct mg_op mg_op_batch_normalization = {
	.name = "BatchNormalization", .domain = "", .min_in = 5, .max_in = 5, .min_out = 1,
	.max_out = 3, .flags = MG_OP_NHWC,
	.parse = bn_parse, .infer = bn_infer, .pack = bn_pack, .run = bn_run,
	.destroy = bn_destroy,
};
