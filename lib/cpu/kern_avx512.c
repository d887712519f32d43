// SPDX-License-Identifier: MIT
/*
 * kern_avx512.c - the AVX-512 kernel set (F/BW/VL/DQ + VNNI + VBMI). Only this file is
 * compiled with those instructions (lib/lib.mk); it runs only when isa.c found them.
 *
 * Register tiles (zmm = 16 int32/float or 8 double lanes; a panel is 16 channels):
 *   INT8 path  6 rows x 4 panels: 24 int32 accumulators, vpdpbusd (u8 A x s8 B).
 *   I8 MX      6 x 2: 12 int32 block sums + 12 float accumulators.
 *   I16 MX     6 x 2, vpdpwssd.
 *   F64        4 x 2: 16 double block sums (4 zmm per row) + 8 float accumulators.
 * After each MX block of 32: P = scalef(cvt(S), ea + eb) - vscalefps multiplies by
 * 2^(ea+eb) with a single rounding for any exponent, subnormal and overflowing results
 * included - then acc += P in binary32, in K order.
 */
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "cpu.h"

#define INLINE static inline __attribute__((always_inline))
#ifndef F64_MR
#define F64_MR 6
#endif
/* Tile loops have compile-time bounds: unroll them so the tile lives in registers. */
#define UNROLL _Pragma("GCC unroll 16")

INLINE int32_t load_i32(const void *p)
{
	int32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* ---- INT8 path ---- */

INLINE void i8_int_tile(const struct cpu_tile *t, const unsigned int MR, const unsigned int NP)
{
	__m512i acc[6][4];
	const uint8_t *a = t->a, *b = t->b;
	const size_t as = t->a_stride, bs = t->b_panel, bst = t->b_step;
	int32_t *c = t->c;

	UNROLL
	for (unsigned int r = 0; r < MR; r++)
		UNROLL
		for (unsigned int p = 0; p < NP; p++)
			acc[r][p] = t->first ? _mm512_add_epi32(_mm512_loadu_si512(t->init + 16 * p),
								_mm512_set1_epi32(t->rowcorr[r]))
					     : _mm512_loadu_si512(c + r * t->c_stride + 16 * p);
	for (uint32_t s = 0; s < t->kpad / 4; s++) {
		__m512i bv[4];

		UNROLL
		for (unsigned int p = 0; p < NP; p++)
			bv[p] = _mm512_load_si512(b + p * bs + (size_t)s * bst);
		UNROLL
		for (unsigned int r = 0; r < MR; r++) {
			__m512i av = _mm512_set1_epi32(load_i32(a + r * as + 4 * (size_t)s));

			/* B (u8, b + 128) times A (s8). */
			UNROLL
			for (unsigned int p = 0; p < NP; p++)
				acc[r][p] = _mm512_dpbusd_epi32(acc[r][p], bv[p], av);
		}
	}
	UNROLL
	for (unsigned int r = 0; r < MR; r++)
		UNROLL
		for (unsigned int p = 0; p < NP; p++)
			_mm512_storeu_si512(t->out ? (int32_t *)t->out + r * t->out_stride + 16 * p
					    : c + r * t->c_stride + 16 * p, acc[r][p]);
}

/*
 * One row (latency-bound inference): two accumulator sets over alternate k steps hide
 * the dot product's latency; the int32 sums are combined mod 2^32, exactly as one
 * chain would have added them.
 */
INLINE void i8_int_row(const struct cpu_tile *t, const unsigned int NP)
{
	__m512i acc[2][4];
	const uint8_t *a = t->a, *b = t->b;
	const size_t bs = t->b_panel, bst = t->b_step;
	const uint32_t steps = t->kpad / 4;
	int32_t *c = t->c;

	UNROLL
	for (unsigned int p = 0; p < NP; p++) {
		acc[0][p] = t->first ? _mm512_add_epi32(_mm512_loadu_si512(t->init + 16 * p),
							_mm512_set1_epi32(t->rowcorr[0]))
				     : _mm512_loadu_si512(c + 16 * p);
		acc[1][p] = _mm512_setzero_si512();
	}
	for (uint32_t s = 0; s < steps; s += 2) {
		UNROLL
		for (unsigned int h = 0; h < 2; h++) {
			__m512i av = _mm512_set1_epi32(load_i32(a + 4 * (size_t)(s + h)));

			UNROLL
			for (unsigned int p = 0; p < NP; p++)
				acc[h][p] = _mm512_dpbusd_epi32(acc[h][p],
					_mm512_load_si512(b + p * bs + (size_t)(s + h) * bst), av);
		}
	}
	UNROLL
	for (unsigned int p = 0; p < NP; p++)
		_mm512_storeu_si512(t->out ? (int32_t *)t->out + 16 * p : c + 16 * p,
				    _mm512_add_epi32(acc[0][p], acc[1][p]));
}

#define DISPATCH_MR_NP(fn, t)                                                     \
	do {                                                                      \
		switch ((t)->mr * 8 + (t)->np) {                                  \
		case 1 * 8 + 1: fn(t, 1, 1); break;                               \
		case 1 * 8 + 2: fn(t, 1, 2); break;                               \
		case 1 * 8 + 3: fn(t, 1, 3); break;                               \
		case 1 * 8 + 4: fn(t, 1, 4); break;                               \
		case 2 * 8 + 1: fn(t, 2, 1); break;                               \
		case 2 * 8 + 2: fn(t, 2, 2); break;                               \
		case 2 * 8 + 3: fn(t, 2, 3); break;                               \
		case 2 * 8 + 4: fn(t, 2, 4); break;                               \
		case 3 * 8 + 1: fn(t, 3, 1); break;                               \
		case 3 * 8 + 2: fn(t, 3, 2); break;                               \
		case 3 * 8 + 3: fn(t, 3, 3); break;                               \
		case 3 * 8 + 4: fn(t, 3, 4); break;                               \
		case 4 * 8 + 1: fn(t, 4, 1); break;                               \
		case 4 * 8 + 2: fn(t, 4, 2); break;                               \
		case 4 * 8 + 3: fn(t, 4, 3); break;                               \
		case 4 * 8 + 4: fn(t, 4, 4); break;                               \
		case 5 * 8 + 1: fn(t, 5, 1); break;                               \
		case 5 * 8 + 2: fn(t, 5, 2); break;                               \
		case 5 * 8 + 3: fn(t, 5, 3); break;                               \
		case 5 * 8 + 4: fn(t, 5, 4); break;                               \
		case 6 * 8 + 1: fn(t, 6, 1); break;                               \
		case 6 * 8 + 2: fn(t, 6, 2); break;                               \
		case 6 * 8 + 3: fn(t, 6, 3); break;                               \
		default: fn(t, 6, 4); break;                                      \
		}                                                                 \
	} while (0)

static void i8_int(const struct cpu_tile *t)
{
	if (t->mr == 1 && t->kpad % 8 == 0) {
		switch (t->np) {
		case 1: i8_int_row(t, 1); return;
		case 2: i8_int_row(t, 2); return;
		case 3: i8_int_row(t, 3); return;
		default: i8_int_row(t, 4); return;
		}
	}
	DISPATCH_MR_NP(i8_int_tile, t);
}

/* ---- the float epilogue of a finished binary32 tile (as epi_float below) ---- */

INLINE __m512 canonical_nan(__m512 y)
{
	__mmask16 nan = _mm512_cmp_ps_mask(y, y, _CMP_UNORD_Q);

	return _mm512_mask_mov_ps(y, nan, _mm512_castsi512_ps(_mm512_set1_epi32(0x7FC00000)));
}

/* y = act(fmaf(x, alpha, beta)), NaN canonical; clamps counted. */
INLINE __m512 finish(const struct fpq_gemm_op *op, __m512 x, __m512 al, __m512 be,
		     uint64_t *clamped)
{
	__m512 y = canonical_nan(_mm512_fmadd_ps(x, al, be));

	if (op->act == FPQ_ACT_RELU) {
		__mmask16 neg = _mm512_cmp_ps_mask(y, _mm512_setzero_ps(), _CMP_LT_OQ);

		y = _mm512_mask_mov_ps(y, neg, _mm512_setzero_ps());
		*clamped += (uint64_t)__builtin_popcount(neg);
	} else if (op->act == FPQ_ACT_CLAMP) {
		__m512 lo = _mm512_set1_ps(op->clamp_lo), hi = _mm512_set1_ps(op->clamp_hi);
		__mmask16 below = _mm512_cmp_ps_mask(y, lo, _CMP_LT_OQ);
		__mmask16 above = _mm512_mask_cmp_ps_mask(~below, y, hi, _CMP_GT_OQ);

		y = _mm512_mask_mov_ps(y, below, lo);
		y = _mm512_mask_mov_ps(y, above, hi);
		*clamped += (uint64_t)__builtin_popcount(below | above);
	}
	return y;
}

INLINE __m512 alpha16(const struct fpq_gemm_op *op, uint32_t col)
{
	return !op->alpha ? _mm512_set1_ps(1.0f)
	     : op->flags & FPQ_GEMM_ALPHA_BROADCAST ? _mm512_set1_ps(op->alpha[0])
	     : _mm512_loadu_ps(op->alpha + col);
}

INLINE __m512 beta16(const struct fpq_gemm_op *op, uint32_t col)
{
	return !op->beta ? _mm512_setzero_ps()
	     : op->flags & FPQ_GEMM_BETA_BROADCAST ? _mm512_set1_ps(op->beta[0])
	     : _mm512_loadu_ps(op->beta + col);
}

/* Store a float tile: to c, or finished into C when t->out is set. */
INLINE void store_tile(const struct cpu_tile *t, __m512 acc[][2], const unsigned int MR,
		       const unsigned int NP)
{
	if (!t->out) {
		UNROLL for (unsigned int r = 0; r < MR; r++)
			UNROLL for (unsigned int p = 0; p < NP; p++)
				_mm512_storeu_ps((float *)t->c + r * t->c_stride + 16 * p, acc[r][p]);
		return;
	}
	UNROLL for (unsigned int p = 0; p < NP; p++) {
		const __m512 al = alpha16(t->op, t->j0 + 16 * p), be = beta16(t->op, t->j0 + 16 * p);

		UNROLL for (unsigned int r = 0; r < MR; r++)
			_mm512_storeu_ps((float *)t->out + r * t->out_stride + 16 * p,
					 finish(t->op, acc[r][p], al, be, t->clamped));
	}
}

/* ---- MX blocks: P = scalef(S, ea + eb), acc += P ---- */

/* The exact path for a flagged block: spill S, let fix() compute P, add it. */
INLINE void slow_block_i32(const struct cpu_tile *t, uint32_t blk, __m512i s[6][2],
			   __m512 acc[6][2], const unsigned int MR, const unsigned int NP)
{
	int32_t sbuf[6 * 32] __attribute__((aligned(64)));
	float pbuf[6 * 32] __attribute__((aligned(64)));
	const unsigned int nc = NP * 16;

	UNROLL
	for (unsigned int r = 0; r < MR; r++)
		UNROLL
		for (unsigned int p = 0; p < NP; p++)
			_mm512_store_si512(sbuf + r * nc + 16 * p, s[r][p]);
	t->fix(t->fx, t->blk0 + blk, sbuf, pbuf);
	UNROLL
	for (unsigned int r = 0; r < MR; r++)
		UNROLL
		for (unsigned int p = 0; p < NP; p++)
			acc[r][p] = _mm512_add_ps(acc[r][p], _mm512_load_ps(pbuf + r * nc + 16 * p));
}

INLINE void int_mx_tile(const struct cpu_tile *t, const unsigned int MR, const unsigned int NP,
			const int I8)
{
	__m512i s[6][2];
	__m512 acc[6][2];
	const uint8_t *a = t->a, *b = t->b;
	const size_t as = t->a_stride, bs = t->b_panel, bst = t->b_step;
	float *c = t->c;

	UNROLL
	for (unsigned int r = 0; r < MR; r++)
		UNROLL
		for (unsigned int p = 0; p < NP; p++)
			acc[r][p] = t->first ? _mm512_setzero_ps()
					     : _mm512_loadu_ps(c + r * t->c_stride + 16 * p);
	for (uint32_t blk = 0; blk < t->nblk; blk++) {
		const size_t meta = (size_t)blk * 16;

		UNROLL
		for (unsigned int p = 0; p < NP; p++) {
			__m512i init = I8 ? _mm512_loadu_si512(t->bcorr + p * t->bmeta_panel + meta)
					  : _mm512_setzero_si512();

			UNROLL
			for (unsigned int r = 0; r < MR; r++)
				s[r][p] = init;
		}
		if (I8) {
			UNROLL
			for (uint32_t q = 0; q < 8; q++) {
				const size_t ks = (size_t)blk * 8 + q;
				__m512i bv[2];

				UNROLL
				for (unsigned int p = 0; p < NP; p++)
					bv[p] = _mm512_load_si512(b + p * bs + ks * bst);
				UNROLL
				for (unsigned int r = 0; r < MR; r++) {
					__m512i av = _mm512_set1_epi32(load_i32(a + r * as + ks * 4));

					UNROLL
					for (unsigned int p = 0; p < NP; p++)
						s[r][p] = _mm512_dpbusd_epi32(s[r][p], av, bv[p]);
				}
			}
		} else {
			UNROLL
			for (uint32_t q = 0; q < 16; q++) {
				const size_t ks = (size_t)blk * 16 + q;
				__m512i bv[2];

				UNROLL
				for (unsigned int p = 0; p < NP; p++)
					bv[p] = _mm512_load_si512(b + p * bs + ks * bst);
				UNROLL
				for (unsigned int r = 0; r < MR; r++) {
					__m512i av = _mm512_set1_epi32(load_i32(a + r * as + ks * 4));

					UNROLL
					for (unsigned int p = 0; p < NP; p++)
						s[r][p] = _mm512_dpwssd_epi32(s[r][p], av, bv[p]);
				}
			}
		}
		if (__builtin_expect(t->slow[blk], 0)) {
			slow_block_i32(t, blk, s, acc, MR, NP);
			continue;
		}
		__m512 eb[2];

		UNROLL
		for (unsigned int p = 0; p < NP; p++)
			eb[p] = _mm512_loadu_ps(t->bexp + p * t->bmeta_panel + meta);
		UNROLL
		for (unsigned int r = 0; r < MR; r++) {
			__m512 ea = _mm512_set1_ps(t->aexp[r * t->aexp_stride + blk]);

			UNROLL
			for (unsigned int p = 0; p < NP; p++) {
				/* |S| < 2^24: the conversion is exact; scalef rounds once. */
				__m512 pv = _mm512_scalef_ps(_mm512_cvtepi32_ps(s[r][p]),
							     _mm512_add_ps(ea, eb[p]));

				acc[r][p] = _mm512_add_ps(acc[r][p], pv);
			}
		}
	}
	(void)c;
	store_tile(t, acc, MR, NP);
}

#define DISPATCH_MR_NP2(fn, t, x)                                                 \
	do {                                                                      \
		switch ((t)->mr * 8 + (t)->np) {                                  \
		case 1 * 8 + 1: fn(t, 1, 1, x); break;                            \
		case 2 * 8 + 1: fn(t, 2, 1, x); break;                            \
		case 3 * 8 + 1: fn(t, 3, 1, x); break;                            \
		case 4 * 8 + 1: fn(t, 4, 1, x); break;                            \
		case 5 * 8 + 1: fn(t, 5, 1, x); break;                            \
		case 6 * 8 + 1: fn(t, 6, 1, x); break;                            \
		case 1 * 8 + 2: fn(t, 1, 2, x); break;                            \
		case 2 * 8 + 2: fn(t, 2, 2, x); break;                            \
		case 3 * 8 + 2: fn(t, 3, 2, x); break;                            \
		case 4 * 8 + 2: fn(t, 4, 2, x); break;                            \
		case 5 * 8 + 2: fn(t, 5, 2, x); break;                            \
		default: fn(t, 6, 2, x); break;                                   \
		}                                                                 \
	} while (0)

static void i8_mx(const struct cpu_tile *t)
{
	DISPATCH_MR_NP2(int_mx_tile, t, 1);
}

static void i16_mx(const struct cpu_tile *t)
{
	DISPATCH_MR_NP2(int_mx_tile, t, 0);
}

/* ---- F64: exact binary64 block sums ---- */

/* RNE_fp32(x + y) of exact binary64 pairs: TwoSum, round to odd, convert (exact.c). */
INLINE __m256 round_sum2(__m512d x, __m512d y)
{
	__m512d h = _mm512_add_pd(x, y);
	__m512d bv = _mm512_sub_pd(h, x);
	__m512d l = _mm512_add_pd(_mm512_sub_pd(x, _mm512_sub_pd(h, bv)), _mm512_sub_pd(y, bv));
	__m512i hb = _mm512_castpd_si512(h), lb = _mm512_castpd_si512(l);
	__mmask8 inexact = _mm512_cmp_pd_mask(l, _mm512_setzero_pd(), _CMP_NEQ_UQ);
	__mmask8 even = _mm512_testn_epi64_mask(hb, _mm512_set1_epi64(1));
	/* +1 when l has h's sign (away from zero), else -1. */
	__m512i step = _mm512_sub_epi64(_mm512_set1_epi64(1),
		_mm512_slli_epi64(_mm512_srli_epi64(_mm512_xor_si512(hb, lb), 63), 1));

	hb = _mm512_mask_add_epi64(hb, inexact & even, hb, step);
	return _mm512_cvtpd_ps(_mm512_castsi512_pd(hb));
}

INLINE void f64_tile(const struct cpu_tile *t, const unsigned int MR, const unsigned int NP,
		     const unsigned int PIECES)
{
	/*
	 * NP panels = 2 NP zmm of doubles per row and piece. Up to four rows the binary32
	 * accumulators stay in registers; six rows need all of them for the block sums, so
	 * the accumulators (touched once per block) live in memory.
	 */
	const int ACC_IN_REGS = MR <= 4;
	__m512d s[2][6][4];
	__m512 acc[6][2];
	float accm[6][32] __attribute__((aligned(64)));
	const size_t as = t->a_stride, bs = t->b_panel, bst = t->b_step;
	const size_t piece = t->a_stride / 8 / PIECES;
	float *c = t->c;

	UNROLL
	for (unsigned int r = 0; r < MR; r++)
		UNROLL
		for (unsigned int p = 0; p < NP; p++) {
			__m512 v = t->first ? _mm512_setzero_ps()
					    : _mm512_loadu_ps(c + r * t->c_stride + 16 * p);

			if (ACC_IN_REGS)
				acc[r][p] = v;
			else
				_mm512_store_ps(&accm[r][16 * p], v);
		}
	for (uint32_t blk = 0; blk < t->nblk; blk++) {
		UNROLL
		for (unsigned int q = 0; q < PIECES; q++)
			UNROLL
			for (unsigned int r = 0; r < MR; r++)
				UNROLL
				for (unsigned int v = 0; v < 2 * NP; v++)
					s[q][r][v] = _mm512_setzero_pd();
		for (uint32_t k = blk * 32; k < blk * 32 + 32; k++) {
			__m512d bv[4];

			UNROLL
			for (unsigned int p = 0; p < NP; p++) {
				const double *bp = (const double *)(t->b + p * bs + (size_t)k * bst);

				bv[2 * p] = _mm512_load_pd(bp);
				bv[2 * p + 1] = _mm512_load_pd(bp + 8);
			}
			UNROLL
			for (unsigned int q = 0; q < PIECES; q++)
				UNROLL
				for (unsigned int r = 0; r < MR; r++) {
					__m512d av = _mm512_set1_pd(
						((const double *)(t->a + r * as))[q * piece + k]);

					/* Products and partial sums are exact: < 2^53 units. */
					UNROLL
					for (unsigned int v = 0; v < 2 * NP; v++)
						s[q][r][v] = _mm512_fmadd_pd(av, bv[v], s[q][r][v]);
				}
		}
		__m512 pv[6][2];

		if (__builtin_expect(t->slow[blk], 0)) {
			double sbuf[2 * 6 * 32] __attribute__((aligned(64)));
			float pbuf[6 * 32] __attribute__((aligned(64)));
			const unsigned int nc = NP * 16;

			UNROLL
			for (unsigned int q = 0; q < PIECES; q++)
				UNROLL
				for (unsigned int r = 0; r < MR; r++)
					UNROLL
					for (unsigned int v = 0; v < 2 * NP; v++)
						_mm512_store_pd(sbuf + (q * MR + r) * nc + 8 * v,
								s[q][r][v]);
			t->fix(t->fx, t->blk0 + blk, sbuf, pbuf);
			UNROLL
			for (unsigned int r = 0; r < MR; r++)
				UNROLL
				for (unsigned int p = 0; p < NP; p++)
					pv[r][p] = _mm512_load_ps(pbuf + r * nc + 16 * p);
		} else {
			UNROLL
			for (unsigned int r = 0; r < MR; r++)
				UNROLL
				for (unsigned int p = 0; p < NP; p++) {
					__m256 lo, hi;

					if (PIECES == 1) {
						/* S is prescaled by 2^X: the conversion is the one
						 * rounding. */
						lo = _mm512_cvtpd_ps(s[0][r][2 * p]);
						hi = _mm512_cvtpd_ps(s[0][r][2 * p + 1]);
					} else {
						lo = round_sum2(s[0][r][2 * p], s[1][r][2 * p]);
						hi = round_sum2(s[0][r][2 * p + 1], s[1][r][2 * p + 1]);
					}
					pv[r][p] = _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1);
				}
		}
		UNROLL
		for (unsigned int r = 0; r < MR; r++)
			UNROLL
			for (unsigned int p = 0; p < NP; p++) {
				if (ACC_IN_REGS)
					acc[r][p] = _mm512_add_ps(acc[r][p], pv[r][p]);
				else
					_mm512_store_ps(&accm[r][16 * p],
						_mm512_add_ps(_mm512_load_ps(&accm[r][16 * p]), pv[r][p]));
			}
	}
	if (!ACC_IN_REGS)
		UNROLL
		for (unsigned int r = 0; r < MR; r++)
			UNROLL
			for (unsigned int p = 0; p < NP; p++)
				acc[r][p] = _mm512_load_ps(&accm[r][16 * p]);
	(void)c;
	store_tile(t, acc, MR, NP);
}

static void f64_mx(const struct cpu_tile *t)
{
	if (t->pieces == 2) {
		switch (t->mr) {
		case 1: f64_tile(t, 1, 1, 2); return;
		case 2: f64_tile(t, 2, 1, 2); return;
		case 3: f64_tile(t, 3, 1, 2); return;
		case 4: f64_tile(t, 4, 1, 2); return;
		case 5: f64_tile(t, 5, 1, 2); return;
		default: f64_tile(t, 6, 1, 2); return;
		}
	}
	DISPATCH_MR_NP2(f64_tile, t, 1);
}

/* ---- epilogues ---- */

static uint8_t *c_row(const struct fpq_gemm_op *op, uint32_t row)
{
	return (uint8_t *)op->c.data + (size_t)row * fpq_matrix_stride(&op->c);
}

INLINE __mmask16 tail_mask(uint32_t left)
{
	return left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
}

static void epi_float(const struct fpq_gemm_op *op, uint32_t row0, unsigned int rows,
		      uint32_t j0, uint32_t n, const float *acc, size_t acc_stride,
		      struct fpq_gemm_status *st)
{
	const int bf16 = op->c.format == FPQ_FMT_BF16;
	const bool abc = op->flags & FPQ_GEMM_ALPHA_BROADCAST;
	const bool bbc = op->flags & FPQ_GEMM_BETA_BROADCAST;
	const __m512 lo = _mm512_set1_ps(op->clamp_lo), hi = _mm512_set1_ps(op->clamp_hi);
	uint64_t clamped = 0;

	if (op->c.format != FPQ_FMT_FP32 && !bf16) {
		cpu_epi_float_scalar(op, row0, rows, j0, n, acc, acc_stride, st);
		return;
	}
	for (uint32_t j = 0; j < n; j += 16) {
		const __mmask16 m = tail_mask(n - j);
		const uint32_t col = j0 + j;
		const __m512 al = !op->alpha ? _mm512_set1_ps(1.0f)
				: abc ? _mm512_set1_ps(op->alpha[0])
				: _mm512_maskz_loadu_ps(m, op->alpha + col);
		const __m512 be = !op->beta ? _mm512_setzero_ps()
				: bbc ? _mm512_set1_ps(op->beta[0])
				: _mm512_maskz_loadu_ps(m, op->beta + col);

		for (unsigned int r = 0; r < rows; r++) {
			uint8_t *out = c_row(op, row0 + r);
			__m512 x = _mm512_maskz_loadu_ps(m, acc + r * acc_stride + j);
			/* fmaf: one rounding, as epilogue.c. */
			__m512 y = canonical_nan(_mm512_fmadd_ps(x, al, be));

			if (op->act == FPQ_ACT_RELU) {
				__mmask16 neg = _mm512_mask_cmp_ps_mask(m, y, _mm512_setzero_ps(),
									_CMP_LT_OQ);

				y = _mm512_mask_mov_ps(y, neg, _mm512_setzero_ps());
				clamped += (uint64_t)__builtin_popcount(neg);
			} else if (op->act == FPQ_ACT_CLAMP) {
				__mmask16 below = _mm512_mask_cmp_ps_mask(m, y, lo, _CMP_LT_OQ);
				__mmask16 above = _mm512_mask_cmp_ps_mask(m & ~below, y, hi,
									  _CMP_GT_OQ);

				y = _mm512_mask_mov_ps(y, below, lo);
				y = _mm512_mask_mov_ps(y, above, hi);
				clamped += (uint64_t)__builtin_popcount(below | above);
			}
			if (!bf16) {
				_mm512_mask_storeu_ps(out + (size_t)col * 4, m, y);
			} else {
				/* RNE on the 16 dropped bits; NaN as 0x7FC0 (codec.c). */
				__m512i bits = _mm512_castps_si512(y);
				__m512i odd = _mm512_and_si512(_mm512_srli_epi32(bits, 16),
							       _mm512_set1_epi32(1));
				__m512i rb = _mm512_srli_epi32(_mm512_add_epi32(bits,
					_mm512_add_epi32(odd, _mm512_set1_epi32(0x7FFF))), 16);
				__mmask16 nan = _mm512_cmp_ps_mask(y, y, _CMP_UNORD_Q);

				rb = _mm512_mask_mov_epi32(rb, nan, _mm512_set1_epi32(0x7FC0));
				_mm256_mask_storeu_epi16(out + (size_t)col * 2, m,
							 _mm512_cvtepi32_epi16(rb));
			}
		}
	}
	st->clamped += clamped;
}

/* TFLite's MultiplyByQuantizedMultiplier on 16 lanes, exactly as ref/requant.c. */
INLINE __m512i requant16(__m512i x, __m512i mult, __m512i shift)
{
	const __m512i zero = _mm512_setzero_si512();
	__m512i left = _mm512_max_epi32(shift, zero);
	__m512i right = _mm512_max_epi32(_mm512_sub_epi32(zero, shift), zero);
	/* Saturating left shift: overflow iff shifting back does not restore x. */
	__m512i sh = _mm512_sllv_epi32(x, left);
	__mmask16 ovf = _mm512_cmpneq_epi32_mask(_mm512_srav_epi32(sh, left), x);
	__mmask16 xneg = _mm512_cmplt_epi32_mask(x, zero);

	sh = _mm512_mask_mov_epi32(sh, ovf & ~xneg, _mm512_set1_epi32(INT32_MAX));
	sh = _mm512_mask_mov_epi32(sh, ovf & xneg, _mm512_set1_epi32(INT32_MIN));

	/* Saturating rounding doubling high multiply, even and odd lanes in 64 bits. */
	const __m512i n_pos = _mm512_set1_epi64(INT64_C(1) << 30);
	const __m512i n_neg = _mm512_set1_epi64(1 - (INT64_C(1) << 30));
	const __m512i round_neg = _mm512_set1_epi64((INT64_C(1) << 31) - 1);
	__m512i prod[2], hi[2];

	prod[0] = _mm512_mul_epi32(sh, mult);
	prod[1] = _mm512_mul_epi32(_mm512_srli_epi64(sh, 32), _mm512_srli_epi64(mult, 32));
	UNROLL
	for (int h = 0; h < 2; h++) {
		__mmask8 neg = _mm512_cmplt_epi64_mask(prod[h], _mm512_setzero_si512());
		__m512i v = _mm512_add_epi64(prod[h], _mm512_mask_mov_epi64(n_pos, neg, n_neg));
		__mmask8 vneg = _mm512_cmplt_epi64_mask(v, _mm512_setzero_si512());

		/* Division by 2^31 truncating toward zero. */
		v = _mm512_mask_add_epi64(v, vneg, v, round_neg);
		hi[h] = _mm512_srai_epi64(v, 31);
	}
	__m512i q = _mm512_mask_blend_epi32(0xAAAA, hi[0], _mm512_slli_epi64(hi[1], 32));
	__mmask16 both_min = _mm512_cmpeq_epi32_mask(sh, _mm512_set1_epi32(INT32_MIN)) &
			     _mm512_cmpeq_epi32_mask(mult, _mm512_set1_epi32(INT32_MIN));

	q = _mm512_mask_mov_epi32(q, both_min, _mm512_set1_epi32(INT32_MAX));

	/* Rounding divide by 2^right, ties away from zero. */
	__m512i mask = _mm512_sub_epi32(_mm512_sllv_epi32(_mm512_set1_epi32(1), right),
					_mm512_set1_epi32(1));
	__m512i rem = _mm512_and_si512(q, mask);
	__m512i thr = _mm512_add_epi32(_mm512_srli_epi32(mask, 1),
		_mm512_maskz_mov_epi32(_mm512_cmplt_epi32_mask(q, zero), _mm512_set1_epi32(1)));
	__m512i res = _mm512_srav_epi32(q, right);

	return _mm512_mask_add_epi32(res, _mm512_cmpgt_epi32_mask(rem, thr), res,
				     _mm512_set1_epi32(1));
}

static void epi_int8(const struct fpq_gemm_op *op, uint32_t row0, unsigned int rows,
		     uint32_t j0, uint32_t n, const int32_t *acc, size_t acc_stride,
		     struct fpq_gemm_status *st)
{
	const bool req_bc = op->flags & FPQ_GEMM_REQUANT_BROADCAST;
	const bool scale_bc = op->flags & FPQ_GEMM_SCALE_BROADCAST;
	/* Clamp before adding out_zero: y + zero < act_min <=> y < act_min - zero, and
	 * nothing overflows (epilogue.c adds in 64 bits). */
	const __m512i lo = _mm512_set1_epi32(op->act_min - op->out_zero);
	const __m512i hi = _mm512_set1_epi32(op->act_max - op->out_zero);
	const __m512i zero_point = _mm512_set1_epi32(op->out_zero);
	uint64_t clamped = 0;

	for (uint32_t j = 0; j < n; j += 16) {
		const __mmask16 m = tail_mask(n - j);
		const uint32_t col = j0 + j;
		__m512i mult = _mm512_setzero_si512(), shift = _mm512_setzero_si512();
		__m512 sc = _mm512_setzero_ps();

		if (op->c.format == FPQ_FMT_INT8) {
			mult = req_bc ? _mm512_set1_epi32(op->requant_mult[0])
				      : _mm512_maskz_loadu_epi32(m, op->requant_mult + col);
			shift = req_bc ? _mm512_set1_epi32(op->requant_shift[0])
				       : _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m,
						op->requant_shift + col));
		} else if (op->c.format == FPQ_FMT_FP32) {
			sc = scale_bc ? _mm512_set1_ps(op->out_scale[0])
				      : _mm512_maskz_loadu_ps(m, op->out_scale + col);
		}
		for (unsigned int r = 0; r < rows; r++) {
			const int32_t *ar = acc + r * acc_stride;
			uint8_t *out = c_row(op, row0 + r);
			__m512i x = _mm512_maskz_loadu_epi32(m, ar + j);

			if (op->c.format == FPQ_FMT_INT32) {
				_mm512_mask_storeu_epi32(out + (size_t)col * 4, m, x);
			} else if (op->c.format == FPQ_FMT_INT8) {
				__m512i y = requant16(x, mult, shift);
				__mmask16 below = _mm512_mask_cmplt_epi32_mask(m, y, lo);
				__mmask16 above = _mm512_mask_cmpgt_epi32_mask(m, y, hi);

				y = _mm512_add_epi32(_mm512_min_epi32(_mm512_max_epi32(y, lo), hi),
						     zero_point);
				clamped += (uint64_t)__builtin_popcount(below | above);
				_mm_mask_storeu_epi8(out + col, m, _mm512_cvtepi32_epi8(y));
			} else {
				/* |acc| <= 2^24 converts exactly, so one binary32 multiply is
				 * the one rounding; larger accumulators take round.c's path. */
				__mmask16 big = _mm512_mask_cmpgt_epu32_mask(m,
					_mm512_add_epi32(x, _mm512_set1_epi32(1 << 24)),
					_mm512_set1_epi32(1 << 25));
				__m512 y = canonical_nan(_mm512_mul_ps(_mm512_cvtepi32_ps(x), sc));

				_mm512_mask_storeu_ps(out + (size_t)col * 4, m, y);
				while (big) {
					unsigned int l = (unsigned int)__builtin_ctz(big);
					float v = fpq_mul_i32_f32(ar[j + l],
								  op->out_scale[scale_bc ? 0 : col + l]);

					memcpy(out + (size_t)(col + l) * 4, &v, 4);
					big &= (__mmask16)(big - 1);
				}
			}
		}
	}
	st->clamped += clamped;
}

/* ---- A decoders ---- */

/* Exact integer values of the 64 codes of a 6-bit (or 16 of a 4-bit) format. */
static void value_table(enum fpq_format fmt, int16_t *tab, unsigned int n)
{
	const struct cpu_codec *cd = cpu_codec(fmt);

	for (unsigned int c = 0; c < n; c++)
		tab[c] = (int16_t)cd->isig[c];
}

/*
 * 64 codes of a row starting at element k0 (a multiple of 64), when the row's bytes
 * hold all of them; returns 0 when the caller must use the portable path.
 */
INLINE int codes64(const struct fpq_matrix *a, unsigned int bits, const uint8_t *row,
		       uint32_t k0, __m512i *out)
{
	if (k0 + 64 > a->cols)
		return 0;
	switch (bits) {
	case 8:
		*out = _mm512_loadu_si512(row + k0);
		return 1;
	case 4: {
		__m512i w = _mm512_cvtepu8_epi16(_mm256_loadu_si256((const void *)(row + k0 / 2)));

		/* Low nibble to the even byte, high nibble to the odd byte. */
		w = _mm512_or_si512(w, _mm512_slli_epi16(w, 4));
		*out = _mm512_and_si512(w, _mm512_set1_epi16(0x0F0F));
		return 1;
	}
	default: {
		/* 48 bytes = 16 groups of 3; spread each pair of groups into a qword, then
		 * pick the eight 6-bit fields of each qword with a multishift. */
		static const uint8_t spread[64] = {
			0, 1, 2, 3, 4, 5, 0, 0, 6, 7, 8, 9, 10, 11, 0, 0,
			12, 13, 14, 15, 16, 17, 0, 0, 18, 19, 20, 21, 22, 23, 0, 0,
			24, 25, 26, 27, 28, 29, 0, 0, 30, 31, 32, 33, 34, 35, 0, 0,
			36, 37, 38, 39, 40, 41, 0, 0, 42, 43, 44, 45, 46, 47, 0, 0,
		};
		const uint8_t *src = row + (size_t)k0 / 4 * 3;
		__m512i raw = _mm512_maskz_loadu_epi8(0xFFFFFFFFFFFFull, src);
		__m512i q = _mm512_permutexvar_epi8(_mm512_loadu_si512(spread), raw);
		__m512i ctl = _mm512_set1_epi64(0x2A241E18120C0600ll);

		*out = _mm512_and_si512(_mm512_multishift_epi64_epi8(ctl, q),
					_mm512_set1_epi8(0x3F));
		return 1;
	}
	}
}

/*
 * F64 class, one piece: A's values times 2^(xa + lsb_a + lsb_b) as doubles. The 8-bit
 * float formats go through bfloat16 (which holds every e4m3/e5m2 value exactly): two
 * 128-entry byte lookups on the magnitude give its two bytes.
 */
static void pack_a_f64(struct cpu_apack *ap, const struct fpq_matrix *a, enum fpq_format fb,
		       uint32_t r0, uint32_t r1)
{
	const enum fpq_format fa = a->format;
	const unsigned int bits = fpq_format_info(fa)->bits;
	const size_t stride = fpq_matrix_stride(a);
	const int is_fp8 = fa == FPQ_FMT_E4M3 || fa == FPQ_FMT_E5M2;
	const int lsb_a = fpq_elem_lsb_exp(fa), lsb_b = fpq_elem_lsb_exp(fb);
	uint8_t bf_lo[128] = { 0 }, bf_hi[128] = { 0 };
	int16_t tab[64] = { 0 };

	if (is_fp8) {
		for (unsigned int c = 0; c < 128; c++) {
			uint16_t h = fpq_bf16_from_fp32(fpq_decode(fa, c));

			bf_lo[c] = (uint8_t)h;
			bf_hi[c] = (uint8_t)(h >> 8);
		}
	} else if (fa != FPQ_FMT_MXINT8) {
		value_table(fa, tab, 1u << fpq_format_info(fa)->bits);
	}
	const __m512i lo0 = _mm512_loadu_si512(bf_lo), lo1 = _mm512_loadu_si512(bf_lo + 64);
	const __m512i hi0 = _mm512_loadu_si512(bf_hi), hi1 = _mm512_loadu_si512(bf_hi + 64);
	const __m512i t16lo = _mm512_loadu_si512(tab), t16hi = _mm512_loadu_si512(tab + 32);
	/* Special codes: e4m3 S.1111.111, e5m2 S.11111.xx. */
	const __m512i sp_mask = _mm512_set1_epi8(fa == FPQ_FMT_E4M3 ? 0x7F : 0x7C);

	for (uint32_t r = r0; r < r1; r++) {
		const uint8_t *row = (const uint8_t *)a->data + (size_t)r * stride;
		double *dst = (double *)(ap->data + (size_t)r * ap->row_bytes);
		uint32_t k = 0;

		if (ap->k % 64) {
			cpu_pack_a_rows_generic(ap, a, fb, r, r + 1);
			continue;
		}
		for (; k < ap->k; k += 64) {
			__m512i codes = _mm512_setzero_si512();
			uint8_t lo[64] __attribute__((aligned(64)));
			uint8_t hi[64] __attribute__((aligned(64)));
			__mmask64 sp = 0;

			codes64(a, bits, row, k, &codes);
			if (is_fp8) {
				_mm512_store_si512(lo, _mm512_permutex2var_epi8(lo0, codes, lo1));
				_mm512_store_si512(hi, _mm512_or_si512(
					_mm512_permutex2var_epi8(hi0, codes, hi1),
					_mm512_and_si512(codes, _mm512_set1_epi8(-128))));
				sp = _mm512_cmpeq_epi8_mask(_mm512_and_si512(codes, sp_mask), sp_mask);
			} else {
				_mm512_store_si512(lo, codes);
			}
			for (unsigned int h = 0; h < 2; h++) {
				const uint32_t t = (k + 32 * h) / CPU_KALIGN;
				const size_t e = (size_t)r * ap->nblk + t;
				const uint8_t s = a->scales ? fpq_matrix_scale(a, r, t) : 127;
				const int special = s == 0xFF || ((sp >> (32 * h)) & 0xFFFFFFFFu) != 0;
				const int x = (int)s - 127 + lsb_a + lsb_b;
				/* fp8 lanes hold the value (sig * 2^lsb_a), the others the sig. */
				const __m512d f = _mm512_set1_pd(special ? 0.0
					: ldexp(1.0, is_fp8 ? x - lsb_a : x));

				ap->special[e] = (uint8_t)special;
				ap->aexp[e] = special ? 0.0f : (float)x;
				ap->afac[e] = special ? 1.0f : ldexpf(1.0f, x);
				for (unsigned int g = 2 * h; g < 2 * h + 2; g++) {
					__m512 v;

					if (is_fp8) {
						__m512i l = _mm512_cvtepu8_epi32(
							_mm_load_si128((const void *)(lo + 16 * g)));
						__m512i u = _mm512_cvtepu8_epi32(
							_mm_load_si128((const void *)(hi + 16 * g)));

						v = _mm512_castsi512_ps(_mm512_or_si512(
							_mm512_slli_epi32(u, 24), _mm512_slli_epi32(l, 16)));
					} else {
						__m128i c8 = _mm_load_si128((const void *)(lo + 16 * g));
						__m512i c;

						if (fa == FPQ_FMT_MXINT8)
							c = _mm512_cvtepi8_epi32(c8);
						else
							c = _mm512_cvtepi16_epi32(_mm512_castsi512_si256(
								_mm512_permutex2var_epi16(t16lo,
									_mm512_castsi256_si512(
										_mm256_cvtepu8_epi16(c8)),
									t16hi)));
						v = _mm512_cvtepi32_ps(c);
					}
					_mm512_storeu_pd(dst + k + 16 * g,
						_mm512_mul_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(v)), f));
					_mm512_storeu_pd(dst + k + 16 * g + 8,
						_mm512_mul_pd(_mm512_cvtps_pd(
							_mm512_extractf32x8_ps(v, 1)), f));
				}
			}
		}
	}
}

static void pack_a(struct cpu_apack *ap, const struct fpq_matrix *a, enum fpq_format fb,
		   uint32_t r0, uint32_t r1)
{
	const int int8_path = a->format == FPQ_FMT_INT8;
	const int lsb = fpq_elem_lsb_exp(a->format) + fpq_elem_lsb_exp(fb);
	const unsigned int bits = fpq_format_info(a->format)->bits;
	const size_t stride = fpq_matrix_stride(a);
	int16_t tab[64] = { 0 };
	int8_t tab8[64];

	if (ap->cls == CPU_CLASS_F64) {
		if (ap->pieces == 1)
			pack_a_f64(ap, a, fb, r0, r1);
		else
			cpu_pack_a_rows_generic(ap, a, fb, r0, r1);
		return;
	}
	if (int8_path && ap->cls == CPU_CLASS_I8) {
		/* The codes are the operand: sum each row (sad of the biased bytes), and copy
		 * it only when its padding must be added. */
		for (uint32_t r = r0; r < r1; r++) {
			const uint8_t *row = (const uint8_t *)a->data + (size_t)r * stride;
			__m512i acc = _mm512_setzero_si512();
			uint32_t k = 0, sum;

			for (; k + 64 <= ap->k; k += 64)
				acc = _mm512_add_epi64(acc, _mm512_sad_epu8(
					_mm512_xor_si512(_mm512_loadu_si512(row + k),
							 _mm512_set1_epi8(-128)),
					_mm512_setzero_si512()));
			/* sum of (a + 128) minus 128 per element, modulo 2^32 */
			sum = (uint32_t)_mm512_reduce_add_epi64(acc) - 128u * k;
			for (; k < ap->k; k++)
				sum += (uint32_t)(int32_t)(int8_t)row[k];
			ap->rowcorr[r] = (int32_t)(0u - 128u * sum);
			if (ap->data) {
				uint8_t *dst = ap->data + (size_t)r * ap->row_bytes;

				memcpy(dst, row, ap->k);
				memset(dst + ap->k, 0, ap->kpad - ap->k);
			}
		}
		return;
	}
	if (!int8_path && a->format != FPQ_FMT_MXINT8)
		value_table(a->format, tab, 1u << fpq_format_info(a->format)->bits);
	for (int c = 0; c < 64; c++)
		tab8[c] = (int8_t)tab[c];
	const __m512i t8 = _mm512_loadu_si512(tab8);
	const __m512i t16lo = _mm512_loadu_si512(tab), t16hi = _mm512_loadu_si512(tab + 32);

	for (uint32_t r = r0; r < r1; r++) {
		const uint8_t *row = (const uint8_t *)a->data + (size_t)r * stride;
		uint8_t *dst = ap->data + (size_t)r * ap->row_bytes;
		uint32_t k = 0;

		for (; k < ap->k; k += 64) {
			__m512i codes;

			if (!codes64(a, bits, row, k, &codes))
				break;
			if (ap->cls == CPU_CLASS_I8) {
				/* u8 = value + 128; int8/mxint8 values are the codes. */
				__m512i v = int8_path || a->format == FPQ_FMT_MXINT8
					    ? codes : _mm512_permutexvar_epi8(codes, t8);

				_mm512_storeu_si512(dst + k, _mm512_xor_si512(v, _mm512_set1_epi8(-128)));
			} else {
				UNROLL
				for (int h = 0; h < 2; h++) {
					__m512i c16 = _mm512_cvtepu8_epi16(h ? _mm512_extracti64x4_epi64(codes, 1)
									    : _mm512_castsi512_si256(codes));
					__m512i v;

					if (int8_path) /* no int8 dot product: a - zp as int16 */
						v = _mm512_sub_epi16(_mm512_srai_epi16(
							_mm512_slli_epi16(c16, 8), 8),
							_mm512_set1_epi16((int16_t)a->zero_point));
					else if (a->format == FPQ_FMT_MXINT8)
						v = _mm512_srai_epi16(_mm512_slli_epi16(c16, 8), 8);
					else
						v = _mm512_permutex2var_epi16(t16lo, c16, t16hi);
					_mm512_storeu_si512(dst + 2 * (size_t)(k + 32 * h), v);
				}
			}
		}
		if (k < ap->k) {
			/* A row that does not end on 64 elements: the portable decoder. */
			cpu_pack_a_rows_generic(ap, a, fb, r, r + 1);
			continue;
		}
		/* Padding up to kpad: zero values. */
		for (uint32_t kk = ap->k; kk < ap->kpad; kk++) {
			if (ap->cls == CPU_CLASS_I8)
				dst[kk] = 0x80;
			else
				((int16_t *)dst)[kk] = 0;
		}
		if (int8_path)
			continue;
		/* Block data: these formats have no special codes, only NaN scales. */
		for (uint32_t t = 0; t < ap->nblk; t++) {
			uint8_t s = a->scales ? fpq_matrix_scale(a, r, t) : 127;
			int x = (int)s - 127 + lsb;
			size_t e = (size_t)r * ap->nblk + t;

			ap->special[e] = s == 0xFF;
			ap->aexp[e] = s == 0xFF ? 0.0f : (float)x;
			ap->afac[e] = s == 0xFF ? 1.0f : ldexpf(1.0f, x);
		}
	}
}

const struct cpu_kernels cpu_kernels_avx512 = {
	.name = "avx512",
	.isa = CPU_ISA_AVX512,
	.mr_i8 = 6, .np_i8 = 4,
	.mr_mx = 6, .np_mx = 2,
	.mr_f64 = F64_MR, .np_f64 = 2,
	.exp_guard = 0,
	.i8_int = i8_int,
	.i16_int = NULL,
	.i8_mx = i8_mx,
	.i16_mx = i16_mx,
	.f64_mx = f64_mx,
	.has_i8_dot = 1,
	.fp32_out = 1,
	.epi_float = epi_float,
	.epi_int8 = epi_int8,
	.pack_a = pack_a,
};
