/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fpq_fence.h - the fences the driver hands to userspace (syncobjs, sync_files).
 */
#ifndef FPQ_FENCE_H
#define FPQ_FENCE_H

#include <linux/types.h>

struct dma_fence;
struct fpq_out_fence;

struct fpq_out_fence *fpq_out_fence_alloc(void);
struct dma_fence *fpq_out_fence_arm(struct fpq_out_fence *f, struct dma_fence *finished,
				    u64 context, u64 seqno);
void fpq_out_fence_free_unarmed(struct fpq_out_fence *f);
void fpq_out_fence_barrier(void);

#endif /* FPQ_FENCE_H */
