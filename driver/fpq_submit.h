/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fpq_submit.h - DRM_IOCTL_FPQ_SUBMIT and DRM_IOCTL_FPQ_WAIT, with their cores on
 * kernel memory (what the ioctls run after copying from userspace).
 */
#ifndef FPQ_SUBMIT_H
#define FPQ_SUBMIT_H

#include <linux/types.h>

#include "../uapi/fpq_drm.h"

struct drm_device;
struct drm_file;
struct fpq_device;
struct fpq_file;

int fpq_submit(struct fpq_device *fdev, struct drm_file *file, struct drm_fpq_submit *args,
	       const struct drm_fpq_gemm *ops, const u32 *in_syncobjs);
int fpq_wait(struct fpq_file *ffile, struct drm_fpq_wait *args,
	     struct drm_fpq_op_status *op_status, u32 *op_status_written);

int fpq_ioctl_submit(struct drm_device *drm, void *data, struct drm_file *file);
int fpq_ioctl_wait(struct drm_device *drm, void *data, struct drm_file *file);

#endif /* FPQ_SUBMIT_H */
