// SPDX-License-Identifier: MIT
/*
 * quant_model.c - fpq_model_quantize(), the entry point of the quantizer: it checks its
 * arguments, has the model layer's loader check the untrusted float model completely
 * (the rewrite in quant_graph.c then reads a model known to be well formed), and runs
 * the rewrite in libfpq's floating-point environment.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"
#include "quant.h"

const char *fpq_quant_format_name(enum fpq_quant_format format)
{
	switch (format) {
	case FPQ_QUANT_DEFAULT:
		return "default";
	case FPQ_QUANT_INT8:
		return "int8";
	case FPQ_QUANT_UINT8:
		return "uint8";
	}
	return NULL;
}

static bool known_format(enum fpq_quant_format f, bool weights)
{
	return f == FPQ_QUANT_DEFAULT || f == FPQ_QUANT_INT8 || (!weights && f == FPQ_QUANT_UINT8);
}

int fpq_model_quantize(struct fpq_context *ctx, const void *model, size_t size,
		       const struct fpq_tensor *calibration, unsigned int n_sets,
		       const struct fpq_quantize_opts *opts, void **out, size_t *out_size,
		       struct fpq_quant_report **report)
{
	struct fpq_quantize_opts o = { 0 };
	struct fpq_model_opts mopts = { 0 };
	struct fpq_model *fm = NULL;
	struct fpq_fp_env fp;
	int err;

	if (!out || !out_size)
		return fpq_error(-EFAULT, "quantize: NULL output pointer");
	*out = NULL;
	*out_size = 0;
	if (report)
		*report = NULL;
	if (!ctx || !model || !calibration)
		return fpq_error(-EFAULT, "quantize: NULL context, model or calibration data");
	if (!n_sets)
		return fpq_error(-EINVAL, "quantize: no calibration data");
	if (opts)
		o = *opts;
	if (o.flags & ~FPQ_QUANTIZE_PER_CHANNEL)
		return fpq_error(-EINVAL, "quantize: unknown flags 0x%x", o.flags);
	if (!known_format(o.weights, true))
		return fpq_error(-ENOTSUP, "quantize: weights in format %d are not supported "
				 "(int8 only)", (int)o.weights);
	if (!known_format(o.activations, false))
		return fpq_error(-ENOTSUP, "quantize: activations in format %d are not supported "
				 "(uint8 or int8)", (int)o.activations);
	for (unsigned int l = 0; o.layers && l < o.n_layers; l++)
		if (!known_format(o.layers[l].weights, true) ||
		    !known_format(o.layers[l].activations, false))
			return fpq_error(-ENOTSUP, "quantize: node '%.64s': format not supported "
					 "(int8 weights, uint8 or int8 activations)",
					 o.layers[l].node ? o.layers[l].node : "(null)");
	mopts.max_memory = o.max_memory;
	err = fpq_model_load_memory(ctx, model, size, &mopts, &fm);
	if (err)
		return err;
	fpq_model_free(fm);
	fp = fpq_fp_enter();
	err = qz_quantize_graph(ctx, model, size, calibration, n_sets, &o, out, out_size, report);
	fpq_fp_leave(fp);
	return err;
}

void fpq_quant_report_free(struct fpq_quant_report *report)
{
	free(report);
}
