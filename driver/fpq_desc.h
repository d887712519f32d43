/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fpq_desc.h - the card's in-memory records, written and read by the kernel only:
 * operation descriptors and job descriptors from checked operations, and the
 * completion records the card writes back.
 */
#ifndef FPQ_DESC_H
#define FPQ_DESC_H

#include <linux/types.h>

#include "../uapi/fpq_drm.h"
#include "fpq_hw_regs.h"
#include "fpq_validate.h"

/* Bytes of a job's control block: its operation descriptors, then its completion. */
static inline size_t fpq_desc_ctl_bytes(u32 ops)
{
	return (size_t)ops * (FPQ_HW_OP_DESC_BYTES + FPQ_HW_OP_STATUS_BYTES) +
	       FPQ_HW_COMPLETION_BYTES;
}

/* Offset of the completion record in the control block. */
static inline size_t fpq_desc_completion_offset(u32 ops)
{
	return (size_t)ops * FPQ_HW_OP_DESC_BYTES;
}

void fpq_desc_build_op(const struct fpq_op *op, const u64 *slot_va,
		       struct fpq_hw_op_desc *d);
void fpq_desc_build_job(struct fpq_hw_job_desc *jd, u32 ops, u64 fence, dma_addr_t ops_addr,
			dma_addr_t pt_root, dma_addr_t completion);
int fpq_desc_errno(u32 hw_status);
void fpq_desc_read_completion(const void *completion, u32 ops,
			      struct drm_fpq_job_status *status,
			      struct drm_fpq_op_status *op_status);

#endif /* FPQ_DESC_H */
