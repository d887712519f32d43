// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_submit.c - the submit and wait ioctls, and the per-file records of job
 * statuses that DRM_IOCTL_FPQ_WAIT collects.
 *
 * Each ioctl copies its arrays from userspace, then runs a core that works on kernel
 * memory only (fpq_submit(), fpq_wait()), which is what the KUnit tests call.
 */
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_print.h>
#include <drm/drm_syncobj.h>
#include <drm/drm_utils.h>
#include <linux/dma-fence.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "fpq_compat.h"
#include "fpq_drv.h"
#include "fpq_job.h"
#include "fpq_submit.h"

/* ---- status records ------------------------------------------------------------ */

/**
 * fpq_job_record_alloc() - a status record for a job of @op_count operations.
 * @op_count: operations.
 *
 * Return: the record with one reference, or NULL.
 */
struct fpq_job_record *fpq_job_record_alloc(u32 op_count)
{
	struct fpq_job_record *rec;

	rec = kzalloc(struct_size(rec, ops, op_count), GFP_KERNEL);
	if (!rec)
		return NULL;
	kref_init(&rec->ref);
	rec->op_count = op_count;
	return rec;
}

static void fpq_job_record_release(struct kref *ref)
{
	struct fpq_job_record *rec = container_of(ref, struct fpq_job_record, ref);

	dma_fence_put(rec->finished);
	kfree(rec);
}

/**
 * fpq_job_record_put() - drop a reference to a status record.
 * @rec: the record, or NULL.
 */
void fpq_job_record_put(struct fpq_job_record *rec)
{
	if (rec)
		kref_put(&rec->ref, fpq_job_record_release);
}

/* ---- submit ------------------------------------------------------------------------- */

static struct drm_gem_object *fpq_file_lookup(void *priv, u32 handle)
{
	return drm_gem_object_lookup(priv, handle);
}

static int fpq_job_add_in_syncobjs(struct fpq_job *job, struct drm_file *file,
				   const u32 *handles, u32 count)
{
	u32 i;
	int err;

	for (i = 0; i < count; i++) {
		struct dma_fence *fence;

		err = drm_syncobj_find_fence(file, handles[i], 0, 0, &fence);
		if (err)
			return err;
		/* Consumes the fence reference, also on failure. */
		err = drm_sched_job_add_dependency(&job->base, fence);
		if (err)
			return err;
	}
	return 0;
}

/**
 * fpq_submit() - queue a job: the core of DRM_IOCTL_FPQ_SUBMIT.
 * @fdev: the device.
 * @file: the submitting file (its buffers, syncobjs, entity and job table).
 * @args: the ioctl argument, checked by fpq_validate_submit(); @args->job_id is set.
 * @ops: @args->op_count operations, in kernel memory.
 * @in_syncobjs: @args->in_syncobj_count syncobj handles, in kernel memory.
 *
 * Return: 0 or a negative errno; on failure nothing is queued or kept.
 */
int fpq_submit(struct fpq_device *fdev, struct drm_file *file, struct drm_fpq_submit *args,
	       const struct drm_fpq_gemm *ops, const u32 *in_syncobjs)
{
	struct fpq_file *ffile = file->driver_priv;
	struct drm_syncobj *out_syncobj = NULL;
	struct fpq_job_record *rec = NULL;
	struct fpq_job *job = NULL;
	bool counted = false;
	u64 id;
	int err;

	err = fpq_job_prepare(fdev, ops, args->op_count, fpq_file_lookup, file, &job, NULL);
	if (err)
		return err;

	if (args->out_syncobj) {
		out_syncobj = drm_syncobj_find(file, args->out_syncobj);
		if (!out_syncobj) {
			err = -ENOENT;
			goto out_put_job;
		}
	}
	if (!(args->flags & DRM_FPQ_SUBMIT_DETACHED)) {
		if (atomic_inc_return(&ffile->uncollected) > DRM_FPQ_MAX_UNCOLLECTED) {
			atomic_dec(&ffile->uncollected);
			err = -EBUSY;
			goto out_put_syncobj;
		}
		counted = true;
		rec = fpq_job_record_alloc(job->op_count);
		if (!rec) {
			err = -ENOMEM;
			goto out_uncount;
		}
	}

	err = fpq_compat_sched_job_init(&job->base, &ffile->entity, ffile, file);
	if (err)
		goto out_put_rec;
	err = fpq_job_add_in_syncobjs(job, file, in_syncobjs, args->in_syncobj_count);
	if (err)
		goto out_cleanup;

	mutex_lock(&ffile->lock);
	id = ++ffile->next_job_id;
	if (rec) {
		/* Reserve the slot now: storing into it after arming cannot fail. */
		err = xa_reserve(&ffile->jobs, id, GFP_KERNEL);
		if (err) {
			mutex_unlock(&ffile->lock);
			goto out_cleanup;
		}
		kref_get(&rec->ref);	/* the job's; the table keeps the first */
		job->record = rec;
	}
	drm_sched_job_arm(&job->base);
	if (rec) {
		rec->finished = dma_fence_get(&job->base.s_fence->finished);
		xa_store(&ffile->jobs, id, rec, GFP_KERNEL);
	}
	if (out_syncobj)
		drm_syncobj_replace_fence(out_syncobj, &job->base.s_fence->finished);
	atomic64_inc(&fdev->stats.submitted);
	drm_sched_entity_push_job(&job->base);
	mutex_unlock(&ffile->lock);

	if (out_syncobj)
		drm_syncobj_put(out_syncobj);
	args->job_id = id;
	return 0;

out_cleanup:
	drm_sched_job_cleanup(&job->base);
out_put_rec:
	fpq_job_record_put(rec);
out_uncount:
	if (counted)
		atomic_dec(&ffile->uncollected);
out_put_syncobj:
	if (out_syncobj)
		drm_syncobj_put(out_syncobj);
out_put_job:
	fpq_job_put(job);
	return err;
}

/**
 * fpq_ioctl_submit() - DRM_IOCTL_FPQ_SUBMIT.
 * @drm: the device.
 * @data: struct drm_fpq_submit.
 * @file: the caller's file.
 *
 * Return: 0 or a negative errno (see the UAPI header).
 */
int fpq_ioctl_submit(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct fpq_device *fdev = to_fpq_device(drm);
	struct drm_fpq_submit *args = data;
	struct fpq_validator v = { .caps = &fdev->caps };
	struct drm_fpq_gemm *ops;
	u32 *syncobjs = NULL;
	int err;

	err = fpq_validate_submit(&v, args);
	if (err) {
		drm_dbg(drm, "submit: %s\n", v.why);
		return err;
	}
	ops = kvmalloc_array(args->op_count, sizeof(*ops), GFP_KERNEL);
	if (!ops)
		return -ENOMEM;
	err = -EFAULT;
	if (copy_from_user(ops, u64_to_user_ptr(args->ops), (size_t)args->op_count * sizeof(*ops)))
		goto out;
	if (args->in_syncobj_count) {
		syncobjs = memdup_user(u64_to_user_ptr(args->in_syncobjs),
				       args->in_syncobj_count * sizeof(*syncobjs));
		if (IS_ERR(syncobjs)) {
			err = PTR_ERR(syncobjs);
			syncobjs = NULL;
			goto out;
		}
	}
	err = fpq_submit(fdev, file, args, ops, syncobjs);
out:
	kfree(syncobjs);
	kvfree(ops);
	return err;
}

/* ---- wait --------------------------------------------------------------------------- */

/**
 * fpq_wait() - wait for a job and collect it: the core of DRM_IOCTL_FPQ_WAIT.
 * @ffile: the waiting file.
 * @args: the ioctl argument (flags checked by the caller); @args->status is set.
 * @op_status: room for @args->op_status_count records, or NULL.
 * @op_status_written: receives the records written to @op_status.
 *
 * Return: 0 when the job has finished (it is then collected), -ETIMEDOUT, -ENOENT,
 * -EINVAL for more status records than the job has operations, or the error of an
 * interrupted wait.
 */
int fpq_wait(struct fpq_file *ffile, struct drm_fpq_wait *args,
	     struct drm_fpq_op_status *op_status, u32 *op_status_written)
{
	struct fpq_job_record *rec;
	signed long timeout;
	long ret;

	*op_status_written = 0;
	xa_lock(&ffile->jobs);
	rec = xa_load(&ffile->jobs, args->job_id);
	if (rec)
		kref_get(&rec->ref);
	xa_unlock(&ffile->jobs);
	if (!rec)
		return -ENOENT;
	if (args->op_status_count > rec->op_count) {
		ret = -EINVAL;
		goto out;
	}

	timeout = drm_timeout_abs_to_jiffies(args->timeout_ns);
	ret = dma_fence_wait_timeout(rec->finished, true, timeout);
	if (ret == 0)
		ret = -ETIMEDOUT;
	if (ret < 0)
		goto out;

	ret = 0;
	if (READ_ONCE(rec->done)) {
		smp_rmb(); /* @done before the record it guards */
		args->status = rec->status;
	} else {
		/* Ended by the scheduler without reaching the driver (it never ran). */
		memset(&args->status, 0, sizeof(args->status));
		args->status.error = rec->finished->error ? rec->finished->error : -ECANCELED;
	}
	if (op_status) {
		u32 n = min(args->op_status_count, rec->op_count);

		memcpy(op_status, rec->ops, (size_t)n * sizeof(*op_status));
		*op_status_written = n;
	}
	/* Collected: the table's reference goes (unless another waiter took it first). */
	if (xa_cmpxchg(&ffile->jobs, args->job_id, rec, NULL, GFP_KERNEL) == rec) {
		atomic_dec(&ffile->uncollected);
		fpq_job_record_put(rec);
	}
out:
	fpq_job_record_put(rec);
	return ret;
}

/**
 * fpq_ioctl_wait() - DRM_IOCTL_FPQ_WAIT.
 * @drm: the device.
 * @data: struct drm_fpq_wait.
 * @file: the caller's file.
 *
 * Return: 0 when the job has finished (and is collected), else a negative errno.
 */
int fpq_ioctl_wait(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_fpq_wait *args = data;
	struct drm_fpq_op_status *ops = NULL;
	u32 count, written;
	int err;

	if (args->flags || (!args->op_status && args->op_status_count))
		return -EINVAL;
	/* No job has more operations than the card takes: a larger array is not read. */
	count = min_t(u32, args->op_status_count, FPQ_HW_MAX_OPS_PER_JOB);
	if (count) {
		ops = kcalloc(count, sizeof(*ops), GFP_KERNEL);
		if (!ops)
			return -ENOMEM;
	}
	err = fpq_wait(file->driver_priv, args, ops, &written);
	if (written && copy_to_user(u64_to_user_ptr(args->op_status), ops,
				    (size_t)written * sizeof(*ops)))
		err = -EFAULT;
	kfree(ops);
	return err;
}
