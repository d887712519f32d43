// SPDX-License-Identifier: MIT
/*
 * array_test.c - the Verilated fpq_array against libfpq's reference GEMM, bit for bit:
 * every format pair built, MXINT8 and INT8, random and adversarial tiles (zeros,
 * saturation, subnormal products, NaN/Inf, scale extremes), K from 1 to 65536, tiles back
 * to back with and without bubbles, and a reset in the middle of a stream.
 *
 *   array_test [SEED]      (or FPQ_TEST_SEED; the model's random initial state too)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "array_sim.h"
#include "array_stream.h"
#include "harness.h"
#include "rtl_errors_check.h"

static const struct array_sim_config *cfg;
static struct array_sim *sim;
static uint64_t base_seed = 1;
static uint64_t sim_cycles_total;
static double sim_seconds_total;

static const enum fpq_format float_ops[] = {
	FPQ_FMT_E4M3, FPQ_FMT_E5M2, FPQ_FMT_E3M2, FPQ_FMT_E2M3, FPQ_FMT_E2M1, FPQ_FMT_MXINT8,
};
#define N_FLOAT_OPS (sizeof(float_ops) / sizeof(float_ops[0]))

static bool built(enum fpq_format f)
{
	return (cfg->formats >> f) & 1u;
}

static struct rng case_rng(unsigned int case_id)
{
	struct rng r = { base_seed * 0x9E3779B97F4A7C15ull + case_id * 0xD1B54A32D192ED03ull };

	rng_next(&r);
	return r;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Compute the references, stream the tiles through the model, compare every bit. */
static void check_stream(struct tile *tiles, unsigned int n, unsigned int bubble_pct,
			 struct rng *r)
{
	struct stream_opts opts = { .bubble_pct = bubble_pct, .rng = r };
	struct stream_stats st;
	double t0;

	for (unsigned int t = 0; t < n; t++)
		CHECK(tile_reference(&tiles[t]) == 0, "reference of %s", tiles[t].what);
	t0 = now_seconds();
	stream_run(sim, tiles, n, &opts, &st);
	sim_seconds_total += now_seconds() - t0;
	sim_cycles_total += st.cycles;
	CHECK(!st.timed_out, "results of %u tiles did not all arrive in %llu cycles", n,
	      (unsigned long long)st.cycles);
	CHECK(st.stray_results == 0, "%llu result beats nobody asked for",
	      (unsigned long long)st.stray_results);
	CHECK(st.bad_last == 0, "out_last wrong on %llu beats", (unsigned long long)st.bad_last);
	CHECK(st.bad_refusals == 0, "%llu beats refused against the interface contract",
	      (unsigned long long)st.bad_refusals);
	for (unsigned int t = 0; t < n; t++) {
		unsigned int bad = tile_mismatches(&tiles[t], 3);

		CHECK(bad == 0, "tile %u (%s): %u of %u results differ from the reference", t,
		      tiles[t].what, bad, cfg->rows * cfg->cols);
	}
}

static void free_tiles(struct tile *tiles, unsigned int n)
{
	for (unsigned int t = 0; t < n; t++)
		tile_free(&tiles[t]);
}

static enum data_mode random_mode(struct rng *r)
{
	return (enum data_mode)rng_below(r, DATA_MODES);
}

/* Every float/MX pair: non-MX K not a multiple of 32 or of the array, MX blocks, K = 32;
 * streams alternate between back to back and with bubbles. */
static void float_pairs_random(void)
{
	struct rng r = case_rng(1);
	unsigned int pairs = 0;

	for (unsigned int x = 0; x < N_FLOAT_OPS; x++) {
		for (unsigned int y = 0; y < N_FLOAT_OPS; y++) {
			enum fpq_format fa = float_ops[x], fb = float_ops[y];
			struct tile tiles[4];

			if (!built(fa) || !built(fb))
				continue;
			tile_alloc(&tiles[0], fa, fb, 1 + rng_below(&r, 100), false, false);
			tile_fill(&tiles[0], &r, DATA_FINITE, SCALES_NONE);
			tile_alloc(&tiles[1], fa, fb, 32 * (1 + rng_below(&r, 4)), true, true);
			tile_fill(&tiles[1], &r, random_mode(&r),
				  (enum scale_mode)(1 + rng_below(&r, SCALE_MODES - 1)));
			tile_alloc(&tiles[2], fa, fb, 32, true, true);
			tile_fill(&tiles[2], &r, random_mode(&r), SCALES_NEAR);
			tile_alloc(&tiles[3], fa, fb, 1 + rng_below(&r, 70), false, false);
			tile_fill(&tiles[3], &r, DATA_UNIFORM, SCALES_NONE);
			check_stream(tiles, 4, (pairs++ % 2) ? 25 : 0, &r);
			free_tiles(tiles, 4);
		}
	}
	CHECK(pairs > 0, "no float format built");
}

/* Every pair x every data mode x every scale mode, MX blocks, in one stream per pair. */
static void float_pairs_adversarial(void)
{
	struct rng r = case_rng(2);
	enum { N = DATA_MODES * SCALE_MODES };

	for (unsigned int x = 0; x < N_FLOAT_OPS; x++) {
		for (unsigned int y = 0; y < N_FLOAT_OPS; y++) {
			enum fpq_format fa = float_ops[x], fb = float_ops[y];
			struct tile tiles[N];
			unsigned int n = 0;

			if (!built(fa) || !built(fb))
				continue;
			for (int m = 0; m < DATA_MODES; m++) {
				for (int s = 0; s < SCALE_MODES; s++) {
					tile_alloc(&tiles[n], fa, fb, 64, true, true);
					tile_fill(&tiles[n], &r, (enum data_mode)m,
						  (enum scale_mode)s);
					n++;
				}
			}
			check_stream(tiles, n, 0, &r);
			free_tiles(tiles, n);
		}
	}
}

/* Only one operand MX-blocked: the other's scales are 1.0. */
static void mixed_scaling(void)
{
	struct rng r = case_rng(3);

	for (unsigned int x = 0; x < N_FLOAT_OPS; x++) {
		enum fpq_format fa = float_ops[x], fb = float_ops[(x + 1) % N_FLOAT_OPS];
		struct tile tiles[2];

		if (!built(fa) || !built(fb))
			continue;
		tile_alloc(&tiles[0], fa, fb, 96, true, false);
		tile_fill(&tiles[0], &r, DATA_FINITE, SCALES_ANY);
		tile_alloc(&tiles[1], fa, fb, 96, false, true);
		tile_fill(&tiles[1], &r, DATA_MIXED_MAG, SCALES_EXTREME);
		check_stream(tiles, 2, 10, &r);
		free_tiles(tiles, 2);
	}
}

/* K around block and array sizes, including one-beat tiles back to back, which make
 * the array hold block ends apart. */
static void k_shapes(void)
{
	static const uint32_t ks[] = { 1, 1, 1, 2, 3, 1, 5, 7, 8, 9, 31, 32, 33, 63, 65, 100,
				       127, 129, 1, 2 };
	enum { N = sizeof(ks) / sizeof(ks[0]) };
	struct rng r = case_rng(4);
	struct tile tiles[N];
	unsigned int n = 0;

	for (unsigned int t = 0; t < N; t++) {
		enum fpq_format fa = float_ops[rng_below(&r, N_FLOAT_OPS)];
		enum fpq_format fb = float_ops[rng_below(&r, N_FLOAT_OPS)];

		if (!built(fa) || !built(fb))
			continue;
		tile_alloc(&tiles[n], fa, fb, ks[t], false, false);
		tile_fill(&tiles[n], &r, t % 3 ? DATA_FINITE : DATA_CANCEL, SCALES_NONE);
		n++;
	}
	check_stream(tiles, n, 0, &r);
	free_tiles(tiles, n);
}

/* K >= 4096: many blocks accumulated in binary32, in K order. */
static void long_k(void)
{
	static const struct {
		enum fpq_format fa, fb;
		uint32_t k;
		bool mx;
		enum data_mode mode;
	} cases[] = {
		{ FPQ_FMT_E4M3, FPQ_FMT_E4M3, 4096, true, DATA_FINITE },
		{ FPQ_FMT_E5M2, FPQ_FMT_E5M2, 4096, false, DATA_CANCEL },
		{ FPQ_FMT_E2M1, FPQ_FMT_E3M2, 4096, true, DATA_MIXED_MAG },
		{ FPQ_FMT_MXINT8, FPQ_FMT_E4M3, 4096, true, DATA_FINITE },
		{ FPQ_FMT_E2M3, FPQ_FMT_E2M3, 4099, false, DATA_FINITE },
		{ FPQ_FMT_E3M2, FPQ_FMT_E5M2, 5000, false, DATA_UNIFORM },
	};
	struct rng r = case_rng(5);
	unsigned int done = 0;

	for (unsigned int c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct tile t;

		if (!built(cases[c].fa) || !built(cases[c].fb))
			continue;
		tile_alloc(&t, cases[c].fa, cases[c].fb, cases[c].k, cases[c].mx, cases[c].mx);
		tile_fill(&t, &r, cases[c].mode, cases[c].mx ? SCALES_NEAR : SCALES_NONE);
		check_stream(&t, 1, c == 1 ? 5 : 0, &r);
		tile_free(&t);
		done++;
	}
	CHECK(done >= 2, "only %u long-K cases apply to this build", done);
}

/* Set every element of block blk of rows [r0, r1) of m to code. */
static void set_block(const struct fpq_matrix *m, uint32_t r0, uint32_t r1, uint32_t blk,
		      uint32_t code)
{
	for (uint32_t i = r0; i < r1; i++)
		for (uint32_t k = 32 * blk; k < 32 * blk + 32 && k < m->cols; k++)
			fpq_matrix_set(m, i, k, code);
}

/* All-zero tiles, and an all-zero block between non-zero ones (S = 0 gives P = +0). */
static void zero_blocks(void)
{
	struct rng r = case_rng(6);

	for (unsigned int x = 0; x < N_FLOAT_OPS; x++) {
		for (unsigned int y = 0; y < N_FLOAT_OPS; y++) {
			enum fpq_format fa = float_ops[x], fb = float_ops[y];
			struct tile tiles[3];

			if (!built(fa) || !built(fb))
				continue;
			tile_alloc(&tiles[0], fa, fb, 64, true, true);
			tile_fill(&tiles[0], &r, DATA_ZERO, SCALES_ANY);
			tile_alloc(&tiles[1], fa, fb, 96, true, true);
			tile_fill(&tiles[1], &r, DATA_FINITE, SCALES_NEAR);
			set_block(&tiles[1].a.m, 0, cfg->rows, 1, 0);
			tile_alloc(&tiles[2], fa, fb, 40, false, false);
			tile_fill(&tiles[2], &r, DATA_ZERO, SCALES_NONE);
			check_stream(tiles, 3, 0, &r);
			free_tiles(tiles, 3);
		}
	}
}

/* The largest finite code of a format, positive. */
static uint32_t max_code(enum fpq_format f)
{
	uint32_t best = 0;
	float bestv = 0.0f;

	for (uint32_t c = 0; c < (1u << fpq_format_info(f)->bits); c++) {
		float v = fpq_decode(f, c);

		if (v == v && v < 1e30f && v > bestv) {
			bestv = v;
			best = c;
		}
	}
	return best;
}

/* Blocks of the largest magnitudes: the widest exact sums, P overflowing to Inf, the
 * binary32 accumulator overflowing, and Infs of both signs meeting (NaN). */
static void saturating(void)
{
	struct rng r = case_rng(7);

	for (unsigned int x = 0; x < N_FLOAT_OPS; x++) {
		for (unsigned int y = 0; y < N_FLOAT_OPS; y++) {
			enum fpq_format fa = float_ops[x], fb = float_ops[y];
			struct tile tiles[3];

			if (!built(fa) || !built(fb))
				continue;
			/* All +max: the largest exact block sum, at scales 1.0 and 2^127. */
			for (unsigned int t = 0; t < 3; t++) {
				tile_alloc(&tiles[t], fa, fb, 128, true, true);
				tile_fill(&tiles[t], &r, DATA_FINITE, SCALES_NEAR);
			}
			for (uint32_t blk = 0; blk < 4; blk++) {
				uint32_t ma = max_code(fa), mb = max_code(fb);

				for (unsigned int t = 0; t < 3; t++) {
					set_block(&tiles[t].a.m, 0, cfg->rows, blk,
						  t == 2 && blk % 2 ? negate_code(fa, ma) : ma);
					set_block(&tiles[t].b.m, 0, cfg->cols, blk, mb);
				}
				for (unsigned int i = 0; i < cfg->rows; i++) {
					uint8_t *sa0 = tiles[0].a.m.scales, *sa1 = tiles[1].a.m.scales;
					uint8_t *sa2 = tiles[2].a.m.scales;
					size_t at = i * tiles[0].a.m.scale_stride + blk;

					sa0[at] = 127;
					/* Tile 1: P near the top of binary32, the sum overflows. */
					sa1[at] = (uint8_t)(230 + rng_below(&r, 25));
					sa2[at] = 254;
				}
				for (unsigned int j = 0; j < cfg->cols; j++) {
					size_t at = j * tiles[0].b.m.scale_stride + blk;

					tiles[0].b.m.scales[at] = 127;
					tiles[1].b.m.scales[at] = (uint8_t)(100 + rng_below(&r, 30));
					tiles[2].b.m.scales[at] = 254;
				}
			}
			check_stream(tiles, 3, 0, &r);
			free_tiles(tiles, 3);
		}
	}
}

/* Subnormal elements, and products scaled into binary32's subnormal range or below. */
static void subnormal_products(void)
{
	struct rng r = case_rng(8);

	for (unsigned int x = 0; x < N_FLOAT_OPS; x++) {
		for (unsigned int y = 0; y < N_FLOAT_OPS; y++) {
			enum fpq_format fa = float_ops[x], fb = float_ops[y];
			struct tile tiles[3];

			if (!built(fa) || !built(fb))
				continue;
			tile_alloc(&tiles[0], fa, fb, 64, false, false);
			tile_fill(&tiles[0], &r, DATA_SUBNORMAL, SCALES_NONE);
			for (unsigned int t = 1; t < 3; t++) {
				tile_alloc(&tiles[t], fa, fb, 96, true, true);
				tile_fill(&tiles[t], &r, t == 1 ? DATA_SUBNORMAL : DATA_FINITE,
					  SCALES_NONE);
				/* 2^(sa + sb - 254) around 2^-149 .. 2^-100 */
				for (size_t s = 0; s < tiles[t].a.scale_bytes; s++)
					tiles[t].a.scale_buf[s] = (uint8_t)rng_below(&r, 40);
				for (size_t s = 0; s < tiles[t].b.scale_bytes; s++)
					tiles[t].b.scale_buf[s] = (uint8_t)(rng_below(&r, 60) + 20);
			}
			check_stream(tiles, 3, 0, &r);
			free_tiles(tiles, 3);
		}
	}
}

/* Inf and NaN elements, Inf * 0, NaN scales. */
static void specials(void)
{
	struct rng r = case_rng(9);

	for (unsigned int x = 0; x < N_FLOAT_OPS; x++) {
		for (unsigned int y = 0; y < N_FLOAT_OPS; y++) {
			enum fpq_format fa = float_ops[x], fb = float_ops[y];
			struct tile tiles[4];

			if (!built(fa) || !built(fb))
				continue;
			for (unsigned int t = 0; t < 4; t++) {
				tile_alloc(&tiles[t], fa, fb, 32 * (1 + t), t != 3, t != 3);
				tile_fill(&tiles[t], &r, DATA_SPECIALS,
					  t == 0 ? SCALES_EXTREME : t == 3 ? SCALES_NONE
									   : SCALES_ANY);
			}
			/* A NaN scale in one block of one row and one column. */
			tiles[1].a.m.scales[0] = 0xFF;
			tiles[1].b.m.scales[tiles[1].b.m.scale_stride + 1] = 0xFF;
			check_stream(tiles, 4, 0, &r);
			free_tiles(tiles, 4);
		}
	}
}

/* Scales at both ends of E8M0 on every element: products 2^-254 and 2^254 apart. */
static void scale_extremes(void)
{
	static const uint8_t ends[][2] = { { 0, 0 }, { 254, 254 }, { 0, 254 }, { 1, 126 },
					   { 254, 0 }, { 127, 0 } };
	struct rng r = case_rng(10);

	for (unsigned int x = 0; x < N_FLOAT_OPS; x++) {
		for (unsigned int y = 0; y < N_FLOAT_OPS; y++) {
			enum fpq_format fa = float_ops[x], fb = float_ops[y];
			enum { N = sizeof(ends) / sizeof(ends[0]) };
			struct tile tiles[N];

			if (!built(fa) || !built(fb))
				continue;
			for (unsigned int t = 0; t < N; t++) {
				tile_alloc(&tiles[t], fa, fb, 64, true, true);
				tile_fill(&tiles[t], &r, t % 2 ? DATA_MIXED_MAG : DATA_FINITE,
					  SCALES_NONE);
				memset(tiles[t].a.scale_buf, ends[t][0], tiles[t].a.scale_bytes);
				memset(tiles[t].b.scale_buf, ends[t][1], tiles[t].b.scale_bytes);
			}
			check_stream(tiles, N, 0, &r);
			free_tiles(tiles, N);
		}
	}
}

/* INT8 with activation zero point and int32 accumulation. */
static void int8_path(void)
{
	struct rng r = case_rng(11);
	enum { N = 12 };
	struct tile tiles[N];

	if (!built(FPQ_FMT_INT8)) {
		harness_skip("INT8 not built");
		return;
	}
	for (unsigned int t = 0; t < N; t++) {
		uint32_t k = t < 4 ? 1 + rng_below(&r, 300) : t < 8 ? 32 * (1 + t) : 1 + t;

		tile_alloc(&tiles[t], FPQ_FMT_INT8, FPQ_FMT_INT8, k, false, false);
		tile_fill(&tiles[t], &r, t % 3 ? DATA_UNIFORM : DATA_MIXED_MAG, SCALES_NONE);
		tiles[t].zero_point = (int8_t)(t == 5 ? 127 : t == 6 ? -128 : (int)rng_below(&r, 256) - 128);
	}
	check_stream(tiles, N, 15, &r);
	free_tiles(tiles, N);
}

/* INT8 at K = 65536 with the largest products: the int32 sum's extremes. */
static void int8_extremes(void)
{
	struct rng r = case_rng(12);
	struct tile tiles[2];

	if (!built(FPQ_FMT_INT8)) {
		harness_skip("INT8 not built");
		return;
	}
	for (unsigned int t = 0; t < 2; t++) {
		tile_alloc(&tiles[t], FPQ_FMT_INT8, FPQ_FMT_INT8, FPQ_INT8_MAX_K, false, false);
		tile_fill(&tiles[t], &r, DATA_UNIFORM, SCALES_NONE);
	}
	/* (-128 - 127) * -128 everywhere in tile 0; (127 + 128) * -128 in the first half of
	 * tile 1's A rows (the rest stays random). */
	memset(tiles[0].a.buf, 0x80, tiles[0].a.buf_bytes);
	memset(tiles[0].b.buf, 0x80, tiles[0].b.buf_bytes);
	tiles[0].zero_point = 127;
	memset(tiles[1].a.buf, 0x7F, tiles[1].a.buf_bytes / 2);
	memset(tiles[1].b.buf, 0x80, tiles[1].b.buf_bytes);
	tiles[1].zero_point = -128;
	check_stream(tiles, 2, 0, &r);
	free_tiles(tiles, 2);
}

/* A reset in the middle of a stream: the array must forget it completely. */
static void reset_midstream(void)
{
	struct rng r = case_rng(13);
	struct array_sim_beat beat;
	struct tile tiles[2];

	memset(&beat, 0, sizeof(beat));
	for (unsigned int c = 0; c < 300; c++) {
		beat.valid = rng_below(&r, 4) != 0;
		beat.block_last = rng_below(&r, 8) == 0;
		beat.tile_last = rng_below(&r, 40) == 0;
		beat.fmt_a = (uint8_t)float_ops[rng_below(&r, N_FLOAT_OPS)];
		beat.fmt_b = (uint8_t)float_ops[rng_below(&r, N_FLOAT_OPS)];
		for (unsigned int i = 0; i < ARRAY_SIM_MAX_DIM; i++) {
			beat.a[i] = (uint8_t)rng_u32(&r);
			beat.b[i] = (uint8_t)rng_u32(&r);
			beat.scale_a[i] = (uint8_t)rng_u32(&r);
			beat.scale_b[i] = (uint8_t)rng_u32(&r);
		}
		array_sim_cycle(sim, &beat, NULL);
	}
	array_sim_reset(sim, 1 + rng_below(&r, 3));
	for (unsigned int t = 0; t < 2; t++) {
		enum fpq_format f = built(FPQ_FMT_E4M3) ? FPQ_FMT_E4M3 : FPQ_FMT_E2M3;

		tile_alloc(&tiles[t], f, f, 64, true, true);
		tile_fill(&tiles[t], &r, DATA_FINITE, SCALES_NEAR);
	}
	check_stream(tiles, 2, 0, &r);
	free_tiles(tiles, 2);
}

/* The documented timing: the first result column ROWS + 6 cycles after the tile-last
 * beat, and full blocks taken one per cycle without a wait. */
static void interface_timing(void)
{
	struct rng r = case_rng(14);
	struct stream_opts opts = { .bubble_pct = 0, .rng = &r };
	struct stream_stats st;
	struct tile tiles[3];
	enum fpq_format f = built(FPQ_FMT_E4M3) ? FPQ_FMT_E4M3 : FPQ_FMT_E2M3;

	for (unsigned int t = 0; t < 3; t++) {
		tile_alloc(&tiles[t], f, f, 96, true, true);
		tile_fill(&tiles[t], &r, DATA_FINITE, SCALES_NEAR);
		CHECK(tile_reference(&tiles[t]) == 0, "reference");
	}
	stream_run(sim, tiles, 3, &opts, &st);
	CHECK(st.first_result_latency == cfg->rows + 6, "first result %llu cycles after the "
	      "tile-last beat, documented ROWS + 6 = %u",
	      (unsigned long long)st.first_result_latency, cfg->rows + 6);
	CHECK(st.refused == 0, "%llu beats of full blocks refused",
	      (unsigned long long)st.refused);
	CHECK(st.beats == 3 * 96, "%llu beats accepted", (unsigned long long)st.beats);
	for (unsigned int t = 0; t < 3; t++)
		CHECK(tile_mismatches(&tiles[t], 3) == 0, "tile %u differs", t);
	free_tiles(tiles, 3);
}

/* Every case: no assertion of the array failed (rtl/fpq_assert.svh). */
static void no_rtl_errors(void)
{
	check_no_new_rtl_errors(array_sim_rtl_errors(sim));
}

int main(int argc, char **argv)
{
	const char *env = getenv("FPQ_TEST_SEED");

	if (argc > 1)
		base_seed = strtoull(argv[1], NULL, 0);
	else if (env)
		base_seed = strtoull(env, NULL, 0);
	cfg = array_sim_config();
	printf("fpq_array %s (%ux%u, formats 0x%04x), seed %llu\n", cfg->name, cfg->rows,
	       cfg->cols, cfg->formats, (unsigned long long)base_seed);
	sim = array_sim_create(base_seed);
	if (!sim) {
		printf("cannot create the model\n");
		return 1;
	}
	harness.after_case = no_rtl_errors;
	RUN(interface_timing);
	RUN(float_pairs_random);
	RUN(float_pairs_adversarial);
	RUN(mixed_scaling);
	RUN(k_shapes);
	RUN(long_k);
	RUN(zero_blocks);
	RUN(saturating);
	RUN(subnormal_products);
	RUN(specials);
	RUN(scale_extremes);
	RUN(int8_path);
	RUN(int8_extremes);
	RUN(reset_midstream);
	printf("simulated %llu cycles in %.2f s: %.0f cycles/s\n",
	       (unsigned long long)sim_cycles_total, sim_seconds_total,
	       sim_seconds_total > 0 ? (double)sim_cycles_total / sim_seconds_total : 0.0);
	array_sim_destroy(sim);
	return harness_report();
}
