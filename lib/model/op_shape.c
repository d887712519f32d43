// SPDX-License-Identifier: MIT
/*
 * op_shape.c - the operators that move data without arithmetic, and the shape
 * arithmetic PyTorch exports: Reshape, Flatten, Squeeze, Unsqueeze, Identity (views of
 * their input: the planner lets them share its buffer), Transpose, Shape, Gather,
 * Slice, Pad, Cast, Constant, ConstantOfShape. They work on any element type, 8-bit
 * tensors included (a Q/DQ pair around them is dropped, as ONNX Runtime does).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "internal.h"
#include "ops.h"

struct shape_priv {
	int64_t axis;
	int64_t allowzero;
	int64_t perm[MG_MAX_DIMS];
	int n_perm;
	int64_t axes[MG_MAX_DIMS];     /* Squeeze/Unsqueeze axes (attribute before opset 13) */
	int n_axes;
	int64_t start, end;            /* Shape */
	bool has_end;
	int64_t to;                    /* Cast */
	int mode;                      /* Pad: 0 constant, 1 reflect, 2 edge */
	/* Slice, computed by infer */
	int64_t sl_start[MG_MAX_DIMS], sl_step[MG_MAX_DIMS];
	/* Pad, computed by infer: begin pads per dim */
	int64_t pad_begin[MG_MAX_DIMS];
	int value;                     /* Constant / ConstantOfShape: the value index */
};

static void shape_destroy(struct mg_graph *g, struct mg_node *n)
{
	mg_free(g, n->priv);
	n->priv = NULL;
}

static struct shape_priv *new_priv(struct mg_graph *g, struct mg_node *n)
{
	struct shape_priv *p = mg_calloc(g, 1, sizeof(*p));

	if (p) {
		p->value = -1;
		n->priv = p;
	}
	return p;
}

static size_t esize(const struct mg_value *v)
{
	return mg_dtype_size(v->dtype);
}

/* ---- views: Reshape, Flatten, Squeeze, Unsqueeze, Identity ---- */

static int view_run(struct mg_exec *ex, struct mg_node *n)
{
	struct mg_value *x = mg_in(ex->g, n, 0), *y = mg_out(ex->g, n, 0);

	/* Aliased by the planner, or a constant folded: nothing to move then. */
	if (y->ptr != x->ptr)
		memmove(y->ptr, x->ptr, (size_t)mg_numel(y) * esize(y));
	return 0;
}

static int reshape_parse(struct mg_graph *g, struct mg_node *n)
{
	struct shape_priv *p = new_priv(g, n);

	if (!p)
		return -E2BIG;
	return mg_attr_int(g, n, "allowzero", 0, &p->allowzero);
}

static int reshape_infer(struct mg_graph *g, struct mg_node *n)
{
	struct shape_priv *p = n->priv;
	struct mg_value *x = mg_in(g, n, 0), *s = mg_in(g, n, 1);
	int64_t want[MG_MAX_DIMS], od[MG_MAX_DIMS];
	int cnt, infer_at = -1, err;
	int64_t known = 1, total = mg_numel(x);

	err = mg_const_ints(g, n, 1, want, MG_MAX_DIMS, &cnt);
	if (err == -EAGAIN) {
		/* Shape not known yet: the rank is, if the shape's length is. */
		if (s->rank == 1 && s->dims[0] >= 0 && s->dims[0] <= MG_MAX_DIMS) {
			for (int d = 0; d < s->dims[0]; d++)
				od[d] = -1;
			return mg_set_output(g, n, 0, x->dtype, (int)s->dims[0], od);
		}
		return 0;
	}
	if (err)
		return err;
	for (int d = 0; d < cnt; d++) {
		if (want[d] == -1) {
			if (infer_at >= 0)
				return mg_node_error(n, -EINVAL, "two dimensions are -1");
			infer_at = d;
			continue;
		}
		if (want[d] < -1)
			return mg_node_error(n, -EINVAL, "dimension %d is %" PRId64, d, want[d]);
		if (want[d] == 0 && !p->allowzero) {
			if (d >= x->rank)
				return mg_node_error(n, -EINVAL, "dimension %d copies a missing one", d);
			od[d] = x->dims[d];
		} else {
			od[d] = want[d];
		}
		if (od[d] < 0)
			known = -1;
		else if (known >= 0 && od[d] && known > MG_MAX_ELEMS / od[d])
			return mg_node_error(n, -E2BIG, "the shape is too large");
		else if (known >= 0)
			known *= od[d];
	}
	if (infer_at >= 0) {
		if (total < 0 || known < 0)
			od[infer_at] = -1;
		else if (known == 0 || total % known)
			return mg_node_error(n, -EINVAL, "%" PRId64 " elements do not reshape", total);
		else
			od[infer_at] = total / known;
	} else if (total >= 0 && known >= 0 && total != known) {
		return mg_node_error(n, -EINVAL, "%" PRId64 " elements into %" PRId64, total, known);
	}
	return mg_set_output(g, n, 0, x->dtype, cnt, od);
}

const struct mg_op mg_op_reshape = {
	.name = "Reshape", .domain = "", .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
	.flags = MG_OP_ALIAS, .parse = reshape_parse, .infer = reshape_infer, .run = view_run,
	.destroy = shape_destroy,
};

static int flatten_parse(struct mg_graph *g, struct mg_node *n)
{
	struct shape_priv *p = new_priv(g, n);

	if (!p)
		return -E2BIG;
	return mg_attr_int(g, n, "axis", 1, &p->axis);
}

static int flatten_infer(struct mg_graph *g, struct mg_node *n)
{
	struct shape_priv *p = n->priv;
	struct mg_value *x = mg_in(g, n, 0);
	int64_t od[2] = { 1, 1 };
	int axis;

	if (x->rank < 0)
		return 0;
	if (p->axis < -x->rank || p->axis > x->rank)
		return mg_node_error(n, -EINVAL, "axis %" PRId64 " for rank %d", p->axis, x->rank);
	axis = (int)(p->axis < 0 ? p->axis + x->rank : p->axis);
	for (int d = 0; d < x->rank; d++) {
		int64_t *t = d < axis ? &od[0] : &od[1];

		*t = x->dims[d] < 0 || *t < 0 ? -1 : *t * x->dims[d];
	}
	return mg_set_output(g, n, 0, x->dtype, 2, od);
}

const struct mg_op mg_op_flatten = {
	.name = "Flatten", .domain = "", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	.flags = MG_OP_ALIAS, .parse = flatten_parse, .infer = flatten_infer, .run = view_run,
	.destroy = shape_destroy,
};

static int squeeze_parse(struct mg_graph *g, struct mg_node *n)
{
	struct shape_priv *p = new_priv(g, n);

	if (!p)
		return -E2BIG;
	/* Opset 13 moved axes to an input; the attribute is invalid since. */
	return 0;
}

static int squeeze_infer(struct mg_graph *g, struct mg_node *n)
{
	struct mg_value *x = mg_in(g, n, 0);
	int64_t axes[MG_MAX_DIMS], od[MG_MAX_DIMS];
	bool drop[MG_MAX_DIMS] = { false };
	int cnt, r = 0, err;

	if (x->rank < 0)
		return 0;
	err = mg_const_ints(g, n, 1, axes, MG_MAX_DIMS, &cnt);
	if (err == -EAGAIN)
		return mg_node_error(n, -ENOTSUP, "the axes must be constant");
	if (err)
		return err;
	if (cnt < 0) {
		for (int d = 0; d < x->rank; d++) {
			if (x->dims[d] < 0)
				return 0; /* which ones are 1 is not known yet */
			drop[d] = x->dims[d] == 1;
		}
	}
	for (int i = 0; i < cnt; i++) {
		int a;

		err = mg_axis(n, axes[i], x->rank, &a);
		if (err)
			return err;
		if (x->dims[a] >= 0 && x->dims[a] != 1)
			return mg_node_error(n, -EINVAL, "dimension %d is %" PRId64 ", not 1", a,
					     x->dims[a]);
		drop[a] = true;
	}
	for (int d = 0; d < x->rank; d++)
		if (!drop[d])
			od[r++] = x->dims[d];
	return mg_set_output(g, n, 0, x->dtype, r, od);
}

const struct mg_op mg_op_squeeze = {
	.name = "Squeeze", .domain = "", .min_in = 1, .max_in = 2, .min_out = 1, .max_out = 1,
	.flags = MG_OP_ALIAS, .parse = squeeze_parse, .infer = squeeze_infer, .run = view_run,
	.destroy = shape_destroy,
};

static int unsqueeze_infer(struct mg_graph *g, struct mg_node *n)
{
	struct mg_value *x = mg_in(g, n, 0);
	int64_t axes[MG_MAX_DIMS], od[MG_MAX_DIMS];
	bool ins[MG_MAX_DIMS] = { false };
	int cnt, r, k = 0, err;

	if (x->rank < 0)
		return 0;
	err = mg_const_ints(g, n, 1, axes, MG_MAX_DIMS, &cnt);
	if (err == -EAGAIN)
		return mg_node_error(n, -ENOTSUP, "the axes must be constant");
	if (err)
		return err;
	r = x->rank + cnt;
	if (cnt < 1 || r > MG_MAX_DIMS)
		return mg_node_error(n, -EINVAL, "%d axes for rank %d", cnt, x->rank);
	for (int i = 0; i < cnt; i++) {
		int a;

		err = mg_axis(n, axes[i], r, &a);
		if (err)
			return err;
		if (ins[a])
			return mg_node_error(n, -EINVAL, "axis %d is given twice", a);
		ins[a] = true;
	}
	for (int d = 0; d < r; d++)
		od[d] = ins[d] ? 1 : x->dims[k++];
	return mg_set_output(g, n, 0, x->dtype, r, od);
}

const struct mg_op mg_op_unsqueeze = {
	.name = "Unsqueeze", .domain = "", .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
	.flags = MG_OP_ALIAS, .parse = squeeze_parse, .infer = unsqueeze_infer, .run = view_run,
	.destroy = shape_destroy,
};

static int identity_infer(struct mg_graph *g, struct mg_node *n)
{
	return mg_output_like(g, n, 0, 0);
}

const struct mg_op mg_op_identity = {
	.name = "Identity", .domain = "", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	.flags = MG_OP_ALIAS | MG_OP_ELEMENTWISE, .infer = identity_infer, .run = view_run,
};

/* ---- Transpose ---- */

static int transpose_parse(struct mg_graph *g, struct mg_node *n)
{
	struct shape_priv *p = new_priv(g, n);

	if (!p)
		return -E2BIG;
	return mg_attr_ints(g, n, "perm", p->perm, MG_MAX_DIMS, &p->n_perm);
}

static int transpose_infer(struct mg_graph *g, struct mg_node *n)
{
	struct shape_priv *p = n->priv;
	struct mg_value *x = mg_in(g, n, 0);
	int64_t od[MG_MAX_DIMS];
	bool seen[MG_MAX_DIMS] = { false };

	if (x->rank < 0)
		return 0;
	if (p->n_perm < 0) { /* default: reverse */
		p->n_perm = x->rank;
		for (int d = 0; d < x->rank; d++)
			p->perm[d] = x->rank - 1 - d;
	}
	if (p->n_perm != x->rank)
		return mg_node_error(n, -EINVAL, "perm has %d values for rank %d", p->n_perm, x->rank);
	for (int d = 0; d < x->rank; d++) {
		if (p->perm[d] < 0 || p->perm[d] >= x->rank || seen[p->perm[d]])
			return mg_node_error(n, -EINVAL, "perm is not a permutation");
		seen[p->perm[d]] = true;
		od[d] = x->dims[p->perm[d]];
	}
	return mg_set_output(g, n, 0, x->dtype, x->rank, od);
}

/* Copy x (dims xd, element size es) into y with y's dim d = x's dim perm[d]. */
void mg_permute(const uint8_t *x, const int64_t *xd, int rank, const int64_t *perm, size_t es,
		uint8_t *y);

void mg_permute(const uint8_t *x, const int64_t *xd, int rank, const int64_t *perm, size_t es,
		uint8_t *y)
{
	int64_t xs[MG_MAX_DIMS], ys_stride[MG_MAX_DIMS], yd[MG_MAX_DIMS], idx[MG_MAX_DIMS] = { 0 };
	int64_t total = 1, off = 0;

	xs[rank - 1] = 1;
	for (int d = rank - 2; d >= 0; d--)
		xs[d] = xs[d + 1] * xd[d + 1];
	for (int d = 0; d < rank; d++) {
		yd[d] = xd[perm[d]];
		ys_stride[d] = xs[perm[d]];
		total *= yd[d];
	}
	for (int64_t i = 0; i < total; i++) {
		memcpy(y + (size_t)i * es, x + (size_t)off * es, es);
		for (int d = rank - 1; d >= 0; d--) {
			idx[d]++;
			off += ys_stride[d];
			if (idx[d] < yd[d])
				break;
			off -= ys_stride[d] * yd[d];
			idx[d] = 0;
		}
	}
}

static int transpose_run(struct mg_exec *ex, struct mg_node *n)
{
	struct shape_priv *p = n->priv;
	struct mg_value *x = mg_in(ex->g, n, 0), *y = mg_out(ex->g, n, 0);

	if (mg_numel(x) == 0)
		return 0;
	if (x->rank == 0) {
		memcpy(y->ptr, x->ptr, esize(x));
		return 0;
	}
	mg_permute(x->ptr, x->dims, x->rank, p->perm, esize(x), y->ptr);
	return 0;
}

const struct mg_op mg_op_transpose = {
	.name = "Transpose", .domain = "", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	.parse = transpose_parse, .infer = transpose_infer, .run = transpose_run,
	.destroy = shape_destroy,
};

/* ---- Shape ---- */

static int shape_parse(struct mg_graph *g, struct mg_node *n)
{
	struct shape_priv *p = new_priv(g, n);
	int err;

	if (!p)
		return -E2BIG;
	err = mg_attr_int(g, n, "start", 0, &p->start);
	if (!err) {
		p->has_end = mg_attr_find(n, "end") != NULL;
		err = mg_attr_int(g, n, "end", 0, &p->end);
	}
	return err;
}

static void shape_range(const struct shape_priv *p, int rank, int *s, int *e)
{
	int64_t a = p->start < 0 ? p->start + rank : p->start;
	int64_t b = p->has_end ? (p->end < 0 ? p->end + rank : p->end) : rank;

	a = a < 0 ? 0 : a > rank ? rank : a;
	b = b < 0 ? 0 : b > rank ? rank : b;
	*s = (int)a;
	*e = (int)(b > a ? b : a);
}

static int shape_infer(struct mg_graph *g, struct mg_node *n)
{
	struct mg_value *x = mg_in(g, n, 0);
	int s, e;

	if (x->rank < 0)
		return 0;
	shape_range(n->priv, x->rank, &s, &e);
	return mg_set_output(g, n, 0, FPQ_DTYPE_INT64, 1, (int64_t[]){ e - s });
}

static int shape_run(struct mg_exec *ex, struct mg_node *n)
{
	struct mg_value *x = mg_in(ex->g, n, 0), *y = mg_out(ex->g, n, 0);
	int s, e;

	shape_range(n->priv, x->rank, &s, &e);
	for (int d = s; d < e; d++)
		((int64_t *)y->ptr)[d - s] = x->dims[d];
	return 0;
}

const struct mg_op mg_op_shape = {
	.name = "Shape", .domain = "", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	.flags = MG_OP_SHAPE_ONLY, .parse = shape_parse, .infer = shape_infer, .run = shape_run,
	.destroy = shape_destroy,
};

/* ---- Gather ---- */

static int gather_parse(struct mg_graph *g, struct mg_node *n)
{
	struct shape_priv *p = new_priv(g, n);

	if (!p)
		return -E2BIG;
	return mg_attr_int(g, n, "axis", 0, &p->axis);
}

static int gather_infer(struct mg_graph *g, struct mg_node *n)
{
	struct shape_priv *p = n->priv;
	struct mg_value *x = mg_in(g, n, 0), *ix = mg_in(g, n, 1);
	int64_t od[MG_MAX_DIMS];
	int axis, r = 0, err;

	if (ix->dtype != FPQ_DTYPE_INT64 && ix->dtype != FPQ_DTYPE_INT32)
		return mg_node_error(n, -EINVAL, "indices must be int64 or int32");
	if (x->rank < 0 || ix->rank < 0)
		return 0;
	err = mg_axis(n, p->axis, x->rank, &axis);
	if (err)
		return err;
	if (x->rank + ix->rank - 1 > MG_MAX_DIMS)
		return mg_node_error(n, -ENOTSUP, "the output rank is too large");
	for (int d = 0; d < axis; d++)
		od[r++] = x->dims[d];
	for (int d = 0; d < ix->rank; d++)
		od[r++] = ix->dims[d];
	for (int d = axis + 1; d < x->rank; d++)
		od[r++] = x->dims[d];
	return mg_set_output(g, n, 0, x->dtype, r, od);
}

static int gather_run(struct mg_exec *ex, struct mg_node *n)
{
	struct shape_priv *p = n->priv;
	struct mg_value *x = mg_in(ex->g, n, 0), *ix = mg_in(ex->g, n, 1), *y = mg_out(ex->g, n, 0);
	int axis = (int)(p->axis < 0 ? p->axis + x->rank : p->axis);
	int64_t outer = 1, inner = 1, nidx = mg_numel(ix), len = x->dims[axis];
	size_t es = esize(x);

	for (int d = 0; d < axis; d++)
		outer *= x->dims[d];
	for (int d = axis + 1; d < x->rank; d++)
		inner *= x->dims[d];
	for (int64_t o = 0; o < outer; o++)
		for (int64_t i = 0; i < nidx; i++) {
			int64_t k = mg_get_int(ix, i);

			if (k < -len || k >= len)
				return mg_node_error(n, -EINVAL, "index %" PRId64 " out of range %" PRId64,
						     k, len);
			if (k < 0)
				k += len;
			memcpy((uint8_t *)y->ptr + (size_t)((o * nidx + i) * inner) * es,
			       (const uint8_t *)x->ptr + (size_t)((o * len + k) * inner) * es,
			       (size_t)inner * es);
		}
	return 0;
}

const struct mg_op mg_op_gather = {
	.name = "Gather", .domain = "", .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
	.parse = gather_parse, .infer = gather_infer, .run = gather_run, .destroy = shape_destroy,
};

/* ---- Slice: data, starts, ends, axes, steps ---- */

static int slice_parse(struct mg_graph *g, struct mg_node *n)
{
	return new_priv(g, n) ? 0 : -E2BIG;
}

static int slice_infer(struct mg_graph *g, struct mg_node *n)
{
	struct shape_priv *p = n->priv;
	struct mg_value *x = mg_in(g, n, 0);
	int64_t st[MG_MAX_DIMS], en[MG_MAX_DIMS], ax[MG_MAX_DIMS], sp[MG_MAX_DIMS];
	int64_t od[MG_MAX_DIMS];
	bool set[MG_MAX_DIMS] = { false };
	int ns, ne, na, nsp, err;

	if (x->rank < 0)
		return 0;
	err = mg_const_ints(g, n, 1, st, MG_MAX_DIMS, &ns);
	if (!err)
		err = mg_const_ints(g, n, 2, en, MG_MAX_DIMS, &ne);
	if (!err)
		err = mg_const_ints(g, n, 3, ax, MG_MAX_DIMS, &na);
	if (!err)
		err = mg_const_ints(g, n, 4, sp, MG_MAX_DIMS, &nsp);
	if (err == -EAGAIN)
		return mg_node_error(n, -ENOTSUP, "starts, ends, axes and steps must be constant");
	if (err)
		return err;
	if (ns != ne || (na >= 0 && na != ns) || (nsp >= 0 && nsp != ns))
		return mg_node_error(n, -EINVAL, "starts, ends, axes and steps differ in length");
	for (int d = 0; d < x->rank; d++) {
		od[d] = x->dims[d];
		p->sl_start[d] = 0;
		p->sl_step[d] = 1;
	}
	for (int i = 0; i < ns; i++) {
		int a;
		int64_t dim, step = nsp >= 0 ? sp[i] : 1, s = st[i], e = en[i];

		err = mg_axis(n, na >= 0 ? ax[i] : i, x->rank, &a);
		if (err)
			return err;
		if (set[a])
			return mg_node_error(n, -EINVAL, "axis %d is sliced twice", a);
		set[a] = true;
		if (step == 0)
			return mg_node_error(n, -EINVAL, "a step of 0");
		dim = x->dims[a];
		if (dim < 0) {
			od[a] = -1;
			continue;
		}
		if (s < 0)
			s += dim;
		if (e < 0)
			e += dim;
		if (step > 0) {
			s = s < 0 ? 0 : s > dim ? dim : s;
			e = e < 0 ? 0 : e > dim ? dim : e;
			od[a] = e > s ? (e - s + step - 1) / step : 0;
		} else {
			s = s < 0 ? -1 : s > dim - 1 ? dim - 1 : s;
			e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
			od[a] = s > e ? (s - e + (-step) - 1) / (-step) : 0;
		}
		p->sl_start[a] = s;
		p->sl_step[a] = step;
	}
	return mg_set_output(g, n, 0, x->dtype, x->rank, od);
}

static int slice_run(struct mg_exec *ex, struct mg_node *n)
{
	struct shape_priv *p = n->priv;
	struct mg_value *x = mg_in(ex->g, n, 0), *y = mg_out(ex->g, n, 0);
	int64_t xs[MG_MAX_DIMS], idx[MG_MAX_DIMS] = { 0 }, total = mg_numel(y), off = 0;
	size_t es = esize(x);
	int r = x->rank;

	if (!total)
		return 0;
	if (r == 0) {
		memcpy(y->ptr, x->ptr, es);
		return 0;
	}
	xs[r - 1] = 1;
	for (int d = r - 2; d >= 0; d--)
		xs[d] = xs[d + 1] * x->dims[d + 1];
	for (int d = 0; d < r; d++)
		off += p->sl_start[d] * xs[d];
	for (int64_t i = 0; i < total; i++) {
		memcpy((uint8_t *)y->ptr + (size_t)i * es, (const uint8_t *)x->ptr + (size_t)off * es,
		       es);
		for (int d = r - 1; d >= 0; d--) {
			idx[d]++;
			off += p->sl_step[d] * xs[d];
			if (idx[d] < y->dims[d])
				break;
			off -= p->sl_step[d] * xs[d] * y->dims[d];
			idx[d] = 0;
		}
	}
	return 0;
}

const struct mg_op mg_op_slice = {
	.name = "Slice", .domain = "", .min_in = 3, .max_in = 5, .min_out = 1, .max_out = 1,
	.parse = slice_parse, .infer = slice_infer, .run = slice_run, .destroy = shape_destroy,
};

/* ---- Pad: data, pads, constant_value, axes ---- */

static int pad_parse(struct mg_graph *g, struct mg_node *n)
{
	struct shape_priv *p = new_priv(g, n);
	const char *mode;
	int err;

	if (!p)
		return -E2BIG;
	err = mg_attr_string(g, n, "mode", "constant", &mode);
	if (err)
		return err;
	if (!strcmp(mode, "constant"))
		p->mode = 0;
	else if (!strcmp(mode, "reflect"))
		p->mode = 1;
	else if (!strcmp(mode, "edge"))
		p->mode = 2;
	else
		return mg_node_error(n, -ENOTSUP, "mode '%.20s' is not supported", mode);
	return 0;
}

static int pad_infer(struct mg_graph *g, struct mg_node *n)
{
	struct shape_priv *p = n->priv;
	struct mg_value *x = mg_in(g, n, 0), *cv = mg_in(g, n, 2);
	int64_t pads[2 * MG_MAX_DIMS], axes[MG_MAX_DIMS], od[MG_MAX_DIMS], pe[MG_MAX_DIMS];
	int np, na, err;

	if (x->rank < 0)
		return 0;
	if (cv && (cv->dtype != x->dtype || mg_numel(cv) > 1))
		return mg_node_error(n, -EINVAL, "constant_value must be one %s",
				     fpq_dtype_name(x->dtype));
	err = mg_const_ints(g, n, 1, pads, 2 * MG_MAX_DIMS, &np);
	if (!err)
		err = mg_const_ints(g, n, 3, axes, MG_MAX_DIMS, &na);
	if (err == -EAGAIN)
		return mg_node_error(n, -ENOTSUP, "pads and axes must be constant");
	if (err)
		return err;
	if (na < 0) {
		na = x->rank;
		for (int d = 0; d < na; d++)
			axes[d] = d;
	}
	if (np != 2 * na)
		return mg_node_error(n, -EINVAL, "%d pads for %d axes", np, na);
	for (int d = 0; d < x->rank; d++) {
		p->pad_begin[d] = 0;
		pe[d] = 0;
	}
	for (int i = 0; i < na; i++) {
		int a;

		err = mg_axis(n, axes[i], x->rank, &a);
		if (err)
			return err;
		p->pad_begin[a] = pads[i];
		pe[a] = pads[na + i];
	}
	for (int d = 0; d < x->rank; d++) {
		if (p->pad_begin[d] < 0 || pe[d] < 0)
			return mg_node_error(n, -ENOTSUP, "negative pads are not supported");
		if (p->pad_begin[d] > MG_MAX_ELEMS || pe[d] > MG_MAX_ELEMS)
			return mg_node_error(n, -E2BIG, "pads are too large");
		od[d] = x->dims[d] < 0 ? -1 : x->dims[d] + p->pad_begin[d] + pe[d];
		if (p->mode && x->dims[d] == 0 && od[d] > 0)
			return mg_node_error(n, -EINVAL, "cannot pad an empty dimension by reflection");
		if (p->mode == 1 && x->dims[d] >= 0 &&
		    (p->pad_begin[d] >= x->dims[d] || pe[d] >= x->dims[d]) && od[d] != x->dims[d])
			return mg_node_error(n, -EINVAL, "reflect pads must be smaller than the input");
	}
	return mg_set_output(g, n, 0, x->dtype, x->rank, od);
}

static int pad_run(struct mg_exec *ex, struct mg_node *n)
{
	struct shape_priv *p = n->priv;
	struct mg_value *x = mg_in(ex->g, n, 0), *y = mg_out(ex->g, n, 0), *cv = mg_in(ex->g, n, 2);
	int64_t xs[MG_MAX_DIMS], idx[MG_MAX_DIMS] = { 0 }, total = mg_numel(y);
	size_t es = esize(x);
	uint8_t fill[8] = { 0 };
	int r = x->rank;

	if (cv && mg_numel(cv) == 1)
		memcpy(fill, cv->ptr, es);
	if (!total)
		return 0;
	if (r == 0) {
		memcpy(y->ptr, x->ptr, es);
		return 0;
	}
	xs[r - 1] = 1;
	for (int d = r - 2; d >= 0; d--)
		xs[d] = xs[d + 1] * x->dims[d + 1];
	for (int64_t i = 0; i < total; i++) {
		int64_t off = 0;
		bool outside = false;

		for (int d = 0; d < r; d++) {
			int64_t k = idx[d] - p->pad_begin[d], dim = x->dims[d];

			if (k < 0 || k >= dim) {
				if (p->mode == 0) {
					outside = true;
					break;
				}
				if (p->mode == 2) {
					k = k < 0 ? 0 : dim - 1;
				} else {
					k = k < 0 ? -k : 2 * (dim - 1) - k;
				}
			}
			off += k * xs[d];
		}
		memcpy((uint8_t *)y->ptr + (size_t)i * es,
		       outside ? fill : (const uint8_t *)x->ptr + (size_t)off * es, es);
		for (int d = r - 1; d >= 0; d--) {
			if (++idx[d] < y->dims[d])
				break;
			idx[d] = 0;
		}
	}
	return 0;
}

const struct mg_op mg_op_pad = {
	.name = "Pad", .domain = "", .min_in = 2, .max_in = 4, .min_out = 1, .max_out = 1,
	.parse = pad_parse, .infer = pad_infer, .run = pad_run, .destroy = shape_destroy,
};

/* ---- Cast ---- */

static int cast_parse(struct mg_graph *g, struct mg_node *n)
{
	struct shape_priv *p = new_priv(g, n);
	int64_t sat;
	int err;

	if (!p)
		return -E2BIG;
	err = mg_attr_int(g, n, "to", 0, &p->to);
	if (!err)
		err = mg_attr_int(g, n, "saturate", 1, &sat);
	if (err)
		return err;
	if (!mg_dtype_size((enum fpq_dtype)p->to))
		return mg_node_error(n, -ENOTSUP, "casting to type %" PRId64 " is not supported",
				     p->to);
	return 0;
}

static int cast_infer(struct mg_graph *g, struct mg_node *n)
{
	struct shape_priv *p = n->priv;
	struct mg_value *x = mg_in(g, n, 0);

	return mg_set_output(g, n, 0, (enum fpq_dtype)p->to, x->rank, x->dims);
}

/* The value of element i (uint8 codes restored), as a double. */
static double cast_get(const struct mg_value *v, int64_t i)
{
	switch (v->dtype) {
	case FPQ_DTYPE_FLOAT: return ((const float *)v->ptr)[i];
	case FPQ_DTYPE_UINT8: return ((const int8_t *)v->ptr)[i] + 128;
	case FPQ_DTYPE_INT8: return ((const int8_t *)v->ptr)[i];
	case FPQ_DTYPE_INT32: return ((const int32_t *)v->ptr)[i];
	case FPQ_DTYPE_INT64: return (double)((const int64_t *)v->ptr)[i];
	case FPQ_DTYPE_BOOL: return ((const uint8_t *)v->ptr)[i] != 0;
	default: return 0;
	}
}

static int64_t cast_int(double d, int64_t lo, int64_t hi)
{
	/* ONNX leaves out-of-range float to int undefined; fpq saturates (and NaN is 0). */
	if (d != d)
		return 0;
	if (d <= (double)lo)
		return lo;
	if (d >= (double)hi)
		return hi;
	return (int64_t)d;
}

static int cast_run(struct mg_exec *ex, struct mg_node *n)
{
	struct mg_value *x = mg_in(ex->g, n, 0), *y = mg_out(ex->g, n, 0);
	int64_t total = mg_numel(x);

	for (int64_t i = 0; i < total; i++) {
		double d;

		/* int64 to int64/int32 is exact integer work; everything else goes through
		 * double, which holds every value of the other types exactly. */
		if (x->dtype == FPQ_DTYPE_INT64 && y->dtype == FPQ_DTYPE_INT64) {
			((int64_t *)y->ptr)[i] = ((const int64_t *)x->ptr)[i];
			continue;
		}
		if (x->dtype == FPQ_DTYPE_INT64 && y->dtype == FPQ_DTYPE_INT32) {
			((int32_t *)y->ptr)[i] = (int32_t)((const int64_t *)x->ptr)[i];
			continue;
		}
		d = cast_get(x, i);
		switch (y->dtype) {
		case FPQ_DTYPE_FLOAT:
			((float *)y->ptr)[i] = x->dtype == FPQ_DTYPE_INT64 ?
				(float)((const int64_t *)x->ptr)[i] : (float)d;
			break;
		case FPQ_DTYPE_UINT8:
			((int8_t *)y->ptr)[i] = (int8_t)(cast_int(d, 0, 255) - 128);
			break;
		case FPQ_DTYPE_INT8:
			((int8_t *)y->ptr)[i] = (int8_t)cast_int(d, -128, 127);
			break;
		case FPQ_DTYPE_INT32:
			((int32_t *)y->ptr)[i] = (int32_t)cast_int(d, INT32_MIN, INT32_MAX);
			break;
		case FPQ_DTYPE_INT64:
			((int64_t *)y->ptr)[i] = cast_int(d, INT64_MIN, INT64_MAX);
			break;
		case FPQ_DTYPE_BOOL:
			((uint8_t *)y->ptr)[i] = d != 0;
			break;
		default:
			break;
		}
	}
	return 0;
}

const struct mg_op mg_op_cast = {
	.name = "Cast", .domain = "", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	.flags = MG_OP_ELEMENTWISE, .parse = cast_parse, .infer = cast_infer, .run = cast_run,
	.destroy = shape_destroy,
};

/* ---- Constant, ConstantOfShape ---- */

static int constant_parse(struct mg_graph *g, struct mg_node *n)
{
	struct shape_priv *p = new_priv(g, n);
	struct mg_attr *a = NULL;
	const char *names[] = { "value", "value_float", "value_floats", "value_int",
				"value_ints" };
	int found = 0;

	if (!p)
		return -E2BIG;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct mg_attr *t = mg_attr_find(n, names[i]);

		if (t) {
			t->used = true;
			a = t;
			found++;
		}
	}
	if (found != 1)
		return mg_node_error(n, found ? -EINVAL : -ENOTSUP,
				     found ? "has more than one value" :
					     "has no value fpq reads (sparse and string values are "
					     "not supported)");
	switch (a->type) {
	case MG_ATTR_TENSOR:
		if (strcmp(a->name, "value"))
			break;
		p->value = a->tensor;
		return 0;
	case MG_ATTR_FLOAT: {
		float *d = mg_alloc(g, sizeof(float));

		if (!d)
			return -E2BIG;
		*d = a->f;
		p->value = mg_add_const(g, NULL, FPQ_DTYPE_FLOAT, 0, NULL, d, sizeof(float));
		return p->value < 0 ? p->value : 0;
	}
	case MG_ATTR_INT: {
		int64_t *d = mg_alloc(g, sizeof(int64_t));

		if (!d)
			return -E2BIG;
		*d = a->i;
		p->value = mg_add_const(g, NULL, FPQ_DTYPE_INT64, 0, NULL, d, sizeof(int64_t));
		return p->value < 0 ? p->value : 0;
	}
	case MG_ATTR_FLOATS: {
		float *d = mg_calloc(g, a->n ? a->n : 1, sizeof(float));
		int64_t dim = (int64_t)a->n;

		if (!d)
			return -E2BIG;
		memcpy(d, a->floats, a->n * sizeof(float));
		p->value = mg_add_const(g, NULL, FPQ_DTYPE_FLOAT, 1, &dim, d, a->n * sizeof(float));
		return p->value < 0 ? p->value : 0;
	}
	case MG_ATTR_INTS: {
		int64_t *d = mg_calloc(g, a->n ? a->n : 1, sizeof(int64_t));
		int64_t dim = (int64_t)a->n;

		if (!d)
			return -E2BIG;
		memcpy(d, a->ints, a->n * sizeof(int64_t));
		p->value = mg_add_const(g, NULL, FPQ_DTYPE_INT64, 1, &dim, d, a->n * sizeof(int64_t));
		return p->value < 0 ? p->value : 0;
	}
	default:
		break;
	}
	return mg_node_error(n, -EINVAL, "attribute '%.40s' has the wrong type", a->name);
}

static int constant_infer(struct mg_graph *g, struct mg_node *n)
{
	struct shape_priv *p = n->priv;
	struct mg_value *v = &g->values[p->value];

	return mg_set_output(g, n, 0, v->dtype, v->rank, v->dims);
}

static int constant_run(struct mg_exec *ex, struct mg_node *n)
{
	struct shape_priv *p = n->priv;
	struct mg_value *v = &ex->g->values[p->value], *y = mg_out(ex->g, n, 0);

	memcpy(y->ptr, v->data, v->nbytes);
	return 0;
}

const struct mg_op mg_op_constant = {
	.name = "Constant", .domain = "", .min_in = 0, .max_in = 0, .min_out = 1, .max_out = 1,
	.parse = constant_parse, .infer = constant_infer, .run = constant_run,
	.destroy = shape_destroy,
};

static int cos_parse(struct mg_graph *g, struct mg_node *n)
{
	struct shape_priv *p = new_priv(g, n);
	struct mg_attr *a;

	if (!p)
		return -E2BIG;
	a = mg_attr_find(n, "value");
	if (a) {
		a->used = true;
		if (a->type != MG_ATTR_TENSOR || mg_numel(&g->values[a->tensor]) != 1)
			return mg_node_error(n, -EINVAL, "value must be a one-element tensor");
		p->value = a->tensor;
	}
	return 0;
}

static int cos_infer(struct mg_graph *g, struct mg_node *n)
{
	struct shape_priv *p = n->priv;
	int64_t dims[MG_MAX_DIMS];
	int cnt, err = mg_const_ints(g, n, 0, dims, MG_MAX_DIMS, &cnt);
	enum fpq_dtype t = p->value >= 0 ? g->values[p->value].dtype : FPQ_DTYPE_FLOAT;

	if (err == -EAGAIN) {
		struct mg_value *s = mg_in(g, n, 0);

		if (s->rank == 1 && s->dims[0] >= 0 && s->dims[0] <= MG_MAX_DIMS) {
			for (int d = 0; d < s->dims[0]; d++)
				dims[d] = -1;
			return mg_set_output(g, n, 0, t, (int)s->dims[0], dims);
		}
		return 0;
	}
	if (err)
		return err;
	return mg_set_output(g, n, 0, t, cnt, dims);
}

static int cos_run(struct mg_exec *ex, struct mg_node *n)
{
	struct shape_priv *p = n->priv;
	struct mg_value *y = mg_out(ex->g, n, 0);
	size_t es = esize(y);
	int64_t total = mg_numel(y);
	uint8_t v[8] = { 0 };

	if (p->value >= 0)
		memcpy(v, ex->g->values[p->value].data, es);
	for (int64_t i = 0; i < total; i++)
		memcpy((uint8_t *)y->ptr + (size_t)i * es, v, es);
	return 0;
}

const struct mg_op mg_op_constant_of_shape = {
	.name = "ConstantOfShape", .domain = "", .min_in = 1, .max_in = 1, .min_out = 1,
	.max_out = 1, .parse = cos_parse, .infer = cos_infer, .run = cos_run,
	.destroy = shape_destroy,
};
