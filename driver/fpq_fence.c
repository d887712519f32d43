// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_fence.c - the fences the driver hands to userspace.
 *
 * A job's out_syncobj does not receive the scheduler's fence: a syncobj or sync_file
 * may keep a fence long after its DRM file, its device and even this module are gone,
 * and the scheduler's fence names its timeline through the scheduler embedded in the
 * device, and releases the card's fence through this module's code. The out fence is
 * the driver's own: it names nothing outside itself, follows the job's finished fence
 * (signalling with its error), and holds a reference to this module until it is
 * freed, so the module cannot be unloaded while userspace still holds a fence of it
 * (rmmod fails with EBUSY). The last reference is dropped by an RCU callback, which
 * the module's exit waits for (fpq_out_fence_barrier()).
 */
#include <linux/dma-fence.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "fpq_drv.h"
#include "fpq_fence.h"

/**
 * struct fpq_out_fence - a job's fence as userspace sees it.
 * @base: the fence.
 * @lock: its lock.
 * @cb: on the job's finished fence.
 */
struct fpq_out_fence {
	struct dma_fence base;
	spinlock_t lock;	/* the fence's */
	struct dma_fence_cb cb;
};

static const char *fpq_out_fence_driver_name(struct dma_fence *fence)
{
	return FPQ_DRIVER_NAME;
}

static const char *fpq_out_fence_timeline_name(struct dma_fence *fence)
{
	return "fpq-job";
}

static void fpq_out_fence_free_rcu(struct rcu_head *rcu)
{
	struct dma_fence *fence = container_of(rcu, struct dma_fence, rcu);

	kfree(container_of(fence, struct fpq_out_fence, base));
	/* The fence's reference to the module, dropped last (see the file comment). */
	module_put(THIS_MODULE);
}

static void fpq_out_fence_release(struct dma_fence *fence)
{
	call_rcu(&fence->rcu, fpq_out_fence_free_rcu);
}

static const struct dma_fence_ops fpq_out_fence_ops = {
	.get_driver_name = fpq_out_fence_driver_name,
	.get_timeline_name = fpq_out_fence_timeline_name,
	.release = fpq_out_fence_release,
};

static void fpq_out_fence_follow(struct dma_fence *finished, struct dma_fence_cb *cb)
{
	struct fpq_out_fence *f = container_of(cb, struct fpq_out_fence, cb);

	if (finished->error)
		dma_fence_set_error(&f->base, finished->error);
	dma_fence_signal(&f->base);
	dma_fence_put(&f->base);
}

/**
 * fpq_out_fence_alloc() - the memory of an out fence, before the job is armed (arming
 * cannot be undone, so nothing after it may fail).
 *
 * Return: the fence to arm or free, or NULL.
 */
struct fpq_out_fence *fpq_out_fence_alloc(void)
{
	return kzalloc(sizeof(struct fpq_out_fence), GFP_KERNEL_ACCOUNT);
}

/**
 * fpq_out_fence_free_unarmed() - free an out fence that was never armed.
 * @f: the fence, or NULL.
 */
void fpq_out_fence_free_unarmed(struct fpq_out_fence *f)
{
	kfree(f);
}

/**
 * fpq_out_fence_arm() - make @f signal (with its error) when @finished does.
 * @f: from fpq_out_fence_alloc().
 * @finished: the job's finished fence.
 * @context: the submitting file's fence context.
 * @seqno: the job's identity in that file (increasing).
 *
 * Return: the fence with one reference.
 */
struct dma_fence *fpq_out_fence_arm(struct fpq_out_fence *f, struct dma_fence *finished,
				    u64 context, u64 seqno)
{
	/* Called from an ioctl of this module: it is live. */
	__module_get(THIS_MODULE);
	spin_lock_init(&f->lock);
	dma_fence_init(&f->base, &fpq_out_fence_ops, &f->lock, context, seqno);
	dma_fence_get(&f->base);	/* the callback's */
	if (dma_fence_add_callback(finished, &f->cb, fpq_out_fence_follow))
		fpq_out_fence_follow(finished, &f->cb);
	return &f->base;
}

/**
 * fpq_out_fence_barrier() - wait until every freed out fence has let the module go.
 *
 * For the module's exit: the RCU callbacks that drop the fences' module references
 * run this module's code.
 */
void fpq_out_fence_barrier(void)
{
	rcu_barrier();
}
