// SPDX-License-Identifier: MIT
/*
 * ops.c - the op table, and the helpers every op family uses: axes, quantization
 * parameters, broadcasting, constant int lists.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "internal.h"
#include "ops.h"

static const struct mg_op *const op_table[] = {
#define MG_TABLE_ENTRY(name) &mg_op_##name,
	MG_OPS(MG_TABLE_ENTRY)
#undef MG_TABLE_ENTRY
};

const struct mg_op *mg_op_find(const char *domain, const char *op_type)
{
	for (size_t i = 0; i < sizeof(op_table) / sizeof(op_table[0]); i++)
		if (!strcmp(op_table[i]->name, op_type) && !strcmp(op_table[i]->domain, domain))
			return op_table[i];
	return NULL;
}

int mg_axis(const struct mg_node *n, int64_t axis, int rank, int *out)
{
	if (axis < -rank || axis >= rank)
		return mg_node_error(n, -EINVAL, "axis %" PRId64 " is out of range for rank %d", axis,
				     rank);
	*out = (int)(axis < 0 ? axis + rank : axis);
	return 0;
}

void mg_qparams_free(struct mg_graph *g, struct mg_qparams *q)
{
	mg_free(g, q->scale);
	mg_free(g, q->zero);
	q->scale = NULL;
	q->zero = NULL;
}

int mg_qparams_read(struct mg_graph *g, struct mg_node *n, int si, int zi,
		    enum fpq_dtype dtype, struct mg_qparams *q)
{
	struct mg_value *s = mg_in(g, n, si);
	struct mg_value *z = zi >= 0 ? mg_in(g, n, zi) : NULL;
	int64_t count;

	memset(q, 0, sizeof(*q));
	q->axis = -1;
	if (!s || s->kind == MG_RUNTIME || !s->data)
		return mg_node_error(n, -ENOTSUP, "the scale must be a constant");
	if (s->dtype != FPQ_DTYPE_FLOAT)
		return mg_node_error(n, -ENOTSUP, "the scale is %s (fpq takes float scales)",
				     fpq_dtype_name(s->dtype));
	if (s->rank > 1)
		return mg_node_error(n, -ENOTSUP, "the scale has rank %d (a scalar or a vector)",
				     s->rank);
	count = mg_numel(s);
	if (count < 1)
		return mg_node_error(n, -EINVAL, "the scale is empty");
	if (z) {
		if (z->kind == MG_RUNTIME || !z->data)
			return mg_node_error(n, -ENOTSUP, "the zero point must be a constant");
		if (mg_numel(z) != count)
			return mg_node_error(n, -EINVAL, "%" PRId64 " zero points for %" PRId64
					     " scales", mg_numel(z), count);
		dtype = z->dtype;
	}
	if (dtype != FPQ_DTYPE_INT8 && dtype != FPQ_DTYPE_UINT8 && dtype != FPQ_DTYPE_INT32)
		return mg_node_error(n, -ENOTSUP, "quantized type %s (fpq takes int8, uint8, and "
				     "int32 for biases)", fpq_dtype_name(dtype));
	q->u8 = dtype == FPQ_DTYPE_UINT8;
	q->count = (int)count;
	q->scale = mg_calloc(g, (size_t)count, sizeof(float));
	q->zero = mg_calloc(g, (size_t)count, sizeof(int32_t));
	if (!q->scale || !q->zero) {
		mg_qparams_free(g, q);
		return -E2BIG;
	}
	for (int64_t i = 0; i < count; i++) {
		float sc = ((const float *)s->data)[i];

		/* ORT divides by the scale: zero, negative, Inf and NaN scales are nonsense. */
		if (!(sc > 0) || isinf(sc)) {
			mg_qparams_free(g, q);
			return mg_node_error(n, -EINVAL, "scale %" PRId64 " is %g (must be positive "
					     "and finite)", i, (double)sc);
		}
		q->scale[i] = sc;
		q->zero[i] = z ? (int32_t)mg_get_int(z, i) : (q->u8 ? -128 : 0);
	}
	return 0;
}

int mg_qparams_scalar(struct mg_graph *g, struct mg_node *n, int si, int zi,
		      enum fpq_dtype dtype, float *scale, int32_t *zero, bool *u8)
{
	struct mg_qparams q;
	int err = mg_qparams_read(g, n, si, zi, dtype, &q);

	if (err)
		return err;
	if (q.count != 1) {
		mg_qparams_free(g, &q);
		return mg_node_error(n, -ENOTSUP, "input %d: per-channel parameters are not "
				     "supported here", si);
	}
	*scale = q.scale[0];
	*zero = q.zero[0];
	if (u8)
		*u8 = q.u8;
	mg_qparams_free(g, &q);
	return 0;
}

int mg_bcast_shape(const struct mg_node *n, const struct mg_value *a, const struct mg_value *b,
		   int *rank, int64_t *dims)
{
	int r = a->rank > b->rank ? a->rank : b->rank;

	if (a->rank < 0 || b->rank < 0) {
		*rank = -1;
		return 0;
	}
	for (int d = 0; d < r; d++) {
		int ia = d - (r - a->rank), ib = d - (r - b->rank);
		int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;

		if (da < 0 || db < 0)
			dims[d] = da == 1 ? db : db == 1 ? da : (da < 0 ? db : da);
		else if (da == db || db == 1)
			dims[d] = da;
		else if (da == 1)
			dims[d] = db;
		else
			return mg_node_error(n, -EINVAL, "cannot broadcast dimension %d: %" PRId64
					     " and %" PRId64, d, da, db);
	}
	*rank = r;
	return 0;
}

static void padded_physical(const struct mg_value *v, int rank, int64_t *dims, bool out_nhwc)
{
	int64_t pd[MG_MAX_DIMS];

	for (int d = 0; d < rank; d++) {
		int i = d - (rank - v->rank);

		pd[d] = i >= 0 ? v->dims[i] : 1;
	}
	/* A 4-D NHWC output reads lower-rank inputs (constants made 4-D NHWC by the layout
	 * pass, or broadcast vectors) in its physical order. */
	if (rank == 4 && (v->nhwc || (out_nhwc && v->rank < 4))) {
		dims[0] = pd[0];
		dims[1] = pd[2];
		dims[2] = pd[3];
		dims[3] = pd[1];
	} else {
		for (int d = 0; d < rank; d++)
			dims[d] = pd[d];
	}
}

int mg_bcast_init(const struct mg_node *n, const struct mg_value *a, const struct mg_value *b,
		  const struct mg_value *out, struct mg_bcast *bc)
{
	int64_t da[MG_MAX_DIMS], db[MG_MAX_DIMS];
	int r = out->rank;
	int64_t ma = 1, mb = 1;

	memset(bc, 0, sizeof(*bc));
	bc->rank = r;
	mg_physical_dims(out, bc->out);
	padded_physical(a, r, da, out->nhwc);
	padded_physical(b, r, db, out->nhwc);
	for (int d = r - 1; d >= 0; d--) {
		if ((da[d] != bc->out[d] && da[d] != 1) || (db[d] != bc->out[d] && db[d] != 1))
			return mg_node_error(n, -EINVAL, "inputs do not broadcast to the output");
		bc->sa[d] = da[d] == 1 ? 0 : ma;
		bc->sb[d] = db[d] == 1 ? 0 : mb;
		ma *= da[d];
		mb *= db[d];
	}
	return 0;
}

int mg_const_ints(struct mg_graph *g, struct mg_node *n, int i, int64_t *out, int max,
		  int *count)
{
	struct mg_value *v = mg_in(g, n, i);
	int64_t ne;

	(void)g;
	*count = -1;
	if (!v)
		return 0;
	if (v->kind == MG_RUNTIME || !v->data)
		return -EAGAIN;
	if (v->dtype != FPQ_DTYPE_INT64 && v->dtype != FPQ_DTYPE_INT32)
		return mg_node_error(n, -EINVAL, "input %d must be int64", i);
	if (v->rank > 1)
		return mg_node_error(n, -EINVAL, "input %d must be a vector", i);
	ne = mg_numel(v);
	if (ne > max)
		return mg_node_error(n, -EINVAL, "input %d has %" PRId64 " values (at most %d)", i, ne,
				     max);
	for (int64_t k = 0; k < ne; k++)
		out[k] = mg_get_int(v, k);
	*count = (int)ne;
	return 0;
}
