// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_fake_card.c - the KUnit tests' model of the card (see fpq_fake_card.h).
 *
 * Bus addresses are turned into kernel addresses with dma_to_phys() and
 * phys_to_virt(): the tests run on User Mode Linux, whose DMA is direct.
 */
#include <linux/bitfield.h>
#include <linux/dma-direct.h>
#include <linux/io.h>
#include <linux/string.h>

#include "../fpq_drv.h"
#include "fpq_fake_card.h"

#define REG(card, r) ((card)->regs[(r) / 4])

/* Capability registers of the model: an 8x8 array with every format and feature. */
static const struct { u32 reg, val; } fpq_fake_caps[] = {
	{ FPQ_REG_ID, FPQ_HW_ID_MAGIC },
	{ FPQ_REG_VERSION, FPQ_REG_VERSION_RESET },
	{ FPQ_REG_CAP_ARRAY, 0x04100808 },
	{ FPQ_REG_CAP_IN_FORMATS, 0x000000fe },
	{ FPQ_REG_CAP_OUT_FORMATS, 0x00000efe },
	{ FPQ_REG_CAP_FEATURES, 0x0000001f },
	{ FPQ_REG_CAP_MAX_M, FPQ_REG_CAP_MAX_M_RESET },
	{ FPQ_REG_CAP_MAX_N, FPQ_REG_CAP_MAX_N_RESET },
	{ FPQ_REG_CAP_MAX_K, FPQ_REG_CAP_MAX_K_RESET },
	{ FPQ_REG_CAP_RING, FPQ_REG_CAP_RING_RESET },
	{ FPQ_REG_CAP_SRAM_A, 4096 },
	{ FPQ_REG_CAP_SRAM_B, 4096 },
	{ FPQ_REG_CAP_MMU, FPQ_REG_CAP_MMU_RESET },
	{ FPQ_REG_CAP_CLOCK_KHZ, 250000 },
};

/* The rest of the register file, as a soft reset leaves it. */
static void fpq_fake_reset_regs(struct fpq_fake_card *card)
{
	u32 caps[FPQ_REG_SCRATCH / 4];

	memcpy(caps, card->regs, sizeof(caps));
	memset(card->regs, 0, sizeof(card->regs));
	memcpy(card->regs, caps, sizeof(caps));
	REG(card, FPQ_REG_RING_LOG2) = FPQ_REG_RING_LOG2_RESET;
	card->head = 0;
	card->hung = false;
}

void *fpq_fake_card_dma(struct fpq_fake_card *card, u64 bus)
{
	return phys_to_virt(dma_to_phys(card->dma_dev, bus));
}

static bool fpq_fake_enabled(struct fpq_fake_card *card)
{
	return REG(card, FPQ_REG_CONTROL) & FPQ_REG_CONTROL_ENABLE_MASK;
}

static u32 fpq_fake_read32(struct fpq_hw *hw, u32 reg)
{
	struct fpq_fake_card *card = hw->priv;
	unsigned long flags;
	u32 val;

	spin_lock_irqsave(&card->lock, flags);
	if (card->dead) {
		val = U32_MAX;
	} else if (reg == FPQ_REG_STATUS) {
		bool busy = card->hung || (fpq_fake_enabled(card) &&
					   card->head != REG(card, FPQ_REG_RING_TAIL));

		val = (busy ? FPQ_REG_STATUS_BUSY_MASK : FPQ_REG_STATUS_IDLE_MASK) |
		      (card->reset_stuck ? FPQ_REG_STATUS_RESETTING_MASK : 0);
	} else if (reg == FPQ_REG_RING_HEAD) {
		val = card->head;
	} else if (reg < FPQ_HW_BAR0_BYTES) {
		val = REG(card, reg);
	} else {
		val = 0;
	}
	spin_unlock_irqrestore(&card->lock, flags);
	return val;
}

static void fpq_fake_write32(struct fpq_hw *hw, u32 reg, u32 val)
{
	struct fpq_fake_card *card = hw->priv;
	unsigned long flags;
	bool kick = false;

	spin_lock_irqsave(&card->lock, flags);
	switch (reg) {
	case FPQ_REG_ID ... FPQ_REG_CAP_CLOCK_KHZ:
	case FPQ_REG_STATUS:
	case FPQ_REG_FENCE_LO:
	case FPQ_REG_FENCE_HI:
	case FPQ_REG_ERR_CAUSE ... FPQ_REG_ERR_FENCE_HI:
		break;	/* read-only */
	case FPQ_REG_SOFT_RESET:
		if (val == FPQ_HW_SOFT_RESET_KEY) {
			fpq_fake_reset_regs(card);
			card->resets++;
		}
		break;
	case FPQ_REG_INT_STATUS:
		REG(card, reg) &= ~val;
		break;
	case FPQ_REG_RING_BASE_LO:
		REG(card, reg) = val & ~0x3fu;
		break;
	case FPQ_REG_FENCE_ADDR_LO:
		REG(card, reg) = val & ~0xfu;
		break;
	case FPQ_REG_RING_HEAD:
		if (!fpq_fake_enabled(card))
			card->head = val;
		break;
	case FPQ_REG_RING_TAIL:
		REG(card, reg) = val;
		card->doorbells++;
		kick = true;
		break;
	case FPQ_REG_CONTROL:
		REG(card, reg) = val;
		kick = true;
		break;
	default:
		if (reg < FPQ_HW_BAR0_BYTES)
			REG(card, reg) = val;
		break;
	}
	if (kick && card->autorun)
		queue_work(system_unbound_wq, &card->run_work);
	spin_unlock_irqrestore(&card->lock, flags);
}

const struct fpq_hw_ops fpq_fake_card_ops = {
	.read32 = fpq_fake_read32,
	.write32 = fpq_fake_write32,
};

/* The card's table walk: 0 and the bus address, or an enum err cause. */
static u32 fpq_fake_translate(struct fpq_fake_card *card, u64 pt_root, u64 va, u64 need,
			      u64 *bus)
{
	__le64 *l1, *l2;
	u64 pde, pte;

	if (va >> FPQ_HW_VA_BITS)
		return FPQ_HW_ERR_PAGE_UNMAPPED;
	l1 = fpq_fake_card_dma(card, pt_root);
	pde = le64_to_cpu(l1[(va >> (FPQ_HW_PAGE_SHIFT + FPQ_HW_PT_LEVEL_BITS)) &
			      (FPQ_HW_PT_ENTRIES - 1)]);
	if (!(pde & FPQ_HW_PDE_VALID_MASK))
		return FPQ_HW_ERR_PAGE_UNMAPPED;
	if (pde & (FPQ_HW_PDE_RSVD0_MASK | FPQ_HW_PDE_RSVD1_MASK))
		return FPQ_HW_ERR_PAGE_BAD_ENTRY;
	l2 = fpq_fake_card_dma(card, pde & FPQ_HW_PDE_ADDR_MASK);
	pte = le64_to_cpu(l2[(va >> FPQ_HW_PAGE_SHIFT) & (FPQ_HW_PT_ENTRIES - 1)]);
	if (!(pte & FPQ_HW_PTE_VALID_MASK))
		return FPQ_HW_ERR_PAGE_UNMAPPED;
	if (pte & (FPQ_HW_PTE_RSVD0_MASK | FPQ_HW_PTE_RSVD1_MASK))
		return FPQ_HW_ERR_PAGE_BAD_ENTRY;
	if ((pte & need) != need)
		return FPQ_HW_ERR_PAGE_PERMISSION;
	*bus = (pte & FPQ_HW_PTE_ADDR_MASK) | (va & (FPQ_HW_PAGE_BYTES - 1));
	return FPQ_HW_ERR_OK;
}

static bool fpq_fake_rsvd_clear(const struct fpq_hw_op_desc *d)
{
	const __le64 *rsvd = &d->rsvd0;
	unsigned int i;

	for (i = 0; i < 11; i++)
		if (rsvd[i])
			return false;
	return !(le32_to_cpu(d->flags) & (FPQ_HW_OP_DESC_FLAGS_RSVD0_MASK |
					  FPQ_HW_OP_DESC_FLAGS_RSVD1_MASK)) &&
	       !(le32_to_cpu(d->act) & FPQ_HW_OP_DESC_ACT_RSVD_MASK);
}

/*
 * The ABFT check of an INT8-class operation whose PE fault fired: the output tile the
 * model blames is number FAULT_PE_CYCLE of the operation's 8x8 tiles (row-major,
 * clamped), reported as the card does (first row in bits 15:0, first column 31:16).
 */
static u64 fpq_fake_abft_tile(struct fpq_fake_card *card, const struct fpq_hw_op_desc *d)
{
	u32 tiles_n = DIV_ROUND_UP(le32_to_cpu(d->n), 8);
	u32 tiles = DIV_ROUND_UP(le32_to_cpu(d->m), 8) * tiles_n;
	u32 t = min(REG(card, FPQ_REG_FAULT_PE_CYCLE), tiles - 1);

	return (t / tiles_n) * 8 | (u64)((t % tiles_n) * 8) << 16;
}

/*
 * One operation: C[0] = A[0] + B[0] through the page table. An armed PE fault
 * (FAULT_INJECT.PE) flips bit FAULT_PE.BIT (mod 8) of the sum: with CONTROL.ABFT an
 * INT8-class operation then fails with ERR_CHECKSUM and C is not written; without,
 * the wrong sum is written, as the array would.
 */
static u32 fpq_fake_run_op(struct fpq_fake_card *card, u64 pt_root,
			   const struct fpq_hw_op_desc *d, u64 *fault)
{
	u64 a, b, c;
	u32 st, fmt;
	bool checked;
	u8 sum;

	if (FIELD_GET(FPQ_HW_OP_DESC_OP_OPCODE_MASK, le32_to_cpu(d->op)) != FPQ_HW_OPCODE_GEMM)
		return FPQ_HW_ERR_BAD_OPCODE;
	if (!fpq_fake_rsvd_clear(d))
		return FPQ_HW_ERR_RESERVED;
	*fault = le64_to_cpu(d->a_addr);
	st = fpq_fake_translate(card, pt_root, *fault, FPQ_HW_PTE_READ_MASK, &a);
	if (st)
		return st;
	*fault = le64_to_cpu(d->b_addr);
	st = fpq_fake_translate(card, pt_root, *fault, FPQ_HW_PTE_READ_MASK, &b);
	if (st)
		return st;
	*fault = le64_to_cpu(d->c_addr);
	st = fpq_fake_translate(card, pt_root, *fault, FPQ_HW_PTE_WRITE_MASK, &c);
	if (st)
		return st;
	if (REG(card, FPQ_REG_FAULT_INJECT) & FPQ_REG_FAULT_INJECT_DMA_READ_MASK) {
		REG(card, FPQ_REG_FAULT_INJECT) &= ~FPQ_REG_FAULT_INJECT_DMA_READ_MASK;
		*fault = a;
		return FPQ_HW_ERR_DMA_READ;
	}
	sum = *(u8 *)fpq_fake_card_dma(card, a) + *(u8 *)fpq_fake_card_dma(card, b);
	fmt = FIELD_GET(FPQ_HW_OP_DESC_OP_FMT_A_MASK, le32_to_cpu(d->op));
	checked = (REG(card, FPQ_REG_CONTROL) & FPQ_REG_CONTROL_ABFT_MASK) &&
		  (fmt == FPQ_HW_FMT_INT8 || fmt == FPQ_HW_FMT_MXINT8);
	if (REG(card, FPQ_REG_FAULT_INJECT) & FPQ_REG_FAULT_INJECT_PE_MASK) {
		REG(card, FPQ_REG_FAULT_INJECT) &= ~FPQ_REG_FAULT_INJECT_PE_MASK;
		u32 bit = FIELD_GET(FPQ_REG_FAULT_PE_BIT_MASK, REG(card, FPQ_REG_FAULT_PE));

		sum ^= 1u << (bit & 7);
		if (checked) {
			REG(card, FPQ_REG_PERF_ABFT_TILES_LO)++;
			REG(card, FPQ_REG_PERF_ABFT_ERRORS_LO)++;
			*fault = fpq_fake_abft_tile(card, d);
			return FPQ_HW_ERR_CHECKSUM;
		}
	}
	REG(card, FPQ_REG_PERF_ABFT_TILES_LO) += checked;
	*(u8 *)fpq_fake_card_dma(card, c) = sum;
	*fault = 0;
	return FPQ_HW_ERR_OK;
}

/* Run the job at the head of the ring. Returns false when it hangs. */
static bool fpq_fake_run_job(struct fpq_fake_card *card)
{
	u64 ring = REG(card, FPQ_REG_RING_BASE_LO) | (u64)REG(card, FPQ_REG_RING_BASE_HI) << 32;
	u32 log2 = REG(card, FPQ_REG_RING_LOG2) & FPQ_REG_RING_LOG2_LOG2_MASK;
	u64 fence_addr = REG(card, FPQ_REG_FENCE_ADDR_LO) |
			 (u64)REG(card, FPQ_REG_FENCE_ADDR_HI) << 32;
	struct fpq_hw_job_desc *jd;
	struct fpq_hw_completion *comp;
	struct fpq_hw_op_status *ops;
	u32 header, nops, i, status = FPQ_HW_ERR_OK, done = 0;
	u64 fault = 0, fence, ops_addr, pt_root;

	jd = fpq_fake_card_dma(card, ring + (u64)(card->head & ((1u << log2) - 1)) *
				     FPQ_HW_RING_ENTRY_BYTES);
	header = le32_to_cpu(jd->header);
	nops = FIELD_GET(FPQ_HW_JOB_DESC_HEADER_NUM_OPS_MASK, header);
	fence = le64_to_cpu(jd->fence);
	ops_addr = le64_to_cpu(jd->ops_addr);
	pt_root = le64_to_cpu(jd->pt_root);
	comp = fpq_fake_card_dma(card, le64_to_cpu(jd->completion_addr));
	ops = (struct fpq_hw_op_status *)(comp + 1);

	if (REG(card, FPQ_REG_FAULT_INJECT) & FPQ_REG_FAULT_INJECT_HANG_MASK) {
		REG(card, FPQ_REG_FAULT_INJECT) &= ~FPQ_REG_FAULT_INJECT_HANG_MASK;
		card->hung = true;
		return false;
	}
	if (FIELD_GET(FPQ_HW_JOB_DESC_HEADER_KIND_MASK, header) != FPQ_HW_JOB_KIND_GEMM ||
	    !nops || (header & FPQ_HW_JOB_DESC_HEADER_RSVD_MASK) ||
	    (pt_root & (FPQ_HW_PAGE_BYTES - 1)) || (ops_addr & 63)) {
		status = FPQ_HW_ERR_BAD_JOB;
		nops = 0;
	}
	for (i = 0; i < nops && !status; i++) {
		const struct fpq_hw_op_desc *d =
			fpq_fake_card_dma(card, ops_addr + (u64)i * FPQ_HW_OP_DESC_BYTES);

		status = fpq_fake_run_op(card, pt_root, d, &fault);
		if (status)
			break;
		ops[i] = (struct fpq_hw_op_status){
			.clamped = cpu_to_le32(i + 1),
			.saturated = cpu_to_le32(2),
			.nan_to_zero = cpu_to_le32(3),
			.overflowed = cpu_to_le32(4),
			.cycles = cpu_to_le64(1000 + i),
			.macs = cpu_to_le64((u64)le32_to_cpu(d->m) * le32_to_cpu(d->n) *
					    le32_to_cpu(d->k)),
		};
		done++;
	}
	if (card->force_status) {
		status = card->force_status;
		card->force_status = 0;
	}
	if (status) {
		for (i = done; i < nops; i++)
			memset(&ops[i], 0, sizeof(ops[i]));
		REG(card, FPQ_REG_ERR_CAUSE) = status;
		REG(card, FPQ_REG_ERR_OP) = done;
		REG(card, FPQ_REG_ERR_JOB) = card->head;
		REG(card, FPQ_REG_ERR_COUNT)++;
		REG(card, FPQ_REG_ERR_ADDR_LO) = lower_32_bits(fault);
		REG(card, FPQ_REG_ERR_ADDR_HI) = upper_32_bits(fault);
		REG(card, FPQ_REG_ERR_FENCE_LO) = lower_32_bits(fence);
		REG(card, FPQ_REG_ERR_FENCE_HI) = upper_32_bits(fence);
	}
	*comp = (struct fpq_hw_completion){
		.fence = cpu_to_le64(fence),
		.status = cpu_to_le32(status),
		.ops_done = cpu_to_le32(done),
		.cycles = cpu_to_le64(5000),
		.error_addr = cpu_to_le64(fault),
	};
	card->head++;
	if (fence_addr) {
		struct fpq_hw_fence_record *rec = fpq_fake_card_dma(card, fence_addr);

		*rec = (struct fpq_hw_fence_record){
			.fence = cpu_to_le64(fence),
			.head = cpu_to_le32(card->head),
			.status = cpu_to_le32(status),
		};
	}
	REG(card, FPQ_REG_FENCE_LO) = lower_32_bits(fence);
	REG(card, FPQ_REG_FENCE_HI) = upper_32_bits(fence);
	if (header & FPQ_HW_JOB_DESC_HEADER_IRQ_MASK)
		REG(card, FPQ_REG_INT_STATUS) |= FPQ_REG_INT_STATUS_JOB_DONE_MASK;
	if (status)
		REG(card, FPQ_REG_INT_STATUS) |= FPQ_REG_INT_STATUS_JOB_ERROR_MASK;
	card->jobs_run++;
	return true;
}

/**
 * fpq_fake_card_step() - run up to @max_jobs jobs from the ring.
 * @card: the model.
 * @max_jobs: most jobs to run.
 *
 * Return: jobs completed.
 */
unsigned int fpq_fake_card_step(struct fpq_fake_card *card, unsigned int max_jobs)
{
	unsigned int done = 0;
	unsigned long flags;

	spin_lock_irqsave(&card->lock, flags);
	while (done < max_jobs && fpq_fake_enabled(card) && !card->hung && !card->dead &&
	       card->head != REG(card, FPQ_REG_RING_TAIL)) {
		if (!fpq_fake_run_job(card))
			break;
		done++;
	}
	spin_unlock_irqrestore(&card->lock, flags);
	return done;
}

/**
 * fpq_fake_card_pending() - jobs in the ring the model has not run.
 * @card: the model.
 *
 * Return: RING_TAIL - head.
 */
u32 fpq_fake_card_pending(struct fpq_fake_card *card)
{
	unsigned long flags;
	u32 n;

	spin_lock_irqsave(&card->lock, flags);
	n = REG(card, FPQ_REG_RING_TAIL) - card->head;
	spin_unlock_irqrestore(&card->lock, flags);
	return n;
}

/**
 * fpq_fake_card_irq() - deliver the interrupt when a masked-in cause is set.
 * @card: the model.
 */
void fpq_fake_card_irq(struct fpq_fake_card *card)
{
	unsigned long flags;
	bool raise;

	spin_lock_irqsave(&card->lock, flags);
	raise = REG(card, FPQ_REG_INT_STATUS) & REG(card, FPQ_REG_INT_MASK);
	spin_unlock_irqrestore(&card->lock, flags);
	if (raise && card->fdev)
		fpq_irq_handle(card->fdev);
}

static void fpq_fake_run_work(struct work_struct *work)
{
	struct fpq_fake_card *card = container_of(work, struct fpq_fake_card, run_work);

	fpq_fake_card_step(card, UINT_MAX);
	if (!card->no_irq)
		fpq_fake_card_irq(card);
}

/**
 * fpq_fake_card_init() - a model at power-on.
 * @card: the model.
 * @dma_dev: the device whose bus addresses descriptors hold.
 */
void fpq_fake_card_init(struct fpq_fake_card *card, struct device *dma_dev)
{
	unsigned int i;

	memset(card, 0, sizeof(*card));
	spin_lock_init(&card->lock);
	INIT_WORK(&card->run_work, fpq_fake_run_work);
	card->dma_dev = dma_dev;
	for (i = 0; i < ARRAY_SIZE(fpq_fake_caps); i++)
		REG(card, fpq_fake_caps[i].reg) = fpq_fake_caps[i].val;
	fpq_fake_reset_regs(card);
	REG(card, FPQ_REG_STATUS) = FPQ_REG_STATUS_RESET;
}

/**
 * fpq_fake_card_fini() - stop the model's work.
 * @card: the model.
 */
void fpq_fake_card_fini(struct fpq_fake_card *card)
{
	card->autorun = false;
	cancel_work_sync(&card->run_work);
}
