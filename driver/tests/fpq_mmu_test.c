// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_mmu_test.c - per-job address space layout and page tables, from synthetic
 * scatter lists of bus addresses.
 */
#include <kunit/test.h>
#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>

#include "../fpq_mmu.h"

#define PG FPQ_HW_PAGE_BYTES
#define V FPQ_HW_PTE_VALID_MASK
#define R FPQ_MMU_READ
#define W FPQ_MMU_WRITE

struct fpq_mmu_test {
	struct platform_device *pdev;
	struct dma_pool *pool;
	struct fpq_pt pt;
};

static int fpq_mmu_test_init(struct kunit *test)
{
	struct fpq_mmu_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->pdev = platform_device_register_simple("fpq-mmu-kunit", PLATFORM_DEVID_AUTO, NULL, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t->pdev));
	KUNIT_ASSERT_EQ(test, dma_coerce_mask_and_coherent(&t->pdev->dev, DMA_BIT_MASK(52)), 0);
	t->pool = dma_pool_create("fpq-mmu-kunit", &t->pdev->dev, PG, PG, 0);
	KUNIT_ASSERT_NOT_NULL(test, t->pool);
	test->priv = t;
	return 0;
}

static void fpq_mmu_test_exit(struct kunit *test)
{
	struct fpq_mmu_test *t = test->priv;

	fpq_pt_free(&t->pt);
	dma_pool_destroy(t->pool);
	platform_device_unregister(t->pdev);
}

/* A scatter list of (bus address, length) segments. */
static struct sg_table *fake_sgt(struct kunit *test, const u64 (*seg)[2], unsigned int n)
{
	struct sg_table *sgt = kunit_kzalloc(test, sizeof(*sgt), GFP_KERNEL);
	struct scatterlist *sg;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, sgt);
	KUNIT_ASSERT_EQ(test, sg_alloc_table(sgt, n, GFP_KERNEL), 0);
	for_each_sgtable_sg(sgt, sg, i) {
		sg_dma_address(sg) = seg[i][0];
		sg_dma_len(sg) = seg[i][1];
	}
	return sgt;
}

static void fpq_mmu_layout(struct kunit *test)
{
	struct fpq_vm_slot s[3] = { { .size = 1 }, { .size = PG }, { .size = 2 * PG + 1 } };

	KUNIT_ASSERT_EQ(test, fpq_vm_layout(s, 3, 0x9000), 0);
	KUNIT_EXPECT_EQ(test, s[0].va, 0x1000ull);	/* page 0 stays unmapped */
	KUNIT_EXPECT_EQ(test, s[1].va, 0x3000ull);	/* one guard page after each */
	KUNIT_EXPECT_EQ(test, s[2].va, 0x5000ull);
	KUNIT_EXPECT_EQ(test, fpq_vm_layout(s, 3, 0x8fff), -E2BIG);
	s[1].size = 0;
	KUNIT_EXPECT_EQ(test, fpq_vm_layout(s, 3, 1ull << 30), -E2BIG);
	s[1].size = U64_MAX;
	KUNIT_EXPECT_EQ(test, fpq_vm_layout(s, 3, 1ull << 30), -E2BIG);
	s[1].size = (1ull << 30) - 2 * PG;	/* fills the space exactly: nothing else fits */
	KUNIT_EXPECT_EQ(test, fpq_vm_layout(s, 2, 1ull << 30), -E2BIG);
	KUNIT_EXPECT_EQ(test, fpq_vm_layout(&s[1], 1, 1ull << 30), 0);
	KUNIT_EXPECT_EQ(test, fpq_vm_layout(s, 0, 0), 0);
}

static void fpq_mmu_maps_exactly_the_buffers(struct kunit *test)
{
	struct fpq_mmu_test *t = test->priv;
	static const u64 seg0[][2] = { { 0x100000, 2 * PG }, { 0x300000, PG } };
	static const u64 seg1[][2] = { { 0x500000, 2 * PG } };
	struct fpq_vm_slot s[2] = {
		{ .size = 3 * PG, .perm = R, .sgt = fake_sgt(test, seg0, 2) },
		{ .size = PG + 1, .perm = R | W, .sgt = fake_sgt(test, seg1, 1) },
	};
	unsigned int i, l2 = 0;

	KUNIT_ASSERT_EQ(test, fpq_vm_layout(s, 2, 1ull << 30), 0);
	KUNIT_ASSERT_EQ(test, fpq_pt_build(&t->pt, t->pool, s, 2), 0);
	KUNIT_EXPECT_EQ(test, t->pt.pages, 5ull);
	KUNIT_EXPECT_EQ(test, fpq_pt_lookup(&t->pt, 0), 0ull);
	KUNIT_EXPECT_EQ(test, fpq_pt_lookup(&t->pt, 0x1000), 0x100000ull | V | R);
	KUNIT_EXPECT_EQ(test, fpq_pt_lookup(&t->pt, 0x2abc), 0x101000ull | V | R);
	KUNIT_EXPECT_EQ(test, fpq_pt_lookup(&t->pt, 0x3000), 0x300000ull | V | R);
	KUNIT_EXPECT_EQ(test, fpq_pt_lookup(&t->pt, 0x4000), 0ull);	/* guard */
	KUNIT_EXPECT_EQ(test, fpq_pt_lookup(&t->pt, 0x5000), 0x500000ull | V | R | W);
	KUNIT_EXPECT_EQ(test, fpq_pt_lookup(&t->pt, 0x6fff), 0x501000ull | V | R | W);
	KUNIT_EXPECT_EQ(test, fpq_pt_lookup(&t->pt, 0x7000), 0ull);	/* guard */
	KUNIT_EXPECT_EQ(test, fpq_pt_lookup(&t->pt, 1ull << 30), 0ull);
	/* One L2 table covers the first 2 MiB; no other is allocated. */
	for (i = 0; i < FPQ_HW_PT_ENTRIES; i++)
		l2 += !!t->pt.l2[i];
	KUNIT_EXPECT_EQ(test, l2, 1u);
	KUNIT_EXPECT_NOT_NULL(test, t->pt.l2[0]);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(t->pt.l1[0]),
			(t->pt.l2_dma[0] & FPQ_HW_PDE_ADDR_MASK) | FPQ_HW_PDE_VALID_MASK);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(t->pt.l1[1]), 0ull);
	KUNIT_EXPECT_EQ(test, t->pt.l1_dma & (PG - 1), 0ull);	/* pt_root is page aligned */
}

/* A buffer across a 2 MiB boundary uses two L2 tables. */
static void fpq_mmu_spans_l2_tables(struct kunit *test)
{
	struct fpq_mmu_test *t = test->priv;
	static const u64 seg[][2] = { { 0x40000000, 600 * PG } };
	struct fpq_vm_slot s = { .size = 600 * PG, .perm = W, .sgt = fake_sgt(test, seg, 1) };

	KUNIT_ASSERT_EQ(test, fpq_vm_layout(&s, 1, 1ull << 30), 0);
	KUNIT_ASSERT_EQ(test, fpq_pt_build(&t->pt, t->pool, &s, 1), 0);
	KUNIT_EXPECT_EQ(test, t->pt.pages, 600ull);
	KUNIT_EXPECT_NOT_NULL(test, t->pt.l2[0]);
	KUNIT_EXPECT_NOT_NULL(test, t->pt.l2[1]);
	KUNIT_EXPECT_NULL(test, t->pt.l2[2]);
	KUNIT_EXPECT_EQ(test, fpq_pt_lookup(&t->pt, 0x1ff000), 0x401fe000ull | V | W);
	KUNIT_EXPECT_EQ(test, fpq_pt_lookup(&t->pt, 0x200000), 0x401ff000ull | V | W);
	KUNIT_EXPECT_EQ(test, fpq_pt_lookup(&t->pt, 600 * PG), 0x40257000ull | V | W);
	KUNIT_EXPECT_EQ(test, fpq_pt_lookup(&t->pt, 601 * PG), 0ull);
}

/* Pages beyond the buffer's size are not mapped even when the list has them. */
static void fpq_mmu_maps_only_the_size(struct kunit *test)
{
	struct fpq_mmu_test *t = test->priv;
	static const u64 seg[][2] = { { 0x100000, 4 * PG } };
	struct fpq_vm_slot s = { .size = 2 * PG, .perm = R, .sgt = fake_sgt(test, seg, 1) };

	KUNIT_ASSERT_EQ(test, fpq_vm_layout(&s, 1, 1ull << 30), 0);
	KUNIT_ASSERT_EQ(test, fpq_pt_build(&t->pt, t->pool, &s, 1), 0);
	KUNIT_EXPECT_EQ(test, t->pt.pages, 2ull);
	KUNIT_EXPECT_EQ(test, fpq_pt_lookup(&t->pt, 0x3000), 0ull);
}

static void fpq_mmu_rejects(struct kunit *test)
{
	struct fpq_mmu_test *t = test->priv;
	static const u64 odd_addr[][2] = { { 0x100800, PG } };
	static const u64 odd_len[][2] = { { 0x100000, PG + 512 } };
	static const u64 short_list[][2] = { { 0x100000, PG } };
	static const u64 wide[][2] = { { 1ull << 52, PG } };
	static const struct { const u64 (*seg)[2]; u64 size; int err; } c[] = {
		{ odd_addr, PG, -EINVAL },
		{ odd_len, 2 * PG, -EINVAL },
		{ short_list, 2 * PG, -EINVAL },
		{ wide, PG, -EINVAL },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		struct fpq_vm_slot s = { .size = c[i].size, .perm = R,
					 .sgt = fake_sgt(test, c[i].seg, 1) };

		KUNIT_ASSERT_EQ(test, fpq_vm_layout(&s, 1, 1ull << 30), 0);
		KUNIT_EXPECT_EQ_MSG(test, fpq_pt_build(&t->pt, t->pool, &s, 1), c[i].err,
				    "case %u", i);
		fpq_pt_free(&t->pt);
		memset(&t->pt, 0, sizeof(t->pt));
	}
	{
		/* A slot placed past the address space is refused, not wrapped. */
		struct fpq_vm_slot s = { .size = PG, .perm = R,
					 .sgt = fake_sgt(test, short_list, 1),
					 .va = 1ull << FPQ_HW_VA_BITS };

		KUNIT_EXPECT_EQ(test, fpq_pt_build(&t->pt, t->pool, &s, 1), -E2BIG);
	}
}

static struct kunit_case fpq_mmu_cases[] = {
	KUNIT_CASE(fpq_mmu_layout),
	KUNIT_CASE(fpq_mmu_maps_exactly_the_buffers),
	KUNIT_CASE(fpq_mmu_spans_l2_tables),
	KUNIT_CASE(fpq_mmu_maps_only_the_size),
	KUNIT_CASE(fpq_mmu_rejects),
	{}
};

static struct kunit_suite fpq_mmu_suite = {
	.name = "fpq_mmu",
	.init = fpq_mmu_test_init,
	.exit = fpq_mmu_test_exit,
	.test_cases = fpq_mmu_cases,
};

kunit_test_suite(fpq_mmu_suite);
