/* SPDX-License-Identifier: MIT */
/*
 * card_device.h - the card as a PCI function: its configuration space, BAR0 accesses
 * turned into AXI4-Lite transactions on the card model, the model's AXI4 master served
 * from guest memory, and interrupt lines turned into per-vector notifications.
 *
 * Transport-neutral: the x-pci-proxy-dev transport (proxy_transport.c) calls it today;
 * a vfio-user transport would call the same functions.
 */
#ifndef FPQ_COSIM_CARD_DEVICE_H
#define FPQ_COSIM_CARD_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "cosim_model.h"
#include "guest_mem.h"
#include "pci_cfg.h"

/* Called once per rising edge of interrupt line @vector. */
typedef void (*card_device_irq_fn)(void *ctx, unsigned int vector);

struct card_device_stats {
	uint64_t reg_reads, reg_writes, reg_errors;
	uint64_t dma_read_bytes, dma_write_bytes, dma_faults, dma_blocked;
	uint64_t irqs, resets;
};

struct card_device {
	struct pci_cfg cfg;
	struct cosim_model *model;
	const struct cosim_model_desc *desc;
	struct guest_mem *mem;
	card_device_irq_fn irq_fn;
	void *irq_ctx;
	uint32_t irq_level; /* lines seen at the last check, for edge detection */
	bool verbose;
	struct card_device_stats stats;
};

/*
 * card_device_init() - build the PCI function around a new card model (built with
 * @opts, which may be NULL) whose DMA goes to @mem. Returns 0 or a negative errno.
 */
int card_device_init(struct card_device *dev, struct guest_mem *mem,
		     const struct cosim_model_opts *opts, card_device_irq_fn irq_fn, void *irq_ctx);
void card_device_fini(struct card_device *dev);

uint32_t card_device_cfg_read(struct card_device *dev, uint32_t addr, int len);
void card_device_cfg_write(struct card_device *dev, uint32_t addr, uint32_t val, int len);

/*
 * card_device_bar_read()/card_device_bar_write() - an access of @size (1, 2, 4 or 8)
 * bytes at @offset of BAR @bar. Register accesses are answered at once: the model is
 * clocked only until its AXI4-Lite response. An error response reads as all-ones.
 */
uint64_t card_device_bar_read(struct card_device *dev, int bar, uint64_t offset, unsigned int size);
void card_device_bar_write(struct card_device *dev, int bar, uint64_t offset, uint64_t val,
			   unsigned int size);

/* card_device_reset() - a function-level reset: config space and the card. */
void card_device_reset(struct card_device *dev);

/* card_device_busy() - the card has work in flight; keep calling card_device_run(). */
bool card_device_busy(struct card_device *dev);

/* card_device_run() - clock the card @cycles cycles and deliver interrupt edges. */
void card_device_run(struct card_device *dev, uint64_t cycles);

#endif /* FPQ_COSIM_CARD_DEVICE_H */
