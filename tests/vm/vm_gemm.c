// SPDX-License-Identifier: MIT
/*
 * vm_gemm.c - GEMM cases: host operands, reference, UAPI description, comparison.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm_gemm.h"

static uint32_t rnd(uint32_t *s)
{
	/* xorshift32: reproducible from the seed printed with a failure. */
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void *host_alloc(struct gemm_case *gc, size_t bytes)
{
	void *p = calloc(1, bytes ? bytes : 1);

	if (p && gc->n_host < sizeof(gc->host) / sizeof(gc->host[0]))
		gc->host[gc->n_host++] = p;
	return p;
}

static size_t padded_stride(enum fpq_format f, uint32_t cols, uint32_t pad)
{
	const struct fpq_format_info *fi = fpq_format_info(f);
	size_t row = fpq_row_bytes(f, cols);

	return row + (pad + fi->group_bytes - 1) / fi->group_bytes * fi->group_bytes;
}

static size_t matrix_bytes(const struct fpq_matrix *m)
{
	return (m->rows - 1) * m->stride + fpq_row_bytes(m->format, m->cols);
}

static size_t scale_bytes(const struct fpq_matrix *m)
{
	return (m->rows - 1) * m->scale_stride + m->cols / 32;
}

/* Random element codes (any code, NaN included); scales around 2^0. */
static int fill_matrix(struct gemm_case *gc, struct fpq_matrix *m, bool scales, uint32_t *s)
{
	size_t bytes = matrix_bytes(m);
	uint8_t *p = host_alloc(gc, bytes);

	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < bytes; i++)
		p[i] = (uint8_t)rnd(s);
	m->data = p;
	if (scales) {
		size_t sb;

		m->scale_stride = m->cols / 32 + (m->rows > 1 ? 1 : 0);
		sb = scale_bytes(m);
		m->scales = host_alloc(gc, sb);
		if (!m->scales)
			return -ENOMEM;
		for (size_t i = 0; i < sb; i++)
			m->scales[i] = (uint8_t)(120 + rnd(s) % 15);
	}
	return 0;
}

static float rnd_float(uint32_t *s)
{
	static const float v[] = { 1.0f, -0.5f, 0.25f, 3.0f, -2.0f, 0.125f, 1.5f, 0.0f };

	return v[rnd(s) % 8];
}

static const void *vec(struct gemm_case *gc, size_t bytes, uint32_t *s, int kind)
{
	uint8_t *p = host_alloc(gc, bytes);

	if (!p)
		return NULL;
	for (size_t i = 0; i < bytes / 4 && kind != 2; i++) {
		float f = rnd_float(s);
		int32_t x = (int32_t)(rnd(s) % 2000) - 1000;

		if (kind == 0)
			memcpy(p + 4 * i, &f, 4);
		else
			memcpy(p + 4 * i, &x, 4);
	}
	if (kind == 2)	/* requant shifts: -8..2 */
		for (size_t i = 0; i < bytes; i++)
			p[i] = (uint8_t)(int8_t)((int)(rnd(s) % 11) - 8);
	return p;
}

static int32_t *mults(struct gemm_case *gc, uint32_t n, uint32_t *s)
{
	int32_t *p = host_alloc(gc, 4 * (size_t)n);

	for (uint32_t i = 0; p && i < n; i++)
		p[i] = (int32_t)((1u << 30) + rnd(s) % (1u << 30));
	return p;
}

static uint64_t place(struct arena *ar, const void *src, size_t bytes)
{
	uint64_t off = arena_alloc(ar, bytes);

	if (off != UINT64_MAX && src)
		memcpy(ar->map + off, src, bytes);
	return off;
}

static int describe_matrix(struct arena *ar, const struct fpq_matrix *m,
			   struct drm_fpq_matrix *d, bool output, uint64_t *off,
			   uint64_t *scale_off)
{
	*d = (struct drm_fpq_matrix){
		.handle = ar->handle,
		.format = m->format,
		.stride = m->stride,
		.zero_point = m->zero_point,
	};
	*off = place(ar, output ? NULL : m->data, matrix_bytes(m));
	if (*off == UINT64_MAX)
		return -ENOSPC;
	d->offset = *off;
	if (m->scales) {
		*scale_off = place(ar, output ? NULL : m->scales, scale_bytes(m));
		if (*scale_off == UINT64_MAX)
			return -ENOSPC;
		d->scale_handle = ar->handle;
		d->scale_offset = *scale_off;
		d->scale_stride = m->scale_stride;
	}
	return 0;
}

static int describe_vector(struct arena *ar, const void *src, size_t bytes,
			   struct drm_fpq_vector *d)
{
	uint64_t off;

	if (!src)
		return 0;
	off = place(ar, src, bytes);
	if (off == UINT64_MAX)
		return -ENOSPC;
	d->handle = ar->handle;
	d->offset = off;
	return 0;
}

int gemm_case_make(struct gemm_case *gc, const struct gemm_shape *s, struct arena *ar,
		   uint32_t seed)
{
	struct fpq_gemm_op *op = &gc->op;
	const bool int8 = s->a == FPQ_FMT_INT8;
	const unsigned int v = s->variant;
	uint32_t st = seed * 2654435761u + 1;
	size_t nb;
	int err;

	memset(gc, 0, sizeof(*gc));
	snprintf(gc->name, sizeof(gc->name), "%s x %s -> %s%s%s %ux%ux%u v%u seed %u",
		 fpq_format_name(s->a), fpq_format_name(s->b), fpq_format_name(s->c),
		 s->mx ? " mx" : "", s->c_mx ? " c-mx" : "", s->m, s->n, s->k, v, seed);
	fpq_gemm_op_init(op);
	op->a = (struct fpq_matrix){ .format = s->a, .rows = s->m, .cols = s->k,
				     .stride = padded_stride(s->a, s->k, s->pad) };
	op->b = (struct fpq_matrix){ .format = s->b, .rows = s->n, .cols = s->k,
				     .stride = padded_stride(s->b, s->k, s->pad) };
	op->c = (struct fpq_matrix){ .format = s->c, .rows = s->m, .cols = s->n,
				     .stride = padded_stride(s->c, s->n, s->pad) };
	if ((err = fill_matrix(gc, &op->a, s->mx, &st)) ||
	    (err = fill_matrix(gc, &op->b, s->mx, &st)))
		return err;
	op->c.data = host_alloc(gc, matrix_bytes(&op->c));
	if (s->c_mx) {
		op->c.scale_stride = s->n / 32;
		op->c.scales = host_alloc(gc, scale_bytes(&op->c));
	}
	if (!op->c.data || (s->c_mx && !op->c.scales))
		return -ENOMEM;

	if (int8) {
		op->a.zero_point = (int32_t)(rnd(&st) % 256) - 128;
		if (v & 1)
			op->bias = vec(gc, 4 * (size_t)s->n, &st, 1);
		if (s->c == FPQ_FMT_INT8) {
			bool bc = v & 2;

			op->flags |= bc ? FPQ_GEMM_REQUANT_BROADCAST : 0;
			op->requant_mult = mults(gc, bc ? 1 : s->n, &st);
			op->requant_shift = vec(gc, bc ? 1 : s->n, &st, 2);
			op->out_zero = (int32_t)(rnd(&st) % 41) - 20;
			op->act_min = -100;
			op->act_max = 110;
		} else if (s->c == FPQ_FMT_FP32) {
			bool bc = v & 2;

			op->flags |= bc ? FPQ_GEMM_SCALE_BROADCAST : 0;
			op->out_scale = vec(gc, bc ? 4 : 4 * (size_t)s->n, &st, 0);
		}
	} else {
		if (v & 1) {
			bool bc = v & 4;

			op->flags |= bc ? FPQ_GEMM_ALPHA_BROADCAST : 0;
			op->alpha = vec(gc, bc ? 4 : 4 * (size_t)s->n, &st, 0);
		}
		if (v & 2)
			op->beta = vec(gc, 4 * (size_t)s->n, &st, 0);
		op->act = (enum fpq_activation)(v / 8 % 3);
		if (op->act == FPQ_ACT_CLAMP) {
			op->clamp_lo = -1.5f;
			op->clamp_hi = 2.0f;
		}
		if ((v & 16) && (s->c == FPQ_FMT_E4M3 || s->c == FPQ_FMT_E5M2))
			op->flags |= FPQ_GEMM_QUANT_NONSAT;
	}
	if (fpq_gemm_validate(op))
		return -EINVAL;
	fpq_gemm_reference(op, &gc->ref_st);

	/* The same operation through the UAPI, every array in the arena. */
	gc->drm = (struct drm_fpq_gemm){ .m = s->m, .n = s->n, .k = s->k, .flags = op->flags,
					 .act = op->act, .out_zero = op->out_zero,
					 .act_min = op->act_min, .act_max = op->act_max };
	memcpy(&gc->drm.clamp_lo, &op->clamp_lo, 4);
	memcpy(&gc->drm.clamp_hi, &op->clamp_hi, 4);
	{
		uint64_t off, soff = 0;

		if ((err = describe_matrix(ar, &op->a, &gc->drm.a, false, &off, &soff)) ||
		    (err = describe_matrix(ar, &op->b, &gc->drm.b, false, &off, &soff)) ||
		    (err = describe_matrix(ar, &op->c, &gc->drm.c, true, &gc->c_off,
					   &gc->c_scale_off)))
			return err;
	}
	nb = (size_t)s->n;
	if ((err = describe_vector(ar, op->alpha, op->flags & FPQ_GEMM_ALPHA_BROADCAST ? 4 :
				   4 * nb, &gc->drm.alpha)) ||
	    (err = describe_vector(ar, op->beta, 4 * nb, &gc->drm.beta)) ||
	    (err = describe_vector(ar, op->bias, 4 * nb, &gc->drm.bias)) ||
	    (err = describe_vector(ar, op->requant_mult, op->flags & FPQ_GEMM_REQUANT_BROADCAST ?
				   4 : 4 * nb, &gc->drm.requant_mult)) ||
	    (err = describe_vector(ar, op->requant_shift, op->flags & FPQ_GEMM_REQUANT_BROADCAST ?
				   1 : nb, &gc->drm.requant_shift)) ||
	    (err = describe_vector(ar, op->out_scale, op->flags & FPQ_GEMM_SCALE_BROADCAST ? 4 :
				   4 * nb, &gc->drm.out_scale)))
		return err;
	return 0;
}

int gemm_case_check(const struct gemm_case *gc, const struct arena *ar,
		    const struct drm_fpq_op_status *st)
{
	const struct fpq_matrix *c = &gc->op.c;
	struct fpq_matrix got = *c;
	int bad = 0;

	/* Element by element: padding bits of a last packing group are nobody's. */
	got.data = ar->map + gc->c_off;
	for (uint32_t r = 0; r < c->rows; r++) {
		for (uint32_t i = 0; i < c->cols; i++) {
			uint32_t want = fpq_matrix_get(c, r, i), have = fpq_matrix_get(&got, r, i);

			if (want != have && bad++ < 3)
				printf("  %s: C[%u][%u]: card 0x%x, reference 0x%x\n", gc->name, r, i,
				       have, want);
		}
	}
	if (c->scales) {
		for (uint32_t r = 0; r < c->rows; r++)
			for (uint32_t i = 0; i < c->cols / 32; i++) {
				uint8_t want = c->scales[r * c->scale_stride + i];
				uint8_t got = ar->map[gc->c_scale_off + r * c->scale_stride + i];

				if (want != got && bad++ < 3)
					printf("  %s: C scale %u,%u: card %u, reference %u\n", gc->name,
					       r, i, got, want);
			}
	}
	if (st && (st->clamped != gc->ref_st.clamped || st->saturated != gc->ref_st.saturated ||
		   st->nan_to_zero != gc->ref_st.nan_to_zero ||
		   st->overflowed != gc->ref_st.overflowed)) {
		printf("  %s: counts card %llu/%llu/%llu/%llu, reference %llu/%llu/%llu/%llu\n",
		       gc->name, (unsigned long long)st->clamped,
		       (unsigned long long)st->saturated, (unsigned long long)st->nan_to_zero,
		       (unsigned long long)st->overflowed,
		       (unsigned long long)gc->ref_st.clamped,
		       (unsigned long long)gc->ref_st.saturated,
		       (unsigned long long)gc->ref_st.nan_to_zero,
		       (unsigned long long)gc->ref_st.overflowed);
		bad++;
	}
	return bad ? -1 : 0;
}

void gemm_case_free(struct gemm_case *gc)
{
	for (unsigned int i = 0; i < gc->n_host; i++)
		free(gc->host[i]);
	gc->n_host = 0;
}
