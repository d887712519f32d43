/* SPDX-License-Identifier: MIT */
/*
 * card_model.h - C interface to the Verilated fpq card (rtl/fpq_card.sv).
 *
 * The model owns the clock. The host supplies memory through callbacks: the card's AXI4
 * master reads and writes host memory one 8-byte beat at a time, behind a slave model
 * with a configurable latency and random back-pressure. BAR0 accesses are AXI4-Lite
 * transactions that run the clock until they complete (the card keeps working
 * meanwhile). An AXI protocol checker watches both interfaces every cycle.
 * Nothing here knows about any transport (QEMU, vfio-user): that is the caller's part.
 */
#ifndef FPQ_CARD_MODEL_H
#define FPQ_CARD_MODEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct fpq_card_mem_ops - host memory behind the card's AXI4 master.
 * @read: fill @buf with the 8 bytes at bus address @addr (8-byte aligned); return 0, or
 *	-1 to answer the beat with SLVERR.
 * @write: store the bytes of @data selected by @strobe (bit i: byte i) at bus address
 *	@addr (8-byte aligned); return 0, or -1 to answer the burst with SLVERR.
 */
struct fpq_card_mem_ops {
	int (*read)(void *opaque, uint64_t addr, uint8_t buf[8]);
	int (*write)(void *opaque, uint64_t addr, const uint8_t data[8], uint8_t strobe);
};

/**
 * struct fpq_card_model_opts - how the simulated bus behaves.
 * @read_latency: cycles from an accepted AR to its first R beat (0: default 200).
 * @write_latency: cycles from the last W beat of a burst to its B (0: default 50).
 * @stall_percent: chance (0..90) that the memory side withholds READY or VALID on a
 *	channel in a cycle.
 * @seed: random seed of the stalls and of Verilator's X initialisation.
 * @trace_path: write an FST waveform there, or NULL.
 */
struct fpq_card_model_opts {
	unsigned int read_latency;
	unsigned int write_latency;
	unsigned int stall_percent;
	uint64_t seed;
	const char *trace_path;
};

/**
 * struct fpq_card_model_stats - what the bus model counted.
 * @cycles: clock cycles since creation.
 * @rd_beats: R beats delivered.
 * @wr_beats: W beats accepted.
 * @protocol_errors: AXI and AXI-Lite rule violations seen (0 on a correct card).
 * @rtl_errors: failed RTL assertions (verilator/model/rtl_errors.h); always 0 in a model
 *	built with --noassert.
 */
struct fpq_card_model_stats {
	uint64_t cycles;
	uint64_t rd_beats;
	uint64_t wr_beats;
	uint64_t protocol_errors;
	uint64_t rtl_errors;
};

struct fpq_card_model;

/** fpq_card_model_create() - build and reset a card; @opts may be NULL. */
struct fpq_card_model *fpq_card_model_create(const struct fpq_card_model_opts *opts,
					     const struct fpq_card_mem_ops *ops, void *opaque);
/** fpq_card_model_destroy() - finish the waveform and free. NULL is a no-op. */
void fpq_card_model_destroy(struct fpq_card_model *m);
/** fpq_card_model_reset() - hold rst_ni low for a few cycles (power-on reset). */
void fpq_card_model_reset(struct fpq_card_model *m);
/** fpq_card_model_tick() - run @cycles clock cycles. */
void fpq_card_model_tick(struct fpq_card_model *m, uint64_t cycles);
/** fpq_card_model_reg_read() - one AXI4-Lite read of BAR0 offset @offset. */
uint32_t fpq_card_model_reg_read(struct fpq_card_model *m, uint32_t offset);
/** fpq_card_model_reg_write() - one AXI4-Lite write of all four bytes. */
void fpq_card_model_reg_write(struct fpq_card_model *m, uint32_t offset, uint32_t value);
/** fpq_card_model_irq() - the interrupt lines, bit i = irq_o[i]. */
unsigned int fpq_card_model_irq(const struct fpq_card_model *m);
/** fpq_card_model_stats() - counters of the bus model. */
void fpq_card_model_stats(const struct fpq_card_model *m, struct fpq_card_model_stats *st);
/** fpq_card_model_last_error() - text of the last protocol violation, or "". */
const char *fpq_card_model_last_error(const struct fpq_card_model *m);
/** fpq_card_model_set_stall() - change the back-pressure on the fly (0..90 %). */
void fpq_card_model_set_stall(struct fpq_card_model *m, unsigned int percent);

#ifdef __cplusplus
}
#endif

#endif /* FPQ_CARD_MODEL_H */
