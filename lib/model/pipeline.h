/* SPDX-License-Identifier: MIT */
/*
 * pipeline.h - the steps from a file to a run: read (onnx_reader.c), rewrite
 * (pass_*.c), compile and plan (compile.c, plan.c), run (exec.c).
 */
#ifndef FPQ_MODEL_PIPELINE_H
#define FPQ_MODEL_PIPELINE_H

#include "graph.h"

/* Most opsets of ai.onnx accepted. */
#define MG_OPSET_MIN 13
#define MG_OPSET_MAX 21

/* Parse a serialized ModelProto into g (raw nodes, constants, inputs, outputs). */
int mg_read_onnx(struct mg_graph *g, const void *data, size_t size);

/* Resolve every node's op and parse its attributes. */
int mg_parse_nodes(struct mg_graph *g);
/* Parse one node created by a pass (its op resolved by op_type/domain). */
int mg_parse_node(struct mg_graph *g, int node);

/* Constant nodes become constant values. */
int mg_pass_constants(struct mg_graph *g);
/* Evaluate nodes whose inputs are all constant (not DequantizeLinear when keep_dq,
 * so that the QDQ pass still sees quantized weights). */
int mg_pass_fold(struct mg_graph *g, bool keep_dq);
/* BatchNormalization after a float Conv with constant weights, folded into it. */
int mg_pass_batchnorm(struct mg_graph *g);
/* DequantizeLinear -> op -> QuantizeLinear into quantized ops, as ONNX Runtime does. */
int mg_pass_qdq(struct mg_graph *g);
/* NHWC inside: layout of every 4-D value, conversions where an op needs the other. */
int mg_pass_layout(struct mg_graph *g);

/* ---- helpers the passes share (pass_util.c) ---- */

/* Consumers of every value, as of the last mg_pass_index() (entries for nodes that died
 * or were rewired since are filtered out by mg_consumers()). */
struct mg_index {
	int *first;   /* n_values + 1: value v's entries start at cons[first[v]] */
	int *count;   /* n_values: how many */
	int *cons;
	int n_values;
};

int mg_pass_index(struct mg_graph *g, struct mg_index *ix);
void mg_pass_index_free(struct mg_graph *g, struct mg_index *ix);
/* Live nodes that read v (up to max into out); returns how many there are. */
int mg_consumers(struct mg_graph *g, const struct mg_index *ix, int v, int *out, int max);
/* The node reading v, if it is v's only use (not a graph output); else -1. */
int mg_sole_consumer(struct mg_graph *g, const struct mg_index *ix, int v);
/* A new internal node named after node `like`; returns its index. */
int mg_new_node(struct mg_graph *g, const char *op_type, const char *domain, int like,
		int n_in, int n_out);
/* Copy the attributes of node src named in names (NULL-terminated; all if NULL). */
int mg_copy_attrs(struct mg_graph *g, int dst, int src, const char *const *names);
/* Mark node dead; its outputs other than keep lose their producer. */
void mg_kill_node(struct mg_graph *g, int node);
/* Is node idx live and of op_type in the default domain? */
bool mg_node_is(const struct mg_graph *g, int idx, const char *op_type);

/* Infer every live node's output shapes in order (shape-time nodes evaluated when
 * evaluate is set: MG_SHAPE values get data). */
int mg_infer_shapes(struct mg_graph *g, bool evaluate);
/* Pack the weights and tables of every live node. */
int mg_pack_nodes(struct mg_graph *g);

/* Worth evaluating now: not a GEMM, outputs known (and small unless at load). */
bool mg_evaluable(struct mg_graph *g, const struct mg_node *n, bool load);
/* Run one node on data that is all present (folding, shape-time evaluation). */
int mg_eval_node(struct mg_graph *g, int node, enum mg_kind kind);

/* Set output o's type and shape (checks a declared graph output's type). */
int mg_set_output(struct mg_graph *g, struct mg_node *n, int o, enum fpq_dtype dtype,
		  int rank, const int64_t *dims);
/* Output o like input i (elementwise ops). */
int mg_output_like(struct mg_graph *g, struct mg_node *n, int o, int i);

/* ---- running (exec.c) ---- */

/* The buffers of a model for one set of input shapes. */
struct mg_plan {
	bool valid;
	int64_t in_dims[64][MG_MAX_DIMS]; /* the input shapes planned for (first 64) */
	void *arena;
	size_t arena_size, arena_cap;
	void *scratch;
	size_t scratch_size, scratch_cap;
	bool *shape_time;  /* per node: evaluated at prepare, not run */
};

/* Shapes of the inputs: check them and plan (again if they changed). */
int mg_prepare(struct mg_graph *g, struct mg_plan *p, const struct fpq_tensor *inputs);
/* Run the prepared graph. stats: one entry per layer, or NULL. */
int mg_execute(struct mg_graph *g, struct mg_plan *p, const struct fpq_tensor *inputs,
	       struct fpq_tensor *outputs, struct fpq_layer_stats *stats, int n_layers);
void mg_plan_free(struct mg_graph *g, struct mg_plan *p);

#endif /* FPQ_MODEL_PIPELINE_H */
