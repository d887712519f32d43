// SPDX-License-Identifier: MIT
/*
 * quickstart.c - libfpq in one page: quantize a layer's weights to MXFP6 (E2M3) and its
 * activations to MXFP8 (E4M3), run y = relu(x W^T + b) on whatever backend is there
 * (the card, else the CPU), then the same layer asynchronously, and check that both
 * equal the reference bit for bit.
 *
 *   cc quickstart.c $(pkg-config --cflags --libs fpq) -lm -o quickstart && ./quickstart
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fpq.h>

enum { M = 4, N = 64, K = 128 };

static int check(int err, const char *what)
{
	if (err)
		fprintf(stderr, "%s: %s\n", what, fpq_strerror(err));
	return err;
}

int main(void)
{
	static float x[M * K], w[N * K], bias[N], y[M * N], y_async[M * N], y_ref[M * N];
	/* Packed storage: 6-bit E2M3 takes 3 bytes per 4 elements; one scale per 32. */
	static uint8_t xq[M * K], wq[N * K * 3 / 4], xs[M * K / 32], ws[N * K / 32];
	struct fpq_context *ctx;
	struct fpq_gemm_status st;
	struct fpq_gemm_op op;
	struct fpq_job *job;

	for (int i = 0; i < M * K; i++)
		x[i] = sinf(0.1f * (float)i);
	for (int i = 0; i < N * K; i++)
		w[i] = 0.05f * cosf(0.37f * (float)i);
	for (int j = 0; j < N; j++)
		bias[j] = -0.1f;

	/* A context picks the backend: FPQ_DEVICE=auto (default), card or cpu. */
	if (check(fpq_context_create(NULL, &ctx), "context"))
		return 1;
	printf("backend: %s\n", fpq_backend_name(fpq_context_backend(ctx)));

	/* Describe the matrices; giving scales makes them MX-blocked along K. */
	struct fpq_matrix xm = { FPQ_FMT_E4M3, M, K, 0, xq, xs, 0, 0 };
	struct fpq_matrix wm = { FPQ_FMT_E2M3, N, K, 0, wq, ws, 0, 0 };
	struct fpq_quant_stats qs;

	if (check(fpq_quantize(x, K, &xm, 0, &qs), "quantize x") ||
	    check(fpq_quantize(w, K, &wm, 0, &qs), "quantize w"))
		return 1;

	/* y = relu(fmaf(acc, 1, bias)): beta carries the bias, per output channel. */
	fpq_gemm_op_init(&op);
	op.a = xm;
	op.b = wm;
	op.c = (struct fpq_matrix){ FPQ_FMT_FP32, M, N, 0, y, NULL, 0, 0 };
	op.beta = bias;
	op.act = FPQ_ACT_RELU;
	if (check(fpq_gemm(ctx, &op, &st), "gemm"))
		return 1;
	printf("sync:  y[0][0..3] = %g %g %g %g, %llu values clamped by ReLU\n", y[0], y[1],
	       y[2], y[3], (unsigned long long)st.clamped);

	/* The same operation as an asynchronous job. */
	op.c.data = y_async;
	if (check(fpq_submit(ctx, &op, 1, &job), "submit") ||
	    check(fpq_job_wait(job, -1, &st), "wait"))
		return 1;
	fpq_job_free(job);

	/* Every backend equals the reference bit for bit. */
	op.c.data = y_ref;
	if (check(fpq_gemm_reference(&op, NULL), "reference"))
		return 1;
	int same = !memcmp(y, y_ref, sizeof(y)) && !memcmp(y_async, y_ref, sizeof(y));

	printf("async: %s\n", same ? "equal to the reference bit for bit" : "DIFFERENT");
	fpq_context_destroy(ctx);
	return same ? 0 : 1;
}
