// SPDX-License-Identifier: MIT
/*
 * op_softmax.c - Softmax (opset 13: along one axis) in binary32: the maximum
 * subtracted, expf, the sum in order, a division.
 */
#include <errno.h>
#include <math.h>

#include "internal.h"
#include "ops.h"

struct softmax_priv {
	int64_t axis;
};

static void softmax_destroy(struct mg_graph *g, struct mg_node *n)
{
	mg_free(g, n->priv);
	n->priv = NULL;
}

static int softmax_parse(struct mg_graph *g, struct mg_node *n)
{
	struct softmax_priv *p = mg_calloc(g, 1, sizeof(*p));

	if (!p)
		return -E2BIG;
	n->priv = p;
	return mg_attr_int(g, n, "axis", -1, &p->axis);
}

static int softmax_infer(struct mg_graph *g, struct mg_node *n)
{
	struct softmax_priv *p = n->priv;
	struct mg_value *x = mg_in(g, n, 0);
	int axis;

	if (x->dtype != FPQ_DTYPE_FLOAT)
		return mg_node_error(n, -ENOTSUP, "takes float");
	if (x->rank < 0)
		return 0;
	if (x->rank == 0)
		return mg_node_error(n, -EINVAL, "takes a tensor of rank 1 or more");
	int err = mg_axis(n, p->axis, x->rank, &axis);

	if (err)
		return err;
	return mg_output_like(g, n, 0, 0);
}

static int softmax_run(struct mg_exec *ex, struct mg_node *n)
{
	struct softmax_priv *p = n->priv;
	struct mg_value *x = mg_in(ex->g, n, 0), *y = mg_out(ex->g, n, 0);
	int axis = (int)(p->axis < 0 ? p->axis + x->rank : p->axis);
	int64_t outer = 1, len = x->dims[axis], inner = 1;
	const float *src = x->ptr;
	float *dst = y->ptr;

	for (int d = 0; d < axis; d++)
		outer *= x->dims[d];
	for (int d = axis + 1; d < x->rank; d++)
		inner *= x->dims[d];
	for (int64_t o = 0; o < outer; o++)
		for (int64_t i = 0; i < inner; i++) {
			const float *s = src + o * len * inner + i;
			float *d = dst + o * len * inner + i;
			float mx = -INFINITY, sum = 0.0f;

			for (int64_t k = 0; k < len; k++)
				mx = s[k * inner] > mx ? s[k * inner] : mx;
			for (int64_t k = 0; k < len; k++) {
				d[k * inner] = expf(s[k * inner] - mx);
				sum += d[k * inner];
			}
			for (int64_t k = 0; k < len; k++)
				d[k * inner] /= sum;
		}
	return 0;
}

const struct mg_op mg_op_softmax = {
	.name = "Softmax", .domain = "", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	.parse = softmax_parse, .infer = softmax_infer, .run = softmax_run,
	.destroy = softmax_destroy,
};
