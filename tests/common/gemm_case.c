// SPDX-License-Identifier: MIT
/*
 * gemm_case.c - see gemm_case.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm_case.h"

static bool int8_path(const struct gemm_spec *s)
{
	return s->a == FPQ_FMT_INT8;
}

/* The packing groups after a row, and the spare bytes after a row of scales. */
static void alloc_matrix(struct test_matrix *t, enum fpq_format f, uint32_t rows,
			 uint32_t cols, unsigned int pad, bool scales, struct rng *r)
{
	tm_alloc_ex(t, f, rows, cols, pad ? rng_below(r, pad + 1) : 0, scales, rng_below(r, 3));
}

/* A binary32 of moderate size: +-2 in 1/500 steps, times 2^-4 .. 2^4. */
static float moderate_float(struct rng *r)
{
	return ldexpf((float)((int)rng_below(r, 2001) - 1000) / 500.0f, (int)rng_below(r, 9) - 4);
}

static bool broadcast(const struct gemm_spec *s, struct rng *r, unsigned int flag)
{
	if (s->broadcast & GEMM_BROADCAST_SOMETIMES)
		return rng_below(r, 3) == 0;
	return s->broadcast & flag;
}

/* An array of @count elements of @size bytes that the case owns. */
static void *owned_array(struct gemm_case *gc, size_t count, size_t size)
{
	void *p = calloc(count, size);

	for (unsigned int i = 0; i < sizeof(gc->owned) / sizeof(gc->owned[0]); i++)
		if (!gc->owned[i]) {
			gc->owned[i] = p;
			return p;
		}
	abort();   /* more arrays than an operation has */
}

static void int8_epilogue(struct gemm_case *gc, const struct gemm_spec *s, struct rng *r)
{
	struct fpq_gemm_op *op = &gc->op;
	const uint32_t n = s->n;

	op->a.zero_point = (int32_t)rng_below(r, 256) - 128;
	if (s->requant_fp32) {
		int bc = broadcast(s, r, FPQ_GEMM_SCALE_BROADCAST);

		requant_fp32_params(r, op, owned_array(gc, n, sizeof(int32_t)),
				    owned_array(gc, n, sizeof(float)), bc, s->big_acc);
		return;
	}
	if (s->arrays & GEMM_BIAS) {
		int32_t *bias = owned_array(gc, n, sizeof(*bias));

		for (uint32_t j = 0; j < n; j++)
			bias[j] = (int32_t)(rng_u32(r) % 200001) - 100000;
		op->bias = bias;
	}
	if (s->c == FPQ_FMT_INT8) {
		bool bc = broadcast(s, r, FPQ_GEMM_REQUANT_BROADCAST);
		uint32_t cnt = bc ? 1 : n;
		int32_t *mult = owned_array(gc, cnt, sizeof(*mult));
		int8_t *shift = owned_array(gc, cnt, sizeof(*shift));

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
		int lo = (int)rng_below(r, 256) - 128, hi = (int)rng_below(r, 256) - 128;

		op->act_min = rng_below(r, 2) ? -128 : (lo < hi ? lo : hi);
		op->act_max = op->act_min == -128 ? 127 : (lo < hi ? hi : lo);
	} else if (s->c == FPQ_FMT_FP32) {
		bool bc = broadcast(s, r, FPQ_GEMM_SCALE_BROADCAST);
		uint32_t cnt = bc ? 1 : n;
		float *scale = owned_array(gc, cnt, sizeof(*scale));

		for (uint32_t j = 0; j < cnt; j++)
			scale[j] = ldexpf(moderate_float(r), -10);
		op->out_scale = scale;
		op->flags |= bc ? FPQ_GEMM_SCALE_BROADCAST : 0;
	}
}

static const float *float_array(struct gemm_case *gc, const struct gemm_spec *s,
				struct rng *r, unsigned int flag)
{
	bool bc = broadcast(s, r, flag);
	uint32_t cnt = bc ? 1 : s->n;
	float *v = owned_array(gc, cnt, sizeof(*v));

	for (uint32_t j = 0; j < cnt; j++)
		v[j] = moderate_float(r);
	gc->op.flags |= bc ? flag : 0;
	return v;
}

static void float_epilogue(struct gemm_case *gc, const struct gemm_spec *s, struct rng *r)
{
	struct fpq_gemm_op *op = &gc->op;

	if (s->arrays & GEMM_ALPHA)
		op->alpha = float_array(gc, s, r, FPQ_GEMM_ALPHA_BROADCAST);
	if (s->arrays & GEMM_BETA)
		op->beta = float_array(gc, s, r, FPQ_GEMM_BETA_BROADCAST);
	op->act = s->act;
	if (s->act == FPQ_ACT_CLAMP) {
		float lo = moderate_float(r), hi = moderate_float(r);

		op->clamp_lo = lo < hi ? lo : hi;
		op->clamp_hi = lo < hi ? hi : lo;
	}
	if (s->nonsat)
		op->flags |= FPQ_GEMM_QUANT_NONSAT;
}

int gemm_case_make(struct gemm_case *gc, const struct gemm_spec *s, struct rng *r)
{
	struct fpq_gemm_op *op = &gc->op, ref;
	int err;

	memset(gc, 0, sizeof(*gc));
	gc->spec = *s;
	gemm_spec_name(s, gc->name, sizeof(gc->name));
	alloc_matrix(&gc->a, s->a, s->m, s->k, s->pad, s->a_scales, r);
	alloc_matrix(&gc->b, s->b, s->n, s->k, s->pad, s->b_scales, r);
	alloc_matrix(&gc->c, s->c, s->m, s->n, s->pad, s->c_scales, r);
	tm_fill(&gc->a, r, s->a_data, s->a_scale_data);
	tm_fill(&gc->b, r, s->b_data, s->b_scale_data);
	tm_sprinkle_specials(&gc->a, r, s->specials);
	tm_sprinkle_specials(&gc->b, r, s->specials);
	tm_copy(&gc->ref, &gc->c);

	fpq_gemm_op_init(op);
	op->a = gc->a.m;
	op->b = gc->b.m;
	op->c = gc->c.m;
	if (int8_path(s))
		int8_epilogue(gc, s, r);
	else
		float_epilogue(gc, s, r);
	ref = *op;
	ref.c = gc->ref.m;
	err = fpq_gemm_reference(&ref, &gc->ref_status);
	if (err)
		printf("  %s: the reference refuses it: %s\n", gc->name, fpq_strerror(err));
	return err;
}

void gemm_case_free(struct gemm_case *gc)
{
	tm_free(&gc->a);
	tm_free(&gc->b);
	tm_free(&gc->c);
	tm_free(&gc->ref);
	for (unsigned int i = 0; i < sizeof(gc->owned) / sizeof(gc->owned[0]); i++)
		free(gc->owned[i]);
	memset(gc, 0, sizeof(*gc));
}

const char *gemm_spec_name(const struct gemm_spec *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s x %s%s -> %s%s %ux%ux%u%s%s%s%s%s act %d%s%s", fpq_format_name(s->a),
		 s->a_scales ? "(mx)" : "", fpq_format_name(s->b), s->b_scales ? "(mx)" : "",
		 fpq_format_name(s->c), s->c_scales ? "(mx)" : "", s->m, s->n, s->k,
		 s->arrays & GEMM_ALPHA ? " alpha" : "", s->arrays & GEMM_BETA ? " beta" : "",
		 s->arrays & GEMM_BIAS ? " bias" : "", s->requant_fp32 ? " requant-fp32" : "",
		 s->big_acc ? " big" : "", (int)s->act, s->nonsat ? " nonsat" : "",
		 s->specials ? " specials" : "");
	return buf;
}

size_t matrix_extent(const struct fpq_matrix *m)
{
	size_t stride = m->stride ? m->stride : fpq_row_bytes(m->format, m->cols);

	return (size_t)(m->rows - 1) * stride + fpq_row_bytes(m->format, m->cols);
}

size_t matrix_scale_extent(const struct fpq_matrix *m)
{
	size_t blocks = m->cols / FPQ_MX_BLOCK;

	if (!m->scales)
		return 0;
	return (size_t)(m->rows - 1) * (m->scale_stride ? m->scale_stride : blocks) + blocks;
}

unsigned int gemm_case_compare(const struct gemm_case *gc, const void *c,
			       const uint8_t *c_scales, const char *what)
{
	const struct fpq_matrix *want = &gc->ref.m;
	struct fpq_matrix got = *want;
	const size_t row = fpq_row_bytes(want->format, want->cols), stride = want->stride;
	const uint8_t *gb = c, *wb = want->data;
	unsigned int bad = 0;

	got.data = (void *)c;
	for (uint32_t i = 0; i < want->rows; i++) {
		for (uint32_t j = 0; j < want->cols; j++) {
			uint32_t g = fpq_matrix_get(&got, i, j), w = fpq_matrix_get(want, i, j);

			if (g != w && bad++ < 4)
				printf("  %s: %s: C[%u][%u] = 0x%x, reference 0x%x\n", what, gc->name,
				       i, j, g, w);
		}
		/* the bytes between rows are not the device's to write */
		for (size_t x = row; i + 1 < want->rows && x < stride; x++) {
			size_t at = (size_t)i * stride + x;

			if (gb[at] != wb[at] && bad++ < 4)
				printf("  %s: %s: byte %zu after row %u is 0x%02x, was 0x%02x\n", what,
				       gc->name, x - row, i, gb[at], wb[at]);
		}
	}
	for (uint32_t i = 0; c_scales && i < want->rows; i++)
		for (uint32_t b = 0; b < want->cols / FPQ_MX_BLOCK; b++) {
			size_t at = (size_t)i * want->scale_stride + b;

			if (c_scales[at] != want->scales[at] && bad++ < 4)
				printf("  %s: %s: C scale[%u][%u] = 0x%02x, reference 0x%02x\n", what,
				       gc->name, i, b, c_scales[at], want->scales[at]);
		}
	return bad;
}

unsigned int gemm_case_compare_counts(const struct gemm_case *gc,
				      const struct fpq_gemm_status *st, const char *what)
{
	const struct fpq_gemm_status *w = &gc->ref_status;

	if (st->clamped == w->clamped && st->saturated == w->saturated &&
	    st->nan_to_zero == w->nan_to_zero && st->overflowed == w->overflowed)
		return 0;
	printf("  %s: %s: counts clamped/saturated/nan-to-zero/overflowed %llu/%llu/%llu/%llu, "
	       "reference %llu/%llu/%llu/%llu\n", what, gc->name,
	       (unsigned long long)st->clamped, (unsigned long long)st->saturated,
	       (unsigned long long)st->nan_to_zero, (unsigned long long)st->overflowed,
	       (unsigned long long)w->clamped, (unsigned long long)w->saturated,
	       (unsigned long long)w->nan_to_zero, (unsigned long long)w->overflowed);
	return 1;
}

const void *gemm_op_array(const struct fpq_gemm_op *op, enum gemm_array which, size_t *bytes)
{
	const uint32_t n = op->b.rows;
	const void *p = NULL;
	size_t size = 4;
	unsigned int bcast = 0;

	switch (which) {
	case GA_ALPHA: p = op->alpha; bcast = FPQ_GEMM_ALPHA_BROADCAST; break;
	case GA_BETA: p = op->beta; bcast = FPQ_GEMM_BETA_BROADCAST; break;
	case GA_BIAS: p = op->bias; break;
	case GA_MULT: p = op->requant_mult; bcast = FPQ_GEMM_REQUANT_BROADCAST; break;
	case GA_SHIFT: p = op->requant_shift; bcast = FPQ_GEMM_REQUANT_BROADCAST; size = 1; break;
	case GA_SCALE: p = op->out_scale; bcast = FPQ_GEMM_SCALE_BROADCAST; break;
	default: break;
	}
	*bytes = p ? size * (op->flags & bcast ? 1 : n) : 0;
	return p;
}
