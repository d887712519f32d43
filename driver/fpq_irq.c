// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_irq.c - how completions reach the driver: the card's own interrupt (MSI-X, MSI
 * or INTx), a poller that needs no interrupt, and, in a test build, the co-simulation's
 * hook for an interrupt that arrives on another PCI function (fpq_test_hooks.c). All
 * end in fpq_job_process_completions(), which is idempotent, so any mix of them is safe.
 */
#include <drm/drm_drv.h>
#include <drm/drm_print.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/spinlock.h>

#include "fpq_drv.h"
#include "fpq_job.h"
#include "fpq_test_hooks.h"

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
	if (fdev->irq >= 0)
		drm_info(&fdev->drm, "completions by %s interrupt%s\n",
			 pdev->msix_enabled ? "MSI-X" : pdev->msi_enabled ? "MSI" : "INTx",
			 fdev->poll_interval ? " and polling" : "");
	else if (fdev->poll_interval)
		drm_info(&fdev->drm, "completions by polling every %u ms\n",
			 jiffies_to_msecs(fdev->poll_interval));
	else
		drm_info(&fdev->drm, "completions only through the test hook or the timeout\n");
	return 0;
}

/**
 * fpq_irq_teardown() - stop every completion path but the caller's own.
 * @fdev: the device.
 */
void fpq_irq_teardown(struct fpq_device *fdev)
{
	fpq_test_hooks_unregister_device(fdev);
	if (fdev->irq >= 0) {
		free_irq(fdev->irq, fdev);
		pci_free_irq_vectors(fdev->pdev);
		fdev->irq = -1;
	}
	fdev->poll_interval = 0;
	cancel_delayed_work_sync(&fdev->poll_work);
}
