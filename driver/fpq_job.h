/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fpq_job.h - jobs: built from checked operations, queued with drm_sched, run on
 * the ring, completed from the card's records, recovered after a hang.
 */
#ifndef FPQ_JOB_H
#define FPQ_JOB_H

#include <drm/gpu_scheduler.h>
#include <linux/kref.h>
#include <linux/list.h>

#include "../uapi/fpq_drm.h"
#include "fpq_mmu.h"
#include "fpq_validate.h"

struct drm_device;
struct drm_file;
struct drm_gem_object;
struct fpq_device;

/**
 * struct fpq_job_record - what DRM_IOCTL_FPQ_WAIT returns about a job.
 * @ref: references: the job, the file's table, a waiter.
 * @finished: the job's scheduler fence (signalled after the record is final).
 * @done: @status and @ops are final.
 * @status: the job's status.
 * @op_count: entries in @ops.
 * @ops: per-operation statuses.
 */
struct fpq_job_record {
	struct kref ref;
	struct dma_fence *finished;
	bool done;
	struct drm_fpq_job_status status;
	u32 op_count;
	struct drm_fpq_op_status ops[];
};

/**
 * struct fpq_job - one submitted job.
 * @base: the scheduler's job.
 * @refcount: references (the submitter while building, then the scheduler).
 * @fdev: the device.
 * @op_count: operations.
 * @ops: the checked operations.
 * @bo_count: buffers the job names.
 * @bos: the buffers (one reference each).
 * @slots: the buffers' places in the job's address space.
 * @pt: the job's page table.
 * @ctl: operation descriptors and completion record (coherent memory).
 * @ctl_dma: bus address of @ctl.
 * @ctl_size: bytes of @ctl.
 * @hw_fence: fence of the current run on the card, or NULL.
 * @seqno: its sequence number (the card's fence value).
 * @ring_index: free-running ring index of the current run.
 * @node: entry in fpq_device.inflight while on the card.
 * @runs: times handed to the card.
 * @guilty: timed out; must not run again.
 * @hw_done: the card completed it (its status is recorded).
 * @record: status for the WAIT ioctl, or NULL for a detached job.
 */
struct fpq_job {
	struct drm_sched_job base;
	struct kref refcount;
	struct fpq_device *fdev;
	u32 op_count;
	struct fpq_op *ops;
	u32 bo_count;
	struct drm_gem_object **bos;
	struct fpq_vm_slot *slots;
	struct fpq_pt pt;
	void *ctl;
	dma_addr_t ctl_dma;
	size_t ctl_size;
	struct dma_fence *hw_fence;
	u64 seqno;
	u32 ring_index;
	struct list_head node;
	unsigned int runs;
	bool guilty;
	bool hw_done;
	struct fpq_job_record *record;
};

int fpq_sched_init(struct fpq_device *fdev);
int fpq_job_prepare(struct fpq_device *fdev, const struct drm_fpq_gemm *uops, u32 op_count,
		    struct drm_gem_object *(*lookup)(void *priv, u32 handle),
		    void *lookup_priv, struct fpq_job **jobp, const char **why);
struct fpq_job_record *fpq_job_record_alloc(u32 op_count);
void fpq_job_record_put(struct fpq_job_record *rec);
void fpq_job_put(struct fpq_job *job);
unsigned int fpq_job_process_completions(struct fpq_device *fdev);
void fpq_job_fail_inflight(struct fpq_device *fdev, int error);

static inline struct fpq_job *to_fpq_job(struct drm_sched_job *sched_job)
{
	return container_of(sched_job, struct fpq_job, base);
}

#endif /* FPQ_JOB_H */
