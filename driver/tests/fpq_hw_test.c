// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_hw_test.c - the register-level procedures against the card model: identity and
 * capability checks, soft reset, start-up programming, interrupt acknowledge.
 */
#include <kunit/test.h>

#include "../fpq_hw.h"
#include "fpq_fake_card.h"

struct fpq_hw_test {
	struct fpq_fake_card card;
	struct fpq_hw hw;
	struct fpq_caps caps;
};

static int fpq_hw_test_init(struct kunit *test)
{
	struct fpq_hw_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	fpq_fake_card_init(&t->card, NULL);
	t->hw.ops = &fpq_fake_card_ops;
	t->hw.priv = &t->card;
	test->priv = t;
	return 0;
}

static void fpq_hw_identify_good(struct kunit *test)
{
	struct fpq_hw_test *t = test->priv;

	KUNIT_ASSERT_EQ(test, fpq_hw_identify(&t->hw, &t->caps), 0);
	KUNIT_EXPECT_EQ(test, t->hw.id, FPQ_HW_ID_MAGIC);
	KUNIT_EXPECT_EQ(test, t->hw.va_bits, 30u);
	KUNIT_EXPECT_EQ(test, t->hw.ring_log2_min, 1u);
	KUNIT_EXPECT_EQ(test, t->hw.ring_log2_max, 12u);
	KUNIT_EXPECT_EQ(test, t->caps.input_formats, 0xfeu);
	KUNIT_EXPECT_EQ(test, t->caps.output_formats, 0xefeu);
	KUNIT_EXPECT_EQ(test, t->caps.max_m, 65535u);
	KUNIT_EXPECT_EQ(test, t->caps.max_n, 65535u);
	KUNIT_EXPECT_EQ(test, t->caps.max_k, 65536u);
	KUNIT_EXPECT_EQ(test, t->caps.max_ops, 255u);
	KUNIT_EXPECT_EQ(test, t->caps.offset_align, 1u);
	KUNIT_EXPECT_EQ(test, t->caps.features,
			DRM_FPQ_FEATURE_MX_SCALES | DRM_FPQ_FEATURE_MX_OUTPUT |
			DRM_FPQ_FEATURE_MIXED_FORMATS | DRM_FPQ_FEATURE_FAULT_INJECT |
			DRM_FPQ_FEATURE_PERF);
}

/* What the card reports is limited to what the contract allows. */
static void fpq_hw_identify_clamps(struct kunit *test)
{
	struct fpq_hw_test *t = test->priv;

	t->card.regs[FPQ_REG_CAP_IN_FORMATS / 4] = 0xffffffff;	/* incl. E8M0, FP32, ... */
	t->card.regs[FPQ_REG_CAP_OUT_FORMATS / 4] = 0xffffffff;	/* incl. E8M0, 12+ */
	t->card.regs[FPQ_REG_CAP_MAX_K / 4] = 0x7fffffff;
	t->card.regs[FPQ_REG_CAP_MMU / 4] = 0x00000c28;		/* 40-bit VA */
	t->card.regs[FPQ_REG_CAP_FEATURES / 4] = 0x1;
	KUNIT_ASSERT_EQ(test, fpq_hw_identify(&t->hw, &t->caps), 0);
	KUNIT_EXPECT_EQ(test, t->caps.input_formats, 0xfeu);
	KUNIT_EXPECT_EQ(test, t->caps.output_formats, 0xefeu);
	KUNIT_EXPECT_EQ(test, t->caps.max_k, 65536u);
	KUNIT_EXPECT_EQ(test, t->hw.va_bits, 30u);
	KUNIT_EXPECT_EQ(test, t->caps.features,
			DRM_FPQ_FEATURE_MX_SCALES | DRM_FPQ_FEATURE_MIXED_FORMATS);
}

static void fpq_hw_identify_rejects(struct kunit *test)
{
	static const struct { u32 reg, val; int err; } c[] = {
		{ FPQ_REG_ID, 0x12345678, -ENODEV },
		{ FPQ_REG_VERSION, 0x00020000, -ENODEV },	/* another major */
		{ FPQ_REG_VERSION, 0x00000005, -ENODEV },
		{ FPQ_REG_CAP_MMU, 0x00000d1e, -ENODEV },	/* 8 KiB pages */
		{ FPQ_REG_CAP_MMU, 0x00000c15, -ENODEV },	/* 21-bit VA: no L1 */
		{ FPQ_REG_CAP_RING, 0x00ff0105, -ENODEV },	/* min > max */
		{ FPQ_REG_CAP_RING, 0x00ff0d01, -ENODEV },	/* 8192 entries */
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		struct fpq_hw_test *t = test->priv;

		fpq_fake_card_init(&t->card, NULL);
		t->card.regs[c[i].reg / 4] = c[i].val;
		KUNIT_EXPECT_EQ_MSG(test, fpq_hw_identify(&t->hw, &t->caps), c[i].err,
				    "case %u", i);
	}
}

static void fpq_hw_minor_version_accepted(struct kunit *test)
{
	struct fpq_hw_test *t = test->priv;

	t->card.regs[FPQ_REG_VERSION / 4] = 0x00010007;
	KUNIT_EXPECT_EQ(test, fpq_hw_identify(&t->hw, &t->caps), 0);
}

static void fpq_hw_dead_card(struct kunit *test)
{
	struct fpq_hw_test *t = test->priv;

	t->card.dead = true;
	KUNIT_EXPECT_EQ(test, fpq_hw_identify(&t->hw, &t->caps), -EIO);
	KUNIT_EXPECT_TRUE(test, fpq_hw_is_dead(&t->hw));
	KUNIT_EXPECT_EQ(test, fpq_hw_reset(&t->hw), -EIO);
	KUNIT_EXPECT_EQ(test, fpq_hw_irq_ack(&t->hw), U32_MAX);
}

static void fpq_hw_reset_and_start(struct kunit *test)
{
	struct fpq_hw_test *t = test->priv;
	u32 *r = t->card.regs;

	r[FPQ_REG_FAULT_INJECT / 4] = 1;
	r[FPQ_REG_CONTROL / 4] = 1;
	KUNIT_EXPECT_EQ(test, fpq_hw_reset(&t->hw), 0);
	KUNIT_EXPECT_EQ(test, t->card.resets, 1u);
	KUNIT_EXPECT_EQ(test, r[FPQ_REG_FAULT_INJECT / 4], 0u);
	KUNIT_EXPECT_EQ(test, r[FPQ_REG_CONTROL / 4], 0u);

	fpq_hw_start(&t->hw, 0x123456789c0ull, 5, 0xabcdef10ull, 7, true);
	KUNIT_EXPECT_EQ(test, r[FPQ_REG_RING_BASE_LO / 4], 0x456789c0u);
	KUNIT_EXPECT_EQ(test, r[FPQ_REG_RING_BASE_HI / 4], 0x123u);
	KUNIT_EXPECT_EQ(test, r[FPQ_REG_RING_LOG2 / 4], 5u);
	KUNIT_EXPECT_EQ(test, r[FPQ_REG_FENCE_ADDR_LO / 4], 0xabcdef10u);
	KUNIT_EXPECT_EQ(test, r[FPQ_REG_FENCE_ADDR_HI / 4], 0u);
	KUNIT_EXPECT_EQ(test, t->card.head, 7u);
	KUNIT_EXPECT_EQ(test, r[FPQ_REG_RING_TAIL / 4], 7u);
	KUNIT_EXPECT_EQ(test, r[FPQ_REG_INT_MASK / 4], (u32)(FPQ_REG_INT_MASK_JOB_DONE_MASK |
							     FPQ_REG_INT_MASK_JOB_ERROR_MASK));
	KUNIT_EXPECT_EQ(test, r[FPQ_REG_CONTROL / 4], (u32)FPQ_REG_CONTROL_ENABLE_MASK);
	fpq_hw_doorbell(&t->hw, 9);
	KUNIT_EXPECT_EQ(test, r[FPQ_REG_RING_TAIL / 4], 9u);
	KUNIT_EXPECT_EQ(test, t->card.doorbells, 2u);

	fpq_hw_stop(&t->hw);
	KUNIT_EXPECT_EQ(test, r[FPQ_REG_CONTROL / 4], 0u);
	KUNIT_EXPECT_EQ(test, r[FPQ_REG_INT_MASK / 4], 0u);
}

static void fpq_hw_reset_stuck(struct kunit *test)
{
	struct fpq_hw_test *t = test->priv;

	t->card.reset_stuck = true;
	KUNIT_EXPECT_EQ(test, fpq_hw_reset(&t->hw), -ETIMEDOUT);
}

static void fpq_hw_irq_ack_w1c(struct kunit *test)
{
	struct fpq_hw_test *t = test->priv;

	KUNIT_EXPECT_EQ(test, fpq_hw_irq_ack(&t->hw), 0u);
	t->card.regs[FPQ_REG_INT_STATUS / 4] = 3;
	KUNIT_EXPECT_EQ(test, fpq_hw_irq_ack(&t->hw), 3u);
	KUNIT_EXPECT_EQ(test, t->card.regs[FPQ_REG_INT_STATUS / 4], 0u);
}

static void fpq_hw_read64_and_errors(struct kunit *test)
{
	struct fpq_hw_test *t = test->priv;
	struct fpq_hw_error e;

	t->card.regs[FPQ_REG_PERF_MACS_LO / 4] = 0x89abcdef;
	t->card.regs[FPQ_REG_PERF_MACS_HI / 4] = 0x01234567;
	KUNIT_EXPECT_EQ(test, fpq_hw_read64(&t->hw, FPQ_REG_PERF_MACS_LO), 0x0123456789abcdefull);
	t->card.regs[FPQ_REG_ERR_CAUSE / 4] = FPQ_HW_ERR_PAGE_PERMISSION;
	t->card.regs[FPQ_REG_ERR_OP / 4] = 3;
	t->card.regs[FPQ_REG_ERR_JOB / 4] = 17;
	t->card.regs[FPQ_REG_ERR_COUNT / 4] = 2;
	t->card.regs[FPQ_REG_ERR_ADDR_LO / 4] = 0x1000;
	t->card.regs[FPQ_REG_ERR_FENCE_LO / 4] = 44;
	fpq_hw_read_error(&t->hw, &e);
	KUNIT_EXPECT_EQ(test, e.cause, (u32)FPQ_HW_ERR_PAGE_PERMISSION);
	KUNIT_EXPECT_EQ(test, e.op, 3u);
	KUNIT_EXPECT_EQ(test, e.job, 17u);
	KUNIT_EXPECT_EQ(test, e.count, 2u);
	KUNIT_EXPECT_EQ(test, e.addr, 0x1000ull);
	KUNIT_EXPECT_EQ(test, e.fence, 44ull);
}

static struct kunit_case fpq_hw_cases[] = {
	KUNIT_CASE(fpq_hw_identify_good),
	KUNIT_CASE(fpq_hw_identify_clamps),
	KUNIT_CASE(fpq_hw_identify_rejects),
	KUNIT_CASE(fpq_hw_minor_version_accepted),
	KUNIT_CASE(fpq_hw_dead_card),
	KUNIT_CASE(fpq_hw_reset_and_start),
	KUNIT_CASE(fpq_hw_reset_stuck),
	KUNIT_CASE(fpq_hw_irq_ack_w1c),
	KUNIT_CASE(fpq_hw_read64_and_errors),
	{}
};

static struct kunit_suite fpq_hw_suite = {
	.name = "fpq_hw",
	.init = fpq_hw_test_init,
	.test_cases = fpq_hw_cases,
};

kunit_test_suite(fpq_hw_suite);
