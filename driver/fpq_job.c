// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_job.c - jobs from the submit ioctl to their fences.
 *
 * A job is checked while the submitting process waits (validation, the runs of pages
 * it touches, its address space); when it first runs, the scheduler pins and maps
 * those pages, builds the page table and the operation descriptors (fpq_job_mem.c),
 * writes its ring entry and rings the doorbell. The card completes jobs in ring order
 * and reports each in its completion record and in the fence write-back; completions
 * are collected from the interrupt, the poller or the external hook.
 *
 * The ioctls that create jobs and collect their statuses are in fpq_submit.c.
 *
 * Recovery: when the oldest job on the card outlives the timeout, the scheduler is
 * stopped, the card reset, jobs that completed before the reset keep their results,
 * the timed-out job fails with -ETIMEDOUT, and every other job runs again. A job the
 * card's ABFT check failed (ERR_CHECKSUM) ends with -EIO and is not run again: a stuck
 * processing element would fail it again, and the caller chooses (libfpq's policy).
 */
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_managed.h>
#include <drm/drm_print.h>
#include <linux/dma-mapping.h>
#include <linux/dma-fence.h>
#include <linux/slab.h>

#include "fpq_compat.h"
#include "fpq_desc.h"
#include "fpq_drv.h"
#include "fpq_job.h"

/* Device teardown reports every this often while it waits for jobs to be freed. */
#define FPQ_TEARDOWN_REPORT_MS 10000

static const char *fpq_fence_driver_name(struct dma_fence *fence)
{
	return FPQ_DRIVER_NAME;
}

static const char *fpq_fence_timeline_name(struct dma_fence *fence)
{
	return "fpq-ring";
}

static const struct dma_fence_ops fpq_fence_ops = {
	.get_driver_name = fpq_fence_driver_name,
	.get_timeline_name = fpq_fence_timeline_name,
};

/* ---- job lifetime ----------------------------------------------------------------- */

static void fpq_job_release(struct kref *ref)
{
	struct fpq_job *job = container_of(ref, struct fpq_job, refcount);
	struct fpq_device *fdev = job->fdev;
	u32 i;

	fpq_job_unmap(job);
	if (job->ctl)
		dma_free_coherent(fdev->dma_dev, job->ctl_size, job->ctl, job->ctl_dma);
	for (i = 0; i < job->bo_count; i++)
		drm_gem_object_put(job->bos[i]);
	dma_fence_put(job->hw_fence);
	fpq_job_record_put(job->record);
	if (job->quota) {
		atomic_dec(&job->quota->detached);
		fpq_job_quota_put(job->quota);
	}
	kvfree(job->bos);
	kvfree(job->slots);
	kvfree(job->ops);
	atomic64_dec(&fdev->stats.jobs_live);
	kvfree(job);
	/* Last: the device may be freed as soon as its teardown sees this. */
	if (atomic_dec_and_test(&fdev->job_refs))
		complete(&fdev->jobs_gone);
}

/**
 * fpq_job_put() - drop a reference to a job.
 * @job: the job, or NULL.
 */
void fpq_job_put(struct fpq_job *job)
{
	if (job)
		kref_put(&job->refcount, fpq_job_release);
}

/*
 * Make the job's outcome final: its status record, the scheduler fence's error, and
 * the hardware fence (when it has one on the card). Called once per run, under
 * fdev->job_lock or with the scheduler stopped.
 */
static void fpq_job_finish(struct fpq_job *job, const struct drm_fpq_job_status *status,
			   const struct drm_fpq_op_status *ops)
{
	struct fpq_job_record *rec = job->record;
	struct dma_fence *finished = &job->base.s_fence->finished;

	/* What the card wrote reaches the CPU before anyone can see the job end. */
	if (job->mapped)
		fpq_job_sync_for_cpu(job, status->hw_error ? status->ops_done : job->op_count - 1);
	job->finished = true;
	if (rec && !rec->done) {
		rec->status = *status;
		rec->status.runs = job->runs;
		if (ops)
			memcpy(rec->ops, ops, sizeof(*ops) * rec->op_count);
		smp_wmb(); /* the record before @done; the fence signal orders the rest */
		WRITE_ONCE(rec->done, true);
	}
	if (status->error) {
		struct fpq_stats *s = &job->fdev->stats;

		atomic64_inc(&s->failed);
		if (status->error == -EFAULT)
			atomic64_inc(&s->faults_mmu);
		else if (status->hw_error == FPQ_HW_ERR_DMA_READ ||
			 status->hw_error == FPQ_HW_ERR_DMA_WRITE)
			atomic64_inc(&s->faults_dma);
		else if (status->hw_error == FPQ_HW_ERR_CHECKSUM)
			atomic64_inc(&s->faults_checksum);
		else if (status->hw_error)
			atomic64_inc(&s->faults_desc);
		if (!dma_fence_is_signaled(finished))
			dma_fence_set_error(finished, status->error);
	} else {
		atomic64_inc(&job->fdev->stats.completed);
	}
	if (job->hw_fence && !dma_fence_is_signaled(job->hw_fence)) {
		if (status->error)
			dma_fence_set_error(job->hw_fence, status->error);
		dma_fence_signal(job->hw_fence);
	}
}

static void fpq_job_finish_error(struct fpq_job *job, int error)
{
	struct drm_fpq_job_status status = { .error = error };

	fpq_job_finish(job, &status, NULL);
}

/* ---- building ----------------------------------------------------------------------- */

struct fpq_job_builder {
	struct fpq_job *job;
	struct drm_gem_object *(*lookup)(void *priv, u32 handle);
	void *lookup_priv;
	u32 max_bos;
};

/* fpq_validator.resolve: a handle of the caller's file -> a slot of the job. */
static int fpq_job_resolve(void *priv, u32 handle, u64 *size)
{
	struct fpq_job_builder *b = priv;
	struct fpq_job *job = b->job;
	struct drm_gem_object *obj;
	u32 i;

	obj = handle ? b->lookup(b->lookup_priv, handle) : NULL;
	if (!obj)
		return -ENOENT;
	*size = obj->size;
	for (i = 0; i < job->bo_count; i++) {
		if (job->bos[i] == obj) {
			drm_gem_object_put(obj);
			return i;
		}
	}
	if (WARN_ON(job->bo_count == b->max_bos)) {
		drm_gem_object_put(obj);
		return -E2BIG;
	}
	job->bos[job->bo_count] = obj;
	return job->bo_count++;
}

static int fpq_job_build_descriptors(struct fpq_job *job)
{
	struct fpq_device *fdev = job->fdev;
	u64 *slot_va;
	u32 i;

	job->ctl_size = fpq_desc_ctl_bytes(job->op_count);
	job->ctl = dma_alloc_coherent(fdev->dma_dev, job->ctl_size, &job->ctl_dma,
				      GFP_KERNEL);
	if (!job->ctl)
		return -ENOMEM;
	slot_va = kmalloc_array(job->bo_count, sizeof(*slot_va), GFP_KERNEL);
	if (!slot_va)
		return -ENOMEM;
	for (i = 0; i < job->bo_count; i++)
		slot_va[i] = job->slots[i].va;
	for (i = 0; i < job->op_count; i++)
		fpq_desc_build_op(&job->ops[i], slot_va,
				  job->ctl + (size_t)i * FPQ_HW_OP_DESC_BYTES);
	kfree(slot_va);
	return 0;
}

/**
 * fpq_job_prepare() - check a job's operations and build everything the card needs.
 * @fdev: the device.
 * @uops: the operations as copied from userspace.
 * @op_count: their number (checked by fpq_validate_submit()).
 * @lookup: finds the caller's buffers by handle: returns the object with a new
 *	reference, or NULL.
 * @lookup_priv: context of @lookup.
 * @jobp: receives the job (one reference) on success.
 * @why: receives the reason of a validation failure (may be NULL).
 *
 * Return: 0, or the errno of the first failure (nothing is left allocated).
 */
int fpq_job_prepare(struct fpq_device *fdev, const struct drm_fpq_gemm *uops, u32 op_count,
		    struct drm_gem_object *(*lookup)(void *priv, u32 handle),
		    void *lookup_priv, struct fpq_job **jobp, const char **why)
{
	struct fpq_job_builder b = { .lookup = lookup, .lookup_priv = lookup_priv };
	struct fpq_validator v = { .caps = &fdev->caps, .resolve = fpq_job_resolve, .priv = &b };
	struct fpq_job *job;
	u32 i;
	int err;

	/* What a queued job holds is charged to the submitter (its memory cgroup). */
	job = kvzalloc(sizeof(*job), GFP_KERNEL_ACCOUNT);
	if (!job)
		return -ENOMEM;
	kref_init(&job->refcount);
	INIT_LIST_HEAD(&job->node);
	job->fdev = fdev;
	atomic_inc(&fdev->job_refs);
	atomic64_inc(&fdev->stats.jobs_live);
	job->op_count = op_count;
	b.job = job;
	b.max_bos = op_count * FPQ_RANGES_PER_OP;
	job->ops = kvcalloc(op_count, sizeof(*job->ops), GFP_KERNEL_ACCOUNT);
	job->bos = kvcalloc(b.max_bos, sizeof(*job->bos), GFP_KERNEL_ACCOUNT);
	job->slots = kvcalloc(b.max_bos, sizeof(*job->slots), GFP_KERNEL_ACCOUNT);
	if (!job->ops || !job->bos || !job->slots) {
		err = -ENOMEM;
		goto fail;
	}

	for (i = 0; i < op_count; i++) {
		err = fpq_validate_gemm(&v, &uops[i], &job->ops[i]);
		if (err) {
			if (why)
				*why = v.why;
			drm_dbg(&fdev->drm, "submit: operation %u: %s (%d)\n", i, v.why, err);
			goto fail;
		}
	}
	for (i = 0; i < job->bo_count; i++)
		job->slots[i].size = job->bos[i]->size;
	/* The address-space check needs only sizes: nothing is pinned before it. */
	err = fpq_vm_layout(job->slots, job->bo_count, fdev->va_size);
	if (err) {
		if (why)
			*why = "buffers exceed the device address space";
		goto fail;
	}
	err = fpq_job_collect_ranges(job);
	if (err) {
		if (why)
			*why = "an imported buffer's DMA segments are not whole pages";
		goto fail;
	}
	*jobp = job;
	return 0;

fail:
	fpq_job_put(job);
	return err;
}

/* ---- the ring ------------------------------------------------------------------- */

static struct dma_fence *fpq_job_run(struct drm_sched_job *sched_job)
{
	struct fpq_job *job = to_fpq_job(sched_job);
	struct fpq_device *fdev = job->fdev;
	size_t comp = fpq_desc_completion_offset(job->op_count);
	struct dma_fence *fence;
	unsigned long flags;
	int idx;

	if (job->guilty)
		return ERR_PTR(-ETIMEDOUT);
	/*
	 * Completed just before a reset: its result stands, do not run it again. Its
	 * hardware fence signals once its outcome is final (fpq_job_finish()).
	 */
	if (job->hw_done)
		return dma_fence_get(job->hw_fence);
	if (!drm_dev_enter(&fdev->drm, &idx)) {
		fpq_job_finish_error(job, -ENODEV);
		return ERR_PTR(-ENODEV);
	}
	if (READ_ONCE(fdev->hw_broken)) {
		fpq_job_finish_error(job, -EIO);
		drm_dev_exit(idx);
		return ERR_PTR(-EIO);
	}

	/* Pages are pinned and mapped, descriptors built, when the job first runs. */
	if (!job->mapped) {
		int err = fpq_job_map(job);

		if (!err)
			err = fpq_job_build_descriptors(job);
		if (err) {
			fpq_job_finish_error(job, err);
			drm_dev_exit(idx);
			return ERR_PTR(err);
		}
	}

	/* The first run may sleep for memory; a re-run after a reset is in recovery. */
	fence = kzalloc(sizeof(*fence), job->runs ? GFP_NOWAIT | __GFP_NOWARN : GFP_KERNEL);
	if (!fence) {
		fpq_job_finish_error(job, -ENOMEM);
		drm_dev_exit(idx);
		return ERR_PTR(-ENOMEM);
	}
	dma_fence_put(job->hw_fence);
	job->hw_fence = NULL;

	/* The card writes no operation records for a job it rejects: start from zeros. */
	memset(job->ctl + comp, 0, job->ctl_size - comp);

	spin_lock_irqsave(&fdev->job_lock, flags);
	if (WARN_ON(!fpq_ring_space(&fdev->ring))) {
		/* Cannot happen: the scheduler's credit limit is the ring size. */
		spin_unlock_irqrestore(&fdev->job_lock, flags);
		kfree(fence);
		fpq_job_finish_error(job, -EBUSY);
		drm_dev_exit(idx);
		return ERR_PTR(-EBUSY);
	}
	job->seqno = ++fdev->fence_seqno;
	dma_fence_init(fence, &fpq_fence_ops, &fdev->fence_lock, fdev->fence_context,
		       job->seqno);
	job->hw_fence = dma_fence_get(fence);
	job->ring_index = fdev->ring.tail;
	if (job->runs)
		atomic64_inc(&fdev->stats.reruns);
	job->runs++;
	/* Test builds: a descriptor fault on purpose (fpq_test_hooks.c): the job fails. */
	if (IS_ENABLED(CONFIG_DRM_FPQ_TEST_HOOKS) && unlikely(fdev->inject_desc)) {
		struct fpq_hw_op_desc *d = job->ctl;

		fdev->inject_desc = false;
		d->op &= ~cpu_to_le32(FPQ_HW_OP_DESC_OP_OPCODE_MASK);
	}
	fpq_desc_build_job(fpq_ring_entry(&fdev->ring, job->ring_index), job->op_count,
			   job->seqno, job->ctl_dma, job->pt->l1_dma, job->ctl_dma + comp);
	fdev->ring.tail++;
	list_add_tail(&job->node, &fdev->inflight);
	/* Descriptors in memory before the doorbell (writel orders on a real card). */
	dma_wmb();
	fpq_hw_doorbell(&fdev->hw, fdev->ring.tail);
	spin_unlock_irqrestore(&fdev->job_lock, flags);

	fpq_irq_kick_poll(fdev);
	drm_dev_exit(idx);
	return fence;
}

/* One job the card has completed: read its records (its outcome is made final later). */
static void fpq_job_read_completion(struct fpq_device *fdev, struct fpq_job *job)
{
	const void *completion = job->ctl + fpq_desc_completion_offset(job->op_count);
	struct drm_fpq_op_status *ops = job->record ? job->record->ops : NULL;
	struct drm_fpq_job_status status;

	lockdep_assert_held(&fdev->job_lock);
	/* Write the record's per-operation array only while it is not final. */
	if (job->record && READ_ONCE(job->record->done))
		ops = NULL;
	fpq_desc_read_completion(completion, job->op_count, &status, ops);
	if (status.error) {
		const struct fpq_hw_completion *c = completion;

		fdev->last_error = (struct fpq_last_error){
			.cause = status.hw_error,
			.op = status.ops_done,
			.fence = job->seqno,
			.addr = le64_to_cpu(c->error_addr),
			.when = ktime_get(),
		};
		drm_dbg(&fdev->drm, "job %llu failed: cause %u at operation %u\n", job->seqno,
			status.hw_error, status.ops_done);
	}
	job->hw_status = status;
	job->hw_done = true;
}

/**
 * fpq_job_process_completions() - finish every job the fence write-back reports.
 * @fdev: the device.
 *
 * Callable from any context, as often as wanted: the interrupt handler, the poller,
 * the external interrupt hook, the timeout handler. The jobs are taken off the card's
 * list under the lock and finished after it (syncing their output for the CPU may
 * copy out of bounce buffers); a job taken off is hw_done, so the timeout handler
 * leaves it alone.
 *
 * Return: jobs finished.
 */
unsigned int fpq_job_process_completions(struct fpq_device *fdev)
{
	struct fpq_job *job, *tmp;
	unsigned int count = 0;
	unsigned long flags;
	LIST_HEAD(completed);
	u64 done;

	spin_lock_irqsave(&fdev->job_lock, flags);
	done = le64_to_cpu(READ_ONCE(fdev->fence_rec->fence));
	/* The fence write-back comes after the job's records. */
	dma_rmb();
	list_for_each_entry_safe(job, tmp, &fdev->inflight, node) {
		if (job->seqno > done)
			break;
		list_move_tail(&job->node, &completed);
		fdev->ring.head = job->ring_index + 1;
		fpq_job_read_completion(fdev, job);
		count++;
	}
	/* A reset asked for while these jobs ran has nothing left to reset. */
	if (list_empty(&fdev->inflight))
		WRITE_ONCE(fdev->reset_requested, false);
	spin_unlock_irqrestore(&fdev->job_lock, flags);
	list_for_each_entry_safe(job, tmp, &completed, node) {
		list_del_init(&job->node);
		fpq_job_finish(job, &job->hw_status, NULL);
	}
	return count;
}

/**
 * fpq_job_fail_inflight() - end every job on the card with @error (device removal).
 * @fdev: the device, whose card no longer runs jobs.
 * @error: negative errno for the jobs' fences and statuses.
 */
void fpq_job_fail_inflight(struct fpq_device *fdev, int error)
{
	struct fpq_job *job, *tmp;
	unsigned long flags;

	spin_lock_irqsave(&fdev->job_lock, flags);
	list_for_each_entry_safe(job, tmp, &fdev->inflight, node) {
		list_del_init(&job->node);
		fpq_job_finish_error(job, error);
	}
	fdev->ring.head = fdev->ring.tail;
	WRITE_ONCE(fdev->reset_requested, false);
	spin_unlock_irqrestore(&fdev->job_lock, flags);
}

/* ---- timeout and recovery --------------------------------------------------------- */

/* The scheduler took @job off its pending list; give it back when not stopping. */
static void fpq_sched_reinsert(struct drm_gpu_scheduler *sched, struct drm_sched_job *job)
{
	spin_lock(&sched->job_list_lock);
	list_add(&job->list, &sched->pending_list);
	spin_unlock(&sched->job_list_lock);
}

static enum drm_gpu_sched_stat fpq_job_timedout(struct drm_sched_job *sched_job)
{
	struct fpq_job *bad = to_fpq_job(sched_job);
	struct fpq_device *fdev = bad->fdev;
	struct fpq_job *job, *tmp;
	unsigned long flags;
	bool requested;
	int idx, err;

	if (!drm_dev_enter(&fdev->drm, &idx)) {
		/* Removal has ended or will end every job on the card. */
		fpq_sched_reinsert(&fdev->sched, sched_job);
		return DRM_GPU_SCHED_STAT_ENODEV;
	}

	/* A reset asked for (fpq_job_request_reset()): no job is guilty. */
	requested = xchg(&fdev->reset_requested, false);

	/* A lost interrupt looks like a hang: collect completions first. */
	fpq_job_process_completions(fdev);
	if (!requested &&
	    (bad->hw_done || dma_fence_is_signaled(&sched_job->s_fence->finished))) {
		fpq_sched_reinsert(&fdev->sched, sched_job);
		drm_dev_exit(idx);
		return DRM_GPU_SCHED_STAT_NOMINAL;
	}

	if (requested)
		drm_info(&fdev->drm, "card reset asked for: the jobs on the card run again\n");
	else
		drm_warn(&fdev->drm, "job %llu timed out after %u ms: resetting the card\n",
			 bad->seqno, jiffies_to_msecs(fdev->sched.timeout));
	drm_sched_stop(&fdev->sched, sched_job);

	err = fpq_hw_reset(&fdev->hw);
	if (err) {
		/* Nothing more will run on this card: every job fails with -EIO. */
		drm_err(&fdev->drm, "card reset failed (%d): the card is out of service\n", err);
		WRITE_ONCE(fdev->hw_broken, true);
		atomic64_inc(&fdev->stats.reset_failures);
	}
	atomic64_inc(&fdev->stats.resets);
	fdev->reset_count++;

	/* Jobs that completed before the reset keep their results. */
	fpq_job_process_completions(fdev);

	spin_lock_irqsave(&fdev->job_lock, flags);
	if (!requested && !bad->hw_done &&
	    !dma_fence_is_signaled(&sched_job->s_fence->finished)) {
		struct drm_fpq_job_status status = { .error = -ETIMEDOUT };

		atomic64_inc(&fdev->stats.timeouts);
		bad->guilty = true;
		list_del_init(&bad->node);
		fpq_job_finish(bad, &status, NULL);
	}
	/* The others go back to the card from a fresh ring. */
	list_for_each_entry_safe(job, tmp, &fdev->inflight, node)
		list_del_init(&job->node);
	fdev->ring.head = 0;
	fdev->ring.tail = 0;
	/* This reset serves any request made since the handler began. */
	WRITE_ONCE(fdev->reset_requested, false);
	if (!err)
		fpq_hw_start(&fdev->hw, fdev->ring.dma, fdev->ring.log2, fdev->fence_rec_dma, 0,
			     true);
	spin_unlock_irqrestore(&fdev->job_lock, flags);

	drm_sched_resubmit_jobs(&fdev->sched);
	fpq_compat_sched_start(&fdev->sched);
	drm_dev_exit(idx);
	return DRM_GPU_SCHED_STAT_NOMINAL;
}

/**
 * fpq_job_request_reset() - reset the card now, as a timeout would, but with no guilty
 * job: every job on the card runs again (a test build's fault injection).
 * @fdev: the device.
 *
 * The reset runs in the scheduler's timeout work, so it never races a real timeout.
 *
 * Return: 0, or -EAGAIN when no job is on the card.
 */
int fpq_job_request_reset(struct fpq_device *fdev)
{
	unsigned long flags;
	bool busy;

	spin_lock_irqsave(&fdev->job_lock, flags);
	busy = !list_empty(&fdev->inflight);
	if (busy)
		WRITE_ONCE(fdev->reset_requested, true);
	spin_unlock_irqrestore(&fdev->job_lock, flags);
	if (!busy)
		return -EAGAIN;
	drm_sched_fault(&fdev->sched);
	return 0;
}

static void fpq_job_free(struct drm_sched_job *sched_job)
{
	struct fpq_job *job = to_fpq_job(sched_job);

	/* Dropped by the scheduler before it ran (its file was closed): counted here. */
	if (!job->finished) {
		atomic64_inc(&job->fdev->stats.failed);
		atomic64_inc(&job->fdev->stats.canceled);
	}

	drm_sched_job_cleanup(sched_job);
	fpq_job_put(job);
}

static const struct drm_sched_backend_ops fpq_sched_ops = {
	.run_job = fpq_job_run,
	.timedout_job = fpq_job_timedout,
	.free_job = fpq_job_free,
};

static void fpq_sched_fini(struct drm_device *drm, void *arg)
{
	struct fpq_device *fdev = to_fpq_device(drm);

	/*
	 * Every file is closed and every job on the card has ended by now, but jobs are
	 * freed later: finished ones by the scheduler thread, the queued jobs of a closed
	 * file by the scheduler's kill work once the file's last scheduled job and their
	 * own dependencies (possibly another driver's fences) have signalled. They hold
	 * the device, its buffers and this module's code: wait for the last one.
	 */
	if (!atomic_dec_and_test(&fdev->job_refs)) {
		while (!wait_for_completion_timeout(&fdev->jobs_gone,
						    msecs_to_jiffies(FPQ_TEARDOWN_REPORT_MS)))
			drm_info(drm, "removal waits for %lld job(s) to be freed\n",
				 atomic64_read(&fdev->stats.jobs_live));
	}
	drm_sched_fini(&fdev->sched);
}

/**
 * fpq_sched_init() - the scheduler of the device's ring; finalised with the device.
 * @fdev: the device, with its ring set up.
 *
 * Return: 0 or a negative errno.
 */
int fpq_sched_init(struct fpq_device *fdev)
{
	struct drm_sched_init_args args = {
		.ops = &fpq_sched_ops,
		.credit_limit = fpq_ring_size(&fdev->ring),
		.hang_limit = 0,
		.timeout = msecs_to_jiffies(fpq_timeout_ms),
		.name = FPQ_DRIVER_NAME,
		.dev = fdev->drm.dev,
	};
	int err;

	fdev->fence_context = dma_fence_context_alloc(1);
	atomic_set(&fdev->job_refs, 1);
	init_completion(&fdev->jobs_gone);
	err = fpq_compat_sched_init(&fdev->sched, &args);
	if (err)
		return err;
	return drmm_add_action_or_reset(&fdev->drm, fpq_sched_fini, NULL);
}
