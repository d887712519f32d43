// SPDX-License-Identifier: MIT
/*
 * card_host.c - the host side of the card benches (see card_host.h).
 */
#include "card_host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE FPQ_HW_PAGE_BYTES

static int mem_read(void *opaque, uint64_t addr, uint8_t buf[8])
{
	struct host *h = opaque;

	if (addr >= h->err_lo && addr < h->err_hi)
		return -1;
	if (addr < HOST_BUS_BASE || addr + 8 > HOST_BUS_BASE + HOST_MEM_BYTES)
		return -1;
	memcpy(buf, h->mem + (addr - HOST_BUS_BASE), 8);
	return 0;
}

static int mem_write(void *opaque, uint64_t addr, const uint8_t data[8], uint8_t strobe)
{
	struct host *h = opaque;

	if (addr >= h->err_lo && addr < h->err_hi)
		return -1;
	if (addr < HOST_BUS_BASE || addr + 8 > HOST_BUS_BASE + HOST_MEM_BYTES)
		return -1;
	for (int i = 0; i < 8; i++)
		if (strobe & (1u << i))
			h->mem[addr - HOST_BUS_BASE + i] = data[i];
	return 0;
}

int host_init(struct host *h, const struct fpq_card_model_opts *opts, uint64_t seed)
{
	static const struct fpq_card_mem_ops ops = { mem_read, mem_write };
	size_t first = HOST_KERNEL_BYTES / PAGE, last = HOST_MEM_BYTES / PAGE;

	memset(h, 0, sizeof(*h));
	h->rng = rng_seeded(seed);
	h->mem = malloc(HOST_MEM_BYTES);
	h->free_pages = malloc(sizeof(*h->free_pages) * (last - first));
	if (!h->mem || !h->free_pages)
		return -1;
	memset(h->mem, 0x5a, HOST_MEM_BYTES);
	for (size_t p = first; p < last; p++)
		h->free_pages[h->n_free++] = (uint32_t)p;
	for (size_t i = h->n_free - 1; i > 0; i--) {
		size_t j = rng_below(&h->rng, (uint32_t)(i + 1));
		uint32_t t = h->free_pages[i];

		h->free_pages[i] = h->free_pages[j];
		h->free_pages[j] = t;
	}
	h->kernel_next = HOST_BUS_BASE + PAGE;   /* bus page 0 of the region stays unused */
	h->card = fpq_card_model_create(opts, &ops, h);
	if (!h->card)
		return -1;
	uint32_t cap = host_reg_read(h, FPQ_REG_CAP_ARRAY);

	h->rows = (unsigned int)FPQ_HW_FIELD_GET(FPQ_REG_CAP_ARRAY_ROWS_MASK, cap);
	h->cols = (unsigned int)FPQ_HW_FIELD_GET(FPQ_REG_CAP_ARRAY_COLS_MASK, cap);
	return 0;
}

void host_fini(struct host *h)
{
	fpq_card_model_destroy(h->card);
	free(h->mem);
	free(h->free_pages);
}

uint32_t host_reg_read(struct host *h, uint32_t off)
{
	h->reg_reads++;
	return fpq_card_model_reg_read(h->card, off);
}

void host_reg_write(struct host *h, uint32_t off, uint32_t val)
{
	h->reg_writes++;
	fpq_card_model_reg_write(h->card, off, val);
}

void *host_ptr(struct host *h, uint64_t pa)
{
	return h->mem + (pa - HOST_BUS_BASE);
}

uint64_t host_kernel_alloc(struct host *h, size_t bytes, size_t align)
{
	uint64_t pa = (h->kernel_next + align - 1) & ~(uint64_t)(align - 1);

	if (pa + bytes > HOST_BUS_BASE + HOST_KERNEL_BYTES) {
		/* the region is a ring: jobs that old have long completed */
		pa = HOST_BUS_BASE + PAGE;
	}
	h->kernel_next = pa + bytes;
	return pa;
}

void host_start(struct host *h, unsigned int ring_log2)
{
	h->ring_log2 = ring_log2;
	h->ring_pa = host_kernel_alloc(h, (size_t)FPQ_HW_RING_ENTRY_BYTES << ring_log2, 4096);
	h->fence_pa = host_kernel_alloc(h, FPQ_HW_FENCE_RECORD_BYTES, 16);
	memset(host_ptr(h, h->fence_pa), 0, FPQ_HW_FENCE_RECORD_BYTES);
	h->tail = host_reg_read(h, FPQ_REG_RING_HEAD);
	h->next_fence = 1000;
	host_reg_write(h, FPQ_REG_RING_BASE_LO, (uint32_t)h->ring_pa);
	host_reg_write(h, FPQ_REG_RING_BASE_HI, (uint32_t)(h->ring_pa >> 32));
	host_reg_write(h, FPQ_REG_RING_LOG2, ring_log2);
	host_reg_write(h, FPQ_REG_FENCE_ADDR_LO, (uint32_t)h->fence_pa);
	host_reg_write(h, FPQ_REG_FENCE_ADDR_HI, (uint32_t)(h->fence_pa >> 32));
	host_reg_write(h, FPQ_REG_INT_MASK, FPQ_REG_INT_MASK_JOB_DONE_MASK |
					   FPQ_REG_INT_MASK_JOB_ERROR_MASK);
	host_reg_write(h, FPQ_REG_CONTROL, FPQ_REG_CONTROL_ENABLE_MASK | h->control);
}

/* ---- page tables ------------------------------------------------------------------ */

static uint64_t page_alloc(struct host *h)
{
	if (!h->n_free) {
		fprintf(stderr, "card_host: out of simulated memory\n");
		abort();
	}
	return HOST_BUS_BASE + (uint64_t)h->free_pages[--h->n_free] * PAGE;
}

void vs_init(struct vspace *vs, struct host *h)
{
	vs->h = h;
	vs->l1_pa = page_alloc(h);
	memset(host_ptr(h, vs->l1_pa), 0, PAGE);
	vs->next_va = 16 * PAGE;   /* the first pages stay unmapped: address 0 faults */
}

/* The VA bits that index the L1 directory and an L2 table (registers.rst, "Page tables"). */
static unsigned int l1_index(uint64_t va)
{
	return (va >> (FPQ_HW_PAGE_SHIFT + FPQ_HW_PT_LEVEL_BITS)) & (FPQ_HW_PT_ENTRIES - 1);
}

static unsigned int l2_index(uint64_t va)
{
	return (va >> FPQ_HW_PAGE_SHIFT) & (FPQ_HW_PT_ENTRIES - 1);
}

static uint64_t *pte_slot(struct vspace *vs, uint64_t va, bool create)
{
	uint64_t *l1 = host_ptr(vs->h, vs->l1_pa);
	uint64_t *pde = &l1[l1_index(va)];

	if (!(*pde & FPQ_HW_PDE_VALID_MASK)) {
		if (!create)
			return NULL;
		uint64_t pa = page_alloc(vs->h);

		memset(host_ptr(vs->h, pa), 0, PAGE);
		*pde = pa | FPQ_HW_PDE_VALID_MASK;
	}
	uint64_t *l2 = host_ptr(vs->h, *pde & FPQ_HW_PDE_ADDR_MASK);

	return &l2[l2_index(va)];
}

void vs_set_pte(struct vspace *vs, uint64_t va, uint64_t pte)
{
	*pte_slot(vs, va, true) = pte;
}

uint64_t vs_get_pte(struct vspace *vs, uint64_t va)
{
	uint64_t *p = pte_slot(vs, va, false);

	return p ? *p : 0;
}

uint64_t vs_alloc(struct vspace *vs, size_t bytes, size_t page_off, uint64_t perms)
{
	uint64_t va = vs->next_va + page_off;
	size_t pages = (page_off + bytes + PAGE - 1) / PAGE;

	for (size_t i = 0; i < pages; i++)
		vs_set_pte(vs, vs->next_va + i * PAGE,
			   page_alloc(vs->h) | FPQ_HW_PTE_VALID_MASK | perms);
	vs->next_va += (pages + 1) * PAGE;   /* an unmapped guard page after each buffer */
	return va;
}

static uint8_t *va_ptr(struct vspace *vs, uint64_t va)
{
	uint64_t pte = vs_get_pte(vs, va);

	if (!(pte & FPQ_HW_PTE_VALID_MASK)) {
		fprintf(stderr, "card_host: VA 0x%llx is not mapped\n", (unsigned long long)va);
		abort();
	}
	return host_ptr(vs->h, (pte & FPQ_HW_PTE_ADDR_MASK) + (va & (PAGE - 1)));
}

void vs_write(struct vspace *vs, uint64_t va, const void *src, size_t len)
{
	const uint8_t *s = src;

	while (len) {
		size_t n = PAGE - (va & (PAGE - 1));

		if (n > len)
			n = len;
		memcpy(va_ptr(vs, va), s, n);
		va += n;
		s += n;
		len -= n;
	}
}

void vs_read(struct vspace *vs, uint64_t va, void *dst, size_t len)
{
	uint8_t *d = dst;

	while (len) {
		size_t n = PAGE - (va & (PAGE - 1));

		if (n > len)
			n = len;
		memcpy(d, va_ptr(vs, va), n);
		va += n;
		d += n;
		len -= n;
	}
}

/* ---- operations ------------------------------------------------------------------- */

static size_t stride_of(const struct fpq_matrix *m)
{
	return m->stride ? m->stride : fpq_row_bytes(m->format, m->cols);
}

static size_t scale_stride_of(const struct fpq_matrix *m)
{
	return m->scale_stride ? m->scale_stride : m->cols / FPQ_MX_BLOCK;
}

/* Map @bytes of @src at a fresh VA, @off into its first page, with @perms. */
static uint64_t put(struct vspace *vs, const void *src, size_t bytes, size_t off, uint64_t perms)
{
	uint64_t va = vs_alloc(vs, bytes, off & (PAGE - 1), perms);

	vs_write(vs, va, src, bytes);
	return va;
}

static uint32_t f32_bits(float f)
{
	uint32_t b;

	memcpy(&b, &f, sizeof(b));
	return b;
}

void dev_op_build(struct vspace *vs, const struct fpq_gemm_op *op, struct dev_op *d,
		  size_t page_off)
{
	/* Where each per-channel array goes: its descriptor field, the flag saying it is
	 * there, and an offset into its first page (odd ones too: the DMA's alignment). */
	static const struct { size_t field; uint32_t has; size_t off; } arrays[GA_COUNT] = {
		[GA_ALPHA] = { offsetof(struct fpq_hw_op_desc, alpha_addr),
			       FPQ_HW_OP_DESC_FLAGS_HAS_ALPHA_MASK, 12 },
		[GA_BETA] = { offsetof(struct fpq_hw_op_desc, beta_addr),
			      FPQ_HW_OP_DESC_FLAGS_HAS_BETA_MASK, 20 },
		[GA_BIAS] = { offsetof(struct fpq_hw_op_desc, bias_addr),
			      FPQ_HW_OP_DESC_FLAGS_HAS_BIAS_MASK, 4 },
		[GA_MULT] = { offsetof(struct fpq_hw_op_desc, mult_addr), 0, 8 },
		[GA_SHIFT] = { offsetof(struct fpq_hw_op_desc, shift_addr), 0, 3 },
		[GA_SCALE] = { offsetof(struct fpq_hw_op_desc, out_scale_addr), 0, 16 },
	};
	struct fpq_hw_op_desc *o = &d->desc;
	/* libfpq's flags are the descriptor's bits, but REQUANT_FP32 (libfpq's, on the host) */
	uint32_t flags = op->flags & (FPQ_HW_OP_DESC_FLAGS_ALPHA_BCAST_MASK |
				      FPQ_HW_OP_DESC_FLAGS_BETA_BCAST_MASK |
				      FPQ_HW_OP_DESC_FLAGS_REQUANT_BCAST_MASK |
				      FPQ_HW_OP_DESC_FLAGS_SCALE_BCAST_MASK |
				      FPQ_HW_OP_DESC_FLAGS_QUANT_NONSAT_MASK);

	memset(d, 0, sizeof(*d));
	o->op = FPQ_HW_FIELD_PREP(FPQ_HW_OP_DESC_OP_OPCODE_MASK, FPQ_HW_OPCODE_GEMM) |
		FPQ_HW_FIELD_PREP(FPQ_HW_OP_DESC_OP_FMT_A_MASK, op->a.format) |
		FPQ_HW_FIELD_PREP(FPQ_HW_OP_DESC_OP_FMT_B_MASK, op->b.format) |
		FPQ_HW_FIELD_PREP(FPQ_HW_OP_DESC_OP_FMT_C_MASK, op->c.format);
	o->m = op->a.rows;
	o->n = op->b.rows;
	o->k = op->a.cols;
	o->a_addr = put(vs, op->a.data, matrix_extent(&op->a), page_off, FPQ_HW_PTE_READ_MASK);
	o->b_addr = put(vs, op->b.data, matrix_extent(&op->b), page_off * 3, FPQ_HW_PTE_READ_MASK);
	o->a_stride = (uint32_t)stride_of(&op->a);
	o->b_stride = (uint32_t)stride_of(&op->b);
	o->c_stride = (uint32_t)stride_of(&op->c);
	o->a_zero = (uint32_t)op->a.zero_point;
	if (op->a.scales) {
		flags |= FPQ_HW_OP_DESC_FLAGS_A_SCALES_MASK;
		o->sa_addr = put(vs, op->a.scales, matrix_scale_extent(&op->a), page_off / 2,
				 FPQ_HW_PTE_READ_MASK);
		o->sa_stride = (uint32_t)scale_stride_of(&op->a);
	}
	if (op->b.scales) {
		flags |= FPQ_HW_OP_DESC_FLAGS_B_SCALES_MASK;
		o->sb_addr = put(vs, op->b.scales, matrix_scale_extent(&op->b), page_off / 3,
				 FPQ_HW_PTE_READ_MASK);
		o->sb_stride = (uint32_t)scale_stride_of(&op->b);
	}
	/* C (and its scales) start as the operation's own buffers hold them */
	d->c_bytes = matrix_extent(&op->c);
	d->c_va = put(vs, op->c.data, d->c_bytes, page_off * 5, FPQ_HW_PTE_WRITE_MASK);
	o->c_addr = d->c_va;
	if (op->c.scales) {
		flags |= FPQ_HW_OP_DESC_FLAGS_C_SCALES_MASK;
		d->sc_bytes = matrix_scale_extent(&op->c);
		d->sc_va = put(vs, op->c.scales, d->sc_bytes, page_off / 4, FPQ_HW_PTE_WRITE_MASK);
		o->sc_addr = d->sc_va;
		o->sc_stride = (uint32_t)scale_stride_of(&op->c);
	}
	for (int i = 0; i < GA_COUNT; i++) {
		size_t bytes;
		const void *p = gemm_op_array(op, (enum gemm_array)i, &bytes);
		uint64_t va;

		if (!p)
			continue;
		va = put(vs, p, bytes, arrays[i].off, FPQ_HW_PTE_READ_MASK);
		memcpy((uint8_t *)o + arrays[i].field, &va, sizeof(va));
		flags |= arrays[i].has;
	}
	if (op->c.format == FPQ_FMT_INT8 && op->a.format == FPQ_FMT_INT8) {
		o->out_zero = (uint32_t)op->out_zero;
		o->act_min = (uint32_t)op->act_min;
		o->act_max = (uint32_t)op->act_max;
	}
	if (op->a.format != FPQ_FMT_INT8) {
		o->act = FPQ_HW_FIELD_PREP(FPQ_HW_OP_DESC_ACT_ACT_MASK, op->act);
		if (op->act == FPQ_ACT_CLAMP) {
			o->clamp_lo = f32_bits(op->clamp_lo);
			o->clamp_hi = f32_bits(op->clamp_hi);
		}
	}
	o->flags = flags;
}

/* ---- jobs ------------------------------------------------------------------------- */

void job_queue_raw(struct host *h, const struct fpq_hw_job_desc *desc, struct job *j)
{
	uint32_t slot = h->tail & ((1u << h->ring_log2) - 1);

	memcpy(host_ptr(h, h->ring_pa + (uint64_t)slot * FPQ_HW_RING_ENTRY_BYTES), desc,
	       sizeof(*desc));
	j->index = h->tail++;
	j->fence = desc->fence;
}

void job_queue(struct host *h, struct vspace *vs, const struct fpq_hw_op_desc *ops,
	       unsigned int n, bool irq, struct job *j)
{
	struct fpq_hw_job_desc desc;
	size_t cbytes = FPQ_HW_COMPLETION_BYTES + (size_t)n * FPQ_HW_OP_STATUS_BYTES;

	memset(&desc, 0, sizeof(desc));
	j->n_ops = n;
	j->ops_pa = host_kernel_alloc(h, (size_t)n * FPQ_HW_OP_DESC_BYTES, 64);
	memcpy(host_ptr(h, j->ops_pa), ops, (size_t)n * FPQ_HW_OP_DESC_BYTES);
	j->compl_pa = host_kernel_alloc(h, cbytes, 32);
	memset(host_ptr(h, j->compl_pa), 0xee, cbytes);
	desc.header = FPQ_HW_FIELD_PREP(FPQ_HW_JOB_DESC_HEADER_KIND_MASK, FPQ_HW_JOB_KIND_GEMM) |
		      FPQ_HW_FIELD_PREP(FPQ_HW_JOB_DESC_HEADER_NUM_OPS_MASK, n) |
		      FPQ_HW_FIELD_PREP(FPQ_HW_JOB_DESC_HEADER_IRQ_MASK, irq);
	desc.fence = ++h->next_fence;
	desc.ops_addr = j->ops_pa;
	desc.pt_root = vs->l1_pa;
	desc.completion_addr = j->compl_pa;
	job_queue_raw(h, &desc, j);
}

void host_doorbell(struct host *h)
{
	host_reg_write(h, FPQ_REG_RING_TAIL, h->tail);
}

bool host_wait_fence(struct host *h, uint64_t fence, uint64_t max_cycles)
{
	const struct fpq_hw_fence_record *rec = host_ptr(h, h->fence_pa);

	for (uint64_t c = 0; c < max_cycles; c += 64) {
		if (rec->fence >= fence && rec->fence < fence + (1ull << 40))
			return true;
		fpq_card_model_tick(h->card, 64);
	}
	return rec->fence >= fence;
}

const struct fpq_hw_completion *job_completion(struct host *h, const struct job *j)
{
	return host_ptr(h, j->compl_pa);
}

const struct fpq_hw_op_status *job_op_status(struct host *h, const struct job *j, unsigned int i)
{
	return host_ptr(h, j->compl_pa + FPQ_HW_COMPLETION_BYTES +
			(uint64_t)i * FPQ_HW_OP_STATUS_BYTES);
}
