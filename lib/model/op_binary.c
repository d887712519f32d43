// SPDX-License-Identifier: MIT
/*
 * op_binary.c - Add, Sub, Mul, Div with broadcasting (binary32, and int64/int32 for
 * shape arithmetic), QLinearAdd and QLinearMul (com.microsoft) with ONNX Runtime's x86
 * arithmetic:
 *
 *   QLinearAdd  rA = sA / sC, rB = sB / sC, f = zC - (rA * zA + rB * zB),
 *               y = sat(cvt(fma(a, rA, fma(b, rB, f))))      (both inputs full spans)
 *               y = sat(cvt(fma(a, rA, f + b * rB)))         (B one value per span)
 *   QLinearMul  r = sA * sB / sC, y = sat(cvt(fp32((a - zA) * (b - zB)) * r) + zC)
 *
 * where a, b and the zero points are the 8-bit codes themselves (QLinearAdd is not
 * invariant under the uint8 -> int8 shift, so uint8 codes are restored first), cvt
 * rounds to nearest even (INT32_MIN out of range, as cvtps2dq) and sat is the output
 * type's range.
 */
#include <errno.h>
#include <inttypes.h>

#include "internal.h"
#include "ops.h"

enum bin_kind { BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV };

struct bin_priv {
	enum bin_kind kind;
	/* quantized */
	float sa, sb, sc;
	int32_t za, zb, zc;        /* stored domain */
	bool ua, ub, uc;           /* uint8 */
};

static void bin_destroy(struct mg_graph *g, struct mg_node *n)
{
	mg_free(g, n->priv);
	n->priv = NULL;
}

static int bin_parse(struct mg_graph *g, struct mg_node *n)
{
	struct bin_priv *p = mg_calloc(g, 1, sizeof(*p));
	const char *t = n->op_type;

	if (!p)
		return -E2BIG;
	n->priv = p;
	if (!strcmp(t, "Add") || !strcmp(t, "QLinearAdd"))
		p->kind = BIN_ADD;
	else if (!strcmp(t, "Sub"))
		p->kind = BIN_SUB;
	else if (!strcmp(t, "Mul") || !strcmp(t, "QLinearMul"))
		p->kind = BIN_MUL;
	else
		p->kind = BIN_DIV;
	return 0;
}

static int bin_infer(struct mg_graph *g, struct mg_node *n)
{
	struct mg_value *a = mg_in(g, n, 0), *b = mg_in(g, n, 1);
	int64_t dims[MG_MAX_DIMS];
	int rank, err;

	if (a->dtype != b->dtype)
		return mg_node_error(n, -EINVAL, "inputs are %s and %s", fpq_dtype_name(a->dtype),
				     fpq_dtype_name(b->dtype));
	if (a->dtype != FPQ_DTYPE_FLOAT && a->dtype != FPQ_DTYPE_INT64 &&
	    a->dtype != FPQ_DTYPE_INT32)
		return mg_node_error(n, -ENOTSUP, "takes float, int64 or int32 (quantized models use "
				     "QLinear ops or Q/DQ pairs), not %s", fpq_dtype_name(a->dtype));
	err = mg_bcast_shape(n, a, b, &rank, dims);
	if (err)
		return err;
	if (rank < 0)
		return 0;
	return mg_set_output(g, n, 0, a->dtype, rank, dims);
}

/* Walk the output in memory order; fn gets the element offsets in a, b and out over
 * one innermost run. */
#define BCAST_LOOP(bc, ...)                                                               \
	do {                                                                              \
		int64_t idx_[MG_MAX_DIMS] = { 0 };                                        \
		int64_t oa_ = 0, ob_ = 0, oo_ = 0;                                        \
		const int r_ = (bc).rank;                                                 \
		const int64_t inner_ = r_ ? (bc).out[r_ - 1] : 1;                         \
		const int64_t ia_ = r_ ? (bc).sa[r_ - 1] : 0, ib_ = r_ ? (bc).sb[r_ - 1] : 0; \
		int64_t total_ = 1;                                                       \
		for (int d_ = 0; d_ < r_; d_++)                                           \
			total_ *= (bc).out[d_];                                           \
		while (total_ > 0 && oo_ < total_) {                                      \
			for (int64_t i_ = 0; i_ < inner_; i_++) {                         \
				const int64_t pa = oa_ + i_ * ia_, pb = ob_ + i_ * ib_;   \
				const int64_t po = oo_ + i_;                              \
				__VA_ARGS__;                                              \
			}                                                                 \
			oo_ += inner_;                                                    \
			for (int d_ = r_ - 2; d_ >= 0; d_--) {                            \
				idx_[d_]++;                                               \
				oa_ += (bc).sa[d_];                                       \
				ob_ += (bc).sb[d_];                                       \
				if (idx_[d_] < (bc).out[d_])                              \
					break;                                            \
				oa_ -= (bc).sa[d_] * (bc).out[d_];                        \
				ob_ -= (bc).sb[d_] * (bc).out[d_];                        \
				idx_[d_] = 0;                                             \
			}                                                                 \
		}                                                                         \
	} while (0)

static int bin_run(struct mg_exec *ex, struct mg_node *n)
{
	struct bin_priv *p = n->priv;
	struct mg_value *a = mg_in(ex->g, n, 0), *b = mg_in(ex->g, n, 1), *y = mg_out(ex->g, n, 0);
	struct mg_bcast bc;
	int err = mg_bcast_init(n, a, b, y, &bc);

	if (err)
		return err;
	if (a->dtype == FPQ_DTYPE_FLOAT) {
		const float *x0 = a->ptr, *x1 = b->ptr;
		float *o = y->ptr;

		switch (p->kind) {
		case BIN_ADD: BCAST_LOOP(bc, o[po] = x0[pa] + x1[pb]); break;
		case BIN_SUB: BCAST_LOOP(bc, o[po] = x0[pa] - x1[pb]); break;
		case BIN_MUL: BCAST_LOOP(bc, o[po] = x0[pa] * x1[pb]); break;
		case BIN_DIV: BCAST_LOOP(bc, o[po] = x0[pa] / x1[pb]); break;
		}
		if (n->act) {
			int64_t total = mg_numel(y);

			for (int64_t i = 0; i < total; i++) {
				float v = o[i], c = v < n->act_lo ? n->act_lo : v > n->act_hi ? n->act_hi : v;

				ex->st->clamped += c != v;
				o[i] = c;
			}
		}
		return 0;
	}
	/* Integer shape arithmetic: wrapping, and division by zero refused. */
	bool i64 = a->dtype == FPQ_DTYPE_INT64;
	int64_t bad = 0;

#define INT_CASE(T)                                                                       \
	do {                                                                              \
		const T *x0 = a->ptr, *x1 = b->ptr;                                       \
		T *o = y->ptr;                                                            \
		switch (p->kind) {                                                        \
		case BIN_ADD: BCAST_LOOP(bc, o[po] = (T)((uint64_t)x0[pa] + (uint64_t)x1[pb])); break; \
		case BIN_SUB: BCAST_LOOP(bc, o[po] = (T)((uint64_t)x0[pa] - (uint64_t)x1[pb])); break; \
		case BIN_MUL: BCAST_LOOP(bc, o[po] = (T)((uint64_t)x0[pa] * (uint64_t)x1[pb])); break; \
		case BIN_DIV:                                                             \
			BCAST_LOOP(bc, {                                                  \
				if (x1[pb] == 0 || (x1[pb] == -1 && x0[pa] == (T)((uint64_t)1 << (sizeof(T) * 8 - 1)))) { \
					bad++;                                            \
					o[po] = 0;                                        \
				} else {                                                  \
					o[po] = x0[pa] / x1[pb];                          \
				}                                                         \
			});                                                               \
			break;                                                            \
		}                                                                         \
	} while (0)
	if (i64)
		INT_CASE(int64_t);
	else
		INT_CASE(int32_t);
#undef INT_CASE
	if (bad)
		return mg_node_error(n, -EINVAL, "integer division by zero or overflow");
	return 0;
}

const struct mg_op mg_op_add = {
	.name = "Add", .domain = "", .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
	.data_inputs = 0x3u, .flags = MG_OP_ELEMENTWISE,
	.parse = bin_parse, .infer = bin_infer, .run = bin_run, .destroy = bin_destroy,
};
const struct mg_op mg_op_sub = {
	.name = "Sub", .domain = "", .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
	.data_inputs = 0x3u, .flags = MG_OP_ELEMENTWISE,
	.parse = bin_parse, .infer = bin_infer, .run = bin_run, .destroy = bin_destroy,
};
const struct mg_op mg_op_mul = {
	.name = "Mul", .domain = "", .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
	.data_inputs = 0x3u, .flags = MG_OP_ELEMENTWISE,
	.parse = bin_parse, .infer = bin_infer, .run = bin_run, .destroy = bin_destroy,
};
const struct mg_op mg_op_div = {
	.name = "Div", .domain = "", .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
	.data_inputs = 0x3u, .flags = MG_OP_ELEMENTWISE,
	.parse = bin_parse, .infer = bin_infer, .run = bin_run, .destroy = bin_destroy,
};

/* ---- QLinearAdd / QLinearMul: A, A_scale, A_zp, B, B_scale, B_zp, C_scale, C_zp ---- */

static int qbin_infer(struct mg_graph *g, struct mg_node *n)
{
	struct mg_value *a = mg_in(g, n, 0), *b = mg_in(g, n, 3);
	int64_t dims[MG_MAX_DIMS];
	int rank, err;

	if (!mg_is_q8(a->dtype) || a->dtype != b->dtype)
		return mg_node_error(n, -ENOTSUP, "inputs %s and %s (8-bit, the same type)",
				     fpq_dtype_name(a->dtype), fpq_dtype_name(b->dtype));
	err = mg_bcast_shape(n, a, b, &rank, dims);
	if (err || rank < 0)
		return err;
	return mg_set_output(g, n, 0, a->dtype, rank, dims);
}

static int qbin_pack(struct mg_graph *g, struct mg_node *n)
{
	struct bin_priv *p = n->priv;
	enum fpq_dtype t = mg_in(g, n, 0)->dtype;
	int err;

	err = mg_qparams_scalar(g, n, 1, 2, t, &p->sa, &p->za, &p->ua);
	if (!err)
		err = mg_qparams_scalar(g, n, 4, 5, t, &p->sb, &p->zb, &p->ub);
	if (!err)
		err = mg_qparams_scalar(g, n, 6, 7, t, &p->sc, &p->zc, &p->uc);
	if (err)
		return err;
	if (p->ua != p->ub || p->ua != p->uc)
		return mg_node_error(n, -EINVAL, "the zero points differ in type");
	return 0;
}

/* Does ORT process B (or A, swapped) as one value per innermost span? The run of
 * trailing dimensions where neither input broadcasts is what ORT's broadcaster hands
 * its kernel as spans; when it is empty, the input that broadcasts over the innermost
 * dimension is the scalar of each span. */
static int scalar_side(const struct mg_bcast *bc)
{
	int r = bc->rank;

	if (r == 0)
		return 0;
	if (bc->sa[r - 1] && !bc->sb[r - 1] && bc->out[r - 1] > 1)
		return 2; /* B is one value per span */
	if (!bc->sa[r - 1] && bc->sb[r - 1] && bc->out[r - 1] > 1)
		return 1; /* A is one value per span: ORT swaps the inputs */
	return 0;
}

static int qbin_run(struct mg_exec *ex, struct mg_node *n)
{
	struct bin_priv *p = n->priv;
	struct mg_value *av = mg_in(ex->g, n, 0), *bv = mg_in(ex->g, n, 3), *yv = mg_out(ex->g, n, 0);
	const int8_t *a = av->ptr, *b = bv->ptr;
	int8_t *y = yv->ptr;
	const int32_t off = p->ua ? 128 : 0;
	const int32_t lo = p->uc ? 0 : -128, hi = p->uc ? 255 : 127;
	const int32_t qlo = n->qmin + off, qhi = n->qmax + off; /* fused range, code domain */
	struct mg_bcast bc;
	uint64_t clamped = 0, saturated = 0;
	int err = mg_bcast_init(n, av, bv, yv, &bc);

	if (err)
		return err;
	int side = mg_numel(av) == 1 && mg_numel(bv) > 1 ? 1 :
		   mg_numel(bv) == 1 && mg_numel(av) > 1 ? 2 : scalar_side(&bc);

	if (p->kind == BIN_ADD) {
		const float ra = p->sa / p->sc, rb = p->sb / p->sc;
		const float za = (float)(p->za + off), zb = (float)(p->zb + off);
		const float fixed = (float)(p->zc + off) - (ra * za + rb * zb);

		BCAST_LOOP(bc, {
			float fa = (float)(a[pa] + off), fb = (float)(b[pb] + off), t;
			int32_t v;

			if (side == 2)
				t = fmaf(fa, ra, fixed + fb * rb);
			else if (side == 1)
				t = fmaf(fb, rb, fixed + fa * ra);
			else
				t = fmaf(fa, ra, fmaf(fb, rb, fixed));
			v = mg_cvt_i32(t);
			saturated += v < lo || v > hi;
			v = v < lo ? lo : v > hi ? hi : v;
			if (v < qlo || v > qhi) {
				clamped++;
				v = v < qlo ? qlo : qhi;
			}
			y[po] = (int8_t)(v - off);
		});
	} else {
		const float r = p->sa * p->sb / p->sc;

		BCAST_LOOP(bc, {
			float prod = (float)(a[pa] - p->za) * (float)(b[pb] - p->zb);
			/* cvtps2dq, then a wrapping add of the zero point, then packs. */
			int32_t v = (int32_t)((uint32_t)mg_cvt_i32(prod * r) + (uint32_t)(p->zc + off));

			saturated += v < lo || v > hi;
			v = v < lo ? lo : v > hi ? hi : v;
			if (v < qlo || v > qhi) {
				clamped++;
				v = v < qlo ? qlo : qhi;
			}
			y[po] = (int8_t)(v - off);
		});
	}
	ex->st->clamped += clamped + saturated;
	ex->st->saturated += saturated;
	return 0;
}

const struct mg_op mg_op_qlinear_add = {
	.name = "QLinearAdd", .domain = "com.microsoft",
	.min_in = 7, .max_in = 8, .min_out = 1, .max_out = 1,
	.data_inputs = 0x9u, .flags = MG_OP_ELEMENTWISE,
	.parse = bin_parse, .infer = qbin_infer, .pack = qbin_pack, .run = qbin_run,
	.destroy = bin_destroy,
};

const struct mg_op mg_op_qlinear_mul = {
	.name = "QLinearMul", .domain = "com.microsoft",
	.min_in = 7, .max_in = 8, .min_out = 1, .max_out = 1,
	.data_inputs = 0x9u, .flags = MG_OP_ELEMENTWISE,
	.parse = bin_parse, .infer = qbin_infer, .pack = qbin_pack, .run = qbin_run,
	.destroy = bin_destroy,
};
