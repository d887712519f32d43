// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_test_hooks.c - paths only a test build has (CONFIG_DRM_FPQ_TEST_HOOKS; see
 * fpq_test_hooks.h): fpq_external_irq(), which the co-simulation's interrupt shim
 * calls for an interrupt of the card that arrived on another PCI function, and the
 * debugfs file that arms the card's one-shot fault injection.
 */
#include <drm/drm_drv.h>
#include <linux/bitfield.h>
#include <linux/debugfs.h>
#include <linux/export.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/kernel.h>

#include "fpq_drv.h"
#include "fpq_job.h"
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

/**
 * fpq_fault_pe_parse() - the processing-element fault a "pe" command of fault_inject
 * describes, as the card's FAULT_PE and FAULT_PE_CYCLE registers want it.
 * @cmd: "pe ROW COL BIT TARGET CYCLE [stuck0|stuck1]": TARGET is acc (the
 *	accumulator), a or b (the operand registers); without a stuck word the bit
 *	flips once at busy cycle CYCLE of the next job, with one it stays stuck at 0 or
 *	1 from then on.
 * @rows: rows of the card's array.
 * @cols: columns of the card's array.
 * @fault_pe: receives the FAULT_PE value.
 * @cycle: receives the FAULT_PE_CYCLE value.
 *
 * Return: 0, or -EINVAL for a malformed command or a PE or bit the card has not.
 */
int fpq_fault_pe_parse(const char *cmd, u32 rows, u32 cols, u32 *fault_pe, u32 *cycle)
{
	static const char *const targets[] = { "acc", "a", "b" };
	/* Accumulator bits as the register field allows; operand registers hold 8 bits. */
	static const u32 bits[] = { 64, 8, 8 };
	char target[8] = {}, stuck[8] = {};
	u32 row, col, bit, target_code;
	int n;

	n = sscanf(cmd, "pe %u %u %u %7s %u %7s", &row, &col, &bit, target, cycle, stuck);
	if (n != 5 && n != 6)
		return -EINVAL;
	for (target_code = 0; target_code < ARRAY_SIZE(targets); target_code++)
		if (!strcmp(target, targets[target_code]))
			break;
	if (target_code == ARRAY_SIZE(targets) || row >= rows || col >= cols ||
	    bit >= bits[target_code])
		return -EINVAL;
	*fault_pe = FIELD_PREP(FPQ_REG_FAULT_PE_ROW_MASK, row) |
		    FIELD_PREP(FPQ_REG_FAULT_PE_COL_MASK, col) |
		    FIELD_PREP(FPQ_REG_FAULT_PE_BIT_MASK, bit) |
		    FIELD_PREP(FPQ_REG_FAULT_PE_TARGET_MASK, target_code);
	if (n == 6) {
		if (strcmp(stuck, "stuck0") && strcmp(stuck, "stuck1"))
			return -EINVAL;
		*fault_pe |= FPQ_REG_FAULT_PE_STUCK_MASK;
		if (!strcmp(stuck, "stuck1"))
			*fault_pe |= FPQ_REG_FAULT_PE_STUCK_VALUE_MASK;
	}
	return 0;
}

/* Arm the card's PE fault for its next job (FAULT_PE, FAULT_PE_CYCLE, FAULT_INJECT.PE). */
static int fpq_fault_pe_arm(struct fpq_device *fdev, const char *cmd)
{
	u32 fault_pe, cycle;
	int idx, err;

	err = fpq_fault_pe_parse(cmd, FIELD_GET(FPQ_REG_CAP_ARRAY_ROWS_MASK, fdev->hw.cap_array),
				 FIELD_GET(FPQ_REG_CAP_ARRAY_COLS_MASK, fdev->hw.cap_array),
				 &fault_pe, &cycle);
	if (err)
		return err;
	if (!drm_dev_enter(&fdev->drm, &idx))
		return -ENODEV;
	fpq_hw_write(&fdev->hw, FPQ_REG_FAULT_PE, fault_pe);
	fpq_hw_write(&fdev->hw, FPQ_REG_FAULT_PE_CYCLE, cycle);
	fpq_hw_write(&fdev->hw, FPQ_REG_FAULT_INJECT,
		     fpq_hw_read(&fdev->hw, FPQ_REG_FAULT_INJECT) | FPQ_REG_FAULT_INJECT_PE_MASK);
	drm_dev_exit(idx);
	return 0;
}

/**
 * fpq_test_hooks_inject() - carry out one command of the debugfs file fault_inject.
 * @fdev: the device.
 * @cmd: "hang" or "dma_read" (or a number for the raw register) arm a one-shot fault
 *	of the card's next job; "pe ..." (fpq_fault_pe_parse()) arms a fault of one
 *	processing element of the array for the next job (-EOPNOTSUPP on a card without
 *	ABFT, whose injector would corrupt results undetected); "desc" has the driver
 *	corrupt the next job's first operation descriptor (the card refuses it: -EIO,
 *	BAD_OPCODE); "reset" soft-resets the card now with every job on it run again
 *	(-EAGAIN when none is).
 *
 * Return: 0 or a negative errno.
 */
int fpq_test_hooks_inject(struct fpq_device *fdev, const char *cmd)
{
	u32 bits;
	int idx;

	if (sysfs_streq(cmd, "desc")) {
		WRITE_ONCE(fdev->inject_desc, true);
		return 0;
	}
	if (sysfs_streq(cmd, "reset"))
		return fpq_job_request_reset(fdev);
	if (!(fdev->caps.features & DRM_FPQ_FEATURE_FAULT_INJECT))
		return -EOPNOTSUPP;
	if (!strncmp(cmd, "pe ", 3)) {
		if (!(fdev->hw.features & FPQ_REG_CAP_FEATURES_ABFT_MASK))
			return -EOPNOTSUPP;
		return fpq_fault_pe_arm(fdev, cmd);
	}
	if (sysfs_streq(cmd, "hang"))
		bits = FPQ_REG_FAULT_INJECT_HANG_MASK;
	else if (sysfs_streq(cmd, "dma_read"))
		bits = FPQ_REG_FAULT_INJECT_DMA_READ_MASK;
	else if (kstrtou32(cmd, 0, &bits))
		return -EINVAL;
	if (!drm_dev_enter(&fdev->drm, &idx))
		return -ENODEV;
	fpq_hw_write(&fdev->hw, FPQ_REG_FAULT_INJECT, bits);
	drm_dev_exit(idx);
	return 0;
}

static ssize_t fpq_fault_inject_write(struct file *f, const char __user *ubuf, size_t len,
				      loff_t *pos)
{
	char buf[64] = {};
	int err;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	err = fpq_test_hooks_inject(f->private_data, buf);
	return err ? err : len;
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
