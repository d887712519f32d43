/* SPDX-License-Identifier: MIT */
/*
 * avx512.h - what the AVX-512 files of the CPU backend share: the tile loop helpers and
 * the binary32 epilogue steps (the kernels finish binary32 tiles in registers with the
 * same code epi_avx512.c uses). Included only by files compiled with the AVX-512 flags.
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
void cpu_avx512_pack_a(struct cpu_apack *ap, const struct fpq_matrix *a, enum fpq_format fb,
		       uint32_t r0, uint32_t r1);

#endif /* FPQ_CPU_AVX512_H */
