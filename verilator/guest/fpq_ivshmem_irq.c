// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_ivshmem_irq - co-simulation only: delivers the interrupts of the Verilated fpq
 * card to the fpq driver.
 *
 * In the QEMU co-simulation the card is an x-pci-proxy-dev function, which can deliver
 * neither MSI nor (without KVM) INTx. The card process rings an eventfd of a QEMU
 * ivshmem-doorbell function instead, and QEMU raises that function's MSI-X vector. This
 * module binds the ivshmem-doorbell function and, on each vector, calls the handler the
 * fpq driver exports for this purpose, fpq_external_irq() (fpq_ivshmem_irq.h), with the
 * card's pci_dev. The symbol is looked up on every interrupt (symbol_get), so
 * the two modules load and unload in any order and fpq.ko never depends on this one;
 * without fpq.ko loaded the interrupt is only counted. A real card raises MSI-X itself
 * and needs none of this.
 */

#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/pci.h>

#include "fpq_hw_regs.h"
#include "fpq_ivshmem_irq.h"

#define IVSHMEM_VENDOR_ID 0x1af4 /* Red Hat / Qumranet */
#define IVSHMEM_DEVICE_ID 0x1110

struct fpq_ivshmem_vector {
	struct fpq_ivshmem *shim;
	unsigned int index;
};

/**
 * struct fpq_ivshmem - one bound ivshmem-doorbell function.
 * @pdev: the ivshmem-doorbell function.
 * @card: the card's function the vectors belong to (a reference is held), or NULL.
 * @nvec: MSI-X vectors in use.
 * @interrupts: interrupts received, all vectors.
 * @forwarded: interrupts the fpq driver's handler was called for.
 * @vec: per-vector context of the handler.
 */
struct fpq_ivshmem {
	struct pci_dev *pdev;
	struct pci_dev *card;
	unsigned int nvec;
	atomic64_t interrupts;
	atomic64_t forwarded;
	struct fpq_ivshmem_vector *vec;
};

static irqreturn_t fpq_ivshmem_irq(int irq, void *data)
{
	struct fpq_ivshmem_vector *v = data;
	struct fpq_ivshmem *shim = v->shim;
	irqreturn_t (*handler)(struct pci_dev *pdev, unsigned int vector);

	atomic64_inc(&shim->interrupts);
	if (!shim->card)
		return IRQ_HANDLED;
	handler = symbol_get(fpq_external_irq);
	if (handler) {
		handler(shim->card, v->index);
		symbol_put(fpq_external_irq);
		atomic64_inc(&shim->forwarded);
	}
	/* The vector is ours alone: whatever the driver saw, this interrupt was expected. */
	return IRQ_HANDLED;
}

/* The card served by the same card process: the one accelerator with the card's vendor ID. */
static struct pci_dev *fpq_ivshmem_find_card(void)
{
	struct pci_dev *pdev = NULL;

	while ((pdev = pci_get_class(FPQ_HW_PCI_CLASS, pdev)))
		if (pdev->vendor == FPQ_HW_PCI_VENDOR_ID)
			return pdev;
	return NULL;
}

static ssize_t interrupts_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct fpq_ivshmem *shim = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(&shim->interrupts));
}
static DEVICE_ATTR_RO(interrupts);

static ssize_t forwarded_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct fpq_ivshmem *shim = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(&shim->forwarded));
}
static DEVICE_ATTR_RO(forwarded);

static ssize_t card_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct fpq_ivshmem *shim = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%s\n", shim->card ? pci_name(shim->card) : "none");
}
static DEVICE_ATTR_RO(card);

static struct attribute *fpq_ivshmem_attrs[] = {
	&dev_attr_interrupts.attr,
	&dev_attr_forwarded.attr,
	&dev_attr_card.attr,
	NULL,
};
ATTRIBUTE_GROUPS(fpq_ivshmem);

static int fpq_ivshmem_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct fpq_ivshmem *shim;
	unsigned int i;
	int ret, nvec;

	shim = devm_kzalloc(&pdev->dev, sizeof(*shim), GFP_KERNEL);
	if (!shim)
		return -ENOMEM;
	shim->pdev = pdev;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	/* QEMU drops the MSI-X message of a function that is not bus master. */
	pci_set_master(pdev);

	nvec = pci_msix_vec_count(pdev);
	if (nvec <= 0)
		return dev_err_probe(&pdev->dev, -ENODEV, "no MSI-X (vectors=N missing?)\n");
	nvec = pci_alloc_irq_vectors(pdev, 1, nvec, PCI_IRQ_MSIX);
	if (nvec < 0)
		return nvec;
	shim->nvec = nvec;
	shim->vec = devm_kcalloc(&pdev->dev, nvec, sizeof(*shim->vec), GFP_KERNEL);
	if (!shim->vec) {
		ret = -ENOMEM;
		goto err_vectors;
	}

	shim->card = fpq_ivshmem_find_card();
	pci_set_drvdata(pdev, shim);

	for (i = 0; i < shim->nvec; i++) {
		shim->vec[i].shim = shim;
		shim->vec[i].index = i;
		ret = request_irq(pci_irq_vector(pdev, i), fpq_ivshmem_irq, 0, "fpq-ivshmem-irq",
				  &shim->vec[i]);
		if (ret)
			goto err_irqs;
	}
	dev_info(&pdev->dev, "%u vector(s) for card %s\n", shim->nvec,
		 shim->card ? pci_name(shim->card) : "(none found)");
	return 0;

err_irqs:
	while (i--)
		free_irq(pci_irq_vector(pdev, i), &shim->vec[i]);
	pci_dev_put(shim->card);
err_vectors:
	pci_free_irq_vectors(pdev);
	return ret;
}

static void fpq_ivshmem_remove(struct pci_dev *pdev)
{
	struct fpq_ivshmem *shim = pci_get_drvdata(pdev);
	unsigned int i;

	for (i = 0; i < shim->nvec; i++)
		free_irq(pci_irq_vector(pdev, i), &shim->vec[i]);
	pci_free_irq_vectors(pdev);
	pci_dev_put(shim->card);
}

static const struct pci_device_id fpq_ivshmem_ids[] = {
	{ PCI_DEVICE(IVSHMEM_VENDOR_ID, IVSHMEM_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, fpq_ivshmem_ids);

static struct pci_driver fpq_ivshmem_driver = {
	.name = "fpq_ivshmem_irq",
	.id_table = fpq_ivshmem_ids,
	.probe = fpq_ivshmem_probe,
	.remove = fpq_ivshmem_remove,
	.dev_groups = fpq_ivshmem_groups,
};
module_pci_driver(fpq_ivshmem_driver);

MODULE_DESCRIPTION("fpq co-simulation: card interrupts through QEMU ivshmem-doorbell");
MODULE_LICENSE("GPL");
