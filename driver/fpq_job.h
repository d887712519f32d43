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

/* Each operation names at most 12 ranges: A, B, C, three scale arrays, six vectors. */
#define FPQ_RANGES_PER_OP 12

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
 * struct fpq_job_range - a run of pages of one buffer that a job touches.
 * @slot: the buffer (index into fpq_job.bos and fpq_job.slots).
 * @write: an operation writes into it.
 * @first: first page, counted from the buffer's start.
 * @count: pages.
 * @dma: while the job holds the pages (fpq_bo_hold_pages()), their bus addresses.
 */
struct fpq_job_range {
	u16 slot;
	bool write;
	u64 first;
	u64 count;
	dma_addr_t *dma;
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
 * @range_count: entries in @ranges.
 * @ranges: the runs of pages the operations touch (fpq_job_mem.c).
 * @page_count: pages in @ranges.
 * @mapped: fpq_job_map() succeeded: pages held, @pt built, inputs synced.
 * @pt: the job's page table, from its first run on.
 * @ctl: operation descriptors and completion record (coherent memory).
 * @ctl_dma: bus address of @ctl.
 * @ctl_size: bytes of @ctl.
 * @hw_fence: fence of the current run on the card, or NULL.
 * @seqno: its sequence number (the card's fence value).
 * @ring_index: free-running ring index of the current run.
 * @node: entry in fpq_device.inflight while on the card.
 * @runs: times handed to the card.
 * @guilty: timed out; must not run again.
 * @hw_done: the card completed it (its status is in @hw_status).
 * @finished: its outcome is final (fpq_job_finish() ran).
 * @hw_status: what the card's completion record says, once @hw_done.
 * @record: status for the WAIT ioctl, or NULL for a detached job.
 * @quota: the submitting file's count, for a detached job (else NULL).
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
	u32 range_count;
	struct fpq_job_range *ranges;
	u64 page_count;
	bool mapped;
	struct fpq_pt *pt;
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
	bool finished;
	struct drm_fpq_job_status hw_status;
	struct fpq_job_record *record;
	struct fpq_job_quota *quota;
};

int fpq_sched_init(struct fpq_device *fdev);

/* fpq_job_mem.c */
int fpq_job_collect_ranges(struct fpq_job *job);
int fpq_job_map(struct fpq_job *job);
void fpq_job_sync_for_cpu(struct fpq_job *job, u32 last_op);
void fpq_job_unmap(struct fpq_job *job);
int fpq_job_prepare(struct fpq_device *fdev, const struct drm_fpq_gemm *uops, u32 op_count,
		    struct drm_gem_object *(*lookup)(void *priv, u32 handle),
		    void *lookup_priv, struct fpq_job **jobp, const char **why);
struct fpq_job_record *fpq_job_record_alloc(u32 op_count);
void fpq_job_record_put(struct fpq_job_record *rec);
struct fpq_job_quota *fpq_job_quota_alloc(void);
void fpq_job_quota_put(struct fpq_job_quota *quota);
void fpq_job_put(struct fpq_job *job);
unsigned int fpq_job_process_completions(struct fpq_device *fdev);
void fpq_job_fail_inflight(struct fpq_device *fdev, int error);
int fpq_job_request_reset(struct fpq_device *fdev);

static inline struct fpq_job *to_fpq_job(struct drm_sched_job *sched_job)
{
	return container_of(sched_job, struct fpq_job, base);
}

#endif /* FPQ_JOB_H */
