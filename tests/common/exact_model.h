/* SPDX-License-Identifier: MIT */
/*
 * exact_model.h - an independent model of the numerics contract for the tests.
 *
 * It shares no code with libfpq: element values come from the format table of
 * numerics.rst evaluated as GMP rationals, sums are exact rationals, and every binary32
 * (or bfloat16) rounding is done by MPFR with the target's precision and exponent range.
 * The quantizer finds the nearest value by searching a sorted table of the format's
 * values instead of computing exponents, so it errs differently from libfpq if at all.
 */
#ifndef FPQ_TEST_EXACT_MODEL_H
#define FPQ_TEST_EXACT_MODEL_H

#include <gmp.h>
#include <stdint.h>

#include "fpq.h"

enum model_class { MODEL_FINITE, MODEL_POS_INF, MODEL_NEG_INF, MODEL_NAN };

/* Value of @code in @fmt (an element format): class, and the rational when finite. */
enum model_class model_decode(enum fpq_format fmt, uint32_t code, mpq_t value);
/* Number of codes of an element format (2^bits). */
unsigned int model_code_count(enum fpq_format fmt);

/* RNE of an exact rational to binary32, with subnormals and overflow to Inf. */
float model_round_fp32(const mpq_t v);
/* The binary32 operations of the contract, each rounded once by MPFR. */
float model_add_fp32(float a, float b);
float model_fma_fp32(float a, float b, float c);
/* RNE of a binary32 value to bfloat16 bits (NaN: 0x7FC0). */
uint16_t model_bf16(float v);
/* binary32 bits with NaN canonicalised, for comparisons. */
uint32_t model_bits(float v);

/* Quantization counters of the model (same meaning as struct fpq_quant_stats). */
struct model_qstats {
	uint64_t nan_to_zero, saturated, overflowed;
};
uint32_t model_quantize(enum fpq_format fmt, float v, int nonsat, struct model_qstats *st);

/*
 * One output of the float/MX path: acc over the blocks of a[0..k) . b[0..k) with the
 * scales sa[blk], sb[blk] (NULL = 127).
 */
float model_dot(enum fpq_format fa, const uint32_t *a, const uint8_t *sa,
		enum fpq_format fb, const uint32_t *b, const uint8_t *sb, uint32_t k);

/* MX block quantization of n values: returns the scale code, codes to @codes. */
uint8_t model_mx_block(enum fpq_format fmt, const float *vals, unsigned int n, int nonsat,
		       struct model_qstats *st, uint32_t *codes);

/*
 * ONNX Runtime's requantization of one INT8-path accumulator (FPQ_GEMM_REQUANT_FP32):
 * the int8 output, with *clamped counting a clamped or NaN product. Exact rationals,
 * each binary32 rounding by MPFR, the final rounding to an integer by GMP.
 */
int32_t model_requant_fp32(int32_t acc, float scale, int32_t act_min, int32_t act_max,
			   int32_t out_zero, uint64_t *clamped);

/* The exact int32 accumulator (i, j) of an INT8 x INT8 op (bias, A's zero point, wrap);
 * op->b must hold the elements. */
int32_t model_int8_acc(const struct fpq_gemm_op *op, uint32_t i, uint32_t j);
/* Outputs of C that differ from model_requant_fp32() of op; *clamped adds the model's
 * clamp count. */
uint64_t model_check_requant_fp32(const struct fpq_gemm_op *op, const struct fpq_matrix *c,
				  uint64_t *clamped);

#endif /* FPQ_TEST_EXACT_MODEL_H */
