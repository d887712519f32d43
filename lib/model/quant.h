/* SPDX-License-Identifier: MIT */
/*
 * quant.h - what the quantizer's files share (fpq_model_quantize(); Documentation/
 * models.rst, "Quantizing"; the entry point is quant_model.c): ONNX Runtime's
 * quantization rules (quant_params.c), the MinMax calibration run (quant_calibrate.c),
 * the QDQ rewrite of the graph (quant_graph.c) and the ONNX messages it builds
 * (quant_onnx.c).
 */
#ifndef FPQ_MODEL_QUANT_H
#define FPQ_MODEL_QUANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fpq_model.h"
#include "onnx.pb-c.h"

/* ---- the rules (quant_params.c), as quantize_static's quant_utils computes them ---- */

struct qz_params {
	float scale;
	int32_t zero_point;
};

/* The integer range of an activation or weight format: [qmin, qmax]. Weights are
 * symmetric: int8 in [-127, 127]. */
void qz_range(enum fpq_quant_format fmt, bool weight, int *qmin, int *qmax);
/* compute_scale_zp(): the range widened to hold 0 (and made symmetric for weights),
 * the scale (rmax - rmin) / (qmax - qmin) in binary64 then rounded to binary32, the
 * zero point round-half-even(qmin - rmin / scale); scale 1 and zero point 0 when the
 * scale would be below FLT_MIN. */
struct qz_params qz_compute_params(float rmin, float rmax, int qmin, int qmax, bool symmetric);
/* quantize_nparray(): rne(x / scale) (binary32 division) + zero point, clipped. */
int32_t qz_quantize_value(float x, struct qz_params p, int qmin, int qmax);
/* The bias: rne(b / (x_scale * w_scale)) in binary32, clipped to int32. */
int32_t qz_quantize_bias(float b, float bias_scale);

/* ---- building ONNX messages (quant_onnx.c): everything lives in one arena ---- */

struct qz_arena {
	void **blocks;
	size_t n, cap;
};

void *qz_alloc(struct qz_arena *a, size_t size);          /* zeroed; NULL if out of memory */
char *qz_strdup(struct qz_arena *a, const char *s);
char *qz_concat(struct qz_arena *a, const char *s, const char *suffix);
void qz_arena_free(struct qz_arena *a);

/* A new initializer of @dtype with @ndim dims and @data (copied) of @nbytes. */
Onnx__TensorProto *qz_tensor(struct qz_arena *a, const char *name, int32_t dtype,
			     unsigned int ndim, const int64_t *dims, const void *data,
			     size_t nbytes);
/* A new node; inputs and outputs are copied pointer arrays (the strings are not). */
Onnx__NodeProto *qz_node(struct qz_arena *a, const char *op_type, const char *name,
			 const char *const *inputs, size_t n_in, const char *const *outputs,
			 size_t n_out);
/* Add an integer attribute to a node made by qz_node() (room for 4). */
int qz_node_attr_int(struct qz_arena *a, Onnx__NodeProto *n, const char *name, int64_t v);
/* A graph output or input of element type @elem_type with no shape. */
Onnx__ValueInfoProto *qz_value_info(struct qz_arena *a, const char *name, int32_t elem_type);
/* The attribute @name of @n, or NULL. */
const Onnx__AttributeProto *qz_attr(const Onnx__NodeProto *n, const char *name);
int64_t qz_attr_int(const Onnx__NodeProto *n, const char *name, int64_t def);
float qz_attr_float(const Onnx__NodeProto *n, const char *name, float def);
/* A float initializer's elements, copied into the arena; -EINVAL if its data is not
 * its shape's. */
int qz_tensor_floats(struct qz_arena *a, const Onnx__TensorProto *t, float **data,
		     size_t *count);
/* Serialize @m into a malloc()ed buffer. */
int qz_pack(const Onnx__ModelProto *m, void **out, size_t *out_size);

/* ---- calibration (quant_calibrate.c) ---- */

struct qz_minmax {
	float min, max;
	bool seen;
};

/*
 * Run @model (serialized) with @n_taps extra graph outputs @taps (float tensors
 * produced by its nodes, none of them a graph output) on every calibration set and
 * record the smallest and largest value of every output: ranges[o] for graph output o,
 * ranges[n_outputs + i] for taps[i]; input_ranges[k] for model input k.
 */
int qz_calibrate(struct fpq_context *ctx, const Onnx__ModelProto *model,
		 const char *const *taps, size_t n_taps, const struct fpq_tensor *sets,
		 unsigned int n_sets, const struct fpq_quantize_opts *opts,
		 struct qz_minmax *ranges, struct qz_minmax *input_ranges, uint64_t *samples);

/* Run the quantized model @fm on every set and sum each layer's clamp counts in @sum
 * (fpq_model_num_layers() entries, zeroed by the caller). */
int qz_clamp_counts(struct fpq_model *fm, const struct fpq_tensor *sets, unsigned int n_sets,
		    const struct fpq_quantize_opts *opts, struct fpq_layer_stats *sum);

/* ---- MX layers (quant_mx.c) ---- */

/* The libfpq element format of an MX quantization format; FPQ_FMT_INVALID otherwise. */
enum fpq_format qz_mx_element(enum fpq_quant_format f);

struct qz_mx_args {
	const Onnx__NodeProto *node;   /* the float Conv, Gemm or MatMul */
	const char *name;              /* its name for messages */
	const char *wname;             /* its weight's name */
	const float *w;                /* the weight, binary32, as the model stores it */
	const int64_t *dims;
	unsigned int ndims;
	bool kn;                       /* a 2-D weight stored [K, N] (MatMul, Gemm transB=0) */
	enum fpq_format wfmt, afmt;    /* weight and activation element formats */
	const char *bias;              /* the bias input's name, or NULL */
};

struct qz_mx_layer {
	Onnx__NodeProto *node;         /* fpq.MxConv or fpq.MxGemm */
	Onnx__TensorProto *weights, *scales;
	struct fpq_quant_stats stats;  /* of the weights' quantization */
	size_t channels, kp;
	uint64_t weight_bytes;         /* packed elements and scales */
};

/* Build the MX layer replacing @in->node (everything in the arena). */
int qz_mx_layer(struct qz_arena *a, const struct qz_mx_args *in, struct qz_mx_layer *out);

/*
 * Run the float model @model and the quantized model @qmodel (serialized) on every
 * calibration set, with float tensor taps[i] of the float model compared to qtaps[i]
 * of the quantized one: signal[i] += sum x^2, noise[i] += sum (x - xq)^2.
 */
int qz_compare(struct fpq_context *ctx, const Onnx__ModelProto *model, const void *qmodel,
	       size_t qsize, const char *const *taps, const char *const *qtaps, size_t n_taps,
	       const struct fpq_tensor *sets, unsigned int n_sets,
	       const struct fpq_quantize_opts *opts, double *signal, double *noise,
	       uint64_t *samples);

/*
 * The index of the largest entry of each row of @model's output 0 (a float [N, C]
 * tensor) over every calibration set, in order: @classes receives a malloc()ed array of
 * *@count entries.
 */
int qz_top1(struct fpq_context *ctx, const void *model, size_t size,
	    const struct fpq_tensor *sets, unsigned int n_sets,
	    const struct fpq_quantize_opts *opts, uint32_t **classes, uint64_t *count);

/* The mixed-precision search (quant_search.c): fpq_model_quantize() with opts->budget. */
int qz_search(struct fpq_context *ctx, const void *model, size_t size,
	      const struct fpq_tensor *sets, unsigned int n_sets,
	      const struct fpq_quantize_opts *opts, void **out, size_t *out_size,
	      struct fpq_quant_report **report);

/* ---- the rewrite (quant_graph.c) ---- */

/* Everything fpq_model_quantize() does after checking its arguments and having the
 * loader check the float model: fold, calibrate, rewrite, write, check the result
 * loads and count its clamps on the calibration sets, report. */
int qz_quantize_graph(struct fpq_context *ctx, const void *model, size_t size,
		      const struct fpq_tensor *sets, unsigned int n_sets,
		      const struct fpq_quantize_opts *opts, void **out, size_t *out_size,
		      struct fpq_quant_report **report);

#endif /* FPQ_MODEL_QUANT_H */
