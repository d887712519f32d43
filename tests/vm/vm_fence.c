// SPDX-License-Identifier: MIT
/*
 * vm_fence.c - syncobjs, sync_files and vgem's fences (vm_fence.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "drm.h"
#include "drm_mode.h"
#include "vm_dev.h"
#include "vm_fence.h"

/* vgem's UAPI (the kernel's include/uapi/drm/vgem_drm.h; libdrm does not ship it). */
struct vgem_fence_attach {
	uint32_t handle;
	uint32_t flags;
	uint32_t out_fence;
	uint32_t pad;
};

struct vgem_fence_signal {
	uint32_t fence;
	uint32_t flags;
};

#define VGEM_FENCE_WRITE 0x1
#define VGEM_IOCTL_FENCE_ATTACH DRM_IOWR(DRM_COMMAND_BASE + 0x1, struct vgem_fence_attach)
#define VGEM_IOCTL_FENCE_SIGNAL DRM_IOW(DRM_COMMAND_BASE + 0x2, struct vgem_fence_signal)

int syncobj_create(int fd, uint32_t *handle)
{
	struct drm_syncobj_create c = { 0 };
	int err = vioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c);

	if (!err)
		*handle = c.handle;
	return err;
}

int syncobj_destroy(int fd, uint32_t handle)
{
	struct drm_syncobj_destroy d = { .handle = handle };

	return vioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d);
}

int syncobj_export_sync_file(int fd, uint32_t handle, int *sync_fd)
{
	struct drm_syncobj_handle h = {
		.handle = handle, .flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
		.fd = -1,
	};
	int err = vioctl(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h);

	if (!err)
		*sync_fd = h.fd;
	return err;
}

int syncobj_import_sync_file(int fd, uint32_t handle, int sync_fd)
{
	struct drm_syncobj_handle h = {
		.handle = handle, .flags = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
		.fd = sync_fd,
	};

	return vioctl(fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &h);
}

int sync_file_info(int sync_fd, struct sync_file_info *info, struct sync_fence_info *fence)
{
	memset(info, 0, sizeof(*info));
	memset(fence, 0, sizeof(*fence));
	info->num_fences = 1;
	info->sync_fence_info = (uintptr_t)fence;
	return ioctl(sync_fd, SYNC_IOC_FILE_INFO, info) ? -errno : 0;
}

int sync_file_signalled(int sync_fd)
{
	struct pollfd p = { .fd = sync_fd, .events = POLLIN };
	int r = poll(&p, 1, 0);

	return r < 0 ? -errno : r > 0;
}

/* vgem's primary node: dumb buffers are not created on render nodes. */
static int open_vgem(void)
{
	for (unsigned int n = 0; n < 16; n++) {
		char path[64], name[32] = "";
		struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/card%u", n);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (vioctl(fd, DRM_IOCTL_VERSION, &v) == 0 && !strcmp(name, "vgem"))
			return fd;
		close(fd);
	}
	return -ENODEV;
}

int vgem_gate_open(struct vgem_gate *g)
{
	struct drm_mode_create_dumb dumb = { .width = 64, .height = 1, .bpp = 32 };
	struct drm_prime_handle exp = { .flags = DRM_CLOEXEC | DRM_RDWR };
	struct vgem_fence_attach att = { .flags = VGEM_FENCE_WRITE };
	struct dma_buf_export_sync_file sync = { .flags = DMA_BUF_SYNC_RW, .fd = -1 };
	int err;

	memset(g, 0, sizeof(*g));
	g->sync_fd = -1;
	g->fd = open_vgem();
	if (g->fd < 0)
		return g->fd;
	err = vioctl(g->fd, DRM_IOCTL_MODE_CREATE_DUMB, &dumb);
	if (err)
		goto fail;
	g->bo = dumb.handle;
	att.handle = g->bo;
	err = vioctl(g->fd, VGEM_IOCTL_FENCE_ATTACH, &att);
	if (err)
		goto fail;
	g->fence = att.out_fence;
	exp.handle = g->bo;
	err = vioctl(g->fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &exp);
	if (err)
		goto fail;
	err = ioctl(exp.fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &sync) ? -errno : 0;
	close(exp.fd);
	if (err)
		goto fail;
	g->sync_fd = sync.fd;
	return 0;
fail:
	vgem_gate_close(g);
	return err;
}

int vgem_gate_signal(struct vgem_gate *g)
{
	struct vgem_fence_signal s = { .fence = g->fence };

	return vioctl(g->fd, VGEM_IOCTL_FENCE_SIGNAL, &s);
}

void vgem_gate_close(struct vgem_gate *g)
{
	if (g->sync_fd >= 0)
		close(g->sync_fd);
	if (g->fd >= 0)
		close(g->fd);
	g->sync_fd = g->fd = -1;
}
