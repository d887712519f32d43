// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_ring_test.c - ring index arithmetic, including the wrap of the free-running
 * 32-bit indices.
 */
#include <kunit/test.h>

#include "../fpq_ring.h"

static void fpq_ring_empty_and_full(struct kunit *test)
{
	struct fpq_ring r = { .log2 = 4 };

	KUNIT_EXPECT_EQ(test, fpq_ring_size(&r), 16u);
	KUNIT_EXPECT_EQ(test, fpq_ring_used(&r), 0u);
	KUNIT_EXPECT_EQ(test, fpq_ring_space(&r), 16u);
	KUNIT_EXPECT_FALSE(test, fpq_ring_holds(&r, 0));
	r.tail = 16;
	KUNIT_EXPECT_EQ(test, fpq_ring_used(&r), 16u);
	KUNIT_EXPECT_EQ(test, fpq_ring_space(&r), 0u);
	KUNIT_EXPECT_TRUE(test, fpq_ring_holds(&r, 0));
	KUNIT_EXPECT_TRUE(test, fpq_ring_holds(&r, 15));
	KUNIT_EXPECT_FALSE(test, fpq_ring_holds(&r, 16));
	r.head = 5;
	KUNIT_EXPECT_EQ(test, fpq_ring_space(&r), 5u);
	KUNIT_EXPECT_FALSE(test, fpq_ring_holds(&r, 4));
	KUNIT_EXPECT_TRUE(test, fpq_ring_holds(&r, 5));
}

/* Indices run past 2^32: counts and slots stay right. */
static void fpq_ring_wraps(struct kunit *test)
{
	struct fpq_ring r = { .log2 = 3, .head = U32_MAX - 2, .tail = U32_MAX - 2 };
	u32 i;

	for (i = 0; i < 8; i++) {
		KUNIT_EXPECT_EQ(test, fpq_ring_used(&r), i);
		KUNIT_EXPECT_EQ(test, fpq_ring_space(&r), 8 - i);
		KUNIT_EXPECT_EQ(test, fpq_ring_slot(&r, r.tail), (U32_MAX - 2 + i) & 7u);
		r.tail++;
	}
	KUNIT_EXPECT_EQ(test, r.tail, 5u);	/* wrapped */
	KUNIT_EXPECT_EQ(test, fpq_ring_used(&r), 8u);
	KUNIT_EXPECT_EQ(test, fpq_ring_space(&r), 0u);
	KUNIT_EXPECT_TRUE(test, fpq_ring_holds(&r, U32_MAX));
	KUNIT_EXPECT_TRUE(test, fpq_ring_holds(&r, 0));
	KUNIT_EXPECT_TRUE(test, fpq_ring_holds(&r, 4));
	KUNIT_EXPECT_FALSE(test, fpq_ring_holds(&r, 5));
	KUNIT_EXPECT_FALSE(test, fpq_ring_holds(&r, U32_MAX - 3));
	r.head += 8;
	KUNIT_EXPECT_EQ(test, r.head, 5u);
	KUNIT_EXPECT_EQ(test, fpq_ring_used(&r), 0u);
}

/* Entries are 64 bytes apart and the slot is the index modulo the size. */
static void fpq_ring_entries(struct kunit *test)
{
	struct fpq_hw_job_desc entries[4];
	struct fpq_ring r = { .entries = entries, .log2 = 2 };

	KUNIT_EXPECT_PTR_EQ(test, fpq_ring_entry(&r, 0), &entries[0]);
	KUNIT_EXPECT_PTR_EQ(test, fpq_ring_entry(&r, 3), &entries[3]);
	KUNIT_EXPECT_PTR_EQ(test, fpq_ring_entry(&r, 4), &entries[0]);
	KUNIT_EXPECT_PTR_EQ(test, fpq_ring_entry(&r, U32_MAX), &entries[3]);
	KUNIT_EXPECT_EQ(test, (unsigned long)((u8 *)fpq_ring_entry(&r, 1) - (u8 *)entries),
			(unsigned long)FPQ_HW_RING_ENTRY_BYTES);
}

static struct kunit_case fpq_ring_cases[] = {
	KUNIT_CASE(fpq_ring_empty_and_full),
	KUNIT_CASE(fpq_ring_wraps),
	KUNIT_CASE(fpq_ring_entries),
	{}
};

static struct kunit_suite fpq_ring_suite = {
	.name = "fpq_ring",
	.test_cases = fpq_ring_cases,
};

kunit_test_suite(fpq_ring_suite);
