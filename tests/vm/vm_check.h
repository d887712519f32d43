/* SPDX-License-Identifier: MIT */
/*
 * vm_check.h - how the VM scenarios report: one line per failed check, a verdict line
 * per scenario, exit status 0 (pass), 1 (fail) or 77 (skip).
 */
#ifndef FPQ_VM_CHECK_H
#define FPQ_VM_CHECK_H

#include <stdio.h>

/* Failed checks of the running scenario (driver_test.c). */
extern int failures;

#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		if (!(cond)) {                                                  \
			failures++;                                             \
			printf("FAIL %s:%d: ", __func__, __LINE__);             \
			printf(__VA_ARGS__);                                    \
			printf("\n");                                           \
		}                                                               \
	} while (0)

/* The scenario's verdict line and exit status. */
static inline int finish(const char *what)
{
	printf("%s %s (%d failed checks)\n", failures ? "FAIL" : "ok  ", what, failures);
	return failures ? 1 : 0;
}

#endif /* FPQ_VM_CHECK_H */
