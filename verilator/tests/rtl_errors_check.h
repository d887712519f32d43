/* SPDX-License-Identifier: MIT */
/*
 * rtl_errors_check.h - the check every bench runs after each case (harness.after_case):
 * no RTL assertion of the model failed during the case (verilator/model/rtl_errors.h
 * says how a Verilated model counts them). Include after harness.h.
 */
#ifndef FPQ_RTL_ERRORS_CHECK_H
#define FPQ_RTL_ERRORS_CHECK_H

#include <stdint.h>

/* Fail the running case when @now, the model's count of failed assertions, has grown
 * since the previous call (one model per program). */
static inline void check_no_new_rtl_errors(uint64_t now)
{
	static uint64_t seen;

	CHECK(now == seen, "%llu RTL assertions failed (the %%Error lines above name them)",
	      (unsigned long long)(now - seen));
	seen = now;
}

#endif /* FPQ_RTL_ERRORS_CHECK_H */
