/* SPDX-License-Identifier: MIT */
/*
 * gemm_case.h - one GEMM test case for the tests of every layer: what to generate
 * (struct gemm_spec), the operation with its operands, its per-channel arrays and an
 * output that starts as a known fill, and fpq_gemm_reference()'s result for it.
 *
 * The library tests run the operation through a context; the card benches copy it into
 * simulated host memory behind a descriptor; the VM tests describe it through the UAPI.
 * Each then compares what its device wrote with gemm_case_compare(), bit for bit.
 */
#ifndef FPQ_TEST_GEMM_CASE_H
#define FPQ_TEST_GEMM_CASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fpq.h"
#include "gemm_data.h"
#include "rng.h"

/* The per-channel arrays a case may give (struct gemm_spec, @arrays). */
enum {
	GEMM_ALPHA = 1u << 0,   /* float path: alpha[N] */
	GEMM_BETA = 1u << 1,    /* float path: beta[N] */
	GEMM_BIAS = 1u << 2,    /* INT8 path: bias[N] */
	GEMM_ARRAYS = GEMM_ALPHA | GEMM_BETA | GEMM_BIAS,   /* all its path takes */
};

/* struct gemm_spec, @broadcast: each array there is broadcast one time in three. */
#define GEMM_BROADCAST_SOMETIMES (1u << 31)

/**
 * struct gemm_spec - what a GEMM test case asks for.
 * @a: format of A (FPQ_FMT_INT8: the INT8 path).
 * @b: format of B.
 * @c: format of C.
 * @m: rows of A and C.
 * @n: rows of B, columns of C.
 * @k: columns of A and B.
 * @a_scales: A is MX-blocked (K % 32 == 0).
 * @b_scales: B is MX-blocked.
 * @c_scales: C is MX-blocked along N (N % 32 == 0).
 * @arrays: GEMM_ALPHA, GEMM_BETA, GEMM_BIAS, where the path takes them. The INT8 path
 *	always has what its output needs: requantization multipliers and shifts for int8
 *	C, output scales for fp32 C.
 * @broadcast: FPQ_GEMM_{ALPHA,BETA,REQUANT,SCALE}_BROADCAST for the arrays there, or
 *	GEMM_BROADCAST_SOMETIMES.
 * @act: the float path's activation (CLAMP: bounds drawn).
 * @nonsat: FPQ_GEMM_QUANT_NONSAT (narrow outputs).
 * @requant_fp32: INT8 x INT8 -> int8 in ONNX Runtime's requantization, accumulators and
 *	scales placed on rounding ties (requant_fp32_params()).
 * @big_acc: with @requant_fp32, |accumulators| above 2^24 (where fp32(acc) rounds).
 * @pad: at most this many packing groups after each row, drawn per matrix (0: packed).
 * @a_data: how A's element codes are drawn.
 * @b_data: how B's are.
 * @a_scale_data: how A's block scales are drawn.
 * @b_scale_data: how B's are.
 * @specials: percent of A's and B's elements then made special (zeros, extreme
 *	magnitudes, Inf and NaN where the format has them), and one scale in 50 extreme.
 */
struct gemm_spec {
	enum fpq_format a, b, c;
	uint32_t m, n, k;
	bool a_scales, b_scales, c_scales;
	unsigned int arrays;
	unsigned int broadcast;
	enum fpq_activation act;
	bool nonsat;
	bool requant_fp32, big_acc;
	unsigned int pad;
	enum data_mode a_data, b_data;
	enum scale_mode a_scale_data, b_scale_data;
	unsigned int specials;
};

/**
 * struct gemm_case - one operation and what the reference made of it.
 * @spec: what it was made from.
 * @name: the spec in words, for messages.
 * @op: the operation; its C (and C's scales) hold what a device's output starts as.
 * @ref_status: the reference's counts.
 * @a: A's buffers.
 * @b: B's buffers.
 * @c: C's buffers, as @op has them.
 * @ref: C as the reference wrote it (same layout; it started as @c).
 * @owned: the per-channel arrays, to free.
 */
struct gemm_case {
	struct gemm_spec spec;
	char name[160];
	struct fpq_gemm_op op;
	struct fpq_gemm_status ref_status;
	struct test_matrix a, b, c, ref;
	void *owned[6];
};

/* Build a case from @s with @r: 0, or the reference's refusal (a negative errno). */
int gemm_case_make(struct gemm_case *gc, const struct gemm_spec *s, struct rng *r);
void gemm_case_free(struct gemm_case *gc);
const char *gemm_spec_name(const struct gemm_spec *s, char *buf, size_t len);

/*
 * Compare a device's C with the reference's: every element, the bytes between rows
 * (nobody's to write), and C's block scales. @c is laid out as gc->op.c (its stride,
 * matrix_extent() bytes of it), @c_scales as its scales (NULL without). Returns the
 * mismatches, the first few printed with @what.
 */
unsigned int gemm_case_compare(const struct gemm_case *gc, const void *c,
			       const uint8_t *c_scales, const char *what);
/* 0 when the counts in @st are the reference's; else 1, printed with @what. */
unsigned int gemm_case_compare_counts(const struct gemm_case *gc,
				      const struct fpq_gemm_status *st, const char *what);

/* Bytes a matrix spans from its first element to the end of its last row. */
size_t matrix_extent(const struct fpq_matrix *m);
/* Bytes its block scales span (0 without). */
size_t matrix_scale_extent(const struct fpq_matrix *m);

/* An operation's per-channel arrays, as a device copies them. */
enum gemm_array { GA_ALPHA, GA_BETA, GA_BIAS, GA_MULT, GA_SHIFT, GA_SCALE, GA_COUNT };

/* Where array @which of @op is and how many bytes it spans (NULL and 0: absent). */
const void *gemm_op_array(const struct fpq_gemm_op *op, enum gemm_array which, size_t *bytes);

#endif /* FPQ_TEST_GEMM_CASE_H */
