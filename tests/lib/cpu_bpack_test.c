// SPDX-License-Identifier: MIT
/*
 * cpu_bpack_test.c - the AVX-512 B packer (lib/cpu/packb_avx512.c) against the portable
 * one (lib/cpu/pack.c), byte for byte: the packed values and every array of per-channel
 * and per-block data (channel sums, block sums, scale exponents and factors, special
 * flags, the panels' exponent ranges; the int16 windows' factors and correction lists),
 * for the INT8 path and the MX formats in every class (int8, int16, binary64, e4m3 in
 * int16 windows), whole and partial panels, K a multiple of 64 or not, padded rows and
 * every kind of scale (NaN scales and binary32's edges included).
 */
#include <string.h>

#include "cpu/cpu.h"
#include "gemm_data.h"
#include "harness.h"

#define SAME(field, bytes)                                                         \
	CHECK((!p->field && !q->field) || (p->field && q->field &&                   \
					   memcmp(p->field, q->field, bytes) == 0),  \
	      "%s: %s differs", what, #field)

static void compare(const struct cpu_bpack *p, const struct cpu_bpack *q, const char *what)
{
	const size_t meta = (size_t)p->n16 * p->nblk * CPU_PANEL;
	const size_t pblk = (size_t)p->n16 * p->nblk;

	SAME(data, (p->n16 + CPU_QUAD - 1) / CPU_QUAD * p->quad_bytes);
	SAME(colsum, sizeof(int32_t) * p->n16 * CPU_PANEL);
	SAME(bcorr, sizeof(int32_t) * meta);
	SAME(bexp, sizeof(float) * meta);
	SAME(bfac, sizeof(float) * meta);
	SAME(special, (size_t)p->n * p->nblk);
	SAME(pspecial, pblk);
	SAME(pemin, sizeof(int16_t) * pblk);
	SAME(pemax, sizeof(int16_t) * pblk);
	CHECK(p->any_special == q->any_special, "%s: any_special differs", what);
	/* The int16-window class: factors and correction lists. */
	SAME(bwfac, sizeof(double) * meta);
	SAME(corr_off, sizeof(uint32_t) * p->n16 * (p->nblk + 1));
	CHECK(p->ncorr == q->ncorr, "%s: %zu corrections against %zu", what, p->ncorr, q->ncorr);
	for (uint32_t pn = 0; p->corr && q->corr && pn < p->n16; pn++) {
		const uint32_t n = p->corr_off[(size_t)pn * (p->nblk + 1) + p->nblk];

		for (uint32_t e = 0; e < n && n == q->corr_off[(size_t)pn * (q->nblk + 1) + q->nblk];
		     e++) {
			const struct cpu_bcorr *x = &p->corr[pn][e], *y = &q->corr[pn][e];

			if (x->v != y->v || x->k != y->k || x->lane != y->lane) {
				CHECK(0, "%s: panel %u correction %u: %a k %u lane %u against %a k %u "
				      "lane %u", what, pn, e, x->v, x->k, x->lane, y->v, y->k, y->lane);
				break;
			}
		}
	}
}

static void one_case(enum fpq_format fmt, enum cpu_class cls, uint32_t n, uint32_t k,
		     enum data_mode dm, enum scale_mode sm, struct rng *r)
{
	const int int8_path = fmt == FPQ_FMT_INT8;
	struct test_matrix b;
	struct cpu_bpack fast, portable;
	char what[96];

	snprintf(what, sizeof(what), "%s as %s N%u K%u %s scales %d", fpq_format_name(fmt),
		 cls == CPU_CLASS_I8 ? "int8" : cls == CPU_CLASS_I16 ? "int16"
		 : cls == CPU_CLASS_F64 ? "binary64" : "int16 windows", n, k,
		 data_mode_name(dm), (int)sm);
	tm_alloc(&b, fmt, n, k, rng_below(r, 3), !int8_path);
	tm_fill(&b, r, dm, sm);
	if (cpu_bpack_alloc(&fast, &b.m, cls, int8_path) ||
	    cpu_bpack_alloc(&portable, &b.m, cls, int8_path)) {
		CHECK(0, "%s: out of memory", what);
		tm_free(&b);
		return;
	}
	cpu_bpack_panels(&cpu_kernels_avx512, &fast, &b.m, 0, fast.n16);
	cpu_bpack_finish(&fast);
	cpu_bpack_panels(&cpu_kernels_scalar, &portable, &b.m, 0, portable.n16);
	cpu_bpack_finish(&portable);
	compare(&fast, &portable, what);
	cpu_bpack_free(&fast);
	cpu_bpack_free(&portable);
	tm_free(&b);
}

static void avx512_equals_portable(void)
{
	/* Each format in the classes it is packed in: its own, int16 beside an e3m2 A,
	 * binary64 beside an e4m3 or e5m2 A. */
	static const struct { enum fpq_format f; enum cpu_class cls; } fmts[] = {
		{ FPQ_FMT_INT8, CPU_CLASS_I8 }, { FPQ_FMT_E2M3, CPU_CLASS_I8 },
		{ FPQ_FMT_E2M1, CPU_CLASS_I8 }, { FPQ_FMT_MXINT8, CPU_CLASS_I8 },
		{ FPQ_FMT_E3M2, CPU_CLASS_I16 }, { FPQ_FMT_E2M3, CPU_CLASS_I16 },
		{ FPQ_FMT_E2M1, CPU_CLASS_I16 }, { FPQ_FMT_MXINT8, CPU_CLASS_I16 },
		{ FPQ_FMT_E4M3, CPU_CLASS_F64 }, { FPQ_FMT_E5M2, CPU_CLASS_F64 },
		{ FPQ_FMT_E3M2, CPU_CLASS_F64 }, { FPQ_FMT_E2M3, CPU_CLASS_F64 },
		{ FPQ_FMT_E2M1, CPU_CLASS_F64 }, { FPQ_FMT_MXINT8, CPU_CLASS_F64 },
		{ FPQ_FMT_E4M3, CPU_CLASS_I16W },
	};
	static const uint32_t ns[] = { 16, 37, 64, 80 }, ks[] = { 64, 96, 128, 1024 };
	struct rng r = rng_seeded(0xB9AC);

	if (!cpu_isa_supported(CPU_ISA_AVX512)) {
		harness_skip("this CPU has no AVX-512 set");
		return;
	}
	for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++)
		for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
			for (size_t j = 0; j < sizeof(ks) / sizeof(ks[0]); j++)
				for (int s = 0; s < SCALE_MODES; s++)
					one_case(fmts[f].f, fmts[f].cls, ns[i], ks[j],
						 (enum data_mode)rng_below(&r, DATA_MODES),
						 (enum scale_mode)s, &r);
}

int main(void)
{
	RUN(avx512_equals_portable);
	return harness_report();
}
