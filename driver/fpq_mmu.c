// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_mmu.c - per-job device address space and page table.
 *
 * Each job gets its own table: the buffers it names sit one after the other from
 * VA 4 KiB on (page 0 stays unmapped so that address 0 faults), each followed by one
 * unmapped guard page, so an access running off a buffer faults instead of reaching
 * its neighbour. Only the pages of those buffers that the job's operations touch are
 * mapped, read-only unless the job writes them, which makes the card's MMU a second
 * line of defence behind fpq_validate.c.
 */
#include <linux/dma-mapping.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/sizes.h>

#include "fpq_mmu.h"

/**
 * fpq_vm_layout() - give each slot its device virtual address.
 * @slots: the job's buffers; @va is set.
 * @count: number of slots.
 * @va_size: bytes of the device address space.
 *
 * Return: 0, or -E2BIG when the buffers and their guard pages do not fit.
 */
int fpq_vm_layout(struct fpq_vm_slot *slots, unsigned int count, u64 va_size)
{
	u64 next = FPQ_HW_PAGE_BYTES;	/* page 0 stays unmapped */
	unsigned int i;

	for (i = 0; i < count; i++) {
		u64 pages = round_up(slots[i].size, FPQ_HW_PAGE_BYTES);

		if (!slots[i].size || pages < slots[i].size)
			return -E2BIG;
		slots[i].va = next;
		if (check_add_overflow(next, pages + FPQ_HW_PAGE_BYTES, &next) || next > va_size)
			return -E2BIG;
	}
	return 0;
}

/*
 * Table pages are coherent pages of their own, not a dma_pool: a pool's sysfs file
 * lives on the device, and a job (hence its table) may outlive the device's removal.
 */
static __le64 *fpq_pt_page_alloc(struct fpq_pt *pt, dma_addr_t *dma)
{
	return dma_alloc_coherent(pt->dev, FPQ_HW_PAGE_BYTES, dma, GFP_KERNEL);
}

static void fpq_pt_page_free(struct fpq_pt *pt, __le64 *page, dma_addr_t dma)
{
	dma_free_coherent(pt->dev, FPQ_HW_PAGE_BYTES, page, dma);
}

static __le64 *fpq_pt_l2(struct fpq_pt *pt, u64 va)
{
	unsigned int l1 = va >> (FPQ_HW_PAGE_SHIFT + FPQ_HW_PT_LEVEL_BITS);

	if (l1 >= FPQ_HW_PT_ENTRIES)
		return NULL;
	if (!pt->l2[l1]) {
		pt->l2[l1] = fpq_pt_page_alloc(pt, &pt->l2_dma[l1]);
		if (!pt->l2[l1])
			return NULL;
		pt->l1[l1] = cpu_to_le64((pt->l2_dma[l1] & FPQ_HW_PDE_ADDR_MASK) |
					 FPQ_HW_PDE_VALID_MASK);
	}
	return pt->l2[l1];
}

static int fpq_pt_map_page(struct fpq_pt *pt, u64 va, dma_addr_t addr, u64 perm)
{
	__le64 *l2;

	/* The entry holds bus address bits 51:12; anything else cannot be mapped. */
	if (addr & ~FPQ_HW_PTE_ADDR_MASK)
		return -EINVAL;
	l2 = fpq_pt_l2(pt, va);
	if (!l2)
		return va >> FPQ_HW_VA_BITS ? -E2BIG : -ENOMEM;
	l2[(va >> FPQ_HW_PAGE_SHIFT) & (FPQ_HW_PT_ENTRIES - 1)] =
		cpu_to_le64(addr | perm | FPQ_HW_PTE_VALID_MASK);
	pt->pages++;
	return 0;
}

static int fpq_pt_map_range(struct fpq_pt *pt, const struct fpq_vm_map *map)
{
	u64 va = map->va, i, j;
	int err;

	for (i = 0; i < map->pages; i++) {
		/* A CPU page is one or more card pages. */
		if (!IS_ALIGNED(map->dma[i], PAGE_SIZE))
			return -EINVAL;
		for (j = 0; j < PAGE_SIZE; j += FPQ_HW_PAGE_BYTES, va += FPQ_HW_PAGE_BYTES) {
			err = fpq_pt_map_page(pt, va, map->dma[i] + j, map->perm);
			if (err)
				return err;
		}
	}
	return 0;
}

/**
 * fpq_pt_build() - allocate and fill the page table of a job.
 * @pt: the table (zeroed by the caller); free it with fpq_pt_free() even on failure.
 * @dev: the device the table's pages are allocated for (coherent, zeroed, page
 *	aligned).
 * @maps: the runs of pages to map, at addresses from fpq_vm_layout().
 * @count: number of runs.
 *
 * Return: 0, -ENOMEM, -E2BIG (beyond the address space) or -EINVAL (a bus address
 * that is not page aligned or does not fit a page-table entry).
 */
int fpq_pt_build(struct fpq_pt *pt, struct device *dev, const struct fpq_vm_map *maps,
		 unsigned int count)
{
	unsigned int i;
	int err;

	pt->dev = dev;
	pt->l1 = fpq_pt_page_alloc(pt, &pt->l1_dma);
	if (!pt->l1)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		err = fpq_pt_map_range(pt, &maps[i]);
		if (err)
			return err;
	}
	return 0;
}

/**
 * fpq_pt_free() - give a job's page-table pages back.
 * @pt: the table; may be partly built or empty.
 */
void fpq_pt_free(struct fpq_pt *pt)
{
	unsigned int i;

	for (i = 0; i < FPQ_HW_PT_ENTRIES; i++) {
		if (pt->l2[i])
			fpq_pt_page_free(pt, pt->l2[i], pt->l2_dma[i]);
		pt->l2[i] = NULL;
	}
	if (pt->l1)
		fpq_pt_page_free(pt, pt->l1, pt->l1_dma);
	pt->l1 = NULL;
	pt->pages = 0;
}

/**
 * fpq_pt_lookup() - the PTE the card would use for @va, as it walks the table.
 * @pt: the table.
 * @va: device virtual address.
 *
 * Return: the PTE (0 when a level is missing or @va is beyond the address space).
 */
u64 fpq_pt_lookup(const struct fpq_pt *pt, u64 va)
{
	unsigned int l1 = va >> (FPQ_HW_PAGE_SHIFT + FPQ_HW_PT_LEVEL_BITS);
	u64 pde;

	if (!pt->l1 || va >> FPQ_HW_VA_BITS)
		return 0;
	pde = le64_to_cpu(pt->l1[l1]);
	if (!(pde & FPQ_HW_PDE_VALID_MASK) || !pt->l2[l1] ||
	    (pde & FPQ_HW_PDE_ADDR_MASK) != (pt->l2_dma[l1] & FPQ_HW_PDE_ADDR_MASK))
		return 0;
	return le64_to_cpu(pt->l2[l1][(va >> FPQ_HW_PAGE_SHIFT) & (FPQ_HW_PT_ENTRIES - 1)]);
}
