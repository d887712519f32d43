// SPDX-License-Identifier: MIT
/*
 * fpq-demo - the main job: a two-layer MLP that classifies windows of vibration-sensor
 * samples, run through libfpq in INT8 and in MX (8/6/4-bit) formats, compared with a
 * binary32 baseline. It prints, per format: the weight storage, the agreement with the
 * binary32 classifier, the error of the logits, the throughput, and whether the
 * backend's output equals libfpq's reference bit for bit.
 *
 *   fpq-demo [--windows M] [--quiet]
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fpq.h"

#define WINDOW 256     /* samples per window: K of layer 1 */
#define HIDDEN 512     /* N of layer 1, K of layer 2 */
#define CLASSES 32     /* N of layer 2 */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Deterministic pseudo-random numbers (xorshift64*), uniform in [-1, 1). */
static double uniform(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (double)((*s * 0x2545F4914F6CDD1Dull) >> 11) * 0x1p-52 - 1.0;
}

/*
 * Sensor windows: each belongs to a machine state (a class) with its own dominant
 * vibration frequency and harmonics, plus noise and a random gain.
 */
static void make_windows(float *x, int *label, int m)
{
	uint64_t s = 0x5EED;

	for (int i = 0; i < m; i++) {
		int cls = (int)((uniform(&s) + 1.0) * 0.5 * CLASSES) % CLASSES;
		double f = 2.0 + 1.5 * cls, gain = 0.5 + 0.5 * (uniform(&s) + 1.0);
		double phase = 3.14159 * uniform(&s);

		label[i] = cls;
		for (int t = 0; t < WINDOW; t++) {
			double w = 2.0 * 3.14159265 * f * t / WINDOW + phase;

			x[(size_t)i * WINDOW + t] =
				(float)(gain * (sin(w) + 0.3 * sin(2.0 * w) + 0.15 * uniform(&s)));
		}
	}
}

/* Layer weights: a matched-filter bank for the classes plus random features. */
static void make_weights(float *w1, float *b1, float *w2, float *b2)
{
	uint64_t s = 0xC0FFEE;

	for (int j = 0; j < HIDDEN; j++) {
		double f = 2.0 + 1.5 * (j % CLASSES), ph = 3.14159 * (j / CLASSES) / 8.0;

		for (int t = 0; t < WINDOW; t++)
			w1[(size_t)j * WINDOW + t] =
				(float)(0.05 * cos(2.0 * 3.14159265 * f * t / WINDOW + ph) +
					0.01 * uniform(&s));
		b1[j] = (float)(-0.5 + 0.05 * uniform(&s));
	}
	for (int c = 0; c < CLASSES; c++) {
		for (int j = 0; j < HIDDEN; j++)
			w2[(size_t)c * HIDDEN + j] = (float)((j % CLASSES == c ? 0.25 : 0.0) +
							     0.02 * uniform(&s));
		b2[c] = (float)(0.01 * uniform(&s));
	}
}

/* binary32 baseline: y = relu(x w1^T + b1) w2^T + b2, accumulated in binary64. */
static void baseline(const float *x, int m, const float *w1, const float *b1,
		     const float *w2, const float *b2, float *logits, float *hidden_max)
{
	float *h = malloc(sizeof(float) * HIDDEN);

	for (int i = 0; i < m; i++) {
		for (int j = 0; j < HIDDEN; j++) {
			double a = b1[j];

			for (int t = 0; t < WINDOW; t++)
				a += (double)x[(size_t)i * WINDOW + t] * w1[(size_t)j * WINDOW + t];
			h[j] = a > 0 ? (float)a : 0.0f;
			*hidden_max = fmaxf(*hidden_max, h[j]);
		}
		for (int c = 0; c < CLASSES; c++) {
			double a = b2[c];

			for (int j = 0; j < HIDDEN; j++)
				a += (double)h[j] * w2[(size_t)c * HIDDEN + j];
			logits[(size_t)i * CLASSES + c] = (float)a;
		}
	}
	free(h);
}

static int argmax(const float *v, int n)
{
	int best = 0;

	for (int i = 1; i < n; i++)
		if (v[i] > v[best])
			best = i;
	return best;
}

struct run_result {
	double seconds;        /* both layers on the chosen backend */
	double macs;
	size_t weight_bytes;
	int bit_exact;         /* backend output == reference output */
	uint64_t clamped;
};

/* Everything one quantized variant of the network needs. */
struct net {
	const char *name;
	struct fpq_gemm_op l1, l2;
	void *bufs[16];
	int nbufs;
};

static void *keep(struct net *n, size_t bytes)
{
	void *p = calloc(1, bytes);

	if (!p) {
		fprintf(stderr, "fpq-demo: out of memory\n");
		exit(1);
	}
	n->bufs[n->nbufs++] = p;
	return p;
}

static void die_on(int err, const char *what)
{
	if (err) {
		fprintf(stderr, "fpq-demo: %s: %s\n", what, fpq_strerror(err));
		exit(1);
	}
}

/* An MX matrix of fmt quantized from binary32 rows. */
static struct fpq_matrix mx_matrix(struct net *n, enum fpq_format fmt, const float *src,
				   uint32_t rows, uint32_t cols)
{
	struct fpq_matrix m = { fmt, rows, cols, 0, NULL, NULL, 0, 0 };

	m.data = keep(n, fpq_row_bytes(fmt, cols) * rows);
	m.scales = keep(n, (size_t)rows * cols / FPQ_MX_BLOCK);
	if (src)
		die_on(fpq_quantize(src, cols, &m, 0, NULL), "quantize");
	return m;
}

/*
 * MX network: activations E4M3 (MX), weights in wfmt (MX). Layer 1 applies bias and
 * ReLU in the epilogue and writes its output directly as MX E4M3 blocks along N, which
 * is layer 2's K.
 */
static void build_mx(struct net *n, enum fpq_format wfmt, const float *x, int m,
		     const float *w1, const float *b1, const float *w2, const float *b2)
{
	fpq_gemm_op_init(&n->l1);
	n->l1.a = mx_matrix(n, FPQ_FMT_E4M3, x, (uint32_t)m, WINDOW);
	n->l1.b = mx_matrix(n, wfmt, w1, HIDDEN, WINDOW);
	n->l1.c = mx_matrix(n, FPQ_FMT_E4M3, NULL, (uint32_t)m, HIDDEN);
	n->l1.beta = b1;
	n->l1.act = FPQ_ACT_RELU;

	fpq_gemm_op_init(&n->l2);
	n->l2.a = n->l1.c;
	n->l2.b = mx_matrix(n, wfmt, w2, CLASSES, HIDDEN);
	n->l2.c = (struct fpq_matrix){ FPQ_FMT_FP32, (uint32_t)m, CLASSES, 0,
				       keep(n, sizeof(float) * (size_t)m * CLASSES), NULL, 0, 0 };
	n->l2.beta = b2;
}

/* TFLite's QuantizeMultiplier: real = mult * 2^(shift - 31), mult in [2^30, 2^31). */
static void quantize_multiplier(double real, int32_t *mult, int8_t *shift)
{
	int e;
	double f = frexp(real, &e);
	int64_t q = llround(f * 2147483648.0);

	if (q == (INT64_C(1) << 31)) {
		q /= 2;
		e++;
	}
	*mult = (int32_t)q;
	*shift = (int8_t)e;
}

static float absmax(const float *v, size_t n)
{
	float a = 0;

	for (size_t i = 0; i < n; i++)
		a = fmaxf(a, fabsf(v[i]));
	return a;
}

/*
 * INT8 network as TFLite quantizes it: activations asymmetric per tensor, weights
 * symmetric per channel, int32 bias, hidden layer requantized to int8 (ReLU as the
 * act_min clamp), logits as binary32 through a per-channel scale.
 */
static void build_int8(struct net *n, const float *x, int m, const float *w1,
		       const float *b1, const float *w2, const float *b2, float hidden_max)
{
	float xmin = 0, xmax = 0;

	for (size_t i = 0; i < (size_t)m * WINDOW; i++) {
		xmin = fminf(xmin, x[i]);
		xmax = fmaxf(xmax, x[i]);
	}
	float sx = (xmax - xmin) / 255.0f;
	int32_t zx = (int32_t)lrintf(-128.0f - xmin / sx);
	float sh = hidden_max / 255.0f;      /* hidden range calibrated on the baseline */
	int32_t zh = -128;
	int8_t *qx = keep(n, (size_t)m * WINDOW), *q1 = keep(n, (size_t)HIDDEN * WINDOW);
	int8_t *q2 = keep(n, (size_t)CLASSES * HIDDEN);
	int32_t *bias1 = keep(n, sizeof(int32_t) * HIDDEN), *mult1 = keep(n, 4 * HIDDEN);
	int32_t *bias2 = keep(n, sizeof(int32_t) * CLASSES);
	int8_t *shift1 = keep(n, HIDDEN);
	float *oscale = keep(n, sizeof(float) * CLASSES);

	for (size_t i = 0; i < (size_t)m * WINDOW; i++)
		qx[i] = (int8_t)fmaxf(-128.0f, fminf(127.0f, rintf(x[i] / sx) + (float)zx));
	for (int j = 0; j < HIDDEN; j++) {
		float sw = absmax(w1 + (size_t)j * WINDOW, WINDOW) / 127.0f;

		for (int t = 0; t < WINDOW; t++)
			q1[(size_t)j * WINDOW + t] = (int8_t)rintf(w1[(size_t)j * WINDOW + t] / sw);
		bias1[j] = (int32_t)lrint(b1[j] / ((double)sx * sw));
		quantize_multiplier((double)sx * sw / sh, &mult1[j], &shift1[j]);
	}
	for (int c = 0; c < CLASSES; c++) {
		float sw = absmax(w2 + (size_t)c * HIDDEN, HIDDEN) / 127.0f;

		for (int j = 0; j < HIDDEN; j++)
			q2[(size_t)c * HIDDEN + j] = (int8_t)rintf(w2[(size_t)c * HIDDEN + j] / sw);
		bias2[c] = (int32_t)lrint(b2[c] / ((double)sh * sw));
		oscale[c] = sh * sw;
	}
	fpq_gemm_op_init(&n->l1);
	n->l1.a = (struct fpq_matrix){ FPQ_FMT_INT8, (uint32_t)m, WINDOW, 0, qx, NULL, 0, zx };
	n->l1.b = (struct fpq_matrix){ FPQ_FMT_INT8, HIDDEN, WINDOW, 0, q1, NULL, 0, 0 };
	n->l1.c = (struct fpq_matrix){ FPQ_FMT_INT8, (uint32_t)m, HIDDEN, 0,
				       keep(n, (size_t)m * HIDDEN), NULL, 0, 0 };
	n->l1.bias = bias1;
	n->l1.requant_mult = mult1;
	n->l1.requant_shift = shift1;
	n->l1.out_zero = zh;
	n->l1.act_min = zh;                  /* ReLU: nothing below real 0 */
	fpq_gemm_op_init(&n->l2);
	n->l2.a = n->l1.c;
	n->l2.a.zero_point = zh;
	n->l2.b = (struct fpq_matrix){ FPQ_FMT_INT8, CLASSES, HIDDEN, 0, q2, NULL, 0, 0 };
	n->l2.c = (struct fpq_matrix){ FPQ_FMT_FP32, (uint32_t)m, CLASSES, 0,
				       keep(n, sizeof(float) * (size_t)m * CLASSES), NULL, 0, 0 };
	n->l2.bias = bias2;
	n->l2.out_scale = oscale;
}

static size_t matrix_bytes(const struct fpq_matrix *m)
{
	size_t b = fpq_row_bytes(m->format, m->cols) * m->rows;

	return b + (m->scales ? (size_t)m->rows * m->cols / FPQ_MX_BLOCK : 0);
}

/* Run both layers on ctx (timed), then again on the reference, and compare the bits. */
static struct run_result run(struct fpq_context *ctx, struct net *n, int m)
{
	struct run_result r = { 0 };
	struct fpq_gemm_status st;
	size_t hbytes = matrix_bytes(&n->l1.c), obytes = sizeof(float) * (size_t)m * CLASSES;
	unsigned char *h = malloc(hbytes), *o = malloc(obytes);
	double t0 = now();

	die_on(fpq_gemm(ctx, &n->l1, &st), "layer 1");
	r.clamped = st.clamped;
	die_on(fpq_gemm(ctx, &n->l2, &st), "layer 2");
	r.seconds = now() - t0;
	r.macs = (double)m * WINDOW * HIDDEN + (double)m * HIDDEN * CLASSES;
	r.weight_bytes = matrix_bytes(&n->l1.b) + matrix_bytes(&n->l2.b);

	/* Keep the backend's results, recompute with the reference, compare every byte. */
	memcpy(h, n->l1.c.data, fpq_row_bytes(n->l1.c.format, HIDDEN) * (size_t)m);
	if (n->l1.c.scales)
		memcpy(h + fpq_row_bytes(n->l1.c.format, HIDDEN) * (size_t)m, n->l1.c.scales,
		       (size_t)m * HIDDEN / FPQ_MX_BLOCK);
	memcpy(o, n->l2.c.data, obytes);
	die_on(fpq_gemm_reference(&n->l1, NULL), "reference layer 1");
	die_on(fpq_gemm_reference(&n->l2, NULL), "reference layer 2");
	r.bit_exact = memcmp(o, n->l2.c.data, obytes) == 0 &&
		      memcmp(h, n->l1.c.data, fpq_row_bytes(n->l1.c.format, HIDDEN) * (size_t)m) == 0 &&
		      (!n->l1.c.scales ||
		       memcmp(h + fpq_row_bytes(n->l1.c.format, HIDDEN) * (size_t)m, n->l1.c.scales,
			      (size_t)m * HIDDEN / FPQ_MX_BLOCK) == 0);
	free(h);
	free(o);
	return r;
}

int main(int argc, char **argv)
{
	int m = 256, quiet = 0, failures = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--windows") && i + 1 < argc)
			m = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--quiet"))
			quiet = 1;
		else {
			fprintf(stderr, "usage: fpq-demo [--windows M] [--quiet]\n");
			return 2;
		}
	}
	if (m < 1 || m > 65536) {
		fprintf(stderr, "fpq-demo: --windows must be 1..65536\n");
		return 2;
	}

	float *x = malloc(sizeof(float) * (size_t)m * WINDOW);
	float *w1 = malloc(sizeof(float) * HIDDEN * WINDOW), *b1 = malloc(sizeof(float) * HIDDEN);
	float *w2 = malloc(sizeof(float) * CLASSES * HIDDEN), *b2 = malloc(sizeof(float) * CLASSES);
	float *ref = malloc(sizeof(float) * (size_t)m * CLASSES);
	int *label = malloc(sizeof(int) * (size_t)m);
	struct fpq_context *ctx;

	make_windows(x, label, m);
	make_weights(w1, b1, w2, b2);
	float hidden_max = 0;

	baseline(x, m, w1, b1, w2, b2, ref, &hidden_max);
	die_on(fpq_context_create(NULL, &ctx), "context");

	int base_correct = 0;

	for (int i = 0; i < m; i++)
		base_correct += argmax(ref + (size_t)i * CLASSES, CLASSES) == label[i];
	printf("fpq demo: %d sensor windows x %d samples -> %d hidden -> %d machine states\n", m,
	       WINDOW, HIDDEN, CLASSES);
	printf("backend: %s", fpq_backend_name(fpq_context_backend(ctx)));
	if (fpq_context_fallback(ctx))
		printf(" (%s)", fpq_context_fallback(ctx));
	printf("\n");
	printf("binary32 baseline: %d/%d windows classified correctly, weights %zu bytes\n\n",
	       base_correct, m, sizeof(float) * (HIDDEN * WINDOW + CLASSES * HIDDEN));
	printf("%-22s %9s %9s %10s %10s %9s %s\n", "format (act x weight)", "weights", "agree",
	       "rel.err", "MMAC/s", "clamped", "bit-exact vs reference");

	static const struct { const char *name; enum fpq_format w; } variants[] = {
		{ "int8 x int8 (TFLite)", FPQ_FMT_INT8 },
		{ "mxfp8 e4m3 x e4m3", FPQ_FMT_E4M3 },
		{ "mxfp8 e4m3 x e5m2", FPQ_FMT_E5M2 },
		{ "e4m3 x mxfp6 e3m2", FPQ_FMT_E3M2 },
		{ "e4m3 x mxfp6 e2m3", FPQ_FMT_E2M3 },
		{ "e4m3 x mxfp4 e2m1", FPQ_FMT_E2M1 },
		{ "e4m3 x mxint8", FPQ_FMT_MXINT8 },
	};
	for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
		struct net n;
		struct run_result r;
		const float *out;
		int agree = 0;
		double num = 0, den = 0;

		memset(&n, 0, sizeof(n));
		n.name = variants[v].name;

		if (variants[v].w == FPQ_FMT_INT8)
			build_int8(&n, x, m, w1, b1, w2, b2, hidden_max);
		else
			build_mx(&n, variants[v].w, x, m, w1, b1, w2, b2);
		r = run(ctx, &n, m);
		out = n.l2.c.data;
		for (int i = 0; i < m; i++) {
			agree += argmax(out + (size_t)i * CLASSES, CLASSES) ==
				 argmax(ref + (size_t)i * CLASSES, CLASSES);
			for (int c = 0; c < CLASSES; c++) {
				double d = (double)out[(size_t)i * CLASSES + c] - ref[(size_t)i * CLASSES + c];

				num += d * d;
				den += (double)ref[(size_t)i * CLASSES + c] * ref[(size_t)i * CLASSES + c];
			}
		}
		printf("%-22s %9zu %8.1f%% %10.2e %10.1f %9llu %s\n", n.name, r.weight_bytes,
		       100.0 * agree / m, sqrt(num / den), r.macs / r.seconds / 1e6,
		       (unsigned long long)r.clamped, r.bit_exact ? "yes" : "NO");
		failures += !r.bit_exact;
		/* An 8-bit network that disagrees with binary32 on most windows is broken. */
		if (variants[v].w == FPQ_FMT_INT8 || variants[v].w == FPQ_FMT_E4M3)
			failures += agree * 10 < m * 9;
		for (int b = 0; b < n.nbufs; b++)
			free(n.bufs[b]);
	}
	if (!quiet)
		printf("\nagree: windows whose predicted state equals the binary32 baseline's; "
		       "rel.err: RMS error of the logits relative to binary32;\nclamped: layer-1 "
		       "values changed by ReLU (counted by the epilogue); bit-exact: the backend's "
		       "bytes equal libfpq's reference.\n");
	printf("%s\n", failures ? "demo: FAILED checks" : "demo: all result checks passed");
	fpq_context_destroy(ctx);
	free(x);
	free(w1);
	free(b1);
	free(w2);
	free(b2);
	free(ref);
	free(label);
	return failures ? 1 : 0;
}
