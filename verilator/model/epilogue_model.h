/* SPDX-License-Identifier: MIT */
/*
 * epilogue_model.h - C interface to the Verilated fpq_epilogue (the card's per-value
 * output stage), for its unit bench.
 */
#ifndef FPQ_EPILOGUE_MODEL_H
#define FPQ_EPILOGUE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct epi_op {
	int int8_path;
	uint8_t fmt_c;
	uint8_t act;
	uint32_t clamp_lo, clamp_hi;
	int32_t out_zero, act_min, act_max;
	int nonsat;
	int mx_out;
};

struct epi_in {
	uint32_t acc, alpha, beta, bias, mult, oscale;
	int8_t shift;
};

struct epi_out {
	uint32_t code, y;
	int clamped, saturated, nan_to_zero, overflowed;
};

struct epi_model;

struct epi_model *epi_model_create(uint64_t seed);
void epi_model_destroy(struct epi_model *m);
void epi_model_set_op(struct epi_model *m, const struct epi_op *op);
/* Failed RTL assertions since creation (verilator/model/rtl_errors.h). */
uint64_t epi_model_rtl_errors(const struct epi_model *m);
/* Push @n values through the pipeline, one per cycle, and collect their results. */
void epi_model_run(struct epi_model *m, const struct epi_in *in, struct epi_out *out, size_t n);

#ifdef __cplusplus
}
#endif

#endif
