// SPDX-License-Identifier: MIT
/*
 * exact_model.c - the tests' independent model of numerics.rst (see exact_model.h).
 */
#include <math.h>
#include <mpfr.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "exact_model.h"

/* The format table of numerics.rst, transcribed separately from libfpq's. */
enum kind { K_INT8, K_MXINT8, K_PLAIN, K_E4M3, K_E5M2 };

struct mdesc {
	int bits, ebits, mbits, bias, mx_emax;
	enum kind kind;
};

static struct mdesc desc(enum fpq_format f)
{
	switch (f) {
	case FPQ_FMT_INT8: return (struct mdesc){ 8, 0, 0, 0, 0, K_INT8 };
	case FPQ_FMT_MXINT8: return (struct mdesc){ 8, 0, 0, 0, 0, K_MXINT8 };
	case FPQ_FMT_E4M3: return (struct mdesc){ 8, 4, 3, 7, 8, K_E4M3 };
	case FPQ_FMT_E5M2: return (struct mdesc){ 8, 5, 2, 15, 15, K_E5M2 };
	case FPQ_FMT_E3M2: return (struct mdesc){ 6, 3, 2, 3, 4, K_PLAIN };
	case FPQ_FMT_E2M3: return (struct mdesc){ 6, 2, 3, 1, 2, K_PLAIN };
	case FPQ_FMT_E2M1: return (struct mdesc){ 4, 2, 1, 1, 2, K_PLAIN };
	default: abort();
	}
}

unsigned int model_code_count(enum fpq_format fmt)
{
	return 1u << desc(fmt).bits;
}

enum model_class model_decode(enum fpq_format fmt, uint32_t code, mpq_t value)
{
	struct mdesc d = desc(fmt);

	mpq_set_ui(value, 0, 1);
	if (d.kind == K_INT8 || d.kind == K_MXINT8) {
		long v = code >= 128 ? (long)code - 256 : (long)code;

		mpq_set_si(value, v, d.kind == K_MXINT8 ? 64 : 1);
		mpq_canonicalize(value);
		return MODEL_FINITE;
	}
	unsigned int sign = code >> (d.bits - 1);
	unsigned int e = (code >> d.mbits) & ((1u << d.ebits) - 1);
	unsigned int m = code & ((1u << d.mbits) - 1);
	unsigned int emax_code = (1u << d.ebits) - 1;

	if (d.kind == K_E4M3 && e == emax_code && m == (1u << d.mbits) - 1)
		return MODEL_NAN;
	if (d.kind == K_E5M2 && e == emax_code) {
		if (m)
			return MODEL_NAN;
		return sign ? MODEL_NEG_INF : MODEL_POS_INF;
	}
	/* (-1)^s * 2^(E - bias) * (1 + m / 2^mbits), or 2^(1 - bias) * m / 2^mbits. */
	mpq_set_ui(value, e ? (1u << d.mbits) + m : m, 1u << d.mbits);
	mpq_canonicalize(value);
	int p = (e ? (int)e : 1) - d.bias;

	if (p >= 0)
		mpq_mul_2exp(value, value, (unsigned long)p);
	else
		mpq_div_2exp(value, value, (unsigned long)-p);
	if (sign)
		mpq_neg(value, value);
	return MODEL_FINITE;
}

/* ---- binary32 and bfloat16 by MPFR ---- */

static float mpfr_to_target(mpfr_t x, int t, mpfr_exp_t emin)
{
	mpfr_exp_t old_min = mpfr_get_emin(), old_max = mpfr_get_emax();
	float f;

	mpfr_set_emin(emin);
	mpfr_set_emax(128);
	t = mpfr_check_range(x, t, MPFR_RNDN);
	mpfr_subnormalize(x, t, MPFR_RNDN);
	f = mpfr_get_flt(x, MPFR_RNDN);
	mpfr_set_emin(old_min);
	mpfr_set_emax(old_max);
	return f;
}

float model_round_fp32(const mpq_t v)
{
	mpfr_t x;
	float f;

	mpfr_init2(x, 24);
	f = mpfr_to_target(x, mpfr_set_q(x, v, MPFR_RNDN), -148);
	mpfr_clear(x);
	return f;
}

float model_add_fp32(float a, float b)
{
	mpfr_t x, y, z;
	float f;

	mpfr_inits2(24, x, y, z, (mpfr_ptr)0);
	mpfr_set_flt(x, a, MPFR_RNDN);
	mpfr_set_flt(y, b, MPFR_RNDN);
	f = mpfr_to_target(z, mpfr_add(z, x, y, MPFR_RNDN), -148);
	mpfr_clears(x, y, z, (mpfr_ptr)0);
	return f;
}

float model_fma_fp32(float a, float b, float c)
{
	mpfr_t x, y, z, r;
	float f;

	mpfr_inits2(24, x, y, z, r, (mpfr_ptr)0);
	mpfr_set_flt(x, a, MPFR_RNDN);
	mpfr_set_flt(y, b, MPFR_RNDN);
	mpfr_set_flt(z, c, MPFR_RNDN);
	f = mpfr_to_target(r, mpfr_fma(r, x, y, z, MPFR_RNDN), -148);
	mpfr_clears(x, y, z, r, (mpfr_ptr)0);
	return f;
}

uint16_t model_bf16(float v)
{
	mpfr_t x;
	float f;
	uint32_t bits;

	if (isnan(v))
		return 0x7FC0;
	mpfr_init2(x, 8);
	/* bfloat16: 8 significant bits, binary32's exponent range, subnormals to 2^-133. */
	f = mpfr_to_target(x, mpfr_set_flt(x, v, MPFR_RNDN), -132);
	mpfr_clear(x);
	memcpy(&bits, &f, sizeof(bits));
	return (uint16_t)(bits >> 16);
}

uint32_t model_bits(float v)
{
	uint32_t b;

	if (isnan(v))
		return 0x7FC00000u;
	memcpy(&b, &v, sizeof(b));
	return b;
}

/* ---- quantization by table search ---- */

struct qtable {
	int n;                   /* entries, the last one the virtual value past max */
	double val[130];
	uint32_t code[130];
};

static int cmp_entry(const void *a, const void *b)
{
	const double *x = a, *y = b;

	return (*x > *y) - (*x < *y);
}

static const struct qtable *table_of(enum fpq_format fmt)
{
	static struct qtable tables[FPQ_FMT_COUNT];
	static int built[FPQ_FMT_COUNT];
	struct qtable *t = &tables[fmt];
	struct mdesc d = desc(fmt);
	struct { double v; uint32_t c; } e[130];
	int n = 0;
	mpq_t q;

	if (built[fmt])
		return t;
	mpq_init(q);
	unsigned int half = d.kind == K_INT8 || d.kind == K_MXINT8 ? 128 : 1u << (d.bits - 1);

	for (uint32_t c = 0; c < half; c++) {
		if (model_decode(fmt, c, q) != MODEL_FINITE)
			continue;
		e[n].v = mpq_get_d(q);   /* exact: at most 8 significant bits */
		e[n].c = c;
		n++;
	}
	mpq_clear(q);
	qsort(e, (size_t)n, sizeof(e[0]), cmp_entry);
	for (int i = 0; i < n; i++) {
		t->val[i] = e[i].v;
		t->code[i] = e[i].c;
	}
	/* The value one step past max, as if the exponent range were unbounded. */
	t->val[n] = e[n - 1].v + (e[n - 1].v - e[n - 2].v);
	t->code[n] = UINT32_MAX;
	t->n = n + 1;
	built[fmt] = 1;
	return t;
}

static int even_code(const struct qtable *t, int i)
{
	if (t->code[i] == UINT32_MAX)
		return !(t->code[i - 1] & 1);
	return !(t->code[i] & 1);
}

static uint32_t overflow(enum fpq_format fmt, const struct qtable *t, int nonsat,
			 struct model_qstats *st)
{
	struct mdesc d = desc(fmt);

	if (nonsat && d.kind == K_E5M2) {
		st->overflowed++;
		return 0x7C;                    /* 0.11111.00 */
	}
	if (nonsat && d.kind == K_E4M3) {
		st->overflowed++;
		return 0x7F;                    /* 0.1111.111 */
	}
	st->saturated++;
	return t->code[t->n - 2];
}

static uint32_t model_quantize_d(enum fpq_format fmt, double v, int nonsat,
				 struct model_qstats *st)
{
	struct mdesc d = desc(fmt);
	const struct qtable *t = table_of(fmt);
	int negative = signbit(v) != 0;
	double a = fabs(v);
	uint32_t mag;

	if (isnan(v)) {
		if (d.kind == K_E4M3 || d.kind == K_E5M2)
			return 0x7F;
		st->nan_to_zero++;
		return 0;
	}
	if (a >= t->val[t->n - 1]) {
		mag = overflow(fmt, t, nonsat, st);
	} else {
		int lo = 0;

		while (lo + 1 < t->n && t->val[lo + 1] <= a)
			lo++;
		if (t->val[lo] == a) {
			mag = t->code[lo];
		} else {
			double mid = (t->val[lo] + t->val[lo + 1]) / 2;   /* exact */
			int pick = a < mid ? lo : a > mid ? lo + 1 : (even_code(t, lo) ? lo : lo + 1);

			mag = t->code[pick] == UINT32_MAX ? overflow(fmt, t, nonsat, st)
							  : t->code[pick];
		}
	}
	if (d.kind == K_INT8 || d.kind == K_MXINT8)
		return negative ? (256u - mag) & 0xFFu : mag;
	/* A NaN result keeps its positive code; everything else carries the sign. */
	if (d.kind == K_E4M3 && mag == 0x7F)
		return mag;
	return negative ? mag | 1u << (d.bits - 1) : mag;
}

uint32_t model_quantize(enum fpq_format fmt, float v, int nonsat, struct model_qstats *st)
{
	return model_quantize_d(fmt, (double)v, nonsat, st);
}

/* ---- the float/MX dot product ---- */

float model_dot(enum fpq_format fa, const uint32_t *a, const uint8_t *sa,
		enum fpq_format fb, const uint32_t *b, const uint8_t *sb, uint32_t k)
{
	mpq_t va, vb, prod, sum;
	float acc = 0.0f;

	mpq_inits(va, vb, prod, sum, (mpq_ptr)0);
	for (uint32_t blk = 0; blk * 32 < k; blk++) {
		int nan = 0, pinf = 0, ninf = 0;
		uint32_t end = (blk + 1) * 32 < k ? (blk + 1) * 32 : k;

		mpq_set_ui(sum, 0, 1);
		for (uint32_t t = blk * 32; t < end; t++) {
			enum model_class ca = model_decode(fa, a[t], va);
			enum model_class cb = model_decode(fb, b[t], vb);

			if (ca == MODEL_NAN || cb == MODEL_NAN) {
				nan = 1;
			} else if (ca != MODEL_FINITE || cb != MODEL_FINITE) {
				int zero = (ca == MODEL_FINITE && mpq_sgn(va) == 0) ||
					   (cb == MODEL_FINITE && mpq_sgn(vb) == 0);
				int neg_a = ca == MODEL_NEG_INF || (ca == MODEL_FINITE && mpq_sgn(va) < 0);
				int neg_b = cb == MODEL_NEG_INF || (cb == MODEL_FINITE && mpq_sgn(vb) < 0);

				if (zero)
					nan = 1;
				else if (neg_a != neg_b)
					ninf = 1;
				else
					pinf = 1;
			} else {
				mpq_mul(prod, va, vb);
				mpq_add(sum, sum, prod);
			}
		}
		int xa = sa ? sa[blk] : 127, xb = sb ? sb[blk] : 127;
		float p;

		if (nan || xa == 255 || xb == 255 || (pinf && ninf)) {
			p = NAN;
		} else if (pinf || ninf) {
			p = pinf ? INFINITY : -INFINITY;
		} else {
			int x = xa - 127 + xb - 127;

			if (x >= 0)
				mpq_mul_2exp(sum, sum, (unsigned long)x);
			else
				mpq_div_2exp(sum, sum, (unsigned long)-x);
			p = model_round_fp32(sum);
		}
		acc = model_add_fp32(acc, p);
	}
	mpq_clears(va, vb, prod, sum, (mpq_ptr)0);
	return acc;
}

uint8_t model_mx_block(enum fpq_format fmt, const float *vals, unsigned int n, int nonsat,
		       struct model_qstats *st, uint32_t *codes)
{
	double amax = 0;
	int x;

	for (unsigned int i = 0; i < n; i++)
		if (!isnan(vals[i]) && fabs((double)vals[i]) > amax)
			amax = fabs((double)vals[i]);
	if (amax == 0) {
		x = -127;
	} else if (isinf(amax)) {
		x = 127;
	} else {
		int e = 0;

		/* floor(log2(amax)) by walking powers of two. */
		while (ldexp(1.0, e) > amax)
			e--;
		while (ldexp(1.0, e + 1) <= amax)
			e++;
		x = e - desc(fmt).mx_emax;
		x = x < -127 ? -127 : x > 127 ? 127 : x;
	}
	for (unsigned int i = 0; i < n; i++)
		codes[i] = model_quantize_d(fmt, ldexp((double)vals[i], -x), nonsat, st);
	return (uint8_t)(x + 127);
}

/* RNE of an exact rational to an integer (mpz): floor(v + 1/2), ties to even. */
static long model_rne_integer(const mpq_t v)
{
	mpq_t t;
	mpz_t fl;
	long r;

	mpq_init(t);
	mpz_init(fl);
	mpq_set_si(t, 1, 2);
	mpq_add(t, t, v);
	mpz_fdiv_q(fl, mpq_numref(t), mpq_denref(t));
	/* v + 1/2 an integer means v was a tie: floor went up; step back to the even one. */
	if (mpz_cmp_ui(mpq_denref(t), 1) == 0 && mpz_odd_p(fl))
		mpz_sub_ui(fl, fl, 1);
	r = mpz_get_si(fl);
	mpz_clear(fl);
	mpq_clear(t);
	return r;
}

int32_t model_requant_fp32(int32_t acc, float scale, int32_t act_min, int32_t act_max,
			   int32_t out_zero, uint64_t *clamped)
{
	const long lo = act_min - out_zero, hi = act_max - out_zero;
	mpq_t a, p;
	long y;

	mpq_inits(a, p, (mpq_ptr)0);
	mpq_set_si(a, acc, 1);
	float fa = model_round_fp32(a);         /* exact below 2^24, rounded above */
	int nan = isnan(scale) || (isinf(scale) && fa == 0.0f);
	int inf = !nan && isinf(scale);
	int neg = (fa < 0) != (signbit(scale) != 0);

	if (!nan && !inf) {
		mpq_set_d(a, (double)fa);
		mpq_set_d(p, (double)scale);
		mpq_mul(p, p, a);
		float fp = model_round_fp32(p);  /* the one rounding of the product */

		inf = isinf(fp);
		if (!inf)
			mpq_set_d(p, (double)fp);
	}
	/* Clamp in binary32 as MAXPS then MINPS: NaN takes the lower bound. */
	if (nan || (inf && neg) || (!inf && mpq_cmp_si(p, lo, 1) < 0)) {
		(*clamped)++;
		y = lo;
	} else if (inf || mpq_cmp_si(p, hi, 1) > 0) {
		(*clamped)++;
		y = hi;
	} else {
		y = model_rne_integer(p);
	}
	mpq_clears(a, p, (mpq_ptr)0);
	return (int32_t)(y + out_zero);
}

int32_t model_int8_acc(const struct fpq_gemm_op *op, uint32_t i, uint32_t j)
{
	int64_t sum = op->bias ? op->bias[j] : 0;

	for (uint32_t t = 0; t < op->a.cols; t++)
		sum += ((int64_t)(int8_t)fpq_matrix_get(&op->a, i, t) - op->a.zero_point) *
		       (int8_t)fpq_matrix_get(&op->b, j, t);
	return (int32_t)(uint32_t)(uint64_t)sum;   /* the contract's two's complement wrap */
}

uint64_t model_check_requant_fp32(const struct fpq_gemm_op *op, const struct fpq_matrix *c,
				  uint64_t *clamped)
{
	const bool bc = op->flags & FPQ_GEMM_SCALE_BROADCAST;
	uint64_t wrong = 0;

	for (uint32_t i = 0; i < op->a.rows; i++)
		for (uint32_t j = 0; j < op->b.rows; j++) {
			int32_t want = model_requant_fp32(model_int8_acc(op, i, j),
						  op->out_scale[bc ? 0 : j], op->act_min,
						  op->act_max, op->out_zero, clamped);
			if (fpq_matrix_get(c, i, j) != (uint32_t)(uint8_t)(int8_t)want)
				wrong++;
		}
	return wrong;
}
