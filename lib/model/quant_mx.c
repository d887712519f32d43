// SPDX-License-Identifier: MIT
/*
 * quant_mx.c - one float Conv, Gemm or MatMul rewritten as the MX layer fpq.MxConv /
 * fpq.MxGemm (op_mx.c; Documentation/models.rst, "MX and FP8 layers"): its weights
 * laid out [N, K] in the layer's K order, padded with zeros to a multiple of 32, and
 * MX-quantized by libfpq's fpq_quantize() (numerics.rst, "MX block quantization");
 * the bias stays binary32.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "quant.h"

enum fpq_format qz_mx_element(enum fpq_quant_format f)
{
	switch (f) {
	case FPQ_QUANT_E4M3:
		return FPQ_FMT_E4M3;
	case FPQ_QUANT_E5M2:
		return FPQ_FMT_E5M2;
	case FPQ_QUANT_E3M2:
		return FPQ_FMT_E3M2;
	case FPQ_QUANT_E2M3:
		return FPQ_FMT_E2M3;
	case FPQ_QUANT_E2M1:
		return FPQ_FMT_E2M1;
	case FPQ_QUANT_MXINT8:
		return FPQ_FMT_MXINT8;
	default:
		return FPQ_FMT_INVALID;
	}
}

static Onnx__AttributeProto *attr_new(struct qz_arena *a, const char *name, int type)
{
	Onnx__AttributeProto *at = qz_alloc(a, sizeof(*at));

	if (!at)
		return NULL;
	onnx__attribute_proto__init(at);
	at->name = (char *)name;
	at->has_type = 1;
	at->type = type;
	return at;
}

static Onnx__AttributeProto *attr_string(struct qz_arena *a, const char *name, const char *v)
{
	Onnx__AttributeProto *at = attr_new(a, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);

	if (!at)
		return NULL;
	at->has_s = 1;
	at->s.data = (uint8_t *)qz_strdup(a, v);
	at->s.len = strlen(v);
	return at->s.data ? at : NULL;
}

static Onnx__AttributeProto *attr_int(struct qz_arena *a, const char *name, int64_t v)
{
	Onnx__AttributeProto *at = attr_new(a, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);

	if (!at)
		return NULL;
	at->has_i = 1;
	at->i = v;
	return at;
}

static Onnx__AttributeProto *attr_ints(struct qz_arena *a, const char *name, size_t n,
				       const int64_t *v)
{
	Onnx__AttributeProto *at = attr_new(a, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);

	if (!at)
		return NULL;
	at->ints = qz_alloc(a, (n + 1) * sizeof(int64_t));
	if (!at->ints)
		return NULL;
	memcpy(at->ints, v, n * sizeof(int64_t));
	at->n_ints = n;
	return at;
}

int qz_mx_layer(struct qz_arena *a, const struct qz_mx_args *in, struct qz_mx_layer *out)
{
	const Onnx__NodeProto *n = in->node;
	bool conv = !strcmp(n->op_type, "Conv");
	size_t ch, k, kp, nblk, wrow;
	int64_t wshape[4];
	unsigned int rank = conv ? 4 : 2;
	float *wk;
	uint8_t *wq, *ws;
	struct fpq_matrix dst;
	int err;

	memset(out, 0, sizeof(*out));
	if (in->ndims != rank)
		return fpq_error(-ENOTSUP, "quantize: node '%.64s': the weight must be %u-D",
				 in->name, rank);
	if (conv) {
		memcpy(wshape, in->dims, sizeof(wshape));
	} else if (in->kn) {
		wshape[0] = in->dims[1];   /* [K, N] weights: the output channels are columns */
		wshape[1] = in->dims[0];
	} else {
		wshape[0] = in->dims[0];
		wshape[1] = in->dims[1];
	}
	ch = (size_t)wshape[0];
	k = 1;
	for (unsigned int d = 1; d < rank; d++)
		k *= (size_t)wshape[d];
	if (!ch || !k || k > ((size_t)1 << 20))
		return fpq_error(-ENOTSUP, "quantize: node '%.64s': K = %zu is not supported",
				 in->name, k);
	kp = (k + FPQ_MX_BLOCK - 1) / FPQ_MX_BLOCK * FPQ_MX_BLOCK;
	nblk = kp / FPQ_MX_BLOCK;
	wrow = fpq_row_bytes(in->wfmt, (uint32_t)kp);
	wk = qz_alloc(a, ch * kp * sizeof(float));
	wq = qz_alloc(a, ch * wrow);
	ws = qz_alloc(a, ch * nblk);
	if (!wk || !wq || !ws)
		return -ENOMEM;
	/* [N, K] in the layer's K order: (ky, kx, c) for a convolution, zeros after K. */
	for (size_t o = 0; o < ch; o++)
		for (size_t e = 0; e < k; e++) {
			float v;

			if (conv) {
				size_t cg = (size_t)wshape[1], kk = (size_t)(wshape[2] * wshape[3]);
				size_t t = e / cg, c = e % cg;

				v = in->w[(o * cg + c) * kk + t];
			} else {
				v = in->kn ? in->w[e * ch + o] : in->w[o * k + e];
			}
			wk[o * kp + e] = v;
		}
	dst = (struct fpq_matrix){ .format = in->wfmt, .rows = (uint32_t)ch, .cols = (uint32_t)kp,
				   .stride = wrow, .data = wq, .scales = ws, .scale_stride = nblk };
	err = fpq_quantize(wk, kp, &dst, 0, &out->stats);
	if (err)
		return err;
	{
		int64_t wd[2] = { (int64_t)ch, (int64_t)wrow }, sd[2] = { (int64_t)ch, (int64_t)nblk };
		const char *xin[4], *wq_name = qz_concat(a, in->wname, "_mx");
		const char *ws_name = qz_concat(a, in->wname, "_mx_scale");
		Onnx__NodeProto *m;
		size_t na = 0;

		if (!wq_name || !ws_name)
			return -ENOMEM;
		out->weights = qz_tensor(a, wq_name, ONNX__TENSOR_PROTO__DATA_TYPE__UINT8, 2, wd, wq,
					 ch * wrow);
		out->scales = qz_tensor(a, ws_name, ONNX__TENSOR_PROTO__DATA_TYPE__UINT8, 2, sd, ws,
					ch * nblk);
		xin[0] = n->input[0];
		xin[1] = wq_name;
		xin[2] = ws_name;
		xin[3] = in->bias;
		m = qz_node(a, conv ? "MxConv" : "MxGemm", n->name, xin, in->bias ? 4 : 3,
			    (const char *const *)n->output, 1);
		if (!out->weights || !out->scales || !m)
			return -ENOMEM;
		m->domain = (char *)"fpq";
		m->attribute = qz_alloc(a, (n->n_attribute + 5) * sizeof(*m->attribute));
		if (!m->attribute)
			return -ENOMEM;
		/* A convolution keeps its window; Gemm's attributes are the layout, done. */
		for (size_t i = 0; conv && i < n->n_attribute; i++)
			m->attribute[na++] = n->attribute[i];
		m->attribute[na++] = attr_string(a, "weight_format", fpq_format_name(in->wfmt));
		m->attribute[na++] = attr_string(a, "act_format", fpq_format_name(in->afmt));
		m->attribute[na++] = attr_int(a, "block_size", FPQ_MX_BLOCK);
		m->attribute[na++] = attr_ints(a, "weight_shape", rank, wshape);
		for (size_t i = 0; i < na; i++)
			if (!m->attribute[i])
				return -ENOMEM;
		m->n_attribute = na;
		out->node = m;
	}
	out->channels = ch;
	out->kp = kp;
	out->weight_bytes = ch * (wrow + nblk);
	return 0;
}
