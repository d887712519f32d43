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

struct ggml_peer_product {
	ggml_vec_dot_fn dot;
	unsigned int m, n, k;
	size_t a_row, b_row;
	uint8_t *a, *b;
	float *c;
};

struct ggml_peer_product *ggml_peer_product_new(struct ggml_peer *g, enum ggml_peer_format f,
						unsigned int m, unsigned int n, unsigned int k,
						const float *a_src, const float *b_src)
{
	const int type = f == GGML_PEER_Q8_0 ? GGML_Q8_0 : GGML_MXFP4;
	const struct ggml_cpu_traits *tr = g->traits(type);
	struct ggml_peer_product *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->dot = tr->vec_dot;
	p->m = m;
	p->n = n;
	p->k = k;
	p->b_row = g->row_size(type, k);
	p->a_row = g->row_size(tr->vec_dot_type, k);
	p->a = malloc(p->a_row * m);
	p->b = malloc(p->b_row * n);
	p->c = malloc(sizeof(float) * (size_t)m * n);
	if (!p->dot || !p->a || !p->b || !p->c) {
		ggml_peer_product_free(p);
		return NULL;
	}
	g->quantize_chunk(type, b_src, p->b, 0, n, k, NULL);
	g->quantize_chunk(tr->vec_dot_type, a_src, p->a, 0, m, k, NULL);
	return p;
}

void ggml_peer_product_run(void *arg)
{
	const struct ggml_peer_product *p = arg;

	for (unsigned int i0 = 0; i0 < p->m; i0 += 16)
		for (unsigned int j0 = 0; j0 < p->n; j0 += 16)
			for (unsigned int i = i0; i < i0 + 16 && i < p->m; i++)
				for (unsigned int j = j0; j < j0 + 16 && j < p->n; j++)
					p->dot((int)p->k, &p->c[(size_t)i * p->n + j], 0,
					       p->b + j * p->b_row, 0, p->a + i * p->a_row, 0, 1);
}

void ggml_peer_product_free(struct ggml_peer_product *p)
{
	if (!p)
		return;
	free(p->a);
	free(p->b);
	free(p->c);
	free(p);
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
