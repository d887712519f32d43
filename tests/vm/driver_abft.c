// SPDX-License-Identifier: MIT
/*
 * driver_abft.c - driver_test abft: the card's ABFT checksums end to end
 * (Documentation/driver.rst, "What the driver promises under faults"):
 *
 * a processing element's accumulator bit held stuck (fault_inject "pe ...") during an
 * INT8 GEMM makes the job fail with -EIO, cause CHECKSUM and the tile in fault_addr,
 * the tile not written, counted by the driver (faults_checksum) and the card
 * (abft_errors); the next job is exact; libfpq reports the mismatch with its tile,
 * falls back to the CPU (exact, counted in the status) or re-runs on the card, as the
 * context's fault policy says.
 *
 * Skips, saying why, while the card has no checksums (CAP_FEATURES.ABFT 0).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "driver_scenarios.h"
#include "vm_check.h"

/* Held at 1 on non-negative accumulators, bit 30 changes every value the PE makes. */
#define STUCK_PE "pe 0 0 30 acc 0 stuck1"
#define CAUSE_CHECKSUM 11

/*
 * An INT8 x INT8 -> INT32 case of 2 x 2 tiles whose operands are non-negative (so
 * every accumulator is, and the stuck bit changes each output of its PE).
 */
static int positive_case(struct gemm_case *gc, uint32_t rows, uint32_t cols, uint32_t seed)
{
	const struct gemm_spec s = vm_spec(FPQ_FMT_INT8, FPQ_FMT_INT8, FPQ_FMT_INT32,
					   2 * rows, 2 * cols, 24, false, false, 0, 0);
	struct rng r = rng_seeded(seed);
	struct fpq_gemm_op ref;
	int err = gemm_case_make(gc, &s, &r);

	if (err)
		return err;
	for (uint32_t i = 0; i < gc->op.a.rows; i++)
		for (uint32_t k = 0; k < gc->op.a.cols; k++)
			fpq_matrix_set(&gc->op.a, i, k, fpq_matrix_get(&gc->op.a, i, k) & 0x7F);
	for (uint32_t j = 0; j < gc->op.b.rows; j++)
		for (uint32_t k = 0; k < gc->op.b.cols; k++)
			fpq_matrix_set(&gc->op.b, j, k, fpq_matrix_get(&gc->op.b, j, k) & 0x7F);
	ref = gc->op;
	ref.c = gc->ref.m;
	err = fpq_gemm_reference(&ref, &gc->ref_status);
	if (err)
		gemm_case_free(gc);
	return err;
}

/* The card did not write the tile at (m0, n0): its C bytes are as they started. */
static int tile_untouched(const struct gemm_case *gc, const struct arena *ar,
			  const struct vm_op *vo, uint32_t m0, uint32_t n0, uint32_t rows,
			  uint32_t cols)
{
	const struct fpq_matrix *c = &gc->op.c;
	/* INT32 C: 4 bytes an element; stride 0 means rows packed. */
	size_t stride = c->stride ? c->stride : (size_t)c->cols * 4;

	for (uint32_t i = m0; i < m0 + rows && i < c->rows; i++) {
		size_t at = i * stride + (size_t)n0 * 4;
		size_t len = (size_t)((n0 + cols < c->cols ? n0 + cols : c->cols) - n0) * 4;

		if (memcmp(ar->map + vo->c_off + at, (const uint8_t *)c->data + at, len))
			return 0;
	}
	return 1;
}

/* libfpq on the card with a stuck PE, under one fault policy (context flags). */
static void lib_run(struct vdev *d, unsigned int flags, uint32_t rows, uint32_t cols)
{
	struct fpq_context_opts o = { FPQ_BACKEND_CARD, flags, 1 };
	struct fpq_context *ctx = NULL;
	struct fpq_gemm_status st = { 0 };
	struct gemm_case gc;
	const char *policy = flags & FPQ_CTX_FAULT_REPORT ? "report" :
			     flags & FPQ_CTX_FAULT_RERUN ? "rerun" : "cpu";
	int err;

	if (positive_case(&gc, rows, cols, 41)) {
		CHECK(0, "libfpq %s: the case", policy);
		return;
	}
	CHECK(fpq_context_create(&o, &ctx) == 0, "libfpq %s: card context", policy);
	if (!ctx) {
		gemm_case_free(&gc);
		return;
	}
	CHECK(fpq_context_fault_policy(ctx) == (flags & FPQ_CTX_FAULT_REPORT ? FPQ_FAULT_REPORT :
						flags & FPQ_CTX_FAULT_RERUN ? FPQ_FAULT_RERUN :
						FPQ_FAULT_CPU), "libfpq %s: policy", policy);
	CHECK(inject(d, STUCK_PE) == 0, "libfpq %s: arm the PE fault", policy);
	err = fpq_gemm(ctx, &gc.op, &st);
	if (flags & FPQ_CTX_FAULT_REPORT) {
		CHECK(err == -EIO, "libfpq report: -EIO, got %d", err);
		CHECK(strstr(fpq_strerror(err), "checksum mismatch in tile (") != NULL,
		      "libfpq report: message: %s", fpq_strerror(err));
		printf("  libfpq reports: %s\n", fpq_strerror(err));
	} else {
		CHECK(err == 0, "libfpq %s: recovered, got %d (%s)", policy, err,
		      fpq_strerror(err));
		CHECK(gemm_case_compare(&gc, gc.op.c.data, NULL, "libfpq") == 0,
		      "libfpq %s: the result is the reference's, bit for bit", policy);
		CHECK(st.card_faults == 1 && st.checksum_errors == 1,
		      "libfpq %s: status counts %u card fault(s), %u checksum error(s)", policy,
		      st.card_faults, st.checksum_errors);
		CHECK(st.backend == (flags & FPQ_CTX_FAULT_RERUN ? FPQ_BACKEND_CARD :
				     FPQ_BACKEND_CPU) &&
		      st.card_reruns == (flags & FPQ_CTX_FAULT_RERUN ? 1u : 0u),
		      "libfpq %s: ran on %s, %u re-run(s)", policy, fpq_backend_name(st.backend),
		      st.card_reruns);
	}
	fpq_context_destroy(ctx);
	gemm_case_free(&gc);
}

int t_abft(void)
{
	struct drm_fpq_job_status js;
	struct gemm_case gc;
	struct vm_op vo;
	struct arena ar;
	struct vdev d;
	int64_t checksum0, failed0, errors0;
	uint32_t rows, cols, m0, n0;
	uint64_t id;
	int r = open_or_skip(&d);

	if (r)
		return r;
	if (!(d.param[DRM_FPQ_PARAM_FEATURES] & DRM_FPQ_FEATURE_FAULT_INJECT)) {
		printf("SKIP the card has no fault injection\n");
		vdev_close(&d);
		return 77;
	}
	if (!(d.param[DRM_FPQ_PARAM_FEATURES] & DRM_FPQ_FEATURE_ABFT)) {
		printf("SKIP the card has no ABFT checksums (CAP_FEATURES.ABFT is 0): this "
		       "scenario must run once the card has them\n");
		vdev_close(&d);
		return 77;
	}
	rows = (uint32_t)d.param[DRM_FPQ_PARAM_ARRAY_ROWS];
	cols = (uint32_t)d.param[DRM_FPQ_PARAM_ARRAY_COLS];
	checksum0 = vdev_sysfs_counter(&d, "faults_checksum");
	failed0 = vdev_sysfs_counter(&d, "jobs_failed");
	errors0 = vdev_sysfs_counter(&d, "abft_errors");
	CHECK(arena_init(&d, &ar, 256 << 10) == 0, "arena");
	CHECK(positive_case(&gc, rows, cols, 40) == 0, "case");
	CHECK(vm_op_place(&vo, &gc, &ar) == 0, "place");

	CHECK(inject(&d, STUCK_PE) == 0, "arm the PE fault (%s)", STUCK_PE);
	CHECK(vdev_submit(&d, &vo.drm, 1, 0, 0, &id) == 0, "submit");
	r = vdev_wait(&d, id, 100000, &js, NULL, 0);
	CHECK(r == 0 && js.error == -EIO && js.hw_error == CAUSE_CHECKSUM,
	      "wait %d, status %d, cause %u: -EIO, CHECKSUM", r, js.error, js.hw_error);
	m0 = (uint32_t)(js.fault_addr & 0xFFFF);
	n0 = (uint32_t)(js.fault_addr >> 16 & 0xFFFF);
	printf("  checksum mismatch in tile (%u, %u) of a %ux%u INT8 GEMM on a %ux%u array\n",
	       m0, n0, gc.op.a.rows, gc.op.b.rows, rows, cols);
	CHECK(js.fault_addr >> 32 == 0 && m0 % rows == 0 && m0 < gc.op.a.rows &&
	      n0 % cols == 0 && n0 < gc.op.b.rows, "fault_addr %#llx names a tile",
	      (unsigned long long)js.fault_addr);
	CHECK(js.ops_done == 0 && js.runs == 1, "operation %u, %u run(s)", js.ops_done, js.runs);
	CHECK(tile_untouched(&gc, &ar, &vo, m0, n0, rows, cols), "the tile was not written");
	CHECK(vdev_sysfs_counter(&d, "faults_checksum") == checksum0 + 1, "faults_checksum up");
	CHECK(vdev_sysfs_counter(&d, "jobs_failed") == failed0 + 1, "jobs_failed up");
	CHECK(vdev_sysfs_counter(&d, "abft_errors") >= errors0 + 1 ||
	      vdev_sysfs_counter(&d, "abft_errors") == 1, "the card's abft_errors up");

	/* The next job is exact: the fault was one job's. */
	vm_op_reset(&vo, &gc, &ar);
	CHECK(vdev_submit(&d, &vo.drm, 1, 0, 0, &id) == 0, "submit again");
	CHECK(vdev_wait(&d, id, 100000, &js, NULL, 0) == 0 && js.error == 0,
	      "next job: %d", js.error);
	CHECK(vm_op_check(&vo, &gc, &ar, NULL) == 0, "next job exact");
	gemm_case_free(&gc);
	arena_fini(&d, &ar);

	lib_run(&d, 0, rows, cols);
	lib_run(&d, FPQ_CTX_FAULT_RERUN, rows, cols);
	lib_run(&d, FPQ_CTX_FAULT_REPORT, rows, cols);
	CHECK(one_gemm(&d, 43) == 0, "GEMM afterwards");
	vdev_close(&d);
	return finish("abft");
}
