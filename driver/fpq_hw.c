// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_hw.c - the card's register-level procedures (Documentation/registers.rst):
 * identification, soft reset, start-up programming, doorbell, interrupt
 * acknowledge. Every access goes through struct fpq_hw_ops so that the KUnit tests
 * run the same procedures against a model of the card.
 */
#include <linux/bitfield.h>
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/ktime.h>

#include "fpq_hw.h"

/* How long a soft reset may take to drain the bus (generous for co-simulation). */
#define FPQ_HW_RESET_TIMEOUT_MS 2000

static u32 fpq_mmio_read32(struct fpq_hw *hw, u32 reg)
{
	return readl(hw->regs + reg);
}

static void fpq_mmio_write32(struct fpq_hw *hw, u32 reg, u32 val)
{
	writel(val, hw->regs + reg);
}

/* Register access of a real card: BAR0 mapped with pcim_iomap(). */
const struct fpq_hw_ops fpq_hw_mmio_ops = {
	.read32 = fpq_mmio_read32,
	.write32 = fpq_mmio_write32,
};

/**
 * fpq_hw_is_dead() - the card no longer answers (reads return all ones).
 * @hw: the card.
 *
 * Return: true when the identity register reads 0xffffffff.
 */
bool fpq_hw_is_dead(struct fpq_hw *hw)
{
	return fpq_hw_read(hw, FPQ_REG_ID) == U32_MAX;
}

/**
 * fpq_hw_identify() - check the card's identity and version, read its capabilities.
 * @hw: the card; its identity fields are filled.
 * @caps: receives what validation will allow.
 *
 * Return: 0, -EIO when the card does not answer, -ENODEV when it is not a card of
 * a contract version this driver speaks.
 */
int fpq_hw_identify(struct fpq_hw *hw, struct fpq_caps *caps)
{
	u32 ring, mmu;

	hw->id = fpq_hw_read(hw, FPQ_REG_ID);
	if (hw->id == U32_MAX)
		return -EIO;
	if (hw->id != FPQ_HW_ID_MAGIC)
		return -ENODEV;
	hw->version = fpq_hw_read(hw, FPQ_REG_VERSION);
	if (FIELD_GET(FPQ_REG_VERSION_MAJOR_MASK, hw->version) != FPQ_HW_VERSION_MAJOR)
		return -ENODEV;

	hw->cap_array = fpq_hw_read(hw, FPQ_REG_CAP_ARRAY);
	hw->features = fpq_hw_read(hw, FPQ_REG_CAP_FEATURES);
	hw->clock_khz = fpq_hw_read(hw, FPQ_REG_CAP_CLOCK_KHZ);
	ring = fpq_hw_read(hw, FPQ_REG_CAP_RING);
	mmu = fpq_hw_read(hw, FPQ_REG_CAP_MMU);
	hw->ring_log2_min = FIELD_GET(FPQ_REG_CAP_RING_LOG2_MIN_MASK, ring);
	hw->ring_log2_max = FIELD_GET(FPQ_REG_CAP_RING_LOG2_MAX_MASK, ring);
	hw->va_bits = FIELD_GET(FPQ_REG_CAP_MMU_VA_BITS_MASK, mmu);

	if (FIELD_GET(FPQ_REG_CAP_MMU_PAGE_SHIFT_MASK, mmu) != FPQ_HW_PAGE_SHIFT)
		return -ENODEV;
	/* Two levels of 512 entries: the table format reaches 30 bits at most. */
	if (hw->va_bits < FPQ_HW_PAGE_SHIFT + FPQ_HW_PT_LEVEL_BITS + 1)
		return -ENODEV;
	hw->va_bits = min_t(u32, hw->va_bits, FPQ_HW_VA_BITS);
	if (hw->ring_log2_min > hw->ring_log2_max || hw->ring_log2_max > FPQ_HW_RING_LOG2_MAX)
		return -ENODEV;

	/* Formats of the contract in their roles: other bits of a CAP register are ignored. */
	*caps = (struct fpq_caps){
		.input_formats = fpq_hw_read(hw, FPQ_REG_CAP_IN_FORMATS) & FPQ_HW_FMT_OPERANDS,
		.output_formats = fpq_hw_read(hw, FPQ_REG_CAP_OUT_FORMATS) & FPQ_HW_FMT_OUTPUTS,
		/* Contract 1.x: float operand formats may always be paired freely. */
		.features = DRM_FPQ_FEATURE_MIXED_FORMATS,
		.max_m = min_t(u32, fpq_hw_read(hw, FPQ_REG_CAP_MAX_M), FPQ_HW_MAX_M),
		.max_n = min_t(u32, fpq_hw_read(hw, FPQ_REG_CAP_MAX_N), FPQ_HW_MAX_N),
		.max_k = min_t(u32, fpq_hw_read(hw, FPQ_REG_CAP_MAX_K), FPQ_HW_MAX_K),
		.max_ops = min_t(u32, FIELD_GET(FPQ_REG_CAP_RING_MAX_OPS_MASK, ring),
				 FPQ_HW_MAX_OPS_PER_JOB),
		/* The card's DMA engines realign: operands may start at any byte. */
		.offset_align = 1,
	};
	if (hw->features & FPQ_REG_CAP_FEATURES_MX_SCALES_MASK)
		caps->features |= DRM_FPQ_FEATURE_MX_SCALES;
	if (hw->features & FPQ_REG_CAP_FEATURES_MX_OUTPUT_MASK)
		caps->features |= DRM_FPQ_FEATURE_MX_OUTPUT;
	if (hw->features & FPQ_REG_CAP_FEATURES_FAULT_INJECT_MASK)
		caps->features |= DRM_FPQ_FEATURE_FAULT_INJECT;
	if (hw->features & FPQ_REG_CAP_FEATURES_PERF_MASK)
		caps->features |= DRM_FPQ_FEATURE_PERF;
	return 0;
}

/**
 * fpq_hw_reset() - soft reset: abort any job, drain the bus, reset every register.
 * @hw: the card.
 *
 * Sleeps while the card drains.
 *
 * Return: 0, -EIO when the card stopped answering, -ETIMEDOUT when it stays in
 * reset.
 */
int fpq_hw_reset(struct fpq_hw *hw)
{
	ktime_t deadline = ktime_add_ms(ktime_get(), FPQ_HW_RESET_TIMEOUT_MS);
	u32 status;

	fpq_hw_write(hw, FPQ_REG_SOFT_RESET, FPQ_HW_SOFT_RESET_KEY);
	for (;;) {
		status = fpq_hw_read(hw, FPQ_REG_STATUS);
		if (status == U32_MAX)
			return -EIO;
		if (!(status & FPQ_REG_STATUS_RESETTING_MASK))
			return 0;
		if (ktime_after(ktime_get(), deadline))
			return -ETIMEDOUT;
		usleep_range(20, 100);
	}
}

/**
 * fpq_hw_start() - program the ring and the fence write-back, then enable the card.
 * @hw: the card, idle (after reset).
 * @ring: bus address of the ring (64-byte aligned).
 * @ring_log2: log2 of the ring's entry count, within the card's limits.
 * @fence_rec: bus address of the fence write-back record (16-byte aligned).
 * @head: ring index to start at (head and tail).
 * @irq: enable the completion interrupt causes.
 *
 * With @hw->abft, the card checks output tiles (CONTROL.ABFT, set with ENABLE while
 * the card is idle, as the contract asks).
 */
void fpq_hw_start(struct fpq_hw *hw, dma_addr_t ring, u32 ring_log2, dma_addr_t fence_rec,
		  u32 head, bool irq)
{
	fpq_hw_write(hw, FPQ_REG_CONTROL, 0);
	fpq_hw_write(hw, FPQ_REG_RING_BASE_LO, lower_32_bits(ring));
	fpq_hw_write(hw, FPQ_REG_RING_BASE_HI, upper_32_bits(ring));
	fpq_hw_write(hw, FPQ_REG_RING_LOG2, ring_log2);
	fpq_hw_write(hw, FPQ_REG_FENCE_ADDR_LO, lower_32_bits(fence_rec));
	fpq_hw_write(hw, FPQ_REG_FENCE_ADDR_HI, upper_32_bits(fence_rec));
	fpq_hw_write(hw, FPQ_REG_RING_HEAD, head);
	fpq_hw_write(hw, FPQ_REG_RING_TAIL, head);
	fpq_hw_write(hw, FPQ_REG_INT_STATUS, FPQ_REG_INT_STATUS_JOB_DONE_MASK |
		     FPQ_REG_INT_STATUS_JOB_ERROR_MASK);
	fpq_hw_write(hw, FPQ_REG_INT_MASK, irq ? FPQ_REG_INT_MASK_JOB_DONE_MASK |
		     FPQ_REG_INT_MASK_JOB_ERROR_MASK : 0);
	fpq_hw_write(hw, FPQ_REG_CONTROL, FPQ_REG_CONTROL_ENABLE_MASK |
		     (hw->abft ? FPQ_REG_CONTROL_ABFT_MASK : 0));
}

/**
 * fpq_hw_stop() - stop fetching jobs and raising interrupts.
 * @hw: the card.
 */
void fpq_hw_stop(struct fpq_hw *hw)
{
	fpq_hw_write(hw, FPQ_REG_CONTROL, 0);
	fpq_hw_write(hw, FPQ_REG_INT_MASK, 0);
}

/**
 * fpq_hw_doorbell() - tell the card the ring now ends before index @tail.
 * @hw: the card.
 * @tail: free-running producer index.
 */
void fpq_hw_doorbell(struct fpq_hw *hw, u32 tail)
{
	fpq_hw_write(hw, FPQ_REG_RING_TAIL, tail);
}

/**
 * fpq_hw_irq_ack() - read and clear the interrupt causes.
 * @hw: the card.
 *
 * Clearing comes before the caller reads the fence record, as the contract asks, so
 * a completion after this point raises a new interrupt.
 *
 * Return: the causes that were set (0: not ours; U32_MAX: the card is gone).
 */
u32 fpq_hw_irq_ack(struct fpq_hw *hw)
{
	u32 status = fpq_hw_read(hw, FPQ_REG_INT_STATUS);

	if (status && status != U32_MAX)
		fpq_hw_write(hw, FPQ_REG_INT_STATUS, status);
	return status;
}

/**
 * fpq_hw_read64() - read a _LO/_HI register pair (_LO first: it latches _HI).
 * @hw: the card.
 * @reg_lo: offset of the _LO half.
 *
 * Return: the 64-bit value.
 */
u64 fpq_hw_read64(struct fpq_hw *hw, u32 reg_lo)
{
	u32 lo = fpq_hw_read(hw, reg_lo);

	return (u64)fpq_hw_read(hw, reg_lo + 4) << 32 | lo;
}

/**
 * fpq_hw_read_error() - read the ERR_* registers.
 * @hw: the card.
 * @err: receives them.
 */
void fpq_hw_read_error(struct fpq_hw *hw, struct fpq_hw_error *err)
{
	err->cause = fpq_hw_read(hw, FPQ_REG_ERR_CAUSE);
	err->op = fpq_hw_read(hw, FPQ_REG_ERR_OP);
	err->job = fpq_hw_read(hw, FPQ_REG_ERR_JOB);
	err->count = fpq_hw_read(hw, FPQ_REG_ERR_COUNT);
	err->addr = fpq_hw_read64(hw, FPQ_REG_ERR_ADDR_LO);
	err->fence = fpq_hw_read64(hw, FPQ_REG_ERR_FENCE_LO);
}
