// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_desc_test.c - operation and job descriptors as the card reads them, and the
 * completion records as the driver reads them.
 */
#include <kunit/test.h>
#include <linux/bitfield.h>
#include <linux/string.h>

#include "../fpq_desc.h"

static const u64 slot_va[] = { 0x1000, 0x200000, 0x3ff00000 };

/* An MX float operation with every array and scale present. */
static struct fpq_op full_float_op(void)
{
	return (struct fpq_op){
		.m = 3, .n = 64, .k = 96,
		.flags = DRM_FPQ_GEMM_ALPHA_BROADCAST | DRM_FPQ_GEMM_QUANT_NONSAT,
		.a = { .format = DRM_FPQ_FMT_E4M3, .slot = 0, .offset = 16, .stride = 96,
		       .has_scales = true, .scale_slot = 1, .scale_offset = 8,
		       .scale_stride = 3 },
		.b = { .format = DRM_FPQ_FMT_E2M3, .slot = 1, .offset = 4096, .stride = 72,
		       .has_scales = true, .scale_slot = 1, .scale_offset = 64, .scale_stride = 4 },
		.c = { .format = DRM_FPQ_FMT_E5M2, .slot = 2, .offset = 0, .stride = 64,
		       .has_scales = true, .scale_slot = 2, .scale_offset = 512,
		       .scale_stride = 2 },
		.alpha = { .present = true, .broadcast = true, .slot = 1, .offset = 100 },
		.beta = { .present = true, .slot = 0, .offset = 200 },
		.act = DRM_FPQ_ACT_CLAMP,
		.clamp_lo = 0xbf800000, .clamp_hi = 0x40000000,
		.out_zero = 0, .act_min = -128, .act_max = 127,
	};
}

static void fpq_desc_float_op(struct kunit *test)
{
	struct fpq_op op = full_float_op();
	struct fpq_hw_op_desc d;
	u32 f;

	memset(&d, 0xa5, sizeof(d));
	fpq_desc_build_op(&op, slot_va, &d);
	/* C = E5M2, B = E2M3, A = E4M3, opcode GEMM */
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.op), 0x03050201u);
	f = le32_to_cpu(d.flags);
	KUNIT_EXPECT_EQ(test, f, (u32)(FPQ_HW_OP_DESC_FLAGS_ALPHA_BCAST_MASK |
				       FPQ_HW_OP_DESC_FLAGS_QUANT_NONSAT_MASK |
				       FPQ_HW_OP_DESC_FLAGS_A_SCALES_MASK |
				       FPQ_HW_OP_DESC_FLAGS_B_SCALES_MASK |
				       FPQ_HW_OP_DESC_FLAGS_C_SCALES_MASK |
				       FPQ_HW_OP_DESC_FLAGS_HAS_ALPHA_MASK |
				       FPQ_HW_OP_DESC_FLAGS_HAS_BETA_MASK));
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.m), 3u);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.n), 64u);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.k), 96u);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.act), (u32)FPQ_HW_ACT_CLAMP);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(d.a_addr), 0x1010ull);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(d.b_addr), 0x201000ull);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(d.c_addr), 0x3ff00000ull);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.a_stride), 96u);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.b_stride), 72u);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.c_stride), 64u);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.a_zero), 0u);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(d.sa_addr), 0x200008ull);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(d.sb_addr), 0x200040ull);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(d.sc_addr), 0x3ff00200ull);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.sa_stride), 3u);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.sb_stride), 4u);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.sc_stride), 2u);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.clamp_lo), 0xbf800000u);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.clamp_hi), 0x40000000u);
	/* libfpq's INT8 defaults do not reach the card: it wants zeros. */
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.out_zero), 0u);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.act_min), 0u);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.act_max), 0u);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(d.alpha_addr), 0x200064ull);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(d.beta_addr), 0x10c8ull);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(d.bias_addr), 0ull);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(d.mult_addr), 0ull);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(d.shift_addr), 0ull);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(d.out_scale_addr), 0ull);
	KUNIT_EXPECT_TRUE(test, !d.rsvd0 && !d.rsvd1 && !d.rsvd2 && !d.rsvd3 && !d.rsvd4 &&
			  !d.rsvd5 && !d.rsvd6 && !d.rsvd7 && !d.rsvd8 && !d.rsvd9 && !d.rsvd10);
}

/* Without clamp the bounds are not sent; without scales no scale field is set. */
static void fpq_desc_unused_fields_zero(struct kunit *test)
{
	struct fpq_op op = full_float_op();
	struct fpq_hw_op_desc d;

	op.act = DRM_FPQ_ACT_RELU;
	op.clamp_lo = 0xff800000;
	op.clamp_hi = 0x7f800000;
	op.a.has_scales = false;
	op.b.has_scales = false;
	op.c.has_scales = false;
	op.alpha.present = false;
	op.beta.present = false;
	op.flags = 0;
	memset(&d, 0xff, sizeof(d));
	fpq_desc_build_op(&op, slot_va, &d);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.flags), 0u);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.act), (u32)FPQ_HW_ACT_RELU);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.clamp_lo), 0u);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.clamp_hi), 0u);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(d.sa_addr) | le64_to_cpu(d.sb_addr) |
			le64_to_cpu(d.sc_addr), 0ull);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.sa_stride) | le32_to_cpu(d.sb_stride) |
			le32_to_cpu(d.sc_stride), 0u);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(d.alpha_addr) | le64_to_cpu(d.beta_addr), 0ull);
}

static void fpq_desc_int8_op(struct kunit *test)
{
	struct fpq_op op = {
		.m = 1, .n = 5, .k = 65536, .int8_path = true,
		.flags = DRM_FPQ_GEMM_REQUANT_BROADCAST,
		.a = { .format = DRM_FPQ_FMT_INT8, .slot = 0, .stride = 65536, .zero_point = -7 },
		.b = { .format = DRM_FPQ_FMT_INT8, .slot = 1, .stride = 65536 },
		.c = { .format = DRM_FPQ_FMT_INT8, .slot = 2, .stride = 5 },
		.bias = { .present = true, .slot = 2, .offset = 64 },
		.requant_mult = { .present = true, .broadcast = true, .slot = 2, .offset = 128 },
		.requant_shift = { .present = true, .broadcast = true, .slot = 2, .offset = 132 },
		.out_zero = -3, .act_min = -100, .act_max = 99,
		.clamp_lo = 0xff800000, .clamp_hi = 0x7f800000,
	};
	struct fpq_hw_op_desc d;

	fpq_desc_build_op(&op, slot_va, &d);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.op), 0x01010101u);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.flags),
			(u32)(FPQ_HW_OP_DESC_FLAGS_REQUANT_BCAST_MASK |
			      FPQ_HW_OP_DESC_FLAGS_HAS_BIAS_MASK));
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.k), 65536u);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.act), 0u);
	KUNIT_EXPECT_EQ(test, (s32)le32_to_cpu(d.a_zero), -7);
	KUNIT_EXPECT_EQ(test, (s32)le32_to_cpu(d.out_zero), -3);
	KUNIT_EXPECT_EQ(test, (s32)le32_to_cpu(d.act_min), -100);
	KUNIT_EXPECT_EQ(test, (s32)le32_to_cpu(d.act_max), 99);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.clamp_lo) | le32_to_cpu(d.clamp_hi), 0u);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(d.bias_addr), 0x3ff00040ull);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(d.mult_addr), 0x3ff00080ull);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(d.shift_addr), 0x3ff00084ull);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(d.out_scale_addr), 0ull);

	/* int32 output: the requantization fields stay zero even if set. */
	op.c.format = DRM_FPQ_FMT_INT32;
	fpq_desc_build_op(&op, slot_va, &d);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(d.out_zero) | le32_to_cpu(d.act_min) |
			le32_to_cpu(d.act_max), 0u);
}

static void fpq_desc_job(struct kunit *test)
{
	struct fpq_hw_job_desc jd;
	u32 h;

	memset(&jd, 0xff, sizeof(jd));
	fpq_desc_build_job(&jd, 255, 0x123456789ull, 0xabc000, 0x7000, 0xabcf00);
	h = le32_to_cpu(jd.header);
	KUNIT_EXPECT_EQ(test, FIELD_GET(FPQ_HW_JOB_DESC_HEADER_KIND_MASK, h),
			(u32)FPQ_HW_JOB_KIND_GEMM);
	KUNIT_EXPECT_EQ(test, FIELD_GET(FPQ_HW_JOB_DESC_HEADER_NUM_OPS_MASK, h), 255u);
	KUNIT_EXPECT_TRUE(test, h & FPQ_HW_JOB_DESC_HEADER_IRQ_MASK);
	KUNIT_EXPECT_EQ(test, h & FPQ_HW_JOB_DESC_HEADER_RSVD_MASK, 0u);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(jd.rsvd0), 0u);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(jd.fence), 0x123456789ull);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(jd.ops_addr), 0xabc000ull);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(jd.pt_root), 0x7000ull);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(jd.completion_addr), 0xabcf00ull);
	KUNIT_EXPECT_EQ(test, jd.rsvd1 | jd.rsvd2 | jd.rsvd3, 0ull);
}

static void fpq_desc_control_block(struct kunit *test)
{
	/* ops descriptors, then the completion header, then one record per op */
	KUNIT_EXPECT_EQ(test, fpq_desc_completion_offset(1), (size_t)256);
	KUNIT_EXPECT_EQ(test, fpq_desc_ctl_bytes(1), (size_t)(256 + 32 + 32));
	KUNIT_EXPECT_EQ(test, fpq_desc_ctl_bytes(255), (size_t)(255 * 288 + 32));
	KUNIT_EXPECT_EQ(test, fpq_desc_completion_offset(255) % 32, (size_t)0);
}

static void fpq_desc_errnos(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, fpq_desc_errno(FPQ_HW_ERR_OK), 0);
	KUNIT_EXPECT_EQ(test, fpq_desc_errno(FPQ_HW_ERR_PAGE_UNMAPPED), -EFAULT);
	KUNIT_EXPECT_EQ(test, fpq_desc_errno(FPQ_HW_ERR_PAGE_PERMISSION), -EFAULT);
	KUNIT_EXPECT_EQ(test, fpq_desc_errno(FPQ_HW_ERR_PAGE_BAD_ENTRY), -EFAULT);
	KUNIT_EXPECT_EQ(test, fpq_desc_errno(FPQ_HW_ERR_BAD_JOB), -EIO);
	KUNIT_EXPECT_EQ(test, fpq_desc_errno(FPQ_HW_ERR_BAD_OPCODE), -EIO);
	KUNIT_EXPECT_EQ(test, fpq_desc_errno(FPQ_HW_ERR_RESERVED), -EIO);
	KUNIT_EXPECT_EQ(test, fpq_desc_errno(FPQ_HW_ERR_BAD_FORMAT), -EIO);
	KUNIT_EXPECT_EQ(test, fpq_desc_errno(FPQ_HW_ERR_BAD_SHAPE), -EIO);
	KUNIT_EXPECT_EQ(test, fpq_desc_errno(FPQ_HW_ERR_DMA_READ), -EIO);
	KUNIT_EXPECT_EQ(test, fpq_desc_errno(FPQ_HW_ERR_DMA_WRITE), -EIO);
	KUNIT_EXPECT_EQ(test, fpq_desc_errno(FPQ_HW_ERR_CHECKSUM), -EIO);
	KUNIT_EXPECT_EQ(test, fpq_desc_errno(12345), -EIO);
}

static void fpq_desc_completion(struct kunit *test)
{
	struct {
		struct fpq_hw_completion c;
		struct fpq_hw_op_status op[3];
	} rec = {
		.c = { .fence = cpu_to_le64(9), .status = cpu_to_le32(FPQ_HW_ERR_DMA_READ),
		       .ops_done = cpu_to_le32(2), .cycles = cpu_to_le64(0x100000000ull),
		       .error_addr = cpu_to_le64(0x1234567000ull) },
		.op = {
			{ cpu_to_le32(5), cpu_to_le32(6), cpu_to_le32(7), cpu_to_le32(8),
			  cpu_to_le64(11), cpu_to_le64(99) },
			{ cpu_to_le32(0xffffffff), 0, 0, 0, cpu_to_le64(12), 0 },
			{ 0 },
		},
	};
	struct drm_fpq_op_status ops[3];
	struct drm_fpq_job_status st;

	memset(&st, 0xff, sizeof(st));
	fpq_desc_read_completion(&rec, 3, &st, ops);
	KUNIT_EXPECT_EQ(test, st.error, -EIO);
	KUNIT_EXPECT_EQ(test, st.hw_error, (u32)FPQ_HW_ERR_DMA_READ);
	KUNIT_EXPECT_EQ(test, st.ops_done, 2u);
	KUNIT_EXPECT_EQ(test, st.cycles, 0x100000000ull);
	KUNIT_EXPECT_EQ(test, st.clamped, 5ull + 0xffffffff);	/* summed in 64 bits */
	KUNIT_EXPECT_EQ(test, st.pad, 0u);
	KUNIT_EXPECT_EQ(test, st.fault_addr, 0x1234567000ull);
	KUNIT_EXPECT_EQ(test, st.runs, 0u);	/* the job's, filled in by fpq_job.c */
	KUNIT_EXPECT_EQ(test, st.reserved, 0u);
	KUNIT_EXPECT_EQ(test, ops[0].clamped, 5ull);
	KUNIT_EXPECT_EQ(test, ops[0].saturated, 6ull);
	KUNIT_EXPECT_EQ(test, ops[0].nan_to_zero, 7ull);
	KUNIT_EXPECT_EQ(test, ops[0].overflowed, 8ull);
	KUNIT_EXPECT_EQ(test, ops[0].cycles, 11ull);
	KUNIT_EXPECT_EQ(test, ops[0].reserved, 0ull);
	KUNIT_EXPECT_EQ(test, ops[1].cycles, 12ull);
	KUNIT_EXPECT_EQ(test, ops[2].clamped | ops[2].cycles, 0ull);

	/* A card reporting more operations done than the job has is not believed. */
	rec.c.ops_done = cpu_to_le32(1000);
	rec.c.status = 0;
	fpq_desc_read_completion(&rec, 3, &st, NULL);
	KUNIT_EXPECT_EQ(test, st.ops_done, 3u);
	KUNIT_EXPECT_EQ(test, st.error, 0);
}

static struct kunit_case fpq_desc_cases[] = {
	KUNIT_CASE(fpq_desc_float_op),
	KUNIT_CASE(fpq_desc_unused_fields_zero),
	KUNIT_CASE(fpq_desc_int8_op),
	KUNIT_CASE(fpq_desc_job),
	KUNIT_CASE(fpq_desc_control_block),
	KUNIT_CASE(fpq_desc_errnos),
	KUNIT_CASE(fpq_desc_completion),
	{}
};

static struct kunit_suite fpq_desc_suite = {
	.name = "fpq_desc",
	.test_cases = fpq_desc_cases,
};

kunit_test_suite(fpq_desc_suite);
