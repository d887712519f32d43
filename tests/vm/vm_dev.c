// SPDX-License-Identifier: MIT
/*
 * vm_dev.c - the fpq device as the VM tests see it (vm_dev.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "vm_dev.h"

int vioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do {
		r = ioctl(fd, req, arg);
	} while (r == -1 && (errno == EINTR || errno == EAGAIN));
	return r == -1 ? -errno : 0;
}

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int is_fpq(int fd)
{
	char name[32] = "";
	struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };

	return vioctl(fd, DRM_IOCTL_VERSION, &v) == 0 && strcmp(name, "fpq") == 0;
}

/* The n-th candidate node: compute-accelerator nodes first, then render nodes. */
static void candidate(unsigned int n, char *path, size_t len)
{
	if (n < 64)
		snprintf(path, len, "/dev/accel/accel%u", n);
	else
		snprintf(path, len, "/dev/dri/renderD%u", 128 + n - 64);
}

int vdev_open(struct vdev *d)
{
	char path[64], link[256], target[256];
	struct stat st;

	for (unsigned int n = 0; n < 128; n++) {
		candidate(n, path, sizeof(path));
		int fd = open(path, O_RDWR | O_CLOEXEC);

		if (fd < 0)
			continue;
		if (!is_fpq(fd) || fstat(fd, &st)) {
			close(fd);
			continue;
		}
		memset(d, 0, sizeof(*d));
		d->fd = fd;
		snprintf(d->node, sizeof(d->node), "%s", path);
		d->accel = n < 64;
		d->major = major(st.st_rdev);
		d->minor = minor(st.st_rdev);
		/* The PCI function names the DRM device's own debugfs directory (6.12). */
		snprintf(link, sizeof(link), "/sys/dev/char/%u:%u/device", d->major, d->minor);
		ssize_t len = readlink(link, target, sizeof(target) - 1);

		if (len > 0) {
			target[len] = 0;
			const char *base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;

			if (strlen(base) < sizeof(d->pci))
				memcpy(d->pci, base, strlen(base) + 1);
		}
		for (uint32_t p = 0; p < DRM_FPQ_PARAM_COUNT; p++) {
			struct drm_fpq_get_param gp = { .param = p };

			if (vioctl(fd, DRM_IOCTL_FPQ_GET_PARAM, &gp) == 0)
				d->param[p] = gp.value;
		}
		return 0;
	}
	return -ENODEV;
}

void vdev_close(struct vdev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

int vdev_bo_create(struct vdev *d, uint64_t size, uint32_t *handle, uint64_t *mmap_offset)
{
	struct drm_fpq_bo_create c = { .size = size };
	int err = vioctl(d->fd, DRM_IOCTL_FPQ_BO_CREATE, &c);

	if (!err) {
		*handle = c.handle;
		if (mmap_offset)
			*mmap_offset = c.mmap_offset;
	}
	return err;
}

void *vdev_bo_map(struct vdev *d, uint32_t handle, uint64_t size)
{
	struct drm_fpq_bo_info info = { .handle = handle };
	void *p;

	if (vioctl(d->fd, DRM_IOCTL_FPQ_BO_INFO, &info))
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, info.mmap_offset);
	return p == MAP_FAILED ? NULL : p;
}

int vdev_bo_close(struct vdev *d, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	return vioctl(d->fd, DRM_IOCTL_GEM_CLOSE, &c);
}

int vdev_submit(struct vdev *d, const struct drm_fpq_gemm *ops, uint32_t n, uint32_t flags,
		uint32_t out_syncobj, uint64_t *job_id)
{
	struct drm_fpq_submit s = {
		.ops = (uintptr_t)ops,
		.op_count = n,
		.op_size = sizeof(*ops),
		.out_syncobj = out_syncobj,
		.flags = flags,
	};
	int err = vioctl(d->fd, DRM_IOCTL_FPQ_SUBMIT, &s);

	if (!err && job_id)
		*job_id = s.job_id;
	return err;
}

int vdev_wait(struct vdev *d, uint64_t job_id, int64_t timeout_ms,
	      struct drm_fpq_job_status *st, struct drm_fpq_op_status *ops, uint32_t n_ops)
{
	struct timespec ts;
	struct drm_fpq_wait w = { .job_id = job_id };
	int err;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	w.timeout_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + timeout_ms * 1000000;
	if (ops && n_ops) {
		w.op_status = (uintptr_t)ops;
		w.op_status_count = n_ops;
	}
	err = vioctl(d->fd, DRM_IOCTL_FPQ_WAIT, &w);
	if (st)
		*st = w.status;
	return err;
}

int arena_init(struct vdev *d, struct arena *a, uint64_t size)
{
	uint64_t off;
	int err;

	memset(a, 0, sizeof(*a));
	err = vdev_bo_create(d, size, &a->handle, &off);
	if (err)
		return err;
	a->size = size;
	a->map = vdev_bo_map(d, a->handle, size);
	if (!a->map) {
		vdev_bo_close(d, a->handle);
		return -ENOMEM;
	}
	return 0;
}

void arena_fini(struct vdev *d, struct arena *a)
{
	if (a->map)
		munmap(a->map, a->size);
	if (a->handle)
		vdev_bo_close(d, a->handle);
	memset(a, 0, sizeof(*a));
}

uint64_t arena_alloc(struct arena *a, uint64_t bytes)
{
	uint64_t off = (a->used + 63) & ~(uint64_t)63;

	if (bytes > a->size || off > a->size - bytes)
		return UINT64_MAX;
	a->used = off + bytes;
	memset(a->map + off, 0, bytes);
	return off;
}

int vdev_debugfs_path(struct vdev *d, const char *name, char *path, size_t len)
{
	struct stat st;

	mkdir("/sys/kernel/debug", 0755);
	mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);	/* may be there already */
	/*
	 * Kernels with a debugfs directory per DRM device (6.12) name it after the PCI
	 * function, under accel/ or dri/; older ones (6.1) have one per minor, under dri/.
	 */
	if (d->pci[0]) {
		snprintf(path, len, "/sys/kernel/debug/%s/%s/%s", d->accel ? "accel" : "dri",
			 d->pci, name);
		if (stat(path, &st) == 0)
			return 0;
	}
	snprintf(path, len, "/sys/kernel/debug/dri/%u/%s", d->minor, name);
	return stat(path, &st) == 0 ? 0 : -ENOENT;
}

int64_t vdev_sysfs_counter(struct vdev *d, const char *name)
{
	char path[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/device/fpq/%s", d->major, d->minor,
		 name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}
