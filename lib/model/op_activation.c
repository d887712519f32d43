// SPDX-License-Identifier: MIT
/*
 * op_activation.c - elementwise activations in binary32 (Relu, Clip, LeakyRelu,
 * Sigmoid, HardSigmoid, HardSwish) computed as ONNX Runtime's x86 kernels compute them,
 * and their 8-bit forms as 256-entry tables: QLinearSigmoid, QLinearLeakyRelu
 * (com.microsoft) and fpq's own Lut node, which the QDQ pass makes from
 * DequantizeLinear -> float activations -> QuantizeLinear. A table entry is ORT's:
 * dequantize fp32(x_scale * (code - x_zp)), the float function, MlasQuantizeLinear.
 */
#include <errno.h>
#include <float.h>
#include <inttypes.h>

#include "internal.h"
#include "ops.h"

enum act_kind { ACT_RELU, ACT_CLIP, ACT_LEAKY, ACT_SIGMOID, ACT_HSIGMOID, ACT_HSWISH };

struct act_priv {
	enum act_kind kind;
	float alpha, beta;     /* LeakyRelu alpha; HardSigmoid alpha, beta */
	float lo, hi;          /* Clip bounds */
	int8_t table[256];     /* 8-bit forms: output for stored input byte b at [b & 255] */
};

/* MlasComputeLogistic's FMA3 kernel (Eigen's rational approximation). */
static float logistic(float x)
{
	const float a9 = 4.37031012579801e-11f, a7 = 1.15627324459942e-07f;
	const float a5 = 6.08574864600143e-05f, a3 = 8.51377133304701e-03f;
	const float a1 = 2.48287947061529e-01f;
	const float b10 = 6.10247389755681e-13f, b8 = 5.76102136993427e-09f;
	const float b6 = 6.29106785017040e-06f, b4 = 1.70198817374094e-03f;
	const float b2 = 1.16817656904453e-01f, b0 = 9.93151921023180e-01f;
	float v, x2, p, q, r;

	/* vmaxps lower, x and vminps upper, v: a NaN input gives the bound's operand. */
	v = -18.0f > x ? -18.0f : x;
	v = 18.0f < v ? 18.0f : v;
	x2 = v * v;
	p = fmaf(x2, a9, a7);
	p = fmaf(x2, p, a5);
	p = fmaf(x2, p, a3);
	p = fmaf(x2, p, a1);
	q = fmaf(x2, b10, b8);
	q = fmaf(x2, q, b6);
	q = fmaf(x2, q, b4);
	q = fmaf(x2, q, b2);
	q = fmaf(x2, q, b0);
	p = v * p;
	r = p / q + 0.5f;
	return 0.0f > r ? 0.0f : r;
}

/* The float function of an activation, as ORT's kernels compute it. */
float mg_activation_eval(const struct mg_node *n, float x);

float mg_activation_eval(const struct mg_node *n, float x)
{
	const struct act_priv *p = n->priv;
	float h;

	switch (p->kind) {
	case ACT_RELU:
		return x > 0.0f ? x : 0.0f;
	case ACT_CLIP:
		return x < p->lo ? p->lo : x > p->hi ? p->hi : x;
	case ACT_LEAKY:
		return x >= 0.0f ? x : p->alpha * x;
	case ACT_SIGMOID:
		return logistic(x);
	case ACT_HSIGMOID:
		h = p->alpha * x + p->beta;
		return h < 1.0f ? (h > 0.0f ? h : 0.0f) : 1.0f;
	case ACT_HSWISH:
		/* ONNX's function body: x * HardSigmoid(x; alpha = 1/6, beta = 0.5). */
		h = (1.0f / 6.0f) * x + 0.5f;
		h = h < 1.0f ? (h > 0.0f ? h : 0.0f) : 1.0f;
		return x * h;
	}
	return x;
}

static void act_destroy(struct mg_graph *g, struct mg_node *n)
{
	mg_free(g, n->priv);
	n->priv = NULL;
}

static int act_parse(struct mg_graph *g, struct mg_node *n)
{
	struct act_priv *p = mg_calloc(g, 1, sizeof(*p));
	const char *t = n->op_type;
	int err = 0;

	if (!p)
		return -E2BIG;
	n->priv = p;
	p->lo = -FLT_MAX;
	p->hi = FLT_MAX;
	if (!strcmp(t, "Relu")) {
		p->kind = ACT_RELU;
	} else if (!strcmp(t, "Clip")) {
		p->kind = ACT_CLIP;
	} else if (!strcmp(t, "LeakyRelu") || !strcmp(t, "QLinearLeakyRelu")) {
		p->kind = ACT_LEAKY;
		err = mg_attr_float(g, n, "alpha", 0.01f, &p->alpha);
	} else if (!strcmp(t, "Sigmoid") || !strcmp(t, "QLinearSigmoid")) {
		p->kind = ACT_SIGMOID;
	} else if (!strcmp(t, "HardSigmoid")) {
		p->kind = ACT_HSIGMOID;
		err = mg_attr_float(g, n, "alpha", 0.2f, &p->alpha);
		if (!err)
			err = mg_attr_float(g, n, "beta", 0.5f, &p->beta);
	} else {
		p->kind = ACT_HSWISH;
	}
	return err;
}

static int act_infer(struct mg_graph *g, struct mg_node *n)
{
	struct mg_value *x = mg_in(g, n, 0);

	if (x->dtype != FPQ_DTYPE_FLOAT)
		return mg_node_error(n, -ENOTSUP, "input is %s (float; 8-bit models use Q/DQ pairs "
				     "or the QLinear forms)", fpq_dtype_name(x->dtype));
	return mg_output_like(g, n, 0, 0);
}

/* Clip's bounds are inputs since opset 11: constants only. */
static int clip_pack(struct mg_graph *g, struct mg_node *n)
{
	struct act_priv *p = n->priv;

	for (int i = 1; i <= 2; i++) {
		struct mg_value *v = mg_in(g, n, i);

		if (!v)
			continue;
		if (v->kind == MG_RUNTIME || !v->data)
			return mg_node_error(n, -ENOTSUP, "the bounds must be constant");
		if (v->dtype != FPQ_DTYPE_FLOAT || mg_numel(v) != 1)
			return mg_node_error(n, -EINVAL, "a bound must be one float");
		if (i == 1)
			p->lo = ((const float *)v->data)[0];
		else
			p->hi = ((const float *)v->data)[0];
	}
	return 0;
}

static int act_run(struct mg_exec *ex, struct mg_node *n)
{
	struct mg_value *x = mg_in(ex->g, n, 0), *y = mg_out(ex->g, n, 0);
	const float *src = x->ptr;
	float *dst = y->ptr;
	int64_t total = mg_numel(x);
	const struct act_priv *p = n->priv;
	uint64_t clamped = 0;

	if (p->kind == ACT_RELU) {
		for (int64_t i = 0; i < total; i++) {
			clamped += src[i] < 0.0f;
			dst[i] = src[i] > 0.0f ? src[i] : 0.0f;
		}
	} else if (p->kind == ACT_CLIP) {
		for (int64_t i = 0; i < total; i++) {
			float v = src[i], c = v < p->lo ? p->lo : v > p->hi ? p->hi : v;

			clamped += c != v;
			dst[i] = c;
		}
	} else {
		for (int64_t i = 0; i < total; i++)
			dst[i] = mg_activation_eval(n, src[i]);
	}
	ex->st->clamped += clamped;
	return 0;
}

#define ACT_OP(sym, nm, nin)                                                              \
	const struct mg_op mg_op_##sym = {                                                \
		.name = nm, .domain = "", .min_in = 1, .max_in = nin, .min_out = 1,        \
		.max_out = 1, .flags = MG_OP_ELEMENTWISE, .parse = act_parse,              \
		.infer = act_infer, .run = act_run, .destroy = act_destroy,               \
	}

ACT_OP(relu, "Relu", 1);
ACT_OP(leaky_relu, "LeakyRelu", 1);
ACT_OP(sigmoid, "Sigmoid", 1);
ACT_OP(hard_sigmoid, "HardSigmoid", 1);
ACT_OP(hard_swish, "HardSwish", 1);

const struct mg_op mg_op_clip = {
	.name = "Clip", .domain = "", .min_in = 1, .max_in = 3, .min_out = 1, .max_out = 1,
	.flags = MG_OP_ELEMENTWISE, .parse = act_parse, .infer = act_infer, .pack = clip_pack,
	.run = act_run, .destroy = act_destroy,
};

/* ---- 8-bit tables ---- */

static int lut_infer(struct mg_graph *g, struct mg_node *n)
{
	struct mg_value *x = mg_in(g, n, 0);

	if (!mg_is_q8(x->dtype))
		return mg_node_error(n, -ENOTSUP, "input is %s (8-bit)", fpq_dtype_name(x->dtype));
	if (strcmp(n->domain, "fpq")) {
		struct mg_value *yz = mg_in(g, n, 4);

		if (yz && yz->dtype != x->dtype)
			return mg_node_error(n, -EINVAL, "the output zero point has another type");
	}
	return mg_output_like(g, n, 0, 0);
}

/* QLinearSigmoid / QLinearLeakyRelu: X, X_scale, X_zp, Y_scale, Y_zp. */
static int qact_pack(struct mg_graph *g, struct mg_node *n)
{
	struct act_priv *p = n->priv;
	enum fpq_dtype t = mg_in(g, n, 0)->dtype;
	float xs, ys;
	int32_t xz, yz;
	int err;

	err = mg_qparams_scalar(g, n, 1, 2, t, &xs, &xz, NULL);
	if (!err)
		err = mg_qparams_scalar(g, n, 3, 4, t, &ys, &yz, NULL);
	if (err)
		return err;
	for (int s = -128; s < 128; s++) {
		float v = mg_activation_eval(n, xs * (float)(s - xz));

		p->table[s & 255] = mg_quantize(v, ys, yz, NULL);
	}
	return 0;
}

static int lut_run(struct mg_exec *ex, struct mg_node *n)
{
	const struct act_priv *p = n->priv;
	struct mg_value *x = mg_in(ex->g, n, 0), *y = mg_out(ex->g, n, 0);
	const uint8_t *src = x->ptr;
	int8_t *dst = y->ptr;
	int64_t total = mg_numel(x);

	for (int64_t i = 0; i < total; i++)
		dst[i] = p->table[src[i]];
	return 0;
}

int mg_lut_set(struct mg_graph *g, struct mg_node *n, const int8_t *table);

/* The QDQ pass fills a Lut node's table. */
int mg_lut_set(struct mg_graph *g, struct mg_node *n, const int8_t *table)
{
	struct act_priv *p = n->priv;

	(void)g;
	memcpy(p->table, table, sizeof(p->table));
	return 0;
}

static int lut_parse(struct mg_graph *g, struct mg_node *n)
{
	struct act_priv *p = mg_calloc(g, 1, sizeof(*p));

	if (!p)
		return -E2BIG;
	n->priv = p;
	return 0;
}

const struct mg_op mg_op_qlinear_sigmoid = {
	.name = "QLinearSigmoid", .domain = "com.microsoft", .min_in = 4, .max_in = 5,
	.min_out = 1, .max_out = 1, .flags = MG_OP_ELEMENTWISE, .parse = act_parse,
	.infer = lut_infer, .pack = qact_pack, .run = lut_run, .destroy = act_destroy,
};

const struct mg_op mg_op_qlinear_leaky_relu = {
	.name = "QLinearLeakyRelu", .domain = "com.microsoft", .min_in = 4, .max_in = 5,
	.min_out = 1, .max_out = 1, .flags = MG_OP_ELEMENTWISE, .parse = act_parse,
	.infer = lut_infer, .pack = qact_pack, .run = lut_run, .destroy = act_destroy,
};

/* fpq.Lut: an 8-bit input through a table built by the QDQ pass. */
const struct mg_op mg_op_lut = {
	.name = "Lut", .domain = "fpq", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	.flags = MG_OP_ELEMENTWISE, .parse = lut_parse, .infer = lut_infer, .run = lut_run,
	.destroy = act_destroy,
};
