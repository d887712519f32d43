// SPDX-License-Identifier: MIT
/*
 * cpu_epilogue_test.c - the vectorised epilogues of every kernel set this CPU runs
 * against lib/epilogue.c (through cpu_epi_*_scalar), directly and bit for bit, on
 * accumulators and parameters chosen to hit every branch: NaN payloads, infinities,
 * signed zeros, subnormals, |acc| around 2^24, every requantization shift, the
 * saturating multiplier, ONNX Runtime's requantization on rounding ties, clamps, and
 * column ranges that end inside a vector.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "gemm_data.h"
#include "harness.h"
#include "rng.h"

#define NCOLS 256

static float special_float(struct rng *r)
{
	static const uint32_t bits[] = {
		0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00001,
		0x7F800001, 0x00000001, 0x80000001, 0x007FFFFF, 0x00800000, 0x7F7FFFFF,
		0xFF7FFFFF, 0x3F800000, 0xBF800000, 0x3F7FFFFF, 0x40200000, 0xC0200000,
	};
	uint32_t b;
	float f;

	switch (rng_below(r, 4)) {
	case 0:
		b = bits[rng_below(r, sizeof(bits) / sizeof(bits[0]))];
		break;
	case 1:
		b = rng_u32(r);                  /* any bit pattern */
		break;
	default:
		/* Ordinary magnitudes around 1, so clamps and bf16 rounding are exercised. */
		f = ldexpf((float)(int)(rng_u32(r) % 2000001 - 1000000), -(int)rng_below(r, 24));
		return f;
	}
	memcpy(&f, &b, sizeof(f));
	return f;
}

static int32_t special_i32(struct rng *r)
{
	static const int32_t vals[] = {
		0, 1, -1, INT32_MAX, INT32_MIN, INT32_MIN + 1, 1 << 24, -(1 << 24),
		(1 << 24) + 1, -(1 << 24) - 1, (1 << 24) - 1, 1 << 30, -(1 << 30),
	};

	switch (rng_below(r, 4)) {
	case 0: return vals[rng_below(r, sizeof(vals) / sizeof(vals[0]))];
	case 1: return (int32_t)rng_u32(r);
	default: return (int32_t)rng_below(r, 200001) - 100000;
	}
}

struct c_buf {
	uint8_t data[2][NCOLS * 4 * 3];   /* three rows, so row strides are exercised */
};

/* Run the ISA's and the scalar epilogue on the same row and compare C and counts. */
static void compare(const struct cpu_kernels *k, struct fpq_gemm_op *op, int is_float,
		    const void *acc, uint32_t j0, uint32_t n, struct rng *r, const char *what)
{
	static struct c_buf cb;
	struct fpq_gemm_status st[2];
	uint32_t row = rng_below(r, 3);
	unsigned int rows = 1 + rng_below(r, 3 - row);

	for (size_t i = 0; i < sizeof(cb.data[0]); i++)
		cb.data[0][i] = cb.data[1][i] = (uint8_t)rng_u32(r);
	for (int v = 0; v < 2; v++) {
		memset(&st[v], 0, sizeof(st[v]));
		op->c.data = cb.data[v];
		/* acc holds three rows of NCOLS accumulators. */
		if (is_float)
			(v ? cpu_epi_float_scalar : k->epi_float)(op, row, rows, j0, n,
				(const float *)acc + (size_t)row * NCOLS, NCOLS, &st[v]);
		else
			(v ? cpu_epi_int8_scalar : k->epi_int8)(op, row, rows, j0, n,
				(const int32_t *)acc + (size_t)row * NCOLS, NCOLS, &st[v]);
	}
	if (memcmp(cb.data[0], cb.data[1], sizeof(cb.data[0]))) {
		for (size_t i = 0; i < sizeof(cb.data[0]); i++)
			if (cb.data[0][i] != cb.data[1][i]) {
				CHECK(0, "%s %s: C byte %zu (rows %u+%u, j0 %u, n %u): 0x%02x, "
				      "scalar 0x%02x", k->name, what, i, row, rows, j0, n,
				      cb.data[0][i], cb.data[1][i]);
				break;
			}
	}
	CHECK(st[0].clamped == st[1].clamped && st[0].saturated == st[1].saturated &&
	      st[0].nan_to_zero == st[1].nan_to_zero && st[0].overflowed == st[1].overflowed,
	      "%s %s: counts differ (clamped %llu vs %llu)", k->name, what,
	      (unsigned long long)st[0].clamped, (unsigned long long)st[1].clamped);
}

static void pick_range(struct rng *r, uint32_t *j0, uint32_t *n)
{
	*j0 = 64 * rng_below(r, 3);
	*n = 1 + rng_below(r, NCOLS - *j0);
}

static const struct cpu_kernels *kernel_set(int i)
{
	return cpu_isa_supported((enum cpu_isa)i) ? cpu_kernels_for((enum cpu_isa)i) : NULL;
}

static void float_epilogue(void)
{
	struct rng r = rng_seeded(0xE9F1);
	float acc[3 * NCOLS], alpha[NCOLS], beta[NCOLS];
	long runs = 0;

	for (int isa = 0; isa < CPU_ISA_COUNT; isa++) {
		const struct cpu_kernels *k = kernel_set(isa);

		if (!k)
			continue;
		for (int trial = 0; trial < 3000; trial++) {
			struct fpq_gemm_op op;
			uint32_t j0, n;

			fpq_gemm_op_init(&op);
			op.c = (struct fpq_matrix){ trial % 2 ? FPQ_FMT_BF16 : FPQ_FMT_FP32, 3, NCOLS,
						    NCOLS * 4, NULL, NULL, 0, 0 };
			for (int j = 0; j < 3 * NCOLS; j++)
				acc[j] = special_float(&r);
			for (int j = 0; j < NCOLS; j++) {
				alpha[j] = rng_below(&r, 4) ? ldexpf(1.0f + (float)rng_below(&r, 100) / 64.0f,
								   (int)rng_below(&r, 40) - 20)
							   : special_float(&r);
				beta[j] = rng_below(&r, 3) ? (float)((int)rng_below(&r, 200) - 100) / 8.0f
							   : special_float(&r);
			}
			switch (trial % 5) {
			case 0: break;                              /* no alpha/beta */
			case 1: op.alpha = alpha; op.beta = beta; break;
			case 2: op.alpha = alpha; break;
			case 3: op.beta = beta; break;
			default:
				op.alpha = alpha + rng_below(&r, 8);
				op.beta = beta + rng_below(&r, 8);
				op.flags = FPQ_GEMM_ALPHA_BROADCAST | FPQ_GEMM_BETA_BROADCAST;
				break;
			}
			op.act = (enum fpq_activation)((trial / 5) % 3);
			if (op.act == FPQ_ACT_CLAMP) {
				float lo = special_float(&r), hi = special_float(&r);

				if (isnan(lo) || isnan(hi) || lo > hi) {
					lo = -(float)rng_below(&r, 4);
					hi = trial % 7 ? (float)rng_below(&r, 4) : -0.0f;
					if (lo > hi)
						lo = hi;
				}
				op.clamp_lo = lo;
				op.clamp_hi = hi;
			}
			pick_range(&r, &j0, &n);
			compare(k, &op, 1, acc + j0, j0, n, &r, "float");
			runs++;
		}
	}
	printf("  %ld float epilogue rows compared\n", runs);
}

static void int8_epilogue(void)
{
	struct rng r = rng_seeded(0xE918);
	int32_t acc[3 * NCOLS], mult[NCOLS];
	int8_t shift[NCOLS];
	float scale[NCOLS];
	long runs = 0;

	for (int isa = 0; isa < CPU_ISA_COUNT; isa++) {
		const struct cpu_kernels *k = kernel_set(isa);

		if (!k)
			continue;
		for (int trial = 0; trial < 3000; trial++) {
			static const enum fpq_format outs[] = { FPQ_FMT_INT32, FPQ_FMT_INT8, FPQ_FMT_FP32 };
			struct fpq_gemm_op op;
			uint32_t j0, n;
			enum fpq_format of = outs[trial % 3];

			fpq_gemm_op_init(&op);
			op.c = (struct fpq_matrix){ of, 3, NCOLS, NCOLS * 4, NULL, NULL, 0, 0 };
			for (int j = 0; j < 3 * NCOLS; j++)
				acc[j] = special_i32(&r);
			for (int j = 0; j < NCOLS; j++) {
				mult[j] = rng_below(&r, 8) == 0 ? INT32_MIN
					: rng_below(&r, 3) ? (int32_t)((1u << 30) + rng_below(&r, 1u << 30))
					: (int32_t)rng_u32(&r);
				shift[j] = (int8_t)((int)rng_below(&r, 62) - 31);
				scale[j] = rng_below(&r, 3) ? ldexpf((float)rng_below(&r, 1u << 24),
								     -(int)rng_below(&r, 60))
							    : special_float(&r);
			}
			if (of == FPQ_FMT_INT8) {
				op.requant_mult = mult;
				op.requant_shift = shift;
				op.out_zero = (int32_t)rng_below(&r, 256) - 128;
				op.act_min = (int32_t)rng_below(&r, 200) - 128;
				op.act_max = op.act_min + (int32_t)rng_below(&r, (uint32_t)(128 - op.act_min));
				if (trial % 4 == 1) {
					op.flags |= FPQ_GEMM_REQUANT_BROADCAST;
					op.requant_mult = mult + rng_below(&r, 8);
					op.requant_shift = shift + rng_below(&r, 8);
				}
			} else if (of == FPQ_FMT_FP32) {
				op.out_scale = scale;
				if (trial % 4 == 2) {
					op.flags |= FPQ_GEMM_SCALE_BROADCAST;
					op.out_scale = scale + rng_below(&r, 8);
				}
			}
			pick_range(&r, &j0, &n);
			compare(k, &op, 0, acc + j0, j0, n, &r, fpq_format_name(of));
			runs++;
		}
	}
	printf("  %ld int8-path epilogue rows compared\n", runs);
}

/* INT8 output in ONNX Runtime's mode: ties, |acc| > 2^24, special scales, clamps. */
static void requant_fp32_epilogue(void)
{
	struct rng r = rng_seeded(0xE9F3);
	int32_t acc[3 * NCOLS];
	float scale[NCOLS];
	long runs = 0, ties = 0;

	for (int isa = 0; isa < CPU_ISA_COUNT; isa++) {
		const struct cpu_kernels *k = kernel_set(isa);

		if (!k)
			continue;
		for (int trial = 0; trial < 3000; trial++) {
			struct fpq_gemm_op op;
			uint32_t j0, n;
			const int big = trial % 2, broadcast = trial % 4 == 3;

			fpq_gemm_op_init(&op);
			op.c = (struct fpq_matrix){ FPQ_FMT_INT8, 3, NCOLS, NCOLS, NULL, NULL, 0, 0 };
			op.flags = FPQ_GEMM_REQUANT_FP32 | (broadcast ? FPQ_GEMM_SCALE_BROADCAST : 0);
			op.out_scale = scale;
			for (int j = 0; j < NCOLS; j++)
				scale[j] = rng_below(&r, 6) ? ldexpf((float)rng_below(&r, 1u << 24),
								     -(int)rng_below(&r, 50))
							    : special_float(&r);
			for (int j = 0; j < 3 * NCOLS; j++) {
				float s = scale[broadcast ? 0 : j % NCOLS];

				acc[j] = rng_below(&r, 5) ? requant_random_acc(&r, big) : special_i32(&r);
				/* Most accumulators on a tie: per channel the scale moves
				 * (row 0 only), broadcast the accumulator does. */
				if (broadcast && rng_below(&r, 4))
					ties += requant_tie_acc(&r, s, big, &acc[j]);
				else if (!broadcast && j < NCOLS && rng_below(&r, 4))
					ties += requant_tie_scale(&r, acc[j], &scale[j]);
			}
			op.out_zero = (int32_t)rng_below(&r, 256) - 128;
			if (trial % 3 == 0) {
				op.act_min = op.out_zero;        /* relu-like */
			} else if (trial % 3 == 1) {
				op.act_min = (int32_t)rng_below(&r, 200) - 128;
				op.act_max = op.act_min +
					     (int32_t)rng_below(&r, (uint32_t)(128 - op.act_min));
			}
			pick_range(&r, &j0, &n);
			compare(k, &op, 0, acc + j0, j0, n, &r, "int8 requant_fp32");
			runs++;
		}
	}
	printf("  %ld requant_fp32 epilogue rows compared, %ld tie cases\n", runs, ties);
}

/* Every shift with accumulators at the saturation edges of the left shift. */
static void requant_shifts(void)
{
	struct rng r = rng_seeded(0xE95F);
	int32_t acc[3 * NCOLS], mult[NCOLS];
	int8_t shift[NCOLS];

	for (int isa = 0; isa < CPU_ISA_COUNT; isa++) {
		const struct cpu_kernels *k = kernel_set(isa);

		if (!k)
			continue;
		for (int s = -31; s <= 30; s++) {
			struct fpq_gemm_op op;

			fpq_gemm_op_init(&op);
			op.c = (struct fpq_matrix){ FPQ_FMT_INT8, 3, NCOLS, NCOLS, NULL, NULL, 0, 0 };
			for (int j = 0; j < 3 * NCOLS; j++) {
				int64_t edge = s > 0 ? (INT64_C(1) << (31 - s)) : (1 << 20);

				acc[j] = (int32_t)(j % 3 == 0 ? edge - 1 + (j % 5) - 2
					: j % 3 == 1 ? -edge + (j % 7) - 3 : (int64_t)special_i32(&r));
			}
			for (int j = 0; j < NCOLS; j++) {
				mult[j] = j % 11 == 0 ? INT32_MIN : (int32_t)rng_u32(&r);
				shift[j] = (int8_t)s;
			}
			op.requant_mult = mult;
			op.requant_shift = shift;
			op.out_zero = (int32_t)rng_below(&r, 256) - 128;
			compare(k, &op, 0, acc, 0, NCOLS, &r, "int8 shift sweep");
		}
	}
}

int main(void)
{
	RUN(float_epilogue);
	RUN(int8_epilogue);
	RUN(requant_shifts);
	RUN(requant_fp32_epilogue);
	return harness_report();
}
