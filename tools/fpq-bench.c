// SPDX-License-Identifier: MIT
/*
 * fpq-bench - GEMM throughput and latency per backend, format pair and shape.
 *
 *   fpq-bench [--backend auto|cpu|card|ref|all] [--format A[xB][:OUT]]...
 *             [--shape MxNxK]... [--no-mx] [--seconds S] [--min-iters N]
 *             [--threads N] [--user-memory] [--csv | --json] [--progress | --no-progress]
 *
 * Formats: int8 (INT8 path, int8 requantized output), e4m3, e5m2, e3m2, e2m3, e2m1,
 * mxint8; "e4m3xe2m3" pairs activations and weights; ":fp32", ":bf16" or ":e4m3" picks
 * the output (default fp32; int8 for the INT8 path). Float formats carry MX scales
 * unless --no-mx. Operands live in fpq_buffer memory (zero copy on the card) unless
 * --user-memory. Throughput counts 2*M*N*K operations per GEMM.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fpq.h"

struct fmt_case {
	enum fpq_format a, b, c;
};

struct shape {
	uint32_t m, n, k;
};

struct result {
	const char *backend;
	struct fmt_case f;
	struct shape s;
	long iters;
	double gops, median_ms, p99_ms;
	int err;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int parse_format(const char *s, struct fmt_case *out)
{
	char buf[64], *x, *colon;

	snprintf(buf, sizeof(buf), "%s", s);
	colon = strchr(buf, ':');
	if (colon)
		*colon++ = 0;
	x = strchr(buf, 'x');
	if (x && x != buf && strncmp(buf, "mxint8", 6) != 0)
		*x++ = 0;
	else if (x && !strncmp(buf, "mxint8", 6) && buf[6] == 'x')
		x = buf + 7, buf[6] = 0;
	else
		x = NULL;
	out->a = fpq_format_from_name(buf);
	out->b = x ? fpq_format_from_name(x) : out->a;
	if (out->a == FPQ_FMT_INVALID || out->b == FPQ_FMT_INVALID)
		return -1;
	out->c = colon ? fpq_format_from_name(colon)
		       : out->a == FPQ_FMT_INT8 ? FPQ_FMT_INT8 : FPQ_FMT_FP32;
	return out->c == FPQ_FMT_INVALID ? -1 : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Memory for an operand: an fpq_buffer, or malloc with --user-memory. */
struct mem {
	struct fpq_buffer *buf;
	void *p;
};

static void *mem_get(struct fpq_context *ctx, struct mem *m, size_t bytes, int user)
{
	m->buf = NULL;
	m->p = NULL;
	if (!user && fpq_buffer_alloc(ctx, bytes, &m->buf) == 0)
		m->p = fpq_buffer_data(m->buf);
	else
		m->p = aligned_alloc(64, (bytes + 63) / 64 * 64);
	return m->p;
}

static void mem_put(struct mem *m)
{
	if (m->buf)
		fpq_buffer_free(m->buf);
	else
		free(m->p);
}

/* Random valid, finite element codes: the benchmark measures arithmetic, not NaNs. */
static void fill_random(const struct fpq_matrix *m, uint64_t *seed)
{
	for (uint32_t r = 0; r < m->rows; r++)
		for (uint32_t c = 0; c < m->cols; c++) {
			uint32_t code;

			do {
				*seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
				code = (uint32_t)(*seed >> 40) & ((1u << fpq_format_info(m->format)->bits) - 1);
			} while (!isfinite(fpq_decode(m->format, code)));
			fpq_matrix_set(m, r, c, code);
		}
	if (m->scales)
		for (size_t i = 0; i < (size_t)m->rows * (m->cols / 32); i++)
			m->scales[i] = (uint8_t)(120 + i % 8);
}

static void run_case(struct fpq_context *ctx, struct result *res, int mx, double seconds,
		     long min_iters, int user, int progress, int idx, int total)
{
	const struct fmt_case *f = &res->f;
	const struct shape *s = &res->s;
	int int8 = f->a == FPQ_FMT_INT8;
	int scaled = mx && !int8 && s->k % 32 == 0;
	int cscaled = !int8 && f->c != FPQ_FMT_FP32 && f->c != FPQ_FMT_BF16 && s->n % 32 == 0;
	struct mem ma, mb, mc, msa, msb, msc, mvec;
	struct fpq_gemm_op op;
	struct fpq_gemm_status st;
	uint64_t seed = 42;
	double *lat = NULL, t0;
	long cap = 1024;

	fpq_gemm_op_init(&op);
	op.a = (struct fpq_matrix){ f->a, s->m, s->k, 0, NULL, NULL, 0, 0 };
	op.b = (struct fpq_matrix){ f->b, s->n, s->k, 0, NULL, NULL, 0, 0 };
	op.c = (struct fpq_matrix){ f->c, s->m, s->n, 0, NULL, NULL, 0, 0 };
	op.a.data = mem_get(ctx, &ma, fpq_row_bytes(f->a, s->k) * s->m, user);
	op.b.data = mem_get(ctx, &mb, fpq_row_bytes(f->b, s->k) * s->n, user);
	op.c.data = mem_get(ctx, &mc, fpq_row_bytes(f->c, s->n) * s->m, user);
	memset(&msa, 0, sizeof(msa));
	msb = msc = msa;
	if (scaled) {
		op.a.scales = mem_get(ctx, &msa, (size_t)s->m * s->k / 32, user);
		op.b.scales = mem_get(ctx, &msb, (size_t)s->n * s->k / 32, user);
	}
	if (cscaled)
		op.c.scales = mem_get(ctx, &msc, (size_t)s->m * s->n / 32, user);
	uint8_t *vec = mem_get(ctx, &mvec, 16 * (size_t)s->n + 64, user);

	if (int8 && f->c == FPQ_FMT_INT8) {
		int32_t *mult = (int32_t *)vec;
		int8_t *shift = (int8_t *)(vec + 4 * (size_t)s->n);

		for (uint32_t j = 0; j < s->n; j++) {
			mult[j] = 1 << 30;
			shift[j] = -8;
		}
		op.requant_mult = mult;
		op.requant_shift = shift;
	} else if (int8 && f->c == FPQ_FMT_FP32) {
		float *sc = (float *)vec;

		for (uint32_t j = 0; j < s->n; j++)
			sc[j] = 1.0f / 4096;
		op.out_scale = sc;
	}
	if (!op.a.data || !op.b.data || !op.c.data || !vec) {
		res->err = -ENOMEM;
		goto out;
	}
	fill_random(&op.a, &seed);
	fill_random(&op.b, &seed);

	res->err = fpq_gemm(ctx, &op, &st);     /* warm-up, and the error check */
	lat = malloc(sizeof(*lat) * (size_t)cap);
	t0 = now();
	while (!res->err && lat) {
		double t = now();

		res->err = fpq_gemm(ctx, &op, &st);
		if (res->iters == cap) {
			double *more = realloc(lat, sizeof(*lat) * (size_t)(cap *= 2));

			if (!more)
				break;
			lat = more;
		}
		lat[res->iters++] = now() - t;
		if (progress)
			fprintf(stderr, "\r[%d/%d] %-6s %s x %s -> %s %ux%ux%u: %ld iterations, %.1f s ",
				idx, total, res->backend, fpq_format_name(f->a), fpq_format_name(f->b),
				fpq_format_name(f->c), s->m, s->n, s->k, res->iters, now() - t0);
		if (now() - t0 >= seconds && res->iters >= min_iters)
			break;
	}
	if (!res->err && res->iters) {
		double total_t = now() - t0;

		res->gops = 2.0 * s->m * s->n * s->k * (double)res->iters / total_t / 1e9;
		qsort(lat, (size_t)res->iters, sizeof(*lat), cmp_double);
		res->median_ms = 1e3 * lat[res->iters / 2];
		res->p99_ms = 1e3 * lat[(long)((double)(res->iters - 1) * 0.99)];
	}
out:
	free(lat);
	mem_put(&ma);
	mem_put(&mb);
	mem_put(&mc);
	if (scaled) {
		mem_put(&msa);
		mem_put(&msb);
	}
	if (cscaled)
		mem_put(&msc);
	mem_put(&mvec);
	if (progress)
		fprintf(stderr, "\r%*s\r", 90, "");
}

static void usage(void)
{
	fprintf(stderr, "usage: fpq-bench [--backend auto|cpu|card|ref|all] [--format A[xB][:OUT]]...\n"
			"                 [--shape MxNxK]... [--no-mx] [--seconds S] [--min-iters N]\n"
			"                 [--threads N] [--user-memory] [--csv | --json]\n"
			"                 [--progress | --no-progress]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct fmt_case fmts[32];
	struct shape shapes[16];
	const char *backend = "auto";
	int nf = 0, ns = 0, mx = 1, user = 0, csv = 0, json = 0, progress = isatty(2);
	unsigned int threads = 0;
	double seconds = 1.0;
	long min_iters = 3;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--backend") && v) {
			backend = v;
			i++;
		} else if (!strcmp(a, "--format") && v && nf < 32) {
			if (parse_format(v, &fmts[nf++])) {
				fprintf(stderr, "fpq-bench: bad format %s\n", v);
				return 2;
			}
			i++;
		} else if (!strcmp(a, "--shape") && v && ns < 16) {
			if (sscanf(v, "%ux%ux%u", &shapes[ns].m, &shapes[ns].n, &shapes[ns].k) != 3 ||
			    !shapes[ns].m || !shapes[ns].n || !shapes[ns].k) {
				fprintf(stderr, "fpq-bench: bad shape %s (MxNxK)\n", v);
				return 2;
			}
			ns++;
			i++;
		} else if (!strcmp(a, "--seconds") && v) {
			seconds = atof(v);
			i++;
		} else if (!strcmp(a, "--min-iters") && v) {
			min_iters = atol(v);
			i++;
		} else if (!strcmp(a, "--threads") && v) {
			threads = (unsigned int)atoi(v);
			i++;
		} else if (!strcmp(a, "--no-mx")) {
			mx = 0;
		} else if (!strcmp(a, "--user-memory")) {
			user = 1;
		} else if (!strcmp(a, "--csv")) {
			csv = 1;
		} else if (!strcmp(a, "--json")) {
			json = 1;
		} else if (!strcmp(a, "--progress")) {
			progress = 1;
		} else if (!strcmp(a, "--no-progress")) {
			progress = 0;
		} else {
			usage();
		}
	}
	if (!nf) {
		static const char *const dflt[] = { "int8", "e4m3", "e5m2", "e3m2", "e2m3", "e2m1",
						    "mxint8", "e4m3xe2m3" };

		for (size_t i = 0; i < sizeof(dflt) / sizeof(dflt[0]); i++)
			parse_format(dflt[i], &fmts[nf++]);
	}
	if (!ns)
		shapes[ns++] = (struct shape){ 256, 256, 256 };

	const char *backends[3];
	int nb = 0;

	if (!strcmp(backend, "all")) {
		backends[nb++] = "cpu";
		backends[nb++] = "card";
	} else {
		backends[nb++] = backend;
	}
	int total = nb * nf * ns, idx = 0, failures = 0;

	if (csv)
		printf("backend,a,b,c,m,n,k,iterations,gops,median_ms,p99_ms,error\n");
	else if (json)
		printf("[");
	else
		printf("%-6s %-7s %-7s %-6s %17s %7s %9s %10s %10s\n", "where", "A", "B", "C",
		       "M x N x K", "iters", "GOPS", "median ms", "p99 ms");
	for (int b = 0; b < nb; b++) {
		struct fpq_context_opts o = { FPQ_BACKEND_AUTO, 0, threads };
		struct fpq_context *ctx;
		int err;

		if (!strcmp(backends[b], "cpu"))
			o.backend = FPQ_BACKEND_CPU;
		else if (!strcmp(backends[b], "card"))
			o.backend = FPQ_BACKEND_CARD, o.flags = FPQ_CTX_STRICT;
		else if (!strcmp(backends[b], "ref"))
			o.backend = FPQ_BACKEND_REFERENCE;
		else if (strcmp(backends[b], "auto"))
			usage();
		err = fpq_context_create(&o, &ctx);
		if (err) {
			fprintf(stderr, "fpq-bench: %s: %s\n", backends[b], fpq_strerror(err));
			failures++;
			idx += nf * ns;
			continue;
		}
		for (int f = 0; f < nf; f++) {
			for (int s = 0; s < ns; s++) {
				struct result r = { fpq_backend_name(fpq_context_backend(ctx)), fmts[f],
						    shapes[s], 0, 0, 0, 0, 0 };

				run_case(ctx, &r, mx, seconds, min_iters, user, progress, ++idx, total);
				failures += r.err != 0;
				if (csv)
					printf("%s,%s,%s,%s,%u,%u,%u,%ld,%.3f,%.4f,%.4f,%s\n", r.backend,
					       fpq_format_name(r.f.a), fpq_format_name(r.f.b),
					       fpq_format_name(r.f.c), r.s.m, r.s.n, r.s.k, r.iters, r.gops,
					       r.median_ms, r.p99_ms, r.err ? fpq_strerror(r.err) : "");
				else if (json)
					printf("%s\n  {\"backend\": \"%s\", \"a\": \"%s\", \"b\": \"%s\", "
					       "\"c\": \"%s\", \"m\": %u, \"n\": %u, \"k\": %u, "
					       "\"iterations\": %ld, \"gops\": %.3f, \"median_ms\": %.4f, "
					       "\"p99_ms\": %.4f, \"error\": \"%s\"}",
					       idx > 1 ? "," : "", r.backend, fpq_format_name(r.f.a),
					       fpq_format_name(r.f.b), fpq_format_name(r.f.c), r.s.m, r.s.n,
					       r.s.k, r.iters, r.gops, r.median_ms, r.p99_ms,
					       r.err ? fpq_strerror(r.err) : "");
				else if (r.err)
					printf("%-6s %-7s %-7s %-6s %5ux%5ux%5u  error: %s\n", r.backend,
					       fpq_format_name(r.f.a), fpq_format_name(r.f.b),
					       fpq_format_name(r.f.c), r.s.m, r.s.n, r.s.k,
					       fpq_strerror(r.err));
				else
					printf("%-6s %-7s %-7s %-6s %5ux%5ux%5u %7ld %9.2f %10.3f %10.3f\n",
					       r.backend, fpq_format_name(r.f.a), fpq_format_name(r.f.b),
					       fpq_format_name(r.f.c), r.s.m, r.s.n, r.s.k, r.iters, r.gops,
					       r.median_ms, r.p99_ms);
				fflush(stdout);
			}
		}
		fpq_context_destroy(ctx);
	}
	if (json)
		printf("\n]\n");
	return failures ? 1 : 0;
}
