/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hook between the co-simulation interrupt shim (fpq_ivshmem_irq.ko) and the fpq
 * driver. Only the VM needs it: a real card raises MSI-X on its own function.
 */
#ifndef FPQ_IVSHMEM_IRQ_H
#define FPQ_IVSHMEM_IRQ_H

#include <linux/interrupt.h>
#include <linux/pci.h>

/**
 * fpq_external_irq() - an interrupt of the card that arrived on another function.
 * @pdev: the card's PCI function (the one the fpq driver binds).
 * @vector: which of the card's interrupt request lines (0 .. irq lines - 1).
 *
 * Exported by the fpq driver (EXPORT_SYMBOL_GPL) and called by the shim in hard-irq
 * context, once per interrupt, with a reference on the driver's module held for the
 * call. The driver handles it as it would its own MSI-X vector @vector, and must cope
 * with a call for a function it is not (or no longer) bound to.
 *
 * Return: IRQ_HANDLED or IRQ_NONE, as from the driver's own handler.
 */
irqreturn_t fpq_external_irq(struct pci_dev *pdev, unsigned int vector);

#endif /* FPQ_IVSHMEM_IRQ_H */
