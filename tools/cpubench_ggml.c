// SPDX-License-Identifier: MIT
/*
 * cpubench_ggml.c - ggml loaded with dlopen as fpq-cpubench's block-scaled peer. Only the
 * few entry points used are declared here, as ggml's public headers define them (the
 * type numbers and the CPU type-traits record have been stable across its releases):
 * row sizes and quantization from the base library, the per-type row dot product from
 * the CPU library.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpubench_ggml.h"

/* ggml's type numbers. */
enum { GGML_Q8_0 = 8, GGML_MXFP4 = 39 };

typedef void (*ggml_vec_dot_fn)(int n, float *s, size_t bs, const void *x, size_t bx,
				const void *y, size_t by, int nrc);
/* ggml-cpu.h: struct ggml_type_traits_cpu. */
struct ggml_cpu_traits {
	void *from_float;
	ggml_vec_dot_fn vec_dot;
	int vec_dot_type;
	int64_t nrows;
};

struct ggml_peer {
	void *base, *cpu;
	char variant[32];
	size_t (*row_size)(int type, int64_t n);
	size_t (*quantize_chunk)(int type, const float *src, void *dst, int64_t start,
				 int64_t nrows, int64_t n_per_row, const float *imatrix);
	const struct ggml_cpu_traits *(*traits)(int type);
};

/* The CPU builds of the prebuilt package, best first; the first that loads and whose
 * instruction sets this CPU has is used. */
static const struct {
	const char *name;
	int level;                   /* 3 AVX-512 VNNI, 2 AVX-512, 1 AVX2, 0 any x86-64 */
} variants[] = {
	{ "zen4", 3 }, { "icelake", 3 }, { "skylakex", 2 }, { "haswell", 1 }, { "x64", 0 },
};

static int cpu_level(void)
{
	if (__builtin_cpu_supports("avx512vnni"))
		return 3;
	if (__builtin_cpu_supports("avx512f"))
		return 2;
	return __builtin_cpu_supports("avx2") ? 1 : 0;
}

struct ggml_peer *ggml_peer_open(const char *dir, char *why, size_t why_len)
{
	struct ggml_peer *g = calloc(1, sizeof(*g));
	char path[1024];

	if (!g) {
		snprintf(why, why_len, "out of memory");
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/libggml-base.so", dir);
	g->base = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
	if (!g->base) {
		snprintf(why, why_len, "%s", dlerror());
		free(g);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]) && !g->cpu; i++) {
		if (variants[i].level > cpu_level())
			continue;
		snprintf(path, sizeof(path), "%s/libggml-cpu-%s.so", dir, variants[i].name);
		g->cpu = dlopen(path, RTLD_NOW);
		if (g->cpu)
			snprintf(g->variant, sizeof(g->variant), "%s", variants[i].name);
	}
	void (*cpu_init)(void) = g->cpu ? (void (*)(void))dlsym(g->cpu, "ggml_cpu_init") : NULL;

	/* POSIX: a dlsym result converts to the function pointer it names. */
	g->row_size = (size_t (*)(int, int64_t))dlsym(g->base, "ggml_row_size");
	g->quantize_chunk = (size_t (*)(int, const float *, void *, int64_t, int64_t, int64_t,
					const float *))dlsym(g->base, "ggml_quantize_chunk");
	if (g->cpu)
		g->traits = (const struct ggml_cpu_traits *(*)(int))dlsym(g->cpu,
			"ggml_get_type_traits_cpu");
	if (!cpu_init || !g->row_size || !g->quantize_chunk || !g->traits) {
		snprintf(why, why_len, "%s: no usable ggml CPU library", dir);
		ggml_peer_close(g);
		return NULL;
	}
	cpu_init();
	return g;
}

const char *ggml_peer_variant(const struct ggml_peer *g)
{
	return g->variant;
}

const char *ggml_peer_format_name(enum ggml_peer_format f)
{
	return f == GGML_PEER_Q8_0 ? "q8_0" : "mxfp4";
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double ggml_peer_time(struct ggml_peer *g, enum ggml_peer_format f, unsigned int m,
		      unsigned int n, unsigned int k, int rounds, double min_secs)
{
	const int type = f == GGML_PEER_Q8_0 ? GGML_Q8_0 : GGML_MXFP4;
	const struct ggml_cpu_traits *tr = g->traits(type);
	const size_t b_row = g->row_size(type, k), a_row = g->row_size(tr->vec_dot_type, k);
	const size_t rows = m > n ? m : n;
	float *src = malloc(sizeof(float) * (size_t)k * rows);
	uint8_t *a = malloc(a_row * m), *b = malloc(b_row * n);
	float *c = malloc(sizeof(float) * (size_t)m * n);
	double best = -1.0;
	uint64_t seed = 0x5EEDF00Dull;

	if (!src || !a || !b || !c || !tr->vec_dot)
		goto out;
	/* The same kind of data as the libfpq rounds: sums of two uniforms. */
	for (size_t i = 0; i < (size_t)k * rows; i++) {
		float v = 0.0f;

		for (int t = 0; t < 2; t++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			v += ((float)((seed >> 16) % 2001) - 1000.0f) / 700.0f;
		}
		src[i] = v;
	}
	g->quantize_chunk(type, src, b, 0, n, k, NULL);
	g->quantize_chunk(tr->vec_dot_type, src, a, 0, m, k, NULL);
	for (int r = 0; r < rounds; r++) {
		double t0 = now(), t;
		int reps = 0;

		do {
			for (unsigned int i0 = 0; i0 < m; i0 += 16)
				for (unsigned int j0 = 0; j0 < n; j0 += 16)
					for (unsigned int i = i0; i < i0 + 16 && i < m; i++)
						for (unsigned int j = j0; j < j0 + 16 && j < n; j++)
							tr->vec_dot((int)k, &c[(size_t)i * n + j], 0,
								    b + j * b_row, 0, a + i * a_row,
								    0, 1);
			reps++;
			t = now() - t0;
		} while (t < min_secs);
		if (best < 0 || t / reps < best)
			best = t / reps;
	}
out:
	free(src);
	free(a);
	free(b);
	free(c);
	return best;
}

void ggml_peer_close(struct ggml_peer *g)
{
	if (!g)
		return;
	if (g->cpu)
		dlclose(g->cpu);
	if (g->base)
		dlclose(g->base);
	free(g);
}
