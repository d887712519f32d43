// SPDX-License-Identifier: MIT
/*
 * gemv_avx512.c - the unpacked INT8 path's kernel (see gemv.c) for the AVX-512 set: four
 * channels at a time, each of B's rows read once in 64-byte pieces (the last one masked)
 * and multiplied into every row of A with vpdpbusd; a fifth dot product with ones sums
 * the channel, which turns sum (a + 128) b into sum (a - zp) b.
 */
#include "avx512.h"

#define CHANNELS 4

INLINE void gemv_channels(const struct cpu_gemv *gv, uint32_t j, const unsigned int M,
			  const unsigned int C)
{
	__m512i acc[CPU_GEMV_MAX_M][CHANNELS], bsum[CHANNELS];
	const __m512i ones = _mm512_set1_epi8(1);

	UNROLL
	for (unsigned int c = 0; c < C; c++) {
		bsum[c] = _mm512_setzero_si512();
		UNROLL
		for (unsigned int i = 0; i < M; i++)
			acc[i][c] = _mm512_setzero_si512();
	}
	for (uint32_t k = 0; k < gv->k; k += 64) {
		const __mmask64 mask = gv->k - k >= 64 ? ~(__mmask64)0
						       : ((__mmask64)1 << (gv->k - k)) - 1;
		__m512i a[CPU_GEMV_MAX_M], b[CHANNELS];

		UNROLL
		for (unsigned int i = 0; i < M; i++)
			a[i] = _mm512_maskz_loadu_epi8(mask, gv->a + i * gv->a_stride + k);
		UNROLL
		for (unsigned int c = 0; c < C; c++) {
			b[c] = _mm512_maskz_loadu_epi8(mask, (const uint8_t *)gv->b +
						       (size_t)(j + c) * gv->b_stride + k);
			bsum[c] = _mm512_dpbusd_epi32(bsum[c], ones, b[c]);
			UNROLL
			for (unsigned int i = 0; i < M; i++)
				acc[i][c] = _mm512_dpbusd_epi32(acc[i][c], a[i], b[c]);
		}
	}
	UNROLL
	for (unsigned int c = 0; c < C; c++) {
		/* Wrapping int32 throughout: the exact sum fits, the steps wrap alike. */
		const uint32_t sb = (uint32_t)_mm512_reduce_add_epi32(bsum[c]);
		const uint32_t corr = (uint32_t)(128 + gv->zero_point) * sb;
		const uint32_t bias = gv->bias ? (uint32_t)gv->bias[j + c] : 0u;

		UNROLL
		for (unsigned int i = 0; i < M; i++)
			gv->acc[i * gv->acc_stride + j + c] = (int32_t)(bias - corr +
				(uint32_t)_mm512_reduce_add_epi32(acc[i][c]));
	}
}

INLINE void gemv_rows(const struct cpu_gemv *gv, uint32_t j0, uint32_t j1, const unsigned int M)
{
	uint32_t j = j0;

	for (; j + CHANNELS <= j1; j += CHANNELS)
		gemv_channels(gv, j, M, CHANNELS);
	for (; j < j1; j++)
		gemv_channels(gv, j, M, 1);
}

void cpu_avx512_gemv_int8(const struct cpu_gemv *gv, uint32_t j0, uint32_t j1)
{
	switch (gv->m) {
	case 1: gemv_rows(gv, j0, j1, 1); break;
	case 2: gemv_rows(gv, j0, j1, 2); break;
	case 3: gemv_rows(gv, j0, j1, 3); break;
	default: gemv_rows(gv, j0, j1, 4); break;
	}
}
