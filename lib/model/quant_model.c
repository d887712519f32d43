// SPDX-License-Identifier: MIT
/*
 * quant_model.c - fpq_model_quantize(), the entry point of the quantizer: it checks its
 * arguments, has the model layer's loader check the untrusted float model completely
 * (the rewrite in quant_graph.c then reads a model known to be well formed), and runs
 * the rewrite in libfpq's floating-point environment.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "quant.h"

static const char *const format_names[] = {
	[FPQ_QUANT_DEFAULT] = "default", [FPQ_QUANT_INT8] = "int8", [FPQ_QUANT_UINT8] = "uint8",
	[FPQ_QUANT_E4M3] = "e4m3", [FPQ_QUANT_E5M2] = "e5m2", [FPQ_QUANT_E3M2] = "e3m2",
	[FPQ_QUANT_E2M3] = "e2m3", [FPQ_QUANT_E2M1] = "e2m1", [FPQ_QUANT_MXINT8] = "mxint8",
	[FPQ_QUANT_FLOAT] = "fp32",
};

const char *fpq_quant_format_name(enum fpq_quant_format format)
{
	if ((unsigned int)format >= sizeof(format_names) / sizeof(format_names[0]))
		return NULL;
	return format_names[format];
}

enum fpq_quant_format fpq_quant_format_from_name(const char *name)
{
	for (unsigned int f = 1; name && f < sizeof(format_names) / sizeof(format_names[0]); f++)
		if (!strcmp(name, format_names[f]))
			return (enum fpq_quant_format)f;
	return FPQ_QUANT_DEFAULT;
}

static bool is_mx(enum fpq_quant_format f)
{
	return qz_mx_element(f) != FPQ_FMT_INVALID;
}

/* An INT8 model takes the INT8 family; an MX model (MX default weights) MX formats and
 * float layers. */
static bool known_format(enum fpq_quant_format f, bool weights, bool mx)
{
	if (f == FPQ_QUANT_DEFAULT)
		return true;
	if (mx)
		return is_mx(f) || (weights && f == FPQ_QUANT_FLOAT);
	return f == FPQ_QUANT_INT8 || (!weights && f == FPQ_QUANT_UINT8);
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
	bool mx;
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
	mx = is_mx(o.weights);
	if (!known_format(o.weights, true, false) && !mx)
		return fpq_error(-ENOTSUP, "quantize: weights in format %d are not supported "
				 "(int8, e4m3, e5m2, e3m2, e2m3, e2m1, mxint8)", (int)o.weights);
	if (!known_format(o.activations, false, mx))
		return fpq_error(-ENOTSUP, "quantize: activations in %s are not supported with "
				 "%s weights (%s)", fpq_quant_format_name(o.activations) ?
				 fpq_quant_format_name(o.activations) : "an unknown format",
				 mx ? "MX" : "int8", mx ? "an MX element format" : "uint8 or int8");
	for (unsigned int l = 0; o.layers && l < o.n_layers; l++)
		if (!known_format(o.layers[l].weights, true, mx) ||
		    !known_format(o.layers[l].activations, false, mx))
			return fpq_error(-ENOTSUP, "quantize: node '%.64s': format not supported "
					 "(%s)", o.layers[l].node ? o.layers[l].node : "(null)",
					 mx ? "in an MX model: MX formats, or fp32 weights" :
					 "int8 weights, uint8 or int8 activations");
	mopts.max_memory = o.max_memory;
	err = fpq_model_load_memory(ctx, model, size, &mopts, &fm);
	if (err)
		return err;
	fpq_model_free(fm);
	if (o.budget && !mx)
		return fpq_error(-ENOTSUP, "quantize: the budget's search is for MX weights");
	fp = fpq_fp_enter();
	if (o.budget)
		err = qz_search(ctx, model, size, calibration, n_sets, &o, out, out_size, report);
	else
		err = qz_quantize_graph(ctx, model, size, calibration, n_sets, &o, out, out_size,
					report);
	fpq_fp_leave(fp);
	return err;
}

void fpq_quant_report_free(struct fpq_quant_report *report)
{
	free(report);
}
