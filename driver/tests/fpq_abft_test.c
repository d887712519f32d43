// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_abft_test.c - the card's ABFT checks through the driver, against the card model:
 * CONTROL.ABFT follows CAP_FEATURES.ABFT and the module parameter abft, a job whose
 * tile fails its checksum ends with -EIO, CHECKSUM and the tile and is counted, the
 * next job is exact; the fault_inject commands that arm a PE fault; a requested reset
 * that finds no job on the card does not linger into the next timeout.
 */
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/iosys-map.h>
#include <linux/ktime.h>

#include "../fpq_drv.h"
#include "../fpq_gem.h"
#include "../fpq_hw_regs.h"
#include "../fpq_job.h"
#include "../fpq_submit.h"
#include "../fpq_test_hooks.h"
#include "fpq_test_device.h"

#define BO_BYTES 4096
#define REG(td, r) ((td)->card.regs[(r) / 4])

static u32 bo_create(struct kunit *test, struct fpq_test_device *td, struct drm_file *file)
{
	struct drm_fpq_bo_create args = { .size = BO_BYTES };

	KUNIT_ASSERT_EQ(test, fpq_ioctl_bo_create(&td->fdev->drm, &args, file), 0);
	return args.handle;
}

/* Read (set < 0) or write byte 0 of a buffer. */
static u8 bo_byte0(struct kunit *test, struct drm_file *file, u32 handle, int set)
{
	struct drm_gem_object *obj = drm_gem_object_lookup(file, handle);
	struct iosys_map map;
	u8 val;

	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_ASSERT_EQ(test, drm_gem_shmem_vmap(to_drm_gem_shmem_obj(obj), &map), 0);
	if (set >= 0)
		*(u8 *)map.vaddr = set;
	val = *(u8 *)map.vaddr;
	drm_gem_shmem_vunmap(to_drm_gem_shmem_obj(obj), &map);
	drm_gem_object_put(obj);
	return val;
}

/* INT8 24x17x1 -> INT32: 3x3 tiles of the model's 8x8 array. A[0] = 3, B[0] = 4. */
static struct drm_fpq_gemm int8_op(struct kunit *test, struct fpq_test_device *td,
				   struct drm_file *file)
{
	struct drm_fpq_gemm op = {
		.m = 24, .n = 17, .k = 1,
		.a = { .handle = bo_create(test, td, file), .format = DRM_FPQ_FMT_INT8,
		       .stride = 1 },
		.b = { .handle = bo_create(test, td, file), .format = DRM_FPQ_FMT_INT8,
		       .stride = 17 },
		.c = { .handle = bo_create(test, td, file), .format = DRM_FPQ_FMT_INT32,
		       .stride = 68 },
		.clamp_lo = 0xff800000, .clamp_hi = 0x7f800000,
		.act_min = -128, .act_max = 127,
	};

	bo_byte0(test, file, op.a.handle, 3);
	bo_byte0(test, file, op.b.handle, 4);
	return op;
}

/* Submit one operation and wait up to 5 s for it; 0 or the ioctl error. */
static int run(struct fpq_test_device *td, struct drm_file *file,
	       const struct drm_fpq_gemm *op, struct drm_fpq_job_status *st)
{
	struct fpq_validator v = { .caps = &td->fdev->caps };
	struct drm_fpq_submit args = { .ops = 1, .op_count = 1, .op_size = sizeof(*op) };
	struct drm_fpq_wait w = { .timeout_ns = ktime_get_ns() + 5 * NSEC_PER_SEC };
	u32 written;
	int err;

	err = fpq_validate_submit(&v, &args);
	if (!err)
		err = fpq_submit(td->fdev, file, &args, op, NULL);
	if (err)
		return err;
	w.job_id = args.job_id;
	err = fpq_wait(file->driver_priv, &w, NULL, &written);
	*st = w.status;
	return err;
}

/*
 * A card with ABFT: the driver turns it on; a PE fault in an INT8 job is caught: -EIO,
 * CHECKSUM, the tile, C untouched, counted; the next job is exact.
 */
static void fpq_abft_checksum_fails_job(struct kunit *test)
{
	struct fpq_test_device *td = fpq_test_device_create(test, true);
	struct drm_file *file = fpq_test_file_open(test, td);
	struct fpq_stats *s = &td->fdev->stats;
	struct drm_fpq_job_status st;
	struct drm_fpq_gemm op = int8_op(test, td, file);

	KUNIT_EXPECT_TRUE(test, td->fdev->hw.abft);
	KUNIT_EXPECT_TRUE(test, td->fdev->caps.features & DRM_FPQ_FEATURE_ABFT);
	KUNIT_EXPECT_EQ(test, REG(td, FPQ_REG_CONTROL),
			(u32)(FPQ_REG_CONTROL_ENABLE_MASK | FPQ_REG_CONTROL_ABFT_MASK));

	KUNIT_ASSERT_EQ(test, run(td, file, &op, &st), 0);
	KUNIT_EXPECT_EQ(test, st.error, 0);
	KUNIT_EXPECT_EQ(test, bo_byte0(test, file, op.c.handle, -1), 7);
	KUNIT_EXPECT_EQ(test, REG(td, FPQ_REG_PERF_ABFT_TILES_LO), 1u);

	/* PE (3, 5), accumulator bit 2, at the fifth tile: row 8, column 8. */
	KUNIT_ASSERT_EQ(test, fpq_test_hooks_inject(td->fdev, "pe 3 5 2 acc 4\n"), 0);
	KUNIT_EXPECT_EQ(test, REG(td, FPQ_REG_FAULT_PE), 0x00020503u);
	KUNIT_EXPECT_EQ(test, REG(td, FPQ_REG_FAULT_PE_CYCLE), 4u);
	KUNIT_EXPECT_EQ(test, REG(td, FPQ_REG_FAULT_INJECT), (u32)FPQ_REG_FAULT_INJECT_PE_MASK);
	bo_byte0(test, file, op.c.handle, 0x55);
	KUNIT_ASSERT_EQ(test, run(td, file, &op, &st), 0);
	KUNIT_EXPECT_EQ(test, st.error, -EIO);
	KUNIT_EXPECT_EQ(test, st.hw_error, (u32)FPQ_HW_ERR_CHECKSUM);
	KUNIT_EXPECT_EQ(test, st.fault_addr, 8ull | 8ull << 16);
	KUNIT_EXPECT_EQ(test, st.ops_done, 0u);
	/* Not run again: a stuck PE would fail again; libfpq decides (re-run, CPU). */
	KUNIT_EXPECT_EQ(test, st.runs, 1u);
	KUNIT_EXPECT_EQ(test, bo_byte0(test, file, op.c.handle, -1), 0x55);
	KUNIT_EXPECT_EQ(test, td->fdev->last_error.cause, (u32)FPQ_HW_ERR_CHECKSUM);
	KUNIT_EXPECT_EQ(test, td->fdev->last_error.addr, 8ull | 8ull << 16);
	KUNIT_EXPECT_EQ(test, atomic64_read(&s->faults_checksum), 1ll);
	KUNIT_EXPECT_EQ(test, atomic64_read(&s->faults_desc), 0ll);
	KUNIT_EXPECT_EQ(test, atomic64_read(&s->faults_dma), 0ll);
	KUNIT_EXPECT_EQ(test, atomic64_read(&s->failed), 1ll);
	KUNIT_EXPECT_EQ(test, atomic64_read(&s->resets), 0ll);
	KUNIT_EXPECT_EQ(test, REG(td, FPQ_REG_PERF_ABFT_ERRORS_LO), 1u);

	KUNIT_ASSERT_EQ(test, run(td, file, &op, &st), 0);
	KUNIT_EXPECT_EQ(test, st.error, 0);
	KUNIT_EXPECT_EQ(test, bo_byte0(test, file, op.c.handle, -1), 7);
	KUNIT_EXPECT_EQ(test, atomic64_read(&s->completed), 2ll);
	KUNIT_EXPECT_EQ(test, atomic64_read(&s->submitted),
			atomic64_read(&s->completed) + atomic64_read(&s->failed));

	/* Float operations are not checked: the model's fault then goes unnoticed. */
	op.a.format = DRM_FPQ_FMT_E4M3;
	op.b.format = DRM_FPQ_FMT_E4M3;
	op.c.format = DRM_FPQ_FMT_FP32;
	KUNIT_ASSERT_EQ(test, fpq_test_hooks_inject(td->fdev, "pe 0 0 0 acc 0"), 0);
	KUNIT_ASSERT_EQ(test, run(td, file, &op, &st), 0);
	KUNIT_EXPECT_EQ(test, st.error, 0);
	KUNIT_EXPECT_EQ(test, bo_byte0(test, file, op.c.handle, -1), 6);
	KUNIT_EXPECT_EQ(test, atomic64_read(&s->faults_checksum), 1ll);

	fpq_test_file_close(td, file);
	fpq_test_device_destroy(td);
}

/* abft=0: the card's checks stay off, and a PE fault corrupts C without an error. */
static void fpq_abft_off_by_parameter(struct kunit *test)
{
	bool saved = fpq_abft;
	struct fpq_test_device *td;
	struct drm_fpq_job_status st;
	struct drm_fpq_gemm op;
	struct drm_file *file;

	fpq_abft = false;
	td = fpq_test_device_create(test, true);
	fpq_abft = saved;
	file = fpq_test_file_open(test, td);
	op = int8_op(test, td, file);
	KUNIT_EXPECT_FALSE(test, td->fdev->hw.abft);
	KUNIT_EXPECT_FALSE(test, td->fdev->caps.features & DRM_FPQ_FEATURE_ABFT);
	KUNIT_EXPECT_EQ(test, REG(td, FPQ_REG_CONTROL), (u32)FPQ_REG_CONTROL_ENABLE_MASK);

	KUNIT_ASSERT_EQ(test, fpq_test_hooks_inject(td->fdev, "pe 0 0 2 acc 0"), 0);
	KUNIT_ASSERT_EQ(test, run(td, file, &op, &st), 0);
	KUNIT_EXPECT_EQ(test, st.error, 0);
	KUNIT_EXPECT_EQ(test, bo_byte0(test, file, op.c.handle, -1), 7 ^ 4);
	KUNIT_EXPECT_EQ(test, atomic64_read(&td->fdev->stats.faults_checksum), 0ll);
	KUNIT_EXPECT_EQ(test, REG(td, FPQ_REG_PERF_ABFT_TILES_LO), 0u);

	fpq_test_file_close(td, file);
	fpq_test_device_destroy(td);
}

/* A card without CAP_FEATURES.ABFT: off, not offered, and no PE fault to arm. */
static void fpq_abft_card_without(struct kunit *test)
{
	struct fpq_test_device *td = fpq_test_device_create(test, true);

	/* As identify would have read it from such a card. */
	td->fdev->hw.features &= ~FPQ_REG_CAP_FEATURES_ABFT_MASK;
	KUNIT_EXPECT_EQ(test, fpq_test_hooks_inject(td->fdev, "pe 0 0 0 acc 0"), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, REG(td, FPQ_REG_FAULT_INJECT), 0u);
	fpq_test_device_destroy(td);
}

static void fpq_abft_pe_command(struct kunit *test)
{
	u32 pe = 0, cycle = 0;

	KUNIT_EXPECT_EQ(test, fpq_fault_pe_parse("pe 7 6 31 acc 1000", 8, 8, &pe, &cycle), 0);
	KUNIT_EXPECT_EQ(test, pe, 0x001f0607u);
	KUNIT_EXPECT_EQ(test, cycle, 1000u);
	KUNIT_EXPECT_EQ(test, fpq_fault_pe_parse("pe 0 1 7 a 0 stuck1", 8, 8, &pe, &cycle), 0);
	KUNIT_EXPECT_EQ(test, pe, (u32)(0x00070100u | 1u << 22 | FPQ_REG_FAULT_PE_STUCK_MASK |
					FPQ_REG_FAULT_PE_STUCK_VALUE_MASK));
	KUNIT_EXPECT_EQ(test, fpq_fault_pe_parse("pe 0 0 63 b 5 stuck0", 8, 8, &pe, &cycle),
			-EINVAL);	/* operand registers hold 8 bits */
	KUNIT_EXPECT_EQ(test, fpq_fault_pe_parse("pe 0 0 3 b 5 stuck0", 8, 8, &pe, &cycle), 0);
	KUNIT_EXPECT_EQ(test, pe, (u32)(0x00030000u | 2u << 22 | FPQ_REG_FAULT_PE_STUCK_MASK));
	KUNIT_EXPECT_EQ(test, fpq_fault_pe_parse("pe 0 0 63 acc 0", 8, 8, &pe, &cycle), 0);
	KUNIT_EXPECT_EQ(test, fpq_fault_pe_parse("pe 0 0 64 acc 0", 8, 8, &pe, &cycle), -EINVAL);
	KUNIT_EXPECT_EQ(test, fpq_fault_pe_parse("pe 8 0 0 acc 0", 8, 8, &pe, &cycle), -EINVAL);
	KUNIT_EXPECT_EQ(test, fpq_fault_pe_parse("pe 0 4 0 acc 0", 8, 4, &pe, &cycle), -EINVAL);
	KUNIT_EXPECT_EQ(test, fpq_fault_pe_parse("pe 0 0 0 c 0", 8, 8, &pe, &cycle), -EINVAL);
	KUNIT_EXPECT_EQ(test, fpq_fault_pe_parse("pe 0 0 0 acc 0 stuck2", 8, 8, &pe, &cycle),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, fpq_fault_pe_parse("pe 0 0", 8, 8, &pe, &cycle), -EINVAL);
	KUNIT_EXPECT_EQ(test, fpq_fault_pe_parse("pe", 8, 8, &pe, &cycle), -EINVAL);
}

/*
 * A reset asked for while a job runs, which completes before the reset work gets to
 * it, is void: it must not wait for the next timeout and spare a hung job there.
 * (UML does not preempt: nothing runs between the request and the completion.)
 */
static void fpq_abft_requested_reset_void(struct kunit *test)
{
	unsigned int saved = fpq_timeout_ms;
	struct fpq_test_device *td;
	struct drm_fpq_job_status st;
	struct drm_fpq_gemm op;
	struct drm_file *file;
	unsigned int i;

	fpq_timeout_ms = 200;
	td = fpq_test_device_create(test, false);
	fpq_timeout_ms = saved;
	file = fpq_test_file_open(test, td);
	op = int8_op(test, td, file);

	{
		struct fpq_validator v = { .caps = &td->fdev->caps };
		struct drm_fpq_submit args = { .ops = 1, .op_count = 1,
					       .op_size = sizeof(op) };

		KUNIT_ASSERT_EQ(test, fpq_validate_submit(&v, &args), 0);
		KUNIT_ASSERT_EQ(test, fpq_submit(td->fdev, file, &args, &op, NULL), 0);
	}
	for (i = 0; i < 100 && !fpq_fake_card_pending(&td->card); i++)
		msleep(20);
	KUNIT_ASSERT_EQ(test, fpq_fake_card_pending(&td->card), 1u);
	KUNIT_ASSERT_EQ(test, fpq_test_hooks_inject(td->fdev, "reset"), 0);
	KUNIT_EXPECT_EQ(test, fpq_fake_card_step(&td->card, 1), 1u);
	KUNIT_EXPECT_EQ(test, fpq_job_process_completions(td->fdev), 1u);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(td->fdev->reset_requested));

	/* The next job hangs: it times out (guilty), it is not run again. */
	REG(td, FPQ_REG_FAULT_INJECT) = FPQ_REG_FAULT_INJECT_HANG_MASK;
	td->card.autorun = true;
	KUNIT_ASSERT_EQ(test, run(td, file, &op, &st), 0);
	KUNIT_EXPECT_EQ(test, st.error, -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, st.runs, 1u);
	KUNIT_EXPECT_EQ(test, atomic64_read(&td->fdev->stats.timeouts), 1ll);
	/* Nothing left on the card: the request finds no job. */
	KUNIT_EXPECT_EQ(test, fpq_test_hooks_inject(td->fdev, "reset"), -EAGAIN);

	fpq_test_file_close(td, file);
	fpq_test_device_destroy(td);
}

static struct kunit_case fpq_abft_cases[] = {
	KUNIT_CASE(fpq_abft_checksum_fails_job),
	KUNIT_CASE(fpq_abft_off_by_parameter),
	KUNIT_CASE(fpq_abft_card_without),
	KUNIT_CASE(fpq_abft_pe_command),
	KUNIT_CASE(fpq_abft_requested_reset_void),
	{}
};

static struct kunit_suite fpq_abft_suite = {
	.name = "fpq_abft",
	.suite_init = fpq_test_suite_init,
	.suite_exit = fpq_test_suite_exit,
	.exit = fpq_test_case_exit,
	.test_cases = fpq_abft_cases,
};

kunit_test_suite(fpq_abft_suite);
