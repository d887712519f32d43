/* SPDX-License-Identifier: MIT */
/*
 * fpq_model.h - ONNX models on libfpq: load a (quantized) model once, with its weights
 * converted and pre-packed for the context's backend, then run it on tensors,
 * synchronously or as a job. Documentation/models.rst lists the supported operators
 * and says how the arithmetic matches ONNX Runtime.
 *
 * Conventions as in fpq.h: functions return 0 or a negative errno, and fpq_strerror()
 * says what was wrong (for a model: which node, and why).
 */
#ifndef FPQ_MODEL_H
#define FPQ_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "fpq.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most dimensions of a tensor. */
#define FPQ_MODEL_MAX_DIMS 8

/**
 * enum fpq_dtype - element types of model tensors. The values are ONNX's
 * (TensorProto.DataType).
 */
enum fpq_dtype {
	FPQ_DTYPE_UNDEFINED = 0,
	FPQ_DTYPE_FLOAT = 1,
	FPQ_DTYPE_UINT8 = 2,
	FPQ_DTYPE_INT8 = 3,
	FPQ_DTYPE_INT32 = 6,
	FPQ_DTYPE_INT64 = 7,
	FPQ_DTYPE_BOOL = 9,
};

/** fpq_dtype_name() - "float", "uint8" etc. (numpy's names), or "undefined". */
const char *fpq_dtype_name(enum fpq_dtype dtype);
/** fpq_dtype_size() - bytes per element, or 0 for a type libfpq does not handle. */
size_t fpq_dtype_size(enum fpq_dtype dtype);

/**
 * struct fpq_tensor - a dense row-major (C order) tensor in memory.
 * @dtype: element type.
 * @ndim: number of dimensions (0 for a scalar).
 * @dims: the dimensions.
 * @data: the elements.
 * @size: bytes at @data (at least the product of @dims times the element size).
 */
struct fpq_tensor {
	enum fpq_dtype dtype;
	unsigned int ndim;
	int64_t dims[FPQ_MODEL_MAX_DIMS];
	void *data;
	size_t size;
};

/**
 * struct fpq_tensor_info - a model input or output as the model declares it.
 * @name: its name in the model (valid as long as the model).
 * @dtype: element type.
 * @ndim: number of dimensions.
 * @dims: the dimensions; -1 for a dynamic one (set by the input given at run time).
 * @dim_names: the symbolic name of a dynamic dimension ("batch"), or NULL.
 */
struct fpq_tensor_info {
	const char *name;
	enum fpq_dtype dtype;
	unsigned int ndim;
	int64_t dims[FPQ_MODEL_MAX_DIMS];
	const char *dim_names[FPQ_MODEL_MAX_DIMS];
};

/**
 * struct fpq_model_opts - how to load a model.
 * @flags: none defined yet; must be 0.
 * @max_memory: most bytes the model may allocate for itself (its graph, weights,
 *	packed weights, intermediate tensors); 0 for the default of 2 GiB. A model that
 *	would need more is refused with -E2BIG, at load or, for dynamic shapes, at run.
 */
struct fpq_model_opts {
	unsigned int flags;
	size_t max_memory;
};

struct fpq_model;
struct fpq_model_job;

/**
 * fpq_model_load() - read an ONNX model from a file, check it completely, optimise its
 * graph (constant folding, BatchNormalization into Conv, QDQ fusion into quantized
 * operations, activations into the GEMM epilogue, NHWC layout, buffer planning) and
 * convert and pre-pack its weights for @ctx's backend.
 * @ctx: the context the model runs on; it must outlive the model.
 * @path: the .onnx file. Weights in external data files are refused.
 * @opts: NULL for the defaults.
 * @model: receives the model.
 *
 * A model file is untrusted input: anything malformed or unsupported (an operator, an
 * attribute, an opset outside 13..21, a type, a shape that does not fit) is refused
 * with a negative errno, and fpq_strerror() names the node and the reason.
 * Return: 0, -ENOENT or another errno from reading the file, -EINVAL for a malformed
 * model, -ENOTSUP for an unsupported one, -E2BIG beyond @opts->max_memory, -ENOMEM.
 */
int fpq_model_load(struct fpq_context *ctx, const char *path,
		   const struct fpq_model_opts *opts, struct fpq_model **model);

/**
 * fpq_model_load_memory() - fpq_model_load() from a serialized ModelProto in memory.
 * @ctx: the context the model runs on.
 * @data: the bytes (not needed after the call).
 * @size: their number.
 * @opts: NULL for the defaults.
 * @model: receives the model.
 */
int fpq_model_load_memory(struct fpq_context *ctx, const void *data, size_t size,
			  const struct fpq_model_opts *opts, struct fpq_model **model);

/**
 * fpq_model_free() - wait for the model's jobs, then free it. Jobs not yet freed stay
 * valid for fpq_model_job_wait() and fpq_model_job_free(). NULL is a no-op.
 */
void fpq_model_free(struct fpq_model *model);

/** fpq_model_num_inputs() - how many inputs a run takes. */
unsigned int fpq_model_num_inputs(const struct fpq_model *model);
/** fpq_model_num_outputs() - how many outputs a run produces. */
unsigned int fpq_model_num_outputs(const struct fpq_model *model);

/**
 * fpq_model_input() - name, type and shape of input @index.
 * @model: the model.
 * @index: 0 .. fpq_model_num_inputs() - 1.
 * @info: receives the description.
 */
int fpq_model_input(const struct fpq_model *model, unsigned int index,
		    struct fpq_tensor_info *info);

/**
 * fpq_model_output() - name, type and shape of output @index; dynamic dimensions are
 * -1 until a run fixes them (the shapes of the last run's outputs are then reported).
 * @model: the model.
 * @index: 0 .. fpq_model_num_outputs() - 1.
 * @info: receives the description.
 */
int fpq_model_output(const struct fpq_model *model, unsigned int index,
		     struct fpq_tensor_info *info);

/**
 * struct fpq_layer_info - one operation the model runs (after fusion: a layer is
 * usually one node of the file, such as a Conv with its Q/DQ pairs and its Relu).
 * @name: the name of the node in the file (or "op_type:index" when it has none).
 * @op: the operation run ("QLinearConv", "MaxPool", ...).
 * @kernel: how it runs: "gemm" (libfpq's GEMM on the context's backend), "cpu"
 *	(libfpq's CPU code) or "shape" (evaluated before the run, from shapes).
 */
struct fpq_layer_info {
	const char *name;
	const char *op;
	const char *kernel;
};

/** fpq_model_num_layers() - how many layers fpq_model_layer() describes. */
unsigned int fpq_model_num_layers(const struct fpq_model *model);

/**
 * fpq_model_layer() - describe layer @index, in execution order.
 * @model: the model.
 * @index: 0 .. fpq_model_num_layers() - 1.
 * @info: receives the description.
 */
int fpq_model_layer(const struct fpq_model *model, unsigned int index,
		    struct fpq_layer_info *info);

/**
 * struct fpq_layer_stats - what one layer did in one run.
 * @clamped: outputs that the layer's output range changed (a fused Relu or Clip, or
 *	the 8-bit type's range).
 * @saturated: of those, the outputs that were beyond the output type's range.
 * @time_ns: wall-clock time of the layer.
 * @device_cycles: card cycles of its GEMMs (0 on the CPU).
 * @gemm_calls: GEMM operations it issued.
 */
struct fpq_layer_stats {
	uint64_t clamped;
	uint64_t saturated;
	uint64_t time_ns;
	uint64_t device_cycles;
	uint64_t gemm_calls;
};

/**
 * fpq_model_run() - run the model once and wait for the results.
 * @model: the model.
 * @inputs: one tensor per model input, in the model's order; each must have the
 *	declared type and rank and the declared size of every fixed dimension (a dynamic
 *	one may take any size).
 * @n_inputs: fpq_model_num_inputs().
 * @outputs: one tensor per model output. The run fills @dtype, @ndim and @dims. If
 *	@data is NULL the run allocates the output (release it with free()); otherwise
 *	@size must be large enough (-ENOSPC, and nothing written, if not).
 * @n_outputs: fpq_model_num_outputs().
 * @stats: NULL, or an array of fpq_model_num_layers() entries to fill.
 *
 * Runs of one model are serialised; the results do not depend on the backend, the
 * number of threads or the caller's floating-point environment.
 */
int fpq_model_run(struct fpq_model *model, const struct fpq_tensor *inputs,
		  unsigned int n_inputs, struct fpq_tensor *outputs, unsigned int n_outputs,
		  struct fpq_layer_stats *stats);

/**
 * fpq_model_submit() - start a run and return at once; fpq_model_job_wait() collects
 * it. The arguments are those of fpq_model_run(); the input data, the @outputs array
 * and any output memory must stay valid until the job has completed. Jobs of one model
 * run in submission order.
 * @model: the model.
 * @inputs: as for fpq_model_run() (the array itself is copied).
 * @n_inputs: fpq_model_num_inputs().
 * @outputs: as for fpq_model_run(), filled when the job completes.
 * @n_outputs: fpq_model_num_outputs().
 * @job: receives the job.
 */
int fpq_model_submit(struct fpq_model *model, const struct fpq_tensor *inputs,
		     unsigned int n_inputs, struct fpq_tensor *outputs, unsigned int n_outputs,
		     struct fpq_model_job **job);

/**
 * fpq_model_job_wait() - wait for a job from fpq_model_submit().
 * @job: the job.
 * @timeout_ns: relative timeout; negative waits forever, 0 polls.
 * @stats: NULL, or fpq_model_num_layers() entries to fill.
 * Return: 0 when done, -ETIMEDOUT if it is still running, or the run's error.
 */
int fpq_model_job_wait(struct fpq_model_job *job, int64_t timeout_ns,
		       struct fpq_layer_stats *stats);

/** fpq_model_job_free() - wait for @job if needed, then free it. NULL is a no-op. */
void fpq_model_job_free(struct fpq_model_job *job);

/* ---- quantizing a float model (fpq-quantize) ---- */

/**
 * enum fpq_quant_format - the number format of a quantized tensor: the INT8 family of
 * ONNX Runtime's quantize_static (QDQ), or an MX element format with E8M0 scales per
 * 32 along K (fpq.MxConv / fpq.MxGemm layers, Documentation/models.rst).
 * @FPQ_QUANT_DEFAULT: the option's default (weights: INT8; activations: UINT8, or
 *	with MX weights E4M3 - MXINT8 for MXINT8 weights).
 * @FPQ_QUANT_INT8: int8. Weights symmetric in [-127, 127] with zero point 0;
 *	activations asymmetric in [-128, 127] (ORT then needs session.qdqisint8allowed=1
 *	to fuse them into its integer kernels).
 * @FPQ_QUANT_UINT8: uint8, asymmetric in [0, 255] (activations only).
 * @FPQ_QUANT_E4M3: MXFP8 E4M3 (weights and activations of MX layers).
 * @FPQ_QUANT_E5M2: MXFP8 E5M2.
 * @FPQ_QUANT_E3M2: MXFP6 E3M2.
 * @FPQ_QUANT_E2M3: MXFP6 E2M3.
 * @FPQ_QUANT_E2M1: MXFP4 E2M1.
 * @FPQ_QUANT_MXINT8: MXINT8.
 * @FPQ_QUANT_FLOAT: left in binary32 (a per-layer weight format of an MX model).
 */
enum fpq_quant_format {
	FPQ_QUANT_DEFAULT = 0,
	FPQ_QUANT_INT8 = 1,
	FPQ_QUANT_UINT8 = 2,
	FPQ_QUANT_E4M3 = 3,
	FPQ_QUANT_E5M2 = 4,
	FPQ_QUANT_E3M2 = 5,
	FPQ_QUANT_E2M3 = 6,
	FPQ_QUANT_E2M1 = 7,
	FPQ_QUANT_MXINT8 = 8,
	FPQ_QUANT_FLOAT = 9,
};

/** fpq_quant_format_name() - "int8", "uint8", "e4m3", ..., "mxint8", "fp32", "default",
 * or NULL for an unknown one. */
const char *fpq_quant_format_name(enum fpq_quant_format format);
/** fpq_quant_format_from_name() - the inverse; FPQ_QUANT_DEFAULT for an unknown name. */
enum fpq_quant_format fpq_quant_format_from_name(const char *name);

/** Quantize weights per output channel (else one scale per tensor). */
#define FPQ_QUANTIZE_PER_CHANNEL (1u << 0)

/**
 * struct fpq_quant_layer_format - the formats of one node, overriding the defaults.
 * @node: the node's name in the float model.
 * @weights: the format of its weights (FPQ_QUANT_DEFAULT: the option's).
 * @activations: the format of its outputs (FPQ_QUANT_DEFAULT: the option's).
 */
struct fpq_quant_layer_format {
	const char *node;
	enum fpq_quant_format weights;
	enum fpq_quant_format activations;
};

/**
 * struct fpq_quantize_opts - how fpq_model_quantize() quantizes.
 * @flags: FPQ_QUANTIZE_PER_CHANNEL, or 0.
 * @weights: the weights' format (FPQ_QUANT_DEFAULT is FPQ_QUANT_INT8).
 * @activations: the activations' format (FPQ_QUANT_DEFAULT is FPQ_QUANT_UINT8).
 * @layers: per-node overrides (NULL if none), @n_layers of them.
 * @n_layers: how many.
 * @batch: calibration samples per run of the float model (0: 64); a set whose first
 *	dimension is the model's dynamic batch is cut into runs of this many.
 * @set_names: NULL, or one name per calibration set (a file name) for messages.
 * @max_memory: as struct fpq_model_opts (0: the default).
 * @budget: MX models: 0, or the mixed-precision search's budget in points: each Conv,
 *	Gemm and MatMul not named in @layers is tried, largest first, in E2M1 and then
 *	E2M3 weights and keeps the first that keeps the top-1 disagreement with the float
 *	model on the calibration set (percent of samples whose largest output 0 entry
 *	differs) within @budget, else stays in @weights (Documentation/models.rst).
 */
struct fpq_quantize_opts {
	unsigned int flags;
	enum fpq_quant_format weights;
	enum fpq_quant_format activations;
	const struct fpq_quant_layer_format *layers;
	unsigned int n_layers;
	unsigned int batch;
	const char *const *set_names;
	size_t max_memory;
	double budget;
};

/** enum fpq_quant_role - what a quantized tensor is to the model. */
enum fpq_quant_role {
	FPQ_QUANT_ROLE_ACTIVATION = 1,
	FPQ_QUANT_ROLE_WEIGHT = 2,
	FPQ_QUANT_ROLE_BIAS = 3,
};

/**
 * struct fpq_quant_tensor - one quantized tensor of the report.
 * @name: the tensor's name in the float model.
 * @node: the node that produces it (activations; "" for a graph input) or reads it
 *	(weights, biases).
 * @role: activation, weight or bias.
 * @dtype: its quantized type (uint8, int8, int32).
 * @channels: how many scales it has (1: per tensor).
 * @scale: its scale (per channel: the smallest).
 * @scale_max: the largest scale (per tensor: @scale).
 * @zero_point: its zero point (the same for every channel).
 * @min: the smallest value seen (activations: over the calibration set).
 * @max: the largest.
 * @shared_with: NULL, or the tensor whose scale and zero point it takes (MaxPool,
 *	Reshape and the like keep their input's, as quantize_static does).
 * @elements: elements of a weight or bias (0 for activations).
 * @float_bytes: its bytes in binary32.
 * @quant_bytes: its bytes quantized, scales and zero points included.
 * @format: its format's name: "uint8", "int8", "int32", an MX element format
 *	("e4m3", ..., "mxint8": weights of MX layers, with E8M0 scales) or "fp32".
 */
struct fpq_quant_tensor {
	const char *name;
	const char *node;
	enum fpq_quant_role role;
	enum fpq_dtype dtype;
	unsigned int channels;
	float scale;
	float scale_max;
	int32_t zero_point;
	float min;
	float max;
	const char *shared_with;
	uint64_t elements;
	uint64_t float_bytes;
	uint64_t quant_bytes;
	const char *format;
};

/**
 * struct fpq_quant_layer - one layer of the quantized model as libfpq runs it, with
 * what its output range clamped over the calibration set (struct fpq_layer_stats).
 * @name: the layer (fpq_model_layer()).
 * @op: its operation.
 * @clamped: outputs its output range changed (MX layers: activations their MX
 *	quantization saturated).
 * @saturated: of those, outputs beyond the output type's range.
 * @format: the format of its weights ("int8", "e4m3", ..., "fp32"), or NULL for a layer
 *	without weights.
 * @weight_bytes: the bytes of its weights and bias as stored (scales included).
 * @sqnr_db: MX models: the signal-to-quantization-noise ratio of the layer's output
 *	against the float model's over the calibration set, 10 log10(sum x^2 / sum
 *	(x - xq)^2) in dB (+Inf if equal); NaN where not measured.
 */
struct fpq_quant_layer {
	const char *name;
	const char *op;
	uint64_t clamped;
	uint64_t saturated;
	const char *format;
	uint64_t weight_bytes;
	double sqnr_db;
};

/**
 * struct fpq_quant_report - what fpq_model_quantize() did.
 * @tensors: every quantized tensor, in graph order; @n_tensors of them.
 * @n_tensors: how many.
 * @layers: the quantized model's layers; @n_layers of them.
 * @n_layers: how many.
 * @samples: calibration samples run (first dimension of each set).
 * @float_weight_bytes: bytes of the weights and biases in binary32.
 * @quant_weight_bytes: their bytes quantized (scales and zero points included).
 */
struct fpq_quant_report {
	struct fpq_quant_tensor *tensors;
	unsigned int n_tensors;
	struct fpq_quant_layer *layers;
	unsigned int n_layers;
	uint64_t samples;
	uint64_t float_weight_bytes;
	uint64_t quant_weight_bytes;
};

/**
 * fpq_model_quantize() - quantize a float ONNX model to QDQ form as ONNX Runtime's
 * quantize_static does by default: MinMax calibration, symmetric int8 weights (per
 * tensor or per channel), asymmetric activations, int32 biases at scale
 * x_scale * w_scale, BatchNormalization folded into the Conv before it, Relu and Clip
 * folded into the output range of the op before them (Documentation/models.rst,
 * "Quantizing").
 * @ctx: a context to run the float model on for calibration (any backend).
 * @model: the float model's serialized ModelProto (untrusted; checked completely).
 * @size: its bytes.
 * @calibration: @n_sets sets of fpq_model_num_inputs() tensors each (set-major): the
 *	model's inputs as it declares them, a dynamic first dimension holding samples.
 * @n_sets: how many sets (at least one).
 * @opts: NULL for the defaults.
 * @out: receives the quantized model's bytes (free() them).
 * @out_size: receives their number.
 * @report: NULL, or receives the report (fpq_quant_report_free()).
 *
 * An operator the quantizer cannot quantize, a weight that is not a constant, a
 * calibration set of the wrong type or shape, or values that are not finite are
 * refused, naming the node or the set.
 * Return: 0, -EINVAL, -ENOTSUP, -E2BIG, -ENOMEM or an error of fpq_model_load().
 */
int fpq_model_quantize(struct fpq_context *ctx, const void *model, size_t size,
		       const struct fpq_tensor *calibration, unsigned int n_sets,
		       const struct fpq_quantize_opts *opts, void **out, size_t *out_size,
		       struct fpq_quant_report **report);

/** fpq_quant_report_free() - free a report of fpq_model_quantize(). NULL is a no-op. */
void fpq_quant_report_free(struct fpq_quant_report *report);

#ifdef __cplusplus
}
#endif

#endif /* FPQ_MODEL_H */
