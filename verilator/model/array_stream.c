// SPDX-License-Identifier: MIT
/*
 * array_stream.c - see array_stream.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array_stream.h"

/* rtl/fpq_array.sv: MIN_BLOCK_CYCLES = max(COLS, fpq_array_pkg::ROW_LOOP_CYCLES). */
#define ROW_LOOP_CYCLES 3u

unsigned int stream_min_block_cycles(void)
{
	unsigned int cols = array_sim_config()->cols;

	return cols > ROW_LOOP_CYCLES ? cols : ROW_LOOP_CYCLES;
}

void tile_alloc(struct tile *t, enum fpq_format fa, enum fpq_format fb, uint32_t k,
		bool mx_a, bool mx_b)
{
	const struct array_sim_config *cfg = array_sim_config();
	size_t n = (size_t)cfg->rows * cfg->cols;

	memset(t, 0, sizeof(*t));
	t->fa = fa;
	t->fb = fb;
	t->k = k;
	tm_alloc(&t->a, fa, cfg->rows, k, 0, mx_a);
	tm_alloc(&t->b, fb, cfg->cols, k, 0, mx_b);
	t->expect = calloc(n, sizeof(*t->expect));
	t->got = calloc(n, sizeof(*t->got));
	t->seen = calloc(n, sizeof(*t->seen));
	if (!t->expect || !t->got || !t->seen) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	snprintf(t->what, sizeof(t->what), "%s x %s K=%u%s%s", fpq_format_name(fa),
		 fpq_format_name(fb), k, mx_a ? " mxA" : "", mx_b ? " mxB" : "");
}

void tile_free(struct tile *t)
{
	tm_free(&t->a);
	tm_free(&t->b);
	free(t->expect);
	free(t->got);
	free(t->seen);
	memset(t, 0, sizeof(*t));
}

void tile_fill(struct tile *t, struct rng *r, enum data_mode mode, enum scale_mode smode)
{
	size_t len = strlen(t->what);

	tm_fill(&t->a, r, mode, smode);
	tm_fill(&t->b, r, mode, smode);
	snprintf(t->what + len, sizeof(t->what) - len, " %s/s%d", data_mode_name(mode),
		 (int)smode);
}

int tile_reference(struct tile *t)
{
	const struct array_sim_config *cfg = array_sim_config();
	struct fpq_gemm_op op;
	int err;

	fpq_gemm_op_init(&op);
	op.a = t->a.m;
	op.b = t->b.m;
	if (t->fa == FPQ_FMT_INT8)
		op.a.zero_point = t->zero_point;
	/*
	 * The array returns the accumulators. FP32 output with alpha = 1 and beta = 0 is
	 * fmaf(acc, 1, 0), which equals acc except that -0 would become +0; an accumulator
	 * is never -0 (it starts at +0 and x + y = -0 needs x = y = -0), so the comparison
	 * is exact. INT32 output without bias is the int32 accumulator itself.
	 */
	op.c.format = t->fa == FPQ_FMT_INT8 ? FPQ_FMT_INT32 : FPQ_FMT_FP32;
	op.c.rows = cfg->rows;
	op.c.cols = cfg->cols;
	op.c.data = t->expect;
	err = fpq_gemm_reference(&op, NULL);
	if (err)
		fprintf(stdout, "  reference failed for %s: %s\n", t->what, fpq_strerror(err));
	return err;
}

static void make_beat(const struct tile *t, uint32_t k, struct array_sim_beat *b)
{
	const struct array_sim_config *cfg = array_sim_config();
	uint32_t blk = k / FPQ_MX_BLOCK;

	memset(b, 0, sizeof(*b));
	b->valid = true;
	b->tile_last = k == t->k - 1;
	b->block_last = k % FPQ_MX_BLOCK == FPQ_MX_BLOCK - 1 || b->tile_last;
	b->fmt_a = (uint8_t)t->fa;
	b->fmt_b = (uint8_t)t->fb;
	b->zero_point = t->fa == FPQ_FMT_INT8 ? t->zero_point : 0;
	for (unsigned int i = 0; i < cfg->rows; i++) {
		b->a[i] = (uint8_t)fpq_matrix_get(&t->a.m, i, k);
		b->scale_a[i] = t->a.m.scales ? t->a.m.scales[i * t->a.m.scale_stride + blk] : 127;
	}
	for (unsigned int j = 0; j < cfg->cols; j++) {
		b->b[j] = (uint8_t)fpq_matrix_get(&t->b.m, j, k);
		b->scale_b[j] = t->b.m.scales ? t->b.m.scales[j * t->b.m.scale_stride + blk] : 127;
	}
}

void stream_run(struct array_sim *sim, struct tile *tiles, unsigned int n,
		const struct stream_opts *opts, struct stream_stats *st)
{
	const struct array_sim_config *cfg = array_sim_config();
	const unsigned int gap = stream_min_block_cycles();
	unsigned int ti = 0, oti = 0, oj = 0;
	uint32_t k = 0;
	uint64_t budget = 200 + 4ull * (cfg->rows + cfg->cols), start;
	uint64_t last_blk_accept = 0, tile0_last_accept = 0;
	bool have_blk = false, have_beat = false;
	struct array_sim_beat beat;

	memset(st, 0, sizeof(*st));
	for (unsigned int t = 0; t < n; t++)
		budget += (uint64_t)(tiles[t].k + gap) * (opts->bubble_pct ? 4 : 2);
	/* Idle long enough that an earlier stream's last block cannot hold this one up. */
	for (unsigned int c = 0; c < gap; c++)
		array_sim_cycle(sim, NULL, NULL);
	start = array_sim_cycles(sim);

	while (oti < n) {
		struct array_sim_result res;
		uint64_t now = array_sim_cycles(sim);
		bool offer = ti < n, accepted;

		if (offer && !have_beat) {
			make_beat(&tiles[ti], k, &beat);
			have_beat = true;
		}
		/* A bubble now and then; the beat waits for a later cycle. */
		if (offer && opts->bubble_pct && rng_below(opts->rng, 100) < opts->bubble_pct)
			offer = false;
		accepted = array_sim_cycle(sim, offer ? &beat : NULL, &res);
		if (offer && !accepted) {
			st->refused++;
			/* Only a block-last beat too soon after the previous one may wait. */
			if (!beat.block_last || (have_blk && now - last_blk_accept >= gap))
				st->bad_refusals++;
		}
		if (accepted) {
			st->beats++;
			have_beat = false;
			if (beat.block_last) {
				have_blk = true;
				last_blk_accept = now;
			}
			if (beat.tile_last && ti == 0)
				tile0_last_accept = now;
			if (++k == tiles[ti].k) {
				k = 0;
				ti++;
			}
		}
		if (res.valid) {
			if (oti >= n) {
				st->stray_results++;
			} else {
				struct tile *t = &tiles[oti];

				if (oti == 0 && oj == 0)
					st->first_result_latency = now - tile0_last_accept;
				for (unsigned int i = 0; i < cfg->rows; i++) {
					t->got[i * cfg->cols + oj] = res.c[i];
					t->seen[i * cfg->cols + oj] = true;
				}
				if (res.last != (oj == cfg->cols - 1))
					st->bad_last++;
				if (++oj == cfg->cols) {
					oj = 0;
					oti++;
				}
			}
		} else if (res.last) {
			st->bad_last++;
		}
		if (array_sim_cycles(sim) - start > budget) {
			st->timed_out = oti < n;
			break;
		}
	}
	st->cycles = array_sim_cycles(sim) - start;
	/* Nothing more may come out. */
	for (unsigned int c = 0; c < 2 * (cfg->rows + cfg->cols) + 16; c++) {
		struct array_sim_result res;

		array_sim_cycle(sim, NULL, &res);
		st->stray_results += res.valid;
		st->bad_last += res.last;
	}
}

static float as_float(uint32_t b)
{
	float f;

	memcpy(&f, &b, sizeof(f));
	return f;
}

unsigned int tile_mismatches(const struct tile *t, unsigned int max_print)
{
	const struct array_sim_config *cfg = array_sim_config();
	unsigned int bad = 0;

	for (unsigned int i = 0; i < cfg->rows; i++) {
		for (unsigned int j = 0; j < cfg->cols; j++) {
			size_t x = (size_t)i * cfg->cols + j;

			if (t->seen[x] && t->got[x] == t->expect[x])
				continue;
			if (bad++ >= max_print)
				continue;
			if (!t->seen[x])
				printf("  %s: C[%u][%u] never arrived\n", t->what, i, j);
			else if (t->fa == FPQ_FMT_INT8)
				printf("  %s: C[%u][%u] = %d, reference %d\n", t->what, i, j,
				       (int32_t)t->got[x], (int32_t)t->expect[x]);
			else
				printf("  %s: C[%u][%u] = 0x%08x (%a), reference 0x%08x (%a)\n",
				       t->what, i, j, t->got[x], (double)as_float(t->got[x]),
				       t->expect[x], (double)as_float(t->expect[x]));
		}
	}
	return bad;
}
