// SPDX-License-Identifier: MIT
/*
 * arith_test.c - the array's binary32 arithmetic against independent implementations:
 * fpq_fp32_add against the C compiler's binary32 addition (SSE, round to nearest even),
 * and fpq_fp32_round of 70-bit block sums against libfpq's fpq_round_fp32(). Millions of
 * vectors aimed at the hard cases: cancellation, alignment beyond the guard bits,
 * subnormals, overflow, ties, signed zeros and special values.
 *
 *   arith_test [SEED]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arith_sim.h"
#include "harness.h"
#include "rtl_errors_check.h"
#include "internal.h"
#include "rng.h"

static struct arith_sim *sim;
static uint64_t base_seed = 1;

#define BATCH 4096

static uint32_t fbits(float v)
{
	uint32_t b;

	memcpy(&b, &v, sizeof(b));
	return b;
}

static float bitsf(uint32_t b)
{
	float v;

	memcpy(&v, &b, sizeof(v));
	return v;
}

/* The C compiler's sum, with the array's canonical NaN. */
static uint32_t c_add(uint32_t x, uint32_t y)
{
	float s = bitsf(x) + bitsf(y);

	return isnan(s) ? 0x7FC00000u : fbits(s);
}

static uint32_t random_with_exp(struct rng *r, uint32_t exp)
{
	return (rng_u32(r) & 0x807FFFFFu) | (exp << 23);
}

/* One operand pair of a kind. */
static void draw_pair(struct rng *r, unsigned int kind, uint32_t *x, uint32_t *y)
{
	static const uint32_t specials[] = {
		0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00001,
		0x7F800001, 0x00000001, 0x80000001, 0x007FFFFF, 0x00800000, 0x80800000,
		0x7F7FFFFF, 0xFF7FFFFF, 0x3F800000, 0xBF800000, 0x00400000, 0x7F000000,
	};
	enum { NS = sizeof(specials) / sizeof(specials[0]) };
	uint32_t e;

	switch (kind) {
	case 0:  /* anything */
		*x = rng_u32(r);
		*y = rng_u32(r);
		break;
	case 1:  /* near cancellation: y = -x a few ulps away */
		*x = random_with_exp(r, 1 + rng_below(r, 253));
		*y = (*x ^ 0x80000000u) + rng_below(r, 9) - 4;
		break;
	case 2:  /* alignment: exponents d apart, around the guard, round and sticky bits */
		e = 30 + rng_below(r, 190);
		*x = random_with_exp(r, e);
		*y = random_with_exp(r, e - rng_below(r, 30));
		if (rng_below(r, 2))
			*y &= ~(uint32_t)((1u << rng_below(r, 23)) - 1);  /* trailing zeros: ties */
		break;
	case 3:  /* subnormal and smallest normal operands */
		*x = random_with_exp(r, rng_below(r, 3));
		*y = random_with_exp(r, rng_below(r, 3));
		break;
	case 4:  /* near overflow */
		*x = random_with_exp(r, 250 + rng_below(r, 5));
		*y = random_with_exp(r, 250 + rng_below(r, 5));
		break;
	default: /* special values against each other and against random values */
		*x = specials[rng_below(r, NS)];
		*y = rng_below(r, 3) ? specials[rng_below(r, NS)] : rng_u32(r);
		if (rng_below(r, 2)) {
			uint32_t t = *x;

			*x = *y;
			*y = t;
		}
		break;
	}
}

static void adder(void)
{
	static uint32_t x[BATCH], y[BATCH], got[BATCH];
	struct rng r = { base_seed * 0x9E3779B97F4A7C15ull + 1 };
	unsigned long long vectors = 0, bad = 0;

	for (unsigned int kind = 0; kind < 6; kind++) {
		for (unsigned int b = 0; b < 100; b++) {
			for (unsigned int i = 0; i < BATCH; i++)
				draw_pair(&r, kind, &x[i], &y[i]);
			arith_sim_add(sim, x, y, got, BATCH);
			for (unsigned int i = 0; i < BATCH; i++) {
				uint32_t want = c_add(x[i], y[i]);

				vectors++;
				if (got[i] == want)
					continue;
				bad++;
				CHECK_EQ_U(got[i], want, "kind %u: 0x%08x + 0x%08x (%a + %a)", kind,
					   x[i], y[i], (double)bitsf(x[i]), (double)bitsf(y[i]));
			}
		}
	}
	printf("  %llu sums, %llu wrong\n", vectors, bad);
}

/* A magnitude of exactly nbits bits (nbits <= 70) as hi:lo. */
static void random_mag(struct rng *r, unsigned int nbits, uint64_t *hi, uint64_t *lo)
{
	*lo = rng_next(r);
	*hi = rng_next(r) & 0x3F;
	if (nbits == 0) {
		*hi = *lo = 0;
	} else if (nbits <= 64) {
		*hi = 0;
		if (nbits < 64)
			*lo &= (1ull << nbits) - 1;
		*lo |= 1ull << (nbits - 1);
	} else {
		*hi &= (1ull << (nbits - 64)) - 1;
		*hi |= 1ull << (nbits - 65);
	}
}

static void block_rounding(void)
{
	struct rng r = { base_seed * 0x9E3779B97F4A7C15ull + 2 };
	unsigned long long vectors = 0, bad = 0;

	for (unsigned int v = 0; v < 1000000; v++) {
		unsigned int nbits = rng_below(&r, 71);
		uint64_t hi, lo;
		int exp, neg;

		random_mag(&r, nbits, &hi, &lo);
		/* Ties: everything below some bit cleared, that bit set. */
		if (nbits > 2 && rng_below(&r, 4) == 0) {
			unsigned int t = rng_below(&r, nbits - 1);
			unsigned __int128 m = ((unsigned __int128)hi << 64) | lo;

			m &= ~(((unsigned __int128)1 << (t + 1)) - 1);
			m |= (unsigned __int128)1 << t;
			hi = (uint64_t)(m >> 64);
			lo = (uint64_t)m;
		}
		/* Exponents of block sums: (sa - 127) + (sb - 127) + lsb, -286 .. 254, with
		 * more weight where the result is subnormal or overflows. */
		switch (rng_below(&r, 3)) {
		case 0: exp = -286 + (int)rng_below(&r, 541); break;
		case 1: exp = -149 - (int)nbits - 2 + (int)rng_below(&r, 30); break;
		default: exp = 127 - (int)nbits + (int)rng_below(&r, 4); break;
		}
		neg = nbits ? (int)rng_below(&r, 2) : 0;
		unsigned __int128 m = ((unsigned __int128)hi << 64) | lo;
		__int128 s = neg ? -(__int128)m : (__int128)m;
		uint32_t want = fbits(fpq_round_fp32(s, exp));
		uint32_t got = arith_sim_round(sim, neg, hi, lo, exp);

		vectors++;
		if (got == want)
			continue;
		bad++;
		CHECK_EQ_U(got, want, "%s0x%llx%016llx * 2^%d", neg ? "-" : "",
			   (unsigned long long)hi, (unsigned long long)lo, exp);
	}
	printf("  %llu roundings, %llu wrong\n", vectors, bad);
}

/* Every case: no assertion of the adder or the rounding failed (rtl/fpq_assert.svh). */
static void no_rtl_errors(void)
{
	check_no_new_rtl_errors(arith_sim_rtl_errors(sim));
}

int main(int argc, char **argv)
{
	const char *env = getenv("FPQ_TEST_SEED");

	if (argc > 1)
		base_seed = strtoull(argv[1], NULL, 0);
	else if (env)
		base_seed = strtoull(env, NULL, 0);
	printf("fpq_fp32_add and fpq_fp32_round, seed %llu\n", (unsigned long long)base_seed);
	sim = arith_sim_create(base_seed);
	if (!sim)
		return 1;
	harness.after_case = no_rtl_errors;
	RUN(adder);
	RUN(block_rounding);
	arith_sim_destroy(sim);
	return harness_report();
}
