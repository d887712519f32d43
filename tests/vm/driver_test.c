// SPDX-License-Identifier: MIT
/*
 * driver_test.c - the driver's tests inside the co-simulation VM (make check SUITES="vm vm-launcher"), run
 * as root against fpq.ko and the Verilated card:
 *
 *   driver_test info        identity and parameters
 *   driver_test buffers     create, mmap, info, PRIME export and import, close
 *   driver_test gemm        every format pair and output mode vs libfpq's reference,
 *                           bit for bit, through the UAPI
 *   driver_test isolation   two processes at once; the other's handles give ENOENT
 *   driver_test fuzz [N]    N random bad ioctls (default 3000); the kernel log must
 *                           stay clean (the launcher checks it)
 *   driver_test hang        injected hang -> -ETIMEDOUT within timeout + slack, then a
 *                           job succeeds; injected DMA error -> -EIO, then success
 *   driver_test reload [N]  rmmod/insmod cycles, a GEMM after each
 *   driver_test killed      a process killed mid-job leaks no job and no buffer
 *
 * and the scenarios of driver_lifetime.c (fence-rmmod, killed-rmmod [N], hot-remove),
 * driver_memory.c (bounce, pinning, detached-limit) and driver_abft.c (abft).
 *
 * Each prints one line per check and exits 0 (pass), 1 (fail) or 77 (skip).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "driver_scenarios.h"
#include "vm_check.h"
#include "vm_dev.h"
#include "vm_gemm.h"

int failures;

int open_or_skip(struct vdev *d)
{
	if (vdev_open(d)) {
		printf("SKIP no fpq node\n");
		return 77;
	}
	return 0;
}

/* ---- info -------------------------------------------------------------------------- */

static int t_info(void)
{
	static const char *const names[DRM_FPQ_PARAM_COUNT] = {
		"driver_version", "pci_id", "hw_id", "hw_version", "array_rows", "array_cols",
		"input_formats", "output_formats", "features", "max_m", "max_n", "max_k",
		"max_ops", "max_bo_size", "offset_align", "job_timeout_ms", "clock_khz",
		"va_size",
	};
	struct drm_fpq_get_param p = { .param = DRM_FPQ_PARAM_COUNT };
	struct vdev d;
	int r = open_or_skip(&d);

	if (r)
		return r;
	printf("  node             %s (PCI %s)\n", d.node, d.pci);
	for (unsigned int i = 0; i < DRM_FPQ_PARAM_COUNT; i++)
		printf("  %-16s 0x%llx\n", names[i], (unsigned long long)d.param[i]);
	/* A kernel with the accel subsystem must get the accel node, others the render node. */
	CHECK(d.accel == (access("/sys/class/accel", F_OK) == 0), "node kind %s",
	      d.accel ? "accel" : "render");
	CHECK(d.param[DRM_FPQ_PARAM_HW_ID] == 0x46505131, "identity");
	CHECK(d.param[DRM_FPQ_PARAM_DRIVER_VERSION] >> 32 == 1, "driver major");
	CHECK(d.param[DRM_FPQ_PARAM_PCI_ID] == 0x1234f0a1, "PCI id");
	CHECK(d.param[DRM_FPQ_PARAM_VA_SIZE] == 1ull << 30, "address space");
	CHECK(d.param[DRM_FPQ_PARAM_MAX_OPS] >= 1, "max ops");
	CHECK(d.param[DRM_FPQ_PARAM_INPUT_FORMATS] & (1u << DRM_FPQ_FMT_INT8), "int8 built");
	CHECK(vioctl(d.fd, DRM_IOCTL_FPQ_GET_PARAM, &p) == -EINVAL, "unknown parameter");
	vdev_close(&d);
	return finish("info");
}

/* ---- buffers ----------------------------------------------------------------------- */

static int t_buffers(void)
{
	struct vdev d, d2;
	struct drm_fpq_bo_create c = { .size = 3 * 4096 + 1 };
	struct drm_fpq_bo_info info = { 0 };
	struct drm_prime_handle exp = { 0 }, imp = { 0 };
	uint8_t *p, *p2, *pd;
	int r = open_or_skip(&d);

	if (r)
		return r;
	CHECK(vdev_open(&d2) == 0, "second open");
	CHECK(vioctl(d.fd, DRM_IOCTL_FPQ_BO_CREATE, &c) == 0, "create");
	CHECK(c.size == 4 * 4096, "size rounded to pages: %llu", (unsigned long long)c.size);
	info.handle = c.handle;
	CHECK(vioctl(d.fd, DRM_IOCTL_FPQ_BO_INFO, &info) == 0, "info");
	CHECK(info.size == c.size && info.mmap_offset == c.mmap_offset, "info agrees");
	p = mmap(NULL, c.size, PROT_READ | PROT_WRITE, MAP_SHARED, d.fd, c.mmap_offset);
	CHECK(p != MAP_FAILED, "mmap");
	if (p == MAP_FAILED)
		return finish("buffers");
	for (size_t i = 0; i < c.size; i++)
		p[i] = (uint8_t)(i * 7 + 1);

	exp.handle = c.handle;
	exp.flags = DRM_CLOEXEC | DRM_RDWR;
	CHECK(vioctl(d.fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &exp) == 0, "PRIME export");
	imp.fd = exp.fd;
	CHECK(vioctl(d2.fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp) == 0, "PRIME import");
	p2 = vdev_bo_map(&d2, imp.handle, c.size);
	CHECK(p2 != NULL, "mmap of the imported buffer");
	pd = mmap(NULL, c.size, PROT_READ | PROT_WRITE, MAP_SHARED, exp.fd, 0);
	CHECK(pd != MAP_FAILED, "mmap of the dma-buf");
	if (p2 && pd != MAP_FAILED) {
		CHECK(memcmp(p, p2, c.size) == 0, "import sees the exporter's bytes");
		CHECK(memcmp(p, pd, c.size) == 0, "dma-buf sees them");
		p2[100] = 0x5a;
		CHECK(p[100] == 0x5a, "exporter sees the importer's write");
	}

	/* The imported buffer works in a job of the importing file. */
	{
		struct drm_fpq_gemm g = {
			.m = 1, .n = 1, .k = 4,
			.a = { .handle = imp.handle, .format = DRM_FPQ_FMT_INT8, .offset = 0 },
			.b = { .handle = imp.handle, .format = DRM_FPQ_FMT_INT8, .offset = 64 },
			.c = { .handle = imp.handle, .format = DRM_FPQ_FMT_INT32, .offset = 8192 },
			.clamp_lo = 0xff800000, .clamp_hi = 0x7f800000,
			.act_min = -128, .act_max = 127,
		};
		struct drm_fpq_job_status st;
		uint64_t id;
		int32_t want = 0, got;

		for (int k = 0; k < 4; k++)
			want += (int8_t)p[k] * (int8_t)p[64 + k];
		CHECK(vdev_submit(&d2, &g, 1, 0, 0, &id) == 0, "submit on an imported buffer");
		CHECK(vdev_wait(&d2, id, 60000, &st, NULL, 0) == 0 && st.error == 0,
		      "job on an imported buffer: %d", st.error);
		memcpy(&got, p + 8192, 4);
		CHECK(got == want, "int8 dot product through the import: %d, want %d", got, want);
	}

	if (p2)
		munmap(p2, c.size);
	if (pd != MAP_FAILED)
		munmap(pd, c.size);
	munmap(p, c.size);
	close(exp.fd);
	CHECK(vdev_bo_close(&d2, imp.handle) == 0, "close the import");
	CHECK(vdev_bo_close(&d, c.handle) == 0, "close");
	CHECK(vioctl(d.fd, DRM_IOCTL_FPQ_BO_INFO, &info) == -ENOENT, "closed handle: ENOENT");
	CHECK(vdev_bo_close(&d, c.handle) == -EINVAL, "double close");
	vdev_close(&d2);
	vdev_close(&d);
	return finish("buffers");
}

/* ---- gemm -------------------------------------------------------------------------- */

static const enum fpq_format float_formats[] = {
	FPQ_FMT_E4M3, FPQ_FMT_E5M2, FPQ_FMT_E3M2, FPQ_FMT_E2M3, FPQ_FMT_E2M1, FPQ_FMT_MXINT8,
};
#define N_FLOAT (sizeof(float_formats) / sizeof(float_formats[0]))

/*
 * A case of the gemm scenario: any element code (NaN and Inf included), scales near 2^0,
 * @pad packing groups at most after each row, and epilogue options picked by the bits
 * of @v so that every one of them crosses the UAPI: INT8 path - bias (1), broadcast
 * requantization or output scale (2); float path - alpha (1), beta (2), alpha broadcast
 * (4), activation v / 8 % 3, non-saturating e4m3/e5m2 output (16).
 */
struct gemm_spec vm_spec(enum fpq_format a, enum fpq_format b, enum fpq_format c,
				 uint32_t m, uint32_t n, uint32_t k, bool mx, bool c_mx,
				 unsigned int pad, unsigned int v)
{
	struct gemm_spec s = { .a = a, .b = b, .c = c, .m = m, .n = n, .k = k,
			       .a_scales = mx, .b_scales = mx, .c_scales = c_mx, .pad = pad,
			       .a_data = DATA_UNIFORM, .b_data = DATA_UNIFORM,
			       .a_scale_data = SCALES_NEAR, .b_scale_data = SCALES_NEAR };

	if (a == FPQ_FMT_INT8) {
		s.arrays = v & 1 ? GEMM_BIAS : 0;
		s.broadcast = v & 2 ? FPQ_GEMM_REQUANT_BROADCAST | FPQ_GEMM_SCALE_BROADCAST : 0;
	} else {
		s.arrays = (v & 1 ? GEMM_ALPHA : 0) | (v & 2 ? GEMM_BETA : 0);
		s.broadcast = v & 4 ? FPQ_GEMM_ALPHA_BROADCAST : 0;
		s.act = (enum fpq_activation)(v / 8 % 3);
		s.nonsat = (v & 16) && (c == FPQ_FMT_E4M3 || c == FPQ_FMT_E5M2);
	}
	return s;
}

static unsigned int build_specs(struct gemm_spec *s)
{
	static const enum fpq_format narrow[] = {
		FPQ_FMT_BF16, FPQ_FMT_E4M3, FPQ_FMT_E5M2, FPQ_FMT_E3M2, FPQ_FMT_E2M3,
		FPQ_FMT_E2M1, FPQ_FMT_MXINT8, FPQ_FMT_INT8,
	};
	unsigned int n = 0, v = 0;

	/* Every float pair, MX-scaled or not, with varying epilogues. */
	for (unsigned int a = 0; a < N_FLOAT; a++)
		for (unsigned int b = 0; b < N_FLOAT; b++, v++)
			s[n++] = vm_spec(float_formats[a], float_formats[b],
						      FPQ_FMT_FP32, 3, 5, 64, v & 1, false,
						      (v % 3) * 3, v);
	/* Every output of the float path, non-saturating where it exists, MX output. */
	for (unsigned int o = 0; o < sizeof(narrow) / sizeof(narrow[0]); o++, v++)
		s[n++] = vm_spec(FPQ_FMT_E4M3, FPQ_FMT_E2M3, narrow[o], 4, 7, 32,
					      true, false, 0, v | 16);
	s[n++] = vm_spec(FPQ_FMT_E4M3, FPQ_FMT_E4M3, FPQ_FMT_E4M3, 2, 32, 32,
				      true, true, 0, 9);
	s[n++] = vm_spec(FPQ_FMT_E2M1, FPQ_FMT_E5M2, FPQ_FMT_E2M1, 3, 64, 64,
				      false, true, 3, 10);
	/* The INT8 path: raw, requantized (per channel, broadcast), scaled. */
	s[n++] = vm_spec(FPQ_FMT_INT8, FPQ_FMT_INT8, FPQ_FMT_INT32, 5, 9, 300,
				      false, false, 0, 0);
	s[n++] = vm_spec(FPQ_FMT_INT8, FPQ_FMT_INT8, FPQ_FMT_INT32, 3, 4, 17,
				      false, false, 5, 1);
	s[n++] = vm_spec(FPQ_FMT_INT8, FPQ_FMT_INT8, FPQ_FMT_INT8, 4, 6, 40,
				      false, false, 0, 1);
	s[n++] = vm_spec(FPQ_FMT_INT8, FPQ_FMT_INT8, FPQ_FMT_INT8, 4, 6, 40,
				      false, false, 2, 2);
	s[n++] = vm_spec(FPQ_FMT_INT8, FPQ_FMT_INT8, FPQ_FMT_FP32, 3, 3, 33,
				      false, false, 0, 1);
	s[n++] = vm_spec(FPQ_FMT_INT8, FPQ_FMT_INT8, FPQ_FMT_FP32, 3, 3, 33,
				      false, false, 0, 2);
	/* Edges: 1x1x1, and shapes that are not multiples of the array. */
	s[n++] = vm_spec(FPQ_FMT_E4M3, FPQ_FMT_E4M3, FPQ_FMT_FP32, 1, 1, 1,
				      false, false, 0, 0);
	s[n++] = vm_spec(FPQ_FMT_INT8, FPQ_FMT_INT8, FPQ_FMT_INT32, 1, 1, 1,
				      false, false, 0, 0);
	s[n++] = vm_spec(FPQ_FMT_E5M2, FPQ_FMT_E3M2, FPQ_FMT_FP32, 17, 9, 96,
				      true, false, 1, 3);
	return n;
}

static bool spec_supported(const struct vdev *d, const struct gemm_spec *s)
{
	uint64_t in = d->param[DRM_FPQ_PARAM_INPUT_FORMATS];
	uint64_t out = d->param[DRM_FPQ_PARAM_OUTPUT_FORMATS];
	uint64_t feat = d->param[DRM_FPQ_PARAM_FEATURES];

	return (in >> s->a & 1) && (in >> s->b & 1) && (out >> s->c & 1) &&
	       (!(s->a_scales || s->b_scales) || (feat & DRM_FPQ_FEATURE_MX_SCALES)) &&
	       (!s->c_scales || (feat & DRM_FPQ_FEATURE_MX_OUTPUT));
}

/* Make case @gc from @s with its own seed, and place it in @ar: 0 or a negative errno. */
int vm_case(struct gemm_case *gc, struct vm_op *vo, const struct gemm_spec *s,
	    struct arena *ar, uint32_t seed)
{
	struct rng r = rng_seeded(seed);
	int err = gemm_case_make(gc, s, &r);

	if (!err)
		err = vm_op_place(vo, gc, ar);
	if (err)
		printf("  case %s, seed %u: %d\n", gc->name, seed, err);
	return err;
}

#define MAX_CASES 80

static int t_gemm(void)
{
	static struct gemm_spec specs[MAX_CASES];
	static struct gemm_case cases[MAX_CASES];
	static struct vm_op placed[MAX_CASES];
	static struct drm_fpq_gemm ops[MAX_CASES];
	static struct drm_fpq_op_status st[MAX_CASES];
	unsigned int n = build_specs(specs), used = 0, skipped = 0, per_job;
	struct drm_fpq_job_status js;
	uint64_t ids[MAX_CASES];
	unsigned int n_jobs = 0;
	struct arena ar;
	struct vdev d;
	int r = open_or_skip(&d);

	if (r)
		return r;
	CHECK(arena_init(&d, &ar, 4 << 20) == 0, "arena");
	for (unsigned int i = 0; i < n; i++) {
		if (!spec_supported(&d, &specs[i])) {
			skipped++;
			continue;
		}
		r = vm_case(&cases[used], &placed[used], &specs[i], &ar, 1000 + i);
		CHECK(r == 0, "case %u (%s): %d", i, cases[used].name, r);
		if (r) {
			gemm_case_free(&cases[used]);
			continue;
		}
		ops[used] = placed[used].drm;
		used++;
	}
	printf("  %u operations (%u not built into this card)\n", used, skipped);

	/* Several jobs of several operations, all queued before any wait. */
	per_job = d.param[DRM_FPQ_PARAM_MAX_OPS] < 12 ? d.param[DRM_FPQ_PARAM_MAX_OPS] : 12;
	for (unsigned int i = 0; i < used; i += per_job) {
		unsigned int cnt = used - i < per_job ? used - i : per_job;

		r = vdev_submit(&d, &ops[i], cnt, 0, 0, &ids[n_jobs]);
		CHECK(r == 0, "submit of operations %u..%u: %d", i, i + cnt - 1, r);
		if (!r)
			n_jobs++;
	}
	for (unsigned int j = 0, first = 0; j < n_jobs; j++, first += per_job) {
		unsigned int cnt = used - first < per_job ? used - first : per_job;

		r = vdev_wait(&d, ids[j], 100000, &js, &st[first], cnt);
		CHECK(r == 0 && js.error == 0, "job %u: wait %d, status %d (card cause %u at %u)",
		      j, r, js.error, js.hw_error, js.ops_done);
		CHECK(js.ops_done == cnt, "job %u: %u of %u operations", j, js.ops_done, cnt);
	}
	for (unsigned int i = 0; i < used; i++) {
		CHECK(vm_op_check(&placed[i], &cases[i], &ar, &st[i]) == 0,
		      "%s (seed %u) differs from the reference", cases[i].name, 1000 + i);
		gemm_case_free(&cases[i]);
	}
	arena_fini(&d, &ar);
	vdev_close(&d);
	return finish("gemm");
}

/* One small GEMM checked against the reference: 0 when right. */
int one_gemm(struct vdev *d, uint32_t seed)
{
	const struct gemm_spec s = vm_spec(FPQ_FMT_INT8, FPQ_FMT_INT8, FPQ_FMT_INT32, 3, 4, 40,
					   false, false, 0, 1);
	struct drm_fpq_op_status st;
	struct drm_fpq_job_status js;
	struct gemm_case gc;
	struct vm_op vo;
	struct arena ar;
	uint64_t id;
	int r;

	if ((r = arena_init(d, &ar, 64 << 10)))
		return r;
	r = vm_case(&gc, &vo, &s, &ar, seed);
	if (!r)
		r = vdev_submit(d, &vo.drm, 1, 0, 0, &id);
	if (!r)
		r = vdev_wait(d, id, 100000, &js, &st, 1);
	if (!r)
		r = js.error ? js.error : vm_op_check(&vo, &gc, &ar, &st);
	gemm_case_free(&gc);
	arena_fini(d, &ar);
	return r;
}

/* ---- isolation --------------------------------------------------------------------- */

static int isolation_child(int rfd, int wfd)
{
	struct drm_fpq_bo_info info = { 0 };
	struct drm_fpq_gemm g;
	uint32_t theirs[2];
	uint64_t their_job;
	struct vdev d;
	int bad = 0;

	if (vdev_open(&d) || read(rfd, theirs, sizeof(theirs)) != sizeof(theirs) ||
	    read(rfd, &their_job, sizeof(their_job)) != sizeof(their_job))
		return 2;
	info.handle = theirs[0];
	bad += vioctl(d.fd, DRM_IOCTL_FPQ_BO_INFO, &info) != -ENOENT;
	g = (struct drm_fpq_gemm){ .m = 1, .n = 1, .k = 1,
				   .a = { .handle = theirs[0], .format = DRM_FPQ_FMT_INT8 },
				   .b = { .handle = theirs[1], .format = DRM_FPQ_FMT_INT8 },
				   .c = { .handle = theirs[1], .format = DRM_FPQ_FMT_INT32,
					  .offset = 64 },
				   .clamp_lo = 0xff800000, .clamp_hi = 0x7f800000,
				   .act_min = -128, .act_max = 127 };
	bad += vdev_submit(&d, &g, 1, 0, 0, NULL) != -ENOENT;
	bad += vdev_wait(&d, their_job, 0, NULL, NULL, 0) != -ENOENT;
	for (uint32_t i = 0; i < 3; i++)
		bad += one_gemm(&d, 200 + i) != 0;
	if (write(wfd, &bad, sizeof(bad)) != sizeof(bad))
		return 2;
	vdev_close(&d);
	return bad ? 1 : 0;
}

static int t_isolation(void)
{
	int to_child[2], from_child[2], status, child_bad = -1;
	uint32_t mine[2];
	uint64_t job = 0;
	struct vdev d;
	pid_t pid;
	int r = open_or_skip(&d);

	if (r)
		return r;
	CHECK(pipe(to_child) == 0 && pipe(from_child) == 0, "pipes");
	pid = fork();
	if (pid == 0) {
		vdev_close(&d);
		_exit(isolation_child(to_child[0], from_child[1]));
	}
	CHECK(vdev_bo_create(&d, 4096, &mine[0], NULL) == 0, "create");
	CHECK(vdev_bo_create(&d, 4096, &mine[1], NULL) == 0, "create");
	{
		struct drm_fpq_gemm g = { .m = 1, .n = 1, .k = 1,
					  .a = { .handle = mine[0], .format = DRM_FPQ_FMT_INT8 },
					  .b = { .handle = mine[1], .format = DRM_FPQ_FMT_INT8 },
					  .c = { .handle = mine[1], .format = DRM_FPQ_FMT_INT32,
						 .offset = 64 },
					  .clamp_lo = 0xff800000, .clamp_hi = 0x7f800000,
					  .act_min = -128, .act_max = 127 };

		CHECK(vdev_submit(&d, &g, 1, 0, 0, &job) == 0, "submit");
	}
	CHECK(write(to_child[1], mine, sizeof(mine)) == sizeof(mine), "send handles");
	CHECK(write(to_child[1], &job, sizeof(job)) == sizeof(job), "send job");
	/* Both processes run jobs at the same time. */
	for (uint32_t i = 0; i < 3; i++)
		CHECK(one_gemm(&d, 100 + i) == 0, "parent GEMM %u", i);
	CHECK(read(from_child[0], &child_bad, sizeof(child_bad)) == sizeof(child_bad),
	      "child report");
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "child: %d failed checks (status 0x%x)", child_bad, status);
	CHECK(vdev_wait(&d, job, 100000, NULL, NULL, 0) == 0, "own job still collectable");
	vdev_close(&d);
	return finish("isolation");
}

/* ---- fuzz -------------------------------------------------------------------------- */

static uint32_t fz;

static uint32_t frand(void)
{
	fz ^= fz << 13;
	fz ^= fz >> 17;
	fz ^= fz << 5;
	return fz;
}

static uint64_t frand64(void)
{
	static const uint64_t edge[] = { 0, 1, 4095, 4096, 4097, 0xffffffffull, 0x100000000ull,
					 UINT64_MAX, UINT64_MAX - 4095, 1ull << 63, 1ull << 30 };

	switch (frand() % 4) {
	case 0:
		return edge[frand() % (sizeof(edge) / sizeof(edge[0]))];
	case 1:
		return frand() % 256;
	case 2:
		return frand() % 65536;
	default:
		return (uint64_t)frand() << 32 | frand();
	}
}

/* Overwrite a few 32-bit words (or single bytes) with random or edge values. */
static void mutate(void *p, size_t bytes, unsigned int times)
{
	uint8_t *b = p;

	for (unsigned int i = 0; i < times; i++) {
		size_t at = (frand() % (bytes / 4)) * 4;

		if (frand() & 1) {
			b[at + frand() % 4] = (uint8_t)frand();
		} else {
			uint32_t v = (uint32_t)frand64();

			memcpy(b + at, &v, 4);
		}
	}
}

static bool acceptable_errno(int r)
{
	switch (-r) {
	case EINVAL: case ENOENT: case EFAULT: case E2BIG: case EBUSY: case ENOMEM:
	case ETIMEDOUT: case ENOTTY: case EOPNOTSUPP: case ENOSPC: case ERANGE: case EPERM:
	case EACCES:
		return true;
	default:
		return false;
	}
}

static int t_fuzz(unsigned int iterations)
{
	static const unsigned long ioctls[] = { DRM_IOCTL_FPQ_GET_PARAM, DRM_IOCTL_FPQ_BO_CREATE,
						DRM_IOCTL_FPQ_BO_INFO, DRM_IOCTL_FPQ_SUBMIT,
						DRM_IOCTL_FPQ_WAIT };
	unsigned int ok = 0, refused = 0;
	uint64_t ids[64];
	unsigned int n_ids = 0;
	uint32_t closed;
	struct arena ar;
	struct vdev d;
	int r = open_or_skip(&d);

	if (r)
		return r;
	fz = 0x9e3779b9;
	CHECK(arena_init(&d, &ar, 64 << 10) == 0, "arena");
	CHECK(vdev_bo_create(&d, 4096, &closed, NULL) == 0 && vdev_bo_close(&d, closed) == 0,
	      "a closed handle");
	for (unsigned int it = 0; it < iterations; it++) {
		union {
			struct drm_fpq_get_param gp;
			struct drm_fpq_bo_create bc;
			struct drm_fpq_bo_info bi;
			struct drm_fpq_submit s;
			struct drm_fpq_wait w;
			uint8_t raw[512];
		} u;
		struct drm_fpq_gemm g[3];
		struct drm_fpq_op_status ost[4];
		unsigned int kind = frand() % 8;
		unsigned long req;

		memset(&u, 0, sizeof(u));
		for (unsigned int i = 0; i < 3; i++) {
			/* A valid 1x1x1 INT8 operation in the arena, then damaged. */
			g[i] = (struct drm_fpq_gemm){
				.m = 1, .n = 1, .k = 1,
				.a = { .handle = ar.handle, .format = DRM_FPQ_FMT_INT8 },
				.b = { .handle = ar.handle, .format = DRM_FPQ_FMT_INT8, .offset = 64 },
				.c = { .handle = ar.handle, .format = DRM_FPQ_FMT_INT32, .offset = 128 },
				.clamp_lo = 0xff800000, .clamp_hi = 0x7f800000,
				.act_min = -128, .act_max = 127,
			};
			mutate(&g[i], sizeof(g[i]), 1 + frand() % 4);
			if (frand() % 8 == 0)
				g[i].c.handle = closed;
			if (frand() % 8 == 0)	/* overlapping C */
				g[i].c.offset = g[i].a.offset;
		}
		switch (kind) {
		case 0:	/* garbage of every ioctl */
			for (size_t i = 0; i < sizeof(u.raw); i++)
				u.raw[i] = (uint8_t)frand();
			req = ioctls[frand() % 5];
			break;
		case 1:
			u.bc.size = frand64();
			u.bc.flags = frand() % 4 ? 0 : frand();
			req = DRM_IOCTL_FPQ_BO_CREATE;
			break;
		case 2:
			u.bi.handle = frand() % 4 ? frand() % 8 : frand();
			req = DRM_IOCTL_FPQ_BO_INFO;
			break;
		case 3:
			u.w.job_id = frand64();
			u.w.op_status = frand() % 2 ? (uintptr_t)ost : frand64();
			u.w.op_status_count = frand() % 8;
			u.w.flags = frand() % 4 ? 0 : frand();
			req = DRM_IOCTL_FPQ_WAIT;
			break;
		case 4:	/* driver ioctl numbers that do not exist, random sizes */
			req = DRM_IOWR(DRM_COMMAND_BASE + 5 + frand() % 11, struct drm_fpq_wait);
			break;
		default:
			u.s.ops = frand() % 8 ? (uintptr_t)g : frand64();
			u.s.op_count = frand() % 6 ? 1 + frand() % 3 : (uint32_t)frand64();
			u.s.op_size = frand() % 8 ? sizeof(g[0]) : frand() % 512;
			u.s.in_syncobj_count = frand() % 8 ? 0 : frand() % 70;
			u.s.in_syncobjs = frand64();
			u.s.out_syncobj = frand() % 8 ? 0 : frand() % 4;
			u.s.flags = frand() % 8 ? 0 : frand() % 4;
			u.s.pad = frand() % 16 ? 0 : 1;
			req = DRM_IOCTL_FPQ_SUBMIT;
			break;
		}
		r = vioctl(d.fd, req, &u);
		if (r == 0) {
			ok++;
			if (req == DRM_IOCTL_FPQ_SUBMIT && u.s.job_id && n_ids < 64 &&
			    !(u.s.flags & DRM_FPQ_SUBMIT_DETACHED))
				ids[n_ids++] = u.s.job_id;
			if (req == DRM_IOCTL_FPQ_BO_CREATE)
				vdev_bo_close(&d, u.bc.handle);
		} else {
			refused++;
			CHECK(acceptable_errno(r), "iteration %u (kind %u): errno %d", it, kind, -r);
		}
		/* Keep the uncollected statuses bounded. */
		if (n_ids == 64) {
			for (unsigned int i = 0; i < n_ids; i++)
				vdev_wait(&d, ids[i], 100000, NULL, NULL, 0);
			n_ids = 0;
		}
	}
	for (unsigned int i = 0; i < n_ids; i++)
		vdev_wait(&d, ids[i], 100000, NULL, NULL, 0);
	printf("  %u iterations: %u accepted, %u refused\n", iterations, ok, refused);
	/* The device still computes right. */
	CHECK(one_gemm(&d, 7) == 0, "GEMM after the fuzzing");
	arena_fini(&d, &ar);
	vdev_close(&d);
	return finish("fuzz");
}

/* ---- hang -------------------------------------------------------------------------- */

int inject(struct vdev *d, const char *what)
{
	char path[128];
	int fd, r;

	if (vdev_debugfs_path(d, "fault_inject", path, sizeof(path)))
		return -ENOENT;
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	r = write(fd, what, strlen(what)) == (ssize_t)strlen(what) ? 0 : -errno;
	close(fd);
	return r;
}

static int t_hang(void)
{
	/* Slack for the emulated machine: scheduling, the reset's bus drain, polling. */
	const int64_t slack_ms = 10000;
	struct drm_fpq_job_status st;
	struct gemm_case gc;
	struct vm_op vo;
	const struct gemm_spec s = vm_spec(FPQ_FMT_INT8, FPQ_FMT_INT8, FPQ_FMT_INT32, 2, 3, 8,
					   false, false, 0, 0);
	int64_t timeout_ms, t0, ms;
	int64_t timeouts0, resets0;
	struct arena ar;
	struct vdev d;
	uint64_t id;
	int r = open_or_skip(&d);

	if (r)
		return r;
	if (!(d.param[DRM_FPQ_PARAM_FEATURES] & DRM_FPQ_FEATURE_FAULT_INJECT)) {
		printf("SKIP the card has no fault injection\n");
		return 77;
	}
	timeout_ms = (int64_t)d.param[DRM_FPQ_PARAM_JOB_TIMEOUT_MS];
	timeouts0 = vdev_sysfs_counter(&d, "job_timeouts");
	resets0 = vdev_sysfs_counter(&d, "resets");
	CHECK(arena_init(&d, &ar, 64 << 10) == 0, "arena");
	CHECK(vm_case(&gc, &vo, &s, &ar, 5) == 0, "case");

	CHECK(inject(&d, "hang") == 0, "arm the hang");
	t0 = now_ms();
	CHECK(vdev_submit(&d, &vo.drm, 1, 0, 0, &id) == 0, "submit");
	r = vdev_wait(&d, id, timeout_ms + slack_ms + 60000, &st, NULL, 0);
	ms = now_ms() - t0;
	CHECK(r == 0 && st.error == -ETIMEDOUT, "hung job: wait %d, status %d", r, st.error);
	CHECK(ms >= timeout_ms && ms <= timeout_ms + slack_ms,
	      "timed out after %lld ms; timeout %lld ms + slack %lld ms", (long long)ms,
	      (long long)timeout_ms, (long long)slack_ms);
	printf("  hang reported after %lld ms (timeout %lld ms)\n", (long long)ms,
	       (long long)timeout_ms);
	CHECK(vdev_sysfs_counter(&d, "job_timeouts") == timeouts0 + 1, "timeout counted");
	CHECK(vdev_sysfs_counter(&d, "resets") == resets0 + 1, "reset counted");

	/* The next job succeeds, bit for bit. */
	vm_op_reset(&vo, &gc, &ar);
	CHECK(vdev_submit(&d, &vo.drm, 1, 0, 0, &id) == 0, "submit after the reset");
	CHECK(vdev_wait(&d, id, 100000, &st, NULL, 0) == 0 && st.error == 0,
	      "job after the reset: %d", st.error);
	CHECK(vm_op_check(&vo, &gc, &ar, NULL) == 0, "result after the reset");

	/* A failed DMA read fails the job with the card's cause; no reset. */
	CHECK(inject(&d, "dma_read") == 0, "arm the DMA error");
	CHECK(vdev_submit(&d, &vo.drm, 1, 0, 0, &id) == 0, "submit");
	CHECK(vdev_wait(&d, id, 100000, &st, NULL, 0) == 0 && st.error == -EIO &&
	      st.hw_error == 9, "DMA error: status %d cause %u", st.error, st.hw_error);
	CHECK(vdev_sysfs_counter(&d, "resets") == resets0 + 1, "no reset for a DMA error");
	CHECK(one_gemm(&d, 11) == 0, "GEMM after the DMA error");

	gemm_case_free(&gc);
	arena_fini(&d, &ar);
	vdev_close(&d);
	return finish("hang");
}

/* ---- reload ------------------------------------------------------------------------ */

static int t_reload(unsigned int cycles)
{
	const char *ko = "/lib/modules/fpq/fpq.ko";
	struct vdev d;
	int r = open_or_skip(&d);

	if (r)
		return r;
	vdev_close(&d);
	if (access(ko, R_OK)) {
		printf("SKIP %s not found\n", ko);
		return 77;
	}
	for (unsigned int i = 0; i < cycles; i++) {
		char cmd[160];

		CHECK(system("rmmod fpq") == 0, "rmmod, cycle %u", i);
		CHECK(vdev_open(&d) == -ENODEV, "no device after rmmod");
		snprintf(cmd, sizeof(cmd), "insmod %s timeout_ms=%u ring_log2=%u", ko, 4000 + i,
			 2 + i % 4);
		CHECK(system(cmd) == 0, "%s", cmd);
		CHECK(vdev_wait_open(&d) == 0, "render node back, cycle %u", i);
		CHECK(d.param[DRM_FPQ_PARAM_JOB_TIMEOUT_MS] == 4000 + i, "parameter taken");
		CHECK(one_gemm(&d, 300 + i) == 0, "GEMM after reload %u", i);
		vdev_close(&d);
	}
	/* Leave the module as the other tests expect it. */
	CHECK(system("rmmod fpq") == 0 && system("insmod /lib/modules/fpq/fpq.ko") == 0,
	      "default parameters back");
	CHECK(vdev_wait_open(&d) == 0, "render node back");
	vdev_close(&d);
	return finish("reload");
}

/* ---- killed ------------------------------------------------------------------------ */

static void killed_child(int wfd)
{
	struct drm_fpq_gemm g[8];
	struct arena ar;
	struct vdev d;

	if (vdev_open(&d) || arena_init(&d, &ar, 1 << 20))
		_exit(2);
	for (int i = 0; i < 8; i++)
		g[i] = (struct drm_fpq_gemm){
			.m = 32, .n = 32, .k = 256,
			.a = { .handle = ar.handle, .format = DRM_FPQ_FMT_INT8 },
			.b = { .handle = ar.handle, .format = DRM_FPQ_FMT_INT8, .offset = 8192 },
			.c = { .handle = ar.handle, .format = DRM_FPQ_FMT_INT32,
			       .offset = 16384 + 4096 * i },
			.clamp_lo = 0xff800000, .clamp_hi = 0x7f800000,
			.act_min = -128, .act_max = 127,
		};
	for (int j = 0; j < 16; j++) {
		uint32_t h;

		vdev_bo_create(&d, 1 << 16, &h, NULL);	/* buffers that die with us */
		vdev_submit(&d, g, 8, 0, 0, NULL);
		if (j == 1 && write(wfd, "r", 1) != 1)
			_exit(2);
	}
	pause();
	_exit(0);
}

/* The driver's job counters (sysfs) that must add up. */
enum { C_SUBMITTED, C_COMPLETED, C_FAILED, C_CANCELED, C_TIMEOUTS, C_RERUN, C_COUNT };
static const char *const job_counter_names[C_COUNT] = {
	"jobs_submitted", "jobs_completed", "jobs_failed", "jobs_canceled", "job_timeouts",
	"jobs_rerun",
};

static void job_counters(struct vdev *d, int64_t *c)
{
	for (int i = 0; i < C_COUNT; i++)
		c[i] = vdev_sysfs_counter(d, job_counter_names[i]);
}

static int t_killed(void)
{
	int64_t jobs0, bos0, jobs = -1, bos = -1, c0[C_COUNT], c1[C_COUNT];
	int p[2], status;
	char c;
	struct vdev d;
	pid_t pid;
	int r = open_or_skip(&d);

	if (r)
		return r;
	jobs0 = vdev_sysfs_counter(&d, "jobs_live");
	bos0 = vdev_sysfs_counter(&d, "buffers_live");
	job_counters(&d, c0);
	CHECK(jobs0 >= 0 && bos0 >= 0 && c0[C_SUBMITTED] >= 0 && c0[C_CANCELED] >= 0,
	      "counters readable");
	CHECK(pipe(p) == 0, "pipe");
	/* The child's first job hangs on the card: it is surely mid-job when killed. */
	if (d.param[DRM_FPQ_PARAM_FEATURES] & DRM_FPQ_FEATURE_FAULT_INJECT)
		CHECK(inject(&d, "hang") == 0, "arm the hang");
	pid = fork();
	if (pid == 0) {
		vdev_close(&d);
		killed_child(p[1]);
	}
	CHECK(read(p[0], &c, 1) == 1, "child submitted");
	jobs = vdev_sysfs_counter(&d, "jobs_live");
	CHECK(jobs > jobs0, "jobs in flight: %lld (before: %lld)", (long long)jobs,
	      (long long)jobs0);
	kill(pid, SIGKILL);
	CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status), "child killed");
	/*
	 * The hung job times out, the jobs on the card finish, queued ones are dropped;
	 * everything is freed.
	 */
	for (int i = 0; i < 600; i++) {
		jobs = vdev_sysfs_counter(&d, "jobs_live");
		bos = vdev_sysfs_counter(&d, "buffers_live");
		if (jobs == jobs0 && bos == bos0)
			break;
		usleep(100000);
	}
	CHECK(jobs == jobs0, "jobs left: %lld (before: %lld)", (long long)jobs,
	      (long long)jobs0);
	CHECK(bos == bos0, "buffers left: %lld (before: %lld)", (long long)bos, (long long)bos0);
	/* Every job of the child ended once: completed, or failed (timed out, dropped). */
	job_counters(&d, c1);
	for (int i = 0; i < C_COUNT; i++)
		c1[i] -= c0[i];
	printf("  child's jobs: %lld submitted, %lld completed, %lld failed (%lld canceled, "
	       "%lld timed out), %lld run again\n", (long long)c1[C_SUBMITTED],
	       (long long)c1[C_COMPLETED], (long long)c1[C_FAILED], (long long)c1[C_CANCELED],
	       (long long)c1[C_TIMEOUTS], (long long)c1[C_RERUN]);
	CHECK(c1[C_SUBMITTED] > 0 && c1[C_SUBMITTED] == c1[C_COMPLETED] + c1[C_FAILED],
	      "submitted %lld != completed %lld + failed %lld", (long long)c1[C_SUBMITTED],
	      (long long)c1[C_COMPLETED], (long long)c1[C_FAILED]);
	CHECK(c1[C_CANCELED] <= c1[C_FAILED], "canceled %lld > failed %lld",
	      (long long)c1[C_CANCELED], (long long)c1[C_FAILED]);
	CHECK(one_gemm(&d, 17) == 0, "GEMM afterwards");
	vdev_close(&d);
	return finish("killed");
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	unsigned int n = argc > 2 ? (unsigned int)strtoul(argv[2], NULL, 0) : 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "info"))
		return t_info();
	if (!strcmp(cmd, "buffers"))
		return t_buffers();
	if (!strcmp(cmd, "gemm"))
		return t_gemm();
	if (!strcmp(cmd, "isolation"))
		return t_isolation();
	if (!strcmp(cmd, "fuzz"))
		return t_fuzz(n ? n : 3000);
	if (!strcmp(cmd, "hang"))
		return t_hang();
	if (!strcmp(cmd, "reload"))
		return t_reload(n ? n : 3);
	if (!strcmp(cmd, "killed"))
		return t_killed();
	if (!strcmp(cmd, "fence-rmmod"))
		return t_fence_rmmod();
	if (!strcmp(cmd, "killed-rmmod"))
		return t_killed_rmmod(n ? n : 4);
	if (!strcmp(cmd, "hot-remove"))
		return t_hot_remove();
	if (!strcmp(cmd, "bounce"))
		return t_bounce();
	if (!strcmp(cmd, "pinning"))
		return t_pinning();
	if (!strcmp(cmd, "detached-limit"))
		return t_detached_limit();
	if (!strcmp(cmd, "abft"))
		return t_abft();
	fprintf(stderr, "usage: %s info|buffers|gemm|isolation|fuzz [N]|hang|reload [N]|killed|"
		"fence-rmmod|killed-rmmod [N]|hot-remove|bounce|pinning|detached-limit|abft\n", argv[0]);
	return 2;
}
