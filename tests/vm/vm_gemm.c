// SPDX-License-Identifier: MIT
/*
 * vm_gemm.c - GEMM cases through the UAPI (see vm_gemm.h).
 */
#include <errno.h>
#include <string.h>

#include "vm_gemm.h"

static uint64_t place(struct arena *ar, const void *src, size_t bytes)
{
	uint64_t off = arena_alloc(ar, bytes);

	if (off != UINT64_MAX)
		memcpy(ar->map + off, src, bytes);
	return off;
}

static int describe_matrix(struct arena *ar, const struct fpq_matrix *m,
			   struct drm_fpq_matrix *d, uint64_t *off, uint64_t *scale_off)
{
	*d = (struct drm_fpq_matrix){
		.handle = ar->handle,
		.format = m->format,
		.stride = m->stride,
		.zero_point = m->zero_point,
	};
	*off = place(ar, m->data, matrix_extent(m));
	if (*off == UINT64_MAX)
		return -ENOSPC;
	d->offset = *off;
	if (m->scales) {
		*scale_off = place(ar, m->scales, matrix_scale_extent(m));
		if (*scale_off == UINT64_MAX)
			return -ENOSPC;
		d->scale_handle = ar->handle;
		d->scale_offset = *scale_off;
		d->scale_stride = m->scale_stride;
	}
	return 0;
}

int vm_op_place(struct vm_op *vo, const struct gemm_case *gc, struct arena *ar)
{
	const struct fpq_gemm_op *op = &gc->op;
	struct drm_fpq_vector *vecs[GA_COUNT];
	uint64_t off, soff = 0;
	int err;

	memset(vo, 0, sizeof(*vo));
	vo->drm = (struct drm_fpq_gemm){ .m = op->a.rows, .n = op->b.rows, .k = op->a.cols,
					 .flags = op->flags, .act = op->act,
					 .out_zero = op->out_zero, .act_min = op->act_min,
					 .act_max = op->act_max };
	memcpy(&vo->drm.clamp_lo, &op->clamp_lo, 4);
	memcpy(&vo->drm.clamp_hi, &op->clamp_hi, 4);
	if ((err = describe_matrix(ar, &op->a, &vo->drm.a, &off, &soff)) ||
	    (err = describe_matrix(ar, &op->b, &vo->drm.b, &off, &soff)) ||
	    (err = describe_matrix(ar, &op->c, &vo->drm.c, &vo->c_off, &vo->c_scale_off)))
		return err;
	vecs[GA_ALPHA] = &vo->drm.alpha;
	vecs[GA_BETA] = &vo->drm.beta;
	vecs[GA_BIAS] = &vo->drm.bias;
	vecs[GA_MULT] = &vo->drm.requant_mult;
	vecs[GA_SHIFT] = &vo->drm.requant_shift;
	vecs[GA_SCALE] = &vo->drm.out_scale;
	for (int i = 0; i < GA_COUNT; i++) {
		size_t bytes;
		const void *p = gemm_op_array(op, (enum gemm_array)i, &bytes);

		if (!p)
			continue;
		off = place(ar, p, bytes);
		if (off == UINT64_MAX)
			return -ENOSPC;
		vecs[i]->handle = ar->handle;
		vecs[i]->offset = off;
	}
	return 0;
}

void vm_op_reset(const struct vm_op *vo, const struct gemm_case *gc, struct arena *ar)
{
	const struct fpq_matrix *c = &gc->op.c;

	memcpy(ar->map + vo->c_off, c->data, matrix_extent(c));
	if (c->scales)
		memcpy(ar->map + vo->c_scale_off, c->scales, matrix_scale_extent(c));
}

int vm_op_check(const struct vm_op *vo, const struct gemm_case *gc, const struct arena *ar,
		const struct drm_fpq_op_status *st)
{
	unsigned int bad = gemm_case_compare(gc, ar->map + vo->c_off,
					     gc->op.c.scales ? ar->map + vo->c_scale_off : NULL,
					     "card");

	if (st) {
		const struct fpq_gemm_status got = { .clamped = st->clamped,
						     .saturated = st->saturated,
						     .nan_to_zero = st->nan_to_zero,
						     .overflowed = st->overflowed };

		bad += gemm_case_compare_counts(gc, &got, "card");
	}
	return bad ? -1 : 0;
}
