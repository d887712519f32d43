// SPDX-License-Identifier: MIT
/*
 * api_test.c - every rejection path of the descriptors, operations, quantizer and
 * contexts, each once: the right negative errno, a detail message that names the
 * problem, and nothing written.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "fpq.h"

static uint8_t abuf[4096], bbuf[4096], cbuf[4096], sbuf[256];

/* A valid E4M3 x E4M3 -> FP32 operation: M = 2, N = 3, K = 64, MX on A. */
static struct fpq_gemm_op valid_float_op(void)
{
	struct fpq_gemm_op op;

	fpq_gemm_op_init(&op);
	op.a = (struct fpq_matrix){ FPQ_FMT_E4M3, 2, 64, 0, abuf, sbuf, 0, 0 };
	op.b = (struct fpq_matrix){ FPQ_FMT_E4M3, 3, 64, 0, bbuf, NULL, 0, 0 };
	op.c = (struct fpq_matrix){ FPQ_FMT_FP32, 2, 3, 0, cbuf, NULL, 0, 0 };
	return op;
}

static int32_t mult[4] = { 1 << 30, 1 << 30, 1 << 30, 1 << 30 };
static int8_t shift[4] = { -1, -1, -1, -1 };
static float scale[4] = { 0.5f, 0.5f, 0.5f, 0.5f };

static struct fpq_gemm_op valid_int8_op(void)
{
	struct fpq_gemm_op op;

	fpq_gemm_op_init(&op);
	op.a = (struct fpq_matrix){ FPQ_FMT_INT8, 2, 40, 0, abuf, NULL, 0, 3 };
	op.b = (struct fpq_matrix){ FPQ_FMT_INT8, 3, 40, 0, bbuf, NULL, 0, 0 };
	op.c = (struct fpq_matrix){ FPQ_FMT_INT8, 2, 3, 0, cbuf, NULL, 0, 0 };
	op.requant_mult = mult;
	op.requant_shift = shift;
	return op;
}

/* The op must fail with err, the message must mention word, and C stays untouched. */
static void expect_gemm_error(const char *what, struct fpq_gemm_op op, int err,
			      const char *word)
{
	struct fpq_context *ctx = NULL;
	int got;

	memset(cbuf, 0x5A, sizeof(cbuf));
	got = fpq_gemm_reference(&op, NULL);
	CHECK(got == err, "%s: got %d (%s), want %d", what, got, fpq_strerror(got), err);
	CHECK(strstr(fpq_strerror(got), word) != NULL, "%s: message \"%s\" lacks \"%s\"", what,
	      fpq_strerror(got), word);
	for (size_t i = 0; i < sizeof(cbuf); i++)
		if (cbuf[i] != 0x5A) {
			CHECK(0, "%s: C was written", what);
			break;
		}
	/* The context path refuses it the same way, synchronously and asynchronously. */
	if (fpq_context_create(&(struct fpq_context_opts){ FPQ_BACKEND_CPU, 0, 1 }, &ctx) == 0) {
		struct fpq_job *job = NULL;

		CHECK(fpq_gemm(ctx, &op, NULL) == err, "%s: fpq_gemm", what);
		CHECK(fpq_submit(ctx, &op, 1, &job) == err && job == NULL, "%s: fpq_submit", what);
		fpq_context_destroy(ctx);
	}
}

static void valid_ops_pass(void)
{
	struct fpq_gemm_op f = valid_float_op(), i = valid_int8_op();

	memset(sbuf, 127, sizeof(sbuf));
	CHECK(fpq_gemm_validate(&f) == 0, "float op: %s", fpq_strerror(fpq_gemm_validate(&f)));
	CHECK(fpq_gemm_validate(&i) == 0, "int8 op: %s", fpq_strerror(fpq_gemm_validate(&i)));
	CHECK(fpq_gemm_reference(&f, NULL) == 0, "float op runs");
	CHECK(fpq_gemm_reference(&i, NULL) == 0, "int8 op runs");
}

static void matrix_errors(void)
{
	struct fpq_gemm_op op;

	CHECK(fpq_gemm_reference(NULL, NULL) == -EFAULT, "NULL op");
	CHECK(fpq_matrix_validate(NULL, NULL) == -EFAULT, "NULL matrix");

	op = valid_float_op();
	op.a.data = NULL;
	expect_gemm_error("A data NULL", op, -EFAULT, "NULL");
	op = valid_float_op();
	op.b.format = FPQ_FMT_INVALID;
	expect_gemm_error("B format 0", op, -EINVAL, "not a matrix element format");
	op = valid_float_op();
	op.b.format = (enum fpq_format)99;
	expect_gemm_error("B format 99", op, -EINVAL, "not a matrix element format");
	op = valid_float_op();
	op.a.format = FPQ_FMT_E8M0;
	expect_gemm_error("A e8m0", op, -EINVAL, "not a matrix element format");
	op = valid_float_op();
	op.a.rows = 0;
	expect_gemm_error("empty A", op, -EINVAL, "empty shape");
	op = valid_float_op();
	op.b.stride = 63;
	expect_gemm_error("short stride", op, -EINVAL, "shorter than a row");
	op = valid_float_op();
	op.a.format = op.b.format = FPQ_FMT_E3M2;
	op.a.stride = 50;
	expect_gemm_error("6-bit stride splits a group", op, -EINVAL, "splits a e3m2 packing group");
	op = valid_float_op();
	op.a.rows = 0xFFFFFFFFu;
	op.a.stride = (size_t)1 << 40;
	op.c.rows = op.a.rows;
	expect_gemm_error("overflowing size", op, -EOVERFLOW, "overflow");
	op = valid_float_op();
	op.a.cols = op.b.cols = 48;
	expect_gemm_error("MX K % 32", op, -EINVAL, "multiple of 32");
	op = valid_int8_op();
	op.a.cols = op.b.cols = 64;
	op.a.scales = sbuf;
	expect_gemm_error("INT8 with scales", op, -EINVAL, "use mxint8");
	op = valid_float_op();
	op.a.scale_stride = 1;
	expect_gemm_error("scale stride short", op, -EINVAL, "scale stride");
	op = valid_float_op();
	op.b.scale_stride = 4;
	expect_gemm_error("scale stride without scales", op, -EINVAL, "without scales");
	op = valid_float_op();
	op.a.zero_point = 3;
	expect_gemm_error("zero point on e4m3", op, -EINVAL, "INT8 only");
	op = valid_int8_op();
	op.a.zero_point = 200;
	expect_gemm_error("zero point range", op, -EINVAL, "-128..127");
	op = valid_int8_op();
	op.c.format = FPQ_FMT_INT32;
	op.c.stride = 14;
	op.requant_mult = NULL;
	op.requant_shift = NULL;
	expect_gemm_error("int32 stride not a multiple of 4", op, -EINVAL, "packing group");
}

static void gemm_errors(void)
{
	struct fpq_gemm_op op;

	op = valid_float_op();
	op.flags = 1u << 20;
	expect_gemm_error("unknown flags", op, -EINVAL, "unknown flags");
	op = valid_float_op();
	op.b.cols = 32;
	expect_gemm_error("K mismatch", op, -EINVAL, "K = 64 but B has K = 32");
	op = valid_float_op();
	op.c.cols = 4;
	expect_gemm_error("C shape", op, -EINVAL, "expected M x N");
	op = valid_float_op();
	op.c.data = abuf + 8;
	expect_gemm_error("C overlaps A", op, -EINVAL, "overlaps");
	op = valid_float_op();
	op.b.format = FPQ_FMT_INT8;
	expect_gemm_error("e4m3 x int8", op, -EINVAL, "INT8 only pairs with INT8");
	op = valid_float_op();
	op.c.format = FPQ_FMT_INT32;
	expect_gemm_error("float -> int32", op, -EINVAL, "float paths give");
	op = valid_float_op();
	op.act = (enum fpq_activation)7;
	expect_gemm_error("unknown act", op, -EINVAL, "unknown activation");
	op = valid_float_op();
	op.act = FPQ_ACT_CLAMP;
	op.clamp_lo = 2;
	op.clamp_hi = 1;
	expect_gemm_error("clamp order", op, -EINVAL, "not ordered");
	op.clamp_lo = NAN;
	expect_gemm_error("clamp NaN", op, -EINVAL, "not ordered");
	op = valid_float_op();
	op.flags = FPQ_GEMM_QUANT_NONSAT;
	expect_gemm_error("nonsat with fp32", op, -EINVAL, "non-saturating");
	op = valid_float_op();
	op.bias = mult;
	expect_gemm_error("bias on float", op, -EINVAL, "INT8 path");
	op = valid_float_op();
	op.flags = FPQ_GEMM_REQUANT_BROADCAST;
	expect_gemm_error("int8 flag on float", op, -EINVAL, "INT8-path flags");

	op = valid_int8_op();
	op.b.zero_point = 1;
	expect_gemm_error("B zero point", op, -EINVAL, "symmetric");
	op = valid_int8_op();
	op.a.cols = op.b.cols = FPQ_INT8_MAX_K + 1;
	expect_gemm_error("K limit", op, -EINVAL, "exceeds");
	op = valid_int8_op();
	op.alpha = scale;
	expect_gemm_error("alpha on int8", op, -EINVAL, "float path");
	op = valid_int8_op();
	op.flags = FPQ_GEMM_ALPHA_BROADCAST;
	expect_gemm_error("float flag on int8", op, -EINVAL, "float-path flags");
	op = valid_int8_op();
	op.requant_mult = NULL;
	expect_gemm_error("requant missing", op, -EFAULT, "requant_mult");
	op = valid_int8_op();
	op.out_scale = scale;
	expect_gemm_error("out_scale with int8 out", op, -EINVAL, "fp32 output");
	op = valid_int8_op();
	shift[1] = 31;
	expect_gemm_error("shift range", op, -EINVAL, "requant_shift[1] = 31");
	shift[1] = -1;
	op = valid_int8_op();
	op.out_zero = 300;
	expect_gemm_error("out_zero range", op, -EINVAL, "out_zero");
	op = valid_int8_op();
	op.act_min = 5;
	op.act_max = 4;
	expect_gemm_error("act order", op, -EINVAL, "act_min..act_max");
	op = valid_int8_op();
	op.c.format = FPQ_FMT_FP32;
	op.requant_mult = NULL;
	op.requant_shift = NULL;
	expect_gemm_error("fp32 without scale", op, -EFAULT, "out_scale");
	op.out_scale = scale;
	op.requant_mult = mult;
	expect_gemm_error("fp32 with requant", op, -EINVAL, "requantization belongs");
	op = valid_int8_op();
	op.c.format = FPQ_FMT_INT32;
	expect_gemm_error("int32 with requant", op, -EINVAL, "int32 output takes no");
	op.requant_mult = NULL;
	op.requant_shift = NULL;
	op.out_zero = 1;
	expect_gemm_error("int32 with out_zero", op, -EINVAL, "belong to int8 output");
	op = valid_int8_op();
	op.c.format = FPQ_FMT_BF16;
	expect_gemm_error("int8 -> bf16", op, -EINVAL, "INT8 inputs give");
	op = valid_int8_op();
	op.flags = FPQ_GEMM_SCALE_BROADCAST;
	expect_gemm_error("scale flag on int8 out", op, -EINVAL, "scale broadcast");
	op = valid_int8_op();
	op.c.format = FPQ_FMT_INT32;
	op.requant_mult = NULL;
	op.requant_shift = NULL;
	op.flags = FPQ_GEMM_REQUANT_BROADCAST;
	expect_gemm_error("requant flag on int32 out", op, -EINVAL, "requant broadcast");
}

static void quantize_errors(void)
{
	float src[64] = { 0 }, dst[64];
	struct fpq_matrix m = { FPQ_FMT_E2M3, 1, 64, 0, abuf, NULL, 0, 0 };

	CHECK(fpq_quantize(NULL, 64, &m, 0, NULL) == -EFAULT, "NULL source");
	CHECK(strstr(fpq_strerror(-EFAULT), "source") != NULL, "message names the source");
	CHECK(fpq_quantize(src, 10, &m, 0, NULL) == -EINVAL, "short source stride");
	CHECK(fpq_quantize(src, 64, &m, 8, NULL) == -EINVAL, "unknown quantize flags");
	m.format = FPQ_FMT_FP32;
	CHECK(fpq_quantize(src, 64, &m, 0, NULL) == -EINVAL, "fp32 is not narrow");
	m.format = FPQ_FMT_E2M3;
	m.cols = 0;
	CHECK(fpq_quantize(src, 64, &m, 0, NULL) == -EINVAL, "empty");
	m.cols = 64;
	CHECK(fpq_dequantize(&m, NULL, 64) == -EFAULT, "NULL destination");
	CHECK(fpq_dequantize(&m, dst, 3) == -EINVAL, "short destination stride");
	CHECK(fpq_encode(FPQ_FMT_FP32, 1.0f, 0, NULL) == 0, "encode to non-element");
	CHECK(isnan(fpq_decode(FPQ_FMT_INT32, 1)), "decode of non-element is NaN");
	CHECK(fpq_row_bytes((enum fpq_format)50, 4) == 0, "row bytes of bad format");
	CHECK(fpq_format_info(FPQ_FMT_COUNT) == NULL, "info of bad format");
}

static void context_errors(void)
{
	struct fpq_context *ctx = NULL;
	struct fpq_gemm_op op = valid_float_op();
	struct fpq_job *job = NULL;

	CHECK(fpq_context_create(NULL, NULL) == -EFAULT, "NULL out");
	CHECK(fpq_context_create(&(struct fpq_context_opts){ FPQ_BACKEND_CPU, 0x10, 0 }, &ctx) ==
	      -EINVAL, "unknown context flags");
	CHECK(fpq_context_create(&(struct fpq_context_opts){ (enum fpq_backend)9, 0, 0 }, &ctx) ==
	      -EINVAL, "unknown backend");
	CHECK(fpq_context_create(&(struct fpq_context_opts){ FPQ_BACKEND_CPU,
			FPQ_CTX_FAULT_REPORT | FPQ_CTX_FAULT_RERUN, 0 }, &ctx) == -EINVAL &&
	      strstr(fpq_strerror(-EINVAL), "exclude") != NULL, "two fault policies at once");
	{
		static const struct { unsigned int flags; enum fpq_fault_policy want; } p[] = {
			{ 0, FPQ_FAULT_CPU }, { FPQ_CTX_FAULT_REPORT, FPQ_FAULT_REPORT },
			{ FPQ_CTX_FAULT_RERUN, FPQ_FAULT_RERUN },
			{ FPQ_CTX_STRICT | FPQ_CTX_FAULT_RERUN, FPQ_FAULT_REPORT },
		};

		for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
			CHECK(fpq_context_create(&(struct fpq_context_opts){ FPQ_BACKEND_CPU,
					p[i].flags, 1 }, &ctx) == 0, "context, flags 0x%x", p[i].flags);
			CHECK(fpq_context_fault_policy(ctx) == p[i].want, "flags 0x%x: policy %d",
			      p[i].flags, (int)fpq_context_fault_policy(ctx));
			fpq_context_destroy(ctx);
			ctx = NULL;
		}
	}
	CHECK(fpq_context_create(&(struct fpq_context_opts){ FPQ_BACKEND_CARD, 0, 0 }, &ctx) ==
	      -ENODEV && ctx == NULL, "no card here");
	setenv("FPQ_DEVICE", "gpu", 1);
	CHECK(fpq_context_create(NULL, &ctx) == -EINVAL, "bad FPQ_DEVICE");
	CHECK(strstr(fpq_strerror(-EINVAL), "FPQ_DEVICE=gpu") != NULL, "message names it");
	setenv("FPQ_DEVICE", "cpu", 1);
	CHECK(fpq_context_create(NULL, &ctx) == 0 && fpq_context_backend(ctx) == FPQ_BACKEND_CPU,
	      "FPQ_DEVICE=cpu");
	fpq_context_destroy(ctx);
	setenv("FPQ_DEVICE", "auto", 1);
	CHECK(fpq_context_create(NULL, &ctx) == 0, "auto");
	CHECK(fpq_context_fallback(ctx) != NULL, "auto without a card says why");
	CHECK(fpq_gemm(NULL, &op, NULL) == -EFAULT, "gemm NULL context");
	CHECK(fpq_submit(ctx, &op, 0, &job) == -EINVAL, "zero operations");
	CHECK(fpq_submit(ctx, NULL, 1, &job) == -EFAULT, "NULL operations");
	CHECK(fpq_submit(ctx, &op, 1, NULL) == -EFAULT, "NULL job pointer");
	CHECK(fpq_job_wait(NULL, 0, NULL) == -EFAULT, "wait NULL");
	fpq_context_destroy(ctx);
	fpq_context_destroy(NULL);
	fpq_job_free(NULL);
	unsetenv("FPQ_DEVICE");
	CHECK(strcmp(fpq_strerror(-ENOSPC), "error -28") == 0 || fpq_strerror(-ENOSPC)[0],
	      "unknown errors still have text");
	CHECK(strcmp(fpq_strerror(0), "success") == 0, "zero is success");
}

int main(void)
{
	RUN(valid_ops_pass);
	RUN(matrix_errors);
	RUN(gemm_errors);
	RUN(quantize_errors);
	RUN(context_errors);
	return harness_report();
}
