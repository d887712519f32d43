// SPDX-License-Identifier: MIT
/*
 * array_perf.c - figures of the Verilated fpq_array (not a test; the results are also
 * checked against the reference so that a fast wrong model cannot report a figure):
 *
 *   - sustained MACs per cycle per PE on long-K tiles streamed back to back;
 *   - fill and drain: cycles of one tile beyond its K beats;
 *   - the cost of short final blocks (non-MX K not a multiple of 32);
 *   - Verilator simulation speed in cycles per second.
 *
 *   array_perf [TILES [K]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "array_sim.h"
#include "array_stream.h"

static const struct array_sim_config *cfg;

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Stream n tiles of K beats; report cycles and check every result. */
static int run(struct array_sim *sim, unsigned int n, uint32_t k, bool mx,
	       struct stream_stats *st, double *seconds)
{
	struct rng r = { 12345 + k * 7 + n };
	struct stream_opts opts = { .bubble_pct = 0, .rng = &r };
	struct tile *tiles = calloc(n, sizeof(*tiles));
	unsigned int bad = 0;
	double t0;

	for (unsigned int t = 0; t < n; t++) {
		tile_alloc(&tiles[t], FPQ_FMT_E4M3, FPQ_FMT_E4M3, k, mx, mx);
		tile_fill(&tiles[t], &r, DATA_FINITE, mx ? SCALES_NEAR : SCALES_NONE);
		if (tile_reference(&tiles[t]))
			bad++;
	}
	t0 = now_seconds();
	stream_run(sim, tiles, n, &opts, st);
	*seconds = now_seconds() - t0;
	for (unsigned int t = 0; t < n; t++) {
		bad += tile_mismatches(&tiles[t], 2);
		tile_free(&tiles[t]);
	}
	free(tiles);
	if (st->timed_out || bad) {
		printf("  the model is wrong (%u mismatches%s): no figures\n", bad,
		       st->timed_out ? ", timed out" : "");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int tiles = argc > 1 ? (unsigned int)atoi(argv[1]) : 8;
	uint32_t long_k = argc > 2 ? (uint32_t)atoi(argv[2]) : 4096;
	struct array_sim *sim;
	struct stream_stats st;
	double secs, total_secs = 0;
	uint64_t total_cycles = 0;
	unsigned int pes;

	cfg = array_sim_config();
	pes = cfg->rows * cfg->cols;
	if (!((cfg->formats >> FPQ_FMT_E4M3) & 1)) {
		printf("fpq_array %s: E4M3 not built\n", cfg->name);
		return 1;
	}
	sim = array_sim_create(1);
	printf("fpq_array %s: %u x %u PEs, formats 0x%04x\n", cfg->name, cfg->rows, cfg->cols,
	       cfg->formats);

	/* Sustained: tiles back to back. */
	if (run(sim, tiles, long_k, true, &st, &secs))
		return 1;
	total_cycles += st.cycles;
	total_secs += secs;
	printf("sustained: %u tiles of K = %u (E4M3, MX) back to back: %llu beats in %llu "
	       "cycles: %.4f MACs/cycle/PE (%.1f MACs/cycle)\n", tiles, long_k,
	       (unsigned long long)st.beats, (unsigned long long)st.cycles,
	       (double)st.beats / (double)st.cycles,
	       (double)st.beats * pes / (double)st.cycles);

	/* One tile alone: everything beyond K is fill and drain. */
	static const uint32_t single_k[] = { 32, 256, 4096 };
	for (unsigned int i = 0; i < sizeof(single_k) / sizeof(single_k[0]); i++) {
		if (run(sim, 1, single_k[i], true, &st, &secs))
			return 1;
		total_cycles += st.cycles;
		total_secs += secs;
		printf("single tile K = %u: %llu cycles from first beat to last result: fill + "
		       "drain = %llu cycles, %.4f MACs/cycle/PE; first result %llu cycles after "
		       "the last beat\n", single_k[i], (unsigned long long)st.cycles,
		       (unsigned long long)(st.cycles - single_k[i]),
		       (double)single_k[i] / (double)st.cycles,
		       (unsigned long long)st.first_result_latency);
	}

	/* Short final blocks: non-MX K = 32 n + 1 back to back. */
	if (run(sim, tiles, 33, false, &st, &secs))
		return 1;
	total_cycles += st.cycles;
	total_secs += secs;
	printf("short final blocks: %u tiles of K = 33 (non-MX) back to back: %llu beats in "
	       "%llu cycles (%llu refused): %.4f MACs/cycle/PE\n", tiles,
	       (unsigned long long)st.beats, (unsigned long long)st.cycles,
	       (unsigned long long)st.refused, (double)st.beats / (double)st.cycles);

	printf("simulation speed: %llu cycles in %.2f s: %.0f cycles/s (C driver and "
	       "building the beats included)\n", (unsigned long long)total_cycles, total_secs,
	       (double)total_cycles / total_secs);
	array_sim_destroy(sim);
	return 0;
}
