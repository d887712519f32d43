/* SPDX-License-Identifier: MIT */
/*
 * fp_env.h - libfpq computes in the default floating-point environment whatever its
 * caller set: every public entry point that does floating-point arithmetic (and every
 * worker task) brackets it with fpq_fp_enter() / fpq_fp_leave().
 *
 * The default: round to nearest even, no flush-to-zero, no denormals-are-zero, every
 * exception masked - in MXCSR (SSE/AVX arithmetic) and, for anything that still uses
 * x87 (long double, some libm paths), in the x87 control word with 64-bit precision.
 * Only what differs is changed, so a caller already in the default pays two reads of
 * the control registers (a few cycles: cheap enough around one element's codec). On
 * return the caller's control words are put back exactly (status flags included: the
 * ones libfpq raised while in its own environment are dropped). In the default
 * environment libfpq may raise status flags as any arithmetic does, never clear them.
 * Other architectures use <fenv.h>'s rounding mode only.
 */
#ifndef FPQ_FP_ENV_H
#define FPQ_FP_ENV_H

#include <stdint.h>

#if defined(__x86_64__) || defined(__i386__)
#define FPQ_FP_ENV_X86 1
#else
#include <fenv.h>
#endif

/* What fpq_fp_enter() changed, for fpq_fp_leave(). */
struct fpq_fp_env {
	uint32_t mxcsr;          /* the caller's MXCSR (FPQ_FP_CHANGED_MXCSR) */
	uint16_t x87_cw;         /* the caller's x87 control word (FPQ_FP_CHANGED_X87) */
	uint8_t changed;
	int round;               /* non-x86: the caller's fegetround() */
};

enum {
	FPQ_FP_CHANGED_MXCSR = 1u << 0,
	FPQ_FP_CHANGED_X87 = 1u << 1,
	FPQ_FP_CHANGED_ROUND = 1u << 2,
};

/* MXCSR bits 6..15 (DAZ, exception masks, rounding, FTZ) and their default. */
#define FPQ_MXCSR_CONTROL 0xFFC0u
#define FPQ_MXCSR_DEFAULT 0x1F80u
/* x87 control word: exception masks (0..5), precision (8, 9), rounding (10, 11). */
#define FPQ_X87_CONTROL 0x0F3Fu
#define FPQ_X87_DEFAULT 0x033Fu

/*
 * The compiler does not know that arithmetic depends on MXCSR: it may move register
 * arithmetic across fpq_fp_enter()/fpq_fp_leave() (not memory accesses, which the
 * barriers order). So the work between them is a call to a function that is not
 * inlined (FPQ_FP_WORK), or reads its inputs from memory and stores its results there.
 */
#define FPQ_FP_WORK __attribute__((noinline))

static inline __attribute__((always_inline)) struct fpq_fp_env fpq_fp_enter(void)
{
	struct fpq_fp_env env = { 0, 0, 0, 0 };
#ifdef FPQ_FP_ENV_X86
	uint32_t csr = __builtin_ia32_stmxcsr();
	uint16_t cw;

	if (__builtin_expect((csr & FPQ_MXCSR_CONTROL) != FPQ_MXCSR_DEFAULT, 0)) {
		env.mxcsr = csr;
		env.changed |= FPQ_FP_CHANGED_MXCSR;
		__builtin_ia32_ldmxcsr(FPQ_MXCSR_DEFAULT | (csr & ~FPQ_MXCSR_CONTROL));
	}
	__asm__ volatile("fnstcw %0" : "=m"(cw));
	if (__builtin_expect((cw & FPQ_X87_CONTROL) != FPQ_X87_DEFAULT, 0)) {
		uint16_t want = (uint16_t)((cw & ~FPQ_X87_CONTROL) | FPQ_X87_DEFAULT);

		env.x87_cw = cw;
		env.changed |= FPQ_FP_CHANGED_X87;
		__asm__ volatile("fldcw %0" : : "m"(want));
	}
#else
	int r = fegetround();

	if (r != FE_TONEAREST) {
		env.round = r;
		env.changed |= FPQ_FP_CHANGED_ROUND;
		fesetround(FE_TONEAREST);
	}
#endif
	/* No floating-point operation may move above this point. */
	__asm__ volatile("" : : : "memory");
	return env;
}

static inline __attribute__((always_inline)) void fpq_fp_leave(struct fpq_fp_env env)
{
	__asm__ volatile("" : : : "memory");
	if (__builtin_expect(!env.changed, 1))
		return;
#ifdef FPQ_FP_ENV_X86
	if (env.changed & FPQ_FP_CHANGED_MXCSR)
		__builtin_ia32_ldmxcsr(env.mxcsr);
	if (env.changed & FPQ_FP_CHANGED_X87)
		__asm__ volatile("fldcw %0" : : "m"(env.x87_cw));
#else
	if (env.changed & FPQ_FP_CHANGED_ROUND)
		fesetround(env.round);
#endif
}

#endif /* FPQ_FP_ENV_H */
