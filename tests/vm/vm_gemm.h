/* SPDX-License-Identifier: MIT */
/*
 * vm_gemm.h - the GEMM cases of every layer's tests (tests/common/gemm_case.h) through
 * the UAPI: a case's operation placed in a buffer object and described as a struct
 * drm_fpq_gemm, and what the card wrote compared with the reference, bit for bit.
 */
#ifndef FPQ_VM_GEMM_H
#define FPQ_VM_GEMM_H

#include <stdint.h>

#include "gemm_case.h"
#include "vm_dev.h"

/**
 * struct vm_op - a case's operation in an arena.
 * @drm: the operation as the UAPI describes it.
 * @c_off: arena offset of C.
 * @c_scale_off: arena offset of C's scales.
 */
struct vm_op {
	struct drm_fpq_gemm drm;
	uint64_t c_off, c_scale_off;
};

/* Copy @gc's operation into @ar (C as it starts) and describe it: 0, or -ENOSPC. */
int vm_op_place(struct vm_op *vo, const struct gemm_case *gc, struct arena *ar);
/* Put C (and its scales) back as they started, to run the operation again. */
void vm_op_reset(const struct vm_op *vo, const struct gemm_case *gc, struct arena *ar);
/* Compare the card's C, C scales and (@st not NULL) counts with the reference: 0 if equal. */
int vm_op_check(const struct vm_op *vo, const struct gemm_case *gc, const struct arena *ar,
		const struct drm_fpq_op_status *st);

#endif /* FPQ_VM_GEMM_H */
