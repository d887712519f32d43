// SPDX-License-Identifier: MIT
/*
 * model_builder.c - see model_builder.h. Everything the builder allocates is kept on
 * one list and freed by mb_free(); protobuf-c only serializes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_builder.h"

struct mb {
	Onnx__ModelProto model;
	Onnx__GraphProto graph;
	void **allocs;
	size_t n_allocs, cap_allocs;
	uint8_t *bytes;
	size_t size;
};

static void *keep(struct mb *b, void *p)
{
	if (!p) {
		fprintf(stderr, "model_builder: out of memory\n");
		abort();
	}
	if (b->n_allocs == b->cap_allocs) {
		b->cap_allocs = b->cap_allocs ? 2 * b->cap_allocs : 64;
		b->allocs = realloc(b->allocs, b->cap_allocs * sizeof(void *));
		if (!b->allocs)
			abort();
	}
	b->allocs[b->n_allocs++] = p;
	return p;
}

static void *zalloc(struct mb *b, size_t n)
{
	return keep(b, calloc(1, n ? n : 1));
}

static char *dup(struct mb *b, const char *s)
{
	return keep(b, strdup(s));
}

/* Append p to a protobuf-c repeated field (count n, array arr). */
#define APPEND(b, n, arr, p)                                                              \
	do {                                                                              \
		void *na_ = zalloc(b, sizeof(*(arr)) * ((n) + 1));                        \
		if (n)                                                                    \
			memcpy(na_, arr, sizeof(*(arr)) * (n));                           \
		(arr) = na_;                                                              \
		(arr)[(n)++] = (p);                                                       \
	} while (0)

struct mb *mb_new(int64_t opset, int ms)
{
	struct mb *b = calloc(1, sizeof(*b));
	Onnx__OperatorSetIdProto *o;

	if (!b)
		abort();
	onnx__model_proto__init(&b->model);
	onnx__graph_proto__init(&b->graph);
	b->model.has_ir_version = 1;
	b->model.ir_version = 8;
	b->model.graph = &b->graph;
	b->graph.name = dup(b, "test");
	o = zalloc(b, sizeof(*o));
	onnx__operator_set_id_proto__init(o);
	o->domain = dup(b, "");
	o->has_version = 1;
	o->version = opset;
	APPEND(b, b->model.n_opset_import, b->model.opset_import, o);
	if (ms) {
		o = zalloc(b, sizeof(*o));
		onnx__operator_set_id_proto__init(o);
		o->domain = dup(b, "com.microsoft");
		o->has_version = 1;
		o->version = 1;
		APPEND(b, b->model.n_opset_import, b->model.opset_import, o);
	}
	return b;
}

void mb_import(struct mb *b, const char *domain, int64_t version)
{
	Onnx__OperatorSetIdProto *o = zalloc(b, sizeof(*o));

	onnx__operator_set_id_proto__init(o);
	o->domain = dup(b, domain);
	o->has_version = 1;
	o->version = version;
	APPEND(b, b->model.n_opset_import, b->model.opset_import, o);
}

void mb_free(struct mb *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n_allocs; i++)
		free(b->allocs[i]);
	free(b->allocs);
	free(b->bytes);
	free(b);
}

static Onnx__ValueInfoProto *value_info(struct mb *b, const char *name, int dtype, int ndim,
					const int64_t *dims, const char *const *params)
{
	Onnx__ValueInfoProto *vi = zalloc(b, sizeof(*vi));
	Onnx__TypeProto *tp = zalloc(b, sizeof(*tp));
	Onnx__TypeProto__Tensor *tt = zalloc(b, sizeof(*tt));

	onnx__value_info_proto__init(vi);
	onnx__type_proto__init(tp);
	onnx__type_proto__tensor__init(tt);
	vi->name = dup(b, name);
	vi->type = tp;
	tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	tp->tensor_type = tt;
	tt->has_elem_type = 1;
	tt->elem_type = dtype;
	if (ndim >= 0) {
		Onnx__TensorShapeProto *sp = zalloc(b, sizeof(*sp));

		onnx__tensor_shape_proto__init(sp);
		tt->shape = sp;
		for (int d = 0; d < ndim; d++) {
			Onnx__TensorShapeProto__Dimension *dim = zalloc(b, sizeof(*dim));

			onnx__tensor_shape_proto__dimension__init(dim);
			if (dims[d] >= 0) {
				dim->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
				dim->dim_value = dims[d];
			} else if (params && params[d]) {
				dim->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
				dim->dim_param = dup(b, params[d]);
			}
			APPEND(b, sp->n_dim, sp->dim, dim);
		}
	}
	return vi;
}

void mb_input(struct mb *b, const char *name, int dtype, int ndim, const int64_t *dims,
	      const char *const *dim_params)
{
	Onnx__ValueInfoProto *vi = value_info(b, name, dtype, ndim, dims, dim_params);

	APPEND(b, b->graph.n_input, b->graph.input, vi);
}

void mb_output(struct mb *b, const char *name, int dtype, int ndim, const int64_t *dims)
{
	Onnx__ValueInfoProto *vi = value_info(b, name, dtype, ndim, dims, NULL);

	APPEND(b, b->graph.n_output, b->graph.output, vi);
}

static size_t type_size(int dtype)
{
	switch (dtype) {
	case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT:
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT32:
		return 4;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT64:
		return 8;
	default:
		return 1;
	}
}

void mb_init(struct mb *b, const char *name, int dtype, int ndim, const int64_t *dims,
	     const void *data)
{
	Onnx__TensorProto *t = zalloc(b, sizeof(*t));
	size_t n = 1;

	onnx__tensor_proto__init(t);
	t->name = dup(b, name);
	t->has_data_type = 1;
	t->data_type = dtype;
	t->n_dims = (size_t)ndim;
	t->dims = zalloc(b, sizeof(int64_t) * (size_t)(ndim + 1));
	for (int d = 0; d < ndim; d++) {
		t->dims[d] = dims[d];
		n *= (size_t)dims[d];
	}
	t->has_raw_data = 1;
	t->raw_data.len = n * type_size(dtype);
	t->raw_data.data = zalloc(b, t->raw_data.len);
	if (t->raw_data.len)
		memcpy(t->raw_data.data, data, t->raw_data.len);
	APPEND(b, b->graph.n_initializer, b->graph.initializer, t);
}

void mb_init_f(struct mb *b, const char *name, float v)
{
	mb_init(b, name, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 0, NULL, &v);
}

void mb_init_zp(struct mb *b, const char *name, int dtype, int v)
{
	uint8_t c = (uint8_t)v;

	mb_init(b, name, dtype, 0, NULL, &c);
}

static void split(struct mb *b, const char *list, size_t *n, char ***out)
{
	char *copy = dup(b, list), *save = NULL;

	*n = 0;
	*out = NULL;
	if (!*list)
		return;
	/* strtok would skip empty fields: walk by hand so that "" stays an absent input */
	for (char *p = copy;; ) {
		char *comma = strchr(p, ',');

		if (comma)
			*comma = 0;
		APPEND(b, *n, *out, dup(b, p));
		if (!comma)
			break;
		p = comma + 1;
	}
	(void)save;
}

Onnx__NodeProto *mb_node(struct mb *b, const char *op, const char *domain, const char *name,
			 const char *inputs, const char *outputs)
{
	Onnx__NodeProto *n = zalloc(b, sizeof(*n));

	onnx__node_proto__init(n);
	n->op_type = dup(b, op);
	if (domain)
		n->domain = dup(b, domain);
	if (name)
		n->name = dup(b, name);
	split(b, inputs, &n->n_input, &n->input);
	split(b, outputs, &n->n_output, &n->output);
	APPEND(b, b->graph.n_node, b->graph.node, n);
	return n;
}

static Onnx__AttributeProto *attr(struct mb *b, Onnx__NodeProto *n, const char *name, int type)
{
	Onnx__AttributeProto *a = zalloc(b, sizeof(*a));

	onnx__attribute_proto__init(a);
	a->name = dup(b, name);
	a->has_type = 1;
	a->type = (Onnx__AttributeProto__AttributeType)type;
	APPEND(b, n->n_attribute, n->attribute, a);
	return a;
}

void mb_attr_i(struct mb *b, Onnx__NodeProto *n, const char *name, int64_t v)
{
	Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);

	a->has_i = 1;
	a->i = v;
}

void mb_attr_f(struct mb *b, Onnx__NodeProto *n, const char *name, float v)
{
	Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);

	a->has_f = 1;
	a->f = v;
}

void mb_attr_s(struct mb *b, Onnx__NodeProto *n, const char *name, const char *v)
{
	Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);

	a->has_s = 1;
	a->s.len = strlen(v);
	a->s.data = (uint8_t *)dup(b, v);
}

void mb_attr_ints(struct mb *b, Onnx__NodeProto *n, const char *name, int count,
		  const int64_t *v)
{
	Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);

	a->n_ints = (size_t)count;
	a->ints = zalloc(b, sizeof(int64_t) * (size_t)(count + 1));
	memcpy(a->ints, v, sizeof(int64_t) * (size_t)count);
}

const uint8_t *mb_bytes(struct mb *b, size_t *size)
{
	free(b->bytes);
	b->size = onnx__model_proto__get_packed_size(&b->model);
	b->bytes = malloc(b->size ? b->size : 1);
	if (!b->bytes)
		abort();
	onnx__model_proto__pack(&b->model, b->bytes);
	*size = b->size;
	return b->bytes;
}

Onnx__ModelProto *mb_model(struct mb *b)
{
	return &b->model;
}
