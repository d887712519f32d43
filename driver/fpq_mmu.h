/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fpq_mmu.h - a job's device address space: where each of its buffers sits, and the
 * two-level page table (Documentation/registers.rst, "Page tables") that maps exactly
 * those buffers, with the permissions the job's operations need.
 */
#ifndef FPQ_MMU_H
#define FPQ_MMU_H

#include <linux/types.h>

#include "fpq_hw_regs.h"

struct dma_pool;
struct sg_table;

/* Access a job needs to a buffer (PTE permission bits). */
#define FPQ_MMU_READ	FPQ_HW_PTE_READ_MASK
#define FPQ_MMU_WRITE	FPQ_HW_PTE_WRITE_MASK

/**
 * struct fpq_vm_slot - one buffer of a job.
 * @size: bytes of the buffer.
 * @perm: FPQ_MMU_READ and/or FPQ_MMU_WRITE.
 * @sgt: its pages, mapped for the card's DMA.
 * @va: device virtual address of its first byte (set by fpq_vm_layout()).
 */
struct fpq_vm_slot {
	u64 size;
	u64 perm;
	struct sg_table *sgt;
	u64 va;
};

/**
 * struct fpq_pt - a job's page table.
 * @pool: where its 4 KiB pages come from.
 * @l1: the L1 directory.
 * @l1_dma: its bus address (the job descriptor's pt_root).
 * @l2: the L2 tables, by L1 index (NULL: not present).
 * @l2_dma: their bus addresses.
 * @pages: valid PTEs written.
 */
struct fpq_pt {
	struct dma_pool *pool;
	__le64 *l1;
	dma_addr_t l1_dma;
	__le64 *l2[FPQ_HW_PT_ENTRIES];
	dma_addr_t l2_dma[FPQ_HW_PT_ENTRIES];
	u64 pages;
};

int fpq_vm_layout(struct fpq_vm_slot *slots, unsigned int count, u64 va_size);
int fpq_pt_build(struct fpq_pt *pt, struct dma_pool *pool, const struct fpq_vm_slot *slots,
		 unsigned int count);
void fpq_pt_free(struct fpq_pt *pt);
u64 fpq_pt_lookup(const struct fpq_pt *pt, u64 va);

#endif /* FPQ_MMU_H */
