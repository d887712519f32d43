// SPDX-License-Identifier: MIT
/*
 * requant_gemmlowp_test.cc - libfpq's INT8 path against gemmlowp, an external
 * implementation of TFLite's fixed-point output stage:
 *  1. the fixed-point multiply (SaturatingRoundingDoublingHighMul + RoundingDivideByPOT,
 *     with the left shift of exponents > 0) on millions of inputs, extremes included;
 *  2. whole GEMMs: gemmlowp's uint8 GEMM with offsets and a per-channel output pipeline
 *     (bias, ScaleInt32ByFixedPointAndExponentPC, clamp, saturating cast) against
 *     fpq_gemm_reference() with int8 output.
 */
#include <gemmlowp/public/gemmlowp.h>

#include <cstdint>
#include <cstdio>
#include <vector>

extern "C" {
#include "harness.h"
#include "fpq.h"
#include "rng.h"
/* libfpq internal: TFLite's MultiplyByQuantizedMultiplier. */
int32_t fpq_requant_multiply(int32_t x, int32_t mult, int shift);
}

static std::int32_t gemmlowp_requant(std::int32_t x, std::int32_t mult, int shift)
{
	const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;

	return gemmlowp::RoundingDivideByPOT(
		gemmlowp::SaturatingRoundingDoublingHighMul(gemmlowp::ShiftLeft(x, left), mult),
		right);
}

static void fixed_point_multiply(void)
{
	struct rng r = rng_seeded(0x6E);
	static const std::int32_t edge[] = { 0, 1, -1, 2, -2, 127, -128, 1 << 30, -(1 << 30),
					     INT32_MAX, INT32_MIN, INT32_MAX - 1, INT32_MIN + 1 };
	const int n_edge = sizeof(edge) / sizeof(edge[0]);
	long compared = 0;

	for (int a = 0; a < n_edge; a++)
		for (int b = 0; b < n_edge; b++)
			for (int s = -31; s <= 30; s++) {
				CHECK(fpq_requant_multiply(edge[a], edge[b], s) ==
				      gemmlowp_requant(edge[a], edge[b], s),
				      "x %d mult %d shift %d", edge[a], edge[b], s);
				compared++;
			}
	for (int n = 0; n < 3000000; n++) {
		std::int32_t x = (std::int32_t)rng_u32(&r);
		std::int32_t m = (std::int32_t)rng_u32(&r);
		int s = (int)rng_below(&r, 62) - 31;

		if (n % 3 == 0)
			x >>= rng_below(&r, 31);              /* small accumulators too */
		if (n % 2 == 0)
			m = (std::int32_t)((1u << 30) | (rng_u32(&r) >> 2));   /* TFLite's range */
		CHECK(fpq_requant_multiply(x, m, s) == gemmlowp_requant(x, m, s),
		      "x %d mult %d shift %d", x, m, s);
		compared++;
	}
	std::printf("  %ld fixed-point multiplies compared\n", compared);
}

static void whole_gemms(void)
{
	struct rng r = rng_seeded(0x6F);
	gemmlowp::GemmContext gctx;
	long compared = 0, exact_add_cases = 0;

	for (int trial = 0; trial < 200; trial++) {
		const int m = 1 + (int)rng_below(&r, 17), n = 1 + (int)rng_below(&r, 23);
		const int k = 1 + (int)rng_below(&r, trial % 10 == 0 ? 3000 : 300);
		std::vector<std::uint8_t> a_u8(m * k), b_u8(n * k), c_u8(m * n);
		std::vector<std::int8_t> a(m * k), b(n * k), c(m * n);
		std::vector<std::int32_t> bias(n), mult(n), exponent(n);
		std::vector<std::int8_t> shift(n);
		const int zp = (int)rng_below(&r, 256) - 128, out_zero = (int)rng_below(&r, 256) - 128;
		int act_min = (int)rng_below(&r, 128) - 128;
		int act_max = act_min + (int)rng_below(&r, (std::uint32_t)(128 - act_min));

		for (int i = 0; i < m * k; i++) {
			a[i] = (std::int8_t)rng_u32(&r);
			a_u8[i] = (std::uint8_t)(a[i] + 128);
		}
		for (int i = 0; i < n * k; i++) {
			b[i] = (std::int8_t)rng_u32(&r);
			b_u8[i] = (std::uint8_t)(b[i] + 128);
		}
		for (int j = 0; j < n; j++) {
			bias[j] = (std::int32_t)rng_below(&r, 200001) - 100000;
			mult[j] = (std::int32_t)((1u << 30) | (rng_u32(&r) >> 2));
			/* Mostly realistic right shifts, sometimes left shifts. */
			shift[j] = (std::int8_t)(trial % 4 == 0 ? (int)rng_below(&r, 8) - 2
							      : -(int)rng_below(&r, 20));
			exponent[j] = shift[j];
		}

		/* gemmlowp: (a_u8 - 128 - zp) * (b_u8 - 128), then the output pipeline. */
		gemmlowp::MatrixMap<const std::uint8_t, gemmlowp::MapOrder::RowMajor> lhs(a_u8.data(), m, k);
		gemmlowp::MatrixMap<const std::uint8_t, gemmlowp::MapOrder::ColMajor> rhs(b_u8.data(), k, n);
		gemmlowp::MatrixMap<std::uint8_t, gemmlowp::MapOrder::RowMajor> res(c_u8.data(), m, n);
		typedef gemmlowp::VectorMap<const std::int32_t, gemmlowp::VectorShape::Row> RowVec;
		gemmlowp::OutputStageBiasAddition<RowVec> bias_stage;
		gemmlowp::OutputStageScaleInt32ByFixedPointAndExponentPC<gemmlowp::VectorShape::Row>
			scale_stage;
		gemmlowp::OutputStageClamp clamp_stage;
		gemmlowp::OutputStageSaturatingCastToUint8 cast_stage;

		bias_stage.bias_vector = RowVec(bias.data(), n);
		scale_stage.result_fixedpoint_multiplier = RowVec(mult.data(), n);
		scale_stage.result_exponent = RowVec(exponent.data(), n);
		scale_stage.result_offset_after_shift = out_zero + 128;
		clamp_stage.min = act_min + 128;
		clamp_stage.max = act_max + 128;
		auto pipeline = std::make_tuple(bias_stage, scale_stage, clamp_stage, cast_stage);
		gemmlowp::GemmWithOutputPipeline<std::uint8_t, std::uint8_t,
						 gemmlowp::DefaultL8R8BitDepthParams>(
			&gctx, lhs, rhs, &res, -(128 + zp), -128, pipeline);

		struct fpq_gemm_op op;

		fpq_gemm_op_init(&op);
		op.a = fpq_matrix{ FPQ_FMT_INT8, (uint32_t)m, (uint32_t)k, 0, a.data(), nullptr, 0, zp };
		op.b = fpq_matrix{ FPQ_FMT_INT8, (uint32_t)n, (uint32_t)k, 0, b.data(), nullptr, 0, 0 };
		op.c = fpq_matrix{ FPQ_FMT_INT8, (uint32_t)m, (uint32_t)n, 0, c.data(), nullptr, 0, 0 };
		op.bias = bias.data();
		op.requant_mult = mult.data();
		op.requant_shift = shift.data();
		op.out_zero = out_zero;
		op.act_min = act_min;
		op.act_max = act_max;
		int err = fpq_gemm_reference(&op, nullptr);

		CHECK(err == 0, "fpq gemm: %s", fpq_strerror(err));
		for (int i = 0; i < m; i++) {
			for (int j = 0; j < n; j++) {
				/* Where gemmlowp's int32 "+ offset" would wrap, libfpq adds exactly;
				 * TFLite leaves that case undefined. Count, don't compare. */
				std::int64_t acc = bias[j];

				for (int t = 0; t < k; t++)
					acc += (std::int64_t)(a[i * k + t] - zp) * b[j * k + t];
				std::int64_t q = fpq_requant_multiply((std::int32_t)acc, mult[j], shift[j]);

				if (q + out_zero + 128 > INT32_MAX || q + out_zero + 128 < INT32_MIN) {
					exact_add_cases++;
					continue;
				}
				CHECK((int)c[i * n + j] == (int)c_u8[i * n + j] - 128,
				      "trial %d (%d,%d): fpq %d, gemmlowp %d", trial, i, j, c[i * n + j],
				      c_u8[i * n + j] - 128);
				compared++;
			}
		}
	}
	std::printf("  %ld int8 outputs compared with gemmlowp (%ld overflowing-offset cases "
		    "skipped)\n", compared, exact_add_cases);
	CHECK(compared > 10000, "enough outputs compared");
}

int main(void)
{
	RUN(fixed_point_multiply);
	RUN(whole_gemms);
	return harness_report();
}
