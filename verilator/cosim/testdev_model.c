// SPDX-License-Identifier: MIT
/*
 * testdev_model.c - TEST ONLY: the transport test device (see testdev_model.h).
 * Implements cosim_model.h with a handful of registers, an asynchronous memory copy
 * through the host callbacks, and interrupt lines software can set.
 */
#include "cosim_model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pci_cfg.h"
#include "testdev_model.h"

struct cosim_model {
	struct cosim_model_host host;
	uint64_t cycles;
	uint32_t scratch[2];
	uint32_t irq;
	uint32_t reads;
	uint64_t dma_src, dma_dst;
	uint32_t dma_len, dma_status, dma_delay;
	bool dma_irq;
	uint64_t dma_done_at; /* cycle at which the running copy completes */
	uint8_t buf[TESTDEV_DMA_MAX];
};

static const struct cosim_model_desc testdev_desc = {
	.name = "transport test device (not the fpq card)",
	.pci_device_id = FPQ_PCI_DEVICE_TESTDEV,
	.pci_subsystem_vendor_id = FPQ_HW_PCI_VENDOR_ID,
	.pci_subsystem_id = FPQ_PCI_DEVICE_TESTDEV,
	.pci_revision = 0,
	.bar0_size = TESTDEV_BAR0_SIZE,
	.irq_lines = TESTDEV_IRQ_LINES,
};

const struct cosim_model_desc *cosim_model_describe(void)
{
	return &testdev_desc;
}

struct cosim_model *cosim_model_create(const struct cosim_model_host *host,
				       const struct cosim_model_opts *opts)
{
	struct cosim_model *m = calloc(1, sizeof(*m));

	if (opts && opts->trace_path)
		fprintf(stderr, "fpq-card: the transport test device has no waveform\n");
	if (m) {
		m->host = *host;
		m->dma_delay = TESTDEV_DMA_DELAY_RESET;
	}
	return m;
}

void cosim_model_destroy(struct cosim_model *m)
{
	free(m);
}

void cosim_model_reset(struct cosim_model *m)
{
	struct cosim_model_host host = m->host;
	uint64_t cycles = m->cycles;

	memset(m, 0, sizeof(*m));
	m->host = host;
	m->cycles = cycles + 4;
	m->dma_delay = TESTDEV_DMA_DELAY_RESET;
}

static void dma_finish(struct cosim_model *m)
{
	int ret = m->host.mem_read(m->host.ctx, m->dma_src, m->buf, m->dma_len);

	if (!ret)
		ret = m->host.mem_write(m->host.ctx, m->dma_dst, m->buf, m->dma_len);
	m->dma_status = ret ? TESTDEV_DMA_FAULT : TESTDEV_DMA_DONE;
	if (m->dma_irq)
		m->irq |= 1u;
}

void cosim_model_tick(struct cosim_model *m, uint64_t cycles)
{
	uint64_t end = m->cycles + cycles;

	if (m->dma_status == TESTDEV_DMA_BUSY && m->dma_done_at <= end) {
		m->cycles = m->dma_done_at;
		dma_finish(m);
	}
	m->cycles = end;
}

int cosim_model_reg_read(struct cosim_model *m, uint32_t offset, uint32_t *value)
{
	uint32_t reads = m->reads++;

	cosim_model_tick(m, 2);
	switch (offset) {
	case TESTDEV_ID: *value = TESTDEV_ID_VALUE; return 0;
	case TESTDEV_SCRATCH0: *value = m->scratch[0]; return 0;
	case TESTDEV_SCRATCH1: *value = m->scratch[1]; return 0;
	case TESTDEV_CYCLES: *value = (uint32_t)m->cycles; return 0;
	case TESTDEV_IRQ: *value = m->irq; return 0;
	case TESTDEV_READS: *value = reads; return 0;
	case TESTDEV_DMA_SRC_LO: *value = (uint32_t)m->dma_src; return 0;
	case TESTDEV_DMA_SRC_HI: *value = (uint32_t)(m->dma_src >> 32); return 0;
	case TESTDEV_DMA_DST_LO: *value = (uint32_t)m->dma_dst; return 0;
	case TESTDEV_DMA_DST_HI: *value = (uint32_t)(m->dma_dst >> 32); return 0;
	case TESTDEV_DMA_LEN: *value = m->dma_len; return 0;
	case TESTDEV_DMA_STATUS: *value = m->dma_status; return 0;
	case TESTDEV_DMA_DELAY: *value = m->dma_delay; return 0;
	case TESTDEV_ERROR: return -EIO;
	default: *value = 0; return 0;
	}
}

static uint32_t merge(uint32_t old, uint32_t value, uint8_t strb)
{
	uint32_t mask = 0;

	for (int b = 0; b < 4; b++)
		if (strb & (1u << b))
			mask |= 0xffu << (8 * b);
	return (old & ~mask) | (value & mask);
}

static void set_lo(uint64_t *r, uint32_t v, uint8_t strb)
{
	*r = (*r & ~0xffffffffull) | merge((uint32_t)*r, v, strb);
}

static void set_hi(uint64_t *r, uint32_t v, uint8_t strb)
{
	*r = (*r & 0xffffffffull) | (uint64_t)merge((uint32_t)(*r >> 32), v, strb) << 32;
}

int cosim_model_reg_write(struct cosim_model *m, uint32_t offset, uint32_t value, uint8_t strb)
{
	cosim_model_tick(m, 2);
	switch (offset) {
	case TESTDEV_SCRATCH0: m->scratch[0] = merge(m->scratch[0], value, strb); return 0;
	case TESTDEV_SCRATCH1: m->scratch[1] = merge(m->scratch[1], value, strb); return 0;
	case TESTDEV_IRQ:
		m->irq = merge(m->irq, value, strb) & ((1u << TESTDEV_IRQ_LINES) - 1);
		return 0;
	case TESTDEV_DMA_SRC_LO: set_lo(&m->dma_src, value, strb); return 0;
	case TESTDEV_DMA_SRC_HI: set_hi(&m->dma_src, value, strb); return 0;
	case TESTDEV_DMA_DST_LO: set_lo(&m->dma_dst, value, strb); return 0;
	case TESTDEV_DMA_DST_HI: set_hi(&m->dma_dst, value, strb); return 0;
	case TESTDEV_DMA_LEN: m->dma_len = merge(m->dma_len, value, strb); return 0;
	case TESTDEV_DMA_DELAY: m->dma_delay = merge(m->dma_delay, value, strb); return 0;
	case TESTDEV_DMA_CTRL:
		if (!(value & 1u) || m->dma_status == TESTDEV_DMA_BUSY)
			return 0;
		if (m->dma_len > TESTDEV_DMA_MAX) {
			m->dma_status = TESTDEV_DMA_FAULT;
			return 0;
		}
		m->dma_irq = value & 2u;
		m->dma_status = TESTDEV_DMA_BUSY;
		m->dma_done_at = m->cycles + m->dma_delay + m->dma_len / 8;
		return 0;
	case TESTDEV_ERROR: return -EIO;
	default: return 0; /* read-only and unused registers ignore writes */
	}
}

uint32_t cosim_model_irq(struct cosim_model *m)
{
	return m->irq;
}

bool cosim_model_busy(struct cosim_model *m)
{
	return m->dma_status == TESTDEV_DMA_BUSY;
}

uint64_t cosim_model_cycles(struct cosim_model *m)
{
	return m->cycles;
}

uint64_t cosim_model_errors(struct cosim_model *m, const char **last)
{
	(void)m;
	*last = "";
	return 0;
}
