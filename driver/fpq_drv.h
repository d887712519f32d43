/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fpq_drv.h - the fpq device and the per-file state shared by the driver's files.
 */
#ifndef FPQ_DRV_H
#define FPQ_DRV_H

#include <drm/drm_device.h>
#include <drm/gpu_scheduler.h>
#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/completion.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "fpq_hw.h"
#include "fpq_ring.h"
#include "fpq_validate.h"

#define FPQ_DRIVER_NAME "fpq"
#define FPQ_DRIVER_MAJOR 1
#define FPQ_DRIVER_MINOR 1
#define FPQ_DRIVER_PATCH 0

struct dentry;
struct dma_fence;
struct drm_minor;
struct pci_dev;

/* Module parameters (fpq_drv.c). */
extern unsigned int fpq_timeout_ms;
extern bool fpq_use_irq;
extern int fpq_poll_ms;
extern unsigned int fpq_ring_log2;
extern unsigned int fpq_max_bo_mb;
extern bool fpq_abft;

/**
 * struct fpq_stats - event counters (debugfs and sysfs).
 * @submitted: jobs accepted by the submit ioctl.
 * @completed: jobs the card completed successfully.
 * @failed: jobs that ended with an error (card error, timeout, removal, dropped):
 *	once no job is live, @submitted = @completed + @failed.
 * @canceled: of @failed, jobs dropped before they ran (their file was closed).
 * @timeouts: jobs that ran past the timeout.
 * @faults_mmu: jobs the card's address translation stopped (page faults).
 * @faults_dma: jobs a bus error stopped (DMA read or write).
 * @faults_desc: jobs the card refused for another cause (descriptors, formats).
 * @faults_checksum: jobs whose output failed the card's ABFT check (ERR_CHECKSUM).
 * @resets: card resets.
 * @reset_failures: resets that failed (the card is then out of service).
 * @reruns: jobs handed to the card again after a reset (recovered).
 * @interrupts: interrupts handled (own vector or external hook).
 * @polls: completion polls that found work.
 * @jobs_live: jobs allocated and not yet freed.
 * @bos_live: buffer objects allocated and not yet freed.
 */
struct fpq_stats {
	atomic64_t submitted;
	atomic64_t completed;
	atomic64_t failed;
	atomic64_t canceled;
	atomic64_t timeouts;
	atomic64_t faults_mmu;
	atomic64_t faults_dma;
	atomic64_t faults_desc;
	atomic64_t faults_checksum;
	atomic64_t resets;
	atomic64_t reset_failures;
	atomic64_t reruns;
	atomic64_t interrupts;
	atomic64_t polls;
	atomic64_t jobs_live;
	atomic64_t bos_live;
};

/**
 * struct fpq_last_error - the card's last reported job error, for debugfs.
 * @cause: enum err code.
 * @op: operation index.
 * @fence: fence of the failed job.
 * @addr: faulting address (VA or bus address, by cause).
 * @when: when the driver saw it.
 */
struct fpq_last_error {
	u32 cause;
	u32 op;
	u64 fence;
	u64 addr;
	ktime_t when;
};

/**
 * struct fpq_device - one fpq card.
 * @drm: the DRM device (embedded; the structure lives until its last reference).
 * @pdev: the PCI function, or NULL for a test device.
 * @dma_dev: the device DMA is mapped for.
 * @hw: register access and the hardware identity.
 * @caps: what validation allows, from the capability registers.
 * @va_size: bytes of one job's device address space.
 * @ring: the job ring in host memory.
 * @fence_rec: the fence write-back record (coherent memory).
 * @fence_rec_dma: its bus address.
 * @sched: the scheduler of the one ring.
 * @job_refs: one for the device plus one per job not yet freed.
 * @jobs_gone: completed when @job_refs drops to zero (device teardown waits for it).
 * @job_lock: protects @inflight, @ring indices and @last_error.
 * @inflight: jobs on the card, oldest first.
 * @fence_lock: lock of the hardware fences.
 * @fence_context: dma-fence context of the hardware fences.
 * @fence_seqno: last hardware fence sequence number handed out (under @job_lock).
 * @irq: Linux interrupt number, or -1 when polling.
 * @poll_interval: polling period in jiffies, 0 for none.
 * @poll_work: the poller.
 * @node: entry in the list of devices the test build's external interrupt hook searches.
 * @stats: counters.
 * @last_error: the card's last reported error.
 * @reset_count: resets done (also in @stats; kept for the timeout handler).
 * @hw_broken: a reset failed: jobs fail with -EIO instead of running.
 * @reset_requested: the next timeout handling is a reset asked for through debugfs
 *	(no job is guilty; every job on the card runs again). Cleared by any reset and
 *	whenever the card's list empties: a request that finds no job is void.
 * @inject_desc: the next job handed to the card gets a corrupted descriptor (debugfs).
 * @bounces: DMA may go through bounce buffers (swiotlb=force, a DMA mask narrower
 *	than memory): each job's snapshot of its pages is taken when it starts, so the
 *	jobs of one file run one after the other.
 */
struct fpq_device {
	struct drm_device drm;
	struct pci_dev *pdev;
	struct device *dma_dev;
	struct fpq_hw hw;
	struct fpq_caps caps;
	u64 va_size;

	struct fpq_ring ring;
	struct fpq_hw_fence_record *fence_rec;
	dma_addr_t fence_rec_dma;

	struct drm_gpu_scheduler sched;
	atomic_t job_refs;
	struct completion jobs_gone;
	spinlock_t job_lock;	/* inflight, ring indices, last_error */
	struct list_head inflight;
	spinlock_t fence_lock;	/* the hardware fences */
	u64 fence_context;
	u64 fence_seqno;

	int irq;
	unsigned long poll_interval;
	struct delayed_work poll_work;
	struct list_head node;

	struct fpq_stats stats;
	struct fpq_last_error last_error;
	unsigned int reset_count;
	bool hw_broken;
	bool reset_requested;
	bool inject_desc;
	bool bounces;
};

/**
 * struct fpq_job_quota - a file's count of unfinished detached jobs, shared with those
 * jobs (they may outlive the file).
 * @ref: the file's reference and one per counted job.
 * @detached: detached jobs of the file not yet freed.
 */
struct fpq_job_quota {
	struct kref ref;
	atomic_t detached;
};

/**
 * struct fpq_file - per-open-file state.
 * @fdev: the device.
 * @entity: the file's scheduler entity (its jobs run in submission order).
 * @lock: serialises arming and pushing jobs, and job identities.
 * @jobs: job identity -> struct fpq_job_record, for jobs not yet collected.
 * @uncollected: entries in @jobs.
 * @quota: the count of the file's detached jobs.
 * @next_job_id: last job identity handed out.
 * @fence_context: dma-fence context of the file's out fences (seqno: job identity).
 * @last_out: the out fence of the file's last job, when the device bounces.
 */
struct fpq_file {
	struct fpq_device *fdev;
	struct drm_sched_entity entity;
	struct mutex lock;	/* arming and pushing jobs, job identities */
	struct xarray jobs;
	atomic_t uncollected;
	struct fpq_job_quota *quota;
	u64 next_job_id;
	u64 fence_context;
	struct dma_fence *last_out;
};

static inline struct fpq_device *to_fpq_device(struct drm_device *drm)
{
	return container_of(drm, struct fpq_device, drm);
}

extern const struct drm_driver fpq_drm_driver;

/* fpq_device.c */
int fpq_device_init(struct fpq_device *fdev);
void fpq_device_unplug(struct fpq_device *fdev);

/* fpq_irq.c */
int fpq_irq_setup(struct fpq_device *fdev);
void fpq_irq_teardown(struct fpq_device *fdev);
void fpq_irq_kick_poll(struct fpq_device *fdev);
irqreturn_t fpq_irq_handle(struct fpq_device *fdev);

/* fpq_debugfs.c, fpq_sysfs.c */
void fpq_debugfs_init(struct fpq_device *fdev, struct dentry *root);
void fpq_debugfs_init_minor(struct drm_minor *minor);
extern const struct attribute_group *fpq_sysfs_groups[];

#endif /* FPQ_DRV_H */
