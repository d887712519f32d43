/* SPDX-License-Identifier: MIT */
/*
 * harness.h - the small test harness of fpq's C test programs.
 *
 * A program runs named cases with RUN(fn); a case fails when any CHECK in it fails.
 * At the end, harness_report() prints "RESULT: passed=P failed=F skipped=S" (the line
 * scripts/run-suite.sh reads) and returns the exit status. Each case prints one line.
 */
#ifndef FPQ_TEST_HARNESS_H
#define FPQ_TEST_HARNESS_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct harness_state {
	int passed, failed, skipped;
	int case_failures;    /* failed checks in the running case */
	int case_skipped;
	const char *case_name;
	/* Run at the end of every case, as part of it (its CHECKs count for the case): a
	 * check every case must pass, such as a bench's "no RTL assertion failed". */
	void (*after_case)(void);
};

static struct harness_state harness;

/* Print at most this many failed checks per case, then only count them. */
#define HARNESS_MAX_REPORTS 10

static inline void harness_fail(const char *file, int line, const char *prefix,
				const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static inline void harness_fail(const char *file, int line, const char *prefix,
				const char *fmt, ...)
{
	if (harness.case_failures++ < HARNESS_MAX_REPORTS) {
		va_list ap;

		fprintf(stdout, "  %s:%d: %s: %s:", file, line, harness.case_name, prefix);
		va_start(ap, fmt);
		vfprintf(stdout, fmt, ap);
		va_end(ap);
		fputc('\n', stdout);
	}
}

/* CHECK(cond, "fmt", args): fail the case when cond is false. */
#define CHECK(cond, ...)                                                          \
	do {                                                                      \
		if (!(cond))                                                      \
			harness_fail(__FILE__, __LINE__, "check failed: " #cond, " " \
				     __VA_ARGS__);                                \
	} while (0)

/* CHECK_EQ_U(a, b, "fmt", args): unsigned equality, printing both values in hex. */
#define CHECK_EQ_U(a, b, ...)                                                     \
	do {                                                                      \
		unsigned long long a_ = (unsigned long long)(a);                  \
		unsigned long long b_ = (unsigned long long)(b);                  \
		if (a_ != b_) {                                                   \
			char pfx_[200];                                           \
			snprintf(pfx_, sizeof(pfx_), #a " = 0x%llx, " #b " = 0x%llx", \
				 a_, b_);                                         \
			harness_fail(__FILE__, __LINE__, pfx_, " " __VA_ARGS__); \
		}                                                                 \
	} while (0)

/* Skip the running case (call, then return from the case). */
static inline void harness_skip(const char *why)
{
	harness.case_skipped = 1;
	fprintf(stdout, "  skip: %s\n", why);
}

static inline int harness_case_failures(void)
{
	return harness.case_failures;
}

static inline void harness_run(const char *name, void (*fn)(void))
{
	harness.case_name = name;
	harness.case_failures = 0;
	harness.case_skipped = 0;
	fn();
	if (harness.after_case)
		harness.after_case();
	if (harness.case_failures) {
		harness.failed++;
		printf("FAIL %s (%d failed checks)\n", name, harness.case_failures);
	} else if (harness.case_skipped) {
		harness.skipped++;
		printf("SKIP %s\n", name);
	} else {
		harness.passed++;
		printf("ok   %s\n", name);
	}
	fflush(stdout);
}

#define RUN(fn) harness_run(#fn, fn)

static inline int harness_report(void)
{
	printf("RESULT: passed=%d failed=%d skipped=%d\n", harness.passed, harness.failed,
	       harness.skipped);
	return harness.failed ? 1 : 0;
}

#endif /* FPQ_TEST_HARNESS_H */
