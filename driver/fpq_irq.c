// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_irq.c - how completions reach the driver: the card's own interrupt (MSI-X, MSI
 * or INTx), a poller that needs no interrupt, and an exported hook for an interrupt
 * that arrives on another PCI function (co-simulation). All three end in
 * fpq_job_process_completions(), which is idempotent, so any mix of them is safe.
 */
#include <drm/drm_drv.h>
#include <drm/drm_print.h>
#include <linux/export.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/spinlock.h>

#include "fpq_drv.h"
#include "fpq_irq.h"
#include "fpq_job.h"

/* Bound devices, for fpq_external_irq(); the lock also keeps each alive for the call. */
static DEFINE_SPINLOCK(fpq_devices_lock);
static LIST_HEAD(fpq_devices);

/**
 * fpq_irq_handle() - an interrupt of the card, from wherever it came.
 * @fdev: the device.
 *
 * Acknowledges the card's interrupt causes, then collects completions.
 *
 * Return: IRQ_HANDLED when the card had raised the interrupt.
 */
irqreturn_t fpq_irq_handle(struct fpq_device *fdev)
{
	u32 causes = fpq_hw_irq_ack(&fdev->hw);

	if (!causes || causes == U32_MAX)
		return IRQ_NONE;
	atomic64_inc(&fdev->stats.interrupts);
	fpq_job_process_completions(fdev);
	return IRQ_HANDLED;
}

static irqreturn_t fpq_irq_handler(int irq, void *arg)
{
	return fpq_irq_handle(arg);
}

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
 * fpq_irq_register_device() - let fpq_external_irq() find @fdev.
 * @fdev: a device whose card is running.
 */
void fpq_irq_register_device(struct fpq_device *fdev)
{
	spin_lock_irq(&fpq_devices_lock);
	list_add_tail(&fdev->node, &fpq_devices);
	spin_unlock_irq(&fpq_devices_lock);
}

/**
 * fpq_irq_unregister_device() - stop fpq_external_irq() from reaching @fdev.
 * @fdev: the device; on return no hook call is using it.
 */
void fpq_irq_unregister_device(struct fpq_device *fdev)
{
	spin_lock_irq(&fpq_devices_lock);
	list_del_init(&fdev->node);
	spin_unlock_irq(&fpq_devices_lock);
}

static void fpq_poll_work(struct work_struct *work)
{
	struct fpq_device *fdev = container_of(to_delayed_work(work), struct fpq_device,
					       poll_work);
	unsigned long flags;
	bool busy;
	int idx;

	if (!drm_dev_enter(&fdev->drm, &idx))
		return;
	if (fpq_job_process_completions(fdev))
		atomic64_inc(&fdev->stats.polls);
	spin_lock_irqsave(&fdev->job_lock, flags);
	busy = !list_empty(&fdev->inflight);
	spin_unlock_irqrestore(&fdev->job_lock, flags);
	if (busy && fdev->poll_interval)
		queue_delayed_work(system_wq, &fdev->poll_work, fdev->poll_interval);
	drm_dev_exit(idx);
}

/**
 * fpq_irq_kick_poll() - make sure the poller runs while jobs are on the card.
 * @fdev: the device.
 */
void fpq_irq_kick_poll(struct fpq_device *fdev)
{
	if (fdev->poll_interval)
		queue_delayed_work(system_wq, &fdev->poll_work, fdev->poll_interval);
}

/**
 * fpq_irq_setup() - choose how completions arrive: an interrupt vector (MSI-X, then
 * MSI, then INTx) unless the irq module parameter is 0, and the poller when there is
 * no vector or the poll_ms module parameter asks for it.
 * @fdev: the device.
 *
 * Return: 0 or a negative errno.
 */
int fpq_irq_setup(struct fpq_device *fdev)
{
	struct pci_dev *pdev = fdev->pdev;
	unsigned int poll_ms;
	int nvec, err;

	fdev->irq = -1;
	INIT_DELAYED_WORK(&fdev->poll_work, fpq_poll_work);
	INIT_LIST_HEAD(&fdev->node);

	if (pdev && fpq_use_irq) {
		nvec = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_ALL_TYPES);
		if (nvec > 0) {
			fdev->irq = pci_irq_vector(pdev, 0);
			err = request_irq(fdev->irq, fpq_irq_handler, IRQF_SHARED,
					  dev_name(&pdev->dev), fdev);
			if (err) {
				pci_free_irq_vectors(pdev);
				fdev->irq = -1;
				drm_warn(&fdev->drm, "no interrupt (%d): polling\n", err);
			}
		}
	}
	if (pdev && fdev->irq < 0 && pdev->pin)
		pci_intx(pdev, 0);	/* polling: keep an unclaimed INTx off the line */

	/* poll_ms < 0: poll only without an interrupt vector. */
	poll_ms = fpq_poll_ms < 0 ? (fdev->irq < 0 ? 1 : 0) : fpq_poll_ms;
	fdev->poll_interval = poll_ms ? max(msecs_to_jiffies(poll_ms), 1ul) : 0;
	if (!fdev->pdev && fpq_poll_ms < 0)
		fdev->poll_interval = 0;	/* test devices are driven by hand */
	drm_info(&fdev->drm, "completions by %s%s\n",
		 fdev->irq >= 0 ? (pdev->msix_enabled ? "MSI-X" : pdev->msi_enabled ?
				   "MSI" : "INTx") : "polling",
		 fdev->irq >= 0 && fdev->poll_interval ? " and polling" : "");
	return 0;
}

/**
 * fpq_irq_teardown() - stop every completion path but the caller's own.
 * @fdev: the device.
 */
void fpq_irq_teardown(struct fpq_device *fdev)
{
	fpq_irq_unregister_device(fdev);
	if (fdev->irq >= 0) {
		free_irq(fdev->irq, fdev);
		pci_free_irq_vectors(fdev->pdev);
		fdev->irq = -1;
	}
	fdev->poll_interval = 0;
	cancel_delayed_work_sync(&fdev->poll_work);
}
