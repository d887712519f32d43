// SPDX-License-Identifier: GPL-2.0-only
#include <kunit/test.h>

static void fpq_smoke(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 1 + 1, 2);
}

static struct kunit_case fpq_smoke_cases[] = {
	KUNIT_CASE(fpq_smoke),
	{}
};

static struct kunit_suite fpq_smoke_suite = {
	.name = "fpq_smoke",
	.test_cases = fpq_smoke_cases,
};

kunit_test_suite(fpq_smoke_suite);
