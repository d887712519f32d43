/* SPDX-License-Identifier: MIT */
/*
 * card_model.h - what the card process needs from a model of the card: the shape of
 * the RTL top as a vendor PCIe shell sees it. An AXI4-Lite slave (BAR0 registers), an
 * AXI4 master to host memory (served through the host callbacks), interrupt request
 * lines (one per MSI-X vector), clock and reset.
 *
 * Implemented by card_model_verilated (the Verilated RTL, for the VM) and by the
 * transport tests' register responder (tests only; never a stand-in for the card).
 * Single-threaded: every call comes from the card process's one loop.
 */
#ifndef FPQ_COSIM_CARD_MODEL_H
#define FPQ_COSIM_CARD_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * struct card_model_host - host memory behind the card's AXI4 master. Addresses are
 * bus addresses (guest-physical in the VM). A callback returns 0, or a negative errno
 * when a byte is not backed, which the model answers with an AXI error response.
 */
struct card_model_host {
	void *ctx;
	int (*mem_read)(void *ctx, uint64_t addr, void *buf, size_t len);
	int (*mem_write)(void *ctx, uint64_t addr, const void *buf, size_t len);
};

/* struct card_model_desc - static facts the PCI function is built from. */
struct card_model_desc {
	const char *name;       /* for logs */
	uint16_t pci_device_id; /* under FPQ_PCI_VENDOR_PLACEHOLDER for now */
	uint8_t pci_revision;
	uint32_t bar0_size;     /* power of two: the register window */
	unsigned int irq_lines; /* interrupt request outputs = MSI-X vectors */
};

struct card_model;

const struct card_model_desc *card_model_describe(void);

/* card_model_create() - a model held in reset-released idle state. NULL on failure. */
struct card_model *card_model_create(const struct card_model_host *host);
void card_model_destroy(struct card_model *m);

/* card_model_reset() - assert reset for a few cycles and release it. */
void card_model_reset(struct card_model *m);

/* card_model_tick() - run @cycles clock cycles. */
void card_model_tick(struct card_model *m, uint64_t cycles);

/*
 * card_model_reg_read()/card_model_reg_write() - one 32-bit AXI4-Lite transaction at
 * byte @offset of BAR0 (4-byte aligned), clocking the model until the response.
 * @strb selects the bytes written. Return 0, or -EIO for an error response.
 */
int card_model_reg_read(struct card_model *m, uint32_t offset, uint32_t *value);
int card_model_reg_write(struct card_model *m, uint32_t offset, uint32_t value, uint8_t strb);

/* card_model_irq() - the interrupt request lines now, bit i = line i. */
uint32_t card_model_irq(struct card_model *m);

/*
 * card_model_busy() - true while the card has work in flight (the process keeps the
 * clock running); false when stopping the clock changes nothing until the next
 * register access.
 */
bool card_model_busy(struct card_model *m);

/* card_model_cycles() - clock cycles run since creation. */
uint64_t card_model_cycles(struct card_model *m);

/*
 * card_model_trace_open() - start writing a waveform to @path (FST or VCD, as the model
 * was built); card_model_trace_close() flushes and stops. Return 0 or a negative errno
 * (-ENOTSUP when the model was built without tracing).
 */
int card_model_trace_open(struct card_model *m, const char *path);
void card_model_trace_close(struct card_model *m);

#ifdef __cplusplus
}
#endif

#endif /* FPQ_COSIM_CARD_MODEL_H */
