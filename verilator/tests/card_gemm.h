/* SPDX-License-Identifier: MIT */
/*
 * card_gemm.h - the GEMM cases of every layer's tests (tests/common/gemm_case.h) on the
 * card: the benches' data, and reading what the card wrote back to compare it with
 * fpq_gemm_reference(), bit for bit.
 */
#ifndef FPQ_CARD_GEMM_H
#define FPQ_CARD_GEMM_H

#include "card_host.h"
#include "gemm_case.h"

/*
 * A case as the card benches draw them: finite codes (special ones where @s asks),
 * scales near 2^0, every array broadcast one time in three. Aborts when the reference
 * refuses the spec (a bench's mistake).
 */
void card_case_make(struct gemm_case *gc, const struct gemm_spec *s, struct rng *r);
/* Compare the C (and C scales) the card wrote for @d with the reference's: mismatches,
 * the first few printed with @what. */
unsigned int card_case_check(struct vspace *vs, const struct dev_op *d,
			     const struct gemm_case *gc, const char *what);
/* Compare a completion's per-operation record with the reference's counts, M*N*K MACs
 * and some cycles. */
unsigned int card_status_check(const struct fpq_hw_op_status *s, const struct gemm_case *gc,
			       const char *what);

#endif
