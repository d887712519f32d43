// SPDX-License-Identifier: MIT
/*
 * rtl_errors.h - what a Verilated model does with a failed RTL assertion, for every C++
 * layer of the benches.
 *
 * The models are built with --assert, so an assertion of rtl/fpq_assert.svh that fails
 * (and any $error, $stop or $fatal in the design) prints "%Error: FILE:LINE: Assertion
 * failed in HIERARCHY.NAME: ..." on stdout and counts one error in the model's context
 * (each assertion reports and counts its first five failures only).
 * By default Verilator would then abort the process; instead the model keeps running
 * and its layer reports the count, which the bench's test checks after every case, so
 * a violation fails the case it happened in and the test goes on to the next.
 */
#ifndef FPQ_RTL_ERRORS_H
#define FPQ_RTL_ERRORS_H

#include <cstdint>

#include "verilated.h"

/* Count design errors in @ctx instead of aborting on the first; call before eval(). */
static inline void rtl_errors_count(VerilatedContext *ctx)
{
	ctx->fatalOnError(false);
}

/* Design errors (failed assertions) since the model was created. */
static inline uint64_t rtl_errors(const VerilatedContext *ctx)
{
	return static_cast<uint64_t>(ctx->errorCount());
}

#endif /* FPQ_RTL_ERRORS_H */
