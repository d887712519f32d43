// SPDX-License-Identifier: MIT
/*
 * guest_mem.c - guest-physical to host translation over the regions QEMU shared.
 */
#include "guest_mem.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void guest_mem_init(struct guest_mem *gm)
{
	memset(gm, 0, sizeof(*gm));
}

void guest_mem_clear(struct guest_mem *gm)
{
	for (unsigned int i = 0; i < gm->count; i++)
		munmap(gm->regions[i].map_base, gm->regions[i].map_len);
	gm->count = 0;
	gm->generation++;
}

int guest_mem_add(struct guest_mem *gm, uint64_t gpa, uint64_t size, int fd, int64_t offset)
{
	long page = sysconf(_SC_PAGESIZE);
	struct guest_mem_region *r;
	uint64_t skew;
	void *base;

	if (gm->count == GUEST_MEM_MAX_REGIONS)
		return -ENOSPC;
	if (size == 0 || offset < 0 || gpa + size < gpa || size > SIZE_MAX / 2)
		return -EINVAL;
	/* mmap needs a page-aligned file offset: map from the page start, remember the skew. */
	skew = (uint64_t)offset % (uint64_t)page;
	base = mmap(NULL, size + skew, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    (off_t)((uint64_t)offset - skew));
	if (base == MAP_FAILED)
		return -errno;
	r = &gm->regions[gm->count++];
	r->gpa = gpa;
	r->size = size;
	r->map_base = base;
	r->map_len = size + skew;
	r->host = (uint8_t *)base + skew;
	gm->generation++;
	return 0;
}

static const struct guest_mem_region *find(const struct guest_mem *gm, uint64_t gpa)
{
	for (unsigned int i = 0; i < gm->count; i++) {
		const struct guest_mem_region *r = &gm->regions[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size)
			return r;
	}
	return NULL;
}

/* Is every byte of [gpa, gpa + len) RAM? Walks region by region. */
static int covered(const struct guest_mem *gm, uint64_t gpa, size_t len)
{
	if (gpa + len < gpa)
		return 0;
	while (len) {
		const struct guest_mem_region *r = find(gm, gpa);
		uint64_t avail;

		if (!r)
			return 0;
		avail = r->size - (gpa - r->gpa);
		if (avail >= len)
			return 1;
		gpa += avail;
		len -= (size_t)avail;
	}
	return 1;
}

int guest_mem_read(const struct guest_mem *gm, uint64_t gpa, void *buf, size_t len)
{
	uint8_t *out = buf;

	if (!covered(gm, gpa, len))
		return -EFAULT;
	while (len) {
		const struct guest_mem_region *r = find(gm, gpa);
		uint64_t off = gpa - r->gpa;
		size_t n = r->size - off < len ? (size_t)(r->size - off) : len;

		memcpy(out, r->host + off, n);
		out += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

int guest_mem_write(const struct guest_mem *gm, uint64_t gpa, const void *buf, size_t len)
{
	const uint8_t *in = buf;

	if (!covered(gm, gpa, len))
		return -EFAULT;
	while (len) {
		const struct guest_mem_region *r = find(gm, gpa);
		uint64_t off = gpa - r->gpa;
		size_t n = r->size - off < len ? (size_t)(r->size - off) : len;

		memcpy(r->host + off, in, n);
		in += n;
		gpa += n;
		len -= n;
	}
	/* The guest may poll what we wrote (a fence): publish before anything that follows. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	return 0;
}
