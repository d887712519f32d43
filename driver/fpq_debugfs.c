// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_debugfs.c - the device's debugfs directory (Documentation/driver.rst, "debugfs
 * and sysfs"): ring state, counters, last error, the card's registers; a test build
 * adds fault injection (fpq_test_hooks.c).
 */
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "fpq_drv.h"
#include "fpq_job.h"
#include "fpq_test_hooks.h"

static int fpq_ring_show(struct seq_file *m, void *unused)
{
	struct fpq_device *fdev = m->private;
	struct fpq_job *job;
	unsigned long flags;
	int idx;

	spin_lock_irqsave(&fdev->job_lock, flags);
	seq_printf(m, "entries: %u\nhead: %u\ntail: %u\nused: %u\nlast fence: %llu\n",
		   fpq_ring_size(&fdev->ring), fdev->ring.head, fdev->ring.tail,
		   fpq_ring_used(&fdev->ring), fdev->fence_seqno);
	seq_printf(m, "fence write-back: %llu (head %u, status %u)\n",
		   le64_to_cpu(fdev->fence_rec->fence), le32_to_cpu(fdev->fence_rec->head),
		   le32_to_cpu(fdev->fence_rec->status));
	list_for_each_entry(job, &fdev->inflight, node)
		seq_printf(m, "on card: fence %llu ring index %u ops %u buffers %u runs %u\n",
			   job->seqno, job->ring_index, job->op_count, job->bo_count, job->runs);
	spin_unlock_irqrestore(&fdev->job_lock, flags);

	if (drm_dev_enter(&fdev->drm, &idx)) {
		seq_printf(m, "card: RING_HEAD %u RING_TAIL %u STATUS %#x FENCE %llu\n",
			   fpq_hw_read(&fdev->hw, FPQ_REG_RING_HEAD),
			   fpq_hw_read(&fdev->hw, FPQ_REG_RING_TAIL),
			   fpq_hw_read(&fdev->hw, FPQ_REG_STATUS),
			   fpq_hw_read64(&fdev->hw, FPQ_REG_FENCE_LO));
		drm_dev_exit(idx);
	}
	return 0;
}

static int fpq_counters_show(struct seq_file *m, void *unused)
{
	struct fpq_device *fdev = m->private;
	const struct fpq_stats *s = &fdev->stats;
	static const struct { const char *name; u32 reg; } perf[] = {
		{ "cycles", FPQ_REG_PERF_CYCLES_LO }, { "busy", FPQ_REG_PERF_BUSY_LO },
		{ "macs", FPQ_REG_PERF_MACS_LO }, { "stall", FPQ_REG_PERF_STALL_LO },
		{ "rd_bytes", FPQ_REG_PERF_RD_BYTES_LO },
		{ "wr_bytes", FPQ_REG_PERF_WR_BYTES_LO }, { "jobs", FPQ_REG_PERF_JOBS_LO },
	};
	unsigned int i;
	int idx;

	seq_printf(m, "submitted %lld\ncompleted %lld\nfailed %lld\ntimeouts %lld\n",
		   atomic64_read(&s->submitted), atomic64_read(&s->completed),
		   atomic64_read(&s->failed), atomic64_read(&s->timeouts));
	seq_printf(m, "canceled %lld\nfaults_mmu %lld\nfaults_dma %lld\nfaults_desc %lld\n",
		   atomic64_read(&s->canceled), atomic64_read(&s->faults_mmu),
		   atomic64_read(&s->faults_dma), atomic64_read(&s->faults_desc));
	seq_printf(m, "faults_checksum %lld\n", atomic64_read(&s->faults_checksum));
	seq_printf(m, "resets %lld\nreset_failures %lld\nreruns %lld\n",
		   atomic64_read(&s->resets), atomic64_read(&s->reset_failures),
		   atomic64_read(&s->reruns));
	seq_printf(m, "interrupts %lld\npolls %lld\n", atomic64_read(&s->interrupts),
		   atomic64_read(&s->polls));
	seq_printf(m, "jobs_live %lld\nbos_live %lld\n", atomic64_read(&s->jobs_live),
		   atomic64_read(&s->bos_live));
	if ((fdev->caps.features & DRM_FPQ_FEATURE_PERF) && drm_dev_enter(&fdev->drm, &idx)) {
		for (i = 0; i < ARRAY_SIZE(perf); i++)
			seq_printf(m, "card %s %llu\n", perf[i].name,
				   fpq_hw_read64(&fdev->hw, perf[i].reg));
		if (fdev->hw.features & FPQ_REG_CAP_FEATURES_ABFT_MASK)
			seq_printf(m, "card abft_tiles %llu\ncard abft_errors %llu\n",
				   fpq_hw_read64(&fdev->hw, FPQ_REG_PERF_ABFT_TILES_LO),
				   fpq_hw_read64(&fdev->hw, FPQ_REG_PERF_ABFT_ERRORS_LO));
		drm_dev_exit(idx);
	}
	return 0;
}

static int fpq_last_error_show(struct seq_file *m, void *unused)
{
	struct fpq_device *fdev = m->private;
	struct fpq_last_error e;
	struct fpq_hw_error hw;
	unsigned long flags;
	int idx;

	spin_lock_irqsave(&fdev->job_lock, flags);
	e = fdev->last_error;
	spin_unlock_irqrestore(&fdev->job_lock, flags);
	seq_printf(m, "job: cause %u operation %u fence %llu address %#llx at %lld ns\n",
		   e.cause, e.op, e.fence, e.addr, ktime_to_ns(e.when));
	if (drm_dev_enter(&fdev->drm, &idx)) {
		fpq_hw_read_error(&fdev->hw, &hw);
		drm_dev_exit(idx);
		seq_printf(m, "card: cause %u operation %u job %u count %u address %#llx fence %llu\n",
			   hw.cause, hw.op, hw.job, hw.count, hw.addr, hw.fence);
	}
	return 0;
}

static int fpq_regs_show(struct seq_file *m, void *unused)
{
	struct fpq_device *fdev = m->private;
	u32 reg;
	int idx;

	if (!drm_dev_enter(&fdev->drm, &idx))
		return -ENODEV;
	/* The control and status block; counters are in "counters". */
	for (reg = FPQ_REG_ID; reg <= FPQ_REG_FAULT_PE_CYCLE; reg += 4)
		seq_printf(m, "%#05x: %#010x\n", reg, fpq_hw_read(&fdev->hw, reg));
	drm_dev_exit(idx);
	return 0;
}

DEFINE_SHOW_ATTRIBUTE(fpq_ring);
DEFINE_SHOW_ATTRIBUTE(fpq_counters);
DEFINE_SHOW_ATTRIBUTE(fpq_last_error);
DEFINE_SHOW_ATTRIBUTE(fpq_regs);

/**
 * fpq_debugfs_init() - create the driver's debugfs files.
 * @fdev: the device.
 * @root: the DRM device's (or, on kernels without one, a DRM minor's) directory.
 */
void fpq_debugfs_init(struct fpq_device *fdev, struct dentry *root)
{
	debugfs_create_file("ring", 0444, root, fdev, &fpq_ring_fops);
	debugfs_create_file("counters", 0444, root, fdev, &fpq_counters_fops);
	debugfs_create_file("last_error", 0444, root, fdev, &fpq_last_error_fops);
	debugfs_create_file("regs", 0444, root, fdev, &fpq_regs_fops);
	fpq_test_hooks_debugfs_init(fdev, root);
}

/**
 * fpq_debugfs_init_minor() - drm_driver.debugfs_init, for kernels whose DRM devices
 * have no debugfs directory of their own (fpq_compat.h): the files go into each minor's.
 * @minor: the minor.
 */
void fpq_debugfs_init_minor(struct drm_minor *minor)
{
	fpq_debugfs_init(to_fpq_device(minor->dev), minor->debugfs_root);
}
