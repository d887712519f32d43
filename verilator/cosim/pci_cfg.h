/* SPDX-License-Identifier: MIT */
/*
 * pci_cfg.h - the card's PCI function as software sees it: a conventional (256-byte)
 * type-0 configuration space with one 32-bit non-prefetchable memory BAR (BAR0).
 *
 * No capability list: no MSI/MSI-X is advertised (the proxy cannot deliver them) and
 * Interrupt Pin is 0 (its INTx path needs KVM). Interrupts reach the guest through the
 * ivshmem-doorbell side channel instead (see Documentation/cosim.rst).
 */
#ifndef FPQ_COSIM_PCI_CFG_H
#define FPQ_COSIM_PCI_CFG_H

#include <stdint.h>

#include "fpq_hw_regs.h"

#define PCI_CFG_SIZE 256u
#define PCI_CFG_NUM_BARS 6

/*
 * The card's identity is the contract's (FPQ_HW_PCI_* from rtl/regs/fpq_hw_spec.py).
 * The transport-test responder has a device ID of its own under the card's vendor ID,
 * so that the fpq driver never binds it.
 */
#define FPQ_PCI_DEVICE_TESTDEV 0xf0a0u
static_assert(FPQ_PCI_DEVICE_TESTDEV != FPQ_HW_PCI_DEVICE_ID, "the test device is not the card");

struct pci_ids {
	uint16_t vendor;
	uint16_t device;
	uint16_t subsystem_vendor;
	uint16_t subsystem;
	uint8_t revision;
	uint32_t class_code; /* base class << 16 | subclass << 8 | prog-if */
};

struct pci_cfg {
	uint8_t bytes[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE]; /* 1 bits are writable */
	uint32_t bar_size[PCI_CFG_NUM_BARS]; /* 0: not implemented */
};

/* pci_cfg_init() - power-on state; @bar0_size is a power of two >= 16. */
int pci_cfg_init(struct pci_cfg *cfg, const struct pci_ids *ids, uint32_t bar0_size);

/* pci_cfg_reset() - back to power-on values of the writable registers. */
void pci_cfg_reset(struct pci_cfg *cfg);

/* Accesses of 1, 2 or 4 bytes; bytes past the 256 read as 0 and ignore writes. */
uint32_t pci_cfg_read(const struct pci_cfg *cfg, uint32_t addr, int len);
void pci_cfg_write(struct pci_cfg *cfg, uint32_t addr, uint32_t val, int len);

/* pci_cfg_bar_base() - the address software assigned to BAR @bar (0: none). */
uint64_t pci_cfg_bar_base(const struct pci_cfg *cfg, int bar);

/*
 * pci_cfg_bar_decode() - which memory BAR an absolute address falls in, and where.
 * Returns the BAR index with *offset set, or -1 when no assigned BAR holds
 * [addr, addr + size).
 */
int pci_cfg_bar_decode(const struct pci_cfg *cfg, uint64_t addr, unsigned int size,
		       uint64_t *offset);

#endif /* FPQ_COSIM_PCI_CFG_H */
