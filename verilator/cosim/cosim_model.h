/* SPDX-License-Identifier: MIT */
/*
 * cosim_model.h - what the card process needs from a model of the card: the shape of
 * the RTL top as a vendor PCIe shell sees it. An AXI4-Lite slave (BAR0 registers), an
 * AXI4 master to host memory (served through the host callbacks), interrupt request
 * lines (one per MSI-X vector), clock and reset.
 *
 * Implemented by cosim_model_verilated (the Verilated RTL, for the VM) and by the
 * transport tests' register responder (tests only; never a stand-in for the card).
 * Single-threaded: every call comes from the card process's one loop.
 */
#ifndef FPQ_COSIM_COSIM_MODEL_H
#define FPQ_COSIM_COSIM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * struct cosim_model_host - host memory behind the card's AXI4 master. Addresses are
 * bus addresses (guest-physical in the VM). A callback returns 0, or a negative errno
 * when a byte is not backed, which the model answers with an AXI error response.
 */
struct cosim_model_host {
	void *ctx;
	int (*mem_read)(void *ctx, uint64_t addr, void *buf, size_t len);
	int (*mem_write)(void *ctx, uint64_t addr, const void *buf, size_t len);
};

/* struct cosim_model_desc - static facts the PCI function is built from. */
struct cosim_model_desc {
	const char *name;       /* for logs */
	uint16_t pci_device_id; /* under the card's vendor ID, FPQ_HW_PCI_VENDOR_ID */
	uint16_t pci_subsystem_vendor_id;
	uint16_t pci_subsystem_id;
	uint8_t pci_revision;
	uint32_t bar0_size;     /* power of two: the register window */
	unsigned int irq_lines; /* interrupt request outputs = MSI-X vectors */
};

/*
 * struct cosim_model_opts - how to build the model.
 * @trace_path: write a waveform (FST) there, or NULL.
 * @seed: random seed of the model (X initialisation, bus back-pressure).
 * @read_latency: cycles from a read request to its data (0: the model's default).
 * @write_latency: cycles from a write burst to its response (0: the model's default).
 */
struct cosim_model_opts {
	const char *trace_path;
	uint64_t seed;
	unsigned int read_latency;
	unsigned int write_latency;
};

struct cosim_model;

const struct cosim_model_desc *cosim_model_describe(void);

/*
 * cosim_model_create() - a model out of reset and idle. A model that cannot trace
 * says so on stderr and runs without a waveform. NULL on failure.
 */
struct cosim_model *cosim_model_create(const struct cosim_model_host *host,
				       const struct cosim_model_opts *opts);
/* cosim_model_destroy() - finish the waveform and free. */
void cosim_model_destroy(struct cosim_model *m);

/* cosim_model_reset() - assert reset for a few cycles and release it. */
void cosim_model_reset(struct cosim_model *m);

/* cosim_model_tick() - run @cycles clock cycles. */
void cosim_model_tick(struct cosim_model *m, uint64_t cycles);

/*
 * cosim_model_reg_read()/cosim_model_reg_write() - one 32-bit AXI4-Lite transaction at
 * byte @offset of BAR0 (4-byte aligned), clocking the model until the response.
 * @strb selects the bytes written. Return 0, or -EIO for an error response.
 */
int cosim_model_reg_read(struct cosim_model *m, uint32_t offset, uint32_t *value);
int cosim_model_reg_write(struct cosim_model *m, uint32_t offset, uint32_t value, uint8_t strb);

/* cosim_model_irq() - the interrupt request lines now, bit i = line i. */
uint32_t cosim_model_irq(struct cosim_model *m);

/*
 * cosim_model_busy() - true while the card has work in flight (the process keeps the
 * clock running); false when stopping the clock changes nothing until the next
 * register access.
 */
bool cosim_model_busy(struct cosim_model *m);

/* cosim_model_cycles() - clock cycles run since creation. */
uint64_t cosim_model_cycles(struct cosim_model *m);

/*
 * cosim_model_errors() - rule violations the model's checkers saw (AXI protocol and
 * the like; 0 on a correct card), with the text of the last one in *@last.
 */
uint64_t cosim_model_errors(struct cosim_model *m, const char **last);

#ifdef __cplusplus
}
#endif

#endif /* FPQ_COSIM_COSIM_MODEL_H */
