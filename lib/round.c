// SPDX-License-Identifier: MIT
/*
 * round.c - exact values rounded once to binary32 (RNE, gradual underflow, overflow to
 * Inf). The block sums of the float paths and the INT8 path's scaled output go through
 * here, so each is rounded exactly once as numerics.rst requires.
 */
#include <math.h>
#include <string.h>

#include "internal.h"

static int bit_length(unsigned __int128 v)
{
	uint64_t hi = (uint64_t)(v >> 64), lo = (uint64_t)v;

	if (hi)
		return 128 - __builtin_clzll(hi);
	return lo ? 64 - __builtin_clzll(lo) : 0;
}

float fpq_round_fp32(__int128 s, int exp)
{
	if (s == 0)
		return 0.0f;

	int negative = s < 0;
	unsigned __int128 mag = negative ? -(unsigned __int128)s : (unsigned __int128)s;
	int n = bit_length(mag);
	/* Weight of the value's leading bit, and of the last bit binary32 can keep there. */
	int lead = n - 1 + exp;
	int keep_lsb = lead - 23 < -149 ? -149 : lead - 23;
	int drop = keep_lsb - exp;
	uint64_t q;

	if (drop <= 0) {
		q = (uint64_t)mag << -drop;     /* exact: at most 24 bits */
	} else if (drop > n) {
		q = 0;                          /* below half the smallest subnormal */
	} else {
		unsigned __int128 half = (unsigned __int128)1 << (drop - 1);
		unsigned __int128 rem;

		if (drop == 128) {
			q = 0;
			rem = mag;
		} else {
			q = (uint64_t)(mag >> drop);
			rem = mag & (((unsigned __int128)1 << drop) - 1);
		}
		if (rem > half || (rem == half && (q & 1)))
			q++;
	}
	/*
	 * q * 2^keep_lsb is now a binary32 value (q <= 2^24) or at least 2^128; in double it
	 * is exact, and the conversion to float is exact or overflows to Inf.
	 */
	double v = ldexp((double)q, keep_lsb);
	float f = v > 0x1.fffffep127 ? INFINITY : (float)v;

	return negative ? -f : f;
}

float fpq_mul_i32_f32(int32_t acc, float scale)
{
	if (isnan(scale))
		return fpq_canonical(NAN);
	if (isinf(scale)) {
		if (acc == 0)
			return fpq_canonical(NAN);
		return (acc < 0) != (signbit(scale) != 0) ? -INFINITY : INFINITY;
	}
	if (scale == 0.0f || acc == 0) {
		/* Exact zero: its sign is the product's sign, as IEEE multiplication has it. */
		int neg = (acc < 0) != (signbit(scale) != 0);

		return neg ? -0.0f : 0.0f;
	}
	int e;
	float frac = frexpf(scale, &e);             /* scale = frac * 2^e, |frac| in [0.5, 1) */
	int64_t sig = (int64_t)ldexpf(frac, 24);   /* exact integer, |sig| < 2^24 */

	return fpq_round_fp32((__int128)acc * sig, e - 24);
}

float fpq_canonical(float v)
{
	if (isnan(v)) {
		uint32_t bits = FPQ_CANONICAL_NAN_BITS;

		memcpy(&v, &bits, sizeof(v));
	}
	return v;
}
