/* SPDX-License-Identifier: MIT */
/*
 * gemm_data.h - test matrices: allocation with padded strides, and element codes drawn
 * to provoke the hard cases of the numerics contract (specials, cancellation, mixed
 * magnitudes, subnormals, extreme scales).
 */
#ifndef FPQ_TEST_GEMM_DATA_H
#define FPQ_TEST_GEMM_DATA_H

#include <stdint.h>

#include "fpq.h"
#include "rng.h"

enum data_mode {
	DATA_UNIFORM,     /* any code, Inf/NaN included */
	DATA_FINITE,      /* any finite code */
	DATA_MIXED_MAG,   /* largest and smallest magnitudes side by side */
	DATA_CANCEL,      /* x, -x pairs with a small remainder */
	DATA_SUBNORMAL,   /* subnormal codes only */
	DATA_ZERO,        /* +-0 */
	DATA_SPECIALS,    /* finite, with an Inf, a NaN or Inf beside a zero now and then */
	DATA_WINDOWED,    /* like quantized data: exponents in 11 binades at or up to 4
			   * below the top (per row), one element in 64 anywhere (CPU: e4m3
			   * B in int16 windows, the outliers as corrections) */
	DATA_WINDOWED_SPECIALS, /* windowed, with specials as DATA_SPECIALS */
	DATA_MODES
};

enum scale_mode { SCALES_NONE, SCALES_NEAR, SCALES_EXTREME, SCALES_ANY, SCALE_MODES };

/* A matrix with its own buffers; padding bytes hold a known pattern. */
struct test_matrix {
	struct fpq_matrix m;
	uint8_t *buf;
	size_t buf_bytes;
	uint8_t *scale_buf;
	size_t scale_bytes;
};

/* Allocate rows x cols of fmt; pad adds whole packing groups to each row (and a row of
 * scales has one spare byte). */
void tm_alloc(struct test_matrix *t, enum fpq_format fmt, uint32_t rows, uint32_t cols,
	      unsigned int pad_groups, int with_scales);
/* The same with @scale_pad spare bytes after each row of scales. */
void tm_alloc_ex(struct test_matrix *t, enum fpq_format fmt, uint32_t rows, uint32_t cols,
		 unsigned int pad_groups, int with_scales, unsigned int scale_pad);
/* A copy of @src with buffers of its own (same layout, same bytes). */
void tm_copy(struct test_matrix *dst, const struct test_matrix *src);
void tm_free(struct test_matrix *t);
/* Fill with codes drawn by mode; scales by smode (ignored without scales). */
void tm_fill(struct test_matrix *t, struct rng *r, enum data_mode mode,
	     enum scale_mode smode);
/*
 * Make @percent of the elements special: +-0, the largest and smallest magnitudes, the
 * all-ones codes, Inf where the format has one; and (percent > 0) one scale in 50
 * extreme: 0, 1, 254 or 255 (NaN).
 */
void tm_sprinkle_specials(struct test_matrix *t, struct rng *r, unsigned int percent);
/* The code a mode draws for one element. */
uint32_t draw_code(enum fpq_format fmt, struct rng *r, enum data_mode mode);
/* Negation of a code (sign flip, or two's complement for the integer formats). */
uint32_t negate_code(enum fpq_format fmt, uint32_t code);
/* A copy of the bytes of t->buf, to check later that padding was not written. */
uint8_t *tm_snapshot(const struct test_matrix *t);
/* Count bytes outside the elements that differ from the snapshot. */
size_t tm_padding_changes(const struct test_matrix *t, const uint8_t *snapshot);

const char *data_mode_name(enum data_mode m);

/*
 * Adversarial cases of FPQ_GEMM_REQUANT_FP32: an accumulator and a scale whose exact
 * product fp32(acc) * scale lies within half a binary32 ulp of an integer + 1/2, so the
 * product's rounding and the final ties-to-even both decide the result.
 * requant_random_acc() draws |acc| < 2^20, or with big, 2^24 < |acc| < 2^30 (where
 * fp32(acc) rounds). requant_tie_scale() picks a scale for acc, requant_tie_acc() an
 * accumulator for scale (|acc| > 2^24 with big); both return 0 when they found none.
 */
int32_t requant_random_acc(struct rng *r, int big);
int requant_tie_scale(struct rng *r, int32_t acc, float *scale);
int requant_tie_acc(struct rng *r, float scale, int big, int32_t *acc);
/*
 * Make @op (INT8 x INT8, int8 C, A and B filled) an adversarial REQUANT_FP32 operation:
 * bias[] and scale[] (N entries; one scale with @broadcast) put one row's accumulators
 * on rounding ties, with |acc| > 2^24 when @big; some channels get special scales (0,
 * Inf, NaN, huge, subnormal); out_zero and act_min..act_max are drawn (relu-like, where
 * act_min = out_zero, now and then). Returns the number of tie cases it placed.
 */
unsigned int requant_fp32_params(struct rng *r, struct fpq_gemm_op *op, int32_t *bias,
				 float *scale, int broadcast, int big);

#endif /* FPQ_TEST_GEMM_DATA_H */
