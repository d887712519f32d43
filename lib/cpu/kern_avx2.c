// SPDX-License-Identifier: MIT
/*
 * kern_avx2.c - the AVX2 + FMA kernel set (see kern_avx2_tmpl.h). Compiled with
 * -mavx2 -mfma only (lib/lib.mk); runs when isa.c finds AVX2 and FMA.
 */
#include "kern_avx2_tmpl.h"

const struct cpu_kernels cpu_kernels_avx2 = {
	.name = "avx2",
	.isa = CPU_ISA_AVX2,
	.mr_i8 = 4, .np_i8 = 1,
	.mr_mx = 2, .np_mx = 1,
	.mr_f64 = 2, .np_f64 = 1,
	.exp_guard = 1,
	.i8_int = NULL,
	.i16_int = i16_int,
	.i8_mx = NULL,
	.i16_mx = i16_mx,
	.f64_mx = f64_mx,
	.has_i8_dot = 0,
	.epi_float = epi_float,
	.i8_requant = 1,
	.epi_int8 = epi_int8,
	.pack_a = cpu_pack_a_rows_generic,
};
