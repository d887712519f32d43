/* SPDX-License-Identifier: MIT */
/*
 * kern_avx2_tmpl.h - the AVX2 kernel sets, written once and compiled twice:
 * kern_avx2.c (AVX2 + FMA) and kern_avxvnni.c (the same plus AVX-VNNI's 256-bit
 * vpdpbusd/vpdpwssd; define KERN_VNNI). Without VNNI there is no exact int8 dot
 * product (vpmaddubsw saturates), so the INT8 path and the int8 MX class run on int16
 * values with vpmaddwd (the driver maps CPU_CLASS_I8 to CPU_CLASS_I16).
 *
 * 16 ymm registers: a panel (16 channels) is two ymm of int32/float or four of double.
 * Without vscalefps, P = cvt(S) * (2^ea * 2^eb): one rounding as long as the product of
 * the two powers is a binary32 number, which the driver checks per block (exp_guard);
 * other blocks go through the exact path.
 */
#include <immintrin.h>
#include <string.h>

#include "cpu.h"

#define INLINE static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 16")

INLINE int32_t load_i32(const void *p)
{
	int32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* acc + pairwise int16 products of a and b (exact: no pair reaches -32768 * -32768). */
INLINE __m256i dot2(__m256i acc, __m256i a, __m256i b)
{
#ifdef KERN_VNNI
	return _mm256_dpwssd_avx_epi32(acc, a, b);
#else
	return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b));
#endif
}

#ifdef KERN_VNNI
/* acc + four u8 x s8 products per lane, mod 2^32 (a is unsigned, b signed). */
INLINE __m256i dot4(__m256i acc, __m256i a, __m256i b)
{
	return _mm256_dpbusd_avx_epi32(acc, a, b);
}
#endif

/* ---- INT8 path: MR rows x one panel ---- */

/*
 * The finished int32 panel requantized into C (cpu_tile's out8) from the registers:
 * epi_requant_fp32_row()'s operations (cvtdq2ps, one multiply, MAXPS with the lower
 * bound first, MINPS, cvtps2dq, the zero point, exact saturating packs); columns past
 * ncols are neither stored nor counted.
 */
INLINE void int_requant_store(const struct cpu_tile *t, __m256i acc[][2], const unsigned int MR)
{
	const __m256 lo = _mm256_set1_ps((float)t->q_lo), hi = _mm256_set1_ps((float)t->q_hi);
	const __m256i zero_point = _mm256_set1_epi32(t->q_zero);
	const unsigned int ncols = t->ncols < 16 ? t->ncols : 16;
	const unsigned int lanes = ncols == 16 ? 0xFFFFu : (1u << ncols) - 1;
	float part[16] = { 0 };
	__m256 sc[2];
	uint64_t clamped = 0;

	if (t->q_scale_bc) {
		sc[0] = sc[1] = _mm256_set1_ps(t->q_scale[0]);
	} else if (ncols == 16) {
		sc[0] = _mm256_loadu_ps(t->q_scale);
		sc[1] = _mm256_loadu_ps(t->q_scale + 8);
	} else {
		/* past N: scale 0, not stored */
		memcpy(part, t->q_scale, sizeof(float) * ncols);
		sc[0] = _mm256_loadu_ps(part);
		sc[1] = _mm256_loadu_ps(part + 8);
	}
	UNROLL for (unsigned int r = 0; r < MR; r++) {
		__m256i y[2];
		unsigned int inside_lo = 0, above = 0;

		UNROLL for (unsigned int h = 0; h < 2; h++) {
			const __m256 p = _mm256_mul_ps(_mm256_cvtepi32_ps(acc[r][h]), sc[h]);

			inside_lo |= (unsigned int)_mm256_movemask_ps(_mm256_cmp_ps(p, lo, _CMP_GE_OQ))
				     << (8 * h);
			above |= (unsigned int)_mm256_movemask_ps(_mm256_cmp_ps(p, hi, _CMP_GT_OQ))
				 << (8 * h);
			y[h] = _mm256_add_epi32(_mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(p, lo),
										 hi)), zero_point);
		}
		/* y is in act_min..act_max: the saturating packs are exact. */
		const __m128i w0 = _mm_packs_epi32(_mm256_castsi256_si128(y[0]),
						   _mm256_extracti128_si256(y[0], 1));
		const __m128i w1 = _mm_packs_epi32(_mm256_castsi256_si128(y[1]),
						   _mm256_extracti128_si256(y[1], 1));
		const __m128i bytes = _mm_packs_epi16(w0, w1);
		uint8_t *out = t->out8 + r * t->out8_stride;

		clamped += (uint64_t)__builtin_popcount(((~inside_lo) | above) & lanes);
		if (ncols == 16) {
			_mm_storeu_si128((__m128i *)out, bytes);
		} else {
			uint8_t tmp[16];

			_mm_storeu_si128((__m128i *)tmp, bytes);
			memcpy(out, tmp, ncols);
		}
	}
	*t->clamped += clamped;
}

INLINE void int_tile(const struct cpu_tile *t, const unsigned int MR, const int I8)
{
	__m256i acc[6][2];
	const uint8_t *a = t->a, *b = t->b;
	const size_t as = t->a_stride;
	int32_t *c = t->c;
	const uint32_t steps = I8 ? t->kpad / 4 : t->kpad / 2;

	UNROLL for (unsigned int r = 0; r < MR; r++)
		UNROLL for (unsigned int h = 0; h < 2; h++)
			acc[r][h] = t->first ? _mm256_add_epi32(
					_mm256_loadu_si256((const void *)(t->init + 8 * h)),
					_mm256_set1_epi32(t->rowcorr ? t->rowcorr[r] : 0))
				: _mm256_loadu_si256((const void *)(c + r * t->c_stride + 8 * h));
	for (uint32_t s = 0; s < steps; s++) {
		__m256i b0 = _mm256_load_si256((const void *)(b + (size_t)s * t->b_step));
		__m256i b1 = _mm256_load_si256((const void *)(b + (size_t)s * t->b_step + 32));

		UNROLL for (unsigned int r = 0; r < MR; r++) {
			__m256i av = _mm256_set1_epi32(load_i32(a + r * as + 4 * (size_t)s));

#ifdef KERN_VNNI
			if (I8) {
				/* B (u8, b + 128) times A (s8). */
				acc[r][0] = dot4(acc[r][0], b0, av);
				acc[r][1] = dot4(acc[r][1], b1, av);
				continue;
			}
#endif
			acc[r][0] = dot2(acc[r][0], av, b0);
			acc[r][1] = dot2(acc[r][1], av, b1);
		}
	}
	if (t->out8) {
		int_requant_store(t, acc, MR);
		return;
	}
	UNROLL for (unsigned int r = 0; r < MR; r++)
		UNROLL for (unsigned int h = 0; h < 2; h++)
			_mm256_storeu_si256(t->out ? (void *)((int32_t *)t->out + r * t->out_stride + 8 * h)
					    : (void *)(c + r * t->c_stride + 8 * h), acc[r][h]);
}

/* The INT8 path walks the panels of the tile one at a time. */
static void run_int(const struct cpu_tile *t, const int I8)
{
	for (unsigned int p = 0; p < t->np; p++) {
		struct cpu_tile one = *t;

		one.b = t->b + p * t->b_panel;
		one.c = (int32_t *)t->c + 16 * p;
		one.out = t->out ? (int32_t *)t->out + 16 * p : NULL;
		one.init = t->init + 16 * p;
		if (t->out8) {
			/* the panels past N are not stored */
			if (t->ncols <= 16 * p)
				break;
			one.out8 = t->out8 + 16 * p;
			one.ncols = t->ncols - 16 * p;
			one.q_scale = t->q_scale + (t->q_scale_bc ? 0 : 16 * p);
		}
		switch (t->mr) {
		case 1: int_tile(&one, 1, I8); break;
		case 2: int_tile(&one, 2, I8); break;
		case 3: int_tile(&one, 3, I8); break;
		case 4: int_tile(&one, 4, I8); break;
		case 5: int_tile(&one, 5, I8); break;
		default: int_tile(&one, 6, I8); break;
		}
	}
}

#ifdef KERN_VNNI
static void i8_int(const struct cpu_tile *t)
{
	run_int(t, 1);
}
#endif

static void i16_int(const struct cpu_tile *t)
{
	run_int(t, 0);
}

/* ---- I8/I16 MX: MR rows x one panel, block sums and float accumulators ---- */

INLINE void int_mx_tile(const struct cpu_tile *t, const unsigned int MR, const int I8)
{
	__m256i s[3][2];
	__m256 acc[3][2];
	const uint8_t *a = t->a, *b = t->b;
	const size_t as = t->a_stride;
	float *c = t->c;

	UNROLL for (unsigned int r = 0; r < MR; r++)
		UNROLL for (unsigned int h = 0; h < 2; h++)
			acc[r][h] = t->first ? _mm256_setzero_ps()
					     : _mm256_loadu_ps(c + r * t->c_stride + 8 * h);
	for (uint32_t blk = 0; blk < t->nblk; blk++) {
		const size_t meta = (size_t)blk * 16;
		const uint32_t steps = I8 ? 8 : 16;

		UNROLL for (unsigned int h = 0; h < 2; h++) {
			__m256i init = I8 ? _mm256_loadu_si256((const void *)(t->bcorr + meta + 8 * h))
					  : _mm256_setzero_si256();

			UNROLL for (unsigned int r = 0; r < MR; r++)
				s[r][h] = init;
		}
		for (uint32_t q = 0; q < steps; q++) {
			const size_t ks = (size_t)blk * steps + q;
			__m256i b0 = _mm256_load_si256((const void *)(b + ks * t->b_step));
			__m256i b1 = _mm256_load_si256((const void *)(b + ks * t->b_step + 32));

			UNROLL for (unsigned int r = 0; r < MR; r++) {
				__m256i av = _mm256_set1_epi32(load_i32(a + r * as + ks * 4));

#ifdef KERN_VNNI
				if (I8) {
					s[r][0] = dot4(s[r][0], av, b0);
					s[r][1] = dot4(s[r][1], av, b1);
					continue;
				}
#endif
				s[r][0] = dot2(s[r][0], av, b0);
				s[r][1] = dot2(s[r][1], av, b1);
			}
		}
		if (__builtin_expect(t->slow[blk], 0)) {
			int32_t sbuf[3 * 16] __attribute__((aligned(32)));
			float pbuf[3 * 16] __attribute__((aligned(32)));

			UNROLL for (unsigned int r = 0; r < MR; r++)
				UNROLL for (unsigned int h = 0; h < 2; h++)
					_mm256_store_si256((void *)(sbuf + r * 16 + 8 * h), s[r][h]);
			t->fix(t->fx, t->blk0 + blk, sbuf, pbuf);
			UNROLL for (unsigned int r = 0; r < MR; r++)
				UNROLL for (unsigned int h = 0; h < 2; h++)
					acc[r][h] = _mm256_add_ps(acc[r][h],
								  _mm256_load_ps(pbuf + r * 16 + 8 * h));
			continue;
		}
		__m256 fb0 = _mm256_loadu_ps(t->bfac + meta), fb1 = _mm256_loadu_ps(t->bfac + meta + 8);

		UNROLL for (unsigned int r = 0; r < MR; r++) {
			__m256 fa = _mm256_set1_ps(t->afac[r * t->aexp_stride + blk]);

			/* Exact: S < 2^24 converts exactly, 2^ea * 2^eb is a binary32 power of
			 * two (guarded); the second multiply is the one rounding. */
			acc[r][0] = _mm256_add_ps(acc[r][0], _mm256_mul_ps(_mm256_cvtepi32_ps(s[r][0]),
									   _mm256_mul_ps(fa, fb0)));
			acc[r][1] = _mm256_add_ps(acc[r][1], _mm256_mul_ps(_mm256_cvtepi32_ps(s[r][1]),
									   _mm256_mul_ps(fa, fb1)));
		}
	}
	UNROLL for (unsigned int r = 0; r < MR; r++)
		UNROLL for (unsigned int h = 0; h < 2; h++)
			_mm256_storeu_ps(c + r * t->c_stride + 8 * h, acc[r][h]);
}

/* Panel p of a tile as a tile of its own (the kernels here compute one panel). */
INLINE void one_panel(const struct cpu_tile *t, unsigned int p, struct cpu_tile *one,
		      struct cpu_fix *fx)
{
	*one = *t;
	*fx = *t->fx;
	one->b = t->b + p * t->b_panel;
	one->c = (float *)t->c + 16 * p;
	fx->j0 += 16 * p;
	fx->ncols = 16;
	one->fx = fx;
}

static void run_mx(const struct cpu_tile *t, const int I8)
{
	for (unsigned int p = 0; p < t->np; p++) {
		struct cpu_tile one;
		struct cpu_fix fx;

		one_panel(t, p, &one, &fx);
		one.bexp = t->bexp + p * t->bmeta_panel;
		one.bfac = t->bfac + p * t->bmeta_panel;
		one.bcorr = t->bcorr ? t->bcorr + p * t->bmeta_panel : NULL;
		switch (t->mr) {
		case 1: int_mx_tile(&one, 1, I8); break;
		case 2: int_mx_tile(&one, 2, I8); break;
		default: int_mx_tile(&one, 3, I8); break;
		}
	}
}

#ifdef KERN_VNNI
static void i8_mx(const struct cpu_tile *t)
{
	run_mx(t, 1);
}
#endif

static void i16_mx(const struct cpu_tile *t)
{
	run_mx(t, 0);
}

/* ---- F64: MR rows x one panel (four ymm of doubles per row and piece) ---- */

/* RNE_fp32(x + y) of exact binary64 pairs: TwoSum, round to odd, convert (exact.c). */
INLINE __m128 round_sum2(__m256d x, __m256d y)
{
	__m256d h = _mm256_add_pd(x, y);
	__m256d bv = _mm256_sub_pd(h, x);
	__m256d l = _mm256_add_pd(_mm256_sub_pd(x, _mm256_sub_pd(h, bv)), _mm256_sub_pd(y, bv));
	__m256i hb = _mm256_castpd_si256(h), lb = _mm256_castpd_si256(l);
	__m256i inexact = _mm256_castpd_si256(_mm256_cmp_pd(l, _mm256_setzero_pd(), _CMP_NEQ_UQ));
	__m256i even = _mm256_cmpeq_epi64(_mm256_and_si256(hb, _mm256_set1_epi64x(1)),
					  _mm256_setzero_si256());
	/* +1 when l has h's sign (away from zero), else -1; only where inexact and even. */
	__m256i step = _mm256_sub_epi64(_mm256_set1_epi64x(1),
		_mm256_slli_epi64(_mm256_srli_epi64(_mm256_xor_si256(hb, lb), 63), 1));

	hb = _mm256_add_epi64(hb, _mm256_and_si256(step, _mm256_and_si256(inexact, even)));
	return _mm256_cvtpd_ps(_mm256_castsi256_pd(hb));
}

/* acc += p, a block's P of every output of the tile, in binary32. */
INLINE void add_block(float acc[2][16], float p[2][16], const unsigned int MR)
{
	UNROLL for (unsigned int r = 0; r < MR; r++)
		UNROLL for (unsigned int h = 0; h < 2; h++)
			_mm256_store_ps(&acc[r][8 * h], _mm256_add_ps(_mm256_load_ps(&acc[r][8 * h]),
								      _mm256_load_ps(&p[r][8 * h])));
}

INLINE void f64_tile(const struct cpu_tile *t, const unsigned int MR, const unsigned int PIECES)
{
	__m256d s[2][2][4];
	const size_t as = t->a_stride, piece = t->a_stride / 8 / PIECES;
	float *c = t->c;
	float acc[2][16] __attribute__((aligned(32)));

	UNROLL for (unsigned int r = 0; r < MR; r++)
		for (unsigned int l = 0; l < 16; l++)
			acc[r][l] = t->first ? 0.0f : c[r * t->c_stride + l];
	for (uint32_t blk = 0; blk < t->nblk; blk++) {
		UNROLL for (unsigned int q = 0; q < PIECES; q++)
			UNROLL for (unsigned int r = 0; r < MR; r++)
				UNROLL for (unsigned int v = 0; v < 4; v++)
					s[q][r][v] = _mm256_setzero_pd();
		for (uint32_t k = blk * 32; k < blk * 32 + 32; k++) {
			const double *bp = (const double *)(t->b + (size_t)k * t->b_step);
			__m256d bv[4];

			UNROLL for (unsigned int v = 0; v < 4; v++)
				bv[v] = _mm256_load_pd(bp + 4 * v);
			UNROLL for (unsigned int q = 0; q < PIECES; q++)
				UNROLL for (unsigned int r = 0; r < MR; r++) {
					__m256d av = _mm256_set1_pd(
						((const double *)(t->a + r * as))[q * piece + k]);

					UNROLL for (unsigned int v = 0; v < 4; v++)
						s[q][r][v] = _mm256_fmadd_pd(av, bv[v], s[q][r][v]);
				}
		}
		float p[2][16] __attribute__((aligned(32)));

		if (__builtin_expect(t->slow[blk], 0)) {
			double sbuf[2 * 2 * 16] __attribute__((aligned(32)));

			UNROLL for (unsigned int q = 0; q < PIECES; q++)
				UNROLL for (unsigned int r = 0; r < MR; r++)
					UNROLL for (unsigned int v = 0; v < 4; v++)
						_mm256_store_pd(sbuf + (q * MR + r) * 16 + 4 * v,
								s[q][r][v]);
			t->fix(t->fx, t->blk0 + blk, sbuf, &p[0][0]);
			/* fix() wrote p as [MR][16]: the rows are contiguous either way. */
		} else {
			UNROLL for (unsigned int r = 0; r < MR; r++)
				UNROLL for (unsigned int v = 0; v < 4; v++)
					_mm_store_ps(&p[r][4 * v], PIECES == 1
						     ? _mm256_cvtpd_ps(s[0][r][v])
						     : round_sum2(s[0][r][v], s[1][r][v]));
		}
		add_block(acc, p, MR);
	}
	UNROLL for (unsigned int r = 0; r < MR; r++)
		memcpy(c + r * t->c_stride, acc[r], sizeof(acc[r]));
}

static void f64_mx(const struct cpu_tile *t)
{
	for (unsigned int p = 0; p < t->np; p++) {
		struct cpu_tile one;
		struct cpu_fix fx;

		one_panel(t, p, &one, &fx);
		if (t->pieces == 2) {
			/* Two pieces need twice the registers: one row at a time. */
			for (unsigned int r = 0; r < t->mr; r++) {
				struct cpu_tile row = one;
				struct cpu_fix rfx = fx;

				row.a = t->a + r * t->a_stride;
				row.c = (float *)one.c + r * t->c_stride;
				row.mr = 1;
				rfx.i0 += r;
				rfx.mr = 1;
				row.fx = &rfx;
				f64_tile(&row, 1, 2);
			}
			continue;
		}
		if (t->mr == 1)
			f64_tile(&one, 1, 1);
		else
			f64_tile(&one, 2, 1);
	}
}

/* ---- epilogues: binary32 float output, int32 output and int8 output in ONNX Runtime's
 * mode here, the rest scalar ---- */

#ifdef KERN_VNNI
/*
 * ---- I16W (e4m3 weights in int16 windows, see cpu.h): MR rows x one panel ----
 * Per A piece two ymm of int32 block sums per row (vpdpwssd), recombined per block in
 * binary64 with the corrections and rounded once, as the AVX-512 kernel does.
 */
INLINE void i16w_tile(const struct cpu_tile *t, const unsigned int MR, const unsigned int PIECES)
{
	__m256i s[2][2][2];
	const uint8_t *a = t->a, *b = t->b;
	const size_t as = t->a_stride, piece = as / PIECES;
	float *c = t->c;
	float acc[2][16] __attribute__((aligned(32)));
	double cb[2 * 16] __attribute__((aligned(32)));

	UNROLL for (unsigned int r = 0; r < MR; r++)
		for (unsigned int l = 0; l < 16; l++)
			acc[r][l] = t->first ? 0.0f : c[r * t->c_stride + l];
	for (uint32_t blk = 0; blk < t->nblk; blk++) {
		UNROLL for (unsigned int q = 0; q < PIECES; q++)
			UNROLL for (unsigned int r = 0; r < MR; r++)
				UNROLL for (unsigned int h = 0; h < 2; h++)
					s[q][r][h] = _mm256_setzero_si256();
		for (uint32_t ks = blk * 16; ks < blk * 16 + 16; ks++) {
			__m256i b0 = _mm256_load_si256((const void *)(b + ks * t->b_step));
			__m256i b1 = _mm256_load_si256((const void *)(b + ks * t->b_step + 32));

			UNROLL for (unsigned int q = 0; q < PIECES; q++)
				UNROLL for (unsigned int r = 0; r < MR; r++) {
					__m256i av = _mm256_set1_epi32(load_i32(a + r * as + q * piece +
										ks * 4));

					s[q][r][0] = dot2(s[q][r][0], av, b0);
					s[q][r][1] = dot2(s[q][r][1], av, b1);
				}
		}
		const int corr = cpu_window_corrections(t, blk, cb, MR, 1, PIECES);
		double w[2][16] __attribute__((aligned(32)));
		float p[2][16] __attribute__((aligned(32)));

		UNROLL for (unsigned int r = 0; r < MR; r++) {
			const __m256d ad = _mm256_set1_pd(t->adfac[r * t->aexp_stride + blk]);

			UNROLL for (unsigned int v = 0; v < 4; v++) {
				const __m128i lo = v & 1 ? _mm256_extracti128_si256(s[0][r][v / 2], 1)
							 : _mm256_castsi256_si128(s[0][r][v / 2]);
				__m256d x = _mm256_cvtepi32_pd(lo);

				/* S = 2^sh (S0 + 2^9 S1) + corrections, exact in binary64. */
				if (PIECES == 2) {
					const __m128i hi = v & 1
						? _mm256_extracti128_si256(s[1][r][v / 2], 1)
						: _mm256_castsi256_si128(s[1][r][v / 2]);

					x = _mm256_fmadd_pd(_mm256_cvtepi32_pd(hi), _mm256_set1_pd(512.0), x);
				}
				const __m256d f = _mm256_mul_pd(_mm256_loadu_pd(t->bwfac + blk * 16 + 4 * v),
								ad);

				x = corr ? _mm256_fmadd_pd(x, f, _mm256_load_pd(cb + r * 16 + 4 * v))
					 : _mm256_mul_pd(x, f);
				if (t->slow[blk])
					_mm256_store_pd(&w[r][4 * v], x);
				/* The one rounding. */
				_mm_store_ps(&p[r][4 * v], _mm256_cvtpd_ps(x));
			}
		}
		if (__builtin_expect(t->slow[blk], 0))
			t->fix(t->fx, t->blk0 + blk, &w[0][0], &p[0][0]);
		add_block(acc, p, MR);
	}
	UNROLL for (unsigned int r = 0; r < MR; r++)
		memcpy(c + r * t->c_stride, acc[r], sizeof(acc[r]));
}

static void i16w_mx(const struct cpu_tile *t)
{
	for (unsigned int p = 0; p < t->np; p++) {
		struct cpu_tile one;
		struct cpu_fix fx;

		one_panel(t, p, &one, &fx);
		one.bwfac = t->bwfac + p * t->bmeta_panel;
		one.corr = t->corr + p;
		one.corr_off = t->corr_off + p * t->corr_panel;
		if (t->pieces == 2)
			t->mr == 1 ? i16w_tile(&one, 1, 2) : i16w_tile(&one, 2, 2);
		else
			t->mr == 1 ? i16w_tile(&one, 1, 1) : i16w_tile(&one, 2, 1);
	}
}
#endif

static void epi_float_row(const struct fpq_gemm_op *op, uint32_t row, uint32_t j0, uint32_t n,
			  const float *acc, struct fpq_gemm_status *st)
{
	const bool abc = op->flags & FPQ_GEMM_ALPHA_BROADCAST;
	const bool bbc = op->flags & FPQ_GEMM_BETA_BROADCAST;
	float *out = (float *)((uint8_t *)op->c.data + (size_t)row * fpq_matrix_stride(&op->c));
	uint32_t j = 0;
	uint64_t clamped = 0;

	for (; j + 8 <= n; j += 8) {
		const uint32_t col = j0 + j;
		__m256 al = !op->alpha ? _mm256_set1_ps(1.0f) : abc ? _mm256_set1_ps(op->alpha[0])
			  : _mm256_loadu_ps(op->alpha + col);
		__m256 be = !op->beta ? _mm256_setzero_ps() : bbc ? _mm256_set1_ps(op->beta[0])
			  : _mm256_loadu_ps(op->beta + col);
		__m256 y = _mm256_fmadd_ps(_mm256_loadu_ps(acc + j), al, be);
		__m256 nan = _mm256_cmp_ps(y, y, _CMP_UNORD_Q);

		y = _mm256_blendv_ps(y, _mm256_castsi256_ps(_mm256_set1_epi32(0x7FC00000)), nan);
		if (op->act == FPQ_ACT_RELU) {
			__m256 neg = _mm256_cmp_ps(y, _mm256_setzero_ps(), _CMP_LT_OQ);

			y = _mm256_blendv_ps(y, _mm256_setzero_ps(), neg);
			clamped += (uint64_t)__builtin_popcount((unsigned int)_mm256_movemask_ps(neg));
		} else if (op->act == FPQ_ACT_CLAMP) {
			__m256 lo = _mm256_set1_ps(op->clamp_lo), hi = _mm256_set1_ps(op->clamp_hi);
			__m256 below = _mm256_cmp_ps(y, lo, _CMP_LT_OQ);
			__m256 above = _mm256_andnot_ps(below, _mm256_cmp_ps(y, hi, _CMP_GT_OQ));

			y = _mm256_blendv_ps(_mm256_blendv_ps(y, lo, below), hi, above);
			clamped += (uint64_t)__builtin_popcount(
				(unsigned int)_mm256_movemask_ps(_mm256_or_ps(below, above)));
		}
		_mm256_storeu_ps(out + col, y);
	}
	st->clamped += clamped;
	if (j < n)
		cpu_epi_float_scalar(op, row, 1, j0 + j, n - j, acc + j, 0, st);
}

static void epi_float(const struct fpq_gemm_op *op, uint32_t row0, unsigned int rows,
		      uint32_t j0, uint32_t n, const float *acc, size_t acc_stride,
		      struct fpq_gemm_status *st)
{
	if (op->c.format != FPQ_FMT_FP32) {
		cpu_epi_float_scalar(op, row0, rows, j0, n, acc, acc_stride, st);
		return;
	}
	for (unsigned int r = 0; r < rows; r++)
		epi_float_row(op, row0 + r, j0, n, acc + r * acc_stride, st);
}

/*
 * INT8 output in ONNX Runtime's mode (FPQ_GEMM_REQUANT_FP32), 8 columns at a time as
 * ref/requant.c and MLAS: cvtdq2ps, one multiply, MAXPS with the lower bound first (a
 * NaN lane takes the bound), MINPS, cvtps2dq under RNE (fpq_fp_enter()); the tail
 * through epilogue.c.
 */
static void epi_requant_fp32_row(const struct fpq_gemm_op *op, uint32_t row, uint32_t j0,
				 uint32_t n, const int32_t *acc, struct fpq_gemm_status *st)
{
	const bool bc = op->flags & FPQ_GEMM_SCALE_BROADCAST;
	const __m256 lo = _mm256_set1_ps((float)(op->act_min - op->out_zero));
	const __m256 hi = _mm256_set1_ps((float)(op->act_max - op->out_zero));
	const __m256i zero_point = _mm256_set1_epi32(op->out_zero);
	uint8_t *out = (uint8_t *)op->c.data + (size_t)row * fpq_matrix_stride(&op->c);
	uint64_t clamped = 0;
	uint32_t j = 0;

	for (; j + 8 <= n; j += 8) {
		const uint32_t col = j0 + j;
		__m256 sc = bc ? _mm256_set1_ps(op->out_scale[0]) : _mm256_loadu_ps(op->out_scale + col);
		__m256 p = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_loadu_si256((const __m256i *)
									      (acc + j))), sc);
		unsigned int inside_lo = (unsigned int)_mm256_movemask_ps(
			_mm256_cmp_ps(p, lo, _CMP_GE_OQ));
		unsigned int above = (unsigned int)_mm256_movemask_ps(
			_mm256_cmp_ps(p, hi, _CMP_GT_OQ));
		__m256i y = _mm256_add_epi32(_mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(p, lo),
									     hi)), zero_point);
		/* y is in act_min..act_max: the saturating packs are exact. */
		__m128i w = _mm_packs_epi32(_mm256_castsi256_si128(y),
					    _mm256_extracti128_si256(y, 1));

		clamped += (uint64_t)__builtin_popcount((~inside_lo & 0xFFu) | above);
		_mm_storel_epi64((__m128i *)(out + col), _mm_packs_epi16(w, w));
	}
	st->clamped += clamped;
	if (j < n)
		cpu_epi_int8_scalar(op, row, 1, j0 + j, n - j, acc + j, 0, st);
}

static void epi_int8(const struct fpq_gemm_op *op, uint32_t row0, unsigned int rows,
		     uint32_t j0, uint32_t n, const int32_t *acc, size_t acc_stride,
		     struct fpq_gemm_status *st)
{
	if (op->flags & FPQ_GEMM_REQUANT_FP32) {
		for (unsigned int r = 0; r < rows; r++)
			epi_requant_fp32_row(op, row0 + r, j0, n, acc + r * acc_stride, st);
		return;
	}
	if (op->c.format != FPQ_FMT_INT32) {
		cpu_epi_int8_scalar(op, row0, rows, j0, n, acc, acc_stride, st);
		return;
	}
	for (unsigned int r = 0; r < rows; r++)
		memcpy((uint8_t *)op->c.data + (size_t)(row0 + r) * fpq_matrix_stride(&op->c) +
		       (size_t)j0 * 4, acc + r * acc_stride, (size_t)n * 4);
}
