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

#ifdef __cplusplus
}
#endif

#endif /* FPQ_MODEL_H */
