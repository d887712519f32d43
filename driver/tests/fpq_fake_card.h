/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fpq_fake_card.h - a behavioural model of the card for the KUnit tests: the register
 * file of Documentation/registers.rst behind struct fpq_hw_ops, and a command
 * processor that reads the ring, the operation descriptors and the page tables from
 * memory as the card does, translates every operand address through the job's page
 * table (faulting as the card would), and writes completion and fence records.
 *
 * In place of a GEMM it computes C[0] = A[0] + B[0] through the translated addresses,
 * which proves the descriptors and page tables without modelling arithmetic; an armed
 * PE fault corrupts that sum, and CONTROL.ABFT catches it in INT8-class operations
 * as the card's checksums would (ERR_CHECKSUM, PERF_ABFT_*).
 */
#ifndef FPQ_FAKE_CARD_H
#define FPQ_FAKE_CARD_H

#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "../fpq_hw.h"

struct device;
struct fpq_device;

/**
 * struct fpq_fake_card - the model's state.
 * @lock: protects everything below.
 * @regs: the register file.
 * @head: the card's consumer index.
 * @hung: a FAULT_INJECT.HANG fired: no progress until reset.
 * @reset_stuck: STATUS.RESETTING never clears.
 * @dead: every read returns all ones (the card fell off the bus).
 * @autorun: run jobs from a work item at each doorbell, then raise the interrupt.
 * @no_irq: with @autorun, do not call the driver's interrupt handler.
 * @force_status: the next job ends with this cause (0: none).
 * @jobs_run: jobs completed (any status).
 * @resets: soft resets.
 * @doorbells: RING_TAIL writes.
 * @dma_dev: the device whose bus addresses the model translates.
 * @fdev: the driver's device, for the interrupt.
 * @run_work: the autorun work.
 */
struct fpq_fake_card {
	spinlock_t lock;	/* the whole model */
	u32 regs[FPQ_HW_BAR0_BYTES / 4];
	u32 head;
	bool hung;
	bool reset_stuck;
	bool dead;
	bool autorun;
	bool no_irq;
	u32 force_status;
	unsigned int jobs_run;
	unsigned int resets;
	unsigned int doorbells;
	struct device *dma_dev;
	struct fpq_device *fdev;
	struct work_struct run_work;
};

extern const struct fpq_hw_ops fpq_fake_card_ops;

void fpq_fake_card_init(struct fpq_fake_card *card, struct device *dma_dev);
void fpq_fake_card_fini(struct fpq_fake_card *card);
unsigned int fpq_fake_card_step(struct fpq_fake_card *card, unsigned int max_jobs);
u32 fpq_fake_card_pending(struct fpq_fake_card *card);
void fpq_fake_card_irq(struct fpq_fake_card *card);
void *fpq_fake_card_dma(struct fpq_fake_card *card, u64 bus);

#endif /* FPQ_FAKE_CARD_H */
