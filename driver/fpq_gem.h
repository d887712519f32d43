/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fpq_gem.h - buffer objects: shmem-backed GEM objects.
 */
#ifndef FPQ_GEM_H
#define FPQ_GEM_H

#include <linux/types.h>

struct drm_device;
struct drm_file;
struct drm_gem_object;

struct drm_gem_object *fpq_gem_create_object(struct drm_device *drm, size_t size);
int fpq_ioctl_bo_create(struct drm_device *drm, void *data, struct drm_file *file);
int fpq_ioctl_bo_info(struct drm_device *drm, void *data, struct drm_file *file);

#endif /* FPQ_GEM_H */
