// SPDX-License-Identifier: MIT
/*
 * card_job.c - operations as jobs for the card: checked against the card's
 * capabilities, split to its limits, their operands located in device buffers or
 * staged in one buffer object per job, submitted through DRM_IOCTL_FPQ_SUBMIT, and
 * collected with DRM_IOCTL_FPQ_WAIT. Results are copied back only when the job
 * succeeded, so a failing card leaves the caller's memory as it was.
 *
 * The card's epilogue has only TFLite's requantization: an operation with
 * FPQ_GEMM_REQUANT_FP32 runs on the card with int32 output into the staging buffer,
 * and lib/epilogue.c requantizes those accumulators on the host once the job is done.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "card.h"
#include "fpq_drm.h"
#include "fpq_hw_regs.h"

/* Handle of operands planned in the staging buffer until it exists. */
#define STAGED UINT32_MAX

/* Where an operand lives on the device. */
struct place {
	uint32_t handle;
	uint64_t offset;
	uint64_t stride;         /* matrices: the device-side row stride */
};

/* A staged output to copy back after the job. */
struct copy_back {
	struct fpq_matrix user;  /* the caller's C */
	bool data, scales;       /* which parts were staged */
	uint64_t offset;         /* where its rows are in the staging buffer */
	uint64_t stride;
	uint64_t scale_offset;   /* where its scales are */
	uint64_t scale_stride;
};

/*
 * A staged region of rows (elements or scales), so that a later operation that reads an
 * earlier one's output finds the same staged bytes.
 */
struct staged {
	const uint8_t *data;
	size_t stride, row_bytes;
	uint32_t rows;
	uint64_t offset, dstride;
	bool is_output;
};

/* An operation whose int8 output the host computes from the card's int32 one. */
struct host_requant {
	struct fpq_gemm_op op;   /* the caller's (split) operation, int8 C */
	uint64_t offset;         /* its int32 accumulators in the staging buffer */
	uint64_t stride;
	unsigned int index;      /* in card_job.ops */
};

/* Where a piece of a split operation starts in the caller's operation. */
struct piece_origin {
	uint32_t m0, n0;
};

struct card_job {
	unsigned int n_user_ops;         /* operations the caller submitted */
	unsigned int n_ops;              /* after splitting */
	struct fpq_gemm_op *ops;
	unsigned int *owner;             /* ops[i] came from user op owner[i] */
	struct piece_origin *origin;     /* ... at row m0, column n0 of its C */
	struct drm_fpq_gemm *gemms;
	struct drm_fpq_op_status *op_status;

	uint32_t staging;                /* buffer object, 0 if nothing was staged */
	uint8_t *map;
	size_t map_size;
	uint64_t cursor;

	struct staged *staged;
	unsigned int n_staged, cap_staged;
	struct copy_back *back;
	unsigned int n_back;
	struct host_requant *hreq;
	unsigned int n_hreq;

	uint64_t *job_ids;               /* one device job per max_ops operations */
	unsigned int n_jobs, next_wait;
	int first_error;
	struct drm_fpq_job_status first_status; /* of the device job that failed first */
	unsigned int first_failed;               /* its index */
};

static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* ---- capabilities and limits ---- */

static bool host_requantized(const struct fpq_gemm_op *op)
{
	return op->flags & FPQ_GEMM_REQUANT_FP32;
}

/*
 * The operation as the card runs it: with REQUANT_FP32, int32 output (C's data is not
 * the caller's: NULL here, a staging region in translate()) and no output stage.
 */
static void device_view(const struct fpq_gemm_op *op, struct fpq_gemm_op *dev)
{
	*dev = *op;
	if (!host_requantized(op))
		return;
	dev->flags &= ~(unsigned int)(FPQ_GEMM_REQUANT_FP32 | FPQ_GEMM_SCALE_BROADCAST);
	dev->c.format = FPQ_FMT_INT32;
	dev->c.data = NULL;
	dev->c.stride = 0;
	dev->requant_mult = NULL;
	dev->requant_shift = NULL;
	dev->out_scale = NULL;
	dev->out_zero = 0;
	dev->act_min = -128;
	dev->act_max = 127;
}

static int check_caps(const struct fpq_device_info *in, const struct fpq_gemm_op *op)
{
	const enum fpq_format fa = op->a.format, fb = op->b.format;
	const enum fpq_format fc = host_requantized(op) ? FPQ_FMT_INT32 : op->c.format;

	if (!(in->input_formats & (1ull << fa)) || !(in->input_formats & (1ull << fb)))
		return fpq_error(-ENOTSUP, "card: built without %s x %s inputs",
				 fpq_format_name(fa), fpq_format_name(fb));
	if (!(in->output_formats & (1ull << fc)))
		return fpq_error(-ENOTSUP, "card: built without %s output", fpq_format_name(fc));
	if ((op->a.scales || op->b.scales) && !(in->features & DRM_FPQ_FEATURE_MX_SCALES))
		return fpq_error(-ENOTSUP, "card: built without MX scales");
	if (op->c.scales && !(in->features & DRM_FPQ_FEATURE_MX_OUTPUT))
		return fpq_error(-ENOTSUP, "card: built without MX output");
	if (fa != fb && fa != FPQ_FMT_INT8 && !(in->features & DRM_FPQ_FEATURE_MIXED_FORMATS))
		return fpq_error(-ENOTSUP, "card: built without mixed %s x %s",
				 fpq_format_name(fa), fpq_format_name(fb));
	if (op->a.cols > in->max_k)
		return fpq_error(-ENOTSUP, "card: K = %u exceeds the card's %u (K cannot be "
					   "split without changing the result)", op->a.cols, in->max_k);
	return 0;
}

static const void *advance(const void *p, size_t bytes)
{
	return p ? (const uint8_t *)p + bytes : NULL;
}

/*
 * Split op along M and N so that each piece fits the card. N pieces start on multiples
 * of 32 * offset_align columns: whole 6-bit and 4-bit groups, whole MX output blocks,
 * and aligned byte offsets for every output format.
 */
static int split_op(const struct fpq_device_info *in, const struct fpq_gemm_op *op,
		    unsigned int owner, struct card_job *job, unsigned int *cap)
{
	const uint32_t m = op->a.rows, n = op->b.rows, quantum = 32 * in->offset_align;
	uint32_t mstep = in->max_m, nstep = n <= in->max_n ? n : in->max_n / quantum * quantum;

	if (nstep == 0)
		return fpq_error(-ENOTSUP, "card: N = %u exceeds the card's %u", n, in->max_n);
	for (uint32_t m0 = 0; m0 < m; m0 += mstep) {
		for (uint32_t n0 = 0; n0 < n; n0 += nstep) {
			struct fpq_gemm_op p = *op;
			uint32_t mm = m - m0 < mstep ? m - m0 : mstep;
			uint32_t nn = n - n0 < nstep ? n - n0 : nstep;
			size_t cbits = fpq_format_info(op->c.format)->bits;

			if (job->n_ops == *cap) {
				unsigned int nc = *cap ? 2 * *cap : 8;
				void *o = realloc(job->ops, nc * sizeof(*job->ops));
				void *w = o ? realloc(job->owner, nc * sizeof(*job->owner)) : NULL;
				void *g = w ? realloc(job->origin, nc * sizeof(*job->origin)) : NULL;

				if (o)
					job->ops = o;
				if (w)
					job->owner = w;
				if (!o || !w || !g)
					return fpq_error(-ENOMEM, "card: out of memory");
				job->origin = g;
				*cap = nc;
			}
			p.a.rows = p.c.rows = mm;
			p.b.rows = p.c.cols = nn;
			p.a.data = (void *)advance(op->a.data, m0 * fpq_matrix_stride(&op->a));
			p.c.data = (void *)advance(op->c.data, m0 * fpq_matrix_stride(&op->c) +
						   n0 * cbits / 8);
			p.b.data = (void *)advance(op->b.data, n0 * fpq_matrix_stride(&op->b));
			if (op->a.scales)
				p.a.scales = op->a.scales + m0 * (op->a.scale_stride ? op->a.scale_stride
									 : op->a.cols / 32);
			if (op->b.scales)
				p.b.scales = op->b.scales + n0 * (op->b.scale_stride ? op->b.scale_stride
									 : op->b.cols / 32);
			if (op->c.scales) {
				size_t cs = op->c.scale_stride ? op->c.scale_stride : op->c.cols / 32;

				p.c.scales = op->c.scales + m0 * cs + n0 / 32;
				p.c.scale_stride = cs;
			}
			/* Sub-matrices keep the parent's strides. */
			p.a.stride = fpq_matrix_stride(&op->a);
			p.b.stride = fpq_matrix_stride(&op->b);
			p.c.stride = fpq_matrix_stride(&op->c);
			if (!(op->flags & FPQ_GEMM_ALPHA_BROADCAST))
				p.alpha = advance(op->alpha, n0 * sizeof(float));
			if (!(op->flags & FPQ_GEMM_BETA_BROADCAST))
				p.beta = advance(op->beta, n0 * sizeof(float));
			p.bias = advance(op->bias, n0 * sizeof(int32_t));
			if (!(op->flags & FPQ_GEMM_REQUANT_BROADCAST)) {
				p.requant_mult = advance(op->requant_mult, n0 * sizeof(int32_t));
				p.requant_shift = advance(op->requant_shift, n0);
			}
			if (!(op->flags & FPQ_GEMM_SCALE_BROADCAST))
				p.out_scale = advance(op->out_scale, n0 * sizeof(float));
			job->ops[job->n_ops] = p;
			job->origin[job->n_ops] = (struct piece_origin){ m0, n0 };
			job->owner[job->n_ops++] = owner;
		}
	}
	return 0;
}

/* ---- staging ---- */

static bool overlaps(const void *a, size_t alen, const void *b, size_t blen)
{
	uintptr_t pa = (uintptr_t)a, pb = (uintptr_t)b;

	return alen && blen && pa < pb + blen && pb < pa + alen;
}

static bool ranges_meet(int64_t a0, int64_t a1, int64_t b0, int64_t b1)
{
	return a0 < b1 && b0 < a1;
}

/*
 * Do two sets of rows share a byte? Rows of the same stride (the pieces of one split
 * matrix) are compared row by row; anything else by its whole extent.
 */
static bool rows_overlap(const uint8_t *a, size_t astride, size_t arow, uint32_t arows,
			 const uint8_t *b, size_t bstride, size_t brow, uint32_t brows)
{
	if (astride != bstride || astride == 0)
		return overlaps(a, (arows - 1) * astride + arow, b, (brows - 1) * bstride + brow);
	if (b < a) {
		const uint8_t *t = a;
		size_t tr = arow;
		uint32_t tn = arows;

		a = b, arow = brow, arows = brows;
		b = t, brow = tr, brows = tn;
	}
	int64_t d = b - a, q = d / (int64_t)astride, r = d % (int64_t)astride;

	/* b's row i starts at column r of a's row q + i and may spill into the next row. */
	if ((size_t)r < arow && ranges_meet(q, q + brows, 0, arows))
		return true;
	return (size_t)r + brow > astride && ranges_meet(q + 1, q + 1 + brows, 0, arows);
}

/* Reserve len bytes in the staging buffer (laid out first, filled once it exists). */
static uint64_t reserve(struct card_job *job, uint64_t len, uint64_t align)
{
	uint64_t at = round_up(job->cursor, align);

	job->cursor = at + len;
	return at;
}

/*
 * Plan a staged region of rows: reuse an earlier operation's region holding the same
 * bytes, refuse an overlap that staging cannot keep in order, else reserve a new one
 * whose device stride is a multiple of unit.
 */
static int stage_rows(struct card_job *job, const void *data, size_t stride, size_t row_bytes,
		      uint32_t rows, uint64_t unit, uint64_t align, bool output, struct place *pl)
{
	for (unsigned int i = 0; i < job->n_staged; i++) {
		struct staged *s = &job->staged[i];
		if (s->data == data && s->stride == stride && s->row_bytes == row_bytes &&
		    s->rows >= rows) {
			s->is_output |= output;
			*pl = (struct place){ STAGED, s->offset, s->dstride };
			return 0;
		}
		if ((s->is_output || output) &&
		    rows_overlap(s->data, s->stride, s->row_bytes, s->rows, data, stride, row_bytes,
				 rows))
			return fpq_error(-ENOTSUP, "card: operations of one job overlap in memory "
						   "in a way that staging cannot keep in order");
	}
	if (job->n_staged == job->cap_staged) {
		unsigned int nc = job->cap_staged ? 2 * job->cap_staged : 8;
		void *p = realloc(job->staged, nc * sizeof(*job->staged));

		if (!p)
			return fpq_error(-ENOMEM, "card: out of memory");
		job->staged = p;
		job->cap_staged = nc;
	}
	uint64_t dstride = round_up(row_bytes, unit);
	uint64_t off = reserve(job, dstride * rows, align);

	job->staged[job->n_staged++] = (struct staged){ data, stride, row_bytes, rows, off,
							dstride, output };
	*pl = (struct place){ STAGED, off, dstride };
	return 0;
}

/*
 * Plan where one matrix lives: in a device buffer of the context (zero copy) when its
 * offset and stride suit the card, else staged with a stride that does.
 */
static int place_matrix(struct fpq_context *ctx, const struct fpq_device_info *in,
			struct card_job *job, const struct fpq_matrix *m, bool output,
			struct place *pl)
{
	const struct fpq_format_info *fi = fpq_format_info(m->format);
	size_t stride = fpq_matrix_stride(m), extent = fpq_matrix_extent(m);
	struct fpq_buffer *buf = fpq_context_find_buffer(ctx, m->data, extent);
	uint64_t align = in->offset_align;

	if (buf && buf->handle) {
		uint64_t off = (uint64_t)((const uint8_t *)m->data - (const uint8_t *)buf->data);

		if (off % align == 0 && stride % align == 0) {
			*pl = (struct place){ buf->handle, off, stride };
			return 0;
		}
	}
	/* Device stride: a multiple of the alignment and of the packing group. */
	return stage_rows(job, m->data, stride, fpq_row_bytes(m->format, m->cols), m->rows,
			  align / gcd(align, fi->group_bytes) * fi->group_bytes,
			  align > 64 ? align : 64, output, pl);
}

static int place_scales(struct fpq_context *ctx, const struct fpq_device_info *in,
			struct card_job *job, const struct fpq_matrix *m, bool output,
			struct place *pl)
{
	size_t blocks = m->cols / FPQ_MX_BLOCK;
	size_t sstride = m->scale_stride ? m->scale_stride : blocks;
	size_t extent = (size_t)(m->rows - 1) * sstride + blocks;
	struct fpq_buffer *buf = fpq_context_find_buffer(ctx, m->scales, extent);
	uint64_t align = in->offset_align;

	if (buf && buf->handle) {
		uint64_t off = (uint64_t)(m->scales - (uint8_t *)buf->data);

		if (off % align == 0 && sstride % align == 0) {
			*pl = (struct place){ buf->handle, off, sstride };
			return 0;
		}
	}
	return stage_rows(job, m->scales, sstride, blocks, m->rows, align, align, output, pl);
}

/* Per-channel arrays: aligned to their element size (the driver checks) and to the card's. */
static int place_vector(struct fpq_context *ctx, const struct fpq_device_info *in,
			struct card_job *job, const void *v, size_t bytes, size_t elem,
			struct place *pl)
{
	struct fpq_buffer *buf = fpq_context_find_buffer(ctx, v, bytes);
	uint64_t align = in->offset_align > elem ? in->offset_align : elem;

	if (buf && buf->handle) {
		uint64_t off = (uint64_t)((const uint8_t *)v - (const uint8_t *)buf->data);

		if (off % align == 0) {
			*pl = (struct place){ buf->handle, off, 0 };
			return 0;
		}
	}
	*pl = (struct place){ STAGED, reserve(job, bytes, align > 8 ? align : 8), 0 };
	return 0;
}

/* Copy rows of a matrix between layouts (whole packing groups; tails element-wise). */
static void copy_rows(const struct fpq_matrix *from, const struct fpq_matrix *to)
{
	const struct fpq_format_info *fi = fpq_format_info(from->format);
	uint32_t whole = from->cols / fi->group_elems * fi->group_elems;
	size_t whole_bytes = (size_t)whole / fi->group_elems * fi->group_bytes;

	for (uint32_t r = 0; r < from->rows; r++) {
		memcpy((uint8_t *)to->data + r * fpq_matrix_stride(to),
		       (const uint8_t *)from->data + r * fpq_matrix_stride(from), whole_bytes);
		for (uint32_t c = whole; c < from->cols; c++)
			fpq_matrix_set(to, r, c, fpq_matrix_get(from, r, c));
	}
}

static void copy_scales(const uint8_t *from, size_t fstride, uint8_t *to, size_t tstride,
			uint32_t rows, size_t blocks)
{
	for (uint32_t r = 0; r < rows; r++)
		memcpy(to + r * tstride, from + r * fstride, blocks);
}

static void set_matrix(struct drm_fpq_matrix *d, const struct fpq_matrix *m,
		       const struct place *pl, const struct place *spl)
{
	d->handle = pl->handle;
	d->format = m->format;
	d->offset = pl->offset;
	d->stride = pl->stride;
	d->zero_point = m->zero_point;
	if (m->scales) {
		d->scale_handle = spl->handle;
		d->scale_offset = spl->offset;
		d->scale_stride = spl->stride;
	}
}

/* The six per-channel arrays of an operation, in drm_fpq_gemm's order. */
enum { VEC_ALPHA, VEC_BETA, VEC_BIAS, VEC_MULT, VEC_SHIFT, VEC_SCALE, N_VEC };

static const void *vec_src(const struct fpq_gemm_op *op, int k)
{
	const void *src[N_VEC] = { op->alpha, op->beta, op->bias, op->requant_mult,
				   op->requant_shift, op->out_scale };

	return src[k];
}

static struct drm_fpq_vector *vec_of(struct drm_fpq_gemm *g, int k)
{
	struct drm_fpq_vector *v[N_VEC] = { &g->alpha, &g->beta, &g->bias, &g->requant_mult,
					    &g->requant_shift, &g->out_scale };

	return v[k];
}

/* Element size, and bytes: one element when the matching broadcast flag is set. */
static size_t vec_elem(int k)
{
	return k == VEC_SHIFT ? 1 : 4;
}

static size_t vec_bytes(const struct fpq_gemm_op *op, int k)
{
	static const unsigned int bcast[N_VEC] = {
		FPQ_GEMM_ALPHA_BROADCAST, FPQ_GEMM_BETA_BROADCAST, 0,
		FPQ_GEMM_REQUANT_BROADCAST, FPQ_GEMM_REQUANT_BROADCAST, FPQ_GEMM_SCALE_BROADCAST,
	};

	return vec_elem(k) * (op->flags & bcast[k] ? 1 : (size_t)op->b.rows);
}

/* Translate op i; plan its staging (pass 0) or fill the staging buffer (pass 1). */
static int translate(struct fpq_context *ctx, const struct fpq_device_info *in,
		     struct card_job *job, unsigned int i, struct drm_fpq_gemm *g)
{
	struct fpq_gemm_op dev;
	const struct fpq_gemm_op *op = &dev;
	struct place pa, pb, pc, sa = { 0 }, sb = { 0 }, sc = { 0 }, pv[N_VEC];
	int err;

	device_view(&job->ops[i], &dev);

	if ((err = place_matrix(ctx, in, job, &op->a, false, &pa)) ||
	    (err = place_matrix(ctx, in, job, &op->b, false, &pb)) ||
	    (op->a.scales && (err = place_scales(ctx, in, job, &op->a, false, &sa))) ||
	    (op->b.scales && (err = place_scales(ctx, in, job, &op->b, false, &sb))))
		return err;
	for (int k = 0; k < N_VEC; k++)
		if (vec_src(op, k) && (err = place_vector(ctx, in, job, vec_src(op, k),
							  vec_bytes(op, k), vec_elem(k), &pv[k])))
			return err;
	if (host_requantized(&job->ops[i])) {
		/* The int32 accumulators: staged, for the host's requantization. */
		uint64_t unit = in->offset_align / gcd(in->offset_align, 4) * 4;
		uint64_t dstride = round_up((uint64_t)op->c.cols * 4, unit);

		pc = (struct place){ STAGED, reserve(job, dstride * op->c.rows,
						     in->offset_align > 64 ? in->offset_align : 64),
				     dstride };
		job->hreq[job->n_hreq++] = (struct host_requant){ job->ops[i], pc.offset,
								   dstride, i };
	} else if ((err = place_matrix(ctx, in, job, &op->c, true, &pc)) ||
		   (op->c.scales && (err = place_scales(ctx, in, job, &op->c, true, &sc)))) {
		return err;
	}

	memset(g, 0, sizeof(*g));
	g->m = op->a.rows;
	g->n = op->b.rows;
	g->k = op->a.cols;
	g->flags = op->flags;
	set_matrix(&g->a, &op->a, &pa, &sa);
	set_matrix(&g->b, &op->b, &pb, &sb);
	set_matrix(&g->c, &op->c, &pc, &sc);
	for (int k = 0; k < N_VEC; k++)
		if (vec_src(op, k)) {
			vec_of(g, k)->handle = pv[k].handle;
			vec_of(g, k)->offset = pv[k].offset;
		}
	g->act = op->act;
	memcpy(&g->clamp_lo, &op->clamp_lo, 4);
	memcpy(&g->clamp_hi, &op->clamp_hi, 4);
	g->out_zero = op->out_zero;
	g->act_min = op->act_min;
	g->act_max = op->act_max;

	/* What of C comes back from the staging buffer once the job is done. */
	if (!host_requantized(&job->ops[i]) &&
	    (pc.handle == STAGED || (op->c.scales && sc.handle == STAGED)))
		job->back[job->n_back++] = (struct copy_back){
			op->c, pc.handle == STAGED, op->c.scales && sc.handle == STAGED,
			pc.offset, pc.stride, sc.offset, sc.stride };
	return 0;
}

/* Fill the staging buffer: inputs, vectors, and C's current contents. */
static void fill_staging(struct card_job *job, unsigned int i, struct drm_fpq_gemm *g)
{
	struct fpq_gemm_op dev;
	const struct fpq_gemm_op *op = &dev;
	const struct drm_fpq_matrix *dm[3] = { &g->a, &g->b, &g->c };
	const struct fpq_matrix *um[3] = { &op->a, &op->b, &op->c };

	device_view(&job->ops[i], &dev);
	for (int k = 0; k < 3; k++) {
		/* (A host-requantized C has no caller's data to stage.) */
		if (dm[k]->handle == job->staging && um[k]->data) {
			struct fpq_matrix dst = *um[k];

			dst.data = job->map + dm[k]->offset;
			dst.stride = dm[k]->stride;
			copy_rows(um[k], &dst);
		}
		if (um[k]->scales && dm[k]->scale_handle == job->staging)
			copy_scales(um[k]->scales, um[k]->scale_stride ? um[k]->scale_stride
								       : um[k]->cols / 32,
				    job->map + dm[k]->scale_offset, dm[k]->scale_stride,
				    um[k]->rows, um[k]->cols / 32);
	}
	for (int k = 0; k < N_VEC; k++)
		if (vec_src(op, k) && vec_of(g, k)->handle == job->staging)
			memcpy(job->map + vec_of(g, k)->offset, vec_src(op, k), vec_bytes(op, k));
}

static void job_free(struct card *card, struct card_job *job)
{
	if (job->map)
		munmap(job->map, job->map_size);
	if (job->staging)
		card_bo_close(card, job->staging);
	free(job->ops);
	free(job->owner);
	free(job->origin);
	free(job->gemms);
	free(job->op_status);
	free(job->staged);
	free(job->back);
	free(job->hreq);
	free(job->job_ids);
	free(job);
}

/* Point every reference planned in staging at the staging buffer. */
static void use_staging(struct drm_fpq_gemm *g, uint32_t staging)
{
	struct drm_fpq_matrix *m[3] = { &g->a, &g->b, &g->c };

	for (int k = 0; k < 3; k++) {
		if (m[k]->handle == STAGED)
			m[k]->handle = staging;
		if (m[k]->scale_handle == STAGED)
			m[k]->scale_handle = staging;
	}
	for (int k = 0; k < N_VEC; k++)
		if (vec_of(g, k)->handle == STAGED)
			vec_of(g, k)->handle = staging;
}

static bool matrix_meets(const struct fpq_matrix *m, const void *p, size_t len)
{
	if (!m->data)
		return false;
	if (overlaps(m->data, fpq_matrix_extent(m), p, len))
		return true;
	if (!m->scales)
		return false;
	size_t blocks = m->cols / FPQ_MX_BLOCK;
	size_t sstride = m->scale_stride ? m->scale_stride : blocks;

	return overlaps(m->scales, (size_t)(m->rows - 1) * sstride + blocks, p, len);
}

/*
 * The host writes a REQUANT_FP32 operation's C after the whole job: no later operation
 * of the job may read or write that memory (the card would see it too early).
 */
static int check_host_order(const struct card_job *job)
{
	for (unsigned int i = 0; i < job->n_ops; i++) {
		const struct fpq_matrix *c = &job->ops[i].c;
		size_t len;

		if (!host_requantized(&job->ops[i]))
			continue;
		len = fpq_matrix_extent(c);
		for (unsigned int l = i + 1; l < job->n_ops; l++) {
			const struct fpq_gemm_op *o = &job->ops[l];

			if (job->owner[l] == job->owner[i])
				continue;       /* pieces of one operation are disjoint */
			if (matrix_meets(&o->a, c->data, len) || matrix_meets(&o->b, c->data, len) ||
			    matrix_meets(&o->c, c->data, len))
				return fpq_error(-ENOTSUP, "card: operation %u uses the int8 output "
							   "of operation %u, which is requantized on "
							   "the host after the job (REQUANT_FP32): "
							   "submit them as separate jobs",
						 job->owner[l], job->owner[i]);
		}
	}
	return 0;
}

/* The int8 outputs of REQUANT_FP32 operations, from the card's int32 accumulators. */
static void host_requantize(struct card_job *job, struct fpq_gemm_status *st)
{
	for (unsigned int h = 0; h < job->n_hreq; h++) {
		const struct host_requant *hr = &job->hreq[h];
		struct fpq_gemm_status s = { 0 };

		for (uint32_t r = 0; r < hr->op.c.rows; r++)
			fpq_epilogue_int8_row(&hr->op, r, (const int32_t *)(const void *)
					      (job->map + hr->offset + r * hr->stride), &s);
		if (st)
			st[job->owner[hr->index]].clamped += s.clamped;
	}
}

int card_job_start(struct fpq_context *ctx, struct card *card, const struct fpq_gemm_op *ops,
		   unsigned int n_ops, struct card_job **out)
{
	const struct fpq_device_info *in = &card->info;
	struct card_job *job = calloc(1, sizeof(*job));
	unsigned int cap = 0;
	int err = 0;

	if (!job)
		return fpq_error(-ENOMEM, "card: out of memory");
	job->n_user_ops = n_ops;
	for (unsigned int i = 0; i < n_ops && !err; i++) {
		err = check_caps(in, &ops[i]);
		if (!err)
			err = split_op(in, &ops[i], i, job, &cap);
	}
	if (!err) {
		job->gemms = calloc(job->n_ops, sizeof(*job->gemms));
		job->op_status = calloc(job->n_ops, sizeof(*job->op_status));
		job->back = calloc(job->n_ops, sizeof(*job->back));
		job->hreq = calloc(job->n_ops, sizeof(*job->hreq));
		job->n_jobs = (job->n_ops + in->max_ops - 1) / in->max_ops;
		job->job_ids = calloc(job->n_jobs, sizeof(*job->job_ids));
		if (!job->gemms || !job->op_status || !job->back || !job->hreq || !job->job_ids)
			err = fpq_error(-ENOMEM, "card: out of memory");
	}
	if (!err)
		err = check_host_order(job);
	for (unsigned int i = 0; i < job->n_ops && !err; i++)
		err = translate(ctx, in, job, i, &job->gemms[i]);
	if (!err && job->cursor) {
		if (job->cursor > in->max_buffer)
			err = fpq_error(-ENOTSUP, "card: the job needs %llu staging bytes, more "
						  "than one buffer may hold",
					(unsigned long long)job->cursor);
		else if (!(err = card_bo_create(card, job->cursor, &job->staging, &job->map_size)))
			err = card_bo_map(card, job->staging, job->map_size, (void **)&job->map);
	}
	if (err) {
		job_free(card, job);
		return err;
	}
	for (unsigned int i = 0; i < job->n_ops && job->staging; i++) {
		use_staging(&job->gemms[i], job->staging);
		fill_staging(job, i, &job->gemms[i]);
	}
	for (unsigned int j = 0; j < job->n_jobs; j++) {
		unsigned int first = j * in->max_ops;
		unsigned int count = job->n_ops - first < in->max_ops ? job->n_ops - first
								      : in->max_ops;
		struct drm_fpq_submit s = {
			.ops = (uintptr_t)&job->gemms[first],
			.op_count = count,
			.op_size = sizeof(struct drm_fpq_gemm),
		};

		err = card_ioctl(card, DRM_IOCTL_FPQ_SUBMIT, &s);
		if (err) {
			/* Jobs already queued must finish before the staging buffer goes. */
			job->n_jobs = j;
			job->first_error = err;
			card_job_finish(card, job, -1, NULL);
			return fpq_error(err == -EINVAL ? -ENOTSUP : err,
					 "card: submit refused: %s", strerror(-err));
		}
		job->job_ids[j] = s.job_id;
	}
	*out = job;
	return 0;
}

static int64_t deadline_ns(int64_t timeout_ns)
{
	struct timespec now;

	if (timeout_ns < 0)
		return INT64_MAX;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec + timeout_ns;
}

int card_job_finish(struct card *card, struct card_job *job, int64_t timeout_ns,
		    struct fpq_gemm_status *st)
{
	const uint32_t max_ops = card->info.max_ops;
	int64_t deadline = deadline_ns(timeout_ns);
	int err;

	while (job->next_wait < job->n_jobs) {
		unsigned int j = job->next_wait, first = j * max_ops;
		unsigned int count = job->n_ops - first < max_ops ? job->n_ops - first : max_ops;
		struct drm_fpq_wait w = {
			.job_id = job->job_ids[j],
			.timeout_ns = deadline,
			.op_status_count = count,
			.op_status = (uintptr_t)&job->op_status[first],
		};

		err = card_ioctl(card, DRM_IOCTL_FPQ_WAIT, &w);
		if (err == -ETIMEDOUT && st)
			return 1;       /* not finished by the deadline: the job stays */
		if (err == -ETIMEDOUT)
			continue;       /* draining after a failed submission: keep waiting */
		job->next_wait++;
		if (!job->first_error) {
			job->first_error = err ? err : w.status.error;
			job->first_status = err ? (struct drm_fpq_job_status){ .error = err } : w.status;
			job->first_failed = j;
		}
	}
	err = job->first_error;
	if (!err) {
		for (unsigned int i = 0; i < job->n_back; i++) {
			struct copy_back *cb = &job->back[i];
			struct fpq_matrix from = cb->user;

			from.data = job->map + cb->offset;
			from.stride = cb->stride;
			if (cb->data)
				copy_rows(&from, &cb->user);
			if (cb->scales)
				copy_scales(job->map + cb->scale_offset, cb->scale_stride,
					    cb->user.scales, cb->user.scale_stride ? cb->user.scale_stride
										   : cb->user.cols / 32,
					    cb->user.rows, cb->user.cols / 32);
		}
		if (st) {
			memset(st, 0, sizeof(*st) * job->n_user_ops);
			for (unsigned int i = 0; i < job->n_ops; i++) {
				struct fpq_gemm_status *s = &st[job->owner[i]];

				s->clamped += job->op_status[i].clamped;
				s->saturated += job->op_status[i].saturated;
				s->nan_to_zero += job->op_status[i].nan_to_zero;
				s->overflowed += job->op_status[i].overflowed;
				s->device_cycles += job->op_status[i].cycles;
				s->backend = FPQ_BACKEND_CARD;
			}
		}
		host_requantize(job, st);
	} else {
		const struct drm_fpq_job_status *s = &job->first_status;
		unsigned int op = job->first_failed * max_ops + s->ops_done;
		unsigned int user = op < job->n_ops ? job->owner[op] : 0;

		/* The fault is counted on the operation it hit, for the context's recovery. */
		if (st && op < job->n_ops && fpq_is_card_fault(err)) {
			memset(st, 0, sizeof(*st) * job->n_user_ops);
			st[user].card_faults = 1;
			st[user].checksum_errors = s->hw_error == FPQ_HW_ERR_CHECKSUM;
			st[user].backend = FPQ_BACKEND_CARD;
		}
		/* The driver's per-job status: the card's cause, where, and any recovery. */
		if (s->hw_error == FPQ_HW_ERR_CHECKSUM && op < job->n_ops)
			err = fpq_error(err, "card: checksum mismatch in tile (%u, %u) of operation "
					"%u: the card computed a wrong result, not written (%u run%s)",
					job->origin[op].m0 + (uint32_t)(s->fault_addr & 0xFFFF),
					job->origin[op].n0 + (uint32_t)(s->fault_addr >> 16 & 0xFFFF),
					user, s->runs, s->runs == 1 ? "" : "s, after a card reset");
		else if (s->hw_error)
			err = fpq_error(err, "card: the job failed: %s (card cause %u at operation "
					"%u, address 0x%llx; %u run%s)", strerror(-err), s->hw_error,
					op, (unsigned long long)s->fault_addr, s->runs,
					s->runs == 1 ? "" : "s, after a card reset");
		else
			err = fpq_error(err, "card: the job failed: %s (%u run%s)", strerror(-err),
					s->runs, s->runs == 1 ? "" : s->runs ? "s, after a card reset" :
					"s: it never reached the card");
	}
	job_free(card, job);
	return err;
}
