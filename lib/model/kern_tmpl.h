/* SPDX-License-Identifier: MIT */
/*
 * kern_tmpl.h - the bodies of the model layer's CPU kernels (kern.h), included by one
 * file per instruction set with KERN_NAME set; the compiler vectorises them for that
 * set. Plain loops without cross-iteration float dependencies, so that vectorising
 * does not change any rounding.
 */
#include <math.h>
#include <string.h>

#include "kern.h"

#define KFN2(a, b) a##_##b
#define KFN1(a, b) KFN2(a, b)
#define KFN(f) KFN1(f, KERN_NAME)

/* RNE to an integer for |v| <= 2^22 in the default rounding mode (ops.h). */
static inline float KFN(rne_small)(float v)
{
	return (v + 12582912.0f) - 12582912.0f;
}

/* RNE to an integer of any value: below 2^23 in magnitude the addition of 2^23 (with
 * v's sign) rounds in the default mode, above it every value is an integer. */
static inline float KFN(rne_any)(float v)
{
	const float m = v >= 0.0f ? 8388608.0f : -8388608.0f;
	const float r = (v + m) - m;

	return ((v < 8388608.0f) & (v > -8388608.0f)) ? r : v;
}

static inline __attribute__((always_inline)) void KFN(requant_run)(const int32_t *restrict acc, int8_t *restrict y, int64_t n,
				    const float *restrict scale, bool per_tensor, int32_t zp,
				    int32_t qmin, int32_t qmax, uint64_t *clamped_out,
				    uint64_t *saturated_out)
{
	const float lo = (float)(qmin - zp), hi = (float)(qmax - zp);
	const float tlo = (float)(-128 - zp), thi = (float)(127 - zp);
	uint64_t clamped = 0, saturated = 0;

	if (per_tensor) {
		const float s = scale[0];

		for (int64_t j = 0; j < n; j++) {
			float v = (float)acc[j] * s;
			float c = v > lo ? v : lo;

			c = c < hi ? c : hi;
			clamped += c != v;
			saturated += (v < tlo) | (v > thi);
			y[j] = (int8_t)((int32_t)KFN(rne_small)(c) + zp);
		}
	} else {
		for (int64_t j = 0; j < n; j++) {
			float v = (float)acc[j] * scale[j];
			float c = v > lo ? v : lo;

			c = c < hi ? c : hi;
			clamped += c != v;
			saturated += (v < tlo) | (v > thi);
			y[j] = (int8_t)((int32_t)KFN(rne_small)(c) + zp);
		}
	}
	*clamped_out += clamped;
	*saturated_out += saturated;
}

static void KFN(requant)(const int32_t *restrict acc, int8_t *restrict y, int64_t n,
			 const float *restrict scale, bool per_tensor, int32_t zp, int32_t qmin,
			 int32_t qmax, struct mg_counts *cnt)
{
	KFN(requant_run)(acc, y, n, scale, per_tensor, zp, qmin, qmax, &cnt->clamped,
			 &cnt->saturated);
}

/*
 * One output row of a depthwise convolution: per output pixel the exact int32 sums over
 * the taps inside the image (padding adds nothing), in tap order, then the requantization
 * of the c channels; the same operations as the unfused loops, without a call per tap.
 */
static inline __attribute__((always_inline)) void
KFN(dw_row_c)(const struct mg_dw *d, int64_t oy, int8_t *restrict y, int32_t *restrict acc,
	      struct mg_counts *cnt, const int64_t c)
{
	const int32_t zx = d->x_zero;
	uint64_t clamped = 0, saturated = 0;

	for (int64_t ox = 0; ox < d->ow; ox++, y += c) {
		if (d->bias)
			memcpy(acc, d->bias, sizeof(int32_t) * (size_t)c);
		else
			memset(acc, 0, sizeof(int32_t) * (size_t)c);
		for (int64_t ky = 0; ky < d->kh; ky++) {
			const int64_t iy = oy * d->sh - d->pt + ky * d->dh;

			if (iy < 0 || iy >= d->h)
				continue;
			for (int64_t kx = 0; kx < d->kw; kx++) {
				const int64_t ix = ox * d->sw - d->pl + kx * d->dw;

				if (ix < 0 || ix >= d->w)
					continue;
				const int8_t *restrict px = d->x + (iy * d->w + ix) * c;
				const int8_t *restrict wt = d->wt + (ky * d->kw + kx) * c;

				for (int64_t j = 0; j < c; j++)
					acc[j] += ((int32_t)px[j] - zx) * (int32_t)wt[j];
			}
		}
		KFN(requant_run)(acc, y, c, d->scale, false, d->y_zero, d->qmin, d->qmax, &clamped,
				 &saturated);
	}
	cnt->clamped += clamped;
	cnt->saturated += saturated;
}

#if defined(__AVX512F__) && defined(__AVX512BW__)
#include <immintrin.h>

/*
 * The same for c = 16 * nv channels (nv <= 4) with AVX-512, 16 channels per register
 * (the compiler's own vectorisation picks its width from the int8 data, wider than the
 * channels): exact int32 sums in the same order, then requant_run()'s operations lane by
 * lane (maxps/minps keep the first operand's NaN rule: a NaN product becomes lo).
 */
static inline __attribute__((always_inline)) void
KFN(dw_row_v)(const struct mg_dw *d, int64_t oy, int8_t *restrict y, struct mg_counts *cnt,
	      const int nv)
{
	const int64_t c = 16 * nv;
	const __m512i zx = _mm512_set1_epi32(d->x_zero), zp = _mm512_set1_epi32(d->y_zero);
	const int32_t yz = d->y_zero;
	const __m512 lo = _mm512_set1_ps((float)(d->qmin - yz)), hi = _mm512_set1_ps((float)(d->qmax - yz));
	const __m512 tlo = _mm512_set1_ps((float)(-128 - yz)), thi = _mm512_set1_ps((float)(127 - yz));
	const __m512 magic = _mm512_set1_ps(12582912.0f);
	uint64_t clamped = 0, saturated = 0;
	__m512i bias[4], acc[4];
	__m512 scale[4];

	for (int v = 0; v < nv; v++) {
		bias[v] = d->bias ? _mm512_loadu_si512(d->bias + 16 * v) : _mm512_setzero_si512();
		scale[v] = _mm512_loadu_ps(d->scale + 16 * v);
	}
	for (int64_t ox = 0; ox < d->ow; ox++, y += c) {
		for (int v = 0; v < nv; v++)
			acc[v] = bias[v];
		for (int64_t ky = 0; ky < d->kh; ky++) {
			const int64_t iy = oy * d->sh - d->pt + ky * d->dh;

			if (iy < 0 || iy >= d->h)
				continue;
			for (int64_t kx = 0; kx < d->kw; kx++) {
				const int64_t ix = ox * d->sw - d->pl + kx * d->dw;

				if (ix < 0 || ix >= d->w)
					continue;
				const int8_t *px = d->x + (iy * d->w + ix) * c;
				const int8_t *wt = d->wt + (ky * d->kw + kx) * c;

				for (int v = 0; v < nv; v++) {
					__m512i xv = _mm512_cvtepi8_epi32(
						_mm_loadu_si128((const __m128i *)(px + 16 * v)));
					__m512i wv = _mm512_cvtepi8_epi32(
						_mm_loadu_si128((const __m128i *)(wt + 16 * v)));

					acc[v] = _mm512_add_epi32(acc[v], _mm512_mullo_epi32(
						_mm512_sub_epi32(xv, zx), wv));
				}
			}
		}
		for (int v = 0; v < nv; v++) {
			const __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(acc[v]), scale[v]);
			/* f > lo ? f : lo, then cl < hi ? cl : hi */
			__m512 cl = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(f, lo, _CMP_GT_OQ), lo, f);

			cl = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(cl, hi, _CMP_LT_OQ), hi, cl);
			clamped += (uint64_t)__builtin_popcount(
				_mm512_cmp_ps_mask(cl, f, _CMP_NEQ_UQ));
			saturated += (uint64_t)__builtin_popcount(
				_mm512_cmp_ps_mask(f, tlo, _CMP_LT_OQ) |
				_mm512_cmp_ps_mask(f, thi, _CMP_GT_OQ));
			cl = _mm512_sub_ps(_mm512_add_ps(cl, magic), magic);
			_mm_storeu_si128((__m128i *)(y + 16 * v), _mm512_cvtepi32_epi8(
				_mm512_add_epi32(_mm512_cvttps_epi32(cl), zp)));
		}
	}
	cnt->clamped += clamped;
	cnt->saturated += saturated;
}

static void KFN(dw_row)(const struct mg_dw *d, int64_t oy, int8_t *restrict y,
			int32_t *restrict acc, struct mg_counts *cnt)
{
	/* whole registers of 16 channels */
	if (d->c == 16)
		KFN(dw_row_v)(d, oy, y, cnt, 1);
	else if (d->c == 32)
		KFN(dw_row_v)(d, oy, y, cnt, 2);
	else if (d->c == 48)
		KFN(dw_row_v)(d, oy, y, cnt, 3);
	else if (d->c == 64)
		KFN(dw_row_v)(d, oy, y, cnt, 4);
	else
		KFN(dw_row_c)(d, oy, y, acc, cnt, d->c);
}
#else
static void KFN(dw_row)(const struct mg_dw *d, int64_t oy, int8_t *restrict y,
			int32_t *restrict acc, struct mg_counts *cnt)
{
	int32_t local[64];

	/* the channel counts CNNs use most as constants, the sums in registers */
	if (d->c == 16)
		KFN(dw_row_c)(d, oy, y, local, cnt, 16);
	else if (d->c == 32)
		KFN(dw_row_c)(d, oy, y, local, cnt, 32);
	else if (d->c == 64)
		KFN(dw_row_c)(d, oy, y, local, cnt, 64);
	else
		KFN(dw_row_c)(d, oy, y, acc, cnt, d->c);
}
#endif

/* cvtps2dq as a float: RNE, and INT32_MIN (below any range) for NaN and out of range. */
static inline float KFN(cvt_f)(float t)
{
	const float r = KFN(rne_any)(t);

	return ((r >= -2147483648.0f) & (r < 2147483648.0f)) ? r : -3.0e9f;
}

/* One QLinearAdd element; fa, fb are the codes as floats; side is p->side, a constant
 * where this is inlined (so that each loop has one formula and vectorises). */
static inline __attribute__((always_inline)) float
KFN(qadd_one)(float fa, float fb, const struct mg_qadd *p, int side, uint32_t *sat,
	      uint32_t *clamped)
{
	float t, r, c;

	if (side == 2)
		t = fmaf(fa, p->ra, p->fixed + fb * p->rb);
	else if (side == 1)
		t = fmaf(fb, p->rb, p->fixed + fa * p->ra);
	else
		t = fmaf(fa, p->ra, fmaf(fb, p->rb, p->fixed));
	r = KFN(cvt_f)(t);
	*sat += (r < p->lo) | (r > p->hi);
	c = r < p->lo ? p->lo : r > p->hi ? p->hi : r;
	*clamped += (c < p->qlo) | (c > p->qhi);
	return c < p->qlo ? p->qlo : c > p->qhi ? p->qhi : c;
}

/* QLinearAdd of len (<= 2^16) elements; mode 0: both runs, 1: b is one value, 2: a is. */
static inline __attribute__((always_inline)) void
KFN(qadd_piece)(const int8_t *restrict a, const int8_t *restrict b, int8_t *restrict y,
		int64_t len, const struct mg_qadd *p, int mode, int side, struct mg_counts *cnt)
{
	const float off = (float)p->off;
	uint32_t sat = 0, clamped = 0;

	if (mode == 0) {
		for (int64_t j = 0; j < len; j++)
			y[j] = (int8_t)((int32_t)KFN(qadd_one)((float)a[j] + off, (float)b[j] + off,
							       p, side, &sat, &clamped) - p->off);
	} else if (mode == 1) {
		const float fb = (float)b[0] + off;

		for (int64_t j = 0; j < len; j++)
			y[j] = (int8_t)((int32_t)KFN(qadd_one)((float)a[j] + off, fb, p, side, &sat,
							       &clamped) - p->off);
	} else {
		const float fa = (float)a[0] + off;

		for (int64_t j = 0; j < len; j++)
			y[j] = (int8_t)((int32_t)KFN(qadd_one)(fa, (float)b[j] + off, p, side, &sat,
							       &clamped) - p->off);
	}
	cnt->saturated += sat;
	cnt->clamped += (uint64_t)clamped + sat;
}

static void KFN(qadd)(const int8_t *restrict a, int sa, const int8_t *restrict b, int sb,
		      int8_t *restrict y, int64_t n, const struct mg_qadd *p, struct mg_counts *cnt)
{
	const int mode = sa && sb ? 0 : sa ? 1 : sb ? 2 : 3;

	if (mode == 3) {
		/* one value */
		const float off = (float)p->off;
		uint32_t sat = 0, clamped = 0;
		float c = KFN(qadd_one)((float)a[0] + off, (float)b[0] + off, p, p->side, &sat,
					&clamped);

		memset(y, (int8_t)((int32_t)c - p->off), (size_t)n);
		cnt->saturated += (uint64_t)sat * (uint64_t)n;
		cnt->clamped += ((uint64_t)clamped + sat) * (uint64_t)n;
		return;
	}
	for (int64_t j0 = 0; j0 < n; j0 += 65536) {
		const int64_t len = n - j0 < 65536 ? n - j0 : 65536;
		const int8_t *pa = a + (sa ? j0 : 0), *pb = b + (sb ? j0 : 0);

#define QADD_SIDES(m)                                                                  \
	do {                                                                           \
		if (p->side == 1)                                                      \
			KFN(qadd_piece)(pa, pb, y + j0, len, p, m, 1, cnt);            \
		else if (p->side == 2)                                                 \
			KFN(qadd_piece)(pa, pb, y + j0, len, p, m, 2, cnt);            \
		else                                                                   \
			KFN(qadd_piece)(pa, pb, y + j0, len, p, m, 0, cnt);            \
	} while (0)
		if (mode == 0)
			QADD_SIDES(0);
		else if (mode == 1)
			QADD_SIDES(1);
		else
			QADD_SIDES(2);
#undef QADD_SIDES
	}
}

/* One QLinearMul element: the exact product of the centred codes, times r, converted
 * as cvtps2dq does, plus the zero point in wrapping int32 arithmetic. */
static inline int8_t KFN(qmul_one)(int32_t a, int32_t b, const struct mg_qmul *p,
				   uint32_t *sat, uint32_t *clamped)
{
	const float prod = (float)(a - p->za) * (float)(b - p->zb);
	const float r = KFN(cvt_f)(prod * p->r);
	const uint32_t u = r > -3.0e9f ? (uint32_t)(int32_t)r : 0x80000000u;
	int32_t v = (int32_t)(u + p->zadd);
	int32_t c = v < p->lo ? p->lo : v > p->hi ? p->hi : v;

	*sat += v != c;
	*clamped += (c < p->qlo) | (c > p->qhi);
	c = c < p->qlo ? p->qlo : c > p->qhi ? p->qhi : c;
	return (int8_t)(c - p->off);
}

static void KFN(qmul)(const int8_t *restrict a, int sa, const int8_t *restrict b, int sb,
		      int8_t *restrict y, int64_t n, const struct mg_qmul *p, struct mg_counts *cnt)
{
	/* 32-bit counts (which vectorise) over pieces of at most 2^16 elements */
	for (int64_t j0 = 0; j0 < n; j0 += 65536) {
		const int64_t len = n - j0 < 65536 ? n - j0 : 65536;
		const int8_t *restrict pa = a + (sa ? j0 : 0), *restrict pb = b + (sb ? j0 : 0);
		int8_t *restrict py = y + j0;
		uint32_t sat = 0, clamped = 0;

		if (sa && sb) {
			for (int64_t j = 0; j < len; j++)
				py[j] = KFN(qmul_one)(pa[j], pb[j], p, &sat, &clamped);
		} else if (sa) {
			const int32_t vb = pb[0];

			for (int64_t j = 0; j < len; j++)
				py[j] = KFN(qmul_one)(pa[j], vb, p, &sat, &clamped);
		} else if (sb) {
			const int32_t va = pa[0];

			for (int64_t j = 0; j < len; j++)
				py[j] = KFN(qmul_one)(va, pb[j], p, &sat, &clamped);
		} else {
			const int8_t v = KFN(qmul_one)(pa[0], pb[0], p, &sat, &clamped);

			memset(py, v, (size_t)len);
			sat *= (uint32_t)len;
			clamped *= (uint32_t)len;
		}
		cnt->saturated += sat;
		cnt->clamped += (uint64_t)clamped + sat;
	}
}

static void KFN(quantize)(const float *restrict x, int8_t *restrict y, int64_t n, float scale,
			  int32_t zp, uint64_t *clamped)
{
	const float lo = (float)(-128 - zp), hi = (float)(127 - zp);
	uint64_t cl = 0;

	for (int64_t j = 0; j < n; j++) {
		float v = x[j] / scale;
		float c = v > lo ? v : lo;

		c = c < hi ? c : hi;
		cl += c != v;
		y[j] = (int8_t)((int32_t)KFN(rne_small)(c) + zp);
	}
	*clamped += cl;
}

static void KFN(dequantize)(const int8_t *restrict x, float *restrict y, int64_t n, float scale,
			    int32_t zp)
{
	for (int64_t j = 0; j < n; j++)
		y[j] = (float)((int32_t)x[j] - zp) * scale;
}

/* Pools call this per pixel with n the channel count (often 16): 16 bytes at a time in
 * GCC's vector type rather than a loop vectorised 64 bytes wide that short rows miss. */
typedef int8_t KFN(v16qi) __attribute__((vector_size(16)));

static void KFN(max8)(int8_t *restrict y, const int8_t *restrict x, int64_t n)
{
	int64_t j = 0;

	for (; j + 16 <= n; j += 16) {
		KFN(v16qi) a, b, m;

		memcpy(&a, y + j, sizeof(a));
		memcpy(&b, x + j, sizeof(b));
		m = b > a;
		a = (m & b) | (~m & a);
		memcpy(y + j, &a, sizeof(a));
	}
	for (; j < n; j++)
		y[j] = x[j] > y[j] ? x[j] : y[j];
}

/* Plain loops per channel count: the compiler turns each into byte permutes. */
static void KFN(nhwc8_few)(const uint8_t *restrict x, uint8_t *restrict y, int64_t hw,
			   int64_t c)
{
	const uint8_t *restrict x0 = x, *restrict x1 = x + hw, *restrict x2 = x + 2 * hw,
		      *restrict x3 = x + 3 * hw;

	if (c == 2) {
		for (int64_t p = 0; p < hw; p++) {
			y[2 * p] = x0[p];
			y[2 * p + 1] = x1[p];
		}
	} else if (c == 3) {
		for (int64_t p = 0; p < hw; p++) {
			y[3 * p] = x0[p];
			y[3 * p + 1] = x1[p];
			y[3 * p + 2] = x2[p];
		}
	} else {
		for (int64_t p = 0; p < hw; p++) {
			y[4 * p] = x0[p];
			y[4 * p + 1] = x1[p];
			y[4 * p + 2] = x2[p];
			y[4 * p + 3] = x3[p];
		}
	}
}

static void KFN(sum8)(int32_t *restrict acc, const int8_t *restrict x, int64_t n)
{
	for (int64_t j = 0; j < n; j++)
		acc[j] += x[j];
}

static void KFN(dqsum8)(float *restrict acc, const int8_t *restrict x, int64_t n, float scale,
			int32_t zp)
{
	for (int64_t j = 0; j < n; j++)
		acc[j] += scale * (float)((int32_t)x[j] - zp);
}

static void KFN(lut)(int8_t *restrict y, const int8_t *restrict x, int64_t n,
		     const int8_t *restrict table)
{
	for (int64_t j = 0; j < n; j++)
		y[j] = table[(uint8_t)x[j]];
}

const struct mg_kernels KFN1(mg_kernels, KERN_NAME) = {
	.name = KERN_LABEL,
	.requant = KFN(requant),
	.dw_row = KFN(dw_row),
	.qadd = KFN(qadd),
	.qmul = KFN(qmul),
	.quantize = KFN(quantize),
	.dequantize = KFN(dequantize),
	.max8 = KFN(max8),
	.sum8 = KFN(sum8),
	.dqsum8 = KFN(dqsum8),
	.lut = KFN(lut),
	.nhwc8_few = KFN(nhwc8_few),
};

#if defined(__AVX512F__) && defined(__AVX512BW__)
/*
 * The table lookup with AVX-512 VBMI (a separate kernel set: not every AVX-512 CPU has
 * it): the 256 entries in four registers, two two-register byte permutes on the low
 * seven bits of the index, the index's top bit choosing between them.
 */
__attribute__((target("avx512vbmi"))) static void
KFN(lut_vbmi)(int8_t *restrict y, const int8_t *restrict x, int64_t n,
	      const int8_t *restrict table)
{
	const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
	const __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
	int64_t j = 0;

	for (; j < n; j += 64) {
		const __mmask64 m = n - j >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << (n - j)) - 1;
		const __m512i idx = _mm512_maskz_loadu_epi8(m, x + j);
		const __m512i lo = _mm512_permutex2var_epi8(t0, idx, t1);
		const __m512i hi = _mm512_permutex2var_epi8(t2, idx, t3);

		_mm512_mask_storeu_epi8(y + j, m,
					_mm512_mask_blend_epi8(_mm512_movepi8_mask(idx), lo, hi));
	}
}

const struct mg_kernels KFN1(mg_kernels_vbmi, KERN_NAME) = {
	.name = KERN_LABEL "-vbmi",
	.requant = KFN(requant),
	.dw_row = KFN(dw_row),
	.qadd = KFN(qadd),
	.qmul = KFN(qmul),
	.quantize = KFN(quantize),
	.dequantize = KFN(dequantize),
	.max8 = KFN(max8),
	.sum8 = KFN(sum8),
	.dqsum8 = KFN(dqsum8),
	.lut = KFN(lut_vbmi),
	.nhwc8_few = KFN(nhwc8_few),
};
#endif
