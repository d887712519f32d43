/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fpq_gem.h - buffer objects: shmem-backed GEM objects.
 */
#ifndef FPQ_GEM_H
#define FPQ_GEM_H

#include <drm/drm_gem_shmem_helper.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>

struct device;
struct drm_device;
struct drm_file;
struct drm_gem_object;

/**
 * struct fpq_bo - a buffer object.
 * @base: the shmem object.
 * @map_lock: protects @pages.
 * @pages: page index -> the page as mapped for the card, for pages jobs hold.
 */
struct fpq_bo {
	struct drm_gem_shmem_object base;
	struct mutex map_lock;	/* @pages */
	struct xarray pages;
};

struct drm_gem_object *fpq_gem_create_object(struct drm_device *drm, size_t size);
int fpq_ioctl_bo_create(struct drm_device *drm, void *data, struct drm_file *file);
int fpq_ioctl_bo_info(struct drm_device *drm, void *data, struct drm_file *file);
int fpq_bo_hold_pages(struct drm_gem_object *obj, struct device *dev, u64 first, u64 count,
		      dma_addr_t *dma);
void fpq_bo_release_pages(struct drm_gem_object *obj, struct device *dev, u64 first,
			  u64 count);

#endif /* FPQ_GEM_H */
