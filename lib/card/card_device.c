// SPDX-License-Identifier: MIT
/*
 * card_device.c - finding the fpq card among the DRM nodes, opening it, reading its
 * parameters, and its buffer objects.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xf86drm.h>

#include "card.h"
#include "fpq_drm.h"

int card_ioctl(struct card *card, unsigned long request, void *arg)
{
	int ret;

	do
		ret = ioctl(card->fd, request, arg);
	while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret == -1 ? -errno : 0;
}

/* Open path if its DRM driver is fpq; the fd, or a negative errno. */
static int open_if_fpq(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	drmVersionPtr v;
	int is_fpq;

	if (fd < 0)
		return -errno;
	v = drmGetVersion(fd);
	is_fpq = v && v->name && strcmp(v->name, "fpq") == 0;
	drmFreeVersion(v);
	if (!is_fpq) {
		close(fd);
		return -ENODEV;
	}
	return fd;
}

/* The n-th candidate node: compute-accelerator nodes, then render nodes. */
static void candidate(int n, char *path, size_t len)
{
	if (n < 64)
		snprintf(path, len, "/dev/accel/accel%d", n);
	else
		snprintf(path, len, "/dev/dri/renderD%d", 128 + n - 64);
}

int fpq_devices(struct fpq_device_info *infos, unsigned int max, unsigned int *count)
{
	unsigned int found = 0;
	int denied = 0;

	if (!count || (max && !infos))
		return fpq_error(-EFAULT, "devices: NULL count or info array");
	for (int n = 0; n < 128; n++) {
		struct card card = { .fd = -1 };
		char path[64];
		int fd;

		candidate(n, path, sizeof(path));
		fd = open_if_fpq(path);
		if (fd == -EACCES || fd == -EPERM)
			denied = 1;
		if (fd < 0)
			continue;
		card.fd = fd;
		snprintf(card.info.node, sizeof(card.info.node), "%s", path);
		if (card_query(&card) == 0) {
			if (found < max)
				infos[found] = card.info;
			found++;
			card_close(&card);
		}
	}
	*count = found;
	if (!found && denied)
		return fpq_error(-EACCES, "devices: fpq nodes exist but cannot be opened "
					  "(permissions of /dev/dri or /dev/accel)");
	return 0;
}

int card_open(struct card *card)
{
	const char *want = getenv("FPQ_DEVICE_PATH");
	char path[64];
	int fd, first_err = -ENODEV;

	memset(card, 0, sizeof(*card));
	card->fd = -1;
	if (want && *want) {
		fd = open_if_fpq(want);
		if (fd < 0)
			return fpq_error(fd, "card: FPQ_DEVICE_PATH=%s: %s", want,
					 fd == -ENODEV ? "not an fpq device" : strerror(-fd));
		snprintf(card->info.node, sizeof(card->info.node), "%s", want);
		card->fd = fd;
		return card_query(card);
	}
	/* Compute-accelerator nodes first (kernels with DRM_ACCEL), then render nodes. */
	for (int n = 0; n < 128; n++) {
		candidate(n, path, sizeof(path));
		fd = open_if_fpq(path);
		if (fd >= 0) {
			snprintf(card->info.node, sizeof(card->info.node), "%s", path);
			card->fd = fd;
			return card_query(card);
		}
		if (fd == -EACCES || fd == -EPERM)
			first_err = fd;
	}
	if (first_err == -EACCES || first_err == -EPERM)
		return fpq_error(first_err, "card: an fpq node exists but cannot be opened "
					    "(permissions of /dev/dri or /dev/accel)");
	return fpq_error(-ENODEV, "card: no fpq device (is fpq.ko loaded?)");
}

void card_close(struct card *card)
{
	if (card->fd >= 0)
		close(card->fd);
	card->fd = -1;
}

static int get_param(struct card *card, uint32_t param, uint64_t *value)
{
	struct drm_fpq_get_param p = { .param = param };
	int err = card_ioctl(card, DRM_IOCTL_FPQ_GET_PARAM, &p);

	if (err)
		return fpq_error(err, "card: GET_PARAM %u: %s", param, strerror(-err));
	*value = p.value;
	return 0;
}

int card_query(struct card *card)
{
	struct fpq_device_info *in = &card->info;
	uint64_t v[DRM_FPQ_PARAM_COUNT];
	int err;

	for (uint32_t p = 0; p < DRM_FPQ_PARAM_COUNT; p++) {
		err = get_param(card, p, &v[p]);
		if (err) {
			card_close(card);
			return err;
		}
	}
	in->driver_version = v[DRM_FPQ_PARAM_DRIVER_VERSION];
	in->pci_id = v[DRM_FPQ_PARAM_PCI_ID];
	in->hw_id = v[DRM_FPQ_PARAM_HW_ID];
	in->hw_version = v[DRM_FPQ_PARAM_HW_VERSION];
	in->array_rows = (uint32_t)v[DRM_FPQ_PARAM_ARRAY_ROWS];
	in->array_cols = (uint32_t)v[DRM_FPQ_PARAM_ARRAY_COLS];
	in->input_formats = v[DRM_FPQ_PARAM_INPUT_FORMATS];
	in->output_formats = v[DRM_FPQ_PARAM_OUTPUT_FORMATS];
	in->features = v[DRM_FPQ_PARAM_FEATURES];
	in->max_m = (uint32_t)v[DRM_FPQ_PARAM_MAX_M];
	in->max_n = (uint32_t)v[DRM_FPQ_PARAM_MAX_N];
	in->max_k = (uint32_t)v[DRM_FPQ_PARAM_MAX_K];
	in->max_ops = (uint32_t)v[DRM_FPQ_PARAM_MAX_OPS];
	in->max_buffer = v[DRM_FPQ_PARAM_MAX_BO_SIZE];
	in->offset_align = (uint32_t)v[DRM_FPQ_PARAM_OFFSET_ALIGN];
	in->job_timeout_ms = (uint32_t)v[DRM_FPQ_PARAM_JOB_TIMEOUT_MS];
	if (in->offset_align == 0 || (in->offset_align & (in->offset_align - 1)) ||
	    in->max_ops == 0) {
		card_close(card);
		return fpq_error(-EIO, "card: implausible parameters (align %u, max ops %u)",
				 in->offset_align, in->max_ops);
	}
	return 0;
}

int card_bo_create(struct card *card, size_t size, uint32_t *handle, size_t *real_size)
{
	struct drm_fpq_bo_create c = { .size = size };
	int err = card_ioctl(card, DRM_IOCTL_FPQ_BO_CREATE, &c);

	if (err)
		return fpq_error(err == -EINVAL ? -ENOTSUP : err,
				 "card: cannot create a %zu-byte buffer: %s", size, strerror(-err));
	*handle = c.handle;
	*real_size = c.size;
	return 0;
}

int card_bo_map(struct card *card, uint32_t handle, size_t size, void **map)
{
	struct drm_fpq_bo_info info = { .handle = handle };
	int err = card_ioctl(card, DRM_IOCTL_FPQ_BO_INFO, &info);
	void *p;

	if (err)
		return fpq_error(err, "card: BO_INFO: %s", strerror(-err));
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, card->fd,
		 (off_t)info.mmap_offset);
	if (p == MAP_FAILED)
		return fpq_error(-errno, "card: mmap of a %zu-byte buffer: %s", size,
				 strerror(errno));
	*map = p;
	return 0;
}

void card_bo_close(struct card *card, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	card_ioctl(card, DRM_IOCTL_GEM_CLOSE, &c);
}
