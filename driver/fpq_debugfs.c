// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_debugfs.c - /sys/kernel/debug/dri/N/: ring state, counters, last error, the
 * card's registers, and fault injection for tests.
 */
#include <drm/drm_debugfs.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "fpq_drv.h"
#include "fpq_job.h"

static struct fpq_device *fpq_seq_device(struct seq_file *m)
{
	struct drm_info_node *node = m->private;

	return to_fpq_device(node->minor->dev);
}

static int fpq_debugfs_ring(struct seq_file *m, void *unused)
{
	struct fpq_device *fdev = fpq_seq_device(m);
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

static int fpq_debugfs_counters(struct seq_file *m, void *unused)
{
	struct fpq_device *fdev = fpq_seq_device(m);
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
	seq_printf(m, "resets %lld\ninterrupts %lld\npolls %lld\n", atomic64_read(&s->resets),
		   atomic64_read(&s->interrupts), atomic64_read(&s->polls));
	if ((fdev->caps.features & DRM_FPQ_FEATURE_PERF) && drm_dev_enter(&fdev->drm, &idx)) {
		for (i = 0; i < ARRAY_SIZE(perf); i++)
			seq_printf(m, "card %s %llu\n", perf[i].name,
				   fpq_hw_read64(&fdev->hw, perf[i].reg));
		drm_dev_exit(idx);
	}
	return 0;
}

static int fpq_debugfs_last_error(struct seq_file *m, void *unused)
{
	struct fpq_device *fdev = fpq_seq_device(m);
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

static int fpq_debugfs_regs(struct seq_file *m, void *unused)
{
	struct fpq_device *fdev = fpq_seq_device(m);
	u32 reg;
	int idx;

	if (!drm_dev_enter(&fdev->drm, &idx))
		return -ENODEV;
	/* The control and status block; counters are in "counters". */
	for (reg = FPQ_REG_ID; reg <= FPQ_REG_FAULT_INJECT; reg += 4)
		seq_printf(m, "%#05x: %#010x\n", reg, fpq_hw_read(&fdev->hw, reg));
	drm_dev_exit(idx);
	return 0;
}

static const struct drm_info_list fpq_debugfs_list[] = {
	{ "ring", fpq_debugfs_ring, 0 },
	{ "counters", fpq_debugfs_counters, 0 },
	{ "last_error", fpq_debugfs_last_error, 0 },
	{ "regs", fpq_debugfs_regs, 0 },
};

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

static const struct file_operations fpq_fault_inject_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = fpq_fault_inject_write,
	.llseek = no_llseek,
};

/**
 * fpq_debugfs_init() - create the driver's debugfs files of a DRM minor.
 * @minor: the minor.
 */
void fpq_debugfs_init(struct drm_minor *minor)
{
	struct fpq_device *fdev = to_fpq_device(minor->dev);

	drm_debugfs_create_files(fpq_debugfs_list, ARRAY_SIZE(fpq_debugfs_list),
				 minor->debugfs_root, minor);
	debugfs_create_file("fault_inject", 0200, minor->debugfs_root, fdev,
			    &fpq_fault_inject_fops);
}
