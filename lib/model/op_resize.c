// SPDX-License-Identifier: MIT
/*
 * op_resize.c - Resize of the H and W axes of a 4-D tensor in NHWC: modes nearest (any
 * nearest_mode; 8-bit tensors are copied, so a Q/DQ pair around it is dropped) and
 * linear (bilinear), with the coordinate transformations half_pixel,
 * pytorch_half_pixel, asymmetric, align_corners and tf_half_pixel_for_nn. Coordinates
 * are computed in binary32 as ONNX Runtime does: x_original = (x + 0.5) / scale - 0.5
 * for half_pixel, with scale the given one or output / input size. Bilinear values are
 * ORT's four terms summed in order; 8-bit results are truncated toward zero, as ORT's
 * static_cast does.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>

#include "internal.h"
#include "ops.h"

enum coord_mode { CT_HALF_PIXEL, CT_PYTORCH, CT_ASYMMETRIC, CT_ALIGN, CT_TF_NN };
enum nearest_mode { NM_ROUND_FLOOR, NM_ROUND_CEIL, NM_FLOOR, NM_CEIL };

struct resize_priv {
	bool linear;
	enum coord_mode coord;
	enum nearest_mode nearest;
	float scale[2];          /* H, W: of the last inference */
	int64_t *ix;             /* nearest: source index per output row (H) then column (W) */
	int64_t n_ix;
};

static void resize_destroy(struct mg_graph *g, struct mg_node *n)
{
	struct resize_priv *p = n->priv;

	mg_free(g, p->ix);
	mg_free(g, p);
	n->priv = NULL;
}

static int resize_parse(struct mg_graph *g, struct mg_node *n)
{
	struct resize_priv *p = mg_calloc(g, 1, sizeof(*p));
	const char *mode, *ct, *nm, *kar;
	int64_t antialias, excl;
	float cubic, extrap;
	int64_t axes[MG_MAX_DIMS];
	int n_axes, err;

	if (!p)
		return -E2BIG;
	n->priv = p;
	err = mg_attr_string(g, n, "mode", "nearest", &mode);
	if (!err)
		err = mg_attr_string(g, n, "coordinate_transformation_mode", "half_pixel", &ct);
	if (!err)
		err = mg_attr_string(g, n, "nearest_mode", "round_prefer_floor", &nm);
	if (!err)
		err = mg_attr_string(g, n, "keep_aspect_ratio_policy", "stretch", &kar);
	if (!err)
		err = mg_attr_int(g, n, "antialias", 0, &antialias);
	if (!err)
		err = mg_attr_int(g, n, "exclude_outside", 0, &excl);
	if (!err)
		err = mg_attr_float(g, n, "cubic_coeff_a", -0.75f, &cubic);
	if (!err)
		err = mg_attr_float(g, n, "extrapolation_value", 0.0f, &extrap);
	if (!err)
		err = mg_attr_ints(g, n, "axes", axes, MG_MAX_DIMS, &n_axes);
	if (err)
		return err;
	if (!strcmp(mode, "linear"))
		p->linear = true;
	else if (strcmp(mode, "nearest"))
		return mg_node_error(n, -ENOTSUP, "mode '%.20s' is not supported", mode);
	if (!strcmp(ct, "half_pixel"))
		p->coord = CT_HALF_PIXEL;
	else if (!strcmp(ct, "pytorch_half_pixel"))
		p->coord = CT_PYTORCH;
	else if (!strcmp(ct, "asymmetric"))
		p->coord = CT_ASYMMETRIC;
	else if (!strcmp(ct, "align_corners"))
		p->coord = CT_ALIGN;
	else if (!strcmp(ct, "tf_half_pixel_for_nn"))
		p->coord = CT_TF_NN;
	else
		return mg_node_error(n, -ENOTSUP, "coordinate_transformation_mode '%.30s' is not "
				     "supported", ct);
	if (!strcmp(nm, "round_prefer_floor"))
		p->nearest = NM_ROUND_FLOOR;
	else if (!strcmp(nm, "round_prefer_ceil"))
		p->nearest = NM_ROUND_CEIL;
	else if (!strcmp(nm, "floor"))
		p->nearest = NM_FLOOR;
	else if (!strcmp(nm, "ceil"))
		p->nearest = NM_CEIL;
	else
		return mg_node_error(n, -ENOTSUP, "nearest_mode '%.30s' is not supported", nm);
	if (antialias || excl)
		return mg_node_error(n, -ENOTSUP, "antialias and exclude_outside are not supported");
	if (strcmp(kar, "stretch"))
		return mg_node_error(n, -ENOTSUP, "keep_aspect_ratio_policy '%.20s'", kar);
	if (n_axes >= 0)
		return mg_node_error(n, -ENOTSUP, "the axes attribute is not supported");
	return 0;
}

static int resize_infer(struct mg_graph *g, struct mg_node *n)
{
	struct resize_priv *p = n->priv;
	struct mg_value *x = mg_in(g, n, 0), *sc = mg_in(g, n, 2), *sz = mg_in(g, n, 3);
	int64_t od[4];

	if (x->dtype != FPQ_DTYPE_FLOAT && !mg_is_q8(x->dtype))
		return mg_node_error(n, -ENOTSUP, "input type %s", fpq_dtype_name(x->dtype));
	if (x->rank < 0)
		return 0;
	if (x->rank != 4)
		return mg_node_error(n, -ENOTSUP, "input of rank %d (fpq resizes 4-D tensors)",
				     x->rank);
	if (sc && mg_numel(sc) == 0)
		sc = NULL;
	if (sz && mg_numel(sz) == 0)
		sz = NULL;
	if (!!sc == !!sz)
		return mg_node_error(n, -EINVAL, "needs exactly one of scales and sizes");
	if ((sc && !mg_const_data(g, n, 2)) || (sz && !mg_const_data(g, n, 3)))
		return mg_node_error(n, -ENOTSUP, "scales and sizes must be constant");
	if (sc) {
		if (sc->dtype != FPQ_DTYPE_FLOAT || mg_numel(sc) != 4)
			return mg_node_error(n, -EINVAL, "scales must be 4 floats");
		const float *s = sc->data;

		if (s[0] != 1.0f || s[1] != 1.0f)
			return mg_node_error(n, -ENOTSUP, "only H and W may be resized");
		for (int i = 2; i < 4; i++) {
			float v = s[i] * (float)x->dims[i];

			if (!(s[i] > 0) || !(v < 1e9f))
				return mg_node_error(n, -EINVAL, "scale %g", (double)s[i]);
			p->scale[i - 2] = s[i];
			od[i] = x->dims[i] < 0 ? -1 : (int64_t)v;
		}
	} else {
		if (sz->dtype != FPQ_DTYPE_INT64 || mg_numel(sz) != 4)
			return mg_node_error(n, -EINVAL, "sizes must be 4 int64");
		const int64_t *s = sz->data;

		if (s[0] != x->dims[0] || s[1] != x->dims[1])
			return mg_node_error(n, -ENOTSUP, "only H and W may be resized");
		for (int i = 2; i < 4; i++) {
			if (s[i] < 1 || s[i] > MG_MAX_ELEMS)
				return mg_node_error(n, -EINVAL, "size %" PRId64, s[i]);
			od[i] = s[i];
			p->scale[i - 2] = x->dims[i] > 0 ? (float)s[i] / (float)x->dims[i] : 1.0f;
		}
	}
	od[0] = x->dims[0];
	od[1] = x->dims[1];
	if ((od[2] == 0 || od[3] == 0))
		return mg_node_error(n, -EINVAL, "the output would be empty");
	return mg_set_output(g, n, 0, x->dtype, 4, od);
}

static float original_coord(const struct resize_priv *p, int64_t xr, float scale, int64_t len_r,
			    int64_t len_o)
{
	float x = (float)xr;

	switch (p->coord) {
	case CT_HALF_PIXEL: return (x + 0.5f) / scale - 0.5f;
	case CT_PYTORCH: return len_r > 1 ? (x + 0.5f) / scale - 0.5f : 0.0f;
	case CT_ASYMMETRIC: return x / scale;
	case CT_TF_NN: return (x + 0.5f) / scale;
	case CT_ALIGN:
	default:
		return len_r == 1 ? 0.0f : x * (float)(len_o - 1) / (float)(len_r - 1);
	}
}

static int64_t nearest_index(const struct resize_priv *p, float x, int64_t len)
{
	float f = floorf(x);
	int64_t i;

	switch (p->nearest) {
	case NM_ROUND_FLOOR: i = (int64_t)(x == f + 0.5f ? f : roundf(x)); break;
	case NM_ROUND_CEIL: i = (int64_t)(x == f + 0.5f ? ceilf(x) : roundf(x)); break;
	case NM_FLOOR: i = (int64_t)f; break;
	case NM_CEIL:
	default: i = (int64_t)ceilf(x); break;
	}
	return i < 0 ? 0 : i >= len ? len - 1 : i;
}

static int resize_run(struct mg_exec *ex, struct mg_node *n)
{
	struct resize_priv *p = n->priv;
	struct mg_value *xv = mg_in(ex->g, n, 0), *yv = mg_out(ex->g, n, 0);
	const int64_t nb = xv->dims[0], c = xv->dims[1], ih = xv->dims[2], iw = xv->dims[3];
	const int64_t oh = yv->dims[2], ow = yv->dims[3];
	const size_t es = mg_dtype_size(xv->dtype);
	const bool q8 = mg_is_q8(xv->dtype);
	const int32_t off = xv->dtype == FPQ_DTYPE_UINT8 ? 128 : 0;

	for (int64_t b = 0; b < nb; b++)
		for (int64_t oy = 0; oy < oh; oy++) {
			float fy = original_coord(p, oy, p->scale[0], oh, ih);

			for (int64_t ox = 0; ox < ow; ox++) {
				float fx = original_coord(p, ox, p->scale[1], ow, iw);
				uint8_t *dst = (uint8_t *)yv->ptr + (size_t)(((b * oh + oy) * ow + ox) * c) * es;

				if (!p->linear) {
					int64_t sy = nearest_index(p, fy, ih), sx = nearest_index(p, fx, iw);

					memcpy(dst, (const uint8_t *)xv->ptr +
						    (size_t)(((b * ih + sy) * iw + sx) * c) * es, (size_t)c * es);
					continue;
				}
				/* ONNX Runtime's bilinear weights: distances to both neighbours
				 * (not 1 - d), one half each at the edge. */
				float cy = fy < 0 ? 0 : fy > (float)(ih - 1) ? (float)(ih - 1) : fy;
				float cx = fx < 0 ? 0 : fx > (float)(iw - 1) ? (float)(iw - 1) : fx;
				int64_t y1 = (int64_t)cy < ih - 1 ? (int64_t)cy : ih - 1;
				int64_t x1 = (int64_t)cx < iw - 1 ? (int64_t)cx : iw - 1;
				int64_t y2 = y1 + 1 < ih ? y1 + 1 : ih - 1, x2 = x1 + 1 < iw ? x1 + 1 : iw - 1;
				float dy1 = fabsf(cy - (float)y1), dy2 = fabsf(cy - (float)y2);
				float dx1 = fabsf(cx - (float)x1), dx2 = fabsf(cx - (float)x2);

				if (y1 == y2)
					dy1 = dy2 = 0.5f;
				if (x1 == x2)
					dx1 = dx2 = 0.5f;
				const float c11 = dx2 * dy2, c21 = dx1 * dy2, c12 = dx2 * dy1, c22 = dx1 * dy1;
				size_t i11 = (size_t)(((b * ih + y1) * iw + x1) * c);
				size_t i21 = (size_t)(((b * ih + y1) * iw + x2) * c);
				size_t i12 = (size_t)(((b * ih + y2) * iw + x1) * c);
				size_t i22 = (size_t)(((b * ih + y2) * iw + x2) * c);

				for (int64_t ch = 0; ch < c; ch++) {
					float v11, v21, v12, v22, v;

					if (q8) {
						const int8_t *s = xv->ptr;

						v11 = (float)(s[i11 + ch] + off);
						v21 = (float)(s[i21 + ch] + off);
						v12 = (float)(s[i12 + ch] + off);
						v22 = (float)(s[i22 + ch] + off);
					} else {
						const float *s = xv->ptr;

						v11 = s[i11 + ch];
						v21 = s[i21 + ch];
						v12 = s[i12 + ch];
						v22 = s[i22 + ch];
					}
					v = c11 * v11 + c21 * v21 + c12 * v12 + c22 * v22;
					if (q8) {
						/* ORT converts the code back by truncation (toward zero):
						 * in the code domain, not the stored one */
						int32_t r = (int32_t)v - off;

						((int8_t *)dst)[ch] = (int8_t)mg_sat8(r);
					} else {
						((float *)dst)[ch] = v;
					}
				}
			}
		}
	return 0;
}

const struct mg_op mg_op_resize = {
	.name = "Resize", .domain = "", .min_in = 1, .max_in = 4, .min_out = 1, .max_out = 1,
	.flags = MG_OP_NHWC,
	.parse = resize_parse, .infer = resize_infer, .run = resize_run, .destroy = resize_destroy,
};
