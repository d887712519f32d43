/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fpq_mmu.h - a job's device address space: where each of its buffers sits, and the
 * two-level page table (Documentation/registers.rst, "Page tables") that maps exactly
 * the pages of those buffers the job's operations touch, with the permissions they
 * need.
 */
#ifndef FPQ_MMU_H
#define FPQ_MMU_H

#include <linux/types.h>

#include "fpq_hw_regs.h"

struct device;

/* Access a job needs to a buffer (PTE permission bits). */
#define FPQ_MMU_READ	FPQ_HW_PTE_READ_MASK
#define FPQ_MMU_WRITE	FPQ_HW_PTE_WRITE_MASK

/**
 * struct fpq_vm_slot - one buffer of a job: where it sits in the address space.
 * @size: bytes of the buffer.
 * @perm: FPQ_MMU_READ and/or FPQ_MMU_WRITE.
 * @va: device virtual address of its first byte (set by fpq_vm_layout()).
 */
struct fpq_vm_slot {
	u64 size;
	u64 perm;
	u64 va;
};

/**
 * struct fpq_vm_map - pages the page table maps: a run of pages of one buffer.
 * @va: device virtual address of the first page.
 * @pages: CPU pages (PAGE_SIZE) in the run.
 * @perm: FPQ_MMU_READ and/or FPQ_MMU_WRITE.
 * @dma: the bus address of each page.
 */
struct fpq_vm_map {
	u64 va;
	u64 pages;
	u64 perm;
	const dma_addr_t *dma;
};

/**
 * struct fpq_pt - a job's page table.
 * @dev: the device its 4 KiB pages are allocated for.
 * @l1: the L1 directory.
 * @l1_dma: its bus address (the job descriptor's pt_root).
 * @l2: the L2 tables, by L1 index (NULL: not present).
 * @l2_dma: their bus addresses.
 * @pages: valid PTEs written.
 */
struct fpq_pt {
	struct device *dev;
	__le64 *l1;
	dma_addr_t l1_dma;
	__le64 *l2[FPQ_HW_PT_ENTRIES];
	dma_addr_t l2_dma[FPQ_HW_PT_ENTRIES];
	u64 pages;
};

int fpq_vm_layout(struct fpq_vm_slot *slots, unsigned int count, u64 va_size);
int fpq_pt_build(struct fpq_pt *pt, struct device *dev, const struct fpq_vm_map *maps,
		 unsigned int count);
void fpq_pt_free(struct fpq_pt *pt);
u64 fpq_pt_lookup(const struct fpq_pt *pt, u64 va);

#endif /* FPQ_MMU_H */
