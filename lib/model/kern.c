// SPDX-License-Identifier: MIT
/*
 * kern.c - which build of the model layer's CPU kernels a context uses: the one
 * matching the CPU backend's kernel set (so FPQ_CPU_ISA chooses both), else the best the
 * CPU supports. All builds give the same bits.
 */
#include <string.h>

#include "fpq.h"
#include "kern.h"

const struct mg_kernels *mg_kernels_for(struct fpq_context *ctx)
{
	const char *isa = ctx ? fpq_context_cpu_isa(ctx) : NULL;
	bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
	bool avx512 = avx2 && __builtin_cpu_supports("avx512f") &&
		      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
		      __builtin_cpu_supports("avx512dq");

	if (isa && !strcmp(isa, "scalar"))
		return &mg_kernels_generic;
	if (isa && (!strcmp(isa, "avx2") || !strcmp(isa, "avxvnni")))
		return avx2 ? &mg_kernels_avx2 : &mg_kernels_generic;
	if (avx512)
		return __builtin_cpu_supports("avx512vbmi") ? &mg_kernels_vbmi_avx512
							    : &mg_kernels_avx512;
	return avx2 ? &mg_kernels_avx2 : &mg_kernels_generic;
}
