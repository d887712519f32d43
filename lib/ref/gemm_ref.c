// SPDX-License-Identifier: MIT
/*
 * gemm_ref.c - the reference GEMM: numerics.rst written out as directly as possible.
 * It is the oracle the fast CPU kernels, the RTL and the card are compared with, so it
 * favours clarity over speed.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "internal.h"

/*
 * One block of the float/MX path: the exact sum S of up to 32 products, then
 * P = RNE_fp32(S * 2^X) with X from the two E8M0 scales. Special values follow the
 * contract: a NaN scale or element, Inf times zero, or Infs of both signs give NaN;
 * otherwise an Inf product makes P infinite.
 */
static float block_product_sum(const struct fpq_gemm_op *op, uint32_t i, uint32_t j,
			       uint32_t blk, uint32_t k0, uint32_t k1)
{
	const enum fpq_format fa = op->a.format, fb = op->b.format;
	__int128 sum = 0;
	bool nan = false, pos_inf = false, neg_inf = false;

	for (uint32_t k = k0; k < k1; k++) {
		struct fpq_elem ea = fpq_elem_decode(fa, fpq_matrix_get(&op->a, i, k));
		struct fpq_elem eb = fpq_elem_decode(fb, fpq_matrix_get(&op->b, j, k));

		if (ea.cls == FPQ_ELEM_NAN || eb.cls == FPQ_ELEM_NAN) {
			nan = true;
		} else if (ea.cls == FPQ_ELEM_INF || eb.cls == FPQ_ELEM_INF) {
			bool na = ea.cls == FPQ_ELEM_INF ? ea.negative : ea.sig < 0;
			bool nb = eb.cls == FPQ_ELEM_INF ? eb.negative : eb.sig < 0;

			if ((ea.cls == FPQ_ELEM_FINITE && ea.sig == 0) ||
			    (eb.cls == FPQ_ELEM_FINITE && eb.sig == 0))
				nan = true;             /* Inf * 0 */
			else if (na != nb)
				neg_inf = true;
			else
				pos_inf = true;
		} else {
			sum += (__int128)ea.sig * eb.sig;
		}
	}

	uint8_t sa = fpq_matrix_scale(&op->a, i, blk);
	uint8_t sb = fpq_matrix_scale(&op->b, j, blk);

	if (nan || sa == 0xFF || sb == 0xFF || (pos_inf && neg_inf))
		return fpq_canonical(NAN);
	if (pos_inf)
		return INFINITY;
	if (neg_inf)
		return -INFINITY;
	int x = ((int)sa - 127) + ((int)sb - 127);

	return fpq_round_fp32(sum, x + fpq_elem_lsb_exp(fa) + fpq_elem_lsb_exp(fb));
}

static int gemm_float(const struct fpq_gemm_op *op, struct fpq_gemm_status *st)
{
	const uint32_t m = op->a.rows, n = op->b.rows, k = op->a.cols;
	float *acc = malloc(sizeof(*acc) * n);

	if (!acc)
		return fpq_error(-ENOMEM, "gemm: out of memory for %u accumulators", n);
	for (uint32_t i = 0; i < m; i++) {
		for (uint32_t j = 0; j < n; j++) {
			float a = 0.0f;

			/* Blocks of 32 in increasing K; a partial last block without scales. */
			for (uint32_t k0 = 0, blk = 0; k0 < k; k0 += FPQ_MX_BLOCK, blk++) {
				uint32_t k1 = k - k0 < FPQ_MX_BLOCK ? k : k0 + FPQ_MX_BLOCK;

				a = fpq_canonical(a + block_product_sum(op, i, j, blk, k0, k1));
			}
			acc[j] = a;
		}
		fpq_epilogue_float_row(op, i, acc, st);
	}
	free(acc);
	return 0;
}

static int gemm_int8(const struct fpq_gemm_op *op, struct fpq_gemm_status *st)
{
	const uint32_t m = op->a.rows, n = op->b.rows, k = op->a.cols;
	const int32_t zp = op->a.zero_point;
	int32_t *acc = malloc(sizeof(*acc) * n);

	if (!acc)
		return fpq_error(-ENOMEM, "gemm: out of memory for %u accumulators", n);
	for (uint32_t i = 0; i < m; i++) {
		for (uint32_t j = 0; j < n; j++) {
			/* Unsigned arithmetic: an extreme bias wraps instead of overflowing. */
			uint32_t sum = op->bias ? (uint32_t)op->bias[j] : 0u;

			for (uint32_t kk = 0; kk < k; kk++) {
				int32_t a = (int8_t)fpq_matrix_get(&op->a, i, kk);
				int32_t b = (int8_t)fpq_matrix_get(&op->b, j, kk);

				sum += (uint32_t)((a - zp) * b);
			}
			acc[j] = (int32_t)sum;
		}
		fpq_epilogue_int8_row(op, i, acc, st);
	}
	free(acc);
	return 0;
}

static FPQ_FP_WORK int reference(const struct fpq_gemm_op *op,
				 struct fpq_gemm_status *status)
{
	struct fpq_gemm_status st = { 0 };
	struct fpq_gemm_op with_copy;
	int err = fpq_gemm_validate(op);

	if (err)
		return err;
	if (op->b_packed) {
		/* Pre-packed weights keep a copy of B's elements: read those. */
		with_copy = *op;
		with_copy.b = *fpq_weights_matrix(op->b_packed);
		with_copy.b_packed = NULL;
		op = &with_copy;
	}
	st.backend = FPQ_BACKEND_REFERENCE;
	err = fpq_gemm_path_of(op) == FPQ_PATH_INT8 ? gemm_int8(op, &st) : gemm_float(op, &st);
	if (!err && status)
		*status = st;
	return err;
}

int fpq_gemm_reference(const struct fpq_gemm_op *op, struct fpq_gemm_status *status)
{
	struct fpq_fp_env env = fpq_fp_enter();
	int r = reference(op, status);

	fpq_fp_leave(env);
	return r;
}
