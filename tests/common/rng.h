/* SPDX-License-Identifier: MIT */
/*
 * rng.h - a small deterministic generator for tests (splitmix64), seeded per test so a
 * failure can be reproduced; FPQ_TEST_SEED overrides the seed.
 */
#ifndef FPQ_TEST_RNG_H
#define FPQ_TEST_RNG_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct rng {
	uint64_t s;
};

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static inline uint32_t rng_u32(struct rng *r)
{
	return (uint32_t)(rng_next(r) >> 32);
}

/* Uniform in [0, n). */
static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static inline float rng_float_bits(struct rng *r)
{
	uint32_t b = rng_u32(r);
	float f;

	memcpy(&f, &b, sizeof(f));
	return f;
}

static inline struct rng rng_seeded(uint64_t seed)
{
	const char *env = getenv("FPQ_TEST_SEED");
	struct rng r = { env ? strtoull(env, NULL, 0) ^ seed : seed };

	return r;
}

#endif /* FPQ_TEST_RNG_H */
