// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_test_hooks.c - paths only a test build has (CONFIG_DRM_FPQ_TEST_HOOKS; see
 * fpq_test_hooks.h): fpq_external_irq(), which the co-simulation's interrupt shim
 * calls for an interrupt of the card that arrived on another PCI function, and the
 * debugfs file that arms the card's one-shot fault injection.
 */
#include <drm/drm_drv.h>
#include <linux/debugfs.h>
#include <linux/export.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "fpq_drv.h"
#include "fpq_test_hooks.h"

MODULE_INFO(test_hooks, "Y");

/* Bound devices, for fpq_external_irq(); the lock also keeps each alive for the call. */
static DEFINE_SPINLOCK(fpq_devices_lock);
static LIST_HEAD(fpq_devices);

/**
 * fpq_external_irq() - an interrupt of the card that arrived on another function.
 * @pdev: the card's PCI function.
 * @vector: the card's interrupt line (the card has one; any value is accepted).
 *
 * For the co-simulation's interrupt shim, which calls it in hard-irq context. A
 * @pdev this driver is not (or no longer) bound to is ignored.
 *
 * Return: IRQ_HANDLED when the card had raised an interrupt, else IRQ_NONE.
 */
irqreturn_t fpq_external_irq(struct pci_dev *pdev, unsigned int vector)
{
	irqreturn_t ret = IRQ_NONE;
	struct fpq_device *fdev;
	unsigned long flags;

	if (!pdev)
		return IRQ_NONE;
	spin_lock_irqsave(&fpq_devices_lock, flags);
	list_for_each_entry(fdev, &fpq_devices, node) {
		if (fdev->pdev == pdev) {
			ret = fpq_irq_handle(fdev);
			break;
		}
	}
	spin_unlock_irqrestore(&fpq_devices_lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(fpq_external_irq);

/**
 * fpq_test_hooks_register_device() - let fpq_external_irq() find @fdev.
 * @fdev: a device whose card is running.
 */
void fpq_test_hooks_register_device(struct fpq_device *fdev)
{
	spin_lock_irq(&fpq_devices_lock);
	list_add_tail(&fdev->node, &fpq_devices);
	spin_unlock_irq(&fpq_devices_lock);
}

/**
 * fpq_test_hooks_unregister_device() - stop fpq_external_irq() from reaching @fdev.
 * @fdev: the device; on return no hook call is using it.
 */
void fpq_test_hooks_unregister_device(struct fpq_device *fdev)
{
	spin_lock_irq(&fpq_devices_lock);
	list_del_init(&fdev->node);
	spin_unlock_irq(&fpq_devices_lock);
}

/*
 * fault_inject: write "hang" or "dma_read" (or a number for the raw register) to arm a
 * one-shot fault of the card's next job.
 */
static ssize_t fpq_fault_inject_write(struct file *f, const char __user *ubuf, size_t len,
				      loff_t *pos)
{
	struct fpq_device *fdev = f->private_data;
	char buf[16] = {};
	u32 bits;
	int idx;

	if (!(fdev->caps.features & DRM_FPQ_FEATURE_FAULT_INJECT))
		return -EOPNOTSUPP;
	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	if (sysfs_streq(buf, "hang"))
		bits = FPQ_REG_FAULT_INJECT_HANG_MASK;
	else if (sysfs_streq(buf, "dma_read"))
		bits = FPQ_REG_FAULT_INJECT_DMA_READ_MASK;
	else if (kstrtou32(buf, 0, &bits))
		return -EINVAL;
	if (!drm_dev_enter(&fdev->drm, &idx))
		return -ENODEV;
	fpq_hw_write(&fdev->hw, FPQ_REG_FAULT_INJECT, bits);
	drm_dev_exit(idx);
	return len;
}

/* No llseek: without one the file is not seekable on every kernel. */
static const struct file_operations fpq_fault_inject_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = fpq_fault_inject_write,
};

/**
 * fpq_test_hooks_debugfs_init() - add the fault injection file.
 * @fdev: the device.
 * @root: its debugfs directory.
 */
void fpq_test_hooks_debugfs_init(struct fpq_device *fdev, struct dentry *root)
{
	debugfs_create_file("fault_inject", 0200, root, fdev, &fpq_fault_inject_fops);
}
