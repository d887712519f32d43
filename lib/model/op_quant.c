// SPDX-License-Identifier: MIT
/*
 * op_quant.c - QuantizeLinear and DequantizeLinear, per tensor or per axis, with ONNX
 * Runtime's formulas: y = rne(clamp(x / scale, qmin - zp, qmax - zp)) + zp (a true
 * division, the clamp in binary32) and x = fp32(q - zp) * scale.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "internal.h"
#include "ops.h"

struct qdq_priv {
	int64_t axis;        /* as given (normalised at pack) */
	int64_t out_dtype;   /* QuantizeLinear opset 21: output_dtype, 0 if absent */
	struct mg_qparams q;
	int paxis;           /* the axis, normalised */
};

static void qdq_destroy(struct mg_graph *g, struct mg_node *n)
{
	struct qdq_priv *p = n->priv;

	mg_qparams_free(g, &p->q);
	mg_free(g, p);
	n->priv = NULL;
}

static int qdq_parse(struct mg_graph *g, struct mg_node *n)
{
	struct qdq_priv *p = mg_calloc(g, 1, sizeof(*p));
	int64_t sat, block;
	int err;

	if (!p)
		return -E2BIG;
	n->priv = p;
	err = mg_attr_int(g, n, "axis", 1, &p->axis);
	if (!err)
		err = mg_attr_int(g, n, "saturate", 1, &sat);
	if (!err)
		err = mg_attr_int(g, n, "block_size", 0, &block);
	if (!err && !strcmp(n->op_type, "QuantizeLinear"))
		err = mg_attr_int(g, n, "output_dtype", 0, &p->out_dtype);
	if (err)
		return err;
	if (block)
		return mg_node_error(n, -ENOTSUP, "blocked quantization (block_size %" PRId64 ") is "
				     "not supported", block);
	if (p->out_dtype && p->out_dtype != FPQ_DTYPE_INT8 && p->out_dtype != FPQ_DTYPE_UINT8)
		return mg_node_error(n, -ENOTSUP, "output_dtype %" PRId64 " is not supported",
				     p->out_dtype);
	return 0;
}

/* The quantized type: that of the zero point, else output_dtype, else uint8. */
static enum fpq_dtype q_type(struct mg_graph *g, struct mg_node *n)
{
	struct qdq_priv *p = n->priv;
	struct mg_value *z = mg_in(g, n, 2);

	if (z)
		return z->dtype;
	return p->out_dtype ? (enum fpq_dtype)p->out_dtype : FPQ_DTYPE_UINT8;
}

static int check_params(struct mg_graph *g, struct mg_node *n, struct mg_value *x)
{
	struct qdq_priv *p = n->priv;
	struct mg_value *s = mg_in(g, n, 1);
	struct mg_value *z = mg_in(g, n, 2);

	if (s->dtype != FPQ_DTYPE_FLOAT)
		return mg_node_error(n, -ENOTSUP, "the scale is %s (fpq takes float scales)",
				     fpq_dtype_name(s->dtype));
	if (s->rank > 1 || (z && z->rank > 1))
		return mg_node_error(n, -ENOTSUP, "blocked scales are not supported");
	if (z && s->rank >= 0 && z->rank >= 0 && mg_numel(s) >= 0 && mg_numel(z) >= 0 &&
	    mg_numel(s) != mg_numel(z))
		return mg_node_error(n, -EINVAL, "the scale and the zero point differ in size");
	if (s->rank == 1 && mg_numel(s) > 1 && x->rank >= 0) {
		int err = mg_axis(n, p->axis, x->rank, &p->paxis);

		if (err)
			return err;
		if (x->dims[p->paxis] >= 0 && s->dims[0] != x->dims[p->paxis])
			return mg_node_error(n, -EINVAL, "%" PRId64 " scales for axis %d of size %"
					     PRId64, s->dims[0], p->paxis, x->dims[p->paxis]);
	}
	return 0;
}

static int q_infer(struct mg_graph *g, struct mg_node *n)
{
	struct mg_value *x = mg_in(g, n, 0);
	enum fpq_dtype t = q_type(g, n);
	int err;

	if (x->dtype != FPQ_DTYPE_FLOAT)
		return mg_node_error(n, -ENOTSUP, "input is %s (fpq quantizes float)",
				     fpq_dtype_name(x->dtype));
	if (!mg_is_q8(t))
		return mg_node_error(n, -ENOTSUP, "quantizing to %s is not supported",
				     fpq_dtype_name(t));
	err = check_params(g, n, x);
	if (err)
		return err;
	return mg_set_output(g, n, 0, t, x->rank, x->dims);
}

static int dq_infer(struct mg_graph *g, struct mg_node *n)
{
	struct mg_value *x = mg_in(g, n, 0);
	struct mg_value *z = mg_in(g, n, 2);
	int err;

	if (!mg_is_q8(x->dtype) && x->dtype != FPQ_DTYPE_INT32)
		return mg_node_error(n, -ENOTSUP, "input is %s (fpq dequantizes int8, uint8 and int32)",
				     fpq_dtype_name(x->dtype));
	if (z && z->dtype != x->dtype)
		return mg_node_error(n, -EINVAL, "the zero point is %s, the input %s",
				     fpq_dtype_name(z->dtype), fpq_dtype_name(x->dtype));
	err = check_params(g, n, x);
	if (err)
		return err;
	return mg_set_output(g, n, 0, FPQ_DTYPE_FLOAT, x->rank, x->dims);
}

static int qdq_pack(struct mg_graph *g, struct mg_node *n)
{
	struct qdq_priv *p = n->priv;
	struct mg_value *x = mg_in(g, n, 0);
	bool is_q = !strcmp(n->op_type, "QuantizeLinear");
	int err;

	mg_qparams_free(g, &p->q);
	err = mg_qparams_read(g, n, 1, 2, is_q ? q_type(g, n) : x->dtype, &p->q);
	if (err)
		return err;
	if (!is_q && x->dtype == FPQ_DTYPE_INT32)
		for (int i = 0; i < p->q.count; i++)
			if (p->q.zero[i])
				return mg_node_error(n, -EINVAL, "an int32 zero point must be 0");
	if (p->q.count > 1) {
		err = mg_axis(n, p->axis, x->rank, &p->paxis);
		if (err)
			return err;
	}
	return 0;
}

/* Element i's channel along the quantization axis, in x's memory order. */
struct axis_walk {
	int64_t inner, channels;
};

static struct axis_walk axis_walk(const struct mg_value *x, const struct qdq_priv *p)
{
	struct axis_walk w = { 1, 1 };
	int64_t pd[MG_MAX_DIMS];
	int pa = p->paxis;

	if (p->q.count == 1)
		return w;
	mg_physical_dims(x, pd);
	if (x->nhwc && x->rank == 4)
		pa = mg_nhwc_axis(pa);
	for (int d = pa + 1; d < x->rank; d++)
		w.inner *= pd[d];
	w.channels = pd[pa];
	return w;
}

static int q_run(struct mg_exec *ex, struct mg_node *n)
{
	struct qdq_priv *p = n->priv;
	struct mg_value *x = mg_in(ex->g, n, 0), *y = mg_out(ex->g, n, 0);
	const float *src = x->ptr;
	int8_t *dst = y->ptr;
	int64_t total = mg_numel(x);
	struct axis_walk w = axis_walk(x, p);
	uint64_t clamped = 0;

	if (p->q.count == 1) {
		const float s = p->q.scale[0];
		const int32_t z = p->q.zero[0];

		for (int64_t i = 0; i < total; i++)
			dst[i] = mg_quantize(src[i], s, z, &clamped);
	} else {
		for (int64_t i = 0; i < total; i++) {
			int64_t c = (i / w.inner) % w.channels;

			dst[i] = mg_quantize(src[i], p->q.scale[c], p->q.zero[c], &clamped);
		}
	}
	ex->st->clamped += clamped;
	ex->st->saturated += clamped;
	return 0;
}

static int dq_run(struct mg_exec *ex, struct mg_node *n)
{
	struct qdq_priv *p = n->priv;
	struct mg_value *x = mg_in(ex->g, n, 0), *y = mg_out(ex->g, n, 0);
	float *dst = y->ptr;
	int64_t total = mg_numel(x);
	struct axis_walk w = axis_walk(x, p);

	if (x->dtype == FPQ_DTYPE_INT32) {
		const int32_t *src = x->ptr;

		for (int64_t i = 0; i < total; i++) {
			int64_t c = p->q.count == 1 ? 0 : (i / w.inner) % w.channels;

			dst[i] = (float)src[i] * p->q.scale[c];
		}
		return 0;
	}
	const int8_t *src = x->ptr;

	if (p->q.count == 1) {
		const float s = p->q.scale[0];
		const int32_t z = p->q.zero[0];

		for (int64_t i = 0; i < total; i++)
			dst[i] = (float)(src[i] - z) * s;
	} else {
		for (int64_t i = 0; i < total; i++) {
			int64_t c = (i / w.inner) % w.channels;

			dst[i] = (float)(src[i] - p->q.zero[c]) * p->q.scale[c];
		}
	}
	return 0;
}

const struct mg_op mg_op_quantize_linear = {
	.name = "QuantizeLinear", .domain = "",
	.min_in = 2, .max_in = 3, .min_out = 1, .max_out = 1,
	.flags = MG_OP_ELEMENTWISE,
	.parse = qdq_parse, .infer = q_infer, .pack = qdq_pack, .run = q_run,
	.destroy = qdq_destroy,
};

const struct mg_op mg_op_dequantize_linear = {
	.name = "DequantizeLinear", .domain = "",
	.min_in = 2, .max_in = 3, .min_out = 1, .max_out = 1,
	.flags = MG_OP_ELEMENTWISE,
	.parse = qdq_parse, .infer = dq_infer, .pack = qdq_pack, .run = dq_run,
	.destroy = qdq_destroy,
};
