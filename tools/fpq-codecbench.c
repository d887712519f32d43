// SPDX-License-Identifier: MIT
/*
 * fpq-codecbench - what the floating-point environment guard (lib/fp_env.h) costs a
 * per-element codec call, printed as a table (not a test). Peers timed in the same run,
 * in alternating rounds, best of R rounds (a round converts the same 64 Ki values):
 *   - fpq_encode() (public: guard + format check + rounding) against the unguarded
 *     rounding it wraps (fpq_encode_double(), libfpq's internal core);
 *   - fpq_bf16_from_fp32() against the same four integer lines inline;
 *   - the guard alone (fpq_fp_enter() + fpq_fp_leave());
 *   - each of the above with FTZ set by the caller (the guard then writes MXCSR twice).
 *
 *   fpq-codecbench [--rounds R]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#define N_VALUES (1u << 16)

static float values[N_VALUES];
static volatile uint32_t sink;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void encode_public(void)
{
	uint32_t acc = 0;

	for (uint32_t i = 0; i < N_VALUES; i++)
		acc += fpq_encode(FPQ_FMT_E4M3, values[i], 0, NULL);
	sink = acc;
}

static void encode_core(void)
{
	uint32_t acc = 0;

	for (uint32_t i = 0; i < N_VALUES; i++)
		acc += fpq_encode_double(FPQ_FMT_E4M3, (double)values[i], 0, NULL);
	sink = acc;
}

static void bf16_public(void)
{
	uint32_t acc = 0;

	for (uint32_t i = 0; i < N_VALUES; i++)
		acc += fpq_bf16_from_fp32(values[i]);
	sink = acc;
}

static void bf16_inline(void)
{
	uint32_t acc = 0;

	for (uint32_t i = 0; i < N_VALUES; i++) {
		uint32_t bits;

		memcpy(&bits, &values[i], 4);
		if ((bits & 0x7FFFFFFFu) > 0x7F800000u)
			acc += 0x7FC0;
		else
			acc += (bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16;
	}
	sink = acc;
}

static void guard_alone(void)
{
	for (uint32_t i = 0; i < N_VALUES; i++) {
		struct fpq_fp_env env = fpq_fp_enter();

		fpq_fp_leave(env);
	}
}

struct peer {
	const char *name;
	void (*fn)(void);
	double best;
};

int main(int argc, char **argv)
{
	int rounds = 30;
	struct peer peers[] = {
		{ "fpq_encode (e4m3, guarded)", encode_public, 1e9 },
		{ "fpq_encode_double (unguarded core)", encode_core, 1e9 },
		{ "fpq_bf16_from_fp32 (guarded)", bf16_public, 1e9 },
		{ "bf16 rounding inline (unguarded)", bf16_inline, 1e9 },
		{ "guard alone (enter + leave)", guard_alone, 1e9 },
	};
	const int n_peers = (int)(sizeof(peers) / sizeof(peers[0]));
	uint64_t s = 0x5EED;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
	for (uint32_t i = 0; i < N_VALUES; i++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		values[i] = (float)((int32_t)(s >> 33) % 1000000) / 1000.0f;
	}
	printf("%-40s %12s %12s\n", "ns per call (best of rounds)", "default env", "caller FTZ");
	double best[2][8];

	for (int mode = 0; mode < 2; mode++) {
		unsigned int csr = __builtin_ia32_stmxcsr();

		for (int p = 0; p < n_peers; p++)
			peers[p].best = 1e9;
		if (mode)
			__builtin_ia32_ldmxcsr(csr | 0x8000);
		for (int r = 0; r < rounds; r++)
			for (int p = 0; p < n_peers; p++) {
				double t0 = now();

				peers[p].fn();
				double t = (now() - t0) / N_VALUES * 1e9;

				if (t < peers[p].best)
					peers[p].best = t;
			}
		__builtin_ia32_ldmxcsr(csr);
		for (int p = 0; p < n_peers; p++)
			best[mode][p] = peers[p].best;
	}
	for (int p = 0; p < n_peers; p++)
		printf("%-40s %12.2f %12.2f\n", peers[p].name, best[0][p], best[1][p]);
	printf("guarded / unguarded: fpq_encode %.2fx, fpq_bf16_from_fp32 %.2fx (default env)\n",
	       best[0][0] / best[0][1], best[0][2] / best[0][3]);
	return 0;
}
