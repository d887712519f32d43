/* SPDX-License-Identifier: MIT */
/*
 * npy_model.h - .npy dtypes as the model layer's element types and back, for the tools
 * that feed models .npy files (fpq-run, fpq-quantize).
 */
#ifndef FPQ_NPY_MODEL_H
#define FPQ_NPY_MODEL_H

#include <string.h>

#include "fpq_model.h"

/* FPQ_DTYPE_UNDEFINED for a dtype no model input has. */
static inline enum fpq_dtype npy_to_model_dtype(const char *d)
{
	if (!strcmp(d, "f4"))
		return FPQ_DTYPE_FLOAT;
	if (!strcmp(d, "u1"))
		return FPQ_DTYPE_UINT8;
	if (!strcmp(d, "i1"))
		return FPQ_DTYPE_INT8;
	if (!strcmp(d, "i4"))
		return FPQ_DTYPE_INT32;
	if (!strcmp(d, "i8"))
		return FPQ_DTYPE_INT64;
	if (!strcmp(d, "b1"))
		return FPQ_DTYPE_BOOL;
	return FPQ_DTYPE_UNDEFINED;
}

/* NULL for a type .npy files do not carry here. */
static inline const char *model_dtype_to_npy(enum fpq_dtype t)
{
	switch (t) {
	case FPQ_DTYPE_FLOAT: return "f4";
	case FPQ_DTYPE_UINT8: return "u1";
	case FPQ_DTYPE_INT8: return "i1";
	case FPQ_DTYPE_INT32: return "i4";
	case FPQ_DTYPE_INT64: return "i8";
	case FPQ_DTYPE_BOOL: return "b1";
	default: return NULL;
	}
}

#endif
