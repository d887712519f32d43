// SPDX-License-Identifier: MIT
/*
 * cpu_pow2_test.c - the packers' powers of two (cpu_pow2, cpu_pow2f, built from bits)
 * equal libm's ldexp(1.0, x) and ldexpf(1.0f, x) bit for bit over and beyond every
 * exponent the packers use: normals, subnormals, underflow to zero and overflow.
 */
#include <math.h>
#include <string.h>

#include "cpu/cpu.h"
#include "harness.h"

static void pow2_double(void)
{
	for (int x = -1100; x <= 1100; x++) {
		double got = cpu_pow2(x), want = ldexp(1.0, x);
		uint64_t g, w;

		memcpy(&g, &got, sizeof(g));
		memcpy(&w, &want, sizeof(w));
		CHECK_EQ_U(g, w, "cpu_pow2(%d)", x);
	}
}

static void pow2_float(void)
{
	for (int x = -200; x <= 200; x++) {
		float got = cpu_pow2f(x), want = ldexpf(1.0f, x);
		uint32_t g, w;

		memcpy(&g, &got, sizeof(g));
		memcpy(&w, &want, sizeof(w));
		CHECK_EQ_U(g, w, "cpu_pow2f(%d)", x);
	}
}

int main(void)
{
	RUN(pow2_double);
	RUN(pow2_float);
	return harness_report();
}
