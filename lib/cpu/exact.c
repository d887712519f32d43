// SPDX-License-Identifier: MIT
/*
 * exact.c - the exact scalar path of the fast kernels. A kernel sends a block here when
 * a row or channel of it holds a special value (NaN/Inf element, NaN scale) or, on ISAs
 * without a scale instruction, when 2^(xa + xb + lsb) is outside binary32's range. The
 * block's P is then computed one output at a time: from the kernel's exact block sums
 * when they are valid, from the element codes when specials are involved.
 */
#include <math.h>
#include <string.h>

#include "cpu.h"

float cpu_round_sum2(double x, double y)
{
	/* TwoSum: h + l == x + y exactly (no overflow: |x|, |y| < 2^400 here). */
	double h = x + y;
	double bv = h - x;
	double l = (x - (h - bv)) + (y - bv);

	if (l != 0.0) {
		/*
		 * Round to odd: if h is even, step one binary64 ulp towards the exact sum.
		 * The sum lies strictly between h and that neighbour, and with 29 spare bits
		 * no binary32 value or rounding boundary can lie between them, so the one
		 * rounding to binary32 below gives RNE of the exact sum.
		 */
		uint64_t bits;

		memcpy(&bits, &h, sizeof(bits));
		if (!(bits & 1)) {
			if ((l > 0) == (h > 0))
				bits++;
			else
				bits--;
			memcpy(&h, &bits, sizeof(h));
		}
	}
	return (float)h;
}

/* P of block blk of output (i, j) straight from the element codes (specials rules). */
static float block_from_codes(const struct fpq_matrix *a, const struct fpq_matrix *b,
			      uint32_t i, uint32_t j, uint32_t blk)
{
	const uint32_t k = a->cols, k0 = blk * CPU_KALIGN;
	const uint32_t k1 = k - k0 < CPU_KALIGN ? k : k0 + CPU_KALIGN;
	const uint8_t sa = a->scales ? fpq_matrix_scale(a, i, blk) : 127;
	const uint8_t sb = b->scales ? fpq_matrix_scale(b, j, blk) : 127;
	int nan = sa == 0xFF || sb == 0xFF, pos_inf = 0, neg_inf = 0;
	__int128 sum = 0;

	for (uint32_t kk = k0; kk < k1 && !nan; kk++) {
		struct fpq_elem x = fpq_elem_decode(a->format, fpq_matrix_get(a, i, kk));
		struct fpq_elem y = fpq_elem_decode(b->format, fpq_matrix_get(b, j, kk));

		if (x.cls == FPQ_ELEM_NAN || y.cls == FPQ_ELEM_NAN) {
			nan = 1;
		} else if (x.cls == FPQ_ELEM_INF || y.cls == FPQ_ELEM_INF) {
			int zero = (x.cls == FPQ_ELEM_FINITE && x.sig == 0) ||
				   (y.cls == FPQ_ELEM_FINITE && y.sig == 0);
			int nx = x.cls == FPQ_ELEM_INF ? x.negative : x.sig < 0;
			int ny = y.cls == FPQ_ELEM_INF ? y.negative : y.sig < 0;

			if (zero)
				nan = 1;
			else if (nx != ny)
				neg_inf = 1;
			else
				pos_inf = 1;
		} else {
			sum += (__int128)x.sig * y.sig;
		}
	}
	if (nan || (pos_inf && neg_inf))
		return fpq_canonical(NAN);
	if (pos_inf || neg_inf)
		return pos_inf ? INFINITY : -INFINITY;
	return fpq_round_fp32(sum, (int)sa - 127 + (int)sb - 127 +
				   fpq_elem_lsb_exp(a->format) + fpq_elem_lsb_exp(b->format));
}

void cpu_fix_block(const struct cpu_fix *fx, uint32_t blk, const void *s, float *p)
{
	const struct cpu_apack *ap = fx->ap;
	const struct cpu_bpack *bp = fx->bp;
	const size_t tile = (size_t)fx->mr * fx->ncols;

	for (unsigned int r = 0; r < fx->mr; r++) {
		const uint32_t i = fx->i0 + r;
		const size_t arow = (size_t)i * ap->nblk + blk;

		for (unsigned int c = 0; c < fx->ncols; c++) {
			const uint32_t j = fx->j0 + c;
			const size_t e = (size_t)r * fx->ncols + c;

			if (j >= bp->n) {
				p[e] = 0.0f;             /* padding channel, never stored */
				continue;
			}
			if (ap->special[arow] || bp->special[(size_t)j * bp->nblk + blk]) {
				p[e] = block_from_codes(&fx->op->a, fx->b, i, j, blk);
				continue;
			}
			if (ap->cls == CPU_CLASS_I16W) {
				/* The kernel's exact S * 2^(ea + eb). */
				p[e] = (float)((const double *)s)[e];
			} else if (ap->cls == CPU_CLASS_F64) {
				const double *d = s;

				p[e] = ap->pieces == 1 ? (float)d[e] : cpu_round_sum2(d[e], d[tile + e]);
			} else {
				size_t m = ((size_t)(j / CPU_PANEL) * bp->nblk + blk) * CPU_PANEL +
					   j % CPU_PANEL;
				int x = (int)ap->aexp[arow] + (int)bp->bexp[m];

				/* Exact in binary64 (|S| < 2^24, 2^x in range); one rounding. */
				p[e] = (float)ldexp((double)((const int32_t *)s)[e], x);
			}
		}
	}
}
