/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fpq_ring.h - the job ring: 2^log2 entries of struct fpq_hw_job_desc in host memory,
 * addressed by free-running 32-bit indices (entry = index mod size), as the card
 * counts them. The ring is empty when head == tail and full when tail - head == size;
 * unsigned wrap-around keeps both true across 2^32.
 */
#ifndef FPQ_RING_H
#define FPQ_RING_H

#include <linux/types.h>

#include "fpq_hw_regs.h"

/**
 * struct fpq_ring - the ring and the driver's view of its indices.
 * @entries: the ring memory (coherent DMA memory).
 * @dma: its bus address.
 * @log2: log2 of the entry count.
 * @head: consumer index: jobs before it are complete (as far as the driver knows).
 * @tail: producer index: the next job goes here.
 */
struct fpq_ring {
	struct fpq_hw_job_desc *entries;
	dma_addr_t dma;
	u32 log2;
	u32 head;
	u32 tail;
};

static inline u32 fpq_ring_size(const struct fpq_ring *ring)
{
	return 1u << ring->log2;
}

/* Entries in use between @head and @tail. */
static inline u32 fpq_ring_used(const struct fpq_ring *ring)
{
	return ring->tail - ring->head;
}

/* Entries free for new jobs. */
static inline u32 fpq_ring_space(const struct fpq_ring *ring)
{
	return fpq_ring_size(ring) - fpq_ring_used(ring);
}

/* Position in the ring memory of free-running @index. */
static inline u32 fpq_ring_slot(const struct fpq_ring *ring, u32 index)
{
	return index & (fpq_ring_size(ring) - 1);
}

/* Whether free-running @index lies in [@head, @tail), i.e. names a queued job. */
static inline bool fpq_ring_holds(const struct fpq_ring *ring, u32 index)
{
	return index - ring->head < fpq_ring_used(ring);
}

static inline struct fpq_hw_job_desc *fpq_ring_entry(const struct fpq_ring *ring, u32 index)
{
	return &ring->entries[fpq_ring_slot(ring, index)];
}

#endif /* FPQ_RING_H */
