// SPDX-License-Identifier: MIT
/*
 * uapi_enums_test.c - the UAPI's format, activation and flag values are libfpq's: the
 * device backend passes them through unchanged, so they must never drift apart.
 */
#include <stddef.h>

#include "fpq.h"
#include "fpq_drm.h"
#include "harness.h"

static void formats_match_libfpq(void)
{
	static const struct {
		const char *name;
		int uapi, lib;
	} f[] = {
		{ "invalid", DRM_FPQ_FMT_INVALID, FPQ_FMT_INVALID },
		{ "int8", DRM_FPQ_FMT_INT8, FPQ_FMT_INT8 },
		{ "e4m3", DRM_FPQ_FMT_E4M3, FPQ_FMT_E4M3 },
		{ "e5m2", DRM_FPQ_FMT_E5M2, FPQ_FMT_E5M2 },
		{ "e3m2", DRM_FPQ_FMT_E3M2, FPQ_FMT_E3M2 },
		{ "e2m3", DRM_FPQ_FMT_E2M3, FPQ_FMT_E2M3 },
		{ "e2m1", DRM_FPQ_FMT_E2M1, FPQ_FMT_E2M1 },
		{ "mxint8", DRM_FPQ_FMT_MXINT8, FPQ_FMT_MXINT8 },
		{ "e8m0", DRM_FPQ_FMT_E8M0, FPQ_FMT_E8M0 },
		{ "int32", DRM_FPQ_FMT_INT32, FPQ_FMT_INT32 },
		{ "fp32", DRM_FPQ_FMT_FP32, FPQ_FMT_FP32 },
		{ "bf16", DRM_FPQ_FMT_BF16, FPQ_FMT_BF16 },
		{ "count", DRM_FPQ_FMT_COUNT, FPQ_FMT_COUNT },
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		CHECK(f[i].uapi == f[i].lib, "format %s: UAPI %d, libfpq %d", f[i].name,
		      f[i].uapi, f[i].lib);
		if (f[i].lib != FPQ_FMT_COUNT && f[i].lib != FPQ_FMT_INVALID)
			CHECK(fpq_format_from_name(f[i].name) == (enum fpq_format)f[i].uapi,
			      "libfpq calls code %d something else than %s", f[i].uapi,
			      f[i].name);
	}
}

static void activations_match_libfpq(void)
{
	CHECK_EQ_U(DRM_FPQ_ACT_NONE, FPQ_ACT_NONE);
	CHECK_EQ_U(DRM_FPQ_ACT_RELU, FPQ_ACT_RELU);
	CHECK_EQ_U(DRM_FPQ_ACT_CLAMP, FPQ_ACT_CLAMP);
}

static void gemm_flags_match_libfpq(void)
{
	CHECK_EQ_U(DRM_FPQ_GEMM_ALPHA_BROADCAST, FPQ_GEMM_ALPHA_BROADCAST);
	CHECK_EQ_U(DRM_FPQ_GEMM_BETA_BROADCAST, FPQ_GEMM_BETA_BROADCAST);
	CHECK_EQ_U(DRM_FPQ_GEMM_REQUANT_BROADCAST, FPQ_GEMM_REQUANT_BROADCAST);
	CHECK_EQ_U(DRM_FPQ_GEMM_SCALE_BROADCAST, FPQ_GEMM_SCALE_BROADCAST);
	CHECK_EQ_U(DRM_FPQ_GEMM_QUANT_NONSAT, FPQ_GEMM_QUANT_NONSAT);
	/* libfpq's one flag more: REQUANT_FP32 runs on the host after an int32 job. */
	CHECK_EQ_U(DRM_FPQ_GEMM_FLAGS_ALL | FPQ_GEMM_REQUANT_FP32, FPQ_GEMM_FLAGS_ALL);
	CHECK_EQ_U(DRM_FPQ_GEMM_FLAGS_ALL & FPQ_GEMM_REQUANT_FP32, 0);
}

static void limits_match_libfpq(void)
{
	/* The kernel's INT8 K limit and MX block size are numerics.rst's. */
	CHECK_EQ_U(FPQ_INT8_MAX_K, 65536u);
	CHECK_EQ_U(FPQ_MX_BLOCK, 32u);
}

static void ioctl_numbers_distinct(void)
{
	const unsigned long nr[] = { DRM_IOCTL_FPQ_GET_PARAM, DRM_IOCTL_FPQ_BO_CREATE,
				     DRM_IOCTL_FPQ_BO_INFO, DRM_IOCTL_FPQ_SUBMIT,
				     DRM_IOCTL_FPQ_WAIT };

	for (size_t i = 0; i < sizeof(nr) / sizeof(nr[0]); i++) {
		unsigned int type = _IOC_TYPE(nr[i]), number = _IOC_NR(nr[i]);
		unsigned int size = _IOC_SIZE(nr[i]);

		CHECK(type == DRM_IOCTL_BASE, "ioctl %zu has type 0x%x", i, type);
		CHECK(number == DRM_COMMAND_BASE + i, "ioctl %zu has number 0x%x", i, number);
		CHECK((size & 7) == 0, "ioctl %zu has size %u", i, size);
	}
}

int main(void)
{
	RUN(formats_match_libfpq);
	RUN(activations_match_libfpq);
	RUN(gemm_flags_match_libfpq);
	RUN(limits_match_libfpq);
	RUN(ioctl_numbers_distinct);
	return harness_report();
}
