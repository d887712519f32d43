/* SPDX-License-Identifier: MIT */
/*
 * guest_mem.h - the guest's RAM as the card process sees it: a table of guest-physical
 * ranges, each mapped from a file descriptor QEMU shared (MAP_SHARED), so the card's
 * DMA reads and writes the very pages the guest uses.
 *
 * Transport-neutral: x-pci-proxy-dev replaces the whole table at each SYNC_SYSMEM; a
 * vfio-user transport would add and remove ranges on DMA_MAP/DMA_UNMAP.
 */
#ifndef FPQ_COSIM_GUEST_MEM_H
#define FPQ_COSIM_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>

#define GUEST_MEM_MAX_REGIONS 16

struct guest_mem_region {
	uint64_t gpa;   /* first guest-physical address */
	uint64_t size;  /* bytes */
	uint8_t *host;  /* where gpa is mapped in this process */
	void *map_base; /* what munmap needs (page-aligned) */
	size_t map_len;
};

struct guest_mem {
	struct guest_mem_region regions[GUEST_MEM_MAX_REGIONS];
	unsigned int count;
	uint64_t generation; /* bumped by every change: how many tables we were given */
};

void guest_mem_init(struct guest_mem *gm);

/* guest_mem_clear() - unmap every region. */
void guest_mem_clear(struct guest_mem *gm);

/*
 * guest_mem_add() - map @size bytes of @fd from @offset at guest-physical @gpa. The fd
 * is not kept (the mapping holds the memory). Returns 0 or a negative errno; on error
 * the table is unchanged.
 */
int guest_mem_add(struct guest_mem *gm, uint64_t gpa, uint64_t size, int fd, int64_t offset);

/*
 * guest_mem_read()/guest_mem_write() - copy between @buf and guest-physical memory. The
 * range may span adjacent regions. Returns 0, or -EFAULT when any byte is not RAM (no
 * byte is copied then).
 */
int guest_mem_read(const struct guest_mem *gm, uint64_t gpa, void *buf, size_t len);
int guest_mem_write(const struct guest_mem *gm, uint64_t gpa, const void *buf, size_t len);


#endif /* FPQ_COSIM_GUEST_MEM_H */
