// SPDX-License-Identifier: MIT
/*
 * quant_onnx.c - the ONNX messages the quantizer writes, built for protobuf-c's packer
 * (onnx.pb-c.h, generated from Debian's onnx.proto like the reader's). Every message,
 * array and string the quantizer makes lives in one arena freed at the end; messages of
 * the input model that pass unchanged are referenced, never copied.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "quant.h"

void *qz_alloc(struct qz_arena *a, size_t size)
{
	void *p;

	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 64;
		void **b = realloc(a->blocks, cap * sizeof(*b));

		if (!b)
			return NULL;
		a->blocks = b;
		a->cap = cap;
	}
	p = calloc(1, size ? size : 1);
	if (p)
		a->blocks[a->n++] = p;
	return p;
}

char *qz_strdup(struct qz_arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = qz_alloc(a, n);

	if (d)
		memcpy(d, s, n);
	return d;
}

char *qz_concat(struct qz_arena *a, const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	char *d = qz_alloc(a, n + m + 1);

	if (d) {
		memcpy(d, s, n);
		memcpy(d + n, suffix, m + 1);
	}
	return d;
}

void qz_arena_free(struct qz_arena *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->blocks[i]);
	free(a->blocks);
	a->blocks = NULL;
	a->n = a->cap = 0;
}

Onnx__TensorProto *qz_tensor(struct qz_arena *a, const char *name, int32_t dtype,
			     unsigned int ndim, const int64_t *dims, const void *data,
			     size_t nbytes)
{
	Onnx__TensorProto *t = qz_alloc(a, sizeof(*t));
	int64_t *d = qz_alloc(a, (ndim ? ndim : 1) * sizeof(*d));
	uint8_t *raw = qz_alloc(a, nbytes);
	char *nm = qz_strdup(a, name);

	if (!t || !d || !raw || !nm)
		return NULL;
	onnx__tensor_proto__init(t);
	if (ndim)
		memcpy(d, dims, ndim * sizeof(*d));
	if (nbytes)
		memcpy(raw, data, nbytes);
	t->n_dims = ndim;
	t->dims = d;
	t->has_data_type = 1;
	t->data_type = dtype;
	t->name = nm;
	t->has_raw_data = 1;
	t->raw_data.len = nbytes;
	t->raw_data.data = raw;
	return t;
}

Onnx__NodeProto *qz_node(struct qz_arena *a, const char *op_type, const char *name,
			 const char *const *inputs, size_t n_in, const char *const *outputs,
			 size_t n_out)
{
	Onnx__NodeProto *n = qz_alloc(a, sizeof(*n));
	char **in = qz_alloc(a, (n_in + 1) * sizeof(*in));
	char **out = qz_alloc(a, (n_out + 1) * sizeof(*out));
	Onnx__AttributeProto **attrs = qz_alloc(a, 4 * sizeof(*attrs));

	if (!n || !in || !out || !attrs)
		return NULL;
	onnx__node_proto__init(n);
	for (size_t i = 0; i < n_in; i++)
		in[i] = (char *)inputs[i];
	for (size_t i = 0; i < n_out; i++)
		out[i] = (char *)outputs[i];
	n->op_type = (char *)op_type;
	n->name = (char *)name;
	n->input = in;
	n->n_input = n_in;
	n->output = out;
	n->n_output = n_out;
	n->attribute = attrs;
	return n;
}

int qz_node_attr_int(struct qz_arena *a, Onnx__NodeProto *n, const char *name, int64_t v)
{
	Onnx__AttributeProto *at = qz_alloc(a, sizeof(*at));

	if (!at || n->n_attribute >= 4)
		return -ENOMEM;
	onnx__attribute_proto__init(at);
	at->name = (char *)name;
	at->has_type = 1;
	at->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
	at->has_i = 1;
	at->i = v;
	n->attribute[n->n_attribute++] = at;
	return 0;
}

Onnx__ValueInfoProto *qz_value_info(struct qz_arena *a, const char *name, int32_t elem_type)
{
	Onnx__ValueInfoProto *vi = qz_alloc(a, sizeof(*vi));
	Onnx__TypeProto *tp = qz_alloc(a, sizeof(*tp));
	Onnx__TypeProto__Tensor *tt = qz_alloc(a, sizeof(*tt));

	if (!vi || !tp || !tt)
		return NULL;
	onnx__value_info_proto__init(vi);
	onnx__type_proto__init(tp);
	onnx__type_proto__tensor__init(tt);
	tt->has_elem_type = 1;
	tt->elem_type = elem_type;
	tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	tp->tensor_type = tt;
	vi->name = (char *)name;
	vi->type = tp;
	return vi;
}

const Onnx__AttributeProto *qz_attr(const Onnx__NodeProto *n, const char *name)
{
	for (size_t i = 0; i < n->n_attribute; i++)
		if (n->attribute[i]->name && !strcmp(n->attribute[i]->name, name))
			return n->attribute[i];
	return NULL;
}

int64_t qz_attr_int(const Onnx__NodeProto *n, const char *name, int64_t def)
{
	const Onnx__AttributeProto *at = qz_attr(n, name);

	return at && at->has_i ? at->i : def;
}

float qz_attr_float(const Onnx__NodeProto *n, const char *name, float def)
{
	const Onnx__AttributeProto *at = qz_attr(n, name);

	return at && at->has_f ? at->f : def;
}

int qz_tensor_floats(struct qz_arena *a, const Onnx__TensorProto *t, float **data,
		     size_t *count)
{
	size_t n = 1;
	float *d;

	if (!t->has_data_type || t->data_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
		return fpq_error(-ENOTSUP, "quantize: initializer '%.64s' is not float",
				 t->name ? t->name : "");
	for (size_t i = 0; i < t->n_dims; i++) {
		if (t->dims[i] < 0 || (t->dims[i] && n > SIZE_MAX / 4 / (size_t)t->dims[i]))
			return fpq_error(-EINVAL, "quantize: initializer '%.64s' has a bad shape",
					 t->name ? t->name : "");
		n *= (size_t)t->dims[i];
	}
	if (t->has_raw_data ? t->raw_data.len != n * 4 : t->n_float_data != n)
		return fpq_error(-EINVAL, "quantize: initializer '%.64s' holds data of another "
				 "size than its shape's", t->name ? t->name : "");
	d = qz_alloc(a, n * sizeof(*d));
	if (!d)
		return fpq_error(-ENOMEM, "quantize: out of memory");
	if (n && t->has_raw_data)
		memcpy(d, t->raw_data.data, n * 4);
	else if (n)
		memcpy(d, t->float_data, n * 4);
	*data = d;
	*count = n;
	return 0;
}

int qz_pack(const Onnx__ModelProto *m, void **out, size_t *out_size)
{
	size_t n = onnx__model_proto__get_packed_size(m);
	uint8_t *buf = malloc(n ? n : 1);

	if (!buf)
		return fpq_error(-ENOMEM, "quantize: out of memory for %zu bytes", n);
	if (onnx__model_proto__pack(m, buf) != n) {
		free(buf);
		return fpq_error(-EIO, "quantize: the ONNX writer wrote another size");
	}
	*out = buf;
	*out_size = n;
	return 0;
}
