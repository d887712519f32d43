// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_mmu_test.c - per-job address space layout and page tables, from synthetic bus
 * addresses.
 */
#include <kunit/test.h>
#include <linux/dma-mapping.h>
#include <linux/platform_device.h>

#include "../fpq_mmu.h"

#define PG FPQ_HW_PAGE_BYTES
#define V FPQ_HW_PTE_VALID_MASK
#define R FPQ_MMU_READ
#define W FPQ_MMU_WRITE

struct fpq_mmu_test {
	struct platform_device *pdev;
	struct fpq_pt pt;
};

static int fpq_mmu_test_init(struct kunit *test)
{
	struct fpq_mmu_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->pdev = platform_device_register_simple("fpq-mmu-kunit", PLATFORM_DEVID_AUTO, NULL, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t->pdev));
	KUNIT_ASSERT_EQ(test, dma_coerce_mask_and_coherent(&t->pdev->dev, DMA_BIT_MASK(52)), 0);
	test->priv = t;
	return 0;
}

static void fpq_mmu_test_exit(struct kunit *test)
{
	struct fpq_mmu_test *t = test->priv;

	fpq_pt_free(&t->pt);
	platform_device_unregister(t->pdev);
}

/* @n consecutive bus pages from @first. */
static dma_addr_t *bus_pages(struct kunit *test, u64 first, unsigned int n)
{
	dma_addr_t *d = kunit_kcalloc(test, n, sizeof(*d), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, d);
	for (i = 0; i < n; i++)
		d[i] = first + (u64)i * PG;
	return d;
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

static void fpq_mmu_maps_exactly_the_runs(struct kunit *test)
{
	struct fpq_mmu_test *t = test->priv;
	static const dma_addr_t scattered[] = { 0x100000, 0x101000, 0x300000 };
	struct fpq_vm_slot s[2] = { { .size = 3 * PG, .perm = R },
				    { .size = PG + 1, .perm = R | W } };
	struct fpq_vm_map m[2];
	unsigned int i, l2 = 0;

	KUNIT_ASSERT_EQ(test, fpq_vm_layout(s, 2, 1ull << 30), 0);
	m[0] = (struct fpq_vm_map){ .va = s[0].va, .pages = 3, .perm = R, .dma = scattered };
	m[1] = (struct fpq_vm_map){ .va = s[1].va, .pages = 2, .perm = R | W,
				    .dma = bus_pages(test, 0x500000, 2) };
	KUNIT_ASSERT_EQ(test, fpq_pt_build(&t->pt, &t->pdev->dev, m, 2), 0);
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

/* A run across a 2 MiB boundary uses two L2 tables. */
static void fpq_mmu_spans_l2_tables(struct kunit *test)
{
	struct fpq_mmu_test *t = test->priv;
	struct fpq_vm_slot s = { .size = 600 * PG, .perm = W };
	struct fpq_vm_map m;

	KUNIT_ASSERT_EQ(test, fpq_vm_layout(&s, 1, 1ull << 30), 0);
	m = (struct fpq_vm_map){ .va = s.va, .pages = 600, .perm = W,
				 .dma = bus_pages(test, 0x40000000, 600) };
	KUNIT_ASSERT_EQ(test, fpq_pt_build(&t->pt, &t->pdev->dev, &m, 1), 0);
	KUNIT_EXPECT_EQ(test, t->pt.pages, 600ull);
	KUNIT_EXPECT_NOT_NULL(test, t->pt.l2[0]);
	KUNIT_EXPECT_NOT_NULL(test, t->pt.l2[1]);
	KUNIT_EXPECT_NULL(test, t->pt.l2[2]);
	KUNIT_EXPECT_EQ(test, fpq_pt_lookup(&t->pt, 0x1ff000), 0x401fe000ull | V | W);
	KUNIT_EXPECT_EQ(test, fpq_pt_lookup(&t->pt, 0x200000), 0x401ff000ull | V | W);
	KUNIT_EXPECT_EQ(test, fpq_pt_lookup(&t->pt, 600 * PG), 0x40257000ull | V | W);
	KUNIT_EXPECT_EQ(test, fpq_pt_lookup(&t->pt, 601 * PG), 0ull);
}

/*
 * Only the pages a job touches: two runs inside one buffer; the pages before, between
 * and after them stay unmapped.
 */
static void fpq_mmu_maps_only_touched_pages(struct kunit *test)
{
	struct fpq_mmu_test *t = test->priv;
	struct fpq_vm_slot s = { .size = 6 * PG, .perm = R };
	struct fpq_vm_map m[2];

	KUNIT_ASSERT_EQ(test, fpq_vm_layout(&s, 1, 1ull << 30), 0);
	m[0] = (struct fpq_vm_map){ .va = s.va + PG, .pages = 1, .perm = R,
				    .dma = bus_pages(test, 0x101000, 1) };
	m[1] = (struct fpq_vm_map){ .va = s.va + 3 * PG, .pages = 2, .perm = R,
				    .dma = bus_pages(test, 0x301000, 2) };
	KUNIT_ASSERT_EQ(test, fpq_pt_build(&t->pt, &t->pdev->dev, m, 2), 0);
	KUNIT_EXPECT_EQ(test, t->pt.pages, 3ull);
	KUNIT_EXPECT_EQ(test, fpq_pt_lookup(&t->pt, s.va), 0ull);
	KUNIT_EXPECT_EQ(test, fpq_pt_lookup(&t->pt, s.va + PG), 0x101000ull | V | R);
	KUNIT_EXPECT_EQ(test, fpq_pt_lookup(&t->pt, s.va + 2 * PG), 0ull);
	KUNIT_EXPECT_EQ(test, fpq_pt_lookup(&t->pt, s.va + 3 * PG), 0x301000ull | V | R);
	KUNIT_EXPECT_EQ(test, fpq_pt_lookup(&t->pt, s.va + 4 * PG), 0x302000ull | V | R);
	KUNIT_EXPECT_EQ(test, fpq_pt_lookup(&t->pt, s.va + 5 * PG), 0ull);
}

static void fpq_mmu_rejects(struct kunit *test)
{
	struct fpq_mmu_test *t = test->priv;
	static const dma_addr_t odd[] = { 0x100800 }, wide[] = { 1ull << 52 };
	static const dma_addr_t *const bad[] = { odd, wide };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct fpq_vm_map m = { .va = PG, .pages = 1, .perm = R, .dma = bad[i] };

		KUNIT_EXPECT_EQ_MSG(test, fpq_pt_build(&t->pt, &t->pdev->dev, &m, 1), -EINVAL,
				    "case %u", i);
		fpq_pt_free(&t->pt);
		memset(&t->pt, 0, sizeof(t->pt));
	}
	{
		/* A run placed past the address space is refused, not wrapped. */
		struct fpq_vm_map m = { .va = 1ull << FPQ_HW_VA_BITS, .pages = 1, .perm = R,
					.dma = bus_pages(test, 0x100000, 1) };

		KUNIT_EXPECT_EQ(test, fpq_pt_build(&t->pt, &t->pdev->dev, &m, 1), -E2BIG);
	}
}

static struct kunit_case fpq_mmu_cases[] = {
	KUNIT_CASE(fpq_mmu_layout),
	KUNIT_CASE(fpq_mmu_maps_exactly_the_runs),
	KUNIT_CASE(fpq_mmu_spans_l2_tables),
	KUNIT_CASE(fpq_mmu_maps_only_touched_pages),
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
