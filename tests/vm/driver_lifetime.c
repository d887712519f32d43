// SPDX-License-Identifier: MIT
/*
 * driver_lifetime.c - what may outlive a DRM file, a process or the device itself,
 * and must not take the kernel down when it does:
 *
 *   fence-rmmod     a sync_file still holding a job's fence after its node is closed:
 *                   the module stays (rmmod refuses) until the sync_file goes; the
 *                   fence answers SYNC_IOC_FILE_INFO meanwhile
 *   killed-rmmod    a process killed with queued jobs, then rmmod at once: the module
 *                   leaves only when every job is freed, the kernel log stays clean
 *   hot-remove      the PCI function removed (sysfs) with the node open and a job on
 *                   the card: ioctls fail with ENODEV, the job's fence with ENODEV,
 *                   mappings stay, the last close is clean, a rescan brings it back
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "driver_scenarios.h"
#include "vm_check.h"
#include "vm_fence.h"
#include "vm_gemm.h"

#define FPQ_KO "/lib/modules/fpq/fpq.ko"

static int module_loaded(void)
{
	return vm_sh("grep -q '^fpq ' /proc/modules") == 0;
}

/* Back to the state the other scenarios expect: fpq loaded with its defaults. */
static void module_restore(struct vdev *d)
{
	if (!module_loaded())
		CHECK(vm_sh("insmod " FPQ_KO) == 0, "insmod");
	CHECK(vdev_wait_open(d) == 0, "node back");
}

/* A 1x1x1 INT8 job on @ar that must succeed. */
static struct drm_fpq_gemm tiny_int8(uint32_t handle, uint64_t a, uint64_t b, uint32_t c_handle,
				     uint64_t c)
{
	return (struct drm_fpq_gemm){
		.m = 1, .n = 1, .k = 1,
		.a = { .handle = handle, .format = DRM_FPQ_FMT_INT8, .offset = a },
		.b = { .handle = handle, .format = DRM_FPQ_FMT_INT8, .offset = b },
		.c = { .handle = c_handle, .format = DRM_FPQ_FMT_INT32, .offset = c },
		.clamp_lo = 0xff800000, .clamp_hi = 0x7f800000,
		.act_min = -128, .act_max = 127,
	};
}

/* ---- fence-rmmod ----------------------------------------------------------------- */

/* In a child, so that an oops in the query takes only the child. */
static int query_and_drop(int sync_fd)
{
	struct sync_file_info info;
	struct sync_fence_info fi;
	int bad = 0;

	if (sync_file_info(sync_fd, &info, &fi)) {
		printf("  SYNC_IOC_FILE_INFO: %s\n", strerror(errno));
		return 1;
	}
	printf("  sync_file: status %d, fence of driver '%s' timeline '%s' status %d\n",
	       info.status, fi.driver_name, fi.obj_name, fi.status);
	bad += info.status != 1;
	bad += strcmp(fi.driver_name, "fpq") != 0;
	close(sync_fd);
	return bad ? 1 : 0;
}

int t_fence_rmmod(void)
{
	struct drm_fpq_job_status st;
	struct drm_fpq_gemm g;
	uint32_t so = 0;
	int sync_fd = -1, kmsg, status, rc = -1;
	struct arena ar;
	struct vdev d;
	uint64_t id;
	pid_t pid;
	int r = open_or_skip(&d);

	if (r)
		return r;
	kmsg = kmsg_mark();
	CHECK(arena_init(&d, &ar, 64 << 10) == 0, "arena");
	ar.map[0] = 3;
	ar.map[64] = 5;
	g = tiny_int8(ar.handle, 0, 64, ar.handle, 128);
	CHECK(syncobj_create(d.fd, &so) == 0, "syncobj");
	CHECK(vdev_submit(&d, &g, 1, 0, so, &id) == 0, "submit with out_syncobj");
	CHECK(vdev_wait(&d, id, 100000, &st, NULL, 0) == 0 && st.error == 0, "job: %d", st.error);
	CHECK(syncobj_export_sync_file(d.fd, so, &sync_fd) == 0, "export as sync_file");
	arena_fini(&d, &ar);
	vdev_close(&d);

	/* The node is closed; the sync_file holds the job's fence. */
	rc = vm_sh("rmmod fpq 2>/dev/null");
	CHECK(rc != 0, "rmmod succeeded while a sync_file holds a fence of the module");
	pid = fork();
	if (pid == 0)
		_exit(query_and_drop(sync_fd));
	close(sync_fd);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status),
	      "query and close of the sync_file (status 0x%x)", status);

	/* The fence's last reference goes after an RCU grace period: then rmmod works. */
	if (rc != 0) {
		for (int i = 0; i < 100 && (rc = vm_sh("rmmod fpq 2>/dev/null")) != 0; i++)
			usleep(50000);
		CHECK(rc == 0, "rmmod once the sync_file is closed");
	}
	module_restore(&d);
	CHECK(one_gemm(&d, 41) == 0, "GEMM after the reload");
	vdev_close(&d);
	CHECK(kmsg_problems(kmsg) == 0, "the kernel log reports a problem (above)");
	return finish("fence-rmmod");
}

/* ---- killed-rmmod ---------------------------------------------------------------- */

#define KILLED_JOBS 40
#define KILLED_BUFFERS 24
#define KILLED_BUFFER_BYTES (8u << 20)

/*
 * A job that hangs on the card, then KILLED_JOBS detached jobs behind it, each writing
 * one of KILLED_BUFFERS large buffers whose only reference the jobs hold: freeing the
 * queued jobs is slow and happens after the process is gone.
 */
static void killed_rmmod_child(int wfd)
{
	uint32_t big[KILLED_BUFFERS];
	struct drm_fpq_gemm g;
	struct arena ar;
	struct vdev d;

	if (vdev_open(&d) || arena_init(&d, &ar, 64 << 10))
		_exit(2);
	for (int i = 0; i < KILLED_BUFFERS; i++)
		if (vdev_bo_create(&d, KILLED_BUFFER_BYTES, &big[i], NULL))
			_exit(2);
	if (d.param[DRM_FPQ_PARAM_FEATURES] & DRM_FPQ_FEATURE_FAULT_INJECT)
		inject(&d, "hang");
	g = tiny_int8(ar.handle, 0, 64, ar.handle, 128);
	if (vdev_submit(&d, &g, 1, DRM_FPQ_SUBMIT_DETACHED, 0, NULL))
		_exit(2);
	for (int j = 0; j < KILLED_JOBS; j++) {
		g = tiny_int8(ar.handle, 0, 64, big[j % KILLED_BUFFERS],
			      (uint64_t)(j / KILLED_BUFFERS) * 4096);
		if (vdev_submit(&d, &g, 1, DRM_FPQ_SUBMIT_DETACHED, 0, NULL))
			_exit(2);
	}
	for (int i = 0; i < KILLED_BUFFERS; i++)
		vdev_bo_close(&d, big[i]);
	if (write(wfd, "r", 1) != 1)
		_exit(2);
	pause();
	_exit(0);
}

int t_killed_rmmod(unsigned int cycles)
{
	struct vdev d;
	int r = open_or_skip(&d);

	if (r)
		return r;
	vdev_close(&d);
	for (unsigned int c = 0; c < cycles; c++) {
		int p[2], status, kmsg = kmsg_mark(), rc;
		char ch;
		pid_t pid;

		CHECK(pipe(p) == 0, "pipe");
		pid = fork();
		if (pid == 0) {
			close(p[0]);
			killed_rmmod_child(p[1]);
		}
		close(p[1]);
		CHECK(read(p[0], &ch, 1) == 1, "cycle %u: child submitted", c);
		close(p[0]);
		kill(pid, SIGKILL);
		CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status), "child killed");
		rc = vm_sh("rmmod fpq");
		CHECK(rc == 0, "cycle %u: rmmod right after the kill: %d", c, rc);
		CHECK(!module_loaded(), "cycle %u: module gone after rmmod", c);
		r = kmsg_problems(kmsg);
		CHECK(r == 0, "cycle %u: the kernel log reports %d problem(s) (above)", c, r);
		module_restore(&d);
		CHECK(one_gemm(&d, 60 + c) == 0, "cycle %u: GEMM after the reload", c);
		vdev_close(&d);
		if (failures)
			break;
	}
	return finish("killed-rmmod");
}

/* ---- hot-remove ------------------------------------------------------------------ */

int t_hot_remove(void)
{
	struct drm_fpq_get_param gp = { .param = DRM_FPQ_PARAM_HW_ID };
	struct sync_file_info info;
	struct sync_fence_info fi;
	struct drm_fpq_gemm g;
	char addr[64];
	uint32_t so = 0;
	int sync_fd = -1, kmsg, err;
	struct arena ar;
	struct vdev d;
	int r = open_or_skip(&d);

	if (r)
		return r;
	/* The node's PCI function, whichever node kind (render or accel) it is. */
	CHECK(d.pci[0], "PCI address of %s", d.node);
	snprintf(addr, sizeof(addr), "%s", d.pci);
	printf("  removing %s\n", addr);
	CHECK(arena_init(&d, &ar, 64 << 10) == 0, "arena");
	CHECK(one_gemm(&d, 71) == 0, "GEMM before the removal");
	/* A job that hangs on the card when the function goes. */
	g = tiny_int8(ar.handle, 0, 64, ar.handle, 128);
	CHECK(syncobj_create(d.fd, &so) == 0, "syncobj");
	if (d.param[DRM_FPQ_PARAM_FEATURES] & DRM_FPQ_FEATURE_FAULT_INJECT)
		CHECK(inject(&d, "hang") == 0, "arm the hang");
	CHECK(vdev_submit(&d, &g, 1, DRM_FPQ_SUBMIT_DETACHED, so, NULL) == 0, "submit");
	CHECK(syncobj_export_sync_file(d.fd, so, &sync_fd) == 0, "its fence as a sync_file");
	usleep(200000);

	kmsg = kmsg_mark();
	CHECK(vm_sh("echo 1 > /sys/bus/pci/devices/%s/remove", addr) == 0, "remove %s", addr);
	CHECK(vioctl(d.fd, DRM_IOCTL_FPQ_GET_PARAM, &gp) == -ENODEV, "ioctl after removal");
	CHECK(vdev_submit(&d, &g, 1, 0, 0, NULL) == -ENODEV, "submit after removal");
	ar.map[4000] = 0x5a;
	CHECK(ar.map[4000] == 0x5a && ar.map[0] == 0, "the mapping still works");
	err = sync_file_info(sync_fd, &info, &fi);
	CHECK(err == 0 && info.status == -ENODEV, "the job's fence: %d, status %d", err,
	      info.status);
	close(sync_fd);
	munmap(ar.map, ar.size);
	close(d.fd);	/* the last reference to the removed device */
	usleep(200000);
	r = kmsg_problems(kmsg);
	CHECK(r == 0, "the kernel log reports %d problem(s) at removal or last close (above)", r);

	CHECK(vm_sh("echo 1 > /sys/bus/pci/rescan") == 0, "rescan");
	CHECK(vdev_wait_open(&d) == 0, "the device is back after the rescan");
	CHECK(one_gemm(&d, 72) == 0, "GEMM after the rescan");
	vdev_close(&d);
	return finish("hot-remove");
}
