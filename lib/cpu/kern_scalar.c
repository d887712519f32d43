// SPDX-License-Identifier: MIT
/*
 * kern_scalar.c - the portable kernel set: plain C on the same packed layouts and with
 * the same arithmetic as the SIMD kernels (u8 x s8 dot products with the +128
 * correction, int16 dot products, exact binary64 sums), so it both runs everywhere and
 * documents what the vector code computes. Block results are rounded through binary64
 * (exact there, then one rounding), so this set needs no range guard.
 */
#include <math.h>
#include <string.h>

#include "cpu.h"

#define MR_MAX 6
#define NP_MAX 4
#define COLS_MAX (NP_MAX * CPU_PANEL)

/* Load the tile's accumulators: init (or zero) on the first K chunk, else from c. */
static void load_u32(const struct cpu_tile *t, uint32_t acc[MR_MAX][COLS_MAX])
{
	const unsigned int nc = t->np * CPU_PANEL;

	for (unsigned int r = 0; r < t->mr; r++)
		for (unsigned int c = 0; c < nc; c++)
			acc[r][c] = t->first ? (uint32_t)t->init[c] +
						       (t->rowcorr ? (uint32_t)t->rowcorr[r] : 0u)
					     : ((const uint32_t *)t->c)[r * t->c_stride + c];
}

static void store_u32(const struct cpu_tile *t, uint32_t acc[MR_MAX][COLS_MAX])
{
	if (t->out8) {
		/* requantized into C (cpu_tile's out8): epilogue.c's formula */
		for (unsigned int r = 0; r < t->mr; r++)
			for (unsigned int c = 0; c < t->ncols; c++) {
				int32_t y = fpq_requant_fp32((int32_t)acc[r][c],
							     t->q_scale[t->q_scale_bc ? 0 : c],
							     t->q_lo, t->q_hi, t->clamped) + t->q_zero;

				t->out8[r * t->out8_stride + c] = (uint8_t)(int8_t)y;
			}
		return;
	}
	for (unsigned int r = 0; r < t->mr; r++)
		memcpy(t->out ? (uint32_t *)t->out + r * t->out_stride
			      : (uint32_t *)t->c + r * t->c_stride, acc[r], 4 * t->np * CPU_PANEL);
}

static void i8_int(const struct cpu_tile *t)
{
	uint32_t acc[MR_MAX][COLS_MAX];

	load_u32(t, acc);
	for (unsigned int r = 0; r < t->mr; r++) {
		const int8_t *a = (const int8_t *)(t->a + r * t->a_stride);

		for (unsigned int p = 0; p < t->np; p++) {
			const uint8_t *b = t->b + p * t->b_panel;

			for (uint32_t s = 0; s < t->kpad / 4; s++)
				for (unsigned int l = 0; l < CPU_PANEL; l++) {
					const uint8_t *bb = b + s * t->b_step + l * 4;
					/* One vpdpbusd lane (u8 b + 128 times s8 a): |sum| < 2^17,
					 * added mod 2^32. */
					int32_t d = a[4 * s] * bb[0] + a[4 * s + 1] * bb[1] +
						    a[4 * s + 2] * bb[2] + a[4 * s + 3] * bb[3];

					acc[r][p * CPU_PANEL + l] += (uint32_t)d;
				}
		}
	}
	store_u32(t, acc);
}

static void i16_int(const struct cpu_tile *t)
{
	uint32_t acc[MR_MAX][COLS_MAX];

	load_u32(t, acc);
	for (unsigned int r = 0; r < t->mr; r++) {
		const int16_t *a = (const int16_t *)(t->a + r * t->a_stride);

		for (unsigned int p = 0; p < t->np; p++) {
			const int16_t *b = (const int16_t *)(t->b + p * t->b_panel);

			for (uint32_t s = 0; s < t->kpad / 2; s++)
				for (unsigned int l = 0; l < CPU_PANEL; l++) {
					const int16_t *bb = (const int16_t *)((const uint8_t *)b +
									      s * t->b_step) + l * 2;
					int32_t d = a[2 * s] * bb[0] + a[2 * s + 1] * bb[1];

					acc[r][p * CPU_PANEL + l] += (uint32_t)d;
				}
		}
	}
	store_u32(t, acc);
}

static void load_f32(const struct cpu_tile *t, float acc[MR_MAX][COLS_MAX])
{
	const unsigned int nc = t->np * CPU_PANEL;

	for (unsigned int r = 0; r < t->mr; r++)
		for (unsigned int c = 0; c < nc; c++)
			acc[r][c] = t->first ? 0.0f : ((const float *)t->c)[r * t->c_stride + c];
}

static void store_f32(const struct cpu_tile *t, float acc[MR_MAX][COLS_MAX])
{
	for (unsigned int r = 0; r < t->mr; r++)
		memcpy((float *)t->c + r * t->c_stride, acc[r], 4 * t->np * CPU_PANEL);
}

/* The I8 and I16 MX kernels: exact int32 block sums, one rounding, K-order adds. */
static void int_mx(const struct cpu_tile *t, int i8)
{
	const unsigned int nc = t->np * CPU_PANEL;
	float acc[MR_MAX][COLS_MAX];
	int32_t s[MR_MAX][COLS_MAX];
	float p[MR_MAX][COLS_MAX];

	load_f32(t, acc);
	for (uint32_t blk = 0; blk < t->nblk; blk++) {
		for (unsigned int r = 0; r < t->mr; r++) {
			for (unsigned int pn = 0; pn < t->np; pn++) {
				for (unsigned int l = 0; l < CPU_PANEL; l++) {
					uint32_t sum = i8 ? (uint32_t)t->bcorr[pn * t->bmeta_panel +
										 blk * CPU_PANEL + l] : 0;

					for (uint32_t k = blk * 32; k < blk * 32 + 32; k++) {
						if (i8) {
							const uint8_t *a = t->a + r * t->a_stride;
							const int8_t *b = (const int8_t *)(t->b +
								pn * t->b_panel);

							sum += (uint32_t)(a[k] * b[(k / 4) * t->b_step +
										  l * 4 + k % 4]);
						} else {
							const int16_t *a = (const int16_t *)(t->a +
								r * t->a_stride);
							const int16_t *b = (const int16_t *)(t->b +
								pn * t->b_panel);

							sum += (uint32_t)(a[k] * b[(k / 2) * t->b_step / 2 +
										  l * 2 + k % 2]);
						}
					}
					s[r][pn * CPU_PANEL + l] = (int32_t)sum;
				}
			}
		}
		if (t->slow[blk]) {
			int32_t sbuf[MR_MAX * COLS_MAX];
			float pbuf[MR_MAX * COLS_MAX];

			for (unsigned int r = 0; r < t->mr; r++)
				memcpy(sbuf + r * nc, s[r], 4 * nc);
			t->fix(t->fx, t->blk0 + blk, sbuf, pbuf);
			for (unsigned int r = 0; r < t->mr; r++)
				memcpy(p[r], pbuf + r * nc, 4 * nc);
		} else {
			for (unsigned int r = 0; r < t->mr; r++)
				for (unsigned int c = 0; c < nc; c++) {
					int x = (int)t->aexp[r * t->aexp_stride + blk] +
						(int)t->bexp[(c / CPU_PANEL) * t->bmeta_panel +
							     blk * CPU_PANEL + c % CPU_PANEL];

					p[r][c] = (float)ldexp((double)s[r][c], x);
				}
		}
		for (unsigned int r = 0; r < t->mr; r++)
			for (unsigned int c = 0; c < nc; c++)
				acc[r][c] += p[r][c];
	}
	store_f32(t, acc);
}

static void i8_mx(const struct cpu_tile *t)
{
	int_mx(t, 1);
}

static void i16_mx(const struct cpu_tile *t)
{
	int_mx(t, 0);
}

static void f64_mx(const struct cpu_tile *t)
{
	const unsigned int nc = t->np * CPU_PANEL;
	float acc[MR_MAX][COLS_MAX];
	double s[2][MR_MAX][COLS_MAX];
	float p[MR_MAX * COLS_MAX];

	load_f32(t, acc);
	for (uint32_t blk = 0; blk < t->nblk; blk++) {
		for (unsigned int q = 0; q < t->pieces; q++)
			for (unsigned int r = 0; r < t->mr; r++) {
				const double *a = (const double *)(t->a + r * t->a_stride) +
						  q * (t->a_stride / 8 / t->pieces);

				for (unsigned int c = 0; c < nc; c++) {
					const double *b = (const double *)(t->b + (c / CPU_PANEL) *
									   t->b_panel);
					double sum = 0.0;

					/* Every partial sum is exact (< 2^53 units). */
					for (uint32_t k = blk * 32; k < blk * 32 + 32; k++)
						sum = fma(a[k], b[k * t->b_step / 8 + c % CPU_PANEL],
							  sum);
					s[q][r][c] = sum;
				}
			}
		if (t->slow[blk]) {
			double sbuf[2 * MR_MAX * COLS_MAX];

			for (unsigned int q = 0; q < t->pieces; q++)
				for (unsigned int r = 0; r < t->mr; r++)
					memcpy(sbuf + (q * t->mr + r) * nc, s[q][r], 8 * nc);
			t->fix(t->fx, t->blk0 + blk, sbuf, p);
		} else {
			for (unsigned int r = 0; r < t->mr; r++)
				for (unsigned int c = 0; c < nc; c++)
					p[r * nc + c] = t->pieces == 1 ? (float)s[0][r][c]
						      : cpu_round_sum2(s[0][r][c], s[1][r][c]);
		}
		for (unsigned int r = 0; r < t->mr; r++)
			for (unsigned int c = 0; c < nc; c++)
				acc[r][c] += p[r * nc + c];
	}
	store_f32(t, acc);
}

const struct cpu_kernels cpu_kernels_scalar = {
	.name = "scalar",
	.isa = CPU_ISA_SCALAR,
	.mr_i8 = 4, .np_i8 = 2,
	.mr_mx = 4, .np_mx = 2,
	.mr_f64 = 4, .np_f64 = 2,
	.exp_guard = 0,
	.i8_int = i8_int,
	.i16_int = i16_int,
	.i8_mx = i8_mx,
	.i16_mx = i16_mx,
	.f64_mx = f64_mx,
	.has_i8_dot = 1,
	.i8_requant = 1,
	.epi_float = cpu_epi_float_scalar,
	.epi_int8 = cpu_epi_int8_scalar,
	.pack_a = cpu_pack_a_rows_generic,
};
