// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_sysfs.c - identity and counters as attributes of the card's PCI device
 * (/sys/bus/pci/devices/<address>/).
 */
#include <linux/bitfield.h>
#include <linux/device.h>
#include <linux/sysfs.h>

#include <drm/drm_drv.h>

#include "fpq_drv.h"

static struct fpq_device *fpq_sysfs_device(struct device *dev)
{
	return dev_get_drvdata(dev);
}

static ssize_t hw_id_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%#010x\n", fpq_sysfs_device(dev)->hw.id);
}
static DEVICE_ATTR_RO(hw_id);

static ssize_t hw_version_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	u32 v = fpq_sysfs_device(dev)->hw.version;

	return sysfs_emit(buf, "%u.%u\n", (u32)FIELD_GET(FPQ_REG_VERSION_MAJOR_MASK, v),
			  (u32)FIELD_GET(FPQ_REG_VERSION_MINOR_MASK, v));
}
static DEVICE_ATTR_RO(hw_version);

static ssize_t array_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	u32 a = fpq_sysfs_device(dev)->hw.cap_array;

	return sysfs_emit(buf, "%ux%u\n", (u32)FIELD_GET(FPQ_REG_CAP_ARRAY_ROWS_MASK, a),
			  (u32)FIELD_GET(FPQ_REG_CAP_ARRAY_COLS_MASK, a));
}
static DEVICE_ATTR_RO(array);

#define FPQ_COUNTER_ATTR(name, field)						\
static ssize_t name##_show(struct device *dev, struct device_attribute *attr,	\
			   char *buf)						\
{										\
	return sysfs_emit(buf, "%lld\n",					\
			  atomic64_read(&fpq_sysfs_device(dev)->stats.field));	\
}										\
static DEVICE_ATTR_RO(name)

FPQ_COUNTER_ATTR(jobs_submitted, submitted);
FPQ_COUNTER_ATTR(jobs_completed, completed);
FPQ_COUNTER_ATTR(jobs_failed, failed);
FPQ_COUNTER_ATTR(jobs_canceled, canceled);
FPQ_COUNTER_ATTR(jobs_rerun, reruns);
FPQ_COUNTER_ATTR(job_timeouts, timeouts);
FPQ_COUNTER_ATTR(faults_mmu, faults_mmu);
FPQ_COUNTER_ATTR(faults_dma, faults_dma);
FPQ_COUNTER_ATTR(faults_descriptor, faults_desc);
FPQ_COUNTER_ATTR(faults_checksum, faults_checksum);
FPQ_COUNTER_ATTR(resets, resets);
FPQ_COUNTER_ATTR(reset_failures, reset_failures);
FPQ_COUNTER_ATTR(interrupts, interrupts);
FPQ_COUNTER_ATTR(jobs_live, jobs_live);
FPQ_COUNTER_ATTR(buffers_live, bos_live);

/* on: the card checks INT8-class tiles; off: it could (module parameter abft=0); none. */
static ssize_t abft_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct fpq_device *fdev = fpq_sysfs_device(dev);

	return sysfs_emit(buf, "%s\n", fdev->hw.abft ? "on" :
			  fdev->hw.features & FPQ_REG_CAP_FEATURES_ABFT_MASK ? "off" : "none");
}
static DEVICE_ATTR_RO(abft);

/* The card's own ABFT counters (since its last reset); 0 on a card without ABFT. */
static ssize_t fpq_sysfs_card_counter(struct device *dev, char *buf, u32 reg_lo)
{
	struct fpq_device *fdev = fpq_sysfs_device(dev);
	u64 value = 0;
	int idx;

	if ((fdev->hw.features & FPQ_REG_CAP_FEATURES_ABFT_MASK) &&
	    drm_dev_enter(&fdev->drm, &idx)) {
		value = fpq_hw_read64(&fdev->hw, reg_lo);
		drm_dev_exit(idx);
	}
	return sysfs_emit(buf, "%llu\n", value);
}

static ssize_t abft_tiles_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return fpq_sysfs_card_counter(dev, buf, FPQ_REG_PERF_ABFT_TILES_LO);
}
static DEVICE_ATTR_RO(abft_tiles);

static ssize_t abft_errors_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return fpq_sysfs_card_counter(dev, buf, FPQ_REG_PERF_ABFT_ERRORS_LO);
}
static DEVICE_ATTR_RO(abft_errors);

static struct attribute *fpq_sysfs_attrs[] = {
	&dev_attr_hw_id.attr,
	&dev_attr_hw_version.attr,
	&dev_attr_array.attr,
	&dev_attr_jobs_submitted.attr,
	&dev_attr_jobs_completed.attr,
	&dev_attr_jobs_failed.attr,
	&dev_attr_jobs_canceled.attr,
	&dev_attr_jobs_rerun.attr,
	&dev_attr_job_timeouts.attr,
	&dev_attr_faults_mmu.attr,
	&dev_attr_faults_dma.attr,
	&dev_attr_faults_descriptor.attr,
	&dev_attr_faults_checksum.attr,
	&dev_attr_abft.attr,
	&dev_attr_abft_tiles.attr,
	&dev_attr_abft_errors.attr,
	&dev_attr_resets.attr,
	&dev_attr_reset_failures.attr,
	&dev_attr_interrupts.attr,
	&dev_attr_jobs_live.attr,
	&dev_attr_buffers_live.attr,
	NULL,
};

static const struct attribute_group fpq_sysfs_group = {
	.name = "fpq",
	.attrs = fpq_sysfs_attrs,
};

const struct attribute_group *fpq_sysfs_groups[] = {
	&fpq_sysfs_group,
	NULL,
};
