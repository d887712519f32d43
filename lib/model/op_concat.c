// SPDX-License-Identifier: MIT
/*
 * op_concat.c - Concat (any type; in NHWC along the channel axis's memory position) and
 * QLinearConcat (com.microsoft): an input whose scale and zero point equal the
 * output's is copied, any other goes through ONNX Runtime's 256-entry table
 * (dequantize, then MlasQuantizeLinear with the output's parameters).
 */
#include <errno.h>
#include <inttypes.h>

#include "internal.h"
#include "ops.h"

struct concat_priv {
	int64_t axis;
	int n_x;                 /* tensors concatenated */
	bool *copy;              /* QLinearConcat: per input, a plain copy */
	int8_t (*table)[256];    /* QLinearConcat: per input */
};

static void concat_destroy(struct mg_graph *g, struct mg_node *n)
{
	struct concat_priv *p = n->priv;

	mg_free(g, p->copy);
	mg_free(g, p->table);
	mg_free(g, p);
	n->priv = NULL;
}

static bool quantized(const struct mg_node *n)
{
	return !strcmp(n->op_type, "QLinearConcat");
}

/* Input index of tensor i. */
static int x_index(const struct mg_node *n, int i)
{
	return quantized(n) ? 2 + 3 * i : i;
}

static int concat_parse(struct mg_graph *g, struct mg_node *n)
{
	struct concat_priv *p = mg_calloc(g, 1, sizeof(*p));
	int err;

	if (!p)
		return -E2BIG;
	n->priv = p;
	err = mg_attr_int(g, n, "axis", INT64_MIN, &p->axis);
	if (err)
		return err;
	if (p->axis == INT64_MIN)
		return mg_node_error(n, -EINVAL, "axis is required");
	if (quantized(n)) {
		if (n->n_in < 5 || (n->n_in - 2) % 3)
			return mg_node_error(n, -EINVAL, "inputs must be Y_scale, Y_zero_point and "
					     "(X, X_scale, X_zero_point) triples");
		p->n_x = (n->n_in - 2) / 3;
	} else {
		p->n_x = n->n_in;
	}
	for (int i = 0; i < p->n_x; i++)
		if (n->in[x_index(n, i)] < 0)
			return mg_node_error(n, -EINVAL, "input %d is missing", x_index(n, i));
	return 0;
}

static int concat_infer(struct mg_graph *g, struct mg_node *n)
{
	struct concat_priv *p = n->priv;
	struct mg_value *x0 = mg_in(g, n, x_index(n, 0));
	int64_t od[MG_MAX_DIMS];
	int axis, err;
	enum fpq_dtype t = x0->dtype;

	if (quantized(n)) {
		struct mg_value *yz = mg_in(g, n, 1);

		t = yz ? yz->dtype : FPQ_DTYPE_UINT8;
		if (!mg_is_q8(t))
			return mg_node_error(n, -ENOTSUP, "output type %s", fpq_dtype_name(t));
	}
	for (int i = 0; i < p->n_x; i++) {
		struct mg_value *x = mg_in(g, n, x_index(n, i));

		if (x->rank < 0)
			return 0;
		if (x->dtype != (quantized(n) ? t : x0->dtype))
			return mg_node_error(n, -EINVAL, "input %d is %s", x_index(n, i),
					     fpq_dtype_name(x->dtype));
		if (x->rank != x0->rank)
			return mg_node_error(n, -EINVAL, "inputs of ranks %d and %d", x0->rank, x->rank);
	}
	err = mg_axis(n, p->axis, x0->rank, &axis);
	if (err)
		return err;
	for (int d = 0; d < x0->rank; d++)
		od[d] = x0->dims[d];
	od[axis] = 0;
	for (int i = 0; i < p->n_x; i++) {
		struct mg_value *x = mg_in(g, n, x_index(n, i));

		for (int d = 0; d < x0->rank; d++) {
			if (d == axis)
				continue;
			if (x->dims[d] >= 0 && od[d] >= 0 && x->dims[d] != od[d])
				return mg_node_error(n, -EINVAL, "input %d differs in dimension %d",
						     x_index(n, i), d);
			if (od[d] < 0)
				od[d] = x->dims[d];
		}
		od[axis] = x->dims[axis] < 0 || od[axis] < 0 ? -1 : od[axis] + x->dims[axis];
		if (od[axis] > MG_MAX_ELEMS)
			return mg_node_error(n, -E2BIG, "the output is too large");
	}
	return mg_set_output(g, n, 0, t, x0->rank, od);
}

static int qconcat_pack(struct mg_graph *g, struct mg_node *n)
{
	struct concat_priv *p = n->priv;
	enum fpq_dtype t = mg_out(g, n, 0)->dtype;
	float ys;
	int32_t yz;
	int err;

	err = mg_qparams_scalar(g, n, 0, 1, t, &ys, &yz, NULL);
	if (err)
		return err;
	p->copy = mg_calloc(g, (size_t)p->n_x, sizeof(bool));
	p->table = mg_calloc(g, (size_t)p->n_x, sizeof(*p->table));
	if (!p->copy || !p->table)
		return -E2BIG;
	for (int i = 0; i < p->n_x; i++) {
		float xs;
		int32_t xz;
		int xi = x_index(n, i);

		err = mg_qparams_scalar(g, n, xi + 1, xi + 2, t, &xs, &xz, NULL);
		if (err)
			return err;
		p->copy[i] = xs == ys && xz == yz;
		for (int s = -128; s < 128; s++)
			p->table[i][s & 255] = mg_quantize(xs * (float)(s - xz), ys, yz, NULL);
	}
	return 0;
}

static int concat_run(struct mg_exec *ex, struct mg_node *n)
{
	struct concat_priv *p = n->priv;
	struct mg_value *y = mg_out(ex->g, n, 0);
	int64_t pd[MG_MAX_DIMS], outer = 1, y_inner;
	int axis = (int)(p->axis < 0 ? p->axis + y->rank : p->axis);
	size_t es = mg_dtype_size(y->dtype);
	int64_t off = 0;

	if (y->nhwc && y->rank == 4)
		axis = mg_nhwc_axis(axis);
	mg_physical_dims(y, pd);
	for (int d = 0; d < axis; d++)
		outer *= pd[d];
	y_inner = 1;
	for (int d = axis; d < y->rank; d++)
		y_inner *= pd[d];
	for (int i = 0; i < p->n_x; i++) {
		struct mg_value *x = mg_in(ex->g, n, x_index(n, i));
		int64_t xd[MG_MAX_DIMS], x_inner = 1;

		mg_physical_dims(x, xd);
		for (int d = axis; d < x->rank; d++)
			x_inner *= xd[d];
		for (int64_t o = 0; o < outer; o++) {
			const uint8_t *src = (const uint8_t *)x->ptr + (size_t)(o * x_inner) * es;
			uint8_t *dst = (uint8_t *)y->ptr + (size_t)(o * y_inner + off) * es;

			if (!quantized(n) || p->copy[i]) {
				memcpy(dst, src, (size_t)x_inner * es);
			} else {
				for (int64_t k = 0; k < x_inner; k++)
					dst[k] = (uint8_t)p->table[i][src[k]];
			}
		}
		off += x_inner;
	}
	return 0;
}

const struct mg_op mg_op_concat = {
	.name = "Concat", .domain = "", .min_in = 1, .max_in = 4096, .min_out = 1, .max_out = 1,
	.data_inputs = ~0u, .flags = MG_OP_LAYOUT_AXIS, .parse = concat_parse, .infer = concat_infer,
	.run = concat_run, .destroy = concat_destroy,
};

const struct mg_op mg_op_qlinear_concat = {
	.name = "QLinearConcat", .domain = "com.microsoft", .min_in = 5, .max_in = 4096,
	.min_out = 1, .max_out = 1, .flags = MG_OP_LAYOUT_AXIS, .parse = concat_parse,
	.infer = concat_infer, .pack = qconcat_pack, .run = concat_run, .destroy = concat_destroy,
};
