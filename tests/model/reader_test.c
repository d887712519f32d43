// SPDX-License-Identifier: MIT
/*
 * reader_test.c - a model file is untrusted input. Every kind of bad model (not a
 * protobuf, truncated at every length, wrong opsets and IR versions, external data,
 * undefined or twice-defined tensors, cycles, unknown ops and attributes, wrong types,
 * shapes that do not fit, huge dimensions, subgraphs) gets a negative errno and a
 * message naming the node or tensor; thousands of random mutations of a valid model
 * load or fail cleanly (the test runs under ASan and UBSan).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpq_model.h"
#include "harness.h"
#include "model_builder.h"
#include "rng.h"

#define T_FLOAT ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT
#define T_U8 ONNX__TENSOR_PROTO__DATA_TYPE__UINT8
#define T_I8 ONNX__TENSOR_PROTO__DATA_TYPE__INT8
#define T_I32 ONNX__TENSOR_PROTO__DATA_TYPE__INT32
#define T_I64 ONNX__TENSOR_PROTO__DATA_TYPE__INT64

static struct fpq_context *ctx;

static int load_bytes(const void *data, size_t size, struct fpq_model **out)
{
	struct fpq_model_opts opts = { .max_memory = 256u << 20 };
	struct fpq_model *m = NULL;
	int err = fpq_model_load_memory(ctx, data, size, &opts, &m);

	if (out)
		*out = m;
	else
		fpq_model_free(m);
	return err;
}

static int load(struct mb *b)
{
	size_t size;
	const uint8_t *bytes = mb_bytes(b, &size);

	return load_bytes(bytes, size, NULL);
}

/* y = Relu(x + c), x float [2, 3]. */
static struct mb *tiny(int64_t opset)
{
	struct mb *b = mb_new(opset, 0);
	float c[3] = { 1, -2, 3 };

	mb_input(b, "x", T_FLOAT, 2, (int64_t[]){ 2, 3 }, NULL);
	mb_output(b, "y", T_FLOAT, 2, (int64_t[]){ 2, 3 });
	mb_init(b, "c", T_FLOAT, 1, (int64_t[]){ 3 }, c);
	mb_node(b, "Add", NULL, "add", "x,c", "s");
	mb_node(b, "Relu", NULL, "relu", "s", "y");
	return b;
}

static bool has(const char *msg, const char *want)
{
	return !want || strstr(msg, want);
}

/* Expect err and a message containing want (NULL: any). */
#define EXPECT(b, code, want)                                                             \
	do {                                                                              \
		int e_ = load(b);                                                         \
		CHECK(e_ == (code), "%s: got %d (%s)", #code, e_, fpq_strerror(e_));      \
		CHECK(has(fpq_strerror(e_), want), "message '%s' lacks '%s'",             \
		      fpq_strerror(e_), (const char *)(want) ? (const char *)(want) : "");  \
	} while (0)

static void test_valid_tiny_runs(void)
{
	struct mb *b = tiny(13);
	size_t size;
	const uint8_t *bytes = mb_bytes(b, &size);
	struct fpq_model *m;
	float x[6] = { -5, 0, -1, 2, 3, -4 }, want[6] = { 0, 0, 2, 3, 1, 0 };
	struct fpq_tensor in = { .dtype = FPQ_DTYPE_FLOAT, .ndim = 2, .dims = { 2, 3 }, .data = x,
				 .size = sizeof(x) }, out = { 0 };
	int err = load_bytes(bytes, size, &m);

	CHECK(err == 0, "load: %s", fpq_strerror(err));
	if (!err) {
		err = fpq_model_run(m, &in, 1, &out, 1, NULL);
		CHECK(err == 0 && out.data && !memcmp(out.data, want, sizeof(want)),
		      "Relu(x + c): %s", fpq_strerror(err));
		free(out.data);
	}
	fpq_model_free(m);
	mb_free(b);
}

static void test_not_protobuf(void)
{
	static const char junk[] = "this is not an ONNX model at all, just text\n";
	uint8_t zeros[64] = { 0 };
	int err = load_bytes(junk, sizeof(junk), NULL);

	CHECK(err == -EINVAL && strstr(fpq_strerror(err), "not a valid ONNX model"),
	      "text: %s", fpq_strerror(err));
	err = load_bytes(zeros, 0, NULL);
	CHECK(err < 0, "an empty file is refused (%s)", fpq_strerror(err));
	err = load_bytes(zeros, sizeof(zeros), NULL);
	CHECK(err < 0, "zeros are refused (%s)", fpq_strerror(err));
	CHECK(fpq_model_load(ctx, "/nonexistent/model.onnx", NULL, &(struct fpq_model *){ 0 }) ==
	      -ENOENT, "a missing file is -ENOENT");
	CHECK(fpq_model_load(ctx, "/tmp", NULL, &(struct fpq_model *){ 0 }) == -EINVAL,
	      "a directory is refused");
}

/* Every prefix of a valid model: refused or loaded, never a crash. */
static void test_every_truncation(void)
{
	struct mb *b = tiny(13);
	size_t size;
	const uint8_t *bytes = mb_bytes(b, &size);
	int refused = 0;

	for (size_t n = 0; n < size; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		int err;

		memcpy(copy, bytes, n);
		err = load_bytes(copy, n, NULL);
		CHECK(err <= 0, "prefix %zu returned %d", n, err);
		refused += err < 0;
		free(copy);
	}
	CHECK(refused > (int)size / 2, "%d of %zu prefixes refused", refused, size);
	mb_free(b);
}

static void test_versions(void)
{
	struct mb *b = tiny(11);

	EXPECT(b, -ENOTSUP, "opset 11");
	mb_free(b);
	b = tiny(22);
	EXPECT(b, -ENOTSUP, "opset 22");
	mb_free(b);
	b = tiny(21);
	EXPECT(b, 0, NULL);
	mb_model(b)->has_ir_version = 0;
	EXPECT(b, -ENOTSUP, "IR version");
	mb_model(b)->has_ir_version = 1;
	mb_model(b)->ir_version = 99;
	EXPECT(b, -ENOTSUP, "IR version 99");
	mb_free(b);
}

static void test_external_data(void)
{
	struct mb *b = tiny(13);
	Onnx__TensorProto *t = mb_model(b)->graph->initializer[0];

	t->has_data_location = 1;
	t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
	EXPECT(b, -ENOTSUP, "external file");
	EXPECT(b, -ENOTSUP, "'c'");
	mb_free(b);
}

static void test_bad_tensors(void)
{
	struct mb *b = tiny(13);
	Onnx__TensorProto *t = mb_model(b)->graph->initializer[0];

	t->raw_data.len = 8; /* 3 floats need 12 bytes */
	EXPECT(b, -EINVAL, "8 bytes of data");
	t->raw_data.len = 12;
	t->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE;
	EXPECT(b, -ENOTSUP, "double");
	t->data_type = T_FLOAT;
	t->dims[0] = -3;
	EXPECT(b, -EINVAL, "invalid or huge shape");
	t->dims[0] = (int64_t)1 << 40;
	EXPECT(b, -EINVAL, "huge");
	t->dims[0] = 3;
	t->name = "";
	EXPECT(b, -EINVAL, "no name");
	mb_free(b);
}

static void test_graph_structure(void)
{
	struct mb *b = tiny(13);

	/* an input that is not defined */
	mb_model(b)->graph->node[1]->input[0] = "nowhere";
	EXPECT(b, -EINVAL, "'nowhere' is not defined");
	mb_free(b);

	b = tiny(13);
	mb_model(b)->graph->node[1]->output[0] = "s"; /* s produced twice */
	EXPECT(b, -EINVAL, "already defined");
	mb_free(b);

	b = tiny(13);
	mb_model(b)->graph->output[0]->name = "zz";
	EXPECT(b, -EINVAL, "'zz' is not computed");
	mb_free(b);

	/* a cycle: a = Relu(b), b = Relu(a), y = a + x */
	b = mb_new(13, 0);
	mb_input(b, "x", T_FLOAT, 1, (int64_t[]){ 4 }, NULL);
	mb_output(b, "y", T_FLOAT, 1, (int64_t[]){ 4 });
	mb_node(b, "Relu", NULL, "r1", "bb", "aa");
	mb_node(b, "Relu", NULL, "r2", "aa", "bb");
	mb_node(b, "Add", NULL, "add", "aa,x", "y");
	EXPECT(b, -EINVAL, "cycle");
	mb_free(b);

	/* a node reading its own output */
	b = mb_new(13, 0);
	mb_input(b, "x", T_FLOAT, 1, (int64_t[]){ 4 }, NULL);
	mb_output(b, "y", T_FLOAT, 1, (int64_t[]){ 4 });
	mb_node(b, "Add", NULL, "self", "x,y", "y");
	EXPECT(b, -EINVAL, "cycle");
	mb_free(b);

	b = tiny(13);
	mb_model(b)->graph->n_output = 0;
	EXPECT(b, -EINVAL, "no outputs");
	mb_free(b);

	b = tiny(13);
	mb_model(b)->graph = NULL;
	EXPECT(b, -EINVAL, "no graph");
	mb_free(b);
}

static void test_unsupported(void)
{
	struct mb *b = tiny(13);
	Onnx__NodeProto *n;

	mb_model(b)->graph->node[1]->op_type = "Frobnicate";
	EXPECT(b, -ENOTSUP, "Frobnicate is not supported");
	EXPECT(b, -ENOTSUP, "'relu'");
	mb_free(b);

	b = tiny(13);
	mb_attr_i(b, mb_model(b)->graph->node[1], "colour", 3);
	EXPECT(b, -ENOTSUP, "attribute 'colour' is not supported");
	mb_free(b);

	b = tiny(13);
	mb_model(b)->graph->node[1]->domain = "org.example";
	EXPECT(b, -ENOTSUP, "org.example");
	mb_free(b);

	b = tiny(13);
	mb_model(b)->graph->node[1]->op_type = "Lut";
	mb_model(b)->graph->node[1]->domain = "fpq";
	EXPECT(b, -ENOTSUP, "internal");
	mb_free(b);

	/* com.microsoft ops need the import */
	b = mb_new(13, 0);
	mb_input(b, "x", T_U8, 1, (int64_t[]){ 4 }, NULL);
	mb_output(b, "y", T_U8, 1, (int64_t[]){ 4 });
	mb_init_f(b, "s", 0.1f);
	mb_init_zp(b, "z", T_U8, 128);
	mb_node(b, "QLinearSigmoid", "com.microsoft", "sig", "x,s,z,s,z", "y");
	EXPECT(b, -EINVAL, "does not import");
	mb_free(b);

	/* control flow: a subgraph attribute */
	b = tiny(13);
	n = mb_model(b)->graph->node[1];
	{
		Onnx__AttributeProto *a = calloc(1, sizeof(*a));
		Onnx__AttributeProto **list = calloc(1, sizeof(*list));
		Onnx__GraphProto *sub = calloc(1, sizeof(*sub));

		onnx__attribute_proto__init(a);
		onnx__graph_proto__init(sub);
		a->name = "then_branch";
		a->has_type = 1;
		a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH;
		a->g = sub;
		list[0] = a;
		n->n_attribute = 1;
		n->attribute = list;
		EXPECT(b, -ENOTSUP, "subgraph");
		n->n_attribute = 0;
		n->attribute = NULL;
		free(list);
		free(a);
		free(sub);
	}
	mb_free(b);
}

static void test_types_and_shapes(void)
{
	struct mb *b = mb_new(13, 0);

	/* float Conv on an int32 input */
	mb_input(b, "x", T_I32, 4, (int64_t[]){ 1, 1, 4, 4 }, NULL);
	mb_output(b, "y", T_FLOAT, 4, (int64_t[]){ 1, 1, 4, 4 });
	mb_init(b, "w", T_FLOAT, 4, (int64_t[]){ 1, 1, 1, 1 }, (float[]){ 1 });
	mb_node(b, "Conv", NULL, "conv", "x,w", "y");
	EXPECT(b, -ENOTSUP, "'conv'");
	mb_free(b);

	/* shapes that do not broadcast */
	b = mb_new(13, 0);
	mb_input(b, "x", T_FLOAT, 2, (int64_t[]){ 2, 3 }, NULL);
	mb_output(b, "y", T_FLOAT, 2, (int64_t[]){ 2, 3 });
	mb_init(b, "c", T_FLOAT, 1, (int64_t[]){ 4 }, (float[]){ 1, 2, 3, 4 });
	mb_node(b, "Add", NULL, "add", "x,c", "y");
	EXPECT(b, -EINVAL, "broadcast");
	mb_free(b);

	/* weights that do not fit the input's channels */
	b = mb_new(13, 0);
	mb_input(b, "x", T_FLOAT, 4, (int64_t[]){ 1, 3, 4, 4 }, NULL);
	mb_output(b, "y", T_FLOAT, 4, (int64_t[]){ 1, 2, 4, 4 });
	mb_init(b, "w", T_FLOAT, 4, (int64_t[]){ 2, 2, 1, 1 }, (float[]){ 1, 2, 3, 4 });
	mb_node(b, "Conv", NULL, "conv", "x,w", "y");
	EXPECT(b, -EINVAL, "channels");
	mb_free(b);

	/* a declared output type the graph does not compute */
	b = tiny(13);
	mb_model(b)->graph->output[0]->type->tensor_type->elem_type = T_I8;
	EXPECT(b, -EINVAL, "declared int8");
	mb_free(b);

	/* huge dimensions: an input of 2^40 elements */
	b = mb_new(13, 0);
	mb_input(b, "x", T_FLOAT, 2, (int64_t[]){ 1 << 20, 1 << 20 }, NULL);
	mb_output(b, "y", T_FLOAT, 2, (int64_t[]){ 1 << 20, 1 << 20 });
	mb_node(b, "Relu", NULL, "relu", "x", "y");
	EXPECT(b, -E2BIG, NULL);
	mb_free(b);

	/* a Reshape to more than the elements there are */
	b = mb_new(13, 0);
	mb_input(b, "x", T_FLOAT, 1, (int64_t[]){ 6 }, NULL);
	mb_output(b, "y", T_FLOAT, 2, (int64_t[]){ 4, 4 });
	mb_init(b, "shape", T_I64, 1, (int64_t[]){ 2 }, (int64_t[]){ 4, 4 });
	mb_node(b, "Reshape", NULL, "reshape", "x,shape", "y");
	EXPECT(b, -EINVAL, "'reshape'");
	mb_free(b);

	/* a ConstantOfShape far larger than the memory limit */
	b = mb_new(13, 0);
	mb_input(b, "x", T_FLOAT, 1, (int64_t[]){ 1 }, NULL);
	mb_output(b, "y", T_FLOAT, 2, (int64_t[]){ 30000, 30000 });
	mb_init(b, "shape", T_I64, 1, (int64_t[]){ 2 }, (int64_t[]){ 30000, 30000 });
	mb_node(b, "ConstantOfShape", NULL, "big", "shape", "c");
	mb_node(b, "Add", NULL, "add", "c,x", "y");
	EXPECT(b, -E2BIG, NULL);
	mb_free(b);

	/* a quantized convolution whose weights - zero point leave int8 */
	b = mb_new(13, 0);
	mb_input(b, "x", T_U8, 4, (int64_t[]){ 1, 1, 2, 2 }, NULL);
	mb_output(b, "y", T_U8, 4, (int64_t[]){ 1, 1, 2, 2 });
	mb_init_f(b, "s", 0.1f);
	mb_init_zp(b, "z", T_U8, 128);
	mb_init(b, "w", T_U8, 4, (int64_t[]){ 1, 1, 1, 1 }, (uint8_t[]){ 255 });
	mb_init_zp(b, "wz", T_U8, 0);
	mb_node(b, "QLinearConv", NULL, "qconv", "x,s,z,w,s,wz,s,z", "y");
	EXPECT(b, -ENOTSUP, "does not fit int8");
	mb_free(b);

	/* a zero scale */
	b = mb_new(13, 0);
	mb_input(b, "x", T_FLOAT, 1, (int64_t[]){ 4 }, NULL);
	mb_output(b, "y", T_U8, 1, (int64_t[]){ 4 });
	mb_init_f(b, "s", 0.0f);
	mb_init_zp(b, "z", T_U8, 128);
	mb_node(b, "QuantizeLinear", NULL, "q", "x,s,z", "y");
	EXPECT(b, -EINVAL, "must be positive");
	mb_free(b);
}

/* Random byte mutations of a valid QDQ model: load (and run) or fail, cleanly. */
static void test_mutations(void)
{
	struct mb *b = mb_new(13, 0);
	struct rng r = rng_seeded(0xbad);
	int8_t w[2 * 3 * 3 * 3];
	size_t size;
	const uint8_t *bytes;
	int loaded = 0, refused = 0;
	Onnx__NodeProto *n;

	for (size_t i = 0; i < sizeof(w); i++)
		w[i] = (int8_t)(i * 7 - 20);
	mb_input(b, "x", T_FLOAT, 4, (int64_t[]){ 1, 3, 5, 5 }, NULL);
	mb_output(b, "y", T_FLOAT, 4, (int64_t[]){ 1, 2, 5, 5 });
	mb_init_f(b, "s", 0.05f);
	mb_init_zp(b, "z", T_U8, 128);
	mb_init_zp(b, "wz", T_I8, 0);
	mb_init(b, "w", T_I8, 4, (int64_t[]){ 2, 3, 3, 3 }, w);
	mb_node(b, "QuantizeLinear", NULL, "q", "x,s,z", "xq");
	mb_node(b, "DequantizeLinear", NULL, "dq", "xq,s,z", "xf");
	mb_node(b, "DequantizeLinear", NULL, "dqw", "w,s,wz", "wf");
	n = mb_node(b, "Conv", NULL, "conv", "xf,wf", "c");
	mb_attr_ints(b, n, "pads", 4, (int64_t[]){ 1, 1, 1, 1 });
	mb_node(b, "Relu", NULL, "relu", "c", "r");
	mb_node(b, "QuantizeLinear", NULL, "qo", "r,s,z", "rq");
	mb_node(b, "DequantizeLinear", NULL, "dqo", "rq,s,z", "y");
	bytes = mb_bytes(b, &size);
	for (int it = 0; it < 3000; it++) {
		uint8_t *copy = malloc(size);
		int flips = 1 + (int)rng_below(&r, 4), err;
		struct fpq_model *m;

		memcpy(copy, bytes, size);
		for (int f = 0; f < flips; f++) {
			size_t at = rng_below(&r, (uint32_t)size);

			switch (rng_below(&r, 3)) {
			case 0: copy[at] ^= (uint8_t)(1u << rng_below(&r, 8)); break;
			case 1: copy[at] = (uint8_t)rng_below(&r, 256); break;
			default: copy[at] = 0xff; break;
			}
		}
		err = load_bytes(copy, size, &m);
		CHECK(err <= 0, "mutant %d returned %d", it, err);
		if (!err) {
			struct fpq_tensor_info ti;
			float x[75] = { 0 };
			struct fpq_tensor in = { 0 }, out = { 0 };

			loaded++;
			if (fpq_model_num_inputs(m) == 1 && !fpq_model_input(m, 0, &ti) &&
			    ti.dtype == FPQ_DTYPE_FLOAT) {
				int64_t count = 1;

				in.dtype = ti.dtype;
				in.ndim = ti.ndim;
				for (unsigned int d = 0; d < ti.ndim; d++) {
					in.dims[d] = ti.dims[d] < 0 ? 1 : ti.dims[d];
					count *= in.dims[d];
				}
				in.data = x;
				in.size = sizeof(x);
				if (count <= 75 && fpq_model_num_outputs(m) == 1) {
					err = fpq_model_run(m, &in, 1, &out, 1, NULL);
					CHECK(err <= 0, "mutant %d run returned %d", it, err);
					free(out.data);
				}
			}
			fpq_model_free(m);
		} else {
			refused++;
		}
		free(copy);
	}
	CHECK(refused > 100 && loaded > 100, "%d mutants refused, %d loaded", refused, loaded);
	mb_free(b);
}

int main(void)
{
	struct fpq_context_opts o = { .backend = FPQ_BACKEND_CPU, .num_threads = 1 };
	int err = fpq_context_create(&o, &ctx);

	if (err) {
		printf("no CPU context: %s\n", fpq_strerror(err));
		return 1;
	}
	RUN(test_valid_tiny_runs);
	RUN(test_not_protobuf);
	RUN(test_every_truncation);
	RUN(test_versions);
	RUN(test_external_data);
	RUN(test_bad_tensors);
	RUN(test_graph_structure);
	RUN(test_unsupported);
	RUN(test_types_and_shapes);
	RUN(test_mutations);
	fpq_context_destroy(ctx);
	return harness_report();
}
