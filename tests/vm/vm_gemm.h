/* SPDX-License-Identifier: MIT */
/*
 * vm_gemm.h - GEMM cases for the VM tests: random operands made with libfpq, the
 * reference result from fpq_gemm_reference(), the same operation placed in a buffer
 * object and described through the UAPI, and a bit-for-bit comparison.
 */
#ifndef FPQ_VM_GEMM_H
#define FPQ_VM_GEMM_H

#include <stdbool.h>
#include <stdint.h>

#include "fpq.h"
#include "vm_dev.h"

/**
 * struct gemm_shape - what a case asks for.
 * @a: format of A.
 * @b: format of B.
 * @c: format of C.
 * @m: M.
 * @n: N.
 * @k: K.
 * @mx: block scales on A and B (float path; K % 32 == 0).
 * @c_mx: block scales on C (narrow output; N % 32 == 0).
 * @pad: extra bytes at the end of each row (rounded to whole packing groups).
 * @variant: picks epilogue options (activation, alpha/beta, broadcasts, bias...).
 */
struct gemm_shape {
	enum fpq_format a, b, c;
	uint32_t m, n, k;
	bool mx, c_mx;
	uint32_t pad;
	unsigned int variant;
};

/**
 * struct gemm_case - one operation on the host and in an arena.
 * @name: for messages.
 * @op: the operation on host memory, C pointing at @ref_c.
 * @ref_st: what the reference reported.
 * @drm: the same operation described for the UAPI.
 * @c_off: arena offset of C.
 * @c_scale_off: arena offset of C's scales.
 * @host: host allocations to free.
 * @n_host: entries in @host.
 */
struct gemm_case {
	char name[96];
	struct fpq_gemm_op op;
	struct fpq_gemm_status ref_st;
	struct drm_fpq_gemm drm;
	uint64_t c_off, c_scale_off;
	void *host[12];
	unsigned int n_host;
};

/* Build a case: 0, -ENOSPC when the arena is full, -EINVAL for a shape libfpq refuses. */
int gemm_case_make(struct gemm_case *gc, const struct gemm_shape *s, struct arena *ar,
		   uint32_t seed);
/* Compare the card's C (and C scales, and counts) with the reference; 0 when equal. */
int gemm_case_check(const struct gemm_case *gc, const struct arena *ar,
		    const struct drm_fpq_op_status *st);
void gemm_case_free(struct gemm_case *gc);

#endif /* FPQ_VM_GEMM_H */
