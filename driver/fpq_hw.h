/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fpq_hw.h - the card's registers behind an ops table: MMIO on a real card, a
 * behavioural model of the card in the KUnit tests.
 */
#ifndef FPQ_HW_H
#define FPQ_HW_H

#include <linux/interrupt.h>
#include <linux/types.h>

#include "fpq_hw_regs.h"
#include "fpq_validate.h"

struct fpq_device;
struct fpq_hw;

/**
 * struct fpq_hw_ops - register access.
 * @read32: read the 32-bit register at byte offset @reg of BAR0.
 * @write32: write it.
 */
struct fpq_hw_ops {
	u32 (*read32)(struct fpq_hw *hw, u32 reg);
	void (*write32)(struct fpq_hw *hw, u32 reg, u32 val);
};

/**
 * struct fpq_hw - one card's register block and identity.
 * @ops: register access.
 * @regs: the mapped BAR0 (MMIO ops).
 * @priv: data of other ops (the KUnit card model).
 * @id: ID register.
 * @version: VERSION register.
 * @cap_array: CAP_ARRAY register (array rows and columns, bus width).
 * @features: CAP_FEATURES register.
 * @clock_khz: CAP_CLOCK_KHZ register.
 * @ring_log2_min: smallest ring the card accepts (log2 of entries).
 * @ring_log2_max: largest ring.
 * @va_bits: device virtual address bits.
 * @abft: fpq_hw_start() turns the card's ABFT checks on (CONTROL.ABFT).
 */
struct fpq_hw {
	const struct fpq_hw_ops *ops;
	void __iomem *regs;
	void *priv;
	u32 id;
	u32 version;
	u32 cap_array;
	u32 features;
	u32 clock_khz;
	u32 ring_log2_min;
	u32 ring_log2_max;
	u32 va_bits;
	bool abft;
};

/**
 * struct fpq_hw_error - the card's ERR_* registers.
 * @cause: ERR_CAUSE.
 * @op: ERR_OP.
 * @job: ERR_JOB (ring index).
 * @count: ERR_COUNT.
 * @addr: ERR_ADDR.
 * @fence: ERR_FENCE.
 */
struct fpq_hw_error {
	u32 cause;
	u32 op;
	u32 job;
	u32 count;
	u64 addr;
	u64 fence;
};

extern const struct fpq_hw_ops fpq_hw_mmio_ops;

static inline u32 fpq_hw_read(struct fpq_hw *hw, u32 reg)
{
	return hw->ops->read32(hw, reg);
}

static inline void fpq_hw_write(struct fpq_hw *hw, u32 reg, u32 val)
{
	hw->ops->write32(hw, reg, val);
}

int fpq_hw_identify(struct fpq_hw *hw, struct fpq_caps *caps);
int fpq_hw_reset(struct fpq_hw *hw);
void fpq_hw_start(struct fpq_hw *hw, dma_addr_t ring, u32 ring_log2, dma_addr_t fence_rec,
		  u32 head, bool irq);
void fpq_hw_stop(struct fpq_hw *hw);
void fpq_hw_doorbell(struct fpq_hw *hw, u32 tail);
u32 fpq_hw_irq_ack(struct fpq_hw *hw);
u64 fpq_hw_read64(struct fpq_hw *hw, u32 reg_lo);
void fpq_hw_read_error(struct fpq_hw *hw, struct fpq_hw_error *err);
bool fpq_hw_is_dead(struct fpq_hw *hw);

#endif /* FPQ_HW_H */
