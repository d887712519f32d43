// SPDX-License-Identifier: MIT
/*
 * cosim_model_card.c - the Verilated fpq card (verilator/model/card_model.h, rtl/fpq_card.sv)
 * behind the card process's model interface (cosim_model.h).
 *
 * The card's C API has no busy output, so the clock policy is kept here: any register
 * write may start work (a doorbell, a reset), so it starts the clock; STATUS is read
 * STATUS_FIRST_CYCLES later (a doorbell makes the card busy within a few cycles), then
 * every STATUS_POLL_CYCLES, and the clock stops once the card reports idle (no job, no
 * bus transaction outstanding, not resetting) and has no job waiting in the ring.
 * STATUS.IDLE alone is not enough: between two queued jobs the card is idle for a
 * cycle before it fetches the next one. These registers have no side effects, and the
 * card keeps working during the reads.
 */
#include "cosim_model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card_model.h"
#include "fpq_hw_regs.h"
#include "pci_cfg.h"

#define STATUS_FIRST_CYCLES 32u
/* Cycles between later STATUS reads: the reads cost ~0.5% of the cycles. */
#define STATUS_POLL_CYCLES 1024u

struct cosim_model {
	struct fpq_card_model *card;
	struct cosim_model_host host;
	bool running;            /* work may be in flight: keep the clock going */
	uint64_t since_status;   /* cycles run since the last STATUS read */
	uint64_t next_status;    /* ... when the next one is due */
	uint64_t partial_writes; /* sub-dword writes refused (the card's API has no strobes) */
};

static const struct cosim_model_desc card_desc = {
	.name = "fpq card (Verilated RTL)",
	.pci_device_id = FPQ_HW_PCI_DEVICE_ID,
	.pci_subsystem_vendor_id = FPQ_HW_PCI_SUBSYSTEM_VENDOR_ID,
	.pci_subsystem_id = FPQ_HW_PCI_SUBSYSTEM_ID,
	.pci_revision = FPQ_HW_VERSION_MAJOR,
	.bar0_size = FPQ_HW_BAR0_BYTES,
	.irq_lines = 1, /* irq_o[0:0] */
};

const struct cosim_model_desc *cosim_model_describe(void)
{
	return &card_desc;
}

static int card_mem_read(void *opaque, uint64_t addr, uint8_t buf[8])
{
	struct cosim_model *m = opaque;

	return m->host.mem_read(m->host.ctx, addr, buf, 8) ? -1 : 0;
}

/* One beat: each run of strobed bytes is one copy (a full beat is one). */
static int card_mem_write(void *opaque, uint64_t addr, const uint8_t data[8], uint8_t strobe)
{
	struct cosim_model *m = opaque;
	unsigned int i = 0;

	while (i < 8) {
		unsigned int n = 0;

		if (!(strobe & (1u << i))) {
			i++;
			continue;
		}
		while (i + n < 8 && (strobe & (1u << (i + n))))
			n++;
		if (m->host.mem_write(m->host.ctx, addr + i, data + i, n))
			return -1;
		i += n;
	}
	return 0;
}

static const struct fpq_card_mem_ops card_mem_ops = {
	.read = card_mem_read,
	.write = card_mem_write,
};

struct cosim_model *cosim_model_create(const struct cosim_model_host *host,
				       const struct cosim_model_opts *opts)
{
	struct fpq_card_model_opts copts;
	struct cosim_model *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->host = *host;
	memset(&copts, 0, sizeof(copts));
	if (opts) {
		copts.trace_path = opts->trace_path;
		copts.seed = opts->seed;
		copts.read_latency = opts->read_latency;
		copts.write_latency = opts->write_latency;
	}
	m->card = fpq_card_model_create(&copts, &card_mem_ops, m);
	if (!m->card) {
		free(m);
		return NULL;
	}
	return m;
}

void cosim_model_destroy(struct cosim_model *m)
{
	fpq_card_model_destroy(m->card);
	free(m);
}

void cosim_model_reset(struct cosim_model *m)
{
	fpq_card_model_reset(m->card);
	m->running = false;
}

static void start_clock(struct cosim_model *m)
{
	m->running = true;
	m->since_status = 0;
	m->next_status = STATUS_FIRST_CYCLES;
}

/*
 * Jobs the card will start without a register write: it is enabled and RING_HEAD has
 * not reached RING_TAIL. Asked right after STATUS read idle: only a register write moves
 * RING_TAIL, and no job could be fetched and completed within these few cycles to move
 * RING_HEAD, so equal indices mean nothing is left to do.
 */
static bool card_has_queued_jobs(struct cosim_model *m)
{
	if (!(fpq_card_model_reg_read(m->card, FPQ_REG_CONTROL) & FPQ_REG_CONTROL_ENABLE_MASK))
		return false;
	return fpq_card_model_reg_read(m->card, FPQ_REG_RING_HEAD) !=
	       fpq_card_model_reg_read(m->card, FPQ_REG_RING_TAIL);
}

void cosim_model_tick(struct cosim_model *m, uint64_t cycles)
{
	uint32_t status;

	fpq_card_model_tick(m->card, cycles);
	if (!m->running)
		return;
	m->since_status += cycles;
	if (m->since_status < m->next_status)
		return;
	m->since_status = 0;
	m->next_status = STATUS_POLL_CYCLES;
	status = fpq_card_model_reg_read(m->card, FPQ_REG_STATUS);
	if ((status & FPQ_REG_STATUS_IDLE_MASK) &&
	    !(status & (FPQ_REG_STATUS_BUSY_MASK | FPQ_REG_STATUS_RESETTING_MASK)) &&
	    !card_has_queued_jobs(m))
		m->running = false;
}

int cosim_model_reg_read(struct cosim_model *m, uint32_t offset, uint32_t *value)
{
	*value = fpq_card_model_reg_read(m->card, offset);
	return 0;
}

int cosim_model_reg_write(struct cosim_model *m, uint32_t offset, uint32_t value, uint8_t strb)
{
	if ((strb & 0xf) != 0xf) {
		/* All registers are whole dwords (Documentation/registers.rst). */
		if (m->partial_writes++ == 0)
			fprintf(stderr, "fpq-card: sub-dword write at BAR0+0x%03x refused\n", offset);
		return -EIO;
	}
	fpq_card_model_reg_write(m->card, offset, value);
	start_clock(m);
	return 0;
}

uint32_t cosim_model_irq(struct cosim_model *m)
{
	return fpq_card_model_irq(m->card);
}

bool cosim_model_busy(struct cosim_model *m)
{
	return m->running;
}

uint64_t cosim_model_cycles(struct cosim_model *m)
{
	struct fpq_card_model_stats st;

	fpq_card_model_stats(m->card, &st);
	return st.cycles;
}

uint64_t cosim_model_errors(struct cosim_model *m, const char **last)
{
	struct fpq_card_model_stats st;

	fpq_card_model_stats(m->card, &st);
	*last = fpq_card_model_last_error(m->card);
	if (!st.protocol_errors && st.rtl_errors)
		*last = "RTL assertion failed (the card process's %Error lines name it)";
	else if (!st.protocol_errors && m->partial_writes)
		*last = "sub-dword register write (the card's registers are whole dwords)";
	return st.protocol_errors + st.rtl_errors + m->partial_writes;
}
