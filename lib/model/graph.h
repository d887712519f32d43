/* SPDX-License-Identifier: MIT */
/*
 * graph.h - the model layer's graph: values (tensors) and nodes, as read from an ONNX
 * file and then rewritten by the passes. What the reader, the passes, the ops and the
 * executor share.
 *
 * Conventions:
 *  - dims are always ONNX's logical order; a 4-D value with nhwc set is stored
 *    [N, H, W, C] in memory (layout pass), every other value in logical order.
 *  - uint8 tensors are stored as int8 (code - 128, i.e. the code with its top bit
 *    flipped), constants and run-time tensors alike, so every 8-bit kernel works on
 *    int8; a uint8 zero point is stored the same way, so x - zero_point is unchanged.
 *    Kernels that need a uint8 code itself (ORT's formulas that use x and its zero
 *    point separately) add 128 back.
 */
#ifndef FPQ_MODEL_GRAPH_H
#define FPQ_MODEL_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fpq_model.h"

#define MG_MAX_DIMS FPQ_MODEL_MAX_DIMS
/* Largest element count of one tensor, and largest dimension: beyond this a model is
 * refused rather than allocated (a hostile file can declare any shape). */
#define MG_MAX_ELEMS ((int64_t)1 << 31)
#define MG_NO_VALUE (-1)

struct mg_graph;
struct mg_node;
struct mg_exec;

/* Where a value's data comes from. */
enum mg_kind {
	MG_RUNTIME = 0, /* computed by a run, lives in the arena */
	MG_CONST,       /* initializer, Constant or folded at load: data fixed for good */
	MG_SHAPE,       /* computed when shapes are known (prepare): data per shape set */
};

struct mg_value {
	char *name;
	enum fpq_dtype dtype;
	int rank;                   /* -1: unknown */
	int64_t dims[MG_MAX_DIMS];  /* -1: unknown (dynamic, not yet known) */
	char *dim_param[MG_MAX_DIMS]; /* graph inputs/outputs: symbolic names */
	int decl_rank;              /* graph inputs/outputs: as declared (-1: unknown) */
	int64_t decl_dims[MG_MAX_DIMS];
	enum mg_kind kind;
	void *data;                 /* MG_CONST / MG_SHAPE data (stored form), or NULL */
	size_t nbytes;
	bool nhwc;                  /* 4-D value stored [N, H, W, C] */
	int producer;               /* node index, or -1 */
	int uses;                   /* live consumers (node inputs and graph outputs) */
	bool graph_input, graph_output;
	/* Buffer planning: runtime values live in the arena at offset; alias >= 0 shares
	 * the buffer of another value (Reshape and friends). */
	int alias;
	size_t offset;
	void *ptr;                  /* at run: where the data is */
};

/* ONNX AttributeProto types. */
enum mg_attr_type {
	MG_ATTR_FLOAT = 1,
	MG_ATTR_INT = 2,
	MG_ATTR_STRING = 3,
	MG_ATTR_TENSOR = 4,
	MG_ATTR_GRAPH = 5,
	MG_ATTR_FLOATS = 6,
	MG_ATTR_INTS = 7,
	MG_ATTR_STRINGS = 8,
};

struct mg_attr {
	char *name;
	enum mg_attr_type type;
	int64_t i;
	float f;
	char *s;
	size_t n;            /* elements of ints / floats */
	int64_t *ints;
	float *floats;
	int tensor;          /* MG_ATTR_TENSOR: a value index holding the tensor */
	bool used;           /* read by the op: anything unread is refused */
};

struct mg_op;

struct mg_node {
	char *name;          /* from the file, or "op_type:index" */
	char *op_type;
	char *domain;        /* "" for ai.onnx */
	const struct mg_op *op;
	int n_in, n_out;
	int *in, *out;       /* value indices; MG_NO_VALUE for an absent optional input */
	int n_attr;
	struct mg_attr *attr;
	bool dead;
	bool internal;       /* made by a pass (may use com.microsoft without the import) */
	/* Output range of a quantized op in the stored (int8) code domain: a fused Relu or
	 * Clip narrows it (pass_qdq.c). */
	int32_t qmin, qmax;
	/* Fused float activation of a float op (Conv + Relu/Clip). */
	bool act;
	float act_lo, act_hi;
	void *priv;          /* the op's prepared state (op->destroy frees it) */
	bool packed;         /* op->pack done */
	int layer;           /* index in the layer list, -1 if not a layer */
};

struct mg_graph {
	struct fpq_context *ctx;
	struct mg_value *values;
	int n_values, cap_values;
	struct mg_node *nodes;
	int n_nodes, cap_nodes;
	int *inputs, n_inputs;   /* graph inputs (runtime, not initializers) */
	int *outputs, n_outputs;
	int64_t opset;           /* ai.onnx */
	int64_t opset_ms;        /* com.microsoft, 0 if not imported */
	int64_t opset_fpq;       /* fpq (MxConv, MxGemm), 0 if not imported */
	int *order, n_order;     /* live nodes in execution order */
	/* Name -> value index. */
	int *hash;
	int hash_cap;
	const struct mg_kernels *kern;  /* CPU kernels chosen for ctx */
	unsigned int workers;           /* CPU worker threads (scratch per worker) */
	/* Memory accounting: every allocation of the model goes through mg_alloc(). */
	size_t mem_used, mem_limit;
	/* Nodes whose names the error messages cite. */
};

/* Op flags. */
enum {
	MG_OP_NHWC = 1u << 0,      /* takes its 4-D activation input(s) NHWC, writes NHWC */
	MG_OP_ELEMENTWISE = 1u << 1, /* works in any layout (inputs agree) */
	MG_OP_ALIAS = 1u << 2,     /* output 0 may share input 0's buffer (same bytes) */
	MG_OP_GEMM = 1u << 3,      /* runs on libfpq's GEMM (layer kernel "gemm") */
	MG_OP_LAYOUT_AXIS = 1u << 4, /* an "axis" that follows the layout (Concat) */
	MG_OP_SHAPE_ONLY = 1u << 5,  /* reads only its input's shape (any layout) */
	MG_OP_PUBLIC = 1u << 6,      /* an fpq-domain op a file may use (models.rst) */
};

/*
 * An operator implementation. parse reads the attributes into n->priv (every node,
 * before the passes, so that nothing in the file goes unchecked); infer sets the
 * outputs' types and shapes from the inputs' (unknown dimensions stay -1); pack, after
 * the passes, prepares what depends on constant inputs (weights converted and packed);
 * scratch says how many bytes of scratch memory run needs; run computes the outputs.
 */
struct mg_op {
	const char *name;
	const char *domain;
	int min_in, max_in, min_out, max_out;
	unsigned int flags;
	/* Inputs that are data tensors (follow the layout): bit i for input i; 0 means
	 * input 0 only, ~0u all of them. */
	uint32_t data_inputs;
	int (*parse)(struct mg_graph *g, struct mg_node *n);
	int (*infer)(struct mg_graph *g, struct mg_node *n);
	int (*pack)(struct mg_graph *g, struct mg_node *n);
	size_t (*scratch)(struct mg_graph *g, const struct mg_node *n);
	int (*run)(struct mg_exec *x, struct mg_node *n);
	void (*destroy)(struct mg_graph *g, struct mg_node *n);
};

/* The op table (ops.c): NULL if op_type/domain is not supported. */
const struct mg_op *mg_op_find(const char *domain, const char *op_type);

struct mg_kernels;

/* What a running op sees (exec.c). */
struct mg_exec {
	struct mg_graph *g;
	struct fpq_context *ctx;
	const struct mg_kernels *k;  /* the CPU kernels (kern.h) */
	unsigned int workers;        /* CPU worker threads for mg_parallel() */
	void *scratch;
	size_t scratch_size;
	struct fpq_layer_stats *st;  /* the running layer's statistics */
};

/*
 * Split [0, total) into pieces of at least grain and run fn on the context's CPU
 * workers (inline when one piece or one worker). fn adds its counts to ex->st with
 * mg_count(). Returns 0 or the error of starting the workers.
 */
int mg_parallel(struct mg_exec *ex, int64_t total, int64_t grain,
		void (*fn)(void *arg, int64_t begin, int64_t end, unsigned int worker), void *arg);
/* Add to a statistic from any worker. */
static inline void mg_count(uint64_t *field, uint64_t n)
{
	if (n)
		__atomic_fetch_add(field, n, __ATOMIC_RELAXED);
}

/* ---- memory (graph.c): counted against mem_limit ---- */

void *mg_alloc(struct mg_graph *g, size_t size);
void *mg_calloc(struct mg_graph *g, size_t n, size_t size);
void mg_free(struct mg_graph *g, void *p);
char *mg_strdup(struct mg_graph *g, const char *s);
/* Arrays grown by doubling; -ENOMEM/-E2BIG with a message on failure. */
int mg_grow(struct mg_graph *g, void **arr, int *cap, int need, size_t elem);

/* ---- values and nodes (graph.c) ---- */

int mg_graph_init(struct mg_graph *g, size_t mem_limit);
void mg_graph_destroy(struct mg_graph *g);
/* Index of the value called name, or -1. */
int mg_find_value(const struct mg_graph *g, const char *name);
/* A new value (name must be unique; NULL makes one up). Returns its index or errno. */
int mg_add_value(struct mg_graph *g, const char *name, enum fpq_dtype dtype);
/* A new constant value owning data (taken over: allocated with mg_alloc). */
int mg_add_const(struct mg_graph *g, const char *name, enum fpq_dtype dtype, int rank,
		 const int64_t *dims, void *data, size_t nbytes);
/* A new node; its inputs/outputs/attributes are filled in by the caller. */
int mg_add_node(struct mg_graph *g, const char *op_type, const char *domain,
		const char *name, int n_in, int n_out);
/* Recount uses, drop nodes whose outputs nobody uses, recompute the order. Detects
 * cycles (-EINVAL naming a node on one). */
int mg_graph_update(struct mg_graph *g);

static inline struct mg_value *mg_in(struct mg_graph *g, const struct mg_node *n, int i)
{
	return i < n->n_in && n->in[i] >= 0 ? &g->values[n->in[i]] : NULL;
}

static inline struct mg_value *mg_out(struct mg_graph *g, const struct mg_node *n, int i)
{
	return i < n->n_out && n->out[i] >= 0 ? &g->values[n->out[i]] : NULL;
}

/* ---- shapes ---- */

/* Elements of v (-1 if a dimension is unknown). */
int64_t mg_numel(const struct mg_value *v);
size_t mg_dtype_size(enum fpq_dtype t);
bool mg_shape_known(const struct mg_value *v);
/* Set v's shape; refuses dims < 0 (unless unknown = -1 is allowed) and huge sizes. */
int mg_set_shape(struct mg_graph *g, const struct mg_node *n, struct mg_value *v, int rank,
		 const int64_t *dims);
/* Format "[1, 3, 224, 224]" into buf. */
const char *mg_shape_str(const struct mg_value *v, char *buf, size_t size);

/* ---- attributes (graph.c): each marks the attribute used ---- */

struct mg_attr *mg_attr_find(struct mg_node *n, const char *name);
int mg_attr_int(struct mg_graph *g, struct mg_node *n, const char *name, int64_t def,
		int64_t *out);
int mg_attr_float(struct mg_graph *g, struct mg_node *n, const char *name, float def,
		  float *out);
/* Returns the string or def. */
int mg_attr_string(struct mg_graph *g, struct mg_node *n, const char *name, const char *def,
		   const char **out);
/* Up to max ints; *count = -1 if absent. */
int mg_attr_ints(struct mg_graph *g, struct mg_node *n, const char *name, int64_t *out,
		 int max, int *count);
int mg_attr_floats(struct mg_graph *g, struct mg_node *n, const char *name, float *out,
		   int max, int *count);

/* ---- errors: fpq_error() with the node named ---- */

int mg_node_error(const struct mg_node *n, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Constant data of an input (MG_CONST or MG_SHAPE), NULL if it has none yet. */
static inline const void *mg_const_data(struct mg_graph *g, const struct mg_node *n, int i)
{
	struct mg_value *v = mg_in(g, n, i);

	return v && v->kind != MG_RUNTIME ? v->data : NULL;
}

/* Read element k of a constant integer tensor (int8/uint8 in stored form, int32, int64)
 * as int64; of a float tensor as its value. */
int64_t mg_get_int(const struct mg_value *v, int64_t k);
float mg_get_float(const struct mg_value *v, int64_t k);

#endif /* FPQ_MODEL_GRAPH_H */
