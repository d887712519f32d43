// SPDX-License-Identifier: MIT
/*
 * packb_avx512.c - B packed per call for the AVX-512 kernel set, for the INT8 path and
 * every class of the MX formats: a panel of 16 channels is a 16 x 16 transpose of 4-byte
 * groups (each lane of a k step holds four consecutive int8 k, or two int16 k, of one
 * channel), with the channel or block sums taken on the way; for the binary64 class,
 * two 8 x 8 transposes of doubles. Panels the portable packer (pack.c) does instead: a
 * last panel with fewer than 16 channels and K not a multiple of 64. Both must give the
 * same bytes.
 */
#include "avx512.h"

/* out[L] gathers 128-bit lane L of w, x, y and z (a 4 x 4 transpose of lanes). */
INLINE void transpose_lanes(__m512i w, __m512i x, __m512i y, __m512i z, __m512i out[4])
{
	__m512i v0 = _mm512_shuffle_i32x4(w, x, 0x44), v1 = _mm512_shuffle_i32x4(w, x, 0xEE);
	__m512i v2 = _mm512_shuffle_i32x4(y, z, 0x44), v3 = _mm512_shuffle_i32x4(y, z, 0xEE);

	out[0] = _mm512_shuffle_i32x4(v0, v2, 0x88);
	out[1] = _mm512_shuffle_i32x4(v0, v2, 0xDD);
	out[2] = _mm512_shuffle_i32x4(v1, v3, 0x88);
	out[3] = _mm512_shuffle_i32x4(v1, v3, 0xDD);
}

/* Rows r[0..15] of 16 dwords become columns: out[t] holds dword t of every row. */
INLINE void transpose16x16_epi32(const __m512i r[16], __m512i out[16])
{
	__m512i t[16], u[16];

	/* In each 128-bit lane: pairs of rows interleaved, then quads. */
	for (int i = 0; i < 8; i++) {
		t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
		t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
	}
	for (int i = 0; i < 4; i++) {
		u[4 * i] = _mm512_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
		u[4 * i + 1] = _mm512_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
		u[4 * i + 2] = _mm512_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
		u[4 * i + 3] = _mm512_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
	}
	/*
	 * u[4i + c], lane L: rows 4i..4i+3 of dword 4L + c. A 4 x 4 transpose of lanes
	 * gathers dword 4L + c of all 16 rows.
	 */
	for (int c = 0; c < 4; c++) {
		__m512i l[4];

		transpose_lanes(u[c], u[4 + c], u[8 + c], u[12 + c], l);
		for (int L = 0; L < 4; L++)
			out[4 * L + c] = l[L];
	}
}

/* 16 rows of 64 bytes of panel p, transposed into its 16 k steps from step0 on. */
INLINE void store_steps(struct cpu_bpack *bp, uint32_t p, uint32_t step0, const __m512i r[16],
			__m512i out[16])
{
	transpose16x16_epi32(r, out);
	for (int t = 0; t < 16; t++)
		_mm512_store_si512(cpu_bpack_at(bp, p, step0 + (uint32_t)t), out[t]);
}

/*
 * The scale data of block t of panel p's channels, and the panel's summaries. A channel's
 * block is special when its scale is NaN or (bit l of code_special) it holds a NaN or
 * Inf code.
 */
static void block_meta(struct cpu_bpack *bp, const struct fpq_matrix *b, uint32_t p,
		       uint32_t t, uint16_t code_special)
{
	const uint32_t j0 = p * CPU_PANEL;
	const size_t meta = ((size_t)p * bp->nblk + t) * CPU_PANEL;
	int16_t lo = INT16_MAX, hi = INT16_MIN;
	uint8_t any_special = 0;

	for (uint32_t l = 0; l < CPU_PANEL; l++) {
		const uint8_t s = bp->scaled ? fpq_matrix_scale(b, j0 + l, t) : 127;
		const int xb = (int)s - 127;
		const int special = s == 0xFF || ((code_special >> l) & 1);

		bp->bexp[meta + l] = special ? 0.0f : (float)xb;
		bp->bfac[meta + l] = special ? 1.0f : cpu_pow2f(xb);
		bp->special[(size_t)(j0 + l) * bp->nblk + t] = (uint8_t)special;
		any_special |= (uint8_t)special;
		if (!special) {
			lo = xb < lo ? (int16_t)xb : lo;
			hi = xb > hi ? (int16_t)xb : hi;
		}
	}
	bp->pspecial[(size_t)p * bp->nblk + t] = any_special;
	bp->pemin[(size_t)p * bp->nblk + t] = lo;
	bp->pemax[(size_t)p * bp->nblk + t] = hi;
}

/* INT8 path: bytes b + 128 and, per channel, the sum of b. */
static void pack_int8_panel(struct cpu_bpack *bp, const struct fpq_matrix *b, uint32_t p)
{
	const uint32_t j0 = p * CPU_PANEL;
	const size_t stride = fpq_matrix_stride(b);
	const __m512i bias = _mm512_set1_epi8(-128);
	__m512i sums[16];

	for (int l = 0; l < 16; l++)
		sums[l] = _mm512_setzero_si512();
	for (uint32_t k = 0; k < bp->k; k += 64) {
		__m512i r[16], out[16];

		for (int l = 0; l < 16; l++) {
			const uint8_t *row = (const uint8_t *)b->data + (size_t)(j0 + l) * stride;

			/* b + 128 as a byte is b with its top bit flipped. */
			r[l] = _mm512_xor_si512(_mm512_loadu_si512(row + k), bias);
			sums[l] = _mm512_add_epi64(sums[l],
						   _mm512_sad_epu8(r[l], _mm512_setzero_si512()));
		}
		store_steps(bp, p, k / 4, r, out);
	}
	/* The sums of b + 128, less 128 per element: the sum of b (as the portable packer
	 * computes it, in wrapping int32). */
	for (int l = 0; l < 16; l++)
		bp->colsum[j0 + l] = (int32_t)(uint32_t)((uint64_t)_mm512_reduce_add_epi64(sums[l]) -
							  128u * (uint64_t)bp->k);
}

/*
 * Int8-class MX formats: the exact integer values as int8, and per (channel, block) -128
 * times the block sum (vpdpbusd of ones over the block's eight k steps gives all 16 lanes
 * at once), the scale exponent and the NaN-scale flag (these formats have no special
 * codes), with the panel's summaries.
 */
static void pack_mx_i8_panel(struct cpu_bpack *bp, const struct fpq_matrix *b, uint32_t p)
{
	const uint32_t j0 = p * CPU_PANEL;
	const size_t stride = fpq_matrix_stride(b);
	const unsigned int bits = fpq_format_info(b->format)->bits;
	const int values_are_codes = b->format == FPQ_FMT_MXINT8;
	const __m512i ones = _mm512_set1_epi8(1);
	int16_t tab[64] = { 0 };
	int8_t tab8[64];

	if (!values_are_codes)
		value_table(b->format, tab, 1u << bits);
	for (int c = 0; c < 64; c++)
		tab8[c] = (int8_t)tab[c];
	const __m512i t8 = _mm512_loadu_si512(tab8);

	for (uint32_t k = 0; k < bp->k; k += 64) {
		__m512i r[16], out[16];

		for (int l = 0; l < 16; l++) {
			const uint8_t *row = (const uint8_t *)b->data + (size_t)(j0 + l) * stride;
			__m512i codes = _mm512_setzero_si512();

			codes64(b, bits, row, k, &codes);   /* whole: k + 64 <= K */
			r[l] = values_are_codes ? codes : _mm512_permutexvar_epi8(codes, t8);
		}
		store_steps(bp, p, k / 4, r, out);
		for (uint32_t h = 0; h < 2; h++) {
			const uint32_t t = k / CPU_KALIGN + h;
			const size_t meta = ((size_t)p * bp->nblk + t) * CPU_PANEL;
			__m512i sum = _mm512_setzero_si512();

			for (int q = 0; q < 8; q++)
				sum = _mm512_dpbusd_epi32(sum, ones, out[8 * h + (uint32_t)q]);
			_mm512_storeu_si512(bp->bcorr + meta,
					    _mm512_mullo_epi32(sum, _mm512_set1_epi32(-128)));
			block_meta(bp, b, p, t, 0);
		}
	}
}

/* The int16 class (A of e3m2, or e3m2 weights): exact values as int16, a block per
 * transpose (32 k: a k step holds two k per lane). */
static void pack_mx_i16_panel(struct cpu_bpack *bp, const struct fpq_matrix *b, uint32_t p)
{
	const uint32_t j0 = p * CPU_PANEL;
	const size_t stride = fpq_matrix_stride(b);
	const unsigned int bits = fpq_format_info(b->format)->bits;
	const int values_are_codes = b->format == FPQ_FMT_MXINT8;
	int16_t tab[64] = { 0 };

	if (!values_are_codes)
		value_table(b->format, tab, 1u << bits);
	const __m512i t16lo = _mm512_loadu_si512(tab), t16hi = _mm512_loadu_si512(tab + 32);

	for (uint32_t k = 0; k < bp->k; k += 64) {
		__m512i r[2][16], out[16];

		for (int l = 0; l < 16; l++) {
			const uint8_t *row = (const uint8_t *)b->data + (size_t)(j0 + l) * stride;
			__m512i codes = _mm512_setzero_si512();

			codes64(b, bits, row, k, &codes);   /* whole: k + 64 <= K */
			for (int h = 0; h < 2; h++) {
				__m512i c16 = _mm512_cvtepu8_epi16(
					h ? _mm512_extracti64x4_epi64(codes, 1)
					  : _mm512_castsi512_si256(codes));

				r[h][l] = values_are_codes
					  ? _mm512_srai_epi16(_mm512_slli_epi16(c16, 8), 8)
					  : _mm512_permutex2var_epi16(t16lo, c16, t16hi);
			}
		}
		for (uint32_t h = 0; h < 2; h++) {
			store_steps(bp, p, (k + 32 * h) / 2, r[h], out);
			block_meta(bp, b, p, k / CPU_KALIGN + h, 0);
		}
	}
}

/* Rows r[0..7] of 8 doubles become columns: out[t] holds element t of every row. */
INLINE void transpose8x8_pd(const __m512d r[8], __m512d out[8])
{
	__m512d a[8];

	for (int i = 0; i < 4; i++) {
		a[2 * i] = _mm512_unpacklo_pd(r[2 * i], r[2 * i + 1]);
		a[2 * i + 1] = _mm512_unpackhi_pd(r[2 * i], r[2 * i + 1]);
	}
	/* a[2i + c], lane L: rows 2i, 2i+1 of element 2L + c; transpose the lanes. */
	for (int c = 0; c < 2; c++) {
		__m512i l[4];

		transpose_lanes(_mm512_castpd_si512(a[c]), _mm512_castpd_si512(a[2 + c]),
				_mm512_castpd_si512(a[4 + c]), _mm512_castpd_si512(a[6 + c]), l);
		for (int L = 0; L < 4; L++)
			out[2 * L + c] = _mm512_castsi512_pd(l[L]);
	}
}

/*
 * The binary64 class: each value sig * 2^xb exactly as the portable packer computes it
 * (the same table, gathered; a special block's factor is 0), a k step being the 16
 * channels' doubles; specials: e4m3 S.1111.111, e5m2 S.11111.xx, none in the others.
 */
static void pack_f64_panel(struct cpu_bpack *bp, const struct fpq_matrix *b, uint32_t p)
{
	const uint32_t j0 = p * CPU_PANEL;
	const size_t stride = fpq_matrix_stride(b);
	const unsigned int bits = fpq_format_info(b->format)->bits;
	const double *sig = cpu_codec(b->format)->sig;
	const int has_special = b->format == FPQ_FMT_E4M3 || b->format == FPQ_FMT_E5M2;
	const __m512i sp_mask = _mm512_set1_epi8(b->format == FPQ_FMT_E4M3 ? 0x7F : 0x7C);

	for (uint32_t k = 0; k < bp->k; k += 64) {
		/* v[l][g]: channel l, k + 8g .. k + 8g + 7. */
		__m512d v[16][8];
		uint16_t code_special[2] = { 0, 0 };

		for (uint32_t l = 0; l < CPU_PANEL; l++) {
			const uint8_t *row = (const uint8_t *)b->data + (size_t)(j0 + l) * stride;
			uint8_t c[64] __attribute__((aligned(64)));
			__m512i codes = _mm512_setzero_si512();
			__mmask64 sp = 0;

			codes64(b, bits, row, k, &codes);   /* whole: k + 64 <= K */
			_mm512_store_si512(c, codes);
			if (has_special)
				sp = _mm512_cmpeq_epi8_mask(_mm512_and_si512(codes, sp_mask), sp_mask);
			for (uint32_t h = 0; h < 2; h++) {
				const uint32_t t = k / CPU_KALIGN + h;
				const uint8_t s = bp->scaled ? fpq_matrix_scale(b, j0 + l, t) : 127;
				const int special = s == 0xFF || ((sp >> (32 * h)) & 0xFFFFFFFFu) != 0;
				const __m512d f = _mm512_set1_pd(special ? 0.0 : cpu_pow2((int)s - 127));

				if ((sp >> (32 * h)) & 0xFFFFFFFFu)
					code_special[h] |= (uint16_t)(1u << l);
				for (uint32_t g = 4 * h; g < 4 * h + 4; g++) {
					__m256i idx = _mm256_cvtepu8_epi32(
						_mm_loadl_epi64((const void *)(c + 8 * g)));

					v[l][g] = _mm512_mul_pd(_mm512_i32gather_pd(idx, sig, 8), f);
				}
			}
		}
		for (uint32_t g = 0; g < 8; g++) {
			__m512d rows[8], out[2][8];

			for (int half = 0; half < 2; half++) {
				for (int l = 0; l < 8; l++)
					rows[l] = v[8 * half + l][g];
				transpose8x8_pd(rows, out[half]);
			}
			for (uint32_t t = 0; t < 8; t++) {
				double *dst = (double *)cpu_bpack_at(bp, p, k + 8 * g + t);

				_mm512_store_pd(dst, out[0][t]);
				_mm512_store_pd(dst + 8, out[1][t]);
			}
		}
		for (uint32_t h = 0; h < 2; h++)
			block_meta(bp, b, p, k / CPU_KALIGN + h, code_special[h]);
	}
}

/*
 * The int16-window class (e4m3): as pack_b_panel_window() in pack.c. An element
 * 4-bit-integer x 2^E fits a window at shift sh when lo <= sh <= hi, with lo = its bit
 * length - 15 (at least 0) and hi = its trailing zeros, looked up per code; each
 * channel's shift is the smallest of those fitting the most elements of the block (a
 * count per candidate over 64 byte lanes, two blocks at once), the window values
 * (base << E) >> sh with per-lane shifts in int16 lanes, the rest listed as corrections.
 */
static void pack_window_panel(struct cpu_bpack *bp, const struct fpq_matrix *b, uint32_t p)
{
	const struct cpu_codec *cd = cpu_codec(FPQ_FMT_E4M3);
	const uint32_t j0 = p * CPU_PANEL;
	const size_t stride = fpq_matrix_stride(b);
	uint32_t *off = bp->corr_off + (size_t)p * (bp->nblk + 1);
	struct cpu_bcorr *list = NULL;
	size_t count = 0, cap = 0;
	int8_t lo_tab[128], hi_tab[128];

	for (unsigned int c = 0; c < 128; c++) {
		const uint32_t m = (uint32_t)cd->isig[c];
		const int lo = m ? 32 - __builtin_clz(m) - 15 : 0;

		lo_tab[c] = (int8_t)(lo < 0 ? 0 : lo);
		hi_tab[c] = (int8_t)(m ? __builtin_ctz(m) : -1);   /* -1: never fits */
	}
	const __m512i lo0 = _mm512_loadu_si512(lo_tab), lo1 = _mm512_loadu_si512(lo_tab + 64);
	const __m512i hi0 = _mm512_loadu_si512(hi_tab), hi1 = _mm512_loadu_si512(hi_tab + 64);
	const __m512i mag7 = _mm512_set1_epi8(0x7F);

	for (uint32_t k = 0; k < bp->k; k += 64) {
		__m512i codes[16], lo[16], hi[16];
		__mmask64 sp[16];

		for (uint32_t l = 0; l < CPU_PANEL; l++) {
			const uint8_t *row = (const uint8_t *)b->data + (size_t)(j0 + l) * stride;
			const __m512i mag = _mm512_and_si512(_mm512_loadu_si512(row + k), mag7);

			codes[l] = _mm512_loadu_si512(row + k);
			lo[l] = _mm512_permutex2var_epi8(lo0, mag, lo1);
			hi[l] = _mm512_permutex2var_epi8(hi0, mag, hi1);
			sp[l] = _mm512_cmpeq_epi8_mask(mag, mag7);   /* S.1111.111: NaN */
		}
		for (uint32_t h = 0; h < 2; h++) {
			const uint32_t t = k / CPU_KALIGN + h;
			const size_t meta = ((size_t)p * bp->nblk + t) * CPU_PANEL;
			uint16_t code_special = 0;
			__m512i r[16], out[16];

			off[t] = (uint32_t)count;
			for (uint32_t l = 0; l < CPU_PANEL; l++) {
				const uint8_t s = bp->scaled ? fpq_matrix_scale(b, j0 + l, t) : 127;
				const int xb = (int)s - 127;
				const uint32_t half_sp = (uint32_t)(sp[l] >> (32 * h));
				const int special = s == 0xFF || half_sp != 0;
				int best = -1;
				unsigned int sh = 0;
				uint32_t fit = 0;

				if (half_sp)
					code_special |= (uint16_t)(1u << l);
				for (unsigned int c = 0; c < 18 && !special; c++) {
					const __m512i cv = _mm512_set1_epi8((char)c);
					const uint32_t f = (uint32_t)((_mm512_cmple_epi8_mask(lo[l], cv) &
						_mm512_cmpge_epi8_mask(hi[l], cv)) >> (32 * h));

					if (__builtin_popcount(f) > best) {
						best = __builtin_popcount(f);
						sh = c;
						fit = f;
					}
				}
				const __m512i c16 = _mm512_cvtepu8_epi16(h
					? _mm512_extracti64x4_epi64(codes[l], 1)
					: _mm512_castsi512_si256(codes[l]));
				const __m512i e = _mm512_and_si512(_mm512_srli_epi16(c16, 3),
								   _mm512_set1_epi16(15));
				const __m512i m = _mm512_and_si512(c16, _mm512_set1_epi16(7));
				const __mmask32 normal = _mm512_test_epi16_mask(e, e);
				/* value = base << E: base 8 + m and E = e - 1, or m and 0. */
				const __m512i base = _mm512_mask_add_epi16(m, normal, m,
									   _mm512_set1_epi16(8));
				const __m512i ex = _mm512_maskz_sub_epi16(normal, e, _mm512_set1_epi16(1));
				const __m512i shv = _mm512_set1_epi16((short)sh);
				const __m512i left = _mm512_subs_epu16(ex, shv);
				const __m512i right = _mm512_subs_epu16(shv, ex);
				__m512i v = _mm512_srlv_epi16(_mm512_sllv_epi16(base, left), right);

				v = _mm512_mask_sub_epi16(v, _mm512_test_epi16_mask(c16,
							  _mm512_set1_epi16(0x80)),
							  _mm512_setzero_si512(), v);
				r[l] = _mm512_maskz_mov_epi16(special ? 0 : fit, v);
				/* Nonzero elements outside the window: corrections, in k order. */
				uint32_t rest = special ? 0 : (uint32_t)(_mm512_cmpge_epi8_mask(hi[l],
					_mm512_setzero_si512()) >> (32 * h)) & ~fit;

				while (rest) {
					const uint32_t kk = (uint32_t)__builtin_ctz(rest);
					const uint8_t c = ((const uint8_t *)b->data)[(size_t)(j0 + l) * stride +
										     k + 32 * h + kk];

					cpu_bcorr_push(&list, &count, &cap,
						       (double)cd->isig[c] * cpu_pow2(xb), kk, l);
					rest &= rest - 1;
				}
				bp->bwfac[meta + l] = special ? 1.0 : cpu_pow2((int)sh + xb);
			}
			store_steps(bp, p, (k + 32 * h) / 2, r, out);
			block_meta(bp, b, p, t, code_special);
		}
	}
	off[bp->nblk] = (uint32_t)count;
	free(bp->corr[p]);
	bp->corr[p] = list;
}

int cpu_avx512_pack_b_panel(struct cpu_bpack *bp, const struct fpq_matrix *b, uint32_t p)
{
	const int int8_class = b->format == FPQ_FMT_E2M3 || b->format == FPQ_FMT_E2M1 ||
			       b->format == FPQ_FMT_MXINT8;

	if (bp->k % 64 || (p + 1) * CPU_PANEL > bp->n)
		return 0;
	if (bp->colsum) {
		if (bp->cls != CPU_CLASS_I8 || b->format != FPQ_FMT_INT8)
			return 0;
		pack_int8_panel(bp, b, p);
	} else if (bp->cls == CPU_CLASS_I8 && int8_class) {
		pack_mx_i8_panel(bp, b, p);
	} else if (bp->cls == CPU_CLASS_I16 && (int8_class || b->format == FPQ_FMT_E3M2)) {
		pack_mx_i16_panel(bp, b, p);
	} else if (bp->cls == CPU_CLASS_F64) {
		pack_f64_panel(bp, b, p);
	} else if (bp->cls == CPU_CLASS_I16W && b->format == FPQ_FMT_E4M3) {
		pack_window_panel(bp, b, p);
	} else {
		return 0;
	}
	return 1;
}
