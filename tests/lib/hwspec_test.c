/* SPDX-License-Identifier: MIT */
/*
 * hwspec_test.c - the card's contract (driver/fpq_hw_regs.h, generated) agrees with
 * libfpq's public header: format codes, activations, operation flags and limits are
 * shared values, so a descriptor field can be filled straight from a struct fpq_gemm_op.
 * Compile-time checks only: scripts/check-hwspec.sh counts a successful compile as the pass.
 */
#include "fpq.h"
#include "fpq_hw_regs.h"

#define SAME(a, b) _Static_assert((long long)(a) == (long long)(b), #a " != " #b)

/* Every format of the contract's table is libfpq's format of that name and code. */
#define SAME_FORMAT(NAME, name, code, ...) \
	SAME(FPQ_HW_FMT_##NAME, FPQ_FMT_##NAME); SAME(code, FPQ_FMT_##NAME);
FPQ_HW_FORMATS(SAME_FORMAT)
SAME(FPQ_HW_FMT_INVALID, FPQ_FMT_INVALID);
SAME(FPQ_HW_FMT_COUNT, FPQ_FMT_COUNT);

SAME(FPQ_HW_ACT_NONE, FPQ_ACT_NONE);
SAME(FPQ_HW_ACT_RELU, FPQ_ACT_RELU);
SAME(FPQ_HW_ACT_CLAMP, FPQ_ACT_CLAMP);

SAME(FPQ_HW_OP_DESC_FLAGS_ALPHA_BCAST_MASK, FPQ_GEMM_ALPHA_BROADCAST);
SAME(FPQ_HW_OP_DESC_FLAGS_BETA_BCAST_MASK, FPQ_GEMM_BETA_BROADCAST);
SAME(FPQ_HW_OP_DESC_FLAGS_REQUANT_BCAST_MASK, FPQ_GEMM_REQUANT_BROADCAST);
SAME(FPQ_HW_OP_DESC_FLAGS_SCALE_BCAST_MASK, FPQ_GEMM_SCALE_BROADCAST);
SAME(FPQ_HW_OP_DESC_FLAGS_QUANT_NONSAT_MASK, FPQ_GEMM_QUANT_NONSAT);
/*
 * Every libfpq flag has a descriptor bit of the same value, but FPQ_GEMM_REQUANT_FP32:
 * libfpq runs ONNX Runtime's requantization on the host (the card computes int32), and
 * the descriptor's bit 5 is reserved.
 */
SAME(FPQ_GEMM_REQUANT_FP32 & FPQ_HW_OP_DESC_FLAGS_RSVD0_MASK, FPQ_GEMM_REQUANT_FP32);
SAME(FPQ_GEMM_FLAGS_ALL & ~FPQ_GEMM_REQUANT_FP32 & ~(FPQ_HW_OP_DESC_FLAGS_ALPHA_BCAST_MASK |
			    FPQ_HW_OP_DESC_FLAGS_BETA_BCAST_MASK |
			    FPQ_HW_OP_DESC_FLAGS_REQUANT_BCAST_MASK |
			    FPQ_HW_OP_DESC_FLAGS_SCALE_BCAST_MASK |
			    FPQ_HW_OP_DESC_FLAGS_QUANT_NONSAT_MASK), 0);

SAME(FPQ_HW_MAX_K, FPQ_INT8_MAX_K);
SAME(FPQ_HW_MX_BLOCK, FPQ_MX_BLOCK);
