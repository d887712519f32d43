// SPDX-License-Identifier: MIT
/*
 * kern_avx512.c - the micro-kernels of the AVX-512 kernel set (F/BW/VL/DQ + VNNI +
 * VBMI; its epilogues and A decoders are epi_avx512.c and decode_avx512.c). Only these
 * files are compiled with those instructions (lib/lib.mk); they run only when isa.c
 * found them.
 *
 * Register tiles (zmm = 16 int32/float or 8 double lanes; a panel is 16 channels):
 *   INT8 path  6 rows x 4 panels: 24 int32 accumulators, vpdpbusd (u8 B + 128 x s8 A).
 *   I8 MX      6 x 2: 12 int32 block sums + 12 float accumulators (u8 A + 128 x s8 B).
 *   I16 MX     6 x 2, vpdpwssd.
 *   F64        6 x 2: 24 double block sums (4 zmm per row), accumulators in memory.
 *   I16W       6 x 2: per A piece 12 int32 block sums (vpdpwssd on int16 windows of
 *              B), recombined with the corrections in binary64; accumulators in memory
 *              for two pieces.
 * After each MX block of 32: P = scalef(cvt(S), ea + eb) - vscalefps multiplies by
 * 2^(ea+eb) with a single rounding for any exponent, subnormal and overflowing results
 * included - then acc += P in binary32, in K order.
 */
#include <math.h>
#include <string.h>

#include "avx512.h"

#ifndef F64_MR
#define F64_MR 6
#endif

/* ---- INT8 path ---- */

/*
 * The finished int32 tile requantized into C (cpu_tile's out8) while it is in registers:
 * the operations of epi_avx512.c's requant_fp32_16() - cvtdq2ps, one multiply, MAXPS
 * with the lower bound first, MINPS, cvtps2dq - then the zero point; columns past ncols
 * are neither stored nor counted.
 */
INLINE void i8_requant_store(const struct cpu_tile *t, __m512i acc[][4], const unsigned int MR,
			     const unsigned int NP)
{
	const __m512 lo = _mm512_set1_ps((float)t->q_lo), hi = _mm512_set1_ps((float)t->q_hi);
	const __m512i zp = _mm512_set1_epi32(t->q_zero);
	uint8_t *out = t->out8;
	const size_t os = t->out8_stride;
	const unsigned int ncols = t->ncols;
	uint64_t clamped = 0;

	UNROLL
	for (unsigned int p = 0; p < NP; p++) {
		const unsigned int rem = ncols > 16 * p ? ncols - 16 * p : 0;
		const __mmask16 m = rem >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << rem) - 1);
		const __m512 sc = t->q_scale_bc ? _mm512_set1_ps(t->q_scale[0])
						: _mm512_maskz_loadu_ps(m, t->q_scale + 16 * p);

		UNROLL
		for (unsigned int r = 0; r < MR; r++) {
			const __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(acc[r][p]), sc);
			const __mmask16 inside_lo = _mm512_mask_cmp_ps_mask(m, v, lo, _CMP_GE_OQ);
			const __mmask16 above = _mm512_mask_cmp_ps_mask(m, v, hi, _CMP_GT_OQ);
			const __m512i y = _mm512_add_epi32(_mm512_cvtps_epi32(
				_mm512_min_ps(_mm512_max_ps(v, lo), hi)), zp);

			clamped += (uint64_t)__builtin_popcount((m & ~inside_lo) | above);
			_mm_mask_storeu_epi8(out + r * os + 16 * p, m, _mm512_cvtepi32_epi8(y));
		}
	}
	*t->clamped += clamped;
}

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
	if (t->out8) {
		i8_requant_store(t, acc, MR, NP);
		return;
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
	if (t->out8) {
		UNROLL
		for (unsigned int p = 0; p < NP; p++)
			acc[0][p] = _mm512_add_epi32(acc[0][p], acc[1][p]);
		i8_requant_store(t, acc, 1, NP);
		return;
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

/* ---- the float epilogue of a finished binary32 tile ---- */

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
		/* A block is 8 k steps of four int8 (I8) or 16 of two int16 (I16). */
		const uint32_t steps = I8 ? 8 : 16;

		UNROLL
		for (uint32_t q = 0; q < steps; q++) {
			const size_t ks = (size_t)blk * steps + q;
			__m512i bv[2];

			UNROLL
			for (unsigned int p = 0; p < NP; p++)
				bv[p] = _mm512_load_si512(b + p * bs + ks * bst);
			UNROLL
			for (unsigned int r = 0; r < MR; r++) {
				__m512i av = _mm512_set1_epi32(load_i32(a + r * as + ks * 4));

				UNROLL
				for (unsigned int p = 0; p < NP; p++)
					s[r][p] = I8 ? _mm512_dpbusd_epi32(s[r][p], av, bv[p])
						     : _mm512_dpwssd_epi32(s[r][p], av, bv[p]);
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

/*
 * The binary32 accumulators of the binary64 and int16-window tiles: in registers when the
 * block sums leave room (in_regs), else in accm (touched once per block).
 */
INLINE void acc_start(const struct cpu_tile *t, __m512 acc[6][2], float accm[6][32],
		      const unsigned int MR, const unsigned int NP, const int in_regs)
{
	UNROLL
	for (unsigned int r = 0; r < MR; r++)
		UNROLL
		for (unsigned int p = 0; p < NP; p++) {
			__m512 v = t->first ? _mm512_setzero_ps()
					    : _mm512_loadu_ps((float *)t->c + r * t->c_stride + 16 * p);

			if (in_regs)
				acc[r][p] = v;
			else
				_mm512_store_ps(&accm[r][16 * p], v);
		}
}

INLINE void acc_add(__m512 acc[6][2], float accm[6][32], __m512 pv[6][2],
		    const unsigned int MR, const unsigned int NP, const int in_regs)
{
	UNROLL
	for (unsigned int r = 0; r < MR; r++)
		UNROLL
		for (unsigned int p = 0; p < NP; p++) {
			if (in_regs)
				acc[r][p] = _mm512_add_ps(acc[r][p], pv[r][p]);
			else
				_mm512_store_ps(&accm[r][16 * p],
						_mm512_add_ps(_mm512_load_ps(&accm[r][16 * p]), pv[r][p]));
		}
}

/* The finished accumulators, stored (or finished into C) by store_tile(). */
INLINE void acc_store(const struct cpu_tile *t, __m512 acc[6][2], float accm[6][32],
		      const unsigned int MR, const unsigned int NP, const int in_regs)
{
	if (!in_regs)
		UNROLL
		for (unsigned int r = 0; r < MR; r++)
			UNROLL
			for (unsigned int p = 0; p < NP; p++)
				acc[r][p] = _mm512_load_ps(&accm[r][16 * p]);
	store_tile(t, acc, MR, NP);
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

	acc_start(t, acc, accm, MR, NP, ACC_IN_REGS);
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
		acc_add(acc, accm, pv, MR, NP, ACC_IN_REGS);
	}
	acc_store(t, acc, accm, MR, NP, ACC_IN_REGS);
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

/* ---- I16W: int16 windows of e4m3 B, exact sums recombined in binary64 ---- */

/*
 * vpdpwssd with the accumulator updated in place: with the intrinsic, GCC 12 copies
 * the 24 accumulators of a 6 x 2 x 2 tile between registers and the stack on every
 * step (measured: 47 GOPS against 100+ for this form).
 */
INLINE __m512i dpwssd_inplace(__m512i acc, __m512i a, __m512i b)
{
	__asm__("vpdpwssd %2, %1, %0" : "+v"(acc) : "v"(a), "v"(b));
	return acc;
}

INLINE void i16w_tile(const struct cpu_tile *t, const unsigned int MR, const unsigned int NP,
		      const unsigned int PIECES)
{
	/* The binary32 accumulators stay in registers when the block sums leave room. */
	const int ACC_IN_REGS = (PIECES + 1) * MR * NP <= 26;
	__m512i s[2][6][2];
	__m512 acc[6][2];
	float accm[6][32] __attribute__((aligned(64)));
	double cb[6 * 32] __attribute__((aligned(64)));
	const uint8_t *a = t->a, *b = t->b;
	const size_t as = t->a_stride, bs = t->b_panel, bst = t->b_step;
	const size_t piece = as / PIECES;     /* bytes from one piece's row to the next */

	acc_start(t, acc, accm, MR, NP, ACC_IN_REGS);
	for (uint32_t blk = 0; blk < t->nblk; blk++) {
		UNROLL
		for (unsigned int q = 0; q < PIECES; q++)
			UNROLL
			for (unsigned int r = 0; r < MR; r++)
				UNROLL
				for (unsigned int p = 0; p < NP; p++)
					s[q][r][p] = _mm512_setzero_si512();
		/* 16 k steps of two int16; the sums stay below 2^31 (see cpu_i16w_applies). */
		for (uint32_t ks = blk * 16; ks < blk * 16 + 16; ks++) {
			__m512i bv[2];

			UNROLL
			for (unsigned int p = 0; p < NP; p++)
				bv[p] = _mm512_load_si512(b + p * bs + (size_t)ks * bst);
			UNROLL
			for (unsigned int q = 0; q < PIECES; q++)
				UNROLL
				for (unsigned int r = 0; r < MR; r++) {
					__m512i av = _mm512_set1_epi32(
						load_i32(a + r * as + q * piece + (size_t)ks * 4));

					UNROLL
					for (unsigned int p = 0; p < NP; p++)
						s[q][r][p] = dpwssd_inplace(s[q][r][p], av, bv[p]);
				}
		}
		const int corr = cpu_window_corrections(t, blk, cb, MR, NP, PIECES);
		const int slow = t->slow[blk];
		double wbuf[6 * 32] __attribute__((aligned(64)));
		__m512 pv[6][2];
		__m512d bw[2][2];

		UNROLL
		for (unsigned int p = 0; p < NP; p++)
			UNROLL
			for (unsigned int h = 0; h < 2; h++)
				bw[p][h] = _mm512_loadu_pd(t->bwfac + p * t->bmeta_panel + blk * 16 +
							   8 * h);
		UNROLL
		for (unsigned int r = 0; r < MR; r++) {
			const __m512d ad = _mm512_set1_pd(t->adfac[r * t->aexp_stride + blk]);

			UNROLL
			for (unsigned int p = 0; p < NP; p++) {
				__m256 half[2];

				UNROLL
				for (unsigned int h = 0; h < 2; h++) {
					const __m512d f = _mm512_mul_pd(bw[p][h], ad);
					__m512d v = _mm512_cvtepi32_pd(h
						? _mm512_extracti64x4_epi64(s[0][r][p], 1)
						: _mm512_castsi512_si256(s[0][r][p]));

					/* S = 2^sh (S0 + 2^9 S1) + corrections, exact in binary64. */
					if (PIECES == 2)
						v = _mm512_fmadd_pd(_mm512_cvtepi32_pd(h
							? _mm512_extracti64x4_epi64(s[1][r][p], 1)
							: _mm512_castsi512_si256(s[1][r][p])),
							_mm512_set1_pd(512.0), v);
					v = corr ? _mm512_fmadd_pd(v, f, _mm512_load_pd(cb + (r * NP + p) * 16 + 8 * h))
						 : _mm512_mul_pd(v, f);
					if (slow)
						_mm512_store_pd(wbuf + (r * NP + p) * 16 + 8 * h, v);
					/* The one rounding. */
					half[h] = _mm512_cvtpd_ps(v);
				}
				pv[r][p] = _mm512_insertf32x8(_mm512_castps256_ps512(half[0]), half[1], 1);
			}
		}
		if (__builtin_expect(slow, 0)) {
			float pbuf[6 * 32] __attribute__((aligned(64)));

			t->fix(t->fx, t->blk0 + blk, wbuf, pbuf);
			UNROLL
			for (unsigned int r = 0; r < MR; r++)
				UNROLL
				for (unsigned int p = 0; p < NP; p++)
					pv[r][p] = _mm512_load_ps(pbuf + (r * NP + p) * 16);
		}
		acc_add(acc, accm, pv, MR, NP, ACC_IN_REGS);
	}
	acc_store(t, acc, accm, MR, NP, ACC_IN_REGS);
}

static void i16w_mx(const struct cpu_tile *t)
{
	if (t->pieces == 2)
		DISPATCH_MR_NP2(i16w_tile, t, 2);
	else
		DISPATCH_MR_NP2(i16w_tile, t, 1);
}

const struct cpu_kernels cpu_kernels_avx512 = {
	.name = "avx512",
	.isa = CPU_ISA_AVX512,
	.mr_i8 = 6, .np_i8 = 4,
	.mr_mx = 6, .np_mx = 2,
	.mr_f64 = F64_MR, .np_f64 = 2,
	.mr_w = 6, .np_w = 2,
	.exp_guard = 0,
	.i8_int = i8_int,
	.i16_int = NULL,
	.i8_mx = i8_mx,
	.i16_mx = i16_mx,
	.f64_mx = f64_mx,
	.i16w_mx = i16w_mx,
	.has_i8_dot = 1,
	.i8_requant = 1,
	.fp32_out = 1,
	.epi_float = cpu_avx512_epi_float,
	.epi_int8 = cpu_avx512_epi_int8,
	.pack_a = cpu_avx512_pack_a,
	.pack_b_panel = cpu_avx512_pack_b_panel,
	.gemv_int8 = cpu_avx512_gemv_int8,
};
