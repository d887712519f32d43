// SPDX-License-Identifier: MIT
/*
 * requant.c - the INT8 path's two output stages. TFLite's fixed-point one
 * (MultiplyByQuantizedMultiplier): a saturating rounding doubling high multiply by a Q31
 * multiplier, then a rounding arithmetic right shift. All intermediate steps are defined
 * for every int32 input: the optional left shift saturates to the int32 range, as
 * gemmlowp's ShiftLeft does (TFLite's plain "x * (1 << shift)" leaves overflow
 * undefined). And ONNX Runtime's binary32 one (MLAS MlasRequantizeOutput on x86).
 */
#include <math.h>

#include "internal.h"

/* round(a * b / 2^31), ties away from zero; the one overflow (MIN * MIN) saturates. */
static int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b)
{
	if (a == INT32_MIN && b == INT32_MIN)
		return INT32_MAX;
	int64_t ab = (int64_t)a * (int64_t)b;
	int64_t nudge = ab >= 0 ? (INT64_C(1) << 30) : 1 - (INT64_C(1) << 30);

	/* C division truncates toward zero, which the nudge turns into rounding. */
	return (int32_t)((ab + nudge) / (INT64_C(1) << 31));
}

/* round(x / 2^exponent), ties away from zero, for exponent 0..31. */
static int32_t rounding_divide_by_pot(int32_t x, int exponent)
{
	const int32_t mask = (int32_t)((INT64_C(1) << exponent) - 1);
	const int32_t remainder = x & mask;
	const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);

	/* >> on a negative int32 is an arithmetic shift with gcc and clang. */
	return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

int32_t fpq_requant_multiply(int32_t x, int32_t mult, int shift)
{
	int left = shift > 0 ? shift : 0;
	int right = shift > 0 ? 0 : -shift;
	int64_t wide = (int64_t)x * (INT64_C(1) << left);
	int32_t shifted = wide > INT32_MAX ? INT32_MAX : wide < INT32_MIN ? INT32_MIN : (int32_t)wide;

	return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, mult),
				      right);
}

/* Round a binary32 value of magnitude below 2^23 to the nearest integer, ties to even. */
static int32_t round_half_even(float v)
{
	int32_t t = (int32_t)v;                 /* truncation: exact for |v| < 2^31 */
	float frac = v - (float)t;              /* exact: v and t share the binade's grid */

	if (frac > 0.5f || (frac == 0.5f && (t & 1)))
		t++;
	else if (frac < -0.5f || (frac == -0.5f && (t & 1)))
		t--;
	return t;
}

int32_t fpq_requant_fp32(int32_t acc, float scale, int32_t lo, int32_t hi, uint64_t *clamped)
{
	/* fp32(acc): the int32 -> binary32 conversion (RNE) of MLAS's cvtdq2ps. */
	float p = (float)acc * scale;           /* one binary32 rounding */

	/* MAXPS(p, lo) then MINPS(., hi): a NaN p takes the bound, so NaN gives lo. */
	if (!(p >= (float)lo)) {
		(*clamped)++;
		p = (float)lo;
	} else if (p > (float)hi) {
		(*clamped)++;
		p = (float)hi;
	}
	return round_half_even(p);
}
