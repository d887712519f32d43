/* SPDX-License-Identifier: MIT */
/*
 * avx512.h - what the AVX-512 files of the CPU backend share: the tile loop helpers, the
 * element-code readers of the decoders of A and B, and the binary32 epilogue steps (the
 * kernels finish binary32 tiles in registers with the same code epi_avx512.c uses).
 * Included only by files compiled with the AVX-512 flags.
 */
#ifndef FPQ_CPU_AVX512_H
#define FPQ_CPU_AVX512_H

#include <immintrin.h>
#include <string.h>

#include "cpu.h"

#define INLINE static inline __attribute__((always_inline))
/* Tile loops have compile-time bounds: unroll them so the tile lives in registers. */
#define UNROLL _Pragma("GCC unroll 16")

INLINE int32_t load_i32(const void *p)
{
	int32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

INLINE __mmask16 tail_mask(uint32_t left)
{
	return left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
}

INLINE __m512 canonical_nan(__m512 y)
{
	__mmask16 nan = _mm512_cmp_ps_mask(y, y, _CMP_UNORD_Q);

	return _mm512_mask_mov_ps(y, nan, _mm512_castsi512_ps(_mm512_set1_epi32(0x7FC00000)));
}

/* Exact integer values of the 64 codes of a 6-bit (or 16 of a 4-bit) format. */
INLINE void value_table(enum fpq_format fmt, int16_t *tab, unsigned int n)
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

/* Epilogues (epi_avx512.c) and A decoders (decode_avx512.c) of the kernel set. */
void cpu_avx512_epi_float(const struct fpq_gemm_op *op, uint32_t row0, unsigned int rows,
			  uint32_t j0, uint32_t n, const float *acc, size_t acc_stride,
			  struct fpq_gemm_status *st);
void cpu_avx512_epi_int8(const struct fpq_gemm_op *op, uint32_t row0, unsigned int rows,
			 uint32_t j0, uint32_t n, const int32_t *acc, size_t acc_stride,
			 struct fpq_gemm_status *st);
void cpu_avx512_gemv_int8(const struct cpu_gemv *gv, uint32_t j0, uint32_t j1);
int cpu_avx512_pack_b_panel(struct cpu_bpack *bp, const struct fpq_matrix *b, uint32_t p);
void cpu_avx512_pack_a(struct cpu_apack *ap, const struct fpq_matrix *a, enum fpq_format fb,
		       uint32_t r0, uint32_t r1);

#endif /* FPQ_CPU_AVX512_H */
