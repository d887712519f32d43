/* SPDX-License-Identifier: MIT */
/*
 * array_stream.h - tiles for the Verilated array: the operands as libfpq matrices, the
 * reference accumulators from fpq_gemm_reference(), and a driver that streams tiles
 * back to back through the model and collects the result beats.
 */
#ifndef FPQ_ARRAY_STREAM_H
#define FPQ_ARRAY_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "array_sim.h"
#include "fpq.h"
#include "gemm_data.h"
#include "rng.h"

/* One output tile: A is rows x k, B is cols x k (the array's full size). */
struct tile {
	enum fpq_format fa, fb;
	uint32_t k;
	int8_t zero_point;               /* INT8 only */
	struct test_matrix a, b;
	uint32_t *expect;                /* rows x cols accumulator bits (reference) */
	uint32_t *got;                   /* rows x cols, filled by stream_run() */
	bool *seen;                      /* rows x cols: a result arrived */
	char what[96];                   /* how it was made, for failure messages */
};

/* Allocate a tile; scales per operand when mx_a / mx_b (k % 32 == 0 then). */
void tile_alloc(struct tile *t, enum fpq_format fa, enum fpq_format fb, uint32_t k,
		bool mx_a, bool mx_b);
void tile_free(struct tile *t);
/* Fill both operands by mode and scale mode (gemm_data.h). */
void tile_fill(struct tile *t, struct rng *r, enum data_mode mode, enum scale_mode smode);
/* Run fpq_gemm_reference() with raw accumulator output (FP32 with alpha = 1, beta = 0,
 * or INT32) into t->expect. Returns its error code. */
int tile_reference(struct tile *t);

/* Which beats are offered: bubbles between beats (percent) and the checks to make. */
struct stream_opts {
	unsigned int bubble_pct;
	struct rng *rng;
};

/* What a stream run observed about the interface. */
struct stream_stats {
	uint64_t cycles;                 /* from the first offered beat to the last result */
	uint64_t beats;                  /* beats accepted */
	uint64_t refused;                /* valid beats not accepted */
	uint64_t bad_refusals;           /* refused although the contract says ready */
	uint64_t stray_results;          /* result beats beyond the tiles' columns */
	uint64_t bad_last;               /* out_last on the wrong column */
	uint64_t first_result_latency;   /* tile 0: tile-last accepted -> first result */
	bool timed_out;
};

/* Minimum cycles between accepted block-last beats (rtl/fpq_array.sv). */
unsigned int stream_min_block_cycles(void);

/*
 * stream_run() - offer the tiles' beats in order, back to back, and collect every
 * result beat into the tiles' got[]. The model must be out of reset.
 */
void stream_run(struct array_sim *sim, struct tile *tiles, unsigned int n,
		const struct stream_opts *opts, struct stream_stats *st);

/* Count results that differ from the reference bit for bit (or never arrived); print the
 * first few. */
unsigned int tile_mismatches(const struct tile *t, unsigned int max_print);

#endif /* FPQ_ARRAY_STREAM_H */
