// SPDX-License-Identifier: MIT
/*
 * model_api_test.c - the public model API (fpq_model.h): loading from memory and from a
 * file, inputs' and outputs' descriptions with a dynamic batch, runs at two batch sizes
 * (each image of a batch equals its own batch-1 run), jobs, layer descriptions and
 * statistics, the caller's floating-point environment, and the errors a caller can
 * provoke.
 */
#include <errno.h>
#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fpq_model.h"
#include "harness.h"
#include "model_builder.h"
#include "rng.h"

#define T_FLOAT ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT
#define T_U8 ONNX__TENSOR_PROTO__DATA_TYPE__UINT8
#define T_I8 ONNX__TENSOR_PROTO__DATA_TYPE__INT8
#define T_I32 ONNX__TENSOR_PROTO__DATA_TYPE__INT32

#define C_IN 3
#define C_OUT 8
#define HW 8

static struct fpq_context *ctx;

/* x[N, 3, 8, 8] float -> Q -> DQ -> Conv 3x3 -> Relu -> Q -> DQ -> y[N, 8, 8, 8]. */
static struct mb *small_model(void)
{
	struct mb *b = mb_new(17, 0);
	struct rng r = rng_seeded(42);
	int8_t w[C_OUT * C_IN * 9];
	float ws[C_OUT], bs[C_OUT];
	int32_t bias[C_OUT];
	Onnx__NodeProto *n;

	for (size_t i = 0; i < sizeof(w); i++)
		w[i] = (int8_t)((int)rng_below(&r, 255) - 127);
	for (int m = 0; m < C_OUT; m++) {
		ws[m] = 0.002f + (float)m * 1e-4f;
		bs[m] = 0.05f * ws[m];
		bias[m] = (int32_t)rng_below(&r, 2001) - 1000;
	}
	mb_input(b, "x", T_FLOAT, 4, (int64_t[]){ -1, C_IN, HW, HW },
		 (const char *const[]){ "N", NULL, NULL, NULL });
	mb_output(b, "y", T_FLOAT, 4, (int64_t[]){ -1, C_OUT, HW, HW });
	mb_init_f(b, "xs", 0.05f);
	mb_init_zp(b, "xz", T_U8, 128);
	mb_init_f(b, "ys", 0.04f);
	mb_init_zp(b, "yz", T_U8, 0);
	mb_init(b, "w", T_I8, 4, (int64_t[]){ C_OUT, C_IN, 3, 3 }, w);
	mb_init(b, "ws", T_FLOAT, 1, (int64_t[]){ C_OUT }, ws);
	mb_init(b, "bias", T_I32, 1, (int64_t[]){ C_OUT }, bias);
	mb_init(b, "bs", T_FLOAT, 1, (int64_t[]){ C_OUT }, bs);
	mb_node(b, "QuantizeLinear", NULL, "q_in", "x,xs,xz", "xq");
	mb_node(b, "DequantizeLinear", NULL, "dq_in", "xq,xs,xz", "xf");
	n = mb_node(b, "DequantizeLinear", NULL, "dq_w", "w,ws", "wf");
	mb_attr_i(b, n, "axis", 0);
	n = mb_node(b, "DequantizeLinear", NULL, "dq_b", "bias,bs", "bf");
	mb_attr_i(b, n, "axis", 0);
	n = mb_node(b, "Conv", NULL, "conv1", "xf,wf,bf", "c");
	mb_attr_ints(b, n, "pads", 4, (int64_t[]){ 1, 1, 1, 1 });
	mb_node(b, "Relu", NULL, "relu1", "c", "r");
	mb_node(b, "QuantizeLinear", NULL, "q_out", "r,ys,yz", "yq");
	mb_node(b, "DequantizeLinear", NULL, "dq_out", "yq,ys,yz", "y");
	return b;
}

static struct fpq_model *load(struct mb *b, const struct fpq_model_opts *opts, int *err)
{
	size_t size;
	const uint8_t *bytes = mb_bytes(b, &size);
	struct fpq_model *m = NULL;

	*err = fpq_model_load_memory(ctx, bytes, size, opts, &m);
	return m;
}

static float *input(int n, uint64_t seed)
{
	struct rng r = rng_seeded(seed);
	float *x = malloc(sizeof(float) * (size_t)(n * C_IN * HW * HW));

	for (int i = 0; i < n * C_IN * HW * HW; i++)
		x[i] = ((float)rng_below(&r, 20001) - 10000.0f) / 1500.0f;
	return x;
}

static struct fpq_tensor tensor_in(float *x, int n)
{
	struct fpq_tensor t = { .dtype = FPQ_DTYPE_FLOAT, .ndim = 4, .dims = { n, C_IN, HW, HW },
				.data = x, .size = sizeof(float) * (size_t)(n * C_IN * HW * HW) };

	return t;
}

static void test_describe(void)
{
	struct mb *b = small_model();
	struct fpq_tensor_info ti;
	struct fpq_layer_info li;
	int err;
	struct fpq_model *m = load(b, NULL, &err);

	CHECK(err == 0, "load: %s", fpq_strerror(err));
	if (!m)
		goto out;
	CHECK(fpq_model_num_inputs(m) == 1 && fpq_model_num_outputs(m) == 1, "one in, one out");
	err = fpq_model_input(m, 0, &ti);
	CHECK(err == 0 && !strcmp(ti.name, "x") && ti.dtype == FPQ_DTYPE_FLOAT && ti.ndim == 4,
	      "input 0 described");
	CHECK(ti.dims[0] == -1 && ti.dim_names[0] && !strcmp(ti.dim_names[0], "N"),
	      "the batch is dynamic and named");
	CHECK(ti.dims[1] == C_IN && ti.dims[2] == HW && ti.dims[3] == HW && !ti.dim_names[1],
	      "the other dims are fixed");
	err = fpq_model_output(m, 0, &ti);
	CHECK(err == 0 && !strcmp(ti.name, "y") && ti.dtype == FPQ_DTYPE_FLOAT, "output described");
	CHECK(fpq_model_input(m, 1, &ti) == -EINVAL, "input 1 does not exist");
	CHECK(fpq_model_num_layers(m) >= 3, "%u layers", fpq_model_num_layers(m));
	bool found = false;

	for (unsigned int i = 0; i < fpq_model_num_layers(m); i++) {
		err = fpq_model_layer(m, i, &li);
		CHECK(err == 0 && li.name && li.op && li.kernel, "layer %u described", i);
		if (!err && !strcmp(li.name, "conv1")) {
			found = true;
			CHECK(!strcmp(li.op, "QLinearConv") && !strcmp(li.kernel, "gemm"),
			      "conv1 fused into %s on %s", li.op, li.kernel);
		}
	}
	CHECK(found, "a layer is named after the Conv node");
	CHECK(fpq_model_layer(m, fpq_model_num_layers(m), &li) == -EINVAL, "no layer past the end");
	fpq_model_free(m);
out:
	mb_free(b);
}

static void test_batches_agree(void)
{
	struct mb *b = small_model();
	int err;
	struct fpq_model *m = load(b, NULL, &err);
	float *x3 = input(3, 7);
	const size_t per = (size_t)(C_OUT * HW * HW);

	CHECK(err == 0, "load: %s", fpq_strerror(err));
	if (!m)
		goto out;
	struct fpq_tensor in3 = tensor_in(x3, 3), out3 = { 0 };

	err = fpq_model_run(m, &in3, 1, &out3, 1, NULL);
	CHECK(err == 0, "batch 3: %s", fpq_strerror(err));
	CHECK(out3.ndim == 4 && out3.dims[0] == 3 && out3.dims[1] == C_OUT, "batch-3 output shape");
	for (int i = 0; i < 3 && !err; i++) {
		struct fpq_tensor in1 = tensor_in(x3 + i * C_IN * HW * HW, 1), out1 = { 0 };

		err = fpq_model_run(m, &in1, 1, &out1, 1, NULL);
		CHECK(err == 0, "batch 1: %s", fpq_strerror(err));
		if (!err)
			CHECK(!memcmp(out1.data, (float *)out3.data + i * per, per * sizeof(float)),
			      "image %d of the batch equals its own run", i);
		free(out1.data);
	}
	/* Outputs are dequantized 8-bit values: multiples of the scale, some clamped. */
	int zeros = 0;

	for (size_t i = 0; i < 3 * per && out3.data; i++) {
		float v = ((float *)out3.data)[i], k = v / 0.04f;

		zeros += v == 0.0f;
		if (fabsf(k - nearbyintf(k)) > 1e-3f || v < 0) {
			CHECK(0, "output %zu = %g is not a non-negative multiple of 0.04", i, (double)v);
			break;
		}
	}
	CHECK(zeros > 0, "the Relu clamped some outputs to 0");
	free(out3.data);
	fpq_model_free(m);
out:
	free(x3);
	mb_free(b);
}

static void test_file_and_jobs(void)
{
	struct mb *b = small_model();
	char path[] = "/tmp/fpq_model_api_XXXXXX";
	int fd = mkstemp(path), err;
	size_t size;
	const uint8_t *bytes = mb_bytes(b, &size);
	struct fpq_model *m = NULL;
	float *x = input(2, 11);
	struct fpq_tensor in = tensor_in(x, 2), ref = { 0 }, outs[4] = { { 0 } };
	struct fpq_model_job *jobs[4] = { NULL };

	CHECK(fd >= 0 && write(fd, bytes, size) == (ssize_t)size, "temporary model file");
	close(fd);
	err = fpq_model_load(ctx, path, NULL, &m);
	CHECK(err == 0, "load from file: %s", fpq_strerror(err));
	unlink(path);
	if (!m)
		goto out;
	err = fpq_model_run(m, &in, 1, &ref, 1, NULL);
	CHECK(err == 0, "run: %s", fpq_strerror(err));
	for (int j = 0; j < 4; j++) {
		err = fpq_model_submit(m, &in, 1, &outs[j], 1, &jobs[j]);
		CHECK(err == 0, "submit %d: %s", j, fpq_strerror(err));
	}
	unsigned int nl = fpq_model_num_layers(m);
	struct fpq_layer_stats *st = calloc(nl, sizeof(*st));

	for (int j = 3; j >= 0; j--) {
		if (!jobs[j])
			continue;
		err = fpq_model_job_wait(jobs[j], -1, st);
		CHECK(err == 0, "wait %d: %s", j, fpq_strerror(err));
		CHECK(outs[j].data && !memcmp(outs[j].data, ref.data, ref.size),
		      "job %d equals the synchronous run", j);
		fpq_model_job_free(jobs[j]);
		free(outs[j].data);
	}
	uint64_t gemms = 0, clamped = 0;

	for (unsigned int i = 0; i < nl; i++) {
		gemms += st[i].gemm_calls;
		clamped += st[i].clamped;
	}
	CHECK(gemms >= 1, "the job's statistics count its GEMM calls (%llu)",
	      (unsigned long long)gemms);
	CHECK(clamped > 0, "and the values its ranges clamped");
	free(st);
	free(ref.data);
	fpq_model_free(m);
out:
	free(x);
	mb_free(b);
}

/* The caller's rounding mode and flush-to-zero settings change nothing. */
static void test_fp_environment(void)
{
	static const int modes[] = { FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO };
	struct mb *b = small_model();
	int err;
	struct fpq_model *m = load(b, NULL, &err);
	float *x = input(1, 3);
	struct fpq_tensor in = tensor_in(x, 1), ref = { 0 };

	CHECK(err == 0, "load: %s", fpq_strerror(err));
	if (!m)
		goto out;
	err = fpq_model_run(m, &in, 1, &ref, 1, NULL);
	CHECK(err == 0, "run: %s", fpq_strerror(err));
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]) + 1; i++) {
		struct fpq_tensor out = { 0 };
		struct fpq_model *m2 = NULL;
		unsigned int csr = __builtin_ia32_stmxcsr();

		if (i < sizeof(modes) / sizeof(modes[0]))
			fesetround(modes[i]);
		else
			__builtin_ia32_ldmxcsr(csr | 0x8040); /* FTZ and DAZ */
		/* load (constant folding, tables) and run both under the changed mode */
		{
			size_t size;
			const uint8_t *bytes = mb_bytes(b, &size);

			err = fpq_model_load_memory(ctx, bytes, size, NULL, &m2);
		}
		if (!err)
			err = fpq_model_run(m2, &in, 1, &out, 1, NULL);
		int mode_after = fegetround();
		unsigned int csr_after = __builtin_ia32_stmxcsr();

		fesetround(FE_TONEAREST);
		__builtin_ia32_ldmxcsr(csr);
		CHECK(err == 0, "environment %zu: %s", i, fpq_strerror(err));
		CHECK(out.data && !memcmp(out.data, ref.data, ref.size),
		      "environment %zu gives the same bits", i);
		CHECK(i < 3 ? mode_after == modes[i] : (csr_after & 0x8040) == 0x8040,
		      "environment %zu is given back", i);
		free(out.data);
		fpq_model_free(m2);
	}
	free(ref.data);
	fpq_model_free(m);
out:
	free(x);
	mb_free(b);
}

static void test_run_errors(void)
{
	struct mb *b = small_model();
	int err;
	struct fpq_model *m = load(b, NULL, &err);
	float *x = input(1, 5);
	struct fpq_tensor in = tensor_in(x, 1), out = { 0 }, bad;
	float small[4];

	CHECK(err == 0, "load: %s", fpq_strerror(err));
	if (!m)
		goto out;
	bad = in;
	bad.dtype = FPQ_DTYPE_UINT8;
	err = fpq_model_run(m, &bad, 1, &out, 1, NULL);
	CHECK(err == -EINVAL && strstr(fpq_strerror(err), "'x'"), "wrong type: %s",
	      fpq_strerror(err));
	bad = in;
	bad.dims[2] = 9;
	err = fpq_model_run(m, &bad, 1, &out, 1, NULL);
	CHECK(err == -EINVAL && strstr(fpq_strerror(err), "dimension 2"), "wrong dim: %s",
	      fpq_strerror(err));
	bad = in;
	bad.size -= 4;
	CHECK(fpq_model_run(m, &bad, 1, &out, 1, NULL) == -EINVAL, "input too small");
	bad = in;
	bad.ndim = 3;
	CHECK(fpq_model_run(m, &bad, 1, &out, 1, NULL) == -EINVAL, "wrong rank");
	CHECK(fpq_model_run(m, &in, 2, &out, 1, NULL) == -EINVAL, "two inputs given");
	CHECK(fpq_model_run(m, NULL, 1, &out, 1, NULL) == -EFAULT, "NULL inputs");
	CHECK(fpq_model_run(NULL, &in, 1, &out, 1, NULL) == -EFAULT, "NULL model");
	out.data = small;
	out.size = sizeof(small);
	memset(small, 0x5a, sizeof(small));
	err = fpq_model_run(m, &in, 1, &out, 1, NULL);
	CHECK(err == -ENOSPC, "output too small: %s", fpq_strerror(err));
	CHECK(((uint8_t *)small)[0] == 0x5a && ((uint8_t *)small)[15] == 0x5a,
	      "and nothing was written");
	fpq_model_free(m);
out:
	free(x);
	mb_free(b);
}

static void test_memory_limit(void)
{
	struct mb *b = small_model();
	struct fpq_model_opts opts = { .max_memory = 4096 };
	int err;
	struct fpq_model *m = load(b, &opts, &err);

	CHECK(err == -E2BIG && !m, "a 4 KiB limit refuses the model: %s", fpq_strerror(err));
	opts.max_memory = 64 << 20;
	opts.flags = 1;
	m = load(b, &opts, &err);
	CHECK(err == -EINVAL && !m, "unknown flags refused");
	fpq_model_free(m);
	mb_free(b);
}

int main(void)
{
	struct fpq_context_opts o = { .backend = FPQ_BACKEND_CPU };
	int err = fpq_context_create(&o, &ctx);

	if (err) {
		printf("no CPU context: %s\n", fpq_strerror(err));
		return 1;
	}
	RUN(test_describe);
	RUN(test_batches_agree);
	RUN(test_file_and_jobs);
	RUN(test_fp_environment);
	RUN(test_run_errors);
	RUN(test_memory_limit);
	fpq_context_destroy(ctx);
	return harness_report();
}
