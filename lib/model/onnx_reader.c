// SPDX-License-Identifier: MIT
/*
 * onnx_reader.c - a serialized ONNX ModelProto into the model layer's graph.
 *
 * The protobuf decoding is protobuf-c's, from the onnx.proto that Debian ships (built
 * into $(O)/gen by lib/model.mk). The file is untrusted: protobuf-c allocates through
 * a counting allocator capped from the file size (a message can claim far more memory
 * than its bytes), and everything decoded is checked here - types, shapes against data
 * sizes, names defined once, external data refused - before the graph sees it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "onnx.pb-c.h"
#include "pipeline.h"

/* protobuf-c decodes little-endian raw_data by memcpy only on a little-endian host. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "raw_data is little-endian");

struct pb_budget {
	size_t used, limit;
	bool exceeded;
};

struct pb_block {
	size_t size;
	size_t pad;
};

static void *pb_alloc(void *data, size_t size)
{
	struct pb_budget *b = data;
	struct pb_block *blk;

	if (size > b->limit - b->used) {
		b->exceeded = true;
		return NULL;
	}
	blk = malloc(sizeof(*blk) + size);
	if (!blk)
		return NULL;
	blk->size = size;
	b->used += size;
	return blk + 1;
}

static void pb_free(void *data, void *p)
{
	struct pb_budget *b = data;
	struct pb_block *blk;

	if (!p)
		return;
	blk = (struct pb_block *)p - 1;
	b->used -= blk->size;
	free(blk);
}

static const char *str_or(const char *s, const char *def)
{
	return s ? s : def;
}

static bool supported_dtype(int32_t t)
{
	return t == FPQ_DTYPE_FLOAT || t == FPQ_DTYPE_UINT8 || t == FPQ_DTYPE_INT8 ||
	       t == FPQ_DTYPE_INT32 || t == FPQ_DTYPE_INT64 || t == FPQ_DTYPE_BOOL;
}

static const char *onnx_type_name(int32_t t)
{
	static const char *const names[] = {
		"undefined", "float", "uint8", "int8", "uint16", "int16", "int32", "int64",
		"string", "bool", "float16", "double", "uint32", "uint64", "complex64",
		"complex128", "bfloat16", "float8e4m3fn", "float8e4m3fnuz", "float8e5m2",
		"float8e5m2fnuz", "uint4", "int4", "float4e2m1",
	};

	return t >= 0 && t < (int32_t)(sizeof(names) / sizeof(names[0])) ? names[t] : "unknown";
}

/* A TensorProto's data in the stored form (uint8 flipped to int8). */
static int tensor_data(struct mg_graph *g, const Onnx__TensorProto *t, const char *what,
		       int *rank, int64_t *dims, void **out, size_t *out_bytes)
{
	const char *name = str_or(t->name, "");
	int64_t n = 1;
	size_t esize, bytes;
	void *data;

	*out = NULL;
	if (!t->has_data_type || !supported_dtype(t->data_type))
		return fpq_error(-ENOTSUP, "model: %s '%.64s' has element type %s (fpq reads float, "
				 "uint8, int8, int32, int64 and bool)", what, name,
				 onnx_type_name(t->has_data_type ? t->data_type : 0));
	if (t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
		return fpq_error(-ENOTSUP, "model: %s '%.64s' keeps its data in an external file, "
				 "which fpq does not read (save the model with its weights inside)",
				 what, name);
	if (t->segment)
		return fpq_error(-ENOTSUP, "model: %s '%.64s' is a segment of a tensor", what, name);
	if (t->n_dims > MG_MAX_DIMS)
		return fpq_error(-ENOTSUP, "model: %s '%.64s' has %zu dimensions (at most %d)", what,
				 name, t->n_dims, MG_MAX_DIMS);
	for (size_t d = 0; d < t->n_dims; d++) {
		if (t->dims[d] < 0 || t->dims[d] > MG_MAX_ELEMS ||
		    (t->dims[d] && n > MG_MAX_ELEMS / t->dims[d]))
			return fpq_error(-EINVAL, "model: %s '%.64s' has an invalid or huge shape",
					 what, name);
		n *= t->dims[d];
		dims[d] = t->dims[d];
	}
	*rank = (int)t->n_dims;
	esize = mg_dtype_size((enum fpq_dtype)t->data_type);
	bytes = (size_t)n * esize;
	data = mg_alloc(g, bytes);
	if (!data)
		return -E2BIG;
	if (t->has_raw_data) {
		if (t->raw_data.len != bytes) {
			mg_free(g, data);
			return fpq_error(-EINVAL, "model: %s '%.64s' has %zu bytes of data for %" PRId64
					 " elements of %s", what, name, t->raw_data.len, n,
					 onnx_type_name(t->data_type));
		}
		if (bytes)
			memcpy(data, t->raw_data.data, bytes);
	} else {
		size_t have;

		switch (t->data_type) {
		case FPQ_DTYPE_FLOAT: have = t->n_float_data; break;
		case FPQ_DTYPE_INT64: have = t->n_int64_data; break;
		default: have = t->n_int32_data; break;
		}
		if (have != (size_t)n) {
			mg_free(g, data);
			return fpq_error(-EINVAL, "model: %s '%.64s' has %zu values for %" PRId64
					 " elements", what, name, have, n);
		}
		for (int64_t i = 0; i < n; i++) {
			int32_t v;

			switch (t->data_type) {
			case FPQ_DTYPE_FLOAT:
				((float *)data)[i] = t->float_data[i];
				continue;
			case FPQ_DTYPE_INT64:
				((int64_t *)data)[i] = t->int64_data[i];
				continue;
			case FPQ_DTYPE_INT32:
				((int32_t *)data)[i] = t->int32_data[i];
				continue;
			default:
				break;
			}
			v = t->int32_data[i];
			if ((t->data_type == FPQ_DTYPE_INT8 && (v < -128 || v > 127)) ||
			    (t->data_type == FPQ_DTYPE_UINT8 && (v < 0 || v > 255)) ||
			    (t->data_type == FPQ_DTYPE_BOOL && (v < 0 || v > 1))) {
				mg_free(g, data);
				return fpq_error(-EINVAL, "model: %s '%.64s' holds %d, out of range for %s",
						 what, name, v, onnx_type_name(t->data_type));
			}
			((uint8_t *)data)[i] = (uint8_t)v;
		}
	}
	if (t->data_type == FPQ_DTYPE_UINT8)
		for (size_t i = 0; i < bytes; i++)
			((uint8_t *)data)[i] ^= 0x80;
	*out = data;
	*out_bytes = bytes;
	return 0;
}

int mg_tensor_to_const(struct mg_graph *g, const Onnx__TensorProto *t, const char *name,
		       const char *what);

/* A constant value from a TensorProto; name NULL makes one up. */
int mg_tensor_to_const(struct mg_graph *g, const Onnx__TensorProto *t, const char *name,
		       const char *what)
{
	int64_t dims[MG_MAX_DIMS];
	size_t bytes = 0;
	void *data;
	int rank = 0, err;

	err = tensor_data(g, t, what, &rank, dims, &data, &bytes);
	if (err)
		return err;
	return mg_add_const(g, name, (enum fpq_dtype)t->data_type, rank, dims, data, bytes);
}

/* Type and shape of a graph input or output. */
static int value_info(struct mg_graph *g, const Onnx__ValueInfoProto *vi, int idx,
		      const char *what, bool need_shape)
{
	const char *name = str_or(vi->name, "");
	const Onnx__TypeProto__Tensor *tt;
	struct mg_value *v;
	int64_t dims[MG_MAX_DIMS];
	const Onnx__TensorShapeProto *shape;
	int err;

	if (!vi->type || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE ||
	    !vi->type->tensor_type)
		return fpq_error(-ENOTSUP, "model: %s '%.64s' is not a tensor", what, name);
	tt = vi->type->tensor_type;
	if (!tt->has_elem_type || !supported_dtype(tt->elem_type))
		return fpq_error(-ENOTSUP, "model: %s '%.64s' has element type %s", what, name,
				 onnx_type_name(tt->has_elem_type ? tt->elem_type : 0));
	v = &g->values[idx];
	if (v->dtype != FPQ_DTYPE_UNDEFINED && v->dtype != (enum fpq_dtype)tt->elem_type)
		return fpq_error(-EINVAL, "model: %s '%.64s' is declared %s but is %s", what, name,
				 onnx_type_name(tt->elem_type), onnx_type_name(v->dtype));
	v->dtype = (enum fpq_dtype)tt->elem_type;
	shape = tt->shape;
	if (!shape) {
		if (need_shape)
			return fpq_error(-ENOTSUP, "model: %s '%.64s' has no shape (fpq needs the "
					 "rank of every input)", what, name);
		return 0;
	}
	if (shape->n_dim > MG_MAX_DIMS)
		return fpq_error(-ENOTSUP, "model: %s '%.64s' has %zu dimensions (at most %d)", what,
				 name, shape->n_dim, MG_MAX_DIMS);
	for (size_t d = 0; d < shape->n_dim; d++) {
		const Onnx__TensorShapeProto__Dimension *dim = shape->dim[d];

		dims[d] = -1;
		if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
			if (dim->dim_value < 0)
				return fpq_error(-EINVAL, "model: %s '%.64s' dimension %zu is %" PRId64,
						 what, name, d, dim->dim_value);
			dims[d] = dim->dim_value;
		} else if (dim->value_case ==
				   ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM &&
			   dim->dim_param) {
			v->dim_param[d] = mg_strdup(g, dim->dim_param);
			if (!v->dim_param[d])
				return -ENOMEM;
		}
	}
	v->decl_rank = (int)shape->n_dim;
	for (size_t d = 0; d < shape->n_dim; d++)
		v->decl_dims[d] = dims[d];
	if (!need_shape)
		return 0; /* outputs: the shape is inferred, the declaration only informs */
	err = mg_set_shape(g, NULL, v, (int)shape->n_dim, dims);
	return err;
}

static int copy_attr(struct mg_graph *g, struct mg_node *n, struct mg_attr *a,
		     const Onnx__AttributeProto *p)
{
	int type = p->has_type ? (int)p->type : 0;

	if (!p->name || !*p->name)
		return mg_node_error(n, -EINVAL, "an attribute has no name");
	if (p->ref_attr_name && *p->ref_attr_name)
		return mg_node_error(n, -ENOTSUP, "attribute '%.40s' refers to a function attribute",
				     p->name);
	a->name = mg_strdup(g, p->name);
	if (!a->name)
		return -ENOMEM;
	a->tensor = -1;
	if (type == 0) { /* old writers leave the type out: take the field that is set */
		if (p->has_f)
			type = MG_ATTR_FLOAT;
		else if (p->has_i)
			type = MG_ATTR_INT;
		else if (p->has_s)
			type = MG_ATTR_STRING;
		else if (p->t)
			type = MG_ATTR_TENSOR;
		else if (p->n_floats)
			type = MG_ATTR_FLOATS;
		else if (p->n_ints)
			type = MG_ATTR_INTS;
	}
	a->type = (enum mg_attr_type)type;
	switch (type) {
	case MG_ATTR_FLOAT:
		a->f = p->f;
		break;
	case MG_ATTR_INT:
		a->i = p->i;
		break;
	case MG_ATTR_STRING:
		a->s = mg_alloc(g, p->s.len + 1);
		if (!a->s)
			return -ENOMEM;
		if (p->s.len)
			memcpy(a->s, p->s.data, p->s.len);
		a->s[p->s.len] = 0;
		if (strlen(a->s) != p->s.len)
			return mg_node_error(n, -EINVAL, "attribute '%.40s' holds a NUL byte", p->name);
		break;
	case MG_ATTR_TENSOR:
		if (!p->t)
			return mg_node_error(n, -EINVAL, "attribute '%.40s' has no tensor", p->name);
		a->tensor = mg_tensor_to_const(g, p->t, NULL, "attribute tensor");
		if (a->tensor < 0)
			return mg_node_error(n, a->tensor, "attribute '%.40s': %s", p->name,
					     fpq_strerror(a->tensor));
		break;
	case MG_ATTR_FLOATS:
		a->n = p->n_floats;
		a->floats = mg_calloc(g, a->n ? a->n : 1, sizeof(float));
		if (!a->floats)
			return -ENOMEM;
		if (a->n)
			memcpy(a->floats, p->floats, a->n * sizeof(float));
		break;
	case MG_ATTR_INTS:
		a->n = p->n_ints;
		a->ints = mg_calloc(g, a->n ? a->n : 1, sizeof(int64_t));
		if (!a->ints)
			return -ENOMEM;
		if (a->n)
			memcpy(a->ints, p->ints, a->n * sizeof(int64_t));
		break;
	case MG_ATTR_GRAPH:
		return mg_node_error(n, -ENOTSUP, "attribute '%.40s' is a subgraph (control flow "
				     "is not supported)", p->name);
	default:
		/* Kept without a value: an op that reads it gets a type error, any other op
		 * refuses it as unknown. */
		break;
	}
	return 0;
}

static int read_graph(struct mg_graph *g, const Onnx__GraphProto *gp)
{
	int err;

	if (gp->n_sparse_initializer)
		return fpq_error(-ENOTSUP, "model: sparse initializers are not supported");
	for (size_t i = 0; i < gp->n_initializer; i++) {
		const Onnx__TensorProto *t = gp->initializer[i];

		if (!t->name || !*t->name)
			return fpq_error(-EINVAL, "model: initializer %zu has no name", i);
		err = mg_tensor_to_const(g, t, t->name, "initializer");
		if (err < 0)
			return err;
	}
	err = mg_grow(g, (void **)&g->inputs, &(int){ 0 }, (int)gp->n_input + 1, sizeof(int));
	if (err)
		return err;
	for (size_t i = 0; i < gp->n_input; i++) {
		const Onnx__ValueInfoProto *vi = gp->input[i];
		int idx;

		if (!vi->name || !*vi->name)
			return fpq_error(-EINVAL, "model: graph input %zu has no name", i);
		/* IR version 3 lists initializers among the inputs: they stay constants. */
		idx = mg_find_value(g, vi->name);
		if (idx >= 0 && g->values[idx].kind == MG_CONST)
			continue;
		if (idx >= 0)
			return fpq_error(-EINVAL, "model: graph input '%.64s' is listed twice", vi->name);
		idx = mg_add_value(g, vi->name, FPQ_DTYPE_UNDEFINED);
		if (idx < 0)
			return idx;
		g->values[idx].graph_input = true;
		err = value_info(g, vi, idx, "input", true);
		if (err)
			return err;
		g->inputs[g->n_inputs++] = idx;
	}

	/* Outputs of every node first: the file need not list nodes in order. */
	for (size_t i = 0; i < gp->n_node; i++) {
		const Onnx__NodeProto *np = gp->node[i];
		int ni;
		struct mg_node *n;

		if (!np->op_type || !*np->op_type)
			return fpq_error(-EINVAL, "model: node %zu has no op_type", i);
		if (np->n_input > 4096 || np->n_output > 4096)
			return fpq_error(-EINVAL, "model: node %zu has too many inputs or outputs", i);
		ni = mg_add_node(g, np->op_type, np->domain, np->name, (int)np->n_input,
				 (int)np->n_output);
		if (ni < 0)
			return ni;
		n = &g->nodes[ni];
		/* "ai.onnx" is the default domain spelled out. */
		if (!strcmp(n->domain, "ai.onnx"))
			n->domain[0] = 0;
		for (size_t k = 0; k < np->n_output; k++) {
			const char *on = np->output[k];
			int v;

			if (!on || !*on)
				continue; /* an optional output not wanted */
			if (mg_find_value(g, on) >= 0)
				return mg_node_error(&g->nodes[ni], -EINVAL,
						     "output '%.64s' is already defined elsewhere", on);
			v = mg_add_value(g, on, FPQ_DTYPE_UNDEFINED);
			if (v < 0)
				return v;
			g->values[v].producer = ni;
			g->nodes[ni].out[k] = v;
		}
	}
	for (size_t i = 0; i < gp->n_node; i++) {
		const Onnx__NodeProto *np = gp->node[i];
		struct mg_node *n = &g->nodes[i];

		for (size_t k = 0; k < np->n_input; k++) {
			const char *in = np->input[k];
			int v;

			if (!in || !*in)
				continue; /* an optional input left out */
			v = mg_find_value(g, in);
			if (v < 0)
				return mg_node_error(n, -EINVAL, "input '%.64s' is not defined", in);
			n->in[k] = v;
		}
		if (np->n_attribute > 1024)
			return mg_node_error(n, -EINVAL, "has %zu attributes", np->n_attribute);
		n->attr = mg_calloc(g, np->n_attribute + 1, sizeof(*n->attr));
		if (!n->attr)
			return -ENOMEM;
		for (size_t a = 0; a < np->n_attribute; a++) {
			for (size_t b = 0; b < a; b++)
				if (np->attribute[a]->name && np->attribute[b]->name &&
				    !strcmp(np->attribute[a]->name, np->attribute[b]->name))
					return mg_node_error(n, -EINVAL, "attribute '%.40s' is given twice",
							     np->attribute[a]->name);
			/* copy_attr may add values (tensor attributes) but not nodes. */
			err = copy_attr(g, &g->nodes[i], &g->nodes[i].attr[a], np->attribute[a]);
			g->nodes[i].n_attr = (int)a + 1;
			if (err)
				return err;
		}
	}

	if (gp->n_output == 0)
		return fpq_error(-EINVAL, "model: the graph has no outputs");
	g->outputs = mg_calloc(g, gp->n_output, sizeof(int));
	if (!g->outputs)
		return -ENOMEM;
	for (size_t i = 0; i < gp->n_output; i++) {
		const Onnx__ValueInfoProto *vi = gp->output[i];
		int idx;

		if (!vi->name || !*vi->name)
			return fpq_error(-EINVAL, "model: graph output %zu has no name", i);
		idx = mg_find_value(g, vi->name);
		if (idx < 0)
			return fpq_error(-EINVAL, "model: graph output '%.64s' is not computed by the "
					 "graph", vi->name);
		for (int j = 0; j < g->n_outputs; j++)
			if (g->outputs[j] == idx)
				return fpq_error(-EINVAL, "model: graph output '%.64s' is listed twice",
						 vi->name);
		g->values[idx].graph_output = true;
		err = value_info(g, vi, idx, "output", false);
		if (err)
			return err;
		g->outputs[g->n_outputs++] = idx;
	}
	return 0;
}

int mg_read_onnx(struct mg_graph *g, const void *data, size_t size)
{
	struct pb_budget budget = { 0 };
	ProtobufCAllocator alloc = { pb_alloc, pb_free, &budget };
	Onnx__ModelProto *m;
	int err = 0;

	/* Decoded messages take more room than their bytes (a 2-byte empty NodeProto is
	 * a struct of some 80 bytes); 64 times the file is more than any real model
	 * needs and bounds what a hostile one can ask. */
	budget.limit = size > (SIZE_MAX - (16u << 20)) / 64 ? SIZE_MAX : 64 * size + (16u << 20);
	if (budget.limit > g->mem_limit - g->mem_used)
		budget.limit = g->mem_limit - g->mem_used;
	m = onnx__model_proto__unpack(&alloc, size, data);
	if (!m) {
		if (budget.exceeded)
			return fpq_error(-E2BIG, "model: decoding the file needs more than %zu bytes",
					 budget.limit);
		return fpq_error(-EINVAL, "model: not a valid ONNX model (the protobuf is "
				 "truncated or corrupt)");
	}
	if (!m->has_ir_version || m->ir_version < 3 || m->ir_version > 10) {
		err = fpq_error(-ENOTSUP, "model: IR version %" PRId64 " (fpq reads 3 to 10)",
				m->has_ir_version ? m->ir_version : (int64_t)0);
		goto out;
	}
	for (size_t i = 0; i < m->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *o = m->opset_import[i];
		const char *d = str_or(o->domain, "");

		if (!*d || !strcmp(d, "ai.onnx"))
			g->opset = o->has_version ? o->version : 0;
		else if (!strcmp(d, "com.microsoft"))
			g->opset_ms = o->has_version ? o->version : 1;
		else if (!strcmp(d, "fpq"))
			g->opset_fpq = o->has_version ? o->version : 1;
	}
	if (g->opset < MG_OPSET_MIN || g->opset > MG_OPSET_MAX) {
		err = fpq_error(-ENOTSUP, "model: opset %" PRId64 " of ai.onnx (fpq reads opsets %d "
				"to %d; convert the model with onnx.version_converter)", g->opset,
				MG_OPSET_MIN, MG_OPSET_MAX);
		goto out;
	}
	if (!m->graph) {
		err = fpq_error(-EINVAL, "model: the file has no graph");
		goto out;
	}
	err = read_graph(g, m->graph);
out:
	onnx__model_proto__free_unpacked(m, &alloc);
	return err;
}
