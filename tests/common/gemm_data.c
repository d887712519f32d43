// SPDX-License-Identifier: MIT
/*
 * gemm_data.c - see gemm_data.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gemm_data.h"

#define PAD_BYTE 0xC3

const char *data_mode_name(enum data_mode m)
{
	static const char *const names[DATA_MODES] = {
		"uniform", "finite", "mixed-magnitude", "cancel", "subnormal", "zero", "specials",
		"windowed", "windowed-specials"
	};

	return m < DATA_MODES ? names[m] : "?";
}

void tm_alloc(struct test_matrix *t, enum fpq_format fmt, uint32_t rows, uint32_t cols,
	      unsigned int pad_groups, int with_scales)
{
	tm_alloc_ex(t, fmt, rows, cols, pad_groups, with_scales, 1);
}

void tm_alloc_ex(struct test_matrix *t, enum fpq_format fmt, uint32_t rows, uint32_t cols,
		 unsigned int pad_groups, int with_scales, unsigned int scale_pad)
{
	const struct fpq_format_info *fi = fpq_format_info(fmt);
	size_t stride = fpq_row_bytes(fmt, cols) + (size_t)pad_groups * fi->group_bytes;

	memset(t, 0, sizeof(*t));
	t->buf_bytes = stride * rows;
	t->buf = malloc(t->buf_bytes);
	memset(t->buf, PAD_BYTE, t->buf_bytes);
	t->m.format = fmt;
	t->m.rows = rows;
	t->m.cols = cols;
	t->m.stride = stride;
	t->m.data = t->buf;
	if (with_scales) {
		size_t sstride = cols / 32 + scale_pad;

		t->scale_bytes = sstride * rows;
		t->scale_buf = malloc(t->scale_bytes);
		memset(t->scale_buf, 127, t->scale_bytes);
		t->m.scales = t->scale_buf;
		t->m.scale_stride = sstride;
	}
}

void tm_copy(struct test_matrix *dst, const struct test_matrix *src)
{
	*dst = *src;
	dst->buf = malloc(src->buf_bytes);
	memcpy(dst->buf, src->buf, src->buf_bytes);
	dst->m.data = dst->buf;
	if (src->scale_buf) {
		dst->scale_buf = malloc(src->scale_bytes);
		memcpy(dst->scale_buf, src->scale_buf, src->scale_bytes);
		dst->m.scales = dst->scale_buf;
	}
}

void tm_free(struct test_matrix *t)
{
	free(t->buf);
	free(t->scale_buf);
	memset(t, 0, sizeof(*t));
}

static int is_int(enum fpq_format f)
{
	return f == FPQ_FMT_INT8 || f == FPQ_FMT_MXINT8;
}

static uint32_t sign_bit(enum fpq_format f)
{
	return 1u << (fpq_format_info(f)->bits - 1);
}

uint32_t negate_code(enum fpq_format fmt, uint32_t code)
{
	if (is_int(fmt))
		return code == 0x80 ? 0x7F : (uint32_t)(uint8_t)(-(int8_t)(uint8_t)code);
	return code ^ sign_bit(fmt);
}

static int code_is_finite(enum fpq_format f, uint32_t c)
{
	return isfinite(fpq_decode(f, c));
}

static uint32_t random_finite(enum fpq_format f, struct rng *r)
{
	uint32_t n = 1u << fpq_format_info(f)->bits, c;

	do
		c = rng_below(r, n);
	while (!code_is_finite(f, c));
	return c;
}

/* Largest finite magnitude code and smallest non-zero one, with a random sign. */
static uint32_t extreme_code(enum fpq_format f, struct rng *r, int largest)
{
	uint32_t n = 1u << fpq_format_info(f)->bits, best = 0;
	float bestv = largest ? 0.0f : INFINITY;

	for (uint32_t c = 0; c < n; c++) {
		float v = fpq_decode(f, c);

		if (!isfinite(v) || v <= 0)
			continue;
		if (largest ? v > bestv : v < bestv) {
			bestv = v;
			best = c;
		}
	}
	return rng_u32(r) & 1 ? negate_code(f, best) : best;
}

/*
 * A finite code whose exponent field lies in [top - 10, top] with top = the largest
 * field - lift, or, one time in 64, any finite code: outliers above and below.
 */
static uint32_t windowed_code(enum fpq_format f, struct rng *r, unsigned int lift)
{
	const struct fpq_format_info *fi = fpq_format_info(f);
	const uint32_t emax = (1u << fi->exp_bits) - 1, top = emax > lift ? emax - lift : 0;
	uint32_t c, e;

	if (is_int(f) || rng_below(r, 64) == 0)
		return random_finite(f, r);
	do {
		c = random_finite(f, r);
		e = (c >> fi->man_bits) & emax;
	} while (e > top || e + 10 < top);
	return c;
}

uint32_t draw_code(enum fpq_format f, struct rng *r, enum data_mode mode)
{
	const struct fpq_format_info *fi = fpq_format_info(f);

	switch (mode) {
	case DATA_UNIFORM:
		return rng_below(r, 1u << fi->bits);
	case DATA_MIXED_MAG:
		return extreme_code(f, r, rng_u32(r) & 1);
	case DATA_SUBNORMAL:
		if (is_int(f))
			return (rng_below(r, 5) - 2u) & 0xFFu;   /* the smallest integers */
		return (rng_u32(r) & sign_bit(f)) | rng_below(r, 1u << fi->man_bits);
	case DATA_ZERO:
		return is_int(f) ? 0 : rng_u32(r) & sign_bit(f);
	case DATA_WINDOWED:
	case DATA_WINDOWED_SPECIALS:
		return windowed_code(f, r, 0);
	default:
		return random_finite(f, r);
	}
}

void tm_fill(struct test_matrix *t, struct rng *r, enum data_mode mode,
	     enum scale_mode smode)
{
	const struct fpq_matrix *m = &t->m;
	enum fpq_format f = m->format;

	for (uint32_t i = 0; i < m->rows; i++) {
		/* Windowed rows sit up to 4 binades below the top: outliers above them too. */
		const unsigned int lift = rng_below(r, 5);

		for (uint32_t k = 0; k < m->cols; k++) {
			uint32_t c = mode == DATA_WINDOWED || mode == DATA_WINDOWED_SPECIALS
				     ? windowed_code(f, r, lift) : draw_code(f, r, mode);

			if (mode == DATA_CANCEL && k % 2 == 1 && rng_below(r, 8) != 0)
				c = negate_code(f, fpq_matrix_get(m, i, k - 1));
			const int specials = mode == DATA_SPECIALS || mode == DATA_WINDOWED_SPECIALS;

			if (specials && rng_below(r, 24) == 0 && !is_int(f)) {
				/* Inf where the format has one, else NaN where it has one. */
				if (fpq_format_info(f)->has_inf)
					c = (rng_u32(r) & sign_bit(f)) |
					    ((1u << fpq_format_info(f)->exp_bits) - 1)
						    << fpq_format_info(f)->man_bits |
					    (rng_below(r, 3) == 0 ? 1u : 0u);
				else if (fpq_format_info(f)->has_nan)
					c = 0x7F | (rng_u32(r) & 0x80);
			}
			if (specials && rng_below(r, 24) == 0)
				c = 0;   /* zeros, to meet the Infs of the other operand */
			fpq_matrix_set(m, i, k, c);
		}
		if (!m->scales)
			continue;
		for (uint32_t b = 0; b < m->cols / 32; b++) {
			static const uint8_t extremes[] = { 0, 1, 2, 126, 127, 128, 252, 253, 254, 255 };
			uint8_t s;

			switch (smode) {
			case SCALES_NEAR: s = (uint8_t)(112 + rng_below(r, 30)); break;
			case SCALES_EXTREME: s = extremes[rng_below(r, sizeof(extremes))]; break;
			case SCALES_ANY: s = (uint8_t)rng_below(r, 256); break;
			default: s = 127; break;
			}
			m->scales[(size_t)i * m->scale_stride + b] = s;
		}
	}
}

static uint32_t special_code(enum fpq_format f, struct rng *r)
{
	const struct fpq_format_info *fi = fpq_format_info(f);
	const uint32_t mask = (1u << fi->bits) - 1, sign = sign_bit(f);
	uint32_t c;

	switch (rng_below(r, 5)) {
	case 0: c = 0; break;                                  /* +0 (and -0 below) */
	case 1: c = extreme_code(f, r, 1); break;              /* the largest magnitude */
	case 2: c = extreme_code(f, r, 0); break;              /* the smallest */
	case 3: c = mask >> 1; break;                          /* all ones: NaN in e4m3/e5m2 */
	default:                                               /* Inf where there is one */
		c = fi->has_inf ? ((1u << fi->exp_bits) - 1) << fi->man_bits : mask >> 1;
		break;
	}
	return rng_below(r, 2) ? c | sign : c;
}

void tm_sprinkle_specials(struct test_matrix *t, struct rng *r, unsigned int percent)
{
	const struct fpq_matrix *m = &t->m;
	static const uint8_t extreme_scales[] = { 0, 1, 254, 255 };

	if (!percent)
		return;
	for (uint32_t i = 0; i < m->rows; i++) {
		for (uint32_t k = 0; k < m->cols; k++)
			if (rng_below(r, 100) < percent)
				fpq_matrix_set(m, i, k, special_code(m->format, r));
		for (uint32_t b = 0; m->scales && b < m->cols / 32; b++)
			if (rng_below(r, 50) == 0)
				m->scales[(size_t)i * m->scale_stride + b] =
					extreme_scales[rng_below(r, sizeof(extreme_scales))];
	}
}

uint8_t *tm_snapshot(const struct test_matrix *t)
{
	uint8_t *s = malloc(t->buf_bytes);

	memcpy(s, t->buf, t->buf_bytes);
	return s;
}

size_t tm_padding_changes(const struct test_matrix *t, const uint8_t *snapshot)
{
	size_t row_bytes = fpq_row_bytes(t->m.format, t->m.cols), changes = 0;
	const struct fpq_format_info *fi = fpq_format_info(t->m.format);
	uint32_t tail = t->m.cols % fi->group_elems;

	for (uint32_t i = 0; i < t->m.rows; i++) {
		const uint8_t *row = t->buf + (size_t)i * t->m.stride;
		const uint8_t *old = snapshot + (size_t)i * t->m.stride;

		for (size_t b = row_bytes; b < t->m.stride; b++)
			changes += row[b] != old[b];
		if (tail) {
			/* Unused element slots of the last packing group keep their bits. */
			struct fpq_matrix one = t->m, before = t->m;

			before.data = (void *)snapshot;
			for (uint32_t e = tail; e < fi->group_elems; e++) {
				uint32_t c = t->m.cols - tail + e;

				one.cols = before.cols = c + 1;
				changes += fpq_matrix_get(&one, i, c) != fpq_matrix_get(&before, i, c);
			}
		}
	}
	return changes;
}

/* ---- adversarial cases of the binary32 requantization (FPQ_GEMM_REQUANT_FP32) ---- */

/* A random integer + 1/2 in -160.5 .. 159.5: a rounding tie of the final rne(). */
static double random_tie(struct rng *r)
{
	return (double)((int)rng_below(r, 320) - 160) + 0.5;
}

/* |e - t| <= half a binary32 ulp of t: fp32(e) is t, or one of its neighbours. */
static int near_tie(double e, double t)
{
	float ft = (float)t;
	double half_ulp = ((double)nextafterf(fabsf(ft), INFINITY) - fabs(t)) / 2;

	return fabs(e - t) <= half_ulp;
}

int32_t requant_random_acc(struct rng *r, int big)
{
	if (!big)
		return (int32_t)rng_below(r, 1u << 21) - (1 << 20);
	/* |acc| > 2^24: fp32(acc) rounds (below 2^30, so the search has room). */
	int32_t mag = (int32_t)((1u << 24) + 1 + rng_below(r, (1u << 30) - (1u << 24)));

	return rng_below(r, 2) ? -mag : mag;
}

int requant_tie_scale(struct rng *r, int32_t acc, float *scale)
{
	double a = (double)(float)acc, t = random_tie(r);

	if (a == 0)
		return 0;
	float s0 = (float)(t / a), best = s0;
	int found = 0;

	/* fp32(acc) * s is exact in binary64 (24 x 24 bits): look at s0's neighbours. */
	for (int d = 0; d < 17; d++) {
		float sc = s0;

		/* d = 0, 1, 2, ...: s0, one ulp up, one down, two up, ... */
		for (int q = 0; q < (d + 1) / 2; q++)
			sc = nextafterf(sc, d % 2 ? INFINITY : -INFINITY);
		if (near_tie(a * (double)sc, t) && (!found || rng_below(r, 2))) {
			best = sc;
			found = 1;
		}
	}
	*scale = best;
	return found;
}

int requant_tie_acc(struct rng *r, float scale, int big, int32_t *acc)
{
	double t = random_tie(r);

	if (!(fabsf(scale) > 0) || isinf(scale))
		return 0;
	double center = t / (double)scale;

	if (fabs(center) > 2147483000.0 || (big && fabs(center) < 16777217.0))
		return 0;
	/* Walk the binary32 grid of accumulators around t / scale. */
	for (int tries = 0; tries < 20000; tries++) {
		double off = (double)((int)rng_below(r, 2001) - 1000);
		double c = center + off * (fabs(center) > 16777216.0 ? 2 * fabs(center) / 16777216.0
								     : 1.0);
		if (fabs(c) >= 2147483000.0)
			continue;
		int32_t cand = (int32_t)llrint(c);

		if (near_tie((double)(float)cand * (double)scale, t)) {
			*acc = cand;
			return 1;
		}
	}
	return 0;
}

/* Exact sum of row i of A (zero point applied) times row j of B, INT8 x INT8. */
static int64_t int8_dot(const struct fpq_gemm_op *op, uint32_t i, uint32_t j)
{
	int64_t sum = 0;

	for (uint32_t t = 0; t < op->a.cols; t++)
		sum += ((int64_t)(int8_t)fpq_matrix_get(&op->a, i, t) - op->a.zero_point) *
		       (int8_t)fpq_matrix_get(&op->b, j, t);
	return sum;
}

static float special_scale(struct rng *r)
{
	static const float v[] = { 0.0f, -0.0f, INFINITY, -INFINITY, NAN, 0x1.fffffep127f,
				   0x1p-149f, -0x1p-130f, 1e30f, -1e30f, 1.0f, -0.5f, 0x1p-30f };

	return v[rng_below(r, sizeof(v) / sizeof(v[0]))];
}

unsigned int requant_fp32_params(struct rng *r, struct fpq_gemm_op *op, int32_t *bias,
				 float *scale, int broadcast, int big)
{
	const uint32_t n = op->b.rows, tie_row = rng_below(r, op->a.rows);
	unsigned int ties = 0;

	op->flags |= FPQ_GEMM_REQUANT_FP32 | (broadcast ? FPQ_GEMM_SCALE_BROADCAST : 0);
	op->requant_mult = NULL;
	op->requant_shift = NULL;
	op->out_scale = scale;
	op->bias = bias;
	op->out_zero = (int32_t)rng_below(r, 256) - 128;
	switch (rng_below(r, 4)) {
	case 0:         /* relu-like: the zero point is the lower bound */
		op->act_min = op->out_zero;
		op->act_max = 127;
		break;
	case 1:
		op->act_min = (int32_t)rng_below(r, 200) - 128;
		op->act_max = op->act_min + (int32_t)rng_below(r, (uint32_t)(128 - op->act_min));
		break;
	default:
		op->act_min = -128;
		op->act_max = 127;
		break;
	}
	if (broadcast) {
		int32_t a0 = requant_random_acc(r, big);

		if (rng_below(r, 8) == 0 || !requant_tie_scale(r, a0, &scale[0]))
			scale[0] = rng_below(r, 2) ? special_scale(r)
						   : ldexpf(1.0f + (float)rng_below(r, 1u << 23) *
							    0x1p-23f, -(int)rng_below(r, 30));
	}
	for (uint32_t j = 0; j < n; j++) {
		int32_t target = requant_random_acc(r, big);
		int tie;

		if (broadcast) {
			tie = requant_tie_acc(r, scale[0], big, &target);
		} else if (rng_below(r, 10) == 0) {
			scale[j] = special_scale(r);
			tie = 0;
		} else {
			tie = requant_tie_scale(r, target, &scale[j]);
		}
		ties += (unsigned int)tie;
		/* bias puts row tie_row's accumulator on the target (two's complement). */
		bias[j] = (int32_t)(uint32_t)(uint64_t)((int64_t)target - int8_dot(op, tie_row, j));
	}
	return ties;
}
