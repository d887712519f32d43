// SPDX-License-Identifier: MIT
/*
 * op_layout.c - fpq's layout conversions, inserted by the layout pass between the NHWC
 * inside of the graph and the operators (and graph outputs) that need NCHW order. The
 * logical shape stays [N, C, H, W]; only the memory order changes. When C or H * W is
 * 1 both orders are the same bytes and the conversion is a copy.
 */
#include <errno.h>

#include "internal.h"
#include "ops.h"

static int layout_infer(struct mg_graph *g, struct mg_node *n)
{
	struct mg_value *x = mg_in(g, n, 0);

	if (x->rank >= 0 && x->rank != 4)
		return mg_node_error(n, -EINVAL, "layout conversion of a rank-%d tensor", x->rank);
	return mg_output_like(g, n, 0, 0);
}

static int layout_run(struct mg_exec *ex, struct mg_node *n)
{
	struct mg_value *x = mg_in(ex->g, n, 0), *y = mg_out(ex->g, n, 0);
	const size_t es = mg_dtype_size(x->dtype);
	const int64_t nb = x->dims[0], c = x->dims[1], hw = x->dims[2] * x->dims[3];
	const bool to_nhwc = !strcmp(n->op_type, "ToNHWC");
	const uint8_t *src = x->ptr;
	uint8_t *dst = y->ptr;

	if (c == 1 || hw == 1) {
		memcpy(dst, src, (size_t)(nb * c * hw) * es);
		return 0;
	}
	for (int64_t b = 0; b < nb; b++) {
		const uint8_t *s = src + (size_t)(b * c * hw) * es;
		uint8_t *d = dst + (size_t)(b * c * hw) * es;

		/* NCHW [c][hw] <-> NHWC [hw][c], in tiles that stay in cache. */
		for (int64_t c0 = 0; c0 < c; c0 += 32)
			for (int64_t p0 = 0; p0 < hw; p0 += 32) {
				int64_t c1 = c0 + 32 < c ? c0 + 32 : c, p1 = p0 + 32 < hw ? p0 + 32 : hw;

				for (int64_t ci = c0; ci < c1; ci++)
					for (int64_t pi = p0; pi < p1; pi++) {
						size_t nchw = (size_t)(ci * hw + pi) * es;
						size_t nhwc = (size_t)(pi * c + ci) * es;

						if (to_nhwc)
							memcpy(d + nhwc, s + nchw, es);
						else
							memcpy(d + nchw, s + nhwc, es);
					}
			}
	}
	return 0;
}

const struct mg_op mg_op_to_nhwc = {
	.name = "ToNHWC", .domain = "fpq", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	.infer = layout_infer, .run = layout_run,
};

const struct mg_op mg_op_to_nchw = {
	.name = "ToNCHW", .domain = "fpq", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	.infer = layout_infer, .run = layout_run,
};
