/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fpq_gem.h - buffer objects: shmem-backed GEM objects.
 */
#ifndef FPQ_GEM_H
#define FPQ_GEM_H

struct drm_device;
struct drm_file;

int fpq_ioctl_bo_create(struct drm_device *drm, void *data, struct drm_file *file);
int fpq_ioctl_bo_info(struct drm_device *drm, void *data, struct drm_file *file);

#endif /* FPQ_GEM_H */
