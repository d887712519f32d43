// SPDX-License-Identifier: MIT
/*
 * op_layout.c - fpq's layout conversions, inserted by the layout pass between the NHWC
 * inside of the graph and the operators (and graph outputs) that need NCHW order. The
 * logical shape stays [N, C, H, W]; only the memory order changes. When C or H * W is
 * 1 both orders are the same bytes and the conversion is a copy.
 */
#include <errno.h>

#include "internal.h"
#include "kern.h"
#include "ops.h"

static int layout_infer(struct mg_graph *g, struct mg_node *n)
{
	struct mg_value *x = mg_in(g, n, 0);

	if (x->rank >= 0 && x->rank != 4)
		return mg_node_error(n, -EINVAL, "layout conversion of a rank-%d tensor", x->rank);
	return mg_output_like(g, n, 0, 0);
}

struct layout_job {
	const uint8_t *src;
	uint8_t *dst;
	size_t es;
	int64_t c, hw;
	bool to_nhwc;
	const struct mg_kernels *k;
};

/* NCHW [c][hw] <-> NHWC [hw][c] of one image, in 32 x 32 tiles that stay in cache;
 * pieces are (image, tile row) pairs. */
#define TILE 32

/* One tile of elements of type T, from index FROM to index TO (of ci and pi). Few
 * channels: the output is written in order, one position after another. */
#define TRANSPOSE_TILE(T, FROM, TO)                                                   \
	do {                                                                          \
		const T *restrict ts = (const T *)s;                                  \
		T *restrict td = (T *)d;                                              \
		if (c1 - c0 <= 4) {                                                   \
			for (int64_t pi = p0; pi < p1; pi++)                          \
				for (int64_t ci = c0; ci < c1; ci++)                  \
					memcpy(&td[TO], &ts[FROM], sizeof(T));        \
		} else {                                                              \
			for (int64_t ci = c0; ci < c1; ci++)                          \
				for (int64_t pi = p0; pi < p1; pi++)                  \
					memcpy(&td[TO], &ts[FROM], sizeof(T));        \
		}                                                                     \
	} while (0)

static void layout_tiles(void *arg, int64_t t0, int64_t t1, unsigned int worker)
{
	const struct layout_job *j = arg;
	const int64_t tiles_c = (j->c + TILE - 1) / TILE;

	(void)worker;
	for (int64_t t = t0; t < t1; t++) {
		int64_t img = t / tiles_c, c0 = (t % tiles_c) * TILE;
		int64_t c1 = c0 + TILE < j->c ? c0 + TILE : j->c;
		const uint8_t *s = j->src + (size_t)(img * j->c * j->hw) * j->es;
		uint8_t *d = j->dst + (size_t)(img * j->c * j->hw) * j->es;

		if (j->es == 1 && j->to_nhwc && j->c <= 4) {
			/* a network's input: one tile of channels, the whole image at once */
			j->k->nhwc8_few(s, d, j->hw, j->c);
			continue;
		}
		for (int64_t p0 = 0; p0 < j->hw; p0 += TILE) {
			int64_t p1 = p0 + TILE < j->hw ? p0 + TILE : j->hw;

			if (j->es == 1 && j->to_nhwc)
				TRANSPOSE_TILE(uint8_t, ci * j->hw + pi, pi * j->c + ci);
			else if (j->es == 1)
				TRANSPOSE_TILE(uint8_t, pi * j->c + ci, ci * j->hw + pi);
			else if (j->es == 4 && j->to_nhwc)
				TRANSPOSE_TILE(uint32_t, ci * j->hw + pi, pi * j->c + ci);
			else if (j->es == 4)
				TRANSPOSE_TILE(uint32_t, pi * j->c + ci, ci * j->hw + pi);
			else
				for (int64_t ci = c0; ci < c1; ci++)
					for (int64_t pi = p0; pi < p1; pi++) {
						size_t nchw = (size_t)(ci * j->hw + pi);
						size_t nhwc = (size_t)(pi * j->c + ci);
						size_t from = j->to_nhwc ? nchw : nhwc;
						size_t to = j->to_nhwc ? nhwc : nchw;

						memcpy(d + to * j->es, s + from * j->es, j->es);
					}
		}
	}
}

static int layout_run(struct mg_exec *ex, struct mg_node *n)
{
	struct mg_value *x = mg_in(ex->g, n, 0), *y = mg_out(ex->g, n, 0);
	struct layout_job j = { x->ptr, y->ptr, mg_dtype_size(x->dtype), x->dims[1],
				x->dims[2] * x->dims[3], !strcmp(n->op_type, "ToNHWC"), ex->k };
	const int64_t nb = x->dims[0];

	if (j.c == 1 || j.hw == 1) {
		memcpy(j.dst, j.src, (size_t)(nb * j.c * j.hw) * j.es);
		return 0;
	}
	return mg_parallel(ex, nb * ((j.c + TILE - 1) / TILE), 1, layout_tiles, &j);
}

const struct mg_op mg_op_to_nhwc = {
	.name = "ToNHWC", .domain = "fpq", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	.infer = layout_infer, .run = layout_run,
};

const struct mg_op mg_op_to_nchw = {
	.name = "ToNCHW", .domain = "fpq", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	.infer = layout_infer, .run = layout_run,
};
