// SPDX-License-Identifier: MIT
/*
 * corpus_gen.c - writes the fuzzer's seed corpus (tests/model/corpus/): small valid
 * models reaching every op family and pass, plus truncated and byte-mutated copies.
 * Run by hand (make model-corpus) when the set should change; the files are kept in
 * the tree so that every fuzzer run starts from the same seeds.
 *   corpus_gen DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_builder.h"
#include "rng.h"

#define T_FLOAT ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT
#define T_U8 ONNX__TENSOR_PROTO__DATA_TYPE__UINT8
#define T_I8 ONNX__TENSOR_PROTO__DATA_TYPE__INT8
#define T_I32 ONNX__TENSOR_PROTO__DATA_TYPE__INT32
#define T_I64 ONNX__TENSOR_PROTO__DATA_TYPE__INT64

static const char *dir;
static struct rng r;

static void save(struct mb *b, const char *name)
{
	size_t size;
	const uint8_t *bytes = mb_bytes(b, &size);
	char path[512];
	FILE *f;

	/* the model, a truncated copy and two mutants */
	for (int v = 0; v < 4; v++) {
		uint8_t *copy = malloc(size);
		size_t n = size;

		memcpy(copy, bytes, size);
		if (v == 1)
			n = size / 2;
		for (int k = 0; v >= 2 && k < v; k++)
			copy[rng_below(&r, (uint32_t)size)] ^= (uint8_t)(1u << rng_below(&r, 8));
		snprintf(path, sizeof(path), "%s/%s%s.onnx", dir, name,
			 v == 0 ? "" : v == 1 ? "-truncated" : v == 2 ? "-mutant1" : "-mutant2");
		f = fopen(path, "wb");
		if (!f || fwrite(copy, 1, n, f) != n) {
			perror(path);
			exit(1);
		}
		fclose(f);
		free(copy);
	}
	mb_free(b);
}

static void qparams(struct mb *b)
{
	mb_init_f(b, "s", 0.05f);
	mb_init_zp(b, "z", T_U8, 128);
	mb_init_zp(b, "wz", T_I8, 0);
	mb_init_f(b, "s2", 0.08f);
}

static void qdq_cnn(void)
{
	struct mb *b = mb_new(13, 0);
	int8_t w[4 * 3 * 3 * 3], dw[4 * 9], fc[10 * 4];
	Onnx__NodeProto *n;

	for (size_t i = 0; i < sizeof(w); i++)
		w[i] = (int8_t)rng_below(&r, 255);
	for (size_t i = 0; i < sizeof(dw); i++)
		dw[i] = (int8_t)rng_below(&r, 255);
	for (size_t i = 0; i < sizeof(fc); i++)
		fc[i] = (int8_t)rng_below(&r, 255);
	qparams(b);
	mb_input(b, "x", T_FLOAT, 4, (int64_t[]){ -1, 3, 8, 8 }, (const char *const[]){ "N" });
	mb_output(b, "y", T_FLOAT, 2, (int64_t[]){ -1, 10 });
	mb_init(b, "w", T_I8, 4, (int64_t[]){ 4, 3, 3, 3 }, w);
	mb_init(b, "dw", T_I8, 4, (int64_t[]){ 4, 1, 3, 3 }, dw);
	mb_init(b, "fc", T_I8, 2, (int64_t[]){ 4, 10 }, fc);
	mb_node(b, "QuantizeLinear", NULL, "q0", "x,s,z", "xq");
	mb_node(b, "DequantizeLinear", NULL, "d0", "xq,s,z", "xf");
	mb_node(b, "DequantizeLinear", NULL, "dw0", "w,s,wz", "wf");
	n = mb_node(b, "Conv", NULL, "c0", "xf,wf", "c0o");
	mb_attr_ints(b, n, "pads", 4, (int64_t[]){ 1, 1, 1, 1 });
	mb_node(b, "Relu", NULL, "r0", "c0o", "r0o");
	mb_node(b, "QuantizeLinear", NULL, "q1", "r0o,s,z", "aq");
	mb_node(b, "DequantizeLinear", NULL, "d1", "aq,s,z", "af");
	mb_node(b, "DequantizeLinear", NULL, "dw1", "dw,s,wz", "dwf");
	n = mb_node(b, "Conv", NULL, "c1", "af,dwf", "c1o");
	mb_attr_ints(b, n, "pads", 4, (int64_t[]){ 1, 1, 1, 1 });
	mb_attr_i(b, n, "group", 4);
	mb_node(b, "QuantizeLinear", NULL, "q2", "c1o,s,z", "bq");
	mb_node(b, "DequantizeLinear", NULL, "d2", "bq,s,z", "bf");
	mb_node(b, "Add", NULL, "add", "af,bf", "sum");
	mb_node(b, "QuantizeLinear", NULL, "q3", "sum,s2,z", "sq");
	mb_node(b, "DequantizeLinear", NULL, "d3", "sq,s2,z", "sf");
	n = mb_node(b, "MaxPool", NULL, "mp", "sf", "mpo");
	mb_attr_ints(b, n, "kernel_shape", 2, (int64_t[]){ 2, 2 });
	mb_attr_ints(b, n, "strides", 2, (int64_t[]){ 2, 2 });
	mb_node(b, "QuantizeLinear", NULL, "q4", "mpo,s2,z", "mq");
	mb_node(b, "DequantizeLinear", NULL, "d4", "mq,s2,z", "mf");
	mb_node(b, "GlobalAveragePool", NULL, "gap", "mf", "g");
	mb_node(b, "QuantizeLinear", NULL, "q5", "g,s,z", "gq");
	mb_node(b, "DequantizeLinear", NULL, "d5", "gq,s,z", "gf");
	mb_node(b, "Flatten", NULL, "flat", "gf", "fl");
	mb_node(b, "QuantizeLinear", NULL, "q6", "fl,s,z", "flq");
	mb_node(b, "DequantizeLinear", NULL, "d6", "flq,s,z", "flf");
	mb_node(b, "DequantizeLinear", NULL, "dfc", "fc,s,wz", "fcf");
	mb_node(b, "MatMul", NULL, "mm", "flf,fcf", "mmo");
	mb_node(b, "QuantizeLinear", NULL, "q7", "mmo,s2,z", "mmq");
	mb_node(b, "DequantizeLinear", NULL, "d7", "mmq,s2,z", "mmf");
	mb_node(b, "Sigmoid", NULL, "sig", "mmf", "sg");
	mb_node(b, "QuantizeLinear", NULL, "q8", "sg,s,z", "sgq");
	mb_node(b, "DequantizeLinear", NULL, "d8", "sgq,s,z", "y");
	save(b, "qdq_cnn");
}

static void qoperator(void)
{
	struct mb *b = mb_new(13, 1);
	uint8_t w[6 * 4];
	int32_t bias[6] = { 1, -2, 3, -4, 5, -6 };
	Onnx__NodeProto *n;

	for (size_t i = 0; i < sizeof(w); i++)
		w[i] = (uint8_t)(100 + rng_below(&r, 56));
	qparams(b);
	mb_input(b, "x", T_U8, 4, (int64_t[]){ 1, 4, 5, 5 }, NULL);
	mb_output(b, "y", T_U8, 2, (int64_t[]){ 1, 6 });
	mb_init(b, "w", T_U8, 4, (int64_t[]){ 6, 4, 1, 1 }, w);
	mb_init(b, "bias", T_I32, 1, (int64_t[]){ 6 }, bias);
	mb_init(b, "gw", T_U8, 2, (int64_t[]){ 6, 6 }, w);
	n = mb_node(b, "QLinearConv", NULL, "qc", "x,s,z,w,s,z,s,z,bias", "c");
	mb_attr_ints(b, n, "strides", 2, (int64_t[]){ 2, 2 });
	mb_node(b, "QLinearAdd", "com.microsoft", "qa", "c,s,z,c,s2,z,s,z", "a");
	mb_node(b, "QLinearMul", "com.microsoft", "qm", "a,s,z,c,s,z,s2,z", "m");
	mb_node(b, "QLinearLeakyRelu", "com.microsoft", "ql", "m,s2,z,s,z", "l");
	n = mb_node(b, "QLinearConcat", "com.microsoft", "qcat", "s,z,l,s,z,c,s2,z", "cat");
	mb_attr_i(b, n, "axis", 1);
	n = mb_node(b, "QLinearAveragePool", "com.microsoft", "qap", "cat,s,z,s,z", "ap");
	mb_attr_ints(b, n, "kernel_shape", 2, (int64_t[]){ 2, 2 });
	mb_node(b, "QLinearGlobalAveragePool", "com.microsoft", "qg", "ap,s,z,s,z", "g");
	mb_init(b, "shape", T_I64, 1, (int64_t[]){ 2 }, (int64_t[]){ 1, -1 });
	mb_node(b, "Reshape", NULL, "rs", "g,shape", "flat");
	mb_node(b, "Slice", NULL, "sl", "flat,st,en,ax", "fs");
	mb_init(b, "st", T_I64, 1, (int64_t[]){ 1 }, (int64_t[]){ 0 });
	mb_init(b, "en", T_I64, 1, (int64_t[]){ 1 }, (int64_t[]){ 6 });
	mb_init(b, "ax", T_I64, 1, (int64_t[]){ 1 }, (int64_t[]){ 1 });
	n = mb_node(b, "QGemm", "com.microsoft", "qg2", "fs,s,z,gw,s,z,,s,z", "y");
	mb_attr_i(b, n, "transB", 1);
	save(b, "qoperator");
}

static void float_ops(void)
{
	struct mb *b = mb_new(17, 0);
	float w[4 * 2 * 3 * 3], bn[4] = { 1, 0.5f, 2, 0.25f }, c[4] = { 0.1f, 0.2f, 0.3f, 0.4f };
	Onnx__NodeProto *n;

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		w[i] = (float)rng_below(&r, 100) / 50.0f - 1.0f;
	mb_input(b, "x", T_FLOAT, 4, (int64_t[]){ 1, 2, 6, 6 }, NULL);
	mb_output(b, "y", T_FLOAT, 2, (int64_t[]){ 1, -1 });
	mb_init(b, "w", T_FLOAT, 4, (int64_t[]){ 4, 2, 3, 3 }, w);
	mb_init(b, "g", T_FLOAT, 1, (int64_t[]){ 4 }, bn);
	mb_init(b, "be", T_FLOAT, 1, (int64_t[]){ 4 }, c);
	mb_init(b, "mu", T_FLOAT, 1, (int64_t[]){ 4 }, c);
	mb_init(b, "va", T_FLOAT, 1, (int64_t[]){ 4 }, bn);
	n = mb_node(b, "Conv", NULL, "conv", "x,w", "cv");
	mb_attr_s(b, n, "auto_pad", "SAME_UPPER");
	mb_node(b, "BatchNormalization", NULL, "bn", "cv,g,be,mu,va", "bno");
	mb_node(b, "HardSwish", NULL, "hs", "bno", "h");
	mb_init(b, "pads", T_I64, 1, (int64_t[]){ 8 }, (int64_t[]){ 0, 0, 1, 1, 0, 0, 1, 1 });
	mb_node(b, "Pad", NULL, "pad", "h,pads", "p");
	mb_init(b, "sizes", T_I64, 1, (int64_t[]){ 4 }, (int64_t[]){ 1, 4, 16, 16 });
	n = mb_node(b, "Resize", NULL, "rz", "p,,,sizes", "rz");
	mb_attr_s(b, n, "mode", "linear");
	n = mb_node(b, "AveragePool", NULL, "ap", "rz", "apo");
	mb_attr_ints(b, n, "kernel_shape", 2, (int64_t[]){ 3, 3 });
	mb_attr_ints(b, n, "strides", 2, (int64_t[]){ 2, 2 });
	n = mb_node(b, "Transpose", NULL, "tr", "apo", "t");
	mb_attr_ints(b, n, "perm", 4, (int64_t[]){ 0, 2, 3, 1 });
	/* PyTorch's flatten: Shape -> Gather -> Unsqueeze -> Concat -> Reshape */
	mb_node(b, "Shape", NULL, "shape", "t", "sh");
	mb_init(b, "zero", T_I64, 0, NULL, (int64_t[]){ 0 });
	n = mb_node(b, "Gather", NULL, "gather", "sh,zero", "n0");
	mb_attr_i(b, n, "axis", 0);
	mb_init(b, "axes0", T_I64, 1, (int64_t[]){ 1 }, (int64_t[]){ 0 });
	mb_node(b, "Unsqueeze", NULL, "unsq", "n0,axes0", "n1");
	mb_init(b, "minus1", T_I64, 1, (int64_t[]){ 1 }, (int64_t[]){ -1 });
	n = mb_node(b, "Concat", NULL, "cat", "n1,minus1", "newshape");
	mb_attr_i(b, n, "axis", 0);
	mb_node(b, "Reshape", NULL, "rs", "t,newshape", "flat");
	n = mb_node(b, "Softmax", NULL, "sm", "flat", "y");
	mb_attr_i(b, n, "axis", 1);
	save(b, "float_ops");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: corpus_gen DIR\n");
		return 2;
	}
	dir = argv[1];
	r = rng_seeded(2026);
	qdq_cnn();
	qoperator();
	float_ops();
	return 0;
}
