// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_device.c - one fpq device brought up and taken down: identity and reset of the
 * card, the ring and fence write-back, the scheduler and the completion path. The
 * PCI glue (fpq_drv.c) and the KUnit test device call it.
 */
#include <drm/drm_drv.h>
#include <drm/drm_managed.h>
#include <drm/drm_print.h>
#include <linux/bitfield.h>
#include <linux/dma-mapping.h>
#include <linux/swiotlb.h>

#include "fpq_drv.h"
#include "fpq_job.h"
#include "fpq_test_hooks.h"

/**
 * fpq_device_init() - bring up a device whose register access and DMA device are set.
 * @fdev: the device (fdev->hw.ops, fdev->dma_dev and, for a card, fdev->pdev set).
 *
 * Identifies the card, resets it, allocates the ring and the fence write-back, sets
 * up the scheduler and the completion path, and starts the card. Resources are
 * device-managed and DRM-managed: nothing to undo on failure.
 *
 * Return: 0 or a negative errno.
 */
int fpq_device_init(struct fpq_device *fdev)
{
	struct drm_device *drm = &fdev->drm;
	size_t ring_bytes;
	u64 max_bo;
	int err;

	spin_lock_init(&fdev->job_lock);
	spin_lock_init(&fdev->fence_lock);
	INIT_LIST_HEAD(&fdev->inflight);

	err = fpq_hw_identify(&fdev->hw, &fdev->caps);
	if (err)
		return dev_err_probe(drm->dev, err,
				     "not an fpq card of contract %u.x (id %#x, version %#x)\n",
				     FPQ_HW_VERSION_MAJOR, fdev->hw.id, fdev->hw.version);
	err = fpq_hw_reset(&fdev->hw);
	if (err)
		return dev_err_probe(drm->dev, err, "card reset failed\n");
	/* Checked output tiles when the card can check them (module parameter abft). */
	fdev->hw.abft = fpq_abft && (fdev->hw.features & FPQ_REG_CAP_FEATURES_ABFT_MASK);
	if (fdev->hw.abft)
		fdev->caps.features |= DRM_FPQ_FEATURE_ABFT;

	fdev->bounces = is_swiotlb_force_bounce(fdev->dma_dev) ||
			dma_addressing_limited(fdev->dma_dev);
	if (fdev->bounces)
		drm_info(drm, "DMA is bounce-buffered: the jobs of a file run one at a time\n");

	fdev->va_size = 1ull << fdev->hw.va_bits;
	/* A buffer must fit the address space with page 0 and its guard page. */
	max_bo = min_t(u64, (u64)fpq_max_bo_mb << 20, fdev->va_size - 2 * FPQ_HW_PAGE_BYTES);
	fdev->caps.max_bo_size = round_down(max_bo, PAGE_SIZE);

	fdev->ring.log2 = clamp(fpq_ring_log2, fdev->hw.ring_log2_min, fdev->hw.ring_log2_max);
	ring_bytes = fpq_ring_size(&fdev->ring) * FPQ_HW_RING_ENTRY_BYTES;
	fdev->ring.entries = dmam_alloc_coherent(fdev->dma_dev, ring_bytes, &fdev->ring.dma,
						 GFP_KERNEL);
	fdev->fence_rec = dmam_alloc_coherent(fdev->dma_dev, sizeof(*fdev->fence_rec),
					      &fdev->fence_rec_dma, GFP_KERNEL);
	if (!fdev->ring.entries || !fdev->fence_rec)
		return -ENOMEM;

	err = fpq_sched_init(fdev);
	if (err)
		return err;
	err = fpq_irq_setup(fdev);
	if (err)
		return err;
	fpq_hw_start(&fdev->hw, fdev->ring.dma, fdev->ring.log2, fdev->fence_rec_dma, 0, true);
	fpq_test_hooks_register_device(fdev);

	drm_info(drm,
		 "card %u.%u: %ux%u array, formats in %#x out %#x, ring of %u jobs, timeout %u ms, ABFT %s\n",
		 (u32)FIELD_GET(FPQ_REG_VERSION_MAJOR_MASK, fdev->hw.version),
		 (u32)FIELD_GET(FPQ_REG_VERSION_MINOR_MASK, fdev->hw.version),
		 (u32)FIELD_GET(FPQ_REG_CAP_ARRAY_ROWS_MASK, fdev->hw.cap_array),
		 (u32)FIELD_GET(FPQ_REG_CAP_ARRAY_COLS_MASK, fdev->hw.cap_array),
		 fdev->caps.input_formats, fdev->caps.output_formats,
		 fpq_ring_size(&fdev->ring), fpq_timeout_ms,
		 fdev->hw.abft ? "on" : (fdev->hw.features & FPQ_REG_CAP_FEATURES_ABFT_MASK) ?
		 "off" : "none");
	return 0;
}

/**
 * fpq_device_unplug() - the device is going away: stop the card, end every job on it.
 * @fdev: the device, after drm_dev_unplug() (no ioctl, run or timeout is running).
 *
 * Jobs the card completed keep their results; the others, and every job the
 * scheduler hands over later, end with -ENODEV.
 */
void fpq_device_unplug(struct fpq_device *fdev)
{
	fpq_irq_teardown(fdev);
	if (!fpq_hw_is_dead(&fdev->hw)) {
		fpq_hw_stop(&fdev->hw);
		if (fpq_hw_reset(&fdev->hw))
			drm_warn(&fdev->drm, "card reset at removal failed\n");
	}
	fpq_job_process_completions(fdev);
	fpq_job_fail_inflight(fdev, -ENODEV);
}
