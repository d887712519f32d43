// SPDX-License-Identifier: MIT
/*
 * epi_avx512.c - the epilogues of the AVX-512 kernel set, 16 columns at a time and
 * equal bit for bit to lib/epilogue.c (tests/lib/cpu_epilogue_test.c checks them directly):
 * the float epilogue with binary32 and bfloat16 output, and the INT8 path's int32,
 * requantized int8 (both modes) and scaled binary32 outputs. Narrow and MX outputs go through
 * epilogue.c itself.
 */
#include "avx512.h"

static uint8_t *c_row(const struct fpq_gemm_op *op, uint32_t row)
{
	return (uint8_t *)op->c.data + (size_t)row * fpq_matrix_stride(&op->c);
}

void cpu_avx512_epi_float(const struct fpq_gemm_op *op, uint32_t row0, unsigned int rows,
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

/* TFLite's MultiplyByQuantizedMultiplier on 16 lanes, exactly as lib/ref/requant.c. */
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

/*
 * ONNX Runtime's requantization on 16 lanes, as ref/requant.c and MLAS: cvtdq2ps, one
 * multiply, MAXPS with the lower bound first (a NaN lane takes the bound), MINPS, then
 * cvtps2dq (the kernels run with RNE, see fpq_fp_enter()). Lanes outside m are not
 * counted.
 */
INLINE __m512i requant_fp32_16(__m512i x, __m512 scale, __m512 lo, __m512 hi, __mmask16 m,
			       uint64_t *clamped)
{
	__m512 p = _mm512_mul_ps(_mm512_cvtepi32_ps(x), scale);
	__mmask16 inside_lo = _mm512_mask_cmp_ps_mask(m, p, lo, _CMP_GE_OQ);
	__mmask16 above = _mm512_mask_cmp_ps_mask(m, p, hi, _CMP_GT_OQ);

	*clamped += (uint64_t)__builtin_popcount((m & ~inside_lo) | above);
	return _mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(p, lo), hi));
}

void cpu_avx512_epi_int8(const struct fpq_gemm_op *op, uint32_t row0, unsigned int rows,
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
	const bool fp32_mode = op->flags & FPQ_GEMM_REQUANT_FP32;
	const __m512 flo = _mm512_set1_ps((float)(op->act_min - op->out_zero));
	const __m512 fhi = _mm512_set1_ps((float)(op->act_max - op->out_zero));
	uint64_t clamped = 0;

	for (uint32_t j = 0; j < n; j += 16) {
		const __mmask16 m = tail_mask(n - j);
		const uint32_t col = j0 + j;
		__m512i mult = _mm512_setzero_si512(), shift = _mm512_setzero_si512();
		__m512 sc = _mm512_setzero_ps();

		if (op->c.format == FPQ_FMT_FP32 || fp32_mode) {
			sc = scale_bc ? _mm512_set1_ps(op->out_scale[0])
				      : _mm512_maskz_loadu_ps(m, op->out_scale + col);
		} else if (op->c.format == FPQ_FMT_INT8) {
			mult = req_bc ? _mm512_set1_epi32(op->requant_mult[0])
				      : _mm512_maskz_loadu_epi32(m, op->requant_mult + col);
			shift = req_bc ? _mm512_set1_epi32(op->requant_shift[0])
				       : _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m,
						op->requant_shift + col));
		}
		for (unsigned int r = 0; r < rows; r++) {
			const int32_t *ar = acc + r * acc_stride;
			uint8_t *out = c_row(op, row0 + r);
			__m512i x = _mm512_maskz_loadu_epi32(m, ar + j);

			if (op->c.format == FPQ_FMT_INT32) {
				_mm512_mask_storeu_epi32(out + (size_t)col * 4, m, x);
			} else if (fp32_mode) {
				__m512i y = requant_fp32_16(x, sc, flo, fhi, m, &clamped);

				_mm_mask_storeu_epi8(out + col, m,
					_mm512_cvtepi32_epi8(_mm512_add_epi32(y, zero_point)));
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

