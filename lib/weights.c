// SPDX-License-Identifier: MIT
/*
 * weights.c - pre-packed weights: a private copy of B (so every backend, and the
 * reference, can read its elements whatever happens to the caller's buffer) plus the
 * packed form of the backend of the context that made them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static FPQ_FP_WORK int weights_pack(struct fpq_context *ctx, const struct fpq_matrix *b,
				    struct fpq_weights **out)
{
	const struct fpq_backend_ops *ops;
	struct fpq_weights *w;
	size_t row_bytes, blocks;
	int err;

	if (!out)
		return fpq_error(-EFAULT, "weights: output pointer is NULL");
	*out = NULL;
	if (!ctx)
		return fpq_error(-EFAULT, "weights: context is NULL");
	if ((err = fpq_matrix_validate(b, NULL)))
		return fpq_error(err, "weights: %s", fpq_strerror(err));
	if (!fpq_format_info(b->format)->is_element)
		return fpq_error(-EINVAL, "weights: %s is not a GEMM operand format",
				 fpq_format_name(b->format));
	if (b->zero_point)
		return fpq_error(-EINVAL, "weights: B is symmetric; zero point %d given",
				 b->zero_point);

	w = calloc(1, sizeof(*w));
	if (!w)
		return fpq_error(-ENOMEM, "weights: out of memory");
	row_bytes = fpq_row_bytes(b->format, b->cols);
	blocks = b->scales ? b->cols / FPQ_MX_BLOCK : 0;
	w->b = *b;
	w->b.stride = 0;
	w->b.scale_stride = 0;
	w->b.data = malloc(row_bytes * b->rows);
	w->b.scales = blocks ? malloc(blocks * b->rows) : NULL;
	if (!w->b.data || (blocks && !w->b.scales)) {
		fpq_weights_free(w);
		return fpq_error(-ENOMEM, "weights: out of memory for a %u x %u copy", b->rows,
				 b->cols);
	}
	for (uint32_t r = 0; r < b->rows; r++) {
		memcpy((uint8_t *)w->b.data + r * row_bytes,
		       (const uint8_t *)b->data + r * fpq_matrix_stride(b), row_bytes);
		for (size_t t = 0; t < blocks; t++)
			w->b.scales[r * blocks + t] = fpq_matrix_scale(b, r, (uint32_t)t);
	}

	ops = fpq_context_ops(ctx);
	if (ops->pack_weights) {
		err = ops->pack_weights(ctx, w);
		if (err) {
			fpq_weights_free(w);
			return err;
		}
		w->owner = ops;
	}
	*out = w;
	return 0;
}

int fpq_weights_pack(struct fpq_context *ctx, const struct fpq_matrix *b,
		     struct fpq_weights **out)
{
	struct fpq_fp_env env = fpq_fp_enter();
	int r = weights_pack(ctx, b, out);

	fpq_fp_leave(env);
	return r;
}

void fpq_weights_free(struct fpq_weights *w)
{
	if (!w)
		return;
	if (w->owner && w->owner->free_weights)
		w->owner->free_weights(w);
	free(w->b.data);
	free(w->b.scales);
	free(w);
}
