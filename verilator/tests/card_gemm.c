// SPDX-License-Identifier: MIT
/*
 * card_gemm.c - random GEMM operations checked against fpq_gemm_reference().
 */
#include "card_gemm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t group_bytes(enum fpq_format f)
{
	return fpq_format_info(f)->group_bytes;
}

static size_t pick_stride(struct rng *r, enum fpq_format f, uint32_t cols, unsigned int pad)
{
	size_t row = fpq_row_bytes(f, cols), g = group_bytes(f);

	if (!pad)
		return 0;   /* packed rows */
	return row + g * rng_below(r, pad / g + 1);
}

static bool is_nan_code(enum fpq_format f, uint32_t code)
{
	if (f == FPQ_FMT_E4M3)
		return (code & 0x7f) == 0x7f;
	if (f == FPQ_FMT_E5M2)
		return (code & 0x7c) == 0x7c && (code & 3);
	return false;
}

static uint32_t pick_code(struct rng *r, enum fpq_format f, unsigned int specials)
{
	unsigned int bits = fpq_format_info(f)->bits;
	uint32_t mask = (1u << bits) - 1;

	if (rng_below(r, 100) < specials) {
		/* zero, -0, largest magnitudes, Inf/NaN where the format has them */
		uint32_t top = mask >> 1;
		uint32_t s[] = { 0, 1u << (bits - 1), top, mask, top - 1, 1, 0x7c, 0xfc, 0x7f };

		return s[rng_below(r, 9)] & mask;
	}
	for (;;) {
		uint32_t c = rng_u32(r) & mask;

		if (!is_nan_code(f, c) && !(f == FPQ_FMT_E5M2 && (c & 0x7c) == 0x7c))
			return c;
	}
}

static void fill_matrix(struct rng *r, struct fpq_matrix *m, enum fpq_format f, uint32_t rows,
			uint32_t cols, unsigned int pad, bool mx, unsigned int specials)
{
	size_t stride, extent;

	memset(m, 0, sizeof(*m));
	m->format = f;
	m->rows = rows;
	m->cols = cols;
	m->stride = pick_stride(r, f, cols, pad);
	stride = m->stride ? m->stride : fpq_row_bytes(f, cols);
	extent = (rows - 1) * stride + fpq_row_bytes(f, cols);
	m->data = malloc(extent);
	for (size_t i = 0; i < extent; i++)
		((uint8_t *)m->data)[i] = (uint8_t)rng_u32(r);
	for (uint32_t i = 0; i < rows; i++)
		for (uint32_t j = 0; j < cols; j++)
			fpq_matrix_set(m, i, j, pick_code(r, f, specials));
	if (mx) {
		size_t blocks = cols / FPQ_MX_BLOCK;

		m->scale_stride = rng_below(r, 2) ? blocks + rng_below(r, 5) : 0;
		size_t ss = m->scale_stride ? m->scale_stride : blocks;

		m->scales = malloc((rows - 1) * ss + blocks);
		for (size_t i = 0; i < (rows - 1) * ss + blocks; i++) {
			uint32_t x = rng_below(r, 100);

			m->scales[i] = (uint8_t)(x < 2 ? 0xff : x < 5 ? rng_u32(r) : 117 + rng_below(r, 21));
			if (x < 2 && specials == 0)
				m->scales[i] = 127;
		}
	}
}

static float pick_float(struct rng *r)
{
	float v = ldexpf((float)((int)rng_below(r, 2001) - 1000) / 500.0f,
			 (int)rng_below(r, 9) - 4);

	return v;
}

void gemm_case_make(struct rng *r, const struct gemm_cfg *cfg, struct gemm_case *gc)
{
	struct fpq_gemm_op *op = &gc->op;
	const bool int8 = cfg->fa == FPQ_FMT_INT8;
	uint32_t n = cfg->n;

	memset(gc, 0, sizeof(*gc));
	fpq_gemm_op_init(op);
	fill_matrix(r, &op->a, cfg->fa, cfg->m, cfg->k, cfg->pad, cfg->mx_a, cfg->specials);
	fill_matrix(r, &op->b, cfg->fb, cfg->n, cfg->k, cfg->pad, cfg->mx_b, cfg->specials);
	memset(&op->c, 0, sizeof(op->c));
	op->c.format = cfg->fc;
	op->c.rows = cfg->m;
	op->c.cols = cfg->n;
	op->c.stride = pick_stride(r, cfg->fc, cfg->n, cfg->pad);
	{
		size_t stride = op->c.stride ? op->c.stride : fpq_row_bytes(cfg->fc, cfg->n);
		size_t extent = (cfg->m - 1) * stride + fpq_row_bytes(cfg->fc, cfg->n);

		gc->ref_c = malloc(extent);
		memset(gc->ref_c, 0xa5, extent);
		op->c.data = gc->ref_c;
	}
	if (cfg->mx_c) {
		size_t blocks = n / FPQ_MX_BLOCK;

		op->c.scale_stride = rng_below(r, 2) ? blocks + rng_below(r, 3) : 0;
		size_t ss = op->c.scale_stride ? op->c.scale_stride : blocks;

		gc->ref_sc = malloc((cfg->m - 1) * ss + blocks);
		memset(gc->ref_sc, 0xa5, (cfg->m - 1) * ss + blocks);
		op->c.scales = gc->ref_sc;
	}
	if (int8) {
		op->a.zero_point = (int32_t)rng_below(r, 256) - 128;
		if (cfg->params) {
			int32_t *bias = malloc(4 * n);

			for (uint32_t j = 0; j < n; j++)
				bias[j] = (int32_t)(rng_u32(r) % 200001) - 100000;
			op->bias = bias;
		}
		if (cfg->fc == FPQ_FMT_INT8) {
			bool bc = rng_below(r, 3) == 0;
			uint32_t cnt = bc ? 1 : n;
			int32_t *mult = malloc(4 * cnt);
			int8_t *shift = malloc(cnt);

			for (uint32_t j = 0; j < cnt; j++) {
				mult[j] = (int32_t)(0x40000000u + (rng_u32(r) & 0x3fffffffu));
				/* now and then a left shift large enough to saturate */
				shift[j] = (int8_t)(rng_below(r, 4) ? (int)rng_below(r, 21) - 17
								   : 10 + (int)rng_below(r, 21));
			}
			op->requant_mult = mult;
			op->requant_shift = shift;
			op->flags |= bc ? FPQ_GEMM_REQUANT_BROADCAST : 0;
			op->out_zero = (int32_t)rng_below(r, 256) - 128;
			int a = (int)rng_below(r, 256) - 128, b = (int)rng_below(r, 256) - 128;

			op->act_min = rng_below(r, 2) ? -128 : (a < b ? a : b);
			op->act_max = op->act_min == -128 ? 127 : (a < b ? b : a);
		} else if (cfg->fc == FPQ_FMT_FP32) {
			bool bc = rng_below(r, 3) == 0;
			uint32_t cnt = bc ? 1 : n;
			float *s = malloc(4 * cnt);

			for (uint32_t j = 0; j < cnt; j++)
				s[j] = ldexpf(pick_float(r), -10);
			op->out_scale = s;
			op->flags |= bc ? FPQ_GEMM_SCALE_BROADCAST : 0;
		}
	} else {
		if (cfg->params) {
			bool bca = rng_below(r, 3) == 0, bcb = rng_below(r, 3) == 0;
			float *alpha = malloc(4 * (bca ? 1 : n)), *beta = malloc(4 * (bcb ? 1 : n));

			for (uint32_t j = 0; j < (bca ? 1 : n); j++)
				alpha[j] = pick_float(r);
			for (uint32_t j = 0; j < (bcb ? 1 : n); j++)
				beta[j] = pick_float(r);
			op->alpha = alpha;
			op->beta = beta;
			op->flags |= (bca ? FPQ_GEMM_ALPHA_BROADCAST : 0) |
				     (bcb ? FPQ_GEMM_BETA_BROADCAST : 0);
		}
		op->act = cfg->act;
		if (cfg->act == FPQ_ACT_CLAMP) {
			float a = pick_float(r), b = pick_float(r);

			op->clamp_lo = a < b ? a : b;
			op->clamp_hi = a < b ? b : a;
		}
		if (cfg->nonsat)
			op->flags |= FPQ_GEMM_QUANT_NONSAT;
	}
	int err = fpq_gemm_reference(op, &gc->ref_status);

	if (err) {
		char name[160];

		fprintf(stderr, "gemm_case_make: %s: reference refused: %s\n",
			gemm_cfg_name(cfg, name, sizeof(name)), fpq_strerror(err));
		abort();
	}
}

void gemm_case_free(struct gemm_case *gc)
{
	struct fpq_gemm_op *op = &gc->op;

	free(op->a.data);
	free(op->b.data);
	free(op->a.scales);
	free(op->b.scales);
	free(gc->ref_c);
	free(gc->ref_sc);
	free((void *)op->alpha);
	free((void *)op->beta);
	free((void *)op->bias);
	free((void *)op->requant_mult);
	free((void *)op->requant_shift);
	free((void *)op->out_scale);
}

unsigned int gemm_case_check(struct vspace *vs, const struct gemm_case *gc, const char *what)
{
	const struct fpq_gemm_op *op = &gc->op;
	struct fpq_matrix card = op->c;
	size_t stride = op->c.stride ? op->c.stride : fpq_row_bytes(op->c.format, op->c.cols);
	size_t row = fpq_row_bytes(op->c.format, op->c.cols);
	unsigned int bad = 0;
	uint8_t *buf = malloc(gc->dev.c_bytes);

	vs_read(vs, gc->dev.c_va, buf, gc->dev.c_bytes);
	card.data = buf;
	for (uint32_t i = 0; i < op->c.rows; i++) {
		for (uint32_t j = 0; j < op->c.cols; j++) {
			uint32_t got = fpq_matrix_get(&card, i, j), want = fpq_matrix_get(&op->c, i, j);

			if (got != want && bad++ < 4)
				printf("  %s: C[%u][%u] = 0x%x, reference 0x%x\n", what, i, j, got, want);
		}
		/* the gap between rows is not the card's to write */
		for (size_t x = row; i + 1 < op->c.rows && x < stride; x++)
			if (buf[i * stride + x] != 0xa5 && bad++ < 4)
				printf("  %s: byte %zu after row %u changed to 0x%02x\n", what, x, i,
				       buf[i * stride + x]);
	}
	if (op->c.scales) {
		uint8_t *sbuf = malloc(gc->dev.sc_bytes);
		size_t ss = op->c.scale_stride ? op->c.scale_stride : op->c.cols / FPQ_MX_BLOCK;

		vs_read(vs, gc->dev.sc_va, sbuf, gc->dev.sc_bytes);
		for (uint32_t i = 0; i < op->c.rows; i++)
			for (uint32_t b = 0; b < op->c.cols / FPQ_MX_BLOCK; b++)
				if (sbuf[i * ss + b] != op->c.scales[i * ss + b] && bad++ < 4)
					printf("  %s: C scale[%u][%u] = 0x%02x, reference 0x%02x\n", what,
					       i, b, sbuf[i * ss + b], op->c.scales[i * ss + b]);
		free(sbuf);
	}
	free(buf);
	return bad;
}

unsigned int gemm_status_check(const struct fpq_hw_op_status *s, const struct gemm_case *gc,
			       const char *what)
{
	const struct fpq_gemm_status *r = &gc->ref_status;
	uint64_t macs = (uint64_t)gc->op.a.rows * gc->op.b.rows * gc->op.a.cols;

	if (s->clamped == r->clamped && s->saturated == r->saturated &&
	    s->nan_to_zero == r->nan_to_zero && s->overflowed == r->overflowed && s->macs == macs &&
	    s->cycles > 0)
		return 0;
	printf("  %s: counts clamped %u sat %u nan %u ovf %u macs %llu cycles %llu; reference "
	       "%llu %llu %llu %llu macs %llu\n", what, s->clamped, s->saturated, s->nan_to_zero,
	       s->overflowed, (unsigned long long)s->macs, (unsigned long long)s->cycles,
	       (unsigned long long)r->clamped, (unsigned long long)r->saturated,
	       (unsigned long long)r->nan_to_zero, (unsigned long long)r->overflowed,
	       (unsigned long long)macs);
	return 1;
}

const char *gemm_cfg_name(const struct gemm_cfg *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s x %s%s -> %s%s %ux%ux%u act %d%s%s", fpq_format_name(c->fa),
		 c->mx_a ? "(mx)" : "", fpq_format_name(c->fb), c->mx_b ? "(mx)" : "",
		 fpq_format_name(c->fc), c->mx_c ? "(mx)" : "", c->m, c->n, c->k, (int)c->act,
		 c->params ? " params" : "", c->nonsat ? " nonsat" : "");
	return buf;
}
