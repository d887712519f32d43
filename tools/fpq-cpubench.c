// SPDX-License-Identifier: MIT
/*
 * fpq-cpubench - speed of libfpq's CPU kernels, printed as a table (not a test):
 *   - the machine: measured clock, measured zmm throughput of vpdpbusd, vpdpwssd and
 *     vfmadd231pd (the instructions the kernels are built on), int8 peak;
 *   - INT8 GEMM, libfpq against oneDNN's int8 matmul (u8 x s8 -> s32), weights
 *     pre-packed for both, at M = N = K = 1024 and at small M (1, 8, 32), N = K = 1024,
 *     on 1 and 2 threads;
 *   - the MX formats against libfpq's own INT8 figure of the same run;
 *   - what not pre-packing the weights costs, per format, at small and large M;
 *   - ggml's block-scaled q8_0 and mxfp4 products next to libfpq's mxint8 and e2m1, when
 *     a ggml build is there (tools/get-ggml.sh; --ggml DIR or FPQ_GGML_DIR).
 * libfpq and oneDNN are timed in alternating rounds so that both see the same load
 * (each round begins after a 5 ms pause, so that neither library's idle threads are
 * still spinning);
 * each figure is the best of ten rounds (a round runs the GEMM repeatedly for >= 20 ms):
 * on a shared machine the best round is the one least disturbed by other processes.
 *
 *   fpq-cpubench [--rounds R] [--threads T1,T2] [--quick] [--ggml DIR]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dnnl.h>
#include <immintrin.h>

#include "cpubench_ggml.h"
#include "fpq.h"

/* libgomp, which oneDNN's Debian build runs its threads on. */
extern void omp_set_num_threads(int n);

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU time of this thread: the clock and peak measurements do not count time other
 * processes took from us on a shared machine. */
static double thread_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t rng_state = 0x5EEDF00Dull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

/* Gaussian-ish values (sums of two uniforms), the data of every MX measurement. */
static void fill_source(float *src, size_t count)
{
	for (size_t i = 0; i < count; i++)
		src[i] = ((float)(rnd() % 2001) - 1000.0f) / 700.0f +
			 ((float)(rnd() % 2001) - 1000.0f) / 700.0f;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "fpq-cpubench: %s: %s\n", what, err ? fpq_strerror(err) : "failed");
	exit(1);
}

/* ---- the machine ---- */

/* GHz from a chain of dependent adds (one per cycle on every x86 core since P6). */
static double measure_ghz(long n)
{
	uint64_t x = 0;
	double t0 = thread_time();

	__asm__ volatile("mov %1, %%rcx\n"
			 "1:\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n"
			 "\tsub $1, %%rcx\n\tjnz 1b\n"
			 : "+r"(x) : "r"(n / 4) : "rcx", "cc");
	return (double)n / (thread_time() - t0) / 1e9;
}

/*
 * Instructions per second of one zmm instruction: twelve independent chains, in assembly
 * so that nothing else runs. The ceilings of the kernels: vpdpbusd (64 multiply-adds,
 * the int8-class formats), vpdpwssd (32, e3m2; e4m3 on AVX-512 in two passes, 16) and
 * vfmadd231pd (8, e4m3 elsewhere and e5m2).
 */
#define CHAIN(insn, r) insn " %%zmm16, %%zmm17, %%zmm" #r "\n\t"
#define THROUGHPUT_FN(name, insn)                                                   \
	__attribute__((target("avx512f,avx512vnni")))                              \
	static double name(long iters)                                              \
	{                                                                           \
		double t0 = thread_time();                                          \
                                                                                    \
		__asm__ volatile(                                                   \
			"vpxord %%zmm16, %%zmm16, %%zmm16\n\t"                       \
			"vpxord %%zmm17, %%zmm17, %%zmm17\n\t"                       \
			"mov %0, %%rcx\n"                                            \
			"1:\n\t"                                                     \
			CHAIN(insn, 18) CHAIN(insn, 19) CHAIN(insn, 20)             \
			CHAIN(insn, 21) CHAIN(insn, 22) CHAIN(insn, 23)             \
			CHAIN(insn, 24) CHAIN(insn, 25) CHAIN(insn, 26)             \
			CHAIN(insn, 27) CHAIN(insn, 28) CHAIN(insn, 29)             \
			"sub $1, %%rcx\n\tjnz 1b\n"                                  \
			: : "r"(iters)                                                \
			: "rcx", "cc", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20",   \
			  "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "xmm26",       \
			  "xmm27", "xmm28", "xmm29");                                 \
		return 12.0 * (double)iters / (thread_time() - t0);                \
	}

THROUGHPUT_FN(vpdpbusd_per_second, "vpdpbusd")
THROUGHPUT_FN(vpdpwssd_per_second, "vpdpwssd")
THROUGHPUT_FN(fma_pd_per_second, "vfmadd231pd")

/* What the machine can do, per second of one core. */
struct machine {
	double ghz;
	double dpbusd, dpwssd, fma_pd;   /* zmm instructions per second */
};

/*
 * The clock and the instruction rates: the best of several short measurements of each,
 * interleaved (another process may share the core, and the clock moves with the load
 * on the other core). All best values are taken at the highest clock.
 */
static void measure_machine(struct machine *mc)
{
	const int avx512 = __builtin_cpu_supports("avx512vnni");

	memset(mc, 0, sizeof(*mc));
	for (int rep = 0; rep < 12; rep++) {
		double g = measure_ghz(40000000);
		double v = avx512 ? vpdpbusd_per_second(2000000) : 0.0;
		double w = avx512 ? vpdpwssd_per_second(2000000) : 0.0;
		double f = avx512 ? fma_pd_per_second(2000000) : 0.0;

		mc->ghz = g > mc->ghz ? g : mc->ghz;
		mc->dpbusd = v > mc->dpbusd ? v : mc->dpbusd;
		mc->dpwssd = w > mc->dpwssd ? w : mc->dpwssd;
		mc->fma_pd = f > mc->fma_pd ? f : mc->fma_pd;
	}
}

/* ---- libfpq ---- */

struct fpq_case {
	struct fpq_context *ctx;
	struct fpq_gemm_op op;
	struct fpq_weights *w;
	void *a, *b, *c;
	uint8_t *sa, *sb;
};

/* A GEMM of the given operand format (INT8 -> int32, or MX -> fp32), weights packed. */
static void fpq_setup(struct fpq_case *fc, enum fpq_format fmt, uint32_t m, uint32_t n,
		      uint32_t k, unsigned int threads)
{
	struct fpq_context_opts o = { FPQ_BACKEND_CPU, 0, threads };
	int err;

	memset(fc, 0, sizeof(*fc));
	if ((err = fpq_context_create(&o, &fc->ctx)))
		die("context", err);
	fpq_gemm_op_init(&fc->op);
	size_t abytes = fpq_row_bytes(fmt, k) * m, bbytes = fpq_row_bytes(fmt, k) * n;

	fc->a = malloc(abytes);
	fc->b = malloc(bbytes);
	if (fmt == FPQ_FMT_INT8) {
		for (size_t i = 0; i < abytes; i++)
			((uint8_t *)fc->a)[i] = (uint8_t)rnd();
		for (size_t i = 0; i < bbytes; i++)
			((uint8_t *)fc->b)[i] = (uint8_t)rnd();
		fc->c = malloc((size_t)m * n * 4);
		fc->op.a = (struct fpq_matrix){ fmt, m, k, 0, fc->a, NULL, 0, 3 };
		fc->op.b = (struct fpq_matrix){ fmt, n, k, 0, fc->b, NULL, 0, 0 };
		fc->op.c = (struct fpq_matrix){ FPQ_FMT_INT32, m, n, 0, fc->c, NULL, 0, 0 };
	} else {
		/* Gaussian-ish activations and weights, MX-quantized. */
		float *src = malloc(sizeof(float) * k * (m > n ? m : n));

		fc->sa = malloc((size_t)m * k / 32);
		fc->sb = malloc((size_t)n * k / 32);
		fc->c = malloc((size_t)m * n * 4);
		fc->op.a = (struct fpq_matrix){ fmt, m, k, 0, fc->a, fc->sa, 0, 0 };
		fc->op.b = (struct fpq_matrix){ fmt, n, k, 0, fc->b, fc->sb, 0, 0 };
		fc->op.c = (struct fpq_matrix){ FPQ_FMT_FP32, m, n, 0, fc->c, NULL, 0, 0 };
		for (int which = 0; which < 2; which++) {
			const struct fpq_matrix *mat = which ? &fc->op.b : &fc->op.a;

			fill_source(src, (size_t)mat->rows * k);
			if ((err = fpq_quantize(src, k, mat, 0, NULL)))
				die("quantize", err);
		}
		free(src);
	}
	if ((err = fpq_weights_pack(fc->ctx, &fc->op.b, &fc->w)))
		die("pack", err);
	fc->op.b_packed = fc->w;
}

static void fpq_teardown(struct fpq_case *fc)
{
	fpq_weights_free(fc->w);
	fpq_context_destroy(fc->ctx);
	free(fc->a);
	free(fc->b);
	free(fc->c);
	free(fc->sa);
	free(fc->sb);
}

/* Seconds per call of one round (>= min_secs of wall clock): wall clock, and the
 * calling thread's CPU time (what one thread cost, whatever else the machine ran). */
struct timing {
	double wall, cpu;
};

static void keep_best(struct timing *best, struct timing t)
{
	if (t.wall < best->wall)
		best->wall = t.wall;
	if (t.cpu < best->cpu)
		best->cpu = t.cpu;
}

/*
 * Idle threads of either library spin for a while after a call (libgomp's and libfpq's
 * pools both do) and would take the other core from the round that follows: each round
 * starts after a pause long enough for them to go to sleep.
 */
static void settle(void)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/* One round: once(arg) called until min_secs have passed, after settle(). */
static struct timing timed_round(void (*once)(void *), void *arg, double min_secs)
{
	int reps = 0;
	double t0, c0, t;

	settle();
	t0 = now();
	c0 = thread_time();
	do {
		once(arg);
		reps++;
		t = now() - t0;
	} while (t < min_secs);
	return (struct timing){ t / reps, (thread_time() - c0) / reps };
}

static void fpq_once(void *arg)
{
	struct fpq_case *fc = arg;
	int err = fpq_gemm(fc->ctx, &fc->op, NULL);

	if (err)
		die("gemm", err);
}

static struct timing fpq_round(struct fpq_case *fc, double min_secs)
{
	return timed_round(fpq_once, fc, min_secs);
}

/* ---- oneDNN ---- */

struct dnnl_case {
	dnnl_engine_t engine;
	dnnl_stream_t stream;
	dnnl_primitive_t prim;
	dnnl_memory_t src, wei, dst;
	void *a, *b, *c, *wbuf;
};

#define DNNL_OK(x)                                                                \
	do {                                                                      \
		dnnl_status_t s_ = (x);                                           \
		if (s_ != dnnl_success) {                                         \
			fprintf(stderr, "fpq-cpubench: %s: oneDNN status %d\n", #x, \
				(int)s_);                                         \
			exit(1);                                                  \
		}                                                                 \
	} while (0)

/* u8 activations (M x K) times s8 weights (N x K, one channel per row) -> s32. */
static void dnnl_setup(struct dnnl_case *dc, uint32_t m, uint32_t n, uint32_t k,
		       unsigned int threads)
{
	dnnl_dims_t sd = { m, k }, wd = { k, n }, dd = { m, n };
	dnnl_memory_desc_t src_md, wei_user_md, wei_any_md, dst_md;
	dnnl_matmul_desc_t desc;
	dnnl_primitive_desc_t pd;
	const dnnl_memory_desc_t *wei_md;
	dnnl_memory_t wei_user;
	dnnl_primitive_t reorder;
	dnnl_primitive_desc_t rpd;

	memset(dc, 0, sizeof(*dc));
	omp_set_num_threads((int)threads);
	DNNL_OK(dnnl_engine_create(&dc->engine, dnnl_cpu, 0));
	DNNL_OK(dnnl_stream_create(&dc->stream, dc->engine, dnnl_stream_default_flags));
	DNNL_OK(dnnl_memory_desc_init_by_tag(&src_md, 2, sd, dnnl_u8, dnnl_ab));
	/* B is N x K row-major: as a K x N matrix that is the "ba" layout. */
	DNNL_OK(dnnl_memory_desc_init_by_tag(&wei_user_md, 2, wd, dnnl_s8, dnnl_ba));
	DNNL_OK(dnnl_memory_desc_init_by_tag(&wei_any_md, 2, wd, dnnl_s8, dnnl_format_tag_any));
	DNNL_OK(dnnl_memory_desc_init_by_tag(&dst_md, 2, dd, dnnl_s32, dnnl_ab));
	DNNL_OK(dnnl_matmul_desc_init(&desc, &src_md, &wei_any_md, NULL, &dst_md));
	DNNL_OK(dnnl_primitive_desc_create(&pd, &desc, NULL, dc->engine, NULL));
	wei_md = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);

	dc->a = malloc((size_t)m * k);
	dc->b = malloc((size_t)n * k);
	dc->c = malloc((size_t)m * n * 4);
	for (size_t i = 0; i < (size_t)m * k; i++)
		((uint8_t *)dc->a)[i] = (uint8_t)rnd();
	for (size_t i = 0; i < (size_t)n * k; i++)
		((uint8_t *)dc->b)[i] = (uint8_t)rnd();
	DNNL_OK(dnnl_memory_create(&dc->src, &src_md, dc->engine, dc->a));
	DNNL_OK(dnnl_memory_create(&dc->dst, &dst_md, dc->engine, dc->c));
	DNNL_OK(dnnl_memory_create(&wei_user, &wei_user_md, dc->engine, dc->b));
	DNNL_OK(dnnl_memory_create(&dc->wei, wei_md, dc->engine, DNNL_MEMORY_ALLOCATE));
	/* Weights reordered once into the matmul's preferred (blocked) layout. */
	DNNL_OK(dnnl_reorder_primitive_desc_create(&rpd, &wei_user_md, dc->engine, wei_md,
						   dc->engine, NULL));
	DNNL_OK(dnnl_primitive_create(&reorder, rpd));
	dnnl_exec_arg_t rargs[2] = { { DNNL_ARG_FROM, wei_user }, { DNNL_ARG_TO, dc->wei } };
	DNNL_OK(dnnl_primitive_execute(reorder, dc->stream, 2, rargs));
	DNNL_OK(dnnl_stream_wait(dc->stream));
	dnnl_primitive_destroy(reorder);
	dnnl_primitive_desc_destroy(rpd);
	dnnl_memory_destroy(wei_user);
	DNNL_OK(dnnl_primitive_create(&dc->prim, pd));
	dnnl_primitive_desc_destroy(pd);
}

static void dnnl_once(void *arg)
{
	struct dnnl_case *dc = arg;
	dnnl_exec_arg_t args[3] = {
		{ DNNL_ARG_SRC, dc->src }, { DNNL_ARG_WEIGHTS, dc->wei }, { DNNL_ARG_DST, dc->dst },
	};

	DNNL_OK(dnnl_primitive_execute(dc->prim, dc->stream, 3, args));
	DNNL_OK(dnnl_stream_wait(dc->stream));
}

static struct timing dnnl_round(struct dnnl_case *dc, unsigned int threads, double min_secs)
{
	omp_set_num_threads((int)threads);
	return timed_round(dnnl_once, dc, min_secs);
}

static void dnnl_teardown(struct dnnl_case *dc)
{
	dnnl_primitive_destroy(dc->prim);
	dnnl_memory_destroy(dc->src);
	dnnl_memory_destroy(dc->wei);
	dnnl_memory_destroy(dc->dst);
	dnnl_stream_destroy(dc->stream);
	dnnl_engine_destroy(dc->engine);
	free(dc->a);
	free(dc->b);
	free(dc->c);
}

/* ---- the table ---- */

static double gops(uint32_t m, uint32_t n, uint32_t k, double secs)
{
	return 2.0 * m * n * k / secs / 1e9;
}

/*
 * What not pre-packing the weights costs: each format's GEMM with B packed on every call
 * (or, for the INT8 path at M <= 4, read where it is) against the same GEMM with B
 * pre-packed, alternating rounds, one thread.
 */
static void print_unpacked(int rounds, double min_secs)
{
	static const struct { enum fpq_format f; uint32_t m; } cases[] = {
		{ FPQ_FMT_INT8, 1 }, { FPQ_FMT_INT8, 4 }, { FPQ_FMT_INT8, 1024 },
		{ FPQ_FMT_E2M3, 1 }, { FPQ_FMT_E2M3, 1024 }, { FPQ_FMT_E3M2, 1024 },
		{ FPQ_FMT_E4M3, 1024 },
	};

	printf("\nWeights packed on every call (op.b_packed NULL) against pre-packed, N = K = 1024,"
	       "\n1 thread, alternating rounds\n");
	printf("%-7s %5s | %10s %10s %6s\n", "format", "M", "pre-packed", "unpacked", "ratio");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fpq_case fc;
		struct timing packed = { 1e30, 1e30 }, unpacked = { 1e30, 1e30 };

		fpq_setup(&fc, cases[i].f, cases[i].m, 1024, 1024, 1);
		for (int r = 0; r < rounds; r++) {
			fc.op.b_packed = fc.w;
			keep_best(&packed, fpq_round(&fc, min_secs));
			fc.op.b_packed = NULL;
			keep_best(&unpacked, fpq_round(&fc, min_secs));
		}
		fc.op.b_packed = fc.w;
		double gp = gops(cases[i].m, 1024, 1024, packed.wall);
		double gu = gops(cases[i].m, 1024, 1024, unpacked.wall);

		printf("%-7s %5u | %10.1f %10.1f %5.2fx\n", fpq_format_name(cases[i].f), cases[i].m,
		       gp, gu, gu / gp);
		fflush(stdout);
		fpq_teardown(&fc);
	}
}

/*
 * The block-scaled peer: ggml's q8_0 (int8, fp16 scale per 32) and mxfp4 (OCP MXFP4)
 * weights times q8_0 activations, against libfpq's mxint8 and e2m1 (both operands MX,
 * exact) at 1024^3 on one thread.
 */
static void print_ggml(const char *dir, const double fpq_gops[GGML_PEER_FORMATS], int rounds,
		       double min_secs)
{
	static const char *const ours[GGML_PEER_FORMATS] = { "mxint8", "e2m1" };
	char why[512];
	struct ggml_peer *g = ggml_peer_open(dir, why, sizeof(why));

	if (!g) {
		printf("\nggml: not measured (%s; tools/get-ggml.sh fetches it)\n", why);
		return;
	}
	printf("\nggml (%s, CPU build %s): its row dot product per output in 16 x 16 blocks,\n"
	       "as ggml_mul_mat runs without repacked weights; 1 thread, M = N = K = 1024\n",
	       dir, ggml_peer_variant(g));
	printf("%-14s | %8s | %-8s %8s | %s\n", "ggml", "GOPS", "libfpq", "GOPS", "libfpq / ggml");
	float *src = malloc(sizeof(float) * 2 * 1024 * 1024);

	if (!src)
		die("ggml data", 0);
	fill_source(src, 2 * 1024 * 1024);
	for (int f = 0; f < GGML_PEER_FORMATS; f++) {
		struct ggml_peer_product *p = ggml_peer_product_new(g, (enum ggml_peer_format)f,
			1024, 1024, 1024, src, src + 1024 * 1024);
		struct timing best = { 1e30, 1e30 };
		double gg = 0.0;

		for (int r = 0; p && r < rounds; r++)
			keep_best(&best, timed_round(ggml_peer_product_run, p, min_secs));
		if (p)
			gg = gops(1024, 1024, 1024, best.wall);
		ggml_peer_product_free(p);

		printf("%-5s x q8_0   | %8.1f | %-8s %8.1f | %.2fx\n",
		       ggml_peer_format_name((enum ggml_peer_format)f), gg, ours[f], fpq_gops[f],
		       gg > 0 && fpq_gops[f] > 0 ? fpq_gops[f] / gg : 0.0);
	}
	free(src);
	ggml_peer_close(g);
}

int main(int argc, char **argv)
{
	unsigned int thread_list[4] = { 1, 2 }, n_threads = 2;
	int rounds = 10;
	double min_secs = 0.02;
	static const uint32_t small_m[] = { 1, 8, 32 };
	const char *ggml_dir = getenv("FPQ_GGML_DIR") ? getenv("FPQ_GGML_DIR")
						       : "/var/cache/fpq/ggml/package/bins/linux-x64";
	/* libfpq's one-thread GOPS of mxint8 and e2m1, for the ggml comparison. */
	double fpq_mx1[GGML_PEER_FORMATS] = { 0 };

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
			rounds = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
			char *s = argv[++i];

			n_threads = 0;
			for (char *tok = strtok(s, ","); tok && n_threads < 4; tok = strtok(NULL, ","))
				thread_list[n_threads++] = (unsigned int)atoi(tok);
		} else if (!strcmp(argv[i], "--ggml") && i + 1 < argc) {
			ggml_dir = argv[++i];
		} else if (!strcmp(argv[i], "--quick")) {
			rounds = 2;
			min_secs = 0.01;
		} else {
			fprintf(stderr, "usage: fpq-cpubench [--rounds R] [--threads 1,2] [--quick] "
				"[--ggml DIR]\n");
			return 2;
		}
	}

	struct fpq_context *probe;
	double load[3] = { 0 };

	if (fpq_context_create(NULL, &probe))
		die("context", -1);
	getloadavg(load, 3);
	struct machine mc;

	measure_machine(&mc);
	const double ghz = mc.ghz, vnni = mc.dpbusd / (ghz * 1e9);
	/* A zmm vpdpbusd is 64 multiply-adds: 128 operations. */
	double peak1 = mc.dpbusd * 64 * 2 / 1e9;

	char isa[32];

	snprintf(isa, sizeof(isa), "%s", fpq_context_cpu_isa(probe));
	printf("fpq-cpubench: libfpq %s kernels; load average %.2f %.2f %.2f at start\n", isa,
	       load[0], load[1], load[2]);
	fpq_context_destroy(probe);
	printf("machine: %.2f GHz measured (dependent adds, thread CPU time), %.2f vpdpbusd zmm "
	       "per cycle measured,\n         int8 peak %.0f GOPS per core (%.2f x 64 MACs x 2 "
	       "ops x %.2f GHz)\n", ghz, vnni, peak1, vnni, ghz);
	printf("         %.2f vpdpwssd zmm (32 MACs) and %.2f vfmadd231pd zmm (8 MACs) per cycle "
	       "measured\n\n", mc.dpwssd / (ghz * 1e9), mc.fma_pd / (ghz * 1e9));

	printf("INT8 (libfpq: s8 x s8 with zero point -> int32; oneDNN: u8 x s8 -> s32), weights\n"
	       "pre-packed for both. GOPS from wall clock; with 1 thread also from the thread's\n"
	       "CPU time (insensitive to other processes taking the core).\n");
	printf("%5s %5s %5s %3s | %8s %8s %6s %7s | %8s %8s %6s %7s\n", "M", "N", "K", "thr",
	       "libfpq", "oneDNN", "ratio", "of peak", "cpu:fpq", "cpu:dnnl", "ratio", "of peak");
	for (unsigned int ti = 0; ti < n_threads; ti++) {
		for (int s = -1; s < 3; s++) {
			uint32_t m = s < 0 ? 1024 : small_m[s], n = 1024, k = 1024;
			unsigned int t = thread_list[ti];
			struct fpq_case fc;
			struct dnnl_case dc;
			struct timing bf = { 1e30, 1e30 }, bd = { 1e30, 1e30 };

			fpq_setup(&fc, FPQ_FMT_INT8, m, n, k, t);
			dnnl_setup(&dc, m, n, k, t);
			for (int r = 0; r < rounds; r++) {
				keep_best(&bf, fpq_round(&fc, min_secs));
				keep_best(&bd, dnnl_round(&dc, t, min_secs));
			}
			double gf = gops(m, n, k, bf.wall), gd = gops(m, n, k, bd.wall);
			double cf = gops(m, n, k, bf.cpu), cd = gops(m, n, k, bd.cpu);

			printf("%5u %5u %5u %3u | %8.1f %8.1f %6.2f %6.1f%% |", m, n, k, t, gf, gd,
			       gf / gd, peak1 > 0 ? 100.0 * gf / (peak1 * t) : 0.0);
			if (t == 1)
				printf(" %8.1f %8.1f %6.2f %6.1f%%\n", cf, cd, cf / cd,
				       peak1 > 0 ? 100.0 * cf / peak1 : 0.0);
			else
				printf(" %8s %8s %6s %7s\n", "-", "-", "-", "-");
			fflush(stdout);
			fpq_teardown(&fc);
			dnnl_teardown(&dc);
		}
	}

	/*
	 * Each format's ceiling: the instruction its kernel is built on, and the element
	 * multiply-adds per instruction (e5m2 splits A into two pieces: half of the FMA's 8;
	 * e4m3 on the AVX-512 set, with weights like these, runs in int16 windows with A in
	 * two pieces: half of vpdpwssd's 32).
	 */
	struct {
		enum fpq_format f;
		double goal;
		int insn;                /* 0 vpdpbusd, 1 vpdpwssd, 2 vfmadd231pd */
		double macs;
	} mx[] = {
		{ FPQ_FMT_INT8, 0.0, 0, 64 },
		{ FPQ_FMT_E2M3, 0.6, 0, 64 }, { FPQ_FMT_E2M1, 0.6, 0, 64 },
		{ FPQ_FMT_MXINT8, 0.6, 0, 64 }, { FPQ_FMT_E3M2, 0.3, 1, 32 },
		{ FPQ_FMT_E4M3, 0.12, 2, 8 }, { FPQ_FMT_E5M2, 0.0, 2, 4 },
	};
	const double insn_rate[3] = { mc.dpbusd, mc.dpwssd, mc.fma_pd };

	enum { N_MX = sizeof(mx) / sizeof(mx[0]) };

	for (int f = 0; f < N_MX; f++)
		if (mx[f].f == FPQ_FMT_E4M3 && !strcmp(isa, "avx512")) {
			mx[f].insn = 1;
			mx[f].macs = 16;
		}
	static const char *const insn_name[3] = { "vpdpbusd", "vpdpwssd", "vfmadd231pd" };

	printf("\nMX formats (A and B the same format, MX scales, fp32 out, weights pre-packed)\n"
	       "against libfpq INT8 (int32 out), M = N = K = 1024, timed in the same\n"
	       "alternating rounds; \"of peak\": of the peak of the instruction the kernel is\n"
	       "built on (its ceiling against INT8 is that peak over the int8 peak)\n");
	printf("%-7s %3s | %8s %8s %6s %7s %-12s %7s | %8s %8s\n", "format", "thr", "GOPS",
	       "vs INT8", "goal", "of peak", "on", "ceiling", "cpu:GOPS", "vs INT8");
	for (unsigned int ti = 0; ti < n_threads; ti++) {
		unsigned int t = thread_list[ti];
		struct fpq_case fc[N_MX];
		struct timing best[N_MX];

		for (int f = 0; f < N_MX; f++) {
			fpq_setup(&fc[f], mx[f].f, 1024, 1024, 1024, t);
			best[f] = (struct timing){ 1e30, 1e30 };
		}
		for (int r = 0; r < rounds; r++)
			for (int f = 0; f < N_MX; f++)
				/* e5m2 has no target and is slow: two rounds are enough. */
				if (mx[f].f != FPQ_FMT_E5M2 || r < 2)
					keep_best(&best[f], fpq_round(&fc[f], min_secs));
		for (int f = 0; f < N_MX; f++) {
			double g = gops(1024, 1024, 1024, best[f].wall);
			double c = gops(1024, 1024, 1024, best[f].cpu);
			char goal[16] = "-";

			if (mx[f].goal > 0)
				snprintf(goal, sizeof(goal), "%.2f", mx[f].goal);
			const double ipeak = insn_rate[mx[f].insn] * mx[f].macs * 2 / 1e9;

			printf("%-7s %3u | %8.1f %7.3fx %6s %6.1f%% %-12s %6.3fx |",
			       fpq_format_name(mx[f].f), t, g, best[0].wall / best[f].wall, goal,
			       ipeak > 0 ? 100.0 * g / (ipeak * t) : 0.0, insn_name[mx[f].insn],
			       peak1 > 0 ? ipeak / peak1 : 0.0);
			if (t == 1 && mx[f].f == FPQ_FMT_MXINT8)
				fpq_mx1[GGML_PEER_Q8_0] = g;
			if (t == 1 && mx[f].f == FPQ_FMT_E2M1)
				fpq_mx1[GGML_PEER_MXFP4] = g;
			if (t == 1)
				printf(" %8.1f %7.3fx\n", c, best[0].cpu / best[f].cpu);
			else
				printf(" %8s %8s\n", "-", "-");
			fpq_teardown(&fc[f]);
		}
		fflush(stdout);
	}
	print_unpacked(rounds, min_secs);
	print_ggml(ggml_dir, fpq_mx1, rounds, min_secs);
	getloadavg(load, 3);
	printf("\nload average %.2f %.2f %.2f at the end\n", load[0], load[1], load[2]);
	return 0;
}
