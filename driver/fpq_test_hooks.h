/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fpq_test_hooks.h - what only a test build of fpq.ko has (CONFIG_DRM_FPQ_TEST_HOOKS,
 * fpq_test_hooks.c): the hook through which the co-simulation's interrupt shim hands
 * over an interrupt of the card that arrived on another PCI function (the QEMU
 * co-simulation delivers it through an ivshmem-doorbell function; see
 * Documentation/cosim.rst), and debugfs fault injection. The module users install
 * has neither: these calls are then empty.
 */
#ifndef FPQ_TEST_HOOKS_H
#define FPQ_TEST_HOOKS_H

#include <linux/interrupt.h>
#include <linux/kconfig.h>
#include <linux/types.h>

struct dentry;
struct fpq_device;
struct pci_dev;

#if IS_ENABLED(CONFIG_DRM_FPQ_TEST_HOOKS)
irqreturn_t fpq_external_irq(struct pci_dev *pdev, unsigned int vector);
void fpq_test_hooks_register_device(struct fpq_device *fdev);
void fpq_test_hooks_unregister_device(struct fpq_device *fdev);
void fpq_test_hooks_debugfs_init(struct fpq_device *fdev, struct dentry *root);
int fpq_test_hooks_inject(struct fpq_device *fdev, const char *cmd);
int fpq_fault_pe_parse(const char *cmd, u32 rows, u32 cols, u32 *fault_pe, u32 *cycle);
#else
static inline void fpq_test_hooks_register_device(struct fpq_device *fdev)
{
}

static inline void fpq_test_hooks_unregister_device(struct fpq_device *fdev)
{
}

static inline void fpq_test_hooks_debugfs_init(struct fpq_device *fdev, struct dentry *root)
{
}
#endif

#endif /* FPQ_TEST_HOOKS_H */
