/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fpq_irq.h - the hook through which an interrupt of the card that arrives on another
 * PCI function reaches the driver (the QEMU co-simulation delivers the card's
 * interrupt through an ivshmem-doorbell function; see Documentation/driver.rst).
 */
#ifndef FPQ_IRQ_H
#define FPQ_IRQ_H

#include <linux/interrupt.h>

struct pci_dev;

irqreturn_t fpq_external_irq(struct pci_dev *pdev, unsigned int vector);

#endif /* FPQ_IRQ_H */
