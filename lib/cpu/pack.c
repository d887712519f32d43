// SPDX-License-Identifier: MIT
/*
 * pack.c - operands decoded into the kernels' layouts (see cpu.h): B once per weight
 * matrix (or per call when it is not pre-packed), A per call. Everything here is exact
 * integer or power-of-two arithmetic; the portable row decoder is the model the
 * vectorised ones (kern_*.c) must match byte for byte.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"

void *cpu_alloc_raw(size_t bytes)
{
	size_t sz = (bytes + 63) & ~(size_t)63;

	return aligned_alloc(64, sz ? sz : 64);
}

void *cpu_alloc(size_t bytes)
{
	void *p = cpu_alloc_raw(bytes);

	if (p)
		memset(p, 0, bytes ? bytes : 1);
	return p;
}

void *cpu_scratch(struct cpu_state *cs, unsigned int slot, size_t bytes)
{
	if (slot >= CPU_SCRATCH_SLOTS)
		return NULL;
	if (cs->scratch_bytes[slot] < bytes || !cs->scratch[slot]) {
		free(cs->scratch[slot]);
		/* Grow with headroom so slowly growing shapes do not reallocate each call. */
		size_t want = bytes + bytes / 4 + 64;

		cs->scratch[slot] = cpu_alloc_raw(want);
		cs->scratch_bytes[slot] = cs->scratch[slot] ? want : 0;
	}
	return cs->scratch[slot];
}

void cpu_scratch_free(struct cpu_state *cs)
{
	for (unsigned int i = 0; i < CPU_SCRATCH_SLOTS; i++) {
		free(cs->scratch[i]);
		cs->scratch[i] = NULL;
		cs->scratch_bytes[i] = 0;
	}
}

/* ---- codec tables ---- */

static struct cpu_codec codecs[FPQ_FMT_COUNT];
static pthread_once_t codecs_once = PTHREAD_ONCE_INIT;

static void codecs_init(void)
{
	for (int f = FPQ_FMT_INT8; f <= FPQ_FMT_MXINT8; f++) {
		unsigned int ncodes = 1u << fpq_format_info((enum fpq_format)f)->bits;

		for (unsigned int c = 0; c < 256; c++) {
			struct fpq_elem e = fpq_elem_decode((enum fpq_format)f, c % ncodes);

			codecs[f].special[c] = e.cls != FPQ_ELEM_FINITE;
			codecs[f].sig[c] = e.cls == FPQ_ELEM_FINITE ? (double)e.sig : 0.0;
			codecs[f].isig[c] = e.cls == FPQ_ELEM_FINITE && f != FPQ_FMT_E5M2
						    ? (int32_t)e.sig : 0;
		}
	}
}

const struct cpu_codec *cpu_codec(enum fpq_format fmt)
{
	pthread_once(&codecs_once, codecs_init);
	return &codecs[fmt];
}

void cpu_unpack_codes(const struct fpq_matrix *m, uint32_t r, uint8_t *codes)
{
	const uint8_t *p = (const uint8_t *)m->data + (size_t)r * fpq_matrix_stride(m);
	const uint32_t k = m->cols;

	switch (fpq_format_info(m->format)->bits) {
	case 4:
		for (uint32_t c = 0; c < k; c++)
			codes[c] = (p[c / 2] >> (4 * (c % 2))) & 0xF;
		break;
	case 6:
		for (uint32_t c = 0; c < k; c += 4) {
			const uint8_t *g = p + (size_t)(c / 4) * 3;
			uint32_t w = g[0] | (uint32_t)g[1] << 8 | (uint32_t)g[2] << 16;

			for (uint32_t t = 0; t < 4 && c + t < k; t++)
				codes[c + t] = (w >> (6 * t)) & 0x3F;
		}
		break;
	default:
		memcpy(codes, p, k);
		break;
	}
}

/* ---- classes ---- */

static int format_rank(enum fpq_format f)
{
	switch (f) {
	case FPQ_FMT_E3M2: return 1;
	case FPQ_FMT_E4M3: return 2;
	case FPQ_FMT_E5M2: return 3;
	default: return 0;            /* int8, mxint8, e2m3, e2m1 */
	}
}

enum cpu_class cpu_class_of(enum fpq_format fa, enum fpq_format fb)
{
	int r = format_rank(fa) > format_rank(fb) ? format_rank(fa) : format_rank(fb);

	return r == 0 ? CPU_CLASS_I8 : r == 1 ? CPU_CLASS_I16 : CPU_CLASS_F64;
}

/* Largest magnitude of the exact integer value of an element (value / 2^lsb). */
static double max_int_value(enum fpq_format f)
{
	switch (f) {
	case FPQ_FMT_INT8:
	case FPQ_FMT_MXINT8: return 128.0;
	case FPQ_FMT_E2M3: return 60.0;
	case FPQ_FMT_E2M1: return 12.0;
	case FPQ_FMT_E3M2: return 448.0;
	case FPQ_FMT_E4M3: return 229376.0;
	default: return 3758096384.0;  /* e5m2: 57344 * 2^16 */
	}
}

unsigned int cpu_f64_pieces(enum fpq_format fa, enum fpq_format fb)
{
	/* 32 products must stay below 2^53 for every partial sum to be exact. */
	return 32.0 * max_int_value(fa) * max_int_value(fb) < 0x1p53 ? 1 : 2;
}

int cpu_i16w_applies(const struct cpu_kernels *kern, enum fpq_format fa, enum fpq_format fb)
{
	/* A piece times a window (< 2^15) over 32 k stays below 2^31 while |piece| <= 2^11:
	 * e4m3's two pieces are below 2^9, the narrower formats' values below 2^11. */
	return kern->i16w_mx && fb == FPQ_FMT_E4M3 && fa != FPQ_FMT_E5M2 && fa != FPQ_FMT_INT8;
}

unsigned int cpu_i16w_pieces(enum fpq_format fa)
{
	return fa == FPQ_FMT_E4M3 ? 2 : 1;
}

int cpu_i16w_pays(const struct cpu_bpack *bp)
{
	return bp->ncorr <= (size_t)CPU_I16W_MAX_CORR * bp->n16 * bp->nblk;
}

/* ---- B ---- */

void cpu_bpack_free(struct cpu_bpack *bp)
{
	if (!bp)
		return;
	free(bp->data);
	free(bp->colsum);
	free(bp->bcorr);
	free(bp->bexp);
	free(bp->bfac);
	free(bp->special);
	free(bp->pspecial);
	free(bp->pemin);
	free(bp->pemax);
	free(bp->bwfac);
	free(bp->corr_off);
	if (bp->corr)
		for (uint32_t p = 0; p < bp->n16; p++)
			free(bp->corr[p]);
	free(bp->corr);
	memset(bp, 0, sizeof(*bp));
}

int cpu_bpack_alloc(struct cpu_bpack *bp, const struct fpq_matrix *b, enum cpu_class cls,
		    int int8_path)
{
	memset(bp, 0, sizeof(*bp));
	bp->cls = cls;
	bp->format = b->format;
	bp->n = b->rows;
	bp->k = b->cols;
	bp->n16 = (b->rows + CPU_PANEL - 1) / CPU_PANEL;
	bp->kpad = (b->cols + CPU_KALIGN - 1) / CPU_KALIGN * CPU_KALIGN;
	bp->nblk = bp->kpad / CPU_KALIGN;
	bp->scaled = b->scales != NULL;
	bp->step_bytes = cls == CPU_CLASS_F64 ? 128 : 64;
	bp->step_k = cls == CPU_CLASS_I8 ? 4 : cls == CPU_CLASS_F64 ? 1 : 2;
	bp->quad_bytes = (size_t)CPU_QUAD * bp->step_bytes * (bp->kpad / bp->step_k);

	size_t meta = (size_t)bp->n16 * bp->nblk * CPU_PANEL;

	/* Zeroed: padding channels and the k padding multiply as zeros. */
	bp->data = cpu_alloc((bp->n16 + CPU_QUAD - 1) / CPU_QUAD * bp->quad_bytes);
	if (int8_path) {
		bp->colsum = cpu_alloc(sizeof(int32_t) * bp->n16 * CPU_PANEL);
		if (!bp->data || !bp->colsum)
			goto nomem;
		return 0;
	}
	if (cls == CPU_CLASS_I8)
		bp->bcorr = cpu_alloc(sizeof(int32_t) * meta);
	bp->bexp = cpu_alloc(sizeof(float) * meta);
	bp->bfac = cpu_alloc(sizeof(float) * meta);
	bp->special = cpu_alloc((size_t)bp->n * bp->nblk);
	bp->pspecial = cpu_alloc((size_t)bp->n16 * bp->nblk);
	bp->pemin = cpu_alloc(sizeof(int16_t) * bp->n16 * bp->nblk);
	bp->pemax = cpu_alloc(sizeof(int16_t) * bp->n16 * bp->nblk);
	if (!bp->data || (cls == CPU_CLASS_I8 && !bp->bcorr) || !bp->bexp || !bp->bfac ||
	    !bp->special || !bp->pspecial || !bp->pemin || !bp->pemax)
		goto nomem;
	if (cls == CPU_CLASS_I16W) {
		bp->bwfac = cpu_alloc(sizeof(double) * meta);
		bp->corr_off = cpu_alloc(sizeof(uint32_t) * bp->n16 * (bp->nblk + 1));
		bp->corr = calloc(bp->n16 ? bp->n16 : 1, sizeof(*bp->corr));
		if (!bp->bwfac || !bp->corr_off || !bp->corr)
			goto nomem;
	}
	return 0;
nomem:
	cpu_bpack_free(bp);
	return fpq_error(-ENOMEM, "gemm: out of memory packing B (%u x %u)", b->rows, b->cols);
}

/*
 * The scale data of channel j (lane l of panel p) in block t, and the panel's summaries
 * (a special block is flagged; the others widen the panel's exponent range).
 */
static void block_meta(struct cpu_bpack *bp, uint32_t p, uint32_t j, uint32_t t, int xb,
		       int special)
{
	const size_t meta = ((size_t)p * bp->nblk + t) * CPU_PANEL + j % CPU_PANEL;
	const size_t pt = (size_t)p * bp->nblk + t;

	bp->bexp[meta] = special ? 0.0f : (float)xb;
	bp->bfac[meta] = special ? 1.0f : cpu_pow2f(xb);
	bp->special[(size_t)j * bp->nblk + t] = (uint8_t)special;
	if (special) {
		bp->pspecial[pt] = 1;
	} else {
		bp->pemin[pt] = xb < bp->pemin[pt] ? (int16_t)xb : bp->pemin[pt];
		bp->pemax[pt] = xb > bp->pemax[pt] ? (int16_t)xb : bp->pemax[pt];
	}
}

/*
 * Walks the elements of one channel in its panel: element e of a k step, then the next
 * step of the same panel (CPU_QUAD steps further on, past the quad's other panels).
 */
struct lane_writer {
	uint8_t *at;
	size_t quad_step, esz;
	uint32_t e, step_k;
};

static void *lane_next(struct lane_writer *w)
{
	void *p = w->at + w->e * w->esz;

	if (++w->e == w->step_k) {
		w->e = 0;
		w->at += w->quad_step;
	}
	return p;
}

/* One channel (column of C) into lane l of panel p. */
static void pack_b_channel(struct cpu_bpack *bp, const struct fpq_matrix *b, uint32_t j,
			   uint8_t *codes)
{
	const struct cpu_codec *cd = cpu_codec(b->format);
	const uint32_t p = j / CPU_PANEL, l = j % CPU_PANEL, k = bp->k;
	const int int8_path = bp->colsum != NULL;
	const size_t esz = bp->cls == CPU_CLASS_I8 ? 1 : bp->cls == CPU_CLASS_F64 ? 8 : 2;
	struct lane_writer w = {
		cpu_bpack_at(bp, p, 0) + (size_t)l * bp->step_k * esz,
		(size_t)CPU_QUAD * bp->step_bytes, esz, 0, bp->step_k
	};

	cpu_unpack_codes(b, j, codes);
	if (int8_path) {
		uint32_t sum = 0;

		for (uint32_t kk = 0; kk < k; kk++) {
			int32_t v = (int8_t)codes[kk];

			sum += (uint32_t)v;
			if (bp->cls == CPU_CLASS_I8)
				*(uint8_t *)lane_next(&w) = (uint8_t)(v + 128);
			else
				*(int16_t *)lane_next(&w) = (int16_t)v;
		}
		bp->colsum[j] = (int32_t)sum;
		return;
	}
	for (uint32_t t = 0; t < bp->nblk; t++) {
		uint8_t s = bp->scaled ? fpq_matrix_scale(b, j, t) : 127;
		int xb = (int)s - 127;
		int special = s == 0xFF;
		uint32_t k0 = t * CPU_KALIGN, k1 = k0 + CPU_KALIGN < k ? k0 + CPU_KALIGN : k;
		uint32_t sum = 0;
		size_t meta = ((size_t)p * bp->nblk + t) * CPU_PANEL + l;

		for (uint32_t kk = k0; kk < k1; kk++)
			special |= cd->special[codes[kk]];
		/* Exact: at most 32 significant bits times a power of two. */
		const double f = special ? 0.0 : cpu_pow2(xb);

		for (uint32_t kk = k0; kk < k1; kk++) {
			uint8_t c = codes[kk];

			switch (bp->cls) {
			case CPU_CLASS_I8:
				*(int8_t *)lane_next(&w) = (int8_t)cd->isig[c];
				sum += (uint32_t)cd->isig[c];
				break;
			case CPU_CLASS_I16:
				*(int16_t *)lane_next(&w) = (int16_t)cd->isig[c];
				break;
			default:
				*(double *)lane_next(&w) = cd->sig[c] * f;
				break;
			}
		}
		if (bp->bcorr)
			bp->bcorr[meta] = (int32_t)(0u - 128u * sum);
		block_meta(bp, p, j, t, xb, special);
	}
}

void cpu_bcorr_push(struct cpu_bcorr **list, size_t *count, size_t *cap, double v, uint32_t k,
		    uint32_t lane)
{
	if (*count == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		*list = realloc(*list, *cap * sizeof(**list));
		if (!*list)
			abort();                 /* a few KB; see cpu_bpack_panels */
	}
	(*list)[(*count)++] = (struct cpu_bcorr){ v, (uint8_t)k, (uint8_t)lane };
}

/*
 * I16W: the window shift of one channel's block: the sh in 0..17 that the most nonzero
 * elements fit (v divisible by 2^sh, |v| >> sh < 2^15), the smallest on a tie.
 */
static unsigned int window_shift(const int32_t *v, uint32_t n)
{
	int count[20] = { 0 };
	unsigned int best = 0;
	int run = 0, best_run = -1;

	for (uint32_t k = 0; k < n; k++) {
		uint32_t m = (uint32_t)(v[k] < 0 ? -v[k] : v[k]);
		int lo, hi;

		if (!m)
			continue;
		lo = 32 - __builtin_clz(m) - 15;        /* bit length - 15 */
		hi = __builtin_ctz(m);
		lo = lo < 0 ? 0 : lo;
		if (lo <= hi) {
			count[lo]++;
			count[hi + 1]--;
		}
	}
	for (unsigned int sh = 0; sh < 18; sh++) {
		run += count[sh];
		if (run > best_run) {
			best_run = run;
			best = sh;
		}
	}
	return best;
}

/*
 * I16W: panel p, block by block (so the corrections come out in block order): each
 * channel's elements shifted right by its window shift, the ones outside the window
 * zero in the panel and listed as corrections.
 */
static void pack_b_panel_window(struct cpu_bpack *bp, const struct fpq_matrix *b, uint32_t p,
				uint8_t *codes)
{
	const struct cpu_codec *cd = cpu_codec(b->format);
	const uint32_t k = bp->k, j0 = p * CPU_PANEL;
	const uint32_t lanes = bp->n - j0 < CPU_PANEL ? bp->n - j0 : CPU_PANEL;
	uint32_t *off = bp->corr_off + (size_t)p * (bp->nblk + 1);
	struct cpu_bcorr *list = NULL;
	size_t count = 0, cap = 0;

	for (uint32_t l = 0; l < lanes; l++)
		cpu_unpack_codes(b, j0 + l, codes + (size_t)l * k);
	for (uint32_t t = 0; t < bp->nblk; t++) {
		const uint32_t k0 = t * CPU_KALIGN, k1 = k0 + CPU_KALIGN < k ? k0 + CPU_KALIGN : k;

		off[t] = (uint32_t)count;
		for (uint32_t l = 0; l < lanes; l++) {
			const uint8_t *c = codes + (size_t)l * k;
			const uint8_t s = bp->scaled ? fpq_matrix_scale(b, j0 + l, t) : 127;
			const int xb = (int)s - 127;
			const size_t meta = ((size_t)p * bp->nblk + t) * CPU_PANEL + l;
			int special = s == 0xFF;
			int32_t v[CPU_KALIGN];
			unsigned int sh;

			for (uint32_t kk = k0; kk < k1; kk++) {
				special |= cd->special[c[kk]];
				v[kk - k0] = cd->isig[c[kk]];
			}
			sh = special ? 0 : window_shift(v, k1 - k0);
			for (uint32_t kk = k0; kk < k1; kk++) {
				const int32_t x = special ? 0 : v[kk - k0];
				const uint32_t m = (uint32_t)(x < 0 ? -x : x);
				const int fits = (m & ((1u << sh) - 1)) == 0 && (m >> sh) < 32768;
				int16_t *dst = (int16_t *)(cpu_bpack_at(bp, p, kk / 2) + 4 * l) + kk % 2;

				*dst = fits ? (int16_t)(x / (1 << sh)) : 0;
				if (!fits)
					cpu_bcorr_push(&list, &count, &cap, (double)x * cpu_pow2(xb),
						       kk - k0, l);
			}
			bp->bwfac[meta] = special ? 1.0 : cpu_pow2((int)sh + xb);
			block_meta(bp, p, j0 + l, t, xb, special);
		}
	}
	off[bp->nblk] = (uint32_t)count;
	free(bp->corr[p]);
	bp->corr[p] = list;
}

void cpu_bpack_finish(struct cpu_bpack *bp)
{
	bp->any_special = 0;
	if (bp->pspecial)
		for (size_t e = 0; e < (size_t)bp->n16 * bp->nblk; e++)
			bp->any_special |= bp->pspecial[e];
	bp->ncorr = 0;
	if (bp->corr_off)
		for (uint32_t p = 0; p < bp->n16; p++)
			bp->ncorr += bp->corr_off[(size_t)p * (bp->nblk + 1) + bp->nblk];
}

void cpu_bpack_panels(const struct cpu_kernels *kern, struct cpu_bpack *bp,
		      const struct fpq_matrix *b, uint32_t p0, uint32_t p1)
{
	const size_t lanes = bp->cls == CPU_CLASS_I16W ? CPU_PANEL : 1;
	uint8_t *codes = malloc(bp->k ? lanes * bp->k : 1);

	if (!codes)
		abort();                     /* a few KB; see cpu_gemm for the big buffers */
	for (uint32_t p = p0; p < p1; p++) {
		if (bp->pemin) {
			/* Empty ranges to start; a panel whose channels are all special in a
			 * block keeps it empty (that block takes the exact path anyway). */
			for (uint32_t t = 0; t < bp->nblk; t++) {
				bp->pemin[(size_t)p * bp->nblk + t] = INT16_MAX;
				bp->pemax[(size_t)p * bp->nblk + t] = INT16_MIN;
				bp->pspecial[(size_t)p * bp->nblk + t] = 0;
			}
		}
		if (kern->pack_b_panel && kern->pack_b_panel(bp, b, p))
			continue;
		if (bp->cls == CPU_CLASS_I16W) {
			pack_b_panel_window(bp, b, p, codes);
			continue;
		}
		for (uint32_t j = p * CPU_PANEL; j < (p + 1) * CPU_PANEL && j < bp->n; j++)
			pack_b_channel(bp, b, j, codes);
	}
	free(codes);
}

/* ---- A ---- */

void cpu_pack_a_rows_generic(struct cpu_apack *ap, const struct fpq_matrix *a,
			     enum fpq_format fb, uint32_t r0, uint32_t r1)
{
	const struct cpu_codec *cd = cpu_codec(a->format);
	const int int8_path = a->format == FPQ_FMT_INT8;
	const int lsb = fpq_elem_lsb_exp(a->format) + fpq_elem_lsb_exp(fb);
	uint8_t *codes = malloc(ap->k);

	if (!codes)
		abort();
	for (uint32_t r = r0; r < r1; r++) {
		uint8_t *row = ap->data ? ap->data + (size_t)r * ap->row_bytes : NULL;

		cpu_unpack_codes(a, r, codes);
		if (int8_path) {
			uint32_t sum = 0;

			for (uint32_t k = 0; k < ap->kpad; k++) {
				int32_t v = k < ap->k ? (int8_t)codes[k] : 0;

				sum += (uint32_t)v;
				if (ap->cls != CPU_CLASS_I8)
					((int16_t *)row)[k] = (int16_t)(k < ap->k ? v - a->zero_point : 0);
				else if (ap->data)
					row[k] = (uint8_t)v;
			}
			if (ap->rowcorr)
				ap->rowcorr[r] = (int32_t)(0u - 128u * sum);
			continue;
		}
		for (uint32_t t = 0; t < ap->nblk; t++) {
			uint8_t s = a->scales ? fpq_matrix_scale(a, r, t) : 127;
			int x = (int)s - 127 + lsb;
			int special = s == 0xFF;
			uint32_t k0 = t * CPU_KALIGN, k1 = k0 + CPU_KALIGN < ap->k ? k0 + CPU_KALIGN
								       : ap->k;

			for (uint32_t k = k0; k < k1; k++)
				special |= cd->special[codes[k]];
			cpu_apack_block(ap, (size_t)r * ap->nblk + t, special, x);
			/* Exact powers of two in binary64 (|x| < 300): products are exact. */
			const double f = cpu_pow2(x), f16 = cpu_pow2(x + 16);

			for (uint32_t k = k0; k < k0 + CPU_KALIGN; k++) {
				uint8_t c = k < k1 ? codes[k] : 0;
				int valid = k < k1;

				switch (ap->cls) {
				case CPU_CLASS_I8:
					row[k] = (uint8_t)((valid ? cd->isig[c] : 0) + 128);
					break;
				case CPU_CLASS_I16:
					((int16_t *)row)[k] = (int16_t)(valid ? cd->isig[c] : 0);
					break;
				case CPU_CLASS_I16W: {
					int32_t v = valid ? cd->isig[c] : 0;
					int32_t m = v < 0 ? -v : v, sign = v < 0 ? -1 : 1;

					if (ap->pieces == 1) {
						((int16_t *)row)[k] = (int16_t)v;
					} else {
						((int16_t *)row)[k] = (int16_t)(sign * (m & 511));
						((int16_t *)row)[ap->kpad + k] = (int16_t)(sign * (m >> 9));
					}
					break;
				}
				default: {
					double v = valid && !special ? cd->sig[c] : 0.0;
					double *d = (double *)row;

					if (ap->pieces == 1) {
						d[k] = v * f;
					} else {
						/* |v| < 2^32: two exact 16-bit halves. */
						int64_t iv = (int64_t)v;
						int64_t mag = iv < 0 ? -iv : iv;
						double lo = (double)(mag & 0xFFFF);
						double hi = (double)(mag >> 16);

						d[k] = (iv < 0 ? -lo : lo) * f;
						d[ap->kpad + k] = (iv < 0 ? -hi : hi) * f16;
					}
					break;
				}
				}
			}
		}
	}
	free(codes);
}
