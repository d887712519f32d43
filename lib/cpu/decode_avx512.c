// SPDX-License-Identifier: MIT
/*
 * decode_avx512.c - A decoded per call for the AVX-512 kernel set (the layouts of
 * cpu.h), with VBMI byte permutes: 6-bit groups spread with vpermb and split with
 * vpmultishiftqb, element values looked up with vpermb/vpermi2w, e4m3 and e5m2 through
 * 128-entry bfloat16 tables; the INT8 path only sums A's rows. Rows that do not end on
 * 64 elements, and the two-piece binary64 class, use the portable decoder (pack.c),
 * which these must match byte for byte.
 */
#include "avx512.h"

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
					: cpu_pow2(is_fp8 ? x - lsb_a : x));

				cpu_apack_block(ap, e, special, x);
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

/*
 * I16W, e4m3 in two pieces: sign * (|a| mod 2^9) and sign * (|a| >> 9) as int16, looked
 * up on the magnitude (two 64-entry halves per piece), then negated where the sign is.
 */
static void pack_a_split(struct cpu_apack *ap, const struct fpq_matrix *a, enum fpq_format fb,
			 uint32_t r0, uint32_t r1)
{
	const struct cpu_codec *cd = cpu_codec(a->format);
	const size_t stride = fpq_matrix_stride(a);
	const int lsb = fpq_elem_lsb_exp(a->format) + fpq_elem_lsb_exp(fb);
	int16_t lo9[128], hi9[128];

	for (unsigned int c = 0; c < 128; c++) {
		lo9[c] = (int16_t)(cd->isig[c] & 511);
		hi9[c] = (int16_t)(cd->isig[c] >> 9);
	}
	const __m512i lo_a = _mm512_loadu_si512(lo9), lo_b = _mm512_loadu_si512(lo9 + 32);
	const __m512i lo_c = _mm512_loadu_si512(lo9 + 64), lo_d = _mm512_loadu_si512(lo9 + 96);
	const __m512i hi_a = _mm512_loadu_si512(hi9), hi_b = _mm512_loadu_si512(hi9 + 32);
	const __m512i hi_c = _mm512_loadu_si512(hi9 + 64), hi_d = _mm512_loadu_si512(hi9 + 96);
	const __m512i nan = _mm512_set1_epi8(0x7F);

	for (uint32_t r = r0; r < r1; r++) {
		const uint8_t *row = (const uint8_t *)a->data + (size_t)r * stride;
		int16_t *lo = (int16_t *)(ap->data + (size_t)r * ap->row_bytes), *hi = lo + ap->kpad;

		if (ap->k % 64) {
			cpu_pack_a_rows_generic(ap, a, fb, r, r + 1);
			continue;
		}
		for (uint32_t k = 0; k < ap->k; k += 64) {
			const __m512i codes = _mm512_loadu_si512(row + k);
			/* S.1111.111 is e4m3's NaN. */
			const __mmask64 sp = _mm512_cmpeq_epi8_mask(_mm512_and_si512(codes, nan), nan);

			UNROLL
			for (unsigned int h = 0; h < 2; h++) {
				const uint32_t t = (k + 32 * h) / CPU_KALIGN;
				const size_t e = (size_t)r * ap->nblk + t;
				const uint8_t s = a->scales ? fpq_matrix_scale(a, r, t) : 127;
				const int special = s == 0xFF || ((sp >> (32 * h)) & 0xFFFFFFFFu) != 0;
				const int x = (int)s - 127 + lsb;
				const __m512i c16 = _mm512_cvtepu8_epi16(
					h ? _mm512_extracti64x4_epi64(codes, 1) : _mm512_castsi512_si256(codes));
				const __mmask32 upper = _mm512_test_epi16_mask(c16, _mm512_set1_epi16(64));
				const __mmask32 neg = _mm512_test_epi16_mask(c16, _mm512_set1_epi16(128));
				/* Codes 0..63 from the first two tables, 64..127 from the others. */
				__m512i vl = _mm512_mask_mov_epi16(
					_mm512_permutex2var_epi16(lo_a, c16, lo_b), upper,
					_mm512_permutex2var_epi16(lo_c, c16, lo_d));
				__m512i vh = _mm512_mask_mov_epi16(
					_mm512_permutex2var_epi16(hi_a, c16, hi_b), upper,
					_mm512_permutex2var_epi16(hi_c, c16, hi_d));

				vl = _mm512_mask_sub_epi16(vl, neg, _mm512_setzero_si512(), vl);
				vh = _mm512_mask_sub_epi16(vh, neg, _mm512_setzero_si512(), vh);
				_mm512_storeu_si512(lo + k + 32 * h, vl);
				_mm512_storeu_si512(hi + k + 32 * h, vh);
				cpu_apack_block(ap, e, special, x);
			}
		}
	}
}

/*
 * The INT8 path's row corrections (-128 * the sum of the row's codes, mod 2^32) of eight
 * rows at once, and their copy to dst (row_bytes apart, zeros up to kpad) when A is not
 * read in place: per row the dword sums of four signed codes (vpdpbusd with bytes of 1;
 * the masked tail adds zeros), then one transposing reduction for the eight rows instead
 * of a horizontal sum per row (which cost more than the loads for short rows).
 */
static void rowcorr8(const uint8_t *row, size_t stride, uint32_t k, uint8_t *dst,
		     size_t row_bytes, uint32_t kpad, int32_t *out)
{
	const __m512i ones = _mm512_set1_epi8(1);
	__m512i s[8], x[4], y[2];

	UNROLL
	for (int r = 0; r < 8; r++) {
		s[r] = _mm512_setzero_si512();
		for (uint32_t j = 0; j < k; j += 64) {
			const uint32_t n = k - j < 64 ? k - j : 64;
			const __mmask64 m = n == 64 ? ~(__mmask64)0 : ((__mmask64)1 << n) - 1;
			const __m512i v = _mm512_maskz_loadu_epi8(m, row + r * stride + j);

			if (dst) {
				const uint32_t np = kpad - j < 64 ? kpad - j : 64;

				_mm512_mask_storeu_epi8(dst + r * row_bytes + j, np == 64 ? ~(__mmask64)0
							: ((__mmask64)1 << np) - 1, v);
			}
			s[r] = _mm512_dpbusd_epi32(s[r], ones, v);
		}
	}
	/* rows interleaved by dwords, then by qwords: lane l of y[h] holds, in its 128-bit
	 * lane q, the partial sums of rows 4h..4h+3 */
	UNROLL
	for (int i = 0; i < 4; i++)
		x[i] = _mm512_add_epi32(_mm512_unpacklo_epi32(s[2 * i], s[2 * i + 1]),
					_mm512_unpackhi_epi32(s[2 * i], s[2 * i + 1]));
	UNROLL
	for (int h = 0; h < 2; h++)
		y[h] = _mm512_add_epi32(_mm512_unpacklo_epi64(x[2 * h], x[2 * h + 1]),
					_mm512_unpackhi_epi64(x[2 * h], x[2 * h + 1]));
	/* the four 128-bit lanes added: rows 0..3 then 4..7 */
	const __m512i z = _mm512_add_epi32(_mm512_shuffle_i32x4(y[0], y[1], 0x88),
					   _mm512_shuffle_i32x4(y[0], y[1], 0xDD));
	const __m512i w = _mm512_add_epi32(z, _mm512_shuffle_i32x4(z, z, 0xB1));
	const __m256i sums = _mm512_castsi512_si256(_mm512_shuffle_i32x4(w, w, 0x08));

	_mm256_storeu_si256((__m256i *)out, _mm256_sub_epi32(_mm256_setzero_si256(),
							     _mm256_slli_epi32(sums, 7)));
}

void cpu_avx512_pack_a(struct cpu_apack *ap, const struct fpq_matrix *a, enum fpq_format fb,
		       uint32_t r0, uint32_t r1)
{
	const int int8_path = a->format == FPQ_FMT_INT8;
	const int lsb = fpq_elem_lsb_exp(a->format) + fpq_elem_lsb_exp(fb);
	const unsigned int bits = fpq_format_info(a->format)->bits;
	const size_t stride = fpq_matrix_stride(a);
	int16_t tab[64] = { 0 };
	int8_t tab8[64];

	if (ap->cls == CPU_CLASS_I16W && ap->pieces == 2) {
		pack_a_split(ap, a, fb, r0, r1);
		return;
	}
	if (ap->cls == CPU_CLASS_F64) {
		if (ap->pieces == 1)
			pack_a_f64(ap, a, fb, r0, r1);
		else
			cpu_pack_a_rows_generic(ap, a, fb, r0, r1);
		return;
	}
	if (int8_path && ap->cls == CPU_CLASS_I8) {
		/* The codes are the operand: sum each row (sad of the biased bytes), and copy
		 * it only when its padding must be added. The last piece of a row is a masked
		 * load (zeros past k, which the bias turns into 128 each, as whole pieces'
		 * bytes) and, when copied, a masked store up to kpad (the padding is zeros). */
		for (; r0 + 8 <= r1; r0 += 8)
			rowcorr8((const uint8_t *)a->data + (size_t)r0 * stride, stride, ap->k,
				 ap->data ? ap->data + (size_t)r0 * ap->row_bytes : NULL,
				 ap->row_bytes, ap->kpad, ap->rowcorr + r0);
		for (uint32_t r = r0; r < r1; r++) {
			const uint8_t *row = (const uint8_t *)a->data + (size_t)r * stride;
			uint8_t *dst = ap->data ? ap->data + (size_t)r * ap->row_bytes : NULL;
			__m512i acc = _mm512_setzero_si512();
			uint32_t k = 0, pieces = 0, sum;

			for (; k < ap->k; k += 64, pieces++) {
				const uint32_t n = ap->k - k < 64 ? ap->k - k : 64;
				const __mmask64 m = n == 64 ? ~(__mmask64)0 : ((__mmask64)1 << n) - 1;
				const __m512i v = _mm512_maskz_loadu_epi8(m, row + k);

				acc = _mm512_add_epi64(acc, _mm512_sad_epu8(
					_mm512_xor_si512(v, _mm512_set1_epi8(-128)),
					_mm512_setzero_si512()));
				if (dst) {
					const uint32_t np = ap->kpad - k < 64 ? ap->kpad - k : 64;

					_mm512_mask_storeu_epi8(dst + k, np == 64 ? ~(__mmask64)0
								: ((__mmask64)1 << np) - 1, v);
				}
			}
			/* sum of (a + 128) minus 128 per byte read, modulo 2^32 */
			sum = (uint32_t)_mm512_reduce_add_epi64(acc) - 128u * 64u * pieces;
			ap->rowcorr[r] = (int32_t)(0u - 128u * sum);
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

			cpu_apack_block(ap, e, s == 0xFF, x);
		}
	}
}

