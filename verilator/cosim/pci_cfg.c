// SPDX-License-Identifier: MIT
/*
 * pci_cfg.c - a type-0 configuration space kept as bytes plus a write mask, so every
 * access size and alignment behaves the same way a real function's does.
 */
#include "pci_cfg.h"

#include <errno.h>
#include <string.h>

enum {
	CFG_VENDOR = 0x00,
	CFG_DEVICE = 0x02,
	CFG_COMMAND = 0x04,
	CFG_REVISION = 0x08,
	CFG_CLASS = 0x09,
	CFG_CACHE_LINE = 0x0c,
	CFG_LATENCY = 0x0d,
	CFG_BAR0 = 0x10,
	CFG_SUBSYS_VENDOR = 0x2c,
	CFG_SUBSYS = 0x2e,
	CFG_INTR_LINE = 0x3c,
};

/* Command bits software may set: memory space, bus master, parity, SERR#, INTx disable. */
#define COMMAND_WMASK 0x0546u

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int pci_cfg_init(struct pci_cfg *cfg, const struct pci_ids *ids, uint32_t bar0_size)
{
	if (bar0_size < 16 || (bar0_size & (bar0_size - 1)))
		return -EINVAL;
	memset(cfg, 0, sizeof(*cfg));
	put16(cfg->bytes + CFG_VENDOR, ids->vendor);
	put16(cfg->bytes + CFG_DEVICE, ids->device);
	cfg->bytes[CFG_REVISION] = ids->revision;
	cfg->bytes[CFG_CLASS] = (uint8_t)ids->class_code;
	cfg->bytes[CFG_CLASS + 1] = (uint8_t)(ids->class_code >> 8);
	cfg->bytes[CFG_CLASS + 2] = (uint8_t)(ids->class_code >> 16);
	put16(cfg->bytes + CFG_SUBSYS_VENDOR, ids->subsystem_vendor);
	put16(cfg->bytes + CFG_SUBSYS, ids->subsystem);

	put16(cfg->wmask + CFG_COMMAND, COMMAND_WMASK);
	cfg->wmask[CFG_CACHE_LINE] = 0xff;
	cfg->wmask[CFG_LATENCY] = 0xff;
	cfg->wmask[CFG_INTR_LINE] = 0xff;
	/* BAR0: 32-bit memory, non-prefetchable (type bits 0); the size's low bits read 0. */
	cfg->bar_size[0] = bar0_size;
	put32(cfg->wmask + CFG_BAR0, ~(bar0_size - 1u));
	return 0;
}

void pci_cfg_reset(struct pci_cfg *cfg)
{
	/* Every writable bit powers on as 0. */
	for (unsigned int i = 0; i < PCI_CFG_SIZE; i++)
		cfg->bytes[i] &= (uint8_t)~cfg->wmask[i];
}

uint32_t pci_cfg_read(const struct pci_cfg *cfg, uint32_t addr, int len)
{
	uint32_t val = 0;

	if (len != 1 && len != 2 && len != 4)
		return 0;
	for (int i = 0; i < len; i++) {
		uint32_t a = addr + (uint32_t)i;

		if (a < PCI_CFG_SIZE)
			val |= (uint32_t)cfg->bytes[a] << (8 * i);
	}
	return val;
}

void pci_cfg_write(struct pci_cfg *cfg, uint32_t addr, uint32_t val, int len)
{
	if (len != 1 && len != 2 && len != 4)
		return;
	for (int i = 0; i < len; i++) {
		uint32_t a = addr + (uint32_t)i;
		uint8_t m, b = (uint8_t)(val >> (8 * i));

		if (a >= PCI_CFG_SIZE)
			continue;
		m = cfg->wmask[a];
		cfg->bytes[a] = (uint8_t)((cfg->bytes[a] & ~m) | (b & m));
	}
}

uint64_t pci_cfg_bar_base(const struct pci_cfg *cfg, int bar)
{
	if (bar < 0 || bar >= PCI_CFG_NUM_BARS || !cfg->bar_size[bar])
		return 0;
	return get32(cfg->bytes + CFG_BAR0 + 4 * bar) & ~0xfu;
}

int pci_cfg_bar_decode(const struct pci_cfg *cfg, uint64_t addr, unsigned int size,
		       uint64_t *offset)
{
	for (int bar = 0; bar < PCI_CFG_NUM_BARS; bar++) {
		uint64_t base = pci_cfg_bar_base(cfg, bar);
		uint64_t len = cfg->bar_size[bar];

		if (!len || !base)
			continue;
		if (addr >= base && addr - base < len && size <= len - (addr - base)) {
			*offset = addr - base;
			return bar;
		}
	}
	return -1;
}
