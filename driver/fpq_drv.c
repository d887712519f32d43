// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_drv.c - the fpq accelerator driver: module parameters, the DRM driver and its
 * ioctl table, and the PCI glue. The device's bring-up and teardown are in
 * fpq_device.c.
 */
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_prime.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_print.h>
#include <linux/bitfield.h>
#include <linux/dma-fence.h>
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/pci.h>

#include "fpq_compat.h"
#include "fpq_drv.h"
#include "fpq_fence.h"
#include "fpq_gem.h"
#include "fpq_job.h"
#include "fpq_submit.h"

unsigned int fpq_timeout_ms = 5000;
module_param_named(timeout_ms, fpq_timeout_ms, uint, 0444);
MODULE_PARM_DESC(timeout_ms, "Time a job may run before the card is reset (default 5000)");

bool fpq_use_irq = true;
module_param_named(irq, fpq_use_irq, bool, 0444);
MODULE_PARM_DESC(irq, "Use the card's interrupt: MSI-X, MSI or INTx (default 1; 0: poll)");

int fpq_poll_ms = -1;
module_param_named(poll_ms, fpq_poll_ms, int, 0444);
MODULE_PARM_DESC(poll_ms,
		 "Poll for completions every N ms while jobs run; 0 never; -1 only without an interrupt (default)");

unsigned int fpq_ring_log2 = 4;
module_param_named(ring_log2, fpq_ring_log2, uint, 0444);
MODULE_PARM_DESC(ring_log2, "log2 of the job ring's entries, within the card's limits (default 4)");

unsigned int fpq_max_bo_mb = 256;
module_param_named(max_bo_mb, fpq_max_bo_mb, uint, 0444);
MODULE_PARM_DESC(max_bo_mb, "Largest buffer object in MiB (default 256)");

bool fpq_abft = true;
module_param_named(abft, fpq_abft, bool, 0444);
MODULE_PARM_DESC(abft,
		 "Check INT8-class output tiles with the card's checksums when it has them (default 1)");

/* ---- files ------------------------------------------------------------------------ */

static int fpq_open(struct drm_device *drm, struct drm_file *file)
{
	struct fpq_device *fdev = to_fpq_device(drm);
	struct drm_gpu_scheduler *sched = &fdev->sched;
	struct fpq_file *ffile;
	int err;

	ffile = kzalloc(sizeof(*ffile), GFP_KERNEL);
	if (!ffile)
		return -ENOMEM;
	ffile->fdev = fdev;
	mutex_init(&ffile->lock);
	xa_init(&ffile->jobs);
	ffile->fence_context = dma_fence_context_alloc(1);
	ffile->quota = fpq_job_quota_alloc();
	if (!ffile->quota) {
		err = -ENOMEM;
		goto fail;
	}
	err = drm_sched_entity_init(&ffile->entity, DRM_SCHED_PRIORITY_NORMAL, &sched, 1, NULL);
	if (err)
		goto fail;
	file->driver_priv = ffile;
	return 0;

fail:
	fpq_job_quota_put(ffile->quota);
	mutex_destroy(&ffile->lock);
	kfree(ffile);
	return err;
}

static void fpq_postclose(struct drm_device *drm, struct drm_file *file)
{
	struct fpq_file *ffile = file->driver_priv;
	struct fpq_job_record *rec;
	unsigned long id;

	/* Queued jobs are dropped; jobs on the card finish and free themselves. */
	drm_sched_entity_destroy(&ffile->entity);
	xa_for_each(&ffile->jobs, id, rec)
		fpq_job_record_put(rec);
	xa_destroy(&ffile->jobs);
	dma_fence_put(ffile->last_out);
	fpq_job_quota_put(ffile->quota);
	mutex_destroy(&ffile->lock);
	kfree(ffile);
}

/* ---- ioctls ----------------------------------------------------------------------- */

static int fpq_ioctl_get_param(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct fpq_device *fdev = to_fpq_device(drm);
	struct drm_fpq_get_param *args = data;
	const struct fpq_caps *caps = &fdev->caps;

	if (args->pad)
		return -EINVAL;
	switch (args->param) {
	case DRM_FPQ_PARAM_DRIVER_VERSION:
		args->value = (u64)FPQ_DRIVER_MAJOR << 32 | FPQ_DRIVER_MINOR << 16 |
			      FPQ_DRIVER_PATCH;
		break;
	case DRM_FPQ_PARAM_PCI_ID:
		args->value = fdev->pdev ? (u32)fdev->pdev->vendor << 16 | fdev->pdev->device : 0;
		break;
	case DRM_FPQ_PARAM_HW_ID:
		args->value = fdev->hw.id;
		break;
	case DRM_FPQ_PARAM_HW_VERSION:
		args->value = fdev->hw.version;
		break;
	case DRM_FPQ_PARAM_ARRAY_ROWS:
		args->value = FIELD_GET(FPQ_REG_CAP_ARRAY_ROWS_MASK, fdev->hw.cap_array);
		break;
	case DRM_FPQ_PARAM_ARRAY_COLS:
		args->value = FIELD_GET(FPQ_REG_CAP_ARRAY_COLS_MASK, fdev->hw.cap_array);
		break;
	case DRM_FPQ_PARAM_INPUT_FORMATS:
		args->value = caps->input_formats;
		break;
	case DRM_FPQ_PARAM_OUTPUT_FORMATS:
		args->value = caps->output_formats;
		break;
	case DRM_FPQ_PARAM_FEATURES:
		args->value = caps->features;
		break;
	case DRM_FPQ_PARAM_MAX_M:
		args->value = caps->max_m;
		break;
	case DRM_FPQ_PARAM_MAX_N:
		args->value = caps->max_n;
		break;
	case DRM_FPQ_PARAM_MAX_K:
		args->value = caps->max_k;
		break;
	case DRM_FPQ_PARAM_MAX_OPS:
		args->value = caps->max_ops;
		break;
	case DRM_FPQ_PARAM_MAX_BO_SIZE:
		args->value = caps->max_bo_size;
		break;
	case DRM_FPQ_PARAM_OFFSET_ALIGN:
		args->value = caps->offset_align;
		break;
	case DRM_FPQ_PARAM_JOB_TIMEOUT_MS:
		args->value = fpq_timeout_ms;
		break;
	case DRM_FPQ_PARAM_CLOCK_KHZ:
		args->value = fdev->hw.clock_khz;
		break;
	case DRM_FPQ_PARAM_VA_SIZE:
		args->value = fdev->va_size;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static const struct drm_ioctl_desc fpq_ioctls[] = {
	DRM_IOCTL_DEF_DRV(FPQ_GET_PARAM, fpq_ioctl_get_param, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(FPQ_BO_CREATE, fpq_ioctl_bo_create, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(FPQ_BO_INFO, fpq_ioctl_bo_info, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(FPQ_SUBMIT, fpq_ioctl_submit, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(FPQ_WAIT, fpq_ioctl_wait, DRM_RENDER_ALLOW),
};

/* ---- the DRM driver --------------------------------------------------------------- */

FPQ_COMPAT_DEFINE_FOPS(fpq_fops);

const struct drm_driver fpq_drm_driver = {
	.driver_features = DRIVER_GEM | DRIVER_SYNCOBJ | FPQ_COMPAT_NODE_FEATURE,
	.open = fpq_open,
	.postclose = fpq_postclose,
	.ioctls = fpq_ioctls,
	.num_ioctls = ARRAY_SIZE(fpq_ioctls),
	.fops = &fpq_fops,
	.gem_create_object = fpq_gem_create_object,
	.prime_handle_to_fd = drm_gem_prime_handle_to_fd,
	.prime_fd_to_handle = drm_gem_prime_fd_to_handle,
	.gem_prime_import_sg_table = drm_gem_shmem_prime_import_sg_table,
	FPQ_COMPAT_DRIVER_PRIME_MMAP
	FPQ_COMPAT_DRIVER_DEBUGFS_INIT
	.name = FPQ_DRIVER_NAME,
	.desc = "fpq 6/8-bit inference accelerator",
	.date = "20260101",
	.major = FPQ_DRIVER_MAJOR,
	.minor = FPQ_DRIVER_MINOR,
	.patchlevel = FPQ_DRIVER_PATCH,
};

/* ---- PCI ---------------------------------------------------------------------------- */

static int fpq_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct dentry *debugfs_root;
	struct fpq_device *fdev;
	int err;

	fdev = devm_drm_dev_alloc(&pdev->dev, &fpq_drm_driver, struct fpq_device, drm);
	if (IS_ERR(fdev))
		return PTR_ERR(fdev);
	fdev->pdev = pdev;
	fdev->dma_dev = &pdev->dev;

	err = pcim_enable_device(pdev);
	if (err)
		return err;
	pci_set_master(pdev);
	/* Page-table entries and descriptors carry bus addresses of up to 52 bits. */
	err = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(52));
	if (err)
		err = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32));
	if (err)
		return dev_err_probe(&pdev->dev, err, "no usable DMA mask\n");
	if (pci_resource_len(pdev, 0) < FPQ_HW_BAR0_BYTES)
		return dev_err_probe(&pdev->dev, -ENODEV, "BAR0 is %llu bytes, want %u\n",
				     (u64)pci_resource_len(pdev, 0), FPQ_HW_BAR0_BYTES);
	err = pcim_iomap_regions(pdev, BIT(0), FPQ_DRIVER_NAME);
	if (err)
		return err;
	fdev->hw.ops = &fpq_hw_mmio_ops;
	fdev->hw.regs = pcim_iomap_table(pdev)[0];
	pci_set_drvdata(pdev, fdev);

	err = fpq_device_init(fdev);
	if (err)
		return err;
	err = drm_dev_register(&fdev->drm, 0);
	if (err)
		goto err_unplug;
	debugfs_root = fpq_compat_device_debugfs_root(&fdev->drm);
	if (debugfs_root)
		fpq_debugfs_init(fdev, debugfs_root);
	return 0;

err_unplug:
	fpq_device_unplug(fdev);
	return err;
}

static void fpq_pci_remove(struct pci_dev *pdev)
{
	struct fpq_device *fdev = pci_get_drvdata(pdev);

	drm_dev_unplug(&fdev->drm);
	fpq_device_unplug(fdev);
}

/* The card's IDs are the contract's (Documentation/registers.rst, "PCI identity"). */
static const struct pci_device_id fpq_pci_ids[] = {
	{ PCI_DEVICE(FPQ_HW_PCI_VENDOR_ID, FPQ_HW_PCI_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, fpq_pci_ids);

static struct pci_driver fpq_pci_driver = {
	.name = FPQ_DRIVER_NAME,
	.id_table = fpq_pci_ids,
	.probe = fpq_pci_probe,
	.remove = fpq_pci_remove,
	/* created after a successful probe, removed before remove */
	.dev_groups = fpq_sysfs_groups,
};

static int __init fpq_init(void)
{
	return pci_register_driver(&fpq_pci_driver);
}
module_init(fpq_init);

static void __exit fpq_exit(void)
{
	pci_unregister_driver(&fpq_pci_driver);
	/* Out fences drop their module reference from RCU callbacks: let them finish. */
	fpq_out_fence_barrier();
}
module_exit(fpq_exit);

MODULE_DESCRIPTION("fpq 6/8-bit inference accelerator");
MODULE_LICENSE("GPL");
