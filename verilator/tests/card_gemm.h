/* SPDX-License-Identifier: MIT */
/*
 * card_gemm.h - random GEMM operations for the card benches, and running them on the
 * card against libfpq's fpq_gemm_reference(), bit for bit.
 */
#ifndef FPQ_CARD_GEMM_H
#define FPQ_CARD_GEMM_H

#include "card_host.h"

/**
 * struct gemm_cfg - what to generate.
 * @fa, @fb, @fc: formats of A, B, C.
 * @m, @n, @k: shape.
 * @mx_a, @mx_b, @mx_c: give A, B, C block scales.
 * @act: float-path activation.
 * @params: give the per-channel arrays (alpha/beta, bias), sometimes broadcast.
 * @nonsat: non-saturating narrow output.
 * @specials: percent of elements drawn from Inf/NaN/zero/extreme codes.
 * @pad: extra row-stride bytes (rounded to packing groups).
 */
struct gemm_cfg {
	enum fpq_format fa, fb, fc;
	uint32_t m, n, k;
	bool mx_a, mx_b, mx_c;
	enum fpq_activation act;
	bool params;
	bool nonsat;
	unsigned int specials;
	unsigned int pad;
};

/* An operation with its buffers (owned), and the reference's result. */
struct gemm_case {
	struct fpq_gemm_op op;
	struct fpq_gemm_status ref_status;
	void *ref_c;                 /* the reference's C (op.c.data) */
	uint8_t *ref_sc;
	struct dev_op dev;
};

void gemm_case_make(struct rng *r, const struct gemm_cfg *cfg, struct gemm_case *gc);
void gemm_case_free(struct gemm_case *gc);
/* Compare the card's C (and C scales) with the reference; returns mismatches, prints up
 * to a few. Also checks that bytes of C outside the matrix kept their fill. */
unsigned int gemm_case_check(struct vspace *vs, const struct gemm_case *gc, const char *what);
/* Compare a completion's per-operation record with the reference's counts. */
unsigned int gemm_status_check(const struct fpq_hw_op_status *s, const struct gemm_case *gc,
			       const char *what);
const char *gemm_cfg_name(const struct gemm_cfg *c, char *buf, size_t len);

#endif
