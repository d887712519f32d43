// SPDX-License-Identifier: MIT
/*
 * conv_geom.c - convolution and pooling windows (ONNX's output-size rules) and im2col.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "conv_geom.h"
#include "internal.h"
#include "ops.h"

int mg_window_parse(struct mg_graph *g, struct mg_node *n, struct mg_window *win, bool pool)
{
	int64_t v[8];
	int cnt, err;
	const char *ap;
	int64_t ceil_mode = 0;

	memset(win, 0, sizeof(*win));
	win->nd = -1;
	err = mg_attr_ints(g, n, "kernel_shape", v, 8, &cnt);
	if (err)
		return err;
	if (cnt >= 0) {
		if (cnt < 1 || cnt > 2)
			return mg_node_error(n, -ENOTSUP, "%d-D windows are not supported (1-D and 2-D)",
					     cnt);
		win->nd = cnt;
		win->kernel_given = true;
		for (int i = 0; i < cnt; i++) {
			if (v[i] < 1 || v[i] > 1024)
				return mg_node_error(n, -EINVAL, "kernel size %" PRId64, v[i]);
			win->k[i] = v[i];
		}
	} else if (pool) {
		return mg_node_error(n, -EINVAL, "kernel_shape is required");
	}
	for (int i = 0; i < 2; i++) {
		win->s[i] = 1;
		win->d[i] = 1;
	}
	err = mg_attr_ints(g, n, "strides", v, 8, &cnt);
	if (err)
		return err;
	if (cnt >= 0) {
		if (cnt < 1 || cnt > 2 || (win->nd > 0 && cnt != win->nd))
			return mg_node_error(n, -EINVAL, "strides has %d values", cnt);
		for (int i = 0; i < cnt; i++) {
			if (v[i] < 1 || v[i] > 1024)
				return mg_node_error(n, -EINVAL, "stride %" PRId64, v[i]);
			win->s[i] = v[i];
		}
		win->nd = cnt;
	}
	err = mg_attr_ints(g, n, "dilations", v, 8, &cnt);
	if (err)
		return err;
	if (cnt >= 0) {
		if (cnt < 1 || cnt > 2 || (win->nd > 0 && cnt != win->nd))
			return mg_node_error(n, -EINVAL, "dilations has %d values", cnt);
		for (int i = 0; i < cnt; i++) {
			if (v[i] < 1 || v[i] > 1024)
				return mg_node_error(n, -EINVAL, "dilation %" PRId64, v[i]);
			win->d[i] = v[i];
		}
		win->nd = cnt;
	}
	err = mg_attr_ints(g, n, "pads", v, 8, &cnt);
	if (err)
		return err;
	if (cnt >= 0) {
		if ((cnt != 2 && cnt != 4) || (win->nd > 0 && cnt != 2 * win->nd))
			return mg_node_error(n, -EINVAL, "pads has %d values", cnt);
		for (int i = 0; i < cnt; i++)
			if (v[i] < 0 || v[i] > 4096)
				return mg_node_error(n, -EINVAL, "pad %" PRId64, v[i]);
		if (cnt == 2) { /* 1-D: begin, end */
			win->pads[1] = v[0];
			win->pads[3] = v[1];
		} else {
			memcpy(win->pads, v, sizeof(win->pads));
		}
		win->nd = cnt / 2;
	}
	err = mg_attr_string(g, n, "auto_pad", "NOTSET", &ap);
	if (err)
		return err;
	if (!strcmp(ap, "NOTSET"))
		win->auto_pad = MG_PAD_NOTSET;
	else if (!strcmp(ap, "SAME_UPPER"))
		win->auto_pad = MG_PAD_SAME_UPPER;
	else if (!strcmp(ap, "SAME_LOWER"))
		win->auto_pad = MG_PAD_SAME_LOWER;
	else if (!strcmp(ap, "VALID"))
		win->auto_pad = MG_PAD_VALID;
	else
		return mg_node_error(n, -EINVAL, "auto_pad '%.20s'", ap);
	if (pool) {
		err = mg_attr_int(g, n, "ceil_mode", 0, &ceil_mode);
		if (err)
			return err;
		if (ceil_mode != 0 && ceil_mode != 1)
			return mg_node_error(n, -EINVAL, "ceil_mode %" PRId64, ceil_mode);
		win->ceil_mode = ceil_mode;
	}
	/* 1-D windows run as 2-D ones of height 1: shift the values to the W slot. */
	if (win->nd == 1) {
		win->k[1] = win->k[0];
		win->s[1] = win->s[0];
		win->d[1] = win->d[0];
		win->k[0] = win->s[0] = win->d[0] = 1;
	}
	return 0;
}

static int64_t ceil_div(int64_t a, int64_t b)
{
	return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

int mg_window_apply(const struct mg_node *n, const struct mg_window *win, const int64_t *in,
		    int rank, struct mg_geom *geo)
{
	int64_t sp[2], out[2], pb[2], pe[2];

	if (rank != 3 && rank != 4)
		return mg_node_error(n, -ENOTSUP, "input of rank %d (fpq runs 1-D and 2-D windows)",
				     rank);
	if ((rank == 3 && win->nd == 2) || (rank == 4 && win->nd == 1))
		return mg_node_error(n, -EINVAL, "the window has %d dimensions, the input %d",
				     win->nd, rank - 2);
	memset(geo, 0, sizeof(*geo));
	geo->n = in[0];
	geo->c = in[1];
	sp[0] = rank == 4 ? in[2] : 1;
	sp[1] = rank == 4 ? in[3] : in[2];
	geo->h = sp[0];
	geo->w = sp[1];
	for (int i = 0; i < 2; i++) {
		int64_t ext = (win->k[i] - 1) * win->d[i] + 1;

		pb[i] = win->pads[i];
		pe[i] = win->pads[2 + i];
		if (sp[i] < 0) {
			out[i] = -1;
			continue;
		}
		switch (win->auto_pad) {
		case MG_PAD_VALID:
			pb[i] = pe[i] = 0;
			out[i] = sp[i] >= ext ? (sp[i] - ext) / win->s[i] + 1 : 0;
			break;
		case MG_PAD_SAME_UPPER:
		case MG_PAD_SAME_LOWER: {
			int64_t total;

			out[i] = ceil_div(sp[i], win->s[i]);
			total = (out[i] - 1) * win->s[i] + ext - sp[i];
			if (total < 0)
				total = 0;
			pb[i] = win->auto_pad == MG_PAD_SAME_UPPER ? total / 2 : total - total / 2;
			pe[i] = total - pb[i];
			break;
		}
		default: {
			int64_t span = sp[i] + pb[i] + pe[i] - ext;

			if (span < 0)
				return mg_node_error(n, -EINVAL, "the window (%" PRId64 ") is larger than "
						     "the padded input (%" PRId64 ")", ext,
						     sp[i] + pb[i] + pe[i]);
			out[i] = (win->ceil_mode ? ceil_div(span, win->s[i]) : span / win->s[i]) + 1;
			/* ceil_mode: the last window must start inside the input or left pad. */
			if (win->ceil_mode && (out[i] - 1) * win->s[i] >= sp[i] + pb[i])
				out[i]--;
			break;
		}
		}
	}
	geo->oh = out[0];
	geo->ow = out[1];
	geo->pt = pb[0];
	geo->pl = pb[1];
	geo->pb = pe[0];
	geo->pr = pe[1];
	geo->kh = win->k[0];
	geo->kw = win->k[1];
	geo->sh = win->s[0];
	geo->sw = win->s[1];
	geo->dh = win->d[0];
	geo->dw = win->d[1];
	return 0;
}

int mg_conv_constants(struct mg_graph *g, struct mg_node *n, int wi, int bi, int64_t m,
		      size_t esize, bool zero_fill, void **bias)
{
	struct mg_value *w = mg_in(g, n, wi), *b = mg_in(g, n, bi);

	*bias = NULL;
	if (w->kind == MG_RUNTIME || !w->data)
		return mg_node_error(n, -ENOTSUP, "the weights must be constant");
	if (b && (b->kind == MG_RUNTIME || !b->data))
		return mg_node_error(n, -ENOTSUP, "the bias must be constant");
	if (b && mg_numel(b) != m)
		return mg_node_error(n, -EINVAL, "%" PRId64 " biases for %" PRId64 " channels",
				     mg_numel(b), m);
	if (!b && !zero_fill)
		return 0;
	*bias = mg_calloc(g, (size_t)m, esize);
	if (!*bias)
		return -E2BIG;
	if (b)
		memcpy(*bias, b->data, (size_t)m * esize);
	return 0;
}

void mg_im2col(const uint8_t *x, int es, const struct mg_geom *geo, int64_t c0, int64_t cg,
	       int64_t row0, int64_t rows, const void *pad, uint8_t *out, size_t row_bytes)
{
	const size_t chunk = (size_t)cg * (size_t)es;
	const size_t used = chunk * (size_t)(geo->kh * geo->kw);
	const int64_t per_image = geo->oh * geo->ow;
	/* one group, no dilation: the kw taps of a kernel row are adjacent in the input */
	const bool adjacent = cg == geo->c && geo->dw == 1;

	/* the output pixel of the first row; later rows step through it without divisions */
	int64_t img = row0 / per_image, oy = row0 % per_image / geo->ow, ox = row0 % geo->ow;

	for (int64_t r = 0; r < rows; r++) {
		uint8_t *row = out;
		const uint8_t *base = x + (size_t)img * (size_t)(geo->h * geo->w * geo->c) * (size_t)es;
		const int64_t ix0 = ox * geo->sw - geo->pl;

		for (int64_t ky = 0; ky < geo->kh; ky++) {
			int64_t iy = oy * geo->sh - geo->pt + ky * geo->dh;
			bool row_in = iy >= 0 && iy < geo->h;

			if (row_in && adjacent && ix0 >= 0 && ix0 + geo->kw <= geo->w) {
				mg_copy_short(out, base + (size_t)(iy * geo->w + ix0) * chunk,
					   chunk * (size_t)geo->kw);
				out += chunk * (size_t)geo->kw;
				continue;
			}
			for (int64_t kx = 0; kx < geo->kw; kx++) {
				int64_t ix = ix0 + kx * geo->dw;

				if (!row_in || ix < 0 || ix >= geo->w) {
					if (es == 1) {
						memset(out, *(const uint8_t *)pad, chunk);
					} else {
						for (int64_t c = 0; c < cg; c++)
							memcpy(out + c * es, pad, (size_t)es);
					}
				} else {
					mg_copy_short(out, base + ((size_t)(iy * geo->w + ix) * (size_t)geo->c +
								(size_t)c0) * (size_t)es, chunk);
				}
				out += chunk;
			}
		}
		if (row_bytes > used && es == 1)
			memset(out, *(const uint8_t *)pad, row_bytes - used);
		out = row + row_bytes;
		if (++ox == geo->ow) {
			ox = 0;
			if (++oy == geo->oh) {
				oy = 0;
				img++;
			}
		}
	}
}
