/* SPDX-License-Identifier: MIT */
/*
 * output_compare.h - the comparison loop of the model tests that check a model's output
 * element by element against their own computation (conv_test.c, conv_transpose_test.c):
 * every element compared, the first three that differ reported with the test's own
 * description, then the count. Header-only: its checks count in the including test's
 * harness.
 */
#ifndef FPQ_TEST_OUTPUT_COMPARE_H
#define FPQ_TEST_OUTPUT_COMPARE_H

#include <stddef.h>

#include "harness.h"

/* Whether output i differs from what the test wants; if so, why (e.g. "is 3, want 4"). */
typedef int (*output_differs_fn)(const void *arg, size_t i, char *why, size_t why_size);

/* Compares outputs [0, n); returns how many differ (each a failed check). */
static inline int compare_outputs(const char *what, size_t n, output_differs_fn differs,
				  const void *arg)
{
	char why[160];
	int bad = 0;

	for (size_t i = 0; i < n; i++)
		if (differs(arg, i, why, sizeof(why)) && bad++ < 3)
			CHECK(0, "%s: output %zu %s", what, i, why);
	CHECK(bad == 0, "%s: %d of %zu outputs differ", what, bad, n);
	return bad;
}

#endif /* FPQ_TEST_OUTPUT_COMPARE_H */
