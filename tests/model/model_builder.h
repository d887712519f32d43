/* SPDX-License-Identifier: MIT */
/*
 * model_builder.h - ONNX models built in C for the model layer's tests: protobuf-c's
 * structs filled in and serialized, so that a test states exactly the graph it runs
 * (and can write malformed ones).
 */
#ifndef FPQ_TEST_MODEL_BUILDER_H
#define FPQ_TEST_MODEL_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include "onnx.pb-c.h"

struct mb;

/* A model importing ai.onnx at opset (and com.microsoft version 1 when ms). */
struct mb *mb_new(int64_t opset, int ms);
void mb_free(struct mb *b);
/* Import another operator set domain (e.g. "fpq" version 1). */
void mb_import(struct mb *b, const char *domain, int64_t version);

/* Graph inputs/outputs; dims -1 with a dim_params name (or NULL) is dynamic. */
void mb_input(struct mb *b, const char *name, int dtype, int ndim, const int64_t *dims,
	      const char *const *dim_params);
void mb_output(struct mb *b, const char *name, int dtype, int ndim, const int64_t *dims);
/* An initializer with raw data (uint8 given as the codes). */
void mb_init(struct mb *b, const char *name, int dtype, int ndim, const int64_t *dims,
	     const void *data);
/* Scalar initializers. */
void mb_init_f(struct mb *b, const char *name, float v);
void mb_init_zp(struct mb *b, const char *name, int dtype, int v);

/* A node; inputs and outputs as comma-separated names ("" for an absent input). */
Onnx__NodeProto *mb_node(struct mb *b, const char *op, const char *domain, const char *name,
			 const char *inputs, const char *outputs);
void mb_attr_i(struct mb *b, Onnx__NodeProto *n, const char *name, int64_t v);
void mb_attr_f(struct mb *b, Onnx__NodeProto *n, const char *name, float v);
void mb_attr_s(struct mb *b, Onnx__NodeProto *n, const char *name, const char *v);
void mb_attr_ints(struct mb *b, Onnx__NodeProto *n, const char *name, int count,
		  const int64_t *v);

/* The serialized model (owned by b). */
const uint8_t *mb_bytes(struct mb *b, size_t *size);
/* Direct access for tests that break the model on purpose. */
Onnx__ModelProto *mb_model(struct mb *b);

#endif /* FPQ_TEST_MODEL_BUILDER_H */
