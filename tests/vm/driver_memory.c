// SPDX-License-Identifier: MIT
/*
 * driver_memory.c - what a job holds, for how long, and who pays for it:
 *
 *   bounce           (a VM booted with swiotlb=force) every job's output reaches the
 *                    CPU, every CPU write before a job reaches the card
 *   pinning          a job refused for its address space pins nothing; a finished job
 *                    keeps nothing pinned (/proc/meminfo Unevictable)
 *   detached-limit   detached jobs gated on a foreign (vgem) fence: at most
 *                    DRM_FPQ_MAX_DETACHED per file, the rest refused with EBUSY, their
 *                    kernel memory charged to the submitter's memory cgroup
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver_scenarios.h"
#include "vm_check.h"
#include "vm_fence.h"
#include "vm_gemm.h"


/* ---- bounce ---------------------------------------------------------------------- */

static int cmdline_has(const char *word)
{
	char line[4096] = "";
	FILE *f = fopen("/proc/cmdline", "r");

	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = 0;
		fclose(f);
	}
	return strstr(line, word) != NULL;
}

int t_bounce(void)
{
	const struct gemm_spec s = vm_spec(FPQ_FMT_INT8, FPQ_FMT_INT8, FPQ_FMT_INT32, 4, 5, 64,
					   false, false, 0, 1);
	struct drm_fpq_op_status st;
	struct drm_fpq_job_status js;
	struct gemm_case gc;
	struct vm_op vo;
	struct arena ar;
	struct vdev d;
	uint64_t id;
	int r;

	if (!cmdline_has("swiotlb=force")) {
		printf("SKIP the kernel does not bounce (boot with swiotlb=force)\n");
		return 77;
	}
	r = open_or_skip(&d);
	if (r)
		return r;
	/*
	 * Each round: new operands from the CPU in a buffer the card used before, C holding
	 * what the case starts it as; both must reach the card and come back.
	 */
	CHECK(arena_init(&d, &ar, 64 << 10) == 0, "arena");
	for (int round = 0; round < 3 && !failures; round++) {
		ar.used = 0;
		CHECK(vm_case(&gc, &vo, &s, &ar, 91 + round) == 0, "case");
		CHECK(vdev_submit(&d, &vo.drm, 1, 0, 0, &id) == 0, "submit");
		CHECK(vdev_wait(&d, id, 100000, &js, &st, 1) == 0 && js.error == 0,
		      "round %d: job %d", round, js.error);
		CHECK(vm_op_check(&vo, &gc, &ar, &st) == 0,
		      "round %d: C differs from the reference (the CPU sees stale bytes)", round);
		gemm_case_free(&gc);
	}
	arena_fini(&d, &ar);
	vdev_close(&d);
	return finish("bounce");
}

/* ---- pinning --------------------------------------------------------------------- */

int t_pinning(void)
{
	const int64_t slack_kb = 4096;
	struct drm_fpq_gemm g[2];
	struct drm_fpq_job_status js;
	int64_t unev0, unev;
	uint64_t size, id;
	struct arena ar;
	uint32_t h[4];
	int32_t *cp;
	struct vdev d;
	int r = open_or_skip(&d);

	if (r)
		return r;
	size = d.param[DRM_FPQ_PARAM_MAX_BO_SIZE];
	/* Four of the largest buffers, a small one and their guard pages exceed the space. */
	if (4 * (size + 4096) + 4096 <= d.param[DRM_FPQ_PARAM_VA_SIZE]) {
		printf("SKIP four %llu-byte buffers fit the address space\n",
		       (unsigned long long)size);
		return 77;
	}
	/*
	 * A and B in a small buffer, the outputs in large ones that no process maps (a
	 * CPU mapping keeps a whole buffer resident: that is the mapping's, not a job's).
	 */
	CHECK(arena_init(&d, &ar, 64 << 10) == 0, "arena");
	ar.map[0] = 7;
	ar.map[64] = 6;
	unev0 = meminfo_kb("Unevictable");
	for (int i = 0; i < 4; i++)
		CHECK(vdev_bo_create(&d, size, &h[i], NULL) == 0, "buffer %d of %llu bytes", i,
		      (unsigned long long)size);
	for (int i = 0; i < 2; i++)
		g[i] = (struct drm_fpq_gemm){
			.m = 1, .n = 1, .k = 1,
			.a = { .handle = ar.handle, .format = DRM_FPQ_FMT_INT8 },
			.b = { .handle = h[2 * i], .format = DRM_FPQ_FMT_INT8 },
			.c = { .handle = h[2 * i + 1], .format = DRM_FPQ_FMT_INT32 },
			.clamp_lo = 0xff800000, .clamp_hi = 0x7f800000,
			.act_min = -128, .act_max = 127,
		};
	r = vdev_submit(&d, g, 2, 0, 0, NULL);
	CHECK(r == -E2BIG, "two 1x1x1 operations on four %llu MiB buffers: %d, want -E2BIG",
	      (unsigned long long)(size >> 20), r);
	unev = meminfo_kb("Unevictable");
	printf("  Unevictable: %lld kB before, %lld kB after the refused job\n", (long long)unev0,
	       (long long)unev);
	CHECK(unev - unev0 < slack_kb, "the refused job left %lld kB unevictable",
	      (long long)(unev - unev0));

	/* One of them fits: it runs, and afterwards nothing of it stays pinned. */
	g[0].b = (struct drm_fpq_matrix){ .handle = ar.handle, .format = DRM_FPQ_FMT_INT8,
					  .offset = 64 };
	CHECK(vdev_submit(&d, g, 1, 0, 0, &id) == 0, "submit one operation");
	CHECK(vdev_wait(&d, id, 100000, &js, NULL, 0) == 0 && js.error == 0, "job: %d", js.error);
	unev = meminfo_kb("Unevictable");
	printf("  Unevictable: %lld kB after the finished job\n", (long long)unev);
	CHECK(unev - unev0 < slack_kb, "the finished job left %lld kB unevictable",
	      (long long)(unev - unev0));
	cp = vdev_bo_map(&d, h[1], 4096);
	CHECK(cp && cp[0] == 42, "C = %d, want 7 * 6", cp ? cp[0] : -1);
	if (cp)
		munmap(cp, 4096);
	for (int i = 0; i < 4; i++)
		vdev_bo_close(&d, h[i]);
	arena_fini(&d, &ar);
	vdev_close(&d);
	return finish("pinning");
}

/* ---- detached-limit -------------------------------------------------------------- */

#define CGROUP_ROOT "/sys/fs/cgroup"
#define CGROUP_TEST CGROUP_ROOT "/fpq-detached"

static int64_t read_i64(const char *path)
{
	long long v = -1;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), r;

	if (fd < 0)
		return -errno;
	r = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -errno;
	close(fd);
	return r;
}

/* Into a memory cgroup of our own: its memory.current is what we are charged. */
static int memcg_enter(void)
{
	char pid[32];

	mkdir(CGROUP_ROOT, 0755);
	if (access(CGROUP_ROOT "/cgroup.controllers", F_OK))
		mount("cgroup2", CGROUP_ROOT, "cgroup2", 0, NULL);
	write_str(CGROUP_ROOT "/cgroup.subtree_control", "+memory");
	mkdir(CGROUP_TEST, 0755);
	snprintf(pid, sizeof(pid), "%d", getpid());
	return write_str(CGROUP_TEST "/cgroup.procs", pid);
}

static void memcg_leave(void)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	write_str(CGROUP_ROOT "/cgroup.procs", pid);
	rmdir(CGROUP_TEST);
}

static int submit_gated(struct vdev *d, const struct drm_fpq_gemm *g, uint32_t gate)
{
	struct drm_fpq_submit s = {
		.ops = (uintptr_t)g, .op_count = 1, .op_size = sizeof(*g),
		.in_syncobjs = (uintptr_t)&gate, .in_syncobj_count = 1,
		.flags = DRM_FPQ_SUBMIT_DETACHED,
	};

	return vioctl(d->fd, DRM_IOCTL_FPQ_SUBMIT, &s);
}

int t_detached_limit(void)
{
	const unsigned int tries = DRM_FPQ_MAX_DETACHED + 64;
	struct vgem_gate gate;
	struct drm_fpq_gemm g;
	int64_t mem0, mem1, jobs0, jobs, t0, ms;
	unsigned int accepted = 0;
	uint32_t so = 0;
	struct arena ar;
	struct vdev d;
	int r = open_or_skip(&d), early;

	if (r)
		return r;
	r = vgem_gate_open(&gate);
	if (r) {
		printf("SKIP no vgem fence (%s): load vgem\n", strerror(-r));
		return 77;
	}
	CHECK(memcg_enter() == 0, "a memory cgroup of our own");
	CHECK(arena_init(&d, &ar, 64 << 10) == 0, "arena");
	CHECK(syncobj_create(d.fd, &so) == 0 &&
	      syncobj_import_sync_file(d.fd, so, gate.sync_fd) == 0, "the gate as a syncobj");
	g = (struct drm_fpq_gemm){
		.m = 1, .n = 1, .k = 1,
		.a = { .handle = ar.handle, .format = DRM_FPQ_FMT_INT8 },
		.b = { .handle = ar.handle, .format = DRM_FPQ_FMT_INT8, .offset = 64 },
		.c = { .handle = ar.handle, .format = DRM_FPQ_FMT_INT32, .offset = 128 },
		.clamp_lo = 0xff800000, .clamp_hi = 0x7f800000, .act_min = -128, .act_max = 127,
	};
	jobs0 = vdev_sysfs_counter(&d, "jobs_live");
	mem0 = read_i64(CGROUP_TEST "/memory.current");
	t0 = now_ms();
	for (unsigned int i = 0; i < tries; i++) {
		r = submit_gated(&d, &g, so);
		if (r == -EBUSY)
			break;
		CHECK(r == 0, "detached submission %u: %d", i, r);
		if (r)
			break;
		accepted++;
	}
	ms = now_ms() - t0;
	early = sync_file_signalled(gate.sync_fd);
	mem1 = read_i64(CGROUP_TEST "/memory.current");
	jobs = vdev_sysfs_counter(&d, "jobs_live");
	printf("  %u detached jobs accepted in %lld ms (then %d); jobs_live %lld -> %lld; "
	       "cgroup memory %lld -> %lld bytes (%lld per job)\n", accepted, (long long)ms, r,
	       (long long)jobs0, (long long)jobs, (long long)mem0, (long long)mem1,
	       accepted ? (long long)(mem1 - mem0) / accepted : 0);
	CHECK(early == 0, "the gate opened before the limit was reached (in %lld ms)",
	      (long long)ms);
	CHECK(accepted == DRM_FPQ_MAX_DETACHED && r == -EBUSY,
	      "%u accepted (then %d), want %u and -EBUSY", accepted, r, DRM_FPQ_MAX_DETACHED);
	CHECK(jobs - jobs0 == accepted, "jobs_live grew by %lld for %u jobs",
	      (long long)(jobs - jobs0), accepted);
	CHECK(mem0 >= 0 && mem1 - mem0 >= 1024ll * accepted,
	      "queued jobs charged %lld bytes to their cgroup, want >= 1 KiB each",
	      (long long)(mem1 - mem0));

	/* Open the gate; the jobs run or are dropped when the file closes. */
	vgem_gate_signal(&gate);
	vgem_gate_close(&gate);
	arena_fini(&d, &ar);
	syncobj_destroy(d.fd, so);
	vdev_close(&d);
	memcg_leave();
	CHECK(vdev_open(&d) == 0, "reopen");
	for (int i = 0; i < 600; i++) {
		jobs = vdev_sysfs_counter(&d, "jobs_live");
		if (jobs == jobs0)
			break;
		usleep(100000);
	}
	CHECK(jobs == jobs0, "jobs left: %lld (before: %lld)", (long long)jobs, (long long)jobs0);
	CHECK(one_gemm(&d, 81) == 0, "GEMM afterwards");
	vdev_close(&d);
	return finish("detached-limit");
}
