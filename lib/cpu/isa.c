// SPDX-License-Identifier: MIT
/*
 * isa.c - which kernel set runs: the best one the CPU (and the OS, for the wide
 * register state) supports, or the one FPQ_CPU_ISA names. A named ISA the CPU cannot
 * run is an error, never a silent fallback, so a test that forces a variant really
 * tests it.
 */
#include <cpuid.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cpu.h"

static const char *const isa_names[CPU_ISA_COUNT] = {
	[CPU_ISA_SCALAR] = "scalar",
	[CPU_ISA_AVX2] = "avx2",
	[CPU_ISA_AVXVNNI] = "avxvnni",
	[CPU_ISA_AVX512] = "avx512",
};

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

struct cpu_features {
	int avx2, fma, avxvnni, avx512;
};

static struct cpu_features detect(void)
{
	struct cpu_features f = { 0, 0, 0, 0 };
	unsigned int a, b, c, d;
	uint64_t xcr0;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return f;
	if (!(c & bit_OSXSAVE) || !(c & bit_AVX))
		return f;
	xcr0 = xgetbv0();
	if ((xcr0 & 0x6) != 0x6)                 /* SSE and AVX state */
		return f;
	f.fma = !!(c & bit_FMA);
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return f;
	f.avx2 = !!(b & bit_AVX2) && f.fma;
	/* AVX-512 F, DQ, BW, VL + VNNI + VBMI, and the opmask/ZMM state enabled by the OS. */
	f.avx512 = f.avx2 && (xcr0 & 0xE6) == 0xE6 && (b & bit_AVX512F) && (b & bit_AVX512DQ) &&
		   (b & bit_AVX512BW) && (b & bit_AVX512VL) && (c & bit_AVX512VNNI) &&
		   (c & bit_AVX512VBMI);
	if (__get_cpuid_count(7, 1, &a, &b, &c, &d))
		f.avxvnni = f.avx2 && (a & (1u << 4));
	return f;
}

int cpu_isa_supported(enum cpu_isa isa)
{
	struct cpu_features f = detect();

	switch (isa) {
	case CPU_ISA_SCALAR: return 1;
	case CPU_ISA_AVX2: return f.avx2;
	case CPU_ISA_AVXVNNI: return f.avxvnni;
	case CPU_ISA_AVX512: return f.avx512;
	default: return 0;
	}
}

int cpu_isa_select(enum cpu_isa *out)
{
	const char *v = getenv("FPQ_CPU_ISA");

	if (v && *v && strcasecmp(v, "auto") != 0) {
		for (int i = 0; i < CPU_ISA_COUNT; i++) {
			if (strcasecmp(v, isa_names[i]) != 0)
				continue;
			if (!cpu_isa_supported((enum cpu_isa)i))
				return fpq_error(-ENOTSUP, "FPQ_CPU_ISA=%s: this CPU (or OS) does "
							   "not support it", v);
			*out = (enum cpu_isa)i;
			return 0;
		}
		return fpq_error(-EINVAL, "FPQ_CPU_ISA=%s: expected auto, avx512, avxvnni, "
					  "avx2 or scalar", v);
	}
	for (int i = CPU_ISA_COUNT - 1; i > 0; i--) {
		if (cpu_isa_supported((enum cpu_isa)i)) {
			*out = (enum cpu_isa)i;
			return 0;
		}
	}
	*out = CPU_ISA_SCALAR;
	return 0;
}

const struct cpu_kernels *cpu_kernels_for(enum cpu_isa isa)
{
	switch (isa) {
	case CPU_ISA_AVX2: return &cpu_kernels_avx2;
	case CPU_ISA_AVXVNNI: return &cpu_kernels_avxvnni;
	case CPU_ISA_AVX512: return &cpu_kernels_avx512;
	default: return &cpu_kernels_scalar;
	}
}
