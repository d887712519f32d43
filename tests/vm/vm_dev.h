/* SPDX-License-Identifier: MIT */
/*
 * vm_dev.h - the fpq device as the VM tests see it: its node (compute accelerator or
 * render), the UAPI's ioctls, buffer objects and an arena allocator inside one buffer.
 */
#ifndef FPQ_VM_DEV_H
#define FPQ_VM_DEV_H

#include <stddef.h>
#include <stdint.h>

#include "drm.h"
#include "fpq_drm.h"

/**
 * struct vdev - an open fpq node.
 * @fd: the file.
 * @node: its path (/dev/accel/accelN or /dev/dri/renderDN).
 * @accel: a compute-accelerator node.
 * @major: character device major number.
 * @minor: its minor number (the debugfs directory name on kernels without one per device).
 * @pci: the PCI function's name (the debugfs directory name on kernels with one per device).
 * @param: every DRM_FPQ_PARAM_* value.
 */
struct vdev {
	int fd;
	char node[64];
	int accel;
	unsigned int major;
	unsigned int minor;
	char pci[32];
	uint64_t param[DRM_FPQ_PARAM_COUNT];
};

/**
 * struct arena - one buffer object carved into 64-byte aligned pieces.
 * @handle: GEM handle.
 * @map: CPU mapping.
 * @size: bytes.
 * @used: bytes handed out.
 */
struct arena {
	uint32_t handle;
	uint8_t *map;
	uint64_t size;
	uint64_t used;
};

/* ioctl() that retries on EINTR/EAGAIN; 0 or -errno. */
int vioctl(int fd, unsigned long req, void *arg);
/* Open the first accel node, else render node, whose driver is "fpq"; 0, or -ENODEV. */
int vdev_open(struct vdev *d);
void vdev_close(struct vdev *d);
int vdev_bo_create(struct vdev *d, uint64_t size, uint32_t *handle, uint64_t *mmap_offset);
void *vdev_bo_map(struct vdev *d, uint32_t handle, uint64_t size);
int vdev_bo_close(struct vdev *d, uint32_t handle);
int vdev_submit(struct vdev *d, const struct drm_fpq_gemm *ops, uint32_t n, uint32_t flags,
		uint32_t out_syncobj, uint64_t *job_id);
/* Wait with a relative timeout in ms; fills @st and @ops (may be NULL). */
int vdev_wait(struct vdev *d, uint64_t job_id, int64_t timeout_ms,
	      struct drm_fpq_job_status *st, struct drm_fpq_op_status *ops, uint32_t n_ops);
int64_t now_ms(void);

int arena_init(struct vdev *d, struct arena *a, uint64_t size);
void arena_fini(struct vdev *d, struct arena *a);
/* Offset of @bytes new bytes (zeroed), or UINT64_MAX when the arena is full. */
uint64_t arena_alloc(struct arena *a, uint64_t bytes);

/* Path of a file in the device's debugfs directory (mounts debugfs if needed). */
int vdev_debugfs_path(struct vdev *d, const char *name, char *path, size_t len);
/* A counter of the device's sysfs "fpq" group (jobs_live, buffers_live, ...). */
int64_t vdev_sysfs_counter(struct vdev *d, const char *name);

#endif /* FPQ_VM_DEV_H */
