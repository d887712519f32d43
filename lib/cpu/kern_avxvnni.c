// SPDX-License-Identifier: MIT
/*
 * kern_avxvnni.c - the AVX2 + FMA + AVX-VNNI kernel set (see kern_avx2_tmpl.h): the
 * 256-bit u8 x s8 and s16 x s16 dot products of AVX-VNNI (Alder Lake and later, Zen 4
 * and later) make the INT8 path and the int8 MX class exact int8 dot products again,
 * and run e4m3 weights in int16 windows (CPU_CLASS_I16W).
 */
#define KERN_VNNI 1
#include "kern_avx2_tmpl.h"

const struct cpu_kernels cpu_kernels_avxvnni = {
	.name = "avxvnni",
	.isa = CPU_ISA_AVXVNNI,
	.mr_i8 = 4, .np_i8 = 1,
	.mr_mx = 2, .np_mx = 1,
	.mr_f64 = 2, .np_f64 = 1,
	.mr_w = 2, .np_w = 1,
	.exp_guard = 1,
	.i8_int = i8_int,
	.i16_int = i16_int,
	.i8_mx = i8_mx,
	.i16_mx = i16_mx,
	.f64_mx = f64_mx,
	.i16w_mx = i16w_mx,
	.has_i8_dot = 1,
	.epi_float = epi_float,
	.i8_requant = 1,
	.epi_int8 = epi_int8,
	.pack_a = cpu_pack_a_rows_generic,
};
