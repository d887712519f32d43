// SPDX-License-Identifier: MIT
/*
 * cpu_window_test.c - the I16W packing of e4m3 weights (lib/cpu/pack.c): every element
 * of B is recovered exactly from its int16 window value shifted back by the block's sh,
 * or from the correction list (and never from both); each block's sh is one that fits
 * the most elements; the factors are 2^(sh + xb); corrections come in block order. A's
 * two int16 pieces from the AVX-512 decoder equal the portable decoder's. And
 * the class choice: data like quantized tensors packs as I16W (with corrections, so the
 * GEMM tests exercise them), wide-ranging data falls back to binary64.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "gemm_data.h"
#include "harness.h"

/* How many of a block's elements fit the window at shift sh. */
static unsigned int fits_at(const int32_t *v, uint32_t n, unsigned int sh)
{
	unsigned int count = 0;

	for (uint32_t k = 0; k < n; k++) {
		int64_t m = v[k] < 0 ? -(int64_t)v[k] : v[k];

		count += m != 0 && m % ((int64_t)1 << sh) == 0 && (m >> sh) < 32768;
	}
	return count;
}

static int16_t window_value(const struct cpu_bpack *bp, uint32_t j, uint32_t k)
{
	const uint8_t *step = cpu_bpack_at(bp, j / CPU_PANEL, k / 2);

	return ((const int16_t *)(step + 4 * (j % CPU_PANEL)))[k % 2];
}

static void check_pack(const struct test_matrix *b, const struct cpu_bpack *bp, const char *what)
{
	const struct cpu_codec *cd = cpu_codec(FPQ_FMT_E4M3);
	const uint32_t n = b->m.rows, k = b->m.cols;
	unsigned int bad = 0;

	for (uint32_t p = 0; p < bp->n16 && !bad; p++) {
		const uint32_t *off = bp->corr_off + (size_t)p * (bp->nblk + 1);

		if (off[0] != 0) {
			bad++;
			CHECK(0, "%s: panel %u: corrections start at %u", what, p, off[0]);
		}
		for (uint32_t t = 0; t < bp->nblk && !bad; t++) {
			if (off[t + 1] < off[t]) {
				bad++;
				CHECK(0, "%s: panel %u: offsets decrease", what, p);
			}
			for (uint32_t l = 0; l < CPU_PANEL && !bad; l++) {
				const uint32_t j = p * CPU_PANEL + l, k0 = t * 32;
				const uint32_t k1 = k0 + 32 < k ? k0 + 32 : k;
				const size_t meta = ((size_t)p * bp->nblk + t) * CPU_PANEL + l;
				int32_t v[32] = { 0 };
				int special = 0;
				int xb = 0;
				double bw = bp->bwfac[meta];
				int sh;

				if (j >= n) {
					for (uint32_t kk = k0; kk < k1; kk++)
						bad += window_value(bp, j, kk) != 0;
					continue;
				}
				if (b->m.scales) {
					uint8_t s = fpq_matrix_scale(&b->m, j, t);

					special = s == 0xFF;
					xb = (int)s - 127;
				}
				for (uint32_t kk = k0; kk < k1; kk++) {
					uint32_t c = fpq_matrix_get(&b->m, j, kk);

					special |= cd->special[c];
					v[kk - k0] = cd->isig[c];
				}
				CHECK(bp->special[(size_t)j * bp->nblk + t] == special,
				      "%s: channel %u block %u: special flag", what, j, t);
				if (special)
					continue;
				/* bwfac = 2^(sh + xb), sh in 0..17. */
				sh = ilogb(bw) - xb;
				if (sh < 0 || sh > 17 || bw != ldexp(1.0, sh + xb)) {
					bad++;
					CHECK(0, "%s: channel %u block %u: factor %a", what, j, t, bw);
					continue;
				}
				/* The window fits as many elements as any other would. */
				unsigned int best = 0;

				for (unsigned int s2 = 0; s2 < 18; s2++)
					if (fits_at(v, k1 - k0, s2) > best)
						best = fits_at(v, k1 - k0, s2);
				if (fits_at(v, k1 - k0, (unsigned int)sh) != best) {
					bad++;
					CHECK(0, "%s: channel %u block %u: sh %d fits %u, best %u",
					      what, j, t, sh, fits_at(v, k1 - k0, (unsigned int)sh),
					      best);
				}
				/* Each element from its window value or its one correction. */
				for (uint32_t kk = k0; kk < k1; kk++) {
					const int16_t w = window_value(bp, j, kk);
					double got = (double)w * ldexp(1.0, sh + xb);
					unsigned int ncorr = 0;

					for (uint32_t e = off[t]; e < off[t + 1]; e++) {
						const struct cpu_bcorr *c = &bp->corr[p][e];

						if (c->lane == l && c->k == kk - k0) {
							ncorr++;
							got += c->v;
							if (w != 0 || c->v == 0.0)
								bad++;
						}
					}
					if (got != ldexp((double)v[kk - k0], xb) || ncorr > 1) {
						bad++;
						CHECK(0, "%s: channel %u k %u: %a from window %d and %u "
						      "corrections, want %a", what, j, kk, got, w, ncorr,
						      ldexp((double)v[kk - k0], xb));
					}
				}
			}
		}
	}
	CHECK(bad == 0, "%s: %u mismatches", what, bad);
	(void)n;
}

/* The portable packer in class I16W over data modes, shapes and scales. */
static void packing(void)
{
	static const uint32_t ns[] = { 1, 16, 37, 64 }, ks[] = { 1, 31, 32, 100, 256 };
	struct rng r = rng_seeded(0xD1A5);
	size_t total_corr = 0;

	for (int dm = 0; dm < DATA_MODES; dm++)
		for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
			for (size_t j = 0; j < sizeof(ks) / sizeof(ks[0]); j++) {
				const int scaled = ks[j] % 32 == 0;
				struct test_matrix b;
				struct cpu_bpack bp;
				char what[96];

				snprintf(what, sizeof(what), "e4m3 N%u K%u %s", ns[i], ks[j],
					 data_mode_name((enum data_mode)dm));
				tm_alloc(&b, FPQ_FMT_E4M3, ns[i], ks[j], rng_below(&r, 3), scaled);
				tm_fill(&b, &r, (enum data_mode)dm,
					scaled ? (enum scale_mode)rng_below(&r, SCALE_MODES)
					       : SCALES_NONE);
				if (cpu_bpack_alloc(&bp, &b.m, CPU_CLASS_I16W, 0)) {
					CHECK(0, "%s: out of memory", what);
					tm_free(&b);
					continue;
				}
				cpu_bpack_panels(&cpu_kernels_scalar, &bp, &b.m, 0, bp.n16);
				cpu_bpack_finish(&bp);
				check_pack(&b, &bp, what);
				total_corr += bp.ncorr;
				cpu_bpack_free(&bp);
				tm_free(&b);
			}
	/* Wide-ranging modes must have produced corrections to check. */
	CHECK(total_corr > 1000, "only %zu corrections over all cases", total_corr);
}

/* Which class fpq_weights_pack's CPU packing picks for e4m3 weights on AVX-512. */
static enum cpu_class weights_class(enum data_mode dm, size_t *ncorr)
{
	struct rng r = rng_seeded(0xD1A6 + (uint64_t)dm);
	struct test_matrix b;
	struct cpu_bpack *bp = NULL;
	enum cpu_class cls = CPU_CLASS_I8;

	tm_alloc(&b, FPQ_FMT_E4M3, 70, 320, 0, 1);
	tm_fill(&b, &r, dm, SCALES_NEAR);
	if (cpu_weights_pack(&cpu_kernels_avx512, &b.m, &bp) == 0) {
		cls = bp->cls;
		*ncorr = bp->ncorr;
		cpu_bpack_free(bp);
		free(bp);
	}
	tm_free(&b);
	return cls;
}

static void class_choice(void)
{
	size_t ncorr = 0;
	enum cpu_class cls;

	if (!cpu_isa_supported(CPU_ISA_AVX512)) {
		harness_skip("this CPU has no AVX-512 set");
		return;
	}
	cls = weights_class(DATA_WINDOWED, &ncorr);
	CHECK(cls == CPU_CLASS_I16W && ncorr > 0,
	      "windowed data: class %d with %zu corrections, want I16W with some", cls, ncorr);
	cls = weights_class(DATA_WINDOWED_SPECIALS, &ncorr);
	CHECK(cls == CPU_CLASS_I16W && ncorr > 0,
	      "windowed data with specials: class %d with %zu corrections", cls, ncorr);
	cls = weights_class(DATA_FINITE, &ncorr);
	CHECK(cls == CPU_CLASS_F64, "any finite code: class %d, want the binary64 fallback", cls);
	CHECK(!cpu_i16w_applies(&cpu_kernels_avx512, FPQ_FMT_E5M2, FPQ_FMT_E4M3) &&
	      cpu_i16w_applies(&cpu_kernels_avx512, FPQ_FMT_E2M1, FPQ_FMT_E4M3) &&
	      !cpu_i16w_applies(&cpu_kernels_avx512, FPQ_FMT_E4M3, FPQ_FMT_E3M2) &&
	      !cpu_i16w_applies(&cpu_kernels_scalar, FPQ_FMT_E4M3, FPQ_FMT_E4M3) &&
	      !cpu_i16w_applies(&cpu_kernels_avx2, FPQ_FMT_E4M3, FPQ_FMT_E4M3) &&
	      cpu_i16w_applies(&cpu_kernels_avxvnni, FPQ_FMT_E4M3, FPQ_FMT_E4M3),
	      "pairs that may run in I16W");
}

/* A in I16W pieces: the AVX-512 decoder against the portable one, byte for byte. */
static void a_pieces(void)
{
	static const uint32_t ks[] = { 32, 64, 96, 128, 512 };
	struct rng r = rng_seeded(0xD1A7);

	if (!cpu_isa_supported(CPU_ISA_AVX512)) {
		harness_skip("this CPU has no AVX-512 set");
		return;
	}
	for (int dm = 0; dm < DATA_MODES; dm++)
		for (size_t j = 0; j < sizeof(ks) / sizeof(ks[0]); j++) {
			const uint32_t m = 5, k = ks[j], kpad = (k + 31) / 32 * 32;
			struct cpu_apack ap[2];
			struct test_matrix a;
			char what[96];

			snprintf(what, sizeof(what), "e4m3 A K%u %s", k,
				 data_mode_name((enum data_mode)dm));
			tm_alloc(&a, FPQ_FMT_E4M3, m, k, rng_below(&r, 3), 1);
			tm_fill(&a, &r, (enum data_mode)dm, (enum scale_mode)rng_below(&r, SCALE_MODES));
			for (int v = 0; v < 2; v++) {
				memset(&ap[v], 0, sizeof(ap[v]));
				ap[v].cls = CPU_CLASS_I16W;
				ap[v].m = m;
				ap[v].k = k;
				ap[v].kpad = kpad;
				ap[v].nblk = kpad / 32;
				ap[v].pieces = cpu_i16w_pieces(FPQ_FMT_E4M3);
				ap[v].row_bytes = (size_t)kpad * 2 * ap[v].pieces;
				ap[v].data = cpu_alloc(ap[v].row_bytes * m);
				ap[v].aexp = cpu_alloc(sizeof(float) * m * ap[v].nblk);
				ap[v].afac = cpu_alloc(sizeof(float) * m * ap[v].nblk);
				ap[v].adfac = cpu_alloc(sizeof(double) * m * ap[v].nblk);
				ap[v].special = cpu_alloc((size_t)m * ap[v].nblk);
			}
			cpu_kernels_avx512.pack_a(&ap[0], &a.m, FPQ_FMT_E4M3, 0, m);
			cpu_pack_a_rows_generic(&ap[1], &a.m, FPQ_FMT_E4M3, 0, m);
			CHECK(memcmp(ap[0].data, ap[1].data, ap[0].row_bytes * m) == 0,
			      "%s: values differ", what);
			CHECK(memcmp(ap[0].aexp, ap[1].aexp, sizeof(float) * m * ap[0].nblk) == 0 &&
			      memcmp(ap[0].afac, ap[1].afac, sizeof(float) * m * ap[0].nblk) == 0 &&
			      memcmp(ap[0].adfac, ap[1].adfac, sizeof(double) * m * ap[0].nblk) == 0 &&
			      memcmp(ap[0].special, ap[1].special, (size_t)m * ap[0].nblk) == 0,
			      "%s: block data differ", what);
			for (int v = 0; v < 2; v++) {
				free(ap[v].data);
				free(ap[v].aexp);
				free(ap[v].afac);
				free(ap[v].adfac);
				free(ap[v].special);
			}
			tm_free(&a);
		}
}

int main(void)
{
	RUN(packing);
	RUN(a_pieces);
	RUN(class_choice);
	return harness_report();
}
