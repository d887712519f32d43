// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_job_test.c - the driver end to end against the card model: buffers, submission
 * through the ioctls' cores, the scheduler, the ring, page tables the model walks,
 * completion by interrupt, polling and the external hook, card errors, timeout and
 * recovery, isolation between files, waiting and collecting, device removal.
 */
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_syncobj.h>
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/dma-fence.h>
#include <linux/iosys-map.h>
#include <linux/ktime.h>
#include <linux/pci.h>

#include "../fpq_drv.h"
#include "../fpq_gem.h"
#include "../fpq_job.h"
#include "../fpq_submit.h"
#include "../fpq_test_hooks.h"
#include "fpq_test_device.h"

#define BO_BYTES 4096

/* ---- helpers ------------------------------------------------------------------------ */

static u32 bo_create(struct kunit *test, struct fpq_test_device *td, struct drm_file *file,
		     u64 size)
{
	struct drm_fpq_bo_create args = { .size = size };

	KUNIT_ASSERT_EQ(test, fpq_ioctl_bo_create(&td->fdev->drm, &args, file), 0);
	KUNIT_EXPECT_NE(test, args.handle, 0u);
	return args.handle;
}

/* Read or write byte @offset of a buffer through a kernel mapping. */
static u8 bo_byte(struct kunit *test, struct drm_file *file, u32 handle, u64 offset,
		  int set)
{
	struct drm_gem_object *obj = drm_gem_object_lookup(file, handle);
	struct drm_gem_shmem_object *shmem;
	struct iosys_map map;
	u8 val;

	KUNIT_ASSERT_NOT_NULL(test, obj);
	shmem = to_drm_gem_shmem_obj(obj);
	KUNIT_ASSERT_EQ(test, drm_gem_shmem_vmap(shmem, &map), 0);
	if (set >= 0)
		((u8 *)map.vaddr)[offset] = set;
	val = ((u8 *)map.vaddr)[offset];
	drm_gem_shmem_vunmap(shmem, &map);
	drm_gem_object_put(obj);
	return val;
}

/* E4M3 1x1x1 -> FP32, with libfpq's defaults; the model computes C[0] = A[0] + B[0]. */
static struct drm_fpq_gemm tiny_op(u32 a, u64 a_off, u32 b, u64 b_off, u32 c, u64 c_off)
{
	return (struct drm_fpq_gemm){
		.m = 1, .n = 1, .k = 1,
		.a = { .handle = a, .format = DRM_FPQ_FMT_E4M3, .offset = a_off },
		.b = { .handle = b, .format = DRM_FPQ_FMT_E4M3, .offset = b_off },
		.c = { .handle = c, .format = DRM_FPQ_FMT_FP32, .offset = c_off },
		.clamp_lo = 0xff800000, .clamp_hi = 0x7f800000,
		.act_min = -128, .act_max = 127,
	};
}

static int submit(struct fpq_test_device *td, struct drm_file *file,
		  const struct drm_fpq_gemm *ops, u32 n, u32 flags, u32 out_syncobj,
		  const u32 *in_syncobjs, u32 n_in, u64 *job_id)
{
	struct fpq_validator v = { .caps = &td->fdev->caps };
	struct drm_fpq_submit args = {
		.ops = 1,	/* not read: the core takes the kernel array */
		.in_syncobjs = n_in ? 1 : 0,
		.op_count = n, .op_size = sizeof(*ops), .in_syncobj_count = n_in,
		.out_syncobj = out_syncobj, .flags = flags,
	};
	int err = fpq_validate_submit(&v, &args);

	if (!err)
		err = fpq_submit(td->fdev, file, &args, ops, in_syncobjs);
	if (!err && job_id)
		*job_id = args.job_id;
	return err;
}

static int wait_job(struct drm_file *file, u64 id, unsigned int ms,
		    struct drm_fpq_job_status *st, struct drm_fpq_op_status *ops, u32 n_ops)
{
	struct drm_fpq_wait w = {
		.job_id = id,
		.timeout_ns = ktime_get_ns() + (u64)ms * NSEC_PER_MSEC,
		.op_status_count = n_ops,
	};
	u32 written;
	int err = fpq_wait(file->driver_priv, &w, ops, &written);

	if (st)
		*st = w.status;
	return err;
}

/* Wait (up to 2 s) until the model's ring holds @n jobs it has not run. */
static bool wait_pending(struct fpq_test_device *td, u32 n)
{
	unsigned int i;

	for (i = 0; i < 100; i++) {
		if (fpq_fake_card_pending(&td->card) >= n)
			return true;
		msleep(20);
	}
	return false;
}

/* Three buffers A, B, C with A[0] = 3 and B[0] = 4. */
static void three_bos(struct kunit *test, struct fpq_test_device *td, struct drm_file *file,
		      u32 *h)
{
	h[0] = bo_create(test, td, file, BO_BYTES);
	h[1] = bo_create(test, td, file, BO_BYTES);
	h[2] = bo_create(test, td, file, BO_BYTES);
	bo_byte(test, file, h[0], 0, 3);
	bo_byte(test, file, h[1], 0, 4);
}

/* Restores a module parameter the test changed. */
struct saved_params {
	unsigned int timeout_ms;
	int poll_ms;
};

static struct saved_params set_params(unsigned int timeout_ms, int poll_ms)
{
	struct saved_params old = { fpq_timeout_ms, fpq_poll_ms };

	fpq_timeout_ms = timeout_ms;
	fpq_poll_ms = poll_ms;
	return old;
}

static void restore_params(struct saved_params old)
{
	fpq_timeout_ms = old.timeout_ms;
	fpq_poll_ms = old.poll_ms;
}

/* ---- tests ---------------------------------------------------------------------------- */

static void fpq_job_roundtrip(struct kunit *test)
{
	struct fpq_test_device *td = fpq_test_device_create(test, true);
	struct drm_file *file = fpq_test_file_open(test, td);
	struct drm_fpq_gemm op;
	struct drm_fpq_job_status st;
	struct drm_fpq_op_status ops[2];
	struct drm_fpq_bo_info info = {};
	u32 h[3];
	u64 id;

	three_bos(test, td, file, h);
	op = tiny_op(h[0], 0, h[1], 0, h[2], 0);
	KUNIT_ASSERT_EQ(test, submit(td, file, &op, 1, 0, 0, NULL, 0, &id), 0);
	KUNIT_EXPECT_EQ(test, id, 1ull);
	memset(ops, 0xff, sizeof(ops));
	/* More records than the job has operations: refused, the job stays. */
	KUNIT_EXPECT_EQ(test, wait_job(file, id, 2000, &st, ops, 2), -EINVAL);
	KUNIT_ASSERT_EQ(test, wait_job(file, id, 2000, &st, ops, 1), 0);
	KUNIT_EXPECT_EQ(test, st.error, 0);
	KUNIT_EXPECT_EQ(test, st.hw_error, 0u);
	KUNIT_EXPECT_EQ(test, st.ops_done, 1u);
	KUNIT_EXPECT_EQ(test, st.cycles, 5000ull);
	KUNIT_EXPECT_EQ(test, st.clamped, 1ull);
	KUNIT_EXPECT_EQ(test, ops[0].clamped, 1ull);
	KUNIT_EXPECT_EQ(test, ops[0].saturated, 2ull);
	KUNIT_EXPECT_EQ(test, ops[0].nan_to_zero, 3ull);
	KUNIT_EXPECT_EQ(test, ops[0].overflowed, 4ull);
	KUNIT_EXPECT_EQ(test, ops[0].cycles, 1000ull);
	KUNIT_EXPECT_EQ(test, ops[1].clamped, U64_MAX);	/* beyond the count: untouched */
	/* The model reached the buffers through the job's page table. */
	KUNIT_EXPECT_EQ(test, bo_byte(test, file, h[2], 0, -1), 7);
	KUNIT_EXPECT_EQ(test, wait_job(file, id, 0, NULL, NULL, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, atomic64_read(&td->fdev->stats.completed), 1ll);
	KUNIT_EXPECT_GE(test, atomic64_read(&td->fdev->stats.interrupts), 1ll);

	info.handle = h[2];
	KUNIT_EXPECT_EQ(test, fpq_ioctl_bo_info(&td->fdev->drm, &info, file), 0);
	KUNIT_EXPECT_EQ(test, info.size, (u64)BO_BYTES);
	KUNIT_EXPECT_NE(test, info.mmap_offset, 0ull);

	fpq_test_file_close(td, file);
	fpq_test_device_destroy(td);
}

/* Several operations in one job, run in order, each with its own record. */
static void fpq_job_multi_op(struct kunit *test)
{
	struct fpq_test_device *td = fpq_test_device_create(test, true);
	struct drm_file *file = fpq_test_file_open(test, td);
	struct drm_fpq_gemm op[3];
	struct drm_fpq_op_status ops[3];
	struct drm_fpq_job_status st;
	u32 h[3], i;
	u64 id;

	three_bos(test, td, file, h);
	for (i = 0; i < 3; i++) {
		bo_byte(test, file, h[0], 100 + i, 10 * i);
		op[i] = tiny_op(h[0], 100 + i, h[1], 0, h[2], 8 * i);
	}
	KUNIT_ASSERT_EQ(test, submit(td, file, op, 3, 0, 0, NULL, 0, &id), 0);
	KUNIT_ASSERT_EQ(test, wait_job(file, id, 2000, &st, ops, 3), 0);
	KUNIT_EXPECT_EQ(test, st.error, 0);
	KUNIT_EXPECT_EQ(test, st.ops_done, 3u);
	KUNIT_EXPECT_EQ(test, st.clamped, 6ull);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, ops[i].clamped, (u64)i + 1);
		KUNIT_EXPECT_EQ(test, ops[i].cycles, 1000ull + i);
		KUNIT_EXPECT_EQ(test, bo_byte(test, file, h[2], 8 * i, -1), 10 * i + 4);
	}
	fpq_test_file_close(td, file);
	fpq_test_device_destroy(td);
}

/* One client can never name another client's buffers or jobs. */
static void fpq_job_isolation(struct kunit *test)
{
	struct fpq_test_device *td = fpq_test_device_create(test, true);
	struct drm_file *f1 = fpq_test_file_open(test, td);
	struct drm_file *f2 = fpq_test_file_open(test, td);
	struct drm_fpq_gemm op;
	struct drm_fpq_job_status st;
	struct drm_fpq_bo_info info = {};
	u32 h1[3], h2;
	u64 id1, id2;

	three_bos(test, td, f1, h1);
	op = tiny_op(h1[0], 0, h1[1], 0, h1[2], 0);
	/* f2 has no buffers: f1's handle numbers mean nothing there. */
	KUNIT_EXPECT_EQ(test, submit(td, f2, &op, 1, 0, 0, NULL, 0, NULL), -ENOENT);
	info.handle = h1[0];
	KUNIT_EXPECT_EQ(test, fpq_ioctl_bo_info(&td->fdev->drm, &info, f2), -ENOENT);

	/* Same handle number in f2 names f2's own buffer. */
	h2 = bo_create(test, td, f2, BO_BYTES);
	KUNIT_EXPECT_EQ(test, h2, h1[0]);
	bo_byte(test, f2, h2, 0, 50);
	bo_byte(test, f2, h2, 8, 5);
	op = tiny_op(h2, 0, h2, 8, h2, 16);
	KUNIT_ASSERT_EQ(test, submit(td, f2, &op, 1, 0, 0, NULL, 0, &id2), 0);
	op = tiny_op(h1[0], 0, h1[1], 0, h1[2], 0);
	KUNIT_ASSERT_EQ(test, submit(td, f1, &op, 1, 0, 0, NULL, 0, &id1), 0);
	KUNIT_EXPECT_EQ(test, id1, id2);	/* job identities are per file too */
	KUNIT_ASSERT_EQ(test, wait_job(f2, id2, 2000, &st, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, st.error, 0);
	KUNIT_EXPECT_EQ(test, bo_byte(test, f2, h2, 16, -1), 55);
	KUNIT_EXPECT_EQ(test, bo_byte(test, f1, h1[2], 0, -1), 7);
	/* f2 collected its job 1; f1's job 1 is still f1's to collect. */
	KUNIT_EXPECT_EQ(test, wait_job(f2, id1, 0, NULL, NULL, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, wait_job(f1, id1, 2000, &st, NULL, 0), 0);

	fpq_test_file_close(td, f2);
	fpq_test_file_close(td, f1);
	fpq_test_device_destroy(td);
}

/* A job the card fails reports the cause; the card goes on with the next job. */
static void fpq_job_card_error(struct kunit *test)
{
	struct fpq_test_device *td = fpq_test_device_create(test, true);
	struct drm_file *file = fpq_test_file_open(test, td);
	struct drm_fpq_op_status ops[1];
	struct drm_fpq_job_status st;
	struct drm_syncobj *syncobj;
	struct dma_fence *fence;
	struct drm_fpq_gemm op;
	u32 h[3], sh;
	u64 id;

	three_bos(test, td, file, h);
	KUNIT_ASSERT_EQ(test, drm_syncobj_create(&syncobj, 0, NULL), 0);
	KUNIT_ASSERT_EQ(test, drm_syncobj_get_handle(file, syncobj, &sh), 0);
	op = tiny_op(h[0], 0, h[1], 0, h[2], 0);

	td->card.regs[FPQ_REG_FAULT_INJECT / 4] = FPQ_REG_FAULT_INJECT_DMA_READ_MASK;
	KUNIT_ASSERT_EQ(test, submit(td, file, &op, 1, 0, sh, NULL, 0, &id), 0);
	KUNIT_ASSERT_EQ(test, wait_job(file, id, 2000, &st, ops, 1), 0);
	KUNIT_EXPECT_EQ(test, st.error, -EIO);
	KUNIT_EXPECT_EQ(test, st.hw_error, (u32)FPQ_HW_ERR_DMA_READ);
	KUNIT_EXPECT_EQ(test, st.ops_done, 0u);
	KUNIT_EXPECT_EQ(test, ops[0].clamped | ops[0].cycles, 0ull);
	KUNIT_EXPECT_EQ(test, bo_byte(test, file, h[2], 0, -1), 0);
	fence = drm_syncobj_fence_get(syncobj);
	KUNIT_ASSERT_NOT_NULL(test, fence);
	KUNIT_EXPECT_TRUE(test, dma_fence_is_signaled(fence));
	KUNIT_EXPECT_EQ(test, fence->error, -EIO);
	dma_fence_put(fence);
	KUNIT_EXPECT_EQ(test, td->fdev->last_error.cause, (u32)FPQ_HW_ERR_DMA_READ);

	/* An address-translation failure reads as -EFAULT. */
	td->card.force_status = FPQ_HW_ERR_PAGE_PERMISSION;
	KUNIT_ASSERT_EQ(test, submit(td, file, &op, 1, 0, 0, NULL, 0, &id), 0);
	KUNIT_ASSERT_EQ(test, wait_job(file, id, 2000, &st, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, st.error, -EFAULT);

	KUNIT_ASSERT_EQ(test, submit(td, file, &op, 1, 0, 0, NULL, 0, &id), 0);
	KUNIT_ASSERT_EQ(test, wait_job(file, id, 2000, &st, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, st.error, 0);
	KUNIT_EXPECT_EQ(test, bo_byte(test, file, h[2], 0, -1), 7);
	KUNIT_EXPECT_EQ(test, atomic64_read(&td->fdev->stats.failed), 2ll);
	KUNIT_EXPECT_EQ(test, atomic64_read(&td->fdev->stats.resets), 0ll);

	drm_syncobj_put(syncobj);
	fpq_test_file_close(td, file);
	fpq_test_device_destroy(td);
}

/*
 * A hung job times out within the timeout plus slack and fails with -ETIMEDOUT; the
 * card is reset; another client's queued job runs again and succeeds, and so does
 * the next one.
 */
static void fpq_job_timeout_recovery(struct kunit *test)
{
	struct saved_params saved = set_params(200, -1);
	struct fpq_test_device *td = fpq_test_device_create(test, true);
	struct drm_file *f1 = fpq_test_file_open(test, td);
	struct drm_file *f2 = fpq_test_file_open(test, td);
	struct drm_fpq_job_status st;
	struct drm_fpq_gemm op1, op2;
	u32 h1[3], h2[3];
	u64 id1, id2, id3;
	ktime_t t0;
	s64 ms;

	restore_params(saved);
	three_bos(test, td, f1, h1);
	three_bos(test, td, f2, h2);
	op1 = tiny_op(h1[0], 0, h1[1], 0, h1[2], 0);
	op2 = tiny_op(h2[0], 0, h2[1], 0, h2[2], 0);

	td->card.regs[FPQ_REG_FAULT_INJECT / 4] = FPQ_REG_FAULT_INJECT_HANG_MASK;
	t0 = ktime_get();
	KUNIT_ASSERT_EQ(test, submit(td, f1, &op1, 1, 0, 0, NULL, 0, &id1), 0);
	KUNIT_ASSERT_EQ(test, submit(td, f2, &op2, 1, 0, 0, NULL, 0, &id2), 0);
	KUNIT_ASSERT_EQ(test, wait_job(f1, id1, 5000, &st, NULL, 0), 0);
	ms = ktime_ms_delta(ktime_get(), t0);
	KUNIT_EXPECT_EQ(test, st.error, -ETIMEDOUT);
	KUNIT_EXPECT_GE(test, ms, 200ll);
	KUNIT_EXPECT_LT(test, ms, 200ll + 2000);
	KUNIT_EXPECT_EQ(test, bo_byte(test, f1, h1[2], 0, -1), 0);

	KUNIT_ASSERT_EQ(test, wait_job(f2, id2, 5000, &st, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, st.error, 0);
	KUNIT_EXPECT_EQ(test, bo_byte(test, f2, h2[2], 0, -1), 7);
	KUNIT_EXPECT_EQ(test, atomic64_read(&td->fdev->stats.timeouts), 1ll);
	KUNIT_EXPECT_EQ(test, atomic64_read(&td->fdev->stats.resets), 1ll);
	KUNIT_EXPECT_FALSE(test, td->card.hung);

	/* The guilty client is not banned: its next job runs. */
	KUNIT_ASSERT_EQ(test, submit(td, f1, &op1, 1, 0, 0, NULL, 0, &id3), 0);
	KUNIT_ASSERT_EQ(test, wait_job(f1, id3, 5000, &st, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, st.error, 0);
	KUNIT_EXPECT_EQ(test, bo_byte(test, f1, h1[2], 0, -1), 7);

	fpq_test_file_close(td, f2);
	fpq_test_file_close(td, f1);
	fpq_test_device_destroy(td);
}

/* A job the card completed before the hang keeps its result and is not run again. */
static void fpq_job_completed_before_hang_kept(struct kunit *test)
{
	struct saved_params saved = set_params(200, -1);
	struct fpq_test_device *td = fpq_test_device_create(test, false);
	struct drm_file *file = fpq_test_file_open(test, td);
	struct drm_fpq_job_status st;
	struct drm_fpq_gemm op;
	u32 h[3];
	u64 id1, id2;

	restore_params(saved);
	three_bos(test, td, file, h);
	op = tiny_op(h[0], 0, h[1], 0, h[2], 0);
	KUNIT_ASSERT_EQ(test, submit(td, file, &op, 1, 0, 0, NULL, 0, &id1), 0);
	KUNIT_ASSERT_EQ(test, submit(td, file, &op, 1, 0, 0, NULL, 0, &id2), 0);
	KUNIT_ASSERT_TRUE(test, wait_pending(td, 2));
	/* The first completes without an interrupt; the second hangs. */
	KUNIT_EXPECT_EQ(test, fpq_fake_card_step(&td->card, 1), 1u);
	td->card.regs[FPQ_REG_FAULT_INJECT / 4] = FPQ_REG_FAULT_INJECT_HANG_MASK;
	KUNIT_EXPECT_EQ(test, fpq_fake_card_step(&td->card, 1), 0u);
	KUNIT_EXPECT_TRUE(test, td->card.hung);

	KUNIT_ASSERT_EQ(test, wait_job(file, id1, 5000, &st, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, st.error, 0);
	KUNIT_ASSERT_EQ(test, wait_job(file, id2, 5000, &st, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, st.error, -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, td->card.jobs_run, 1u);
	KUNIT_EXPECT_EQ(test, atomic64_read(&td->fdev->stats.timeouts), 1ll);

	fpq_test_file_close(td, file);
	fpq_test_device_destroy(td);
}

/* Removal ends every job on the card, and every later one, with -ENODEV. */
static void fpq_job_unplug(struct kunit *test)
{
	struct fpq_test_device *td = fpq_test_device_create(test, false);
	struct drm_file *file = fpq_test_file_open(test, td);
	struct drm_fpq_job_status st;
	struct drm_syncobj *syncobj;
	struct dma_fence *fence;
	struct drm_fpq_gemm op;
	u32 h[3], sh;
	u64 id1, id2, id3;

	three_bos(test, td, file, h);
	KUNIT_ASSERT_EQ(test, drm_syncobj_create(&syncobj, 0, NULL), 0);
	KUNIT_ASSERT_EQ(test, drm_syncobj_get_handle(file, syncobj, &sh), 0);
	op = tiny_op(h[0], 0, h[1], 0, h[2], 0);
	KUNIT_ASSERT_EQ(test, submit(td, file, &op, 1, 0, 0, NULL, 0, &id1), 0);
	KUNIT_ASSERT_EQ(test, submit(td, file, &op, 1, 0, sh, NULL, 0, &id2), 0);
	KUNIT_ASSERT_TRUE(test, wait_pending(td, 2));

	fpq_test_device_unplug(td);
	KUNIT_ASSERT_EQ(test, wait_job(file, id1, 2000, &st, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, st.error, -ENODEV);
	KUNIT_ASSERT_EQ(test, wait_job(file, id2, 2000, &st, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, st.error, -ENODEV);
	fence = drm_syncobj_fence_get(syncobj);
	KUNIT_ASSERT_NOT_NULL(test, fence);
	KUNIT_EXPECT_EQ(test, dma_fence_wait_timeout(fence, false, HZ) > 0, true);
	KUNIT_EXPECT_EQ(test, fence->error, -ENODEV);
	dma_fence_put(fence);

	/* A job queued after the removal never reaches the card. */
	KUNIT_ASSERT_EQ(test, submit(td, file, &op, 1, 0, 0, NULL, 0, &id3), 0);
	KUNIT_ASSERT_EQ(test, wait_job(file, id3, 2000, &st, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, st.error, -ENODEV);
	KUNIT_EXPECT_EQ(test, td->card.jobs_run, 0u);

	drm_syncobj_put(syncobj);
	fpq_test_file_close(td, file);
	fpq_test_device_destroy(td);
}

/* More jobs than ring entries, several times around: indices wrap, all complete. */
static void fpq_job_ring_wraps(struct kunit *test)
{
	struct fpq_test_device *td = fpq_test_device_create(test, true);
	struct drm_file *file = fpq_test_file_open(test, td);
	u32 n = 3 * fpq_ring_size(&td->fdev->ring) + 5, i, h[3];
	struct drm_fpq_job_status st;
	struct drm_fpq_gemm op;
	u64 *ids;

	ids = kunit_kcalloc(test, n, sizeof(*ids), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ids);
	three_bos(test, td, file, h);
	op = tiny_op(h[0], 0, h[1], 0, h[2], 0);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, submit(td, file, &op, 1, 0, 0, NULL, 0, &ids[i]), 0);
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_EQ(test, wait_job(file, ids[i], 5000, &st, NULL, 0), 0);
		KUNIT_EXPECT_EQ(test, st.error, 0);
	}
	KUNIT_EXPECT_EQ(test, td->card.jobs_run, n);
	KUNIT_EXPECT_EQ(test, td->fdev->ring.tail, n);
	KUNIT_EXPECT_EQ(test, td->fdev->ring.head, n);
	KUNIT_EXPECT_EQ(test, td->card.head, n);

	fpq_test_file_close(td, file);
	fpq_test_device_destroy(td);
}

/* Without any interrupt, the poller completes jobs. */
static void fpq_job_polling(struct kunit *test)
{
	struct saved_params saved = set_params(5000, 1);
	struct fpq_test_device *td = fpq_test_device_create(test, true);
	struct drm_file *file = fpq_test_file_open(test, td);
	struct drm_fpq_job_status st;
	struct drm_fpq_gemm op;
	u32 h[3];
	u64 id;

	restore_params(saved);
	td->card.no_irq = true;
	KUNIT_EXPECT_NE(test, td->fdev->poll_interval, 0ul);
	three_bos(test, td, file, h);
	op = tiny_op(h[0], 0, h[1], 0, h[2], 0);
	KUNIT_ASSERT_EQ(test, submit(td, file, &op, 1, 0, 0, NULL, 0, &id), 0);
	KUNIT_ASSERT_EQ(test, wait_job(file, id, 2000, &st, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, st.error, 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&td->fdev->stats.interrupts), 0ll);
	KUNIT_EXPECT_GE(test, atomic64_read(&td->fdev->stats.polls), 1ll);

	fpq_test_file_close(td, file);
	fpq_test_device_destroy(td);
}

/* The interrupt of another function (co-simulation shim) completes jobs. */
static void fpq_job_external_irq(struct kunit *test)
{
	struct fpq_test_device *td = fpq_test_device_create(test, true);
	struct drm_file *file = fpq_test_file_open(test, td);
	struct pci_dev *card_fn = kunit_kzalloc(test, sizeof(*card_fn), GFP_KERNEL);
	struct pci_dev *other_fn = kunit_kzalloc(test, sizeof(*other_fn), GFP_KERNEL);
	struct drm_fpq_job_status st;
	struct drm_fpq_gemm op;
	u32 h[3];
	u64 id;

	KUNIT_ASSERT_NOT_NULL(test, card_fn);
	KUNIT_ASSERT_NOT_NULL(test, other_fn);
	td->card.no_irq = true;
	td->fdev->pdev = card_fn;	/* what the hook matches on */
	three_bos(test, td, file, h);
	op = tiny_op(h[0], 0, h[1], 0, h[2], 0);
	KUNIT_ASSERT_EQ(test, submit(td, file, &op, 1, 0, 0, NULL, 0, &id), 0);
	KUNIT_EXPECT_EQ(test, wait_job(file, id, 300, &st, NULL, 0), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, td->card.jobs_run, 1u);
	KUNIT_EXPECT_EQ(test, fpq_external_irq(other_fn, 0), IRQ_NONE);
	KUNIT_EXPECT_EQ(test, fpq_external_irq(NULL, 0), IRQ_NONE);
	KUNIT_EXPECT_EQ(test, fpq_external_irq(card_fn, 0), IRQ_HANDLED);
	KUNIT_EXPECT_EQ(test, fpq_external_irq(card_fn, 0), IRQ_NONE);	/* acknowledged */
	KUNIT_ASSERT_EQ(test, wait_job(file, id, 2000, &st, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, st.error, 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&td->fdev->stats.interrupts), 1ll);

	fpq_test_file_close(td, file);
	td->fdev->pdev = NULL;
	fpq_test_device_destroy(td);
	/* After removal the hook no longer reaches the device. */
	KUNIT_EXPECT_EQ(test, fpq_external_irq(card_fn, 0), IRQ_NONE);
}

static void fpq_job_wait_semantics(struct kunit *test)
{
	struct fpq_test_device *td = fpq_test_device_create(test, false);
	struct drm_file *file = fpq_test_file_open(test, td);
	struct drm_fpq_job_status st;
	struct drm_syncobj *syncobj;
	struct dma_fence *fence;
	struct drm_fpq_gemm op;
	u32 h[3], sh;
	u64 id, id2;

	three_bos(test, td, file, h);
	op = tiny_op(h[0], 0, h[1], 0, h[2], 0);
	KUNIT_ASSERT_EQ(test, submit(td, file, &op, 1, 0, 0, NULL, 0, &id), 0);
	KUNIT_ASSERT_TRUE(test, wait_pending(td, 1));
	/* A deadline in the past polls. */
	KUNIT_EXPECT_EQ(test, wait_job(file, id, 0, &st, NULL, 0), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, wait_job(file, id, 50, &st, NULL, 0), -ETIMEDOUT);
	fpq_fake_card_step(&td->card, 1);
	fpq_fake_card_irq(&td->card);
	KUNIT_EXPECT_EQ(test, wait_job(file, id, 0, &st, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, wait_job(file, id, 0, &st, NULL, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, wait_job(file, 12345, 0, &st, NULL, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, wait_job(file, 0, 0, &st, NULL, 0), -ENOENT);

	/* A detached job keeps no status, but its fence works. */
	KUNIT_ASSERT_EQ(test, drm_syncobj_create(&syncobj, 0, NULL), 0);
	KUNIT_ASSERT_EQ(test, drm_syncobj_get_handle(file, syncobj, &sh), 0);
	KUNIT_ASSERT_EQ(test, submit(td, file, &op, 1, DRM_FPQ_SUBMIT_DETACHED, sh, NULL, 0,
				     &id2), 0);
	KUNIT_EXPECT_EQ(test, id2, id + 1);
	KUNIT_EXPECT_EQ(test, wait_job(file, id2, 0, &st, NULL, 0), -ENOENT);
	KUNIT_ASSERT_TRUE(test, wait_pending(td, 1));
	fpq_fake_card_step(&td->card, 1);
	fpq_fake_card_irq(&td->card);
	fence = drm_syncobj_fence_get(syncobj);
	KUNIT_ASSERT_NOT_NULL(test, fence);
	KUNIT_EXPECT_GT(test, dma_fence_wait_timeout(fence, false, 2 * HZ), 0l);
	KUNIT_EXPECT_EQ(test, fence->error, 0);
	dma_fence_put(fence);
	KUNIT_EXPECT_EQ(test, atomic_read(&((struct fpq_file *)file->driver_priv)->uncollected),
			0);
	drm_syncobj_put(syncobj);

	/* Unknown syncobjs are refused before anything is queued. */
	KUNIT_EXPECT_EQ(test, submit(td, file, &op, 1, 0, 999, NULL, 0, NULL), -ENOENT);
	KUNIT_EXPECT_EQ(test, submit(td, file, &op, 1, 0, 0, &sh, 1, NULL), 0);
	sh = 998;
	KUNIT_EXPECT_EQ(test, submit(td, file, &op, 1, 0, 0, &sh, 1, NULL), -ENOENT);

	fpq_test_file_close(td, file);
	fpq_test_device_destroy(td);
}

/* At most DRM_FPQ_MAX_UNCOLLECTED statuses wait to be collected. */
static void fpq_job_uncollected_limit(struct kunit *test)
{
	struct fpq_test_device *td = fpq_test_device_create(test, true);
	struct drm_file *file = fpq_test_file_open(test, td);
	struct drm_fpq_job_status st;
	struct drm_fpq_gemm op;
	u32 h[3], i;
	u64 id, first = 0;

	three_bos(test, td, file, h);
	op = tiny_op(h[0], 0, h[1], 0, h[2], 0);
	for (i = 0; i < DRM_FPQ_MAX_UNCOLLECTED; i++) {
		KUNIT_ASSERT_EQ(test, submit(td, file, &op, 1, 0, 0, NULL, 0, &id), 0);
		if (!first)
			first = id;
	}
	KUNIT_EXPECT_EQ(test, submit(td, file, &op, 1, 0, 0, NULL, 0, NULL), -EBUSY);
	KUNIT_EXPECT_EQ(test, submit(td, file, &op, 1, DRM_FPQ_SUBMIT_DETACHED, 0, NULL, 0,
				     NULL), 0);
	KUNIT_ASSERT_EQ(test, wait_job(file, first, 5000, &st, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, submit(td, file, &op, 1, 0, 0, NULL, 0, NULL), 0);
	/* Closing with uncollected statuses frees them. */
	fpq_test_file_close(td, file);
	fpq_test_device_destroy(td);
}

static const char *gate_name(struct dma_fence *fence)
{
	return "fpq-kunit-gate";
}

static const struct dma_fence_ops gate_ops = {
	.get_driver_name = gate_name,
	.get_timeline_name = gate_name,
};

static DEFINE_SPINLOCK(gate_lock);

/* A job waits for its input syncobjs before it reaches the card. */
static void fpq_job_in_syncobj(struct kunit *test)
{
	struct fpq_test_device *td = fpq_test_device_create(test, true);
	struct drm_file *file = fpq_test_file_open(test, td);
	struct drm_fpq_job_status st;
	struct drm_syncobj *syncobj;
	struct dma_fence *gate;
	struct drm_fpq_gemm op;
	u32 h[3], sh;
	u64 id;

	gate = kzalloc(sizeof(*gate), GFP_KERNEL);	/* freed by its last dma_fence_put() */
	KUNIT_ASSERT_NOT_NULL(test, gate);
	dma_fence_init(gate, &gate_ops, &gate_lock, dma_fence_context_alloc(1), 1);
	KUNIT_ASSERT_EQ(test, drm_syncobj_create(&syncobj, 0, gate), 0);
	KUNIT_ASSERT_EQ(test, drm_syncobj_get_handle(file, syncobj, &sh), 0);
	three_bos(test, td, file, h);
	op = tiny_op(h[0], 0, h[1], 0, h[2], 0);
	KUNIT_ASSERT_EQ(test, submit(td, file, &op, 1, 0, 0, &sh, 1, &id), 0);
	KUNIT_EXPECT_EQ(test, wait_job(file, id, 200, &st, NULL, 0), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, td->card.doorbells, 1u);	/* only the start-up one */
	dma_fence_signal(gate);
	KUNIT_ASSERT_EQ(test, wait_job(file, id, 2000, &st, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, st.error, 0);
	KUNIT_EXPECT_EQ(test, bo_byte(test, file, h[2], 0, -1), 7);

	drm_syncobj_put(syncobj);
	fpq_test_file_close(td, file);
	fpq_test_device_destroy(td);
	dma_fence_put(gate);
}

/* What only the submit path can refuse: buffers, address space, job fields. */
static void fpq_job_submit_rejects(struct kunit *test)
{
	struct fpq_test_device *td = fpq_test_device_create(test, true);
	struct drm_file *file = fpq_test_file_open(test, td);
	struct drm_fpq_gemm op[2];
	u32 h[3];

	three_bos(test, td, file, h);
	op[0] = tiny_op(h[0], 0, h[1], 0, h[2], 0);
	op[1] = tiny_op(h[0], 0, h[1], BO_BYTES, h[2], 0);	/* B past its buffer */
	KUNIT_EXPECT_EQ(test, submit(td, file, op, 2, 0, 0, NULL, 0, NULL), -EINVAL);
	op[1] = tiny_op(h[0], 0, h[1], 0, 77, 0);
	KUNIT_EXPECT_EQ(test, submit(td, file, op, 2, 0, 0, NULL, 0, NULL), -ENOENT);
	KUNIT_EXPECT_EQ(test, submit(td, file, op, 0, 0, 0, NULL, 0, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, submit(td, file, op, 1, 2, 0, NULL, 0, NULL), -EINVAL);
	/* Three one-page buffers with guards do not fit a 20 KiB address space. */
	td->fdev->va_size = 5 * BO_BYTES;
	KUNIT_EXPECT_EQ(test, submit(td, file, op, 1, 0, 0, NULL, 0, NULL), -E2BIG);
	td->fdev->va_size = 7 * BO_BYTES;
	KUNIT_EXPECT_EQ(test, submit(td, file, op, 1, 0, 0, NULL, 0, NULL), 0);
	/* Nothing of the refused jobs stayed behind. */
	KUNIT_EXPECT_EQ(test, atomic64_read(&td->fdev->stats.submitted), 1ll);
	KUNIT_EXPECT_EQ(test, atomic_read(&((struct fpq_file *)file->driver_priv)->uncollected),
			1);

	fpq_test_file_close(td, file);
	fpq_test_device_destroy(td);
}

static void fpq_job_bo_ioctls(struct kunit *test)
{
	struct fpq_test_device *td = fpq_test_device_create(test, true);
	struct drm_file *file = fpq_test_file_open(test, td);
	struct drm_fpq_bo_create c = { .size = 1 };
	struct drm_fpq_bo_info info = {};

	KUNIT_ASSERT_EQ(test, fpq_ioctl_bo_create(&td->fdev->drm, &c, file), 0);
	KUNIT_EXPECT_EQ(test, c.size, (u64)PAGE_SIZE);
	info.handle = c.handle;
	KUNIT_ASSERT_EQ(test, fpq_ioctl_bo_info(&td->fdev->drm, &info, file), 0);
	KUNIT_EXPECT_EQ(test, info.size, (u64)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, info.mmap_offset, c.mmap_offset);
	KUNIT_EXPECT_EQ(test, info.flags, 0u);

	c = (struct drm_fpq_bo_create){ .size = 0 };
	KUNIT_EXPECT_EQ(test, fpq_ioctl_bo_create(&td->fdev->drm, &c, file), -EINVAL);
	c = (struct drm_fpq_bo_create){ .size = 4096, .flags = 1 };
	KUNIT_EXPECT_EQ(test, fpq_ioctl_bo_create(&td->fdev->drm, &c, file), -EINVAL);
	c = (struct drm_fpq_bo_create){ .size = td->fdev->caps.max_bo_size + 1 };
	KUNIT_EXPECT_EQ(test, fpq_ioctl_bo_create(&td->fdev->drm, &c, file), -EINVAL);
	c = (struct drm_fpq_bo_create){ .size = U64_MAX };
	KUNIT_EXPECT_EQ(test, fpq_ioctl_bo_create(&td->fdev->drm, &c, file), -EINVAL);
	info.handle = 0;
	KUNIT_EXPECT_EQ(test, fpq_ioctl_bo_info(&td->fdev->drm, &info, file), -ENOENT);
	info.handle = 4242;
	KUNIT_EXPECT_EQ(test, fpq_ioctl_bo_info(&td->fdev->drm, &info, file), -ENOENT);
	KUNIT_EXPECT_LE(test, td->fdev->caps.max_bo_size, td->fdev->va_size - 2 * PAGE_SIZE);

	fpq_test_file_close(td, file);
	fpq_test_device_destroy(td);
}

/* Jobs still on the card when their file closes finish and free themselves. */
static void fpq_job_close_with_jobs_on_card(struct kunit *test)
{
	struct fpq_test_device *td = fpq_test_device_create(test, false);
	struct drm_file *file = fpq_test_file_open(test, td);
	struct drm_fpq_gemm op;
	unsigned int i;
	u32 h[3];

	three_bos(test, td, file, h);
	op = tiny_op(h[0], 0, h[1], 0, h[2], 0);
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_EQ(test, submit(td, file, &op, 1, 0, 0, NULL, 0, NULL), 0);
	KUNIT_ASSERT_TRUE(test, wait_pending(td, 3));
	fpq_test_file_close(td, file);
	/* The buffers outlive the file while the card may still use them. */
	KUNIT_EXPECT_EQ(test, fpq_fake_card_step(&td->card, 3), 3u);
	fpq_fake_card_irq(&td->card);
	KUNIT_EXPECT_EQ(test, atomic64_read(&td->fdev->stats.completed), 3ll);
	fpq_test_device_destroy(td);
}

static void fpq_job_get_param(struct kunit *test)
{
	struct fpq_test_device *td = fpq_test_device_create(test, true);
	struct drm_file *file = fpq_test_file_open(test, td);
	struct drm_fpq_get_param p = {};
	unsigned int i;

	KUNIT_ASSERT_STREQ(test, fpq_drm_driver.ioctls[0].name, "FPQ_GET_PARAM");
	for (i = 0; i < DRM_FPQ_PARAM_COUNT; i++) {
		p = (struct drm_fpq_get_param){ .param = i };
		KUNIT_EXPECT_EQ_MSG(test, fpq_drm_driver.ioctls[0].func(&td->fdev->drm, &p, file),
				    0, "param %u", i);
	}
	p = (struct drm_fpq_get_param){ .param = DRM_FPQ_PARAM_ARRAY_ROWS };
	fpq_drm_driver.ioctls[0].func(&td->fdev->drm, &p, file);
	KUNIT_EXPECT_EQ(test, p.value, 8ull);
	p = (struct drm_fpq_get_param){ .param = DRM_FPQ_PARAM_INPUT_FORMATS };
	fpq_drm_driver.ioctls[0].func(&td->fdev->drm, &p, file);
	KUNIT_EXPECT_EQ(test, p.value, 0xfeull);
	p = (struct drm_fpq_get_param){ .param = DRM_FPQ_PARAM_VA_SIZE };
	fpq_drm_driver.ioctls[0].func(&td->fdev->drm, &p, file);
	KUNIT_EXPECT_EQ(test, p.value, 1ull << 30);
	p = (struct drm_fpq_get_param){ .param = DRM_FPQ_PARAM_DRIVER_VERSION };
	fpq_drm_driver.ioctls[0].func(&td->fdev->drm, &p, file);
	KUNIT_EXPECT_EQ(test, p.value >> 32, (u64)FPQ_DRIVER_MAJOR);
	p = (struct drm_fpq_get_param){ .param = DRM_FPQ_PARAM_COUNT };
	KUNIT_EXPECT_EQ(test, fpq_drm_driver.ioctls[0].func(&td->fdev->drm, &p, file), -EINVAL);
	p = (struct drm_fpq_get_param){ .param = U32_MAX };
	KUNIT_EXPECT_EQ(test, fpq_drm_driver.ioctls[0].func(&td->fdev->drm, &p, file), -EINVAL);
	p = (struct drm_fpq_get_param){ .param = 0, .pad = 1 };
	KUNIT_EXPECT_EQ(test, fpq_drm_driver.ioctls[0].func(&td->fdev->drm, &p, file), -EINVAL);

	fpq_test_file_close(td, file);
	fpq_test_device_destroy(td);
}

static struct kunit_case fpq_job_cases[] = {
	KUNIT_CASE(fpq_job_roundtrip),
	KUNIT_CASE(fpq_job_multi_op),
	KUNIT_CASE(fpq_job_isolation),
	KUNIT_CASE(fpq_job_card_error),
	KUNIT_CASE(fpq_job_timeout_recovery),
	KUNIT_CASE(fpq_job_completed_before_hang_kept),
	KUNIT_CASE(fpq_job_unplug),
	KUNIT_CASE(fpq_job_ring_wraps),
	KUNIT_CASE(fpq_job_polling),
	KUNIT_CASE(fpq_job_external_irq),
	KUNIT_CASE(fpq_job_wait_semantics),
	KUNIT_CASE(fpq_job_uncollected_limit),
	KUNIT_CASE(fpq_job_in_syncobj),
	KUNIT_CASE(fpq_job_submit_rejects),
	KUNIT_CASE(fpq_job_bo_ioctls),
	KUNIT_CASE(fpq_job_close_with_jobs_on_card),
	KUNIT_CASE(fpq_job_get_param),
	{}
};

static struct kunit_suite fpq_job_suite = {
	.name = "fpq_job",
	.suite_init = fpq_test_suite_init,
	.suite_exit = fpq_test_suite_exit,
	.exit = fpq_test_case_exit,
	.test_cases = fpq_job_cases,
};

kunit_test_suite(fpq_job_suite);
