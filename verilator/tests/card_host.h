/* SPDX-License-Identifier: MIT */
/*
 * card_host.h - the host side of the card benches: simulated host memory behind the
 * card's AXI master, a page allocator that scatters buffers over physical pages, device
 * page tables, the job ring, and GEMM operations copied in from libfpq descriptors. It
 * plays the part the kernel driver plays on a real machine, through the generated
 * contract header (driver/fpq_hw_regs.h) only.
 */
#ifndef FPQ_CARD_HOST_H
#define FPQ_CARD_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "card_model.h"
#include "fpq.h"
#include "fpq_hw_regs.h"
#include "gemm_case.h"
#include "rng.h"

#define HOST_MEM_BYTES (96u << 20)
#define HOST_BUS_BASE 0x0000000700000000ull   /* above 4 GiB: 64-bit addresses */
#define HOST_KERNEL_BYTES (8u << 20)          /* contiguous region for descriptors, tables */

struct host {
	uint8_t *mem;
	uint32_t *free_pages;     /* page numbers of the data region, shuffled */
	size_t n_free;
	uint64_t kernel_next;     /* bump allocator of the contiguous region (bus address) */
	uint64_t err_lo, err_hi;  /* bus addresses in [lo, hi) answer SLVERR */
	struct fpq_card_model *card;
	struct rng rng;
	unsigned int rows, cols;
	uint64_t ring_pa;
	unsigned int ring_log2;
	uint32_t tail;            /* next ring index to fill */
	uint64_t fence_pa;
	uint64_t next_fence;
	uint64_t reg_reads, reg_writes;
	uint32_t control;         /* CONTROL bits host_start() sets besides ENABLE (ABFT) */
};

/* A device address space: one L1 directory, buffers mapped page by page. */
struct vspace {
	struct host *h;
	uint64_t l1_pa;
	uint64_t next_va;
};

/* What a GEMM operation put on the device, to read C back afterwards. */
struct dev_op {
	struct fpq_hw_op_desc desc;
	uint64_t c_va, sc_va;
	size_t c_bytes, sc_bytes;
};

struct job {
	uint64_t fence;
	uint32_t index;           /* ring index */
	uint64_t ops_pa, compl_pa;
	unsigned int n_ops;
};

int host_init(struct host *h, const struct fpq_card_model_opts *opts, uint64_t seed);
void host_fini(struct host *h);
/* Program the ring, fence record and interrupt mask as a driver does at probe; then
 * CONTROL = ENABLE | h->control. */
void host_start(struct host *h, unsigned int ring_log2);

uint32_t host_reg_read(struct host *h, uint32_t off);
void host_reg_write(struct host *h, uint32_t off, uint32_t val);

uint64_t host_kernel_alloc(struct host *h, size_t bytes, size_t align);
void *host_ptr(struct host *h, uint64_t pa);

void vs_init(struct vspace *vs, struct host *h);
/* Map @bytes at a fresh VA whose offset in its first page is @page_off; perms are
 * FPQ_HW_PTE_READ_MASK / FPQ_HW_PTE_WRITE_MASK bits. Returns the VA. */
uint64_t vs_alloc(struct vspace *vs, size_t bytes, size_t page_off, uint64_t perms);
/* Set the PTE of the page holding @va (0 unmaps it). */
void vs_set_pte(struct vspace *vs, uint64_t va, uint64_t pte);
uint64_t vs_get_pte(struct vspace *vs, uint64_t va);
void vs_write(struct vspace *vs, uint64_t va, const void *src, size_t len);
void vs_read(struct vspace *vs, uint64_t va, void *dst, size_t len);

/* Copy an operation's buffers into @vs (C and its scales as the operation's hold them)
 * and fill its descriptor. @page_off staggers buffer starts inside pages. */
void dev_op_build(struct vspace *vs, const struct fpq_gemm_op *op, struct dev_op *d,
		  size_t page_off);

/* Put a job of @n descriptors in the ring (does not ring the doorbell). */
void job_queue(struct host *h, struct vspace *vs, const struct fpq_hw_op_desc *ops,
	       unsigned int n, bool irq, struct job *j);
/* Write a raw 64-byte ring entry (for malformed jobs). */
void job_queue_raw(struct host *h, const struct fpq_hw_job_desc *desc, struct job *j);
/* The doorbell: one register write. */
void host_doorbell(struct host *h);
/* Run the clock until the fence record shows @fence (or @max_cycles pass): true if done. */
bool host_wait_fence(struct host *h, uint64_t fence, uint64_t max_cycles);
const struct fpq_hw_completion *job_completion(struct host *h, const struct job *j);
const struct fpq_hw_op_status *job_op_status(struct host *h, const struct job *j, unsigned int i);

#endif
