// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_gem.c - buffer objects.
 *
 * Buffers are GEM shmem objects: system memory, not physically contiguous, pinned
 * and mapped for the card while a job uses them (the card reaches them through the
 * job's page table). PRIME export and import come from the DRM core; imported
 * dma-bufs become shmem objects around the exporter's pages.
 */
#include <drm/drm_device.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_vma_manager.h>
#include <linux/err.h>

#include "fpq_drv.h"
#include "fpq_gem.h"

static int fpq_bo_mmap_offset(struct drm_gem_object *obj, u64 *offset)
{
	int err = drm_gem_create_mmap_offset(obj);

	if (err)
		return err;
	*offset = drm_vma_node_offset_addr(&obj->vma_node);
	return 0;
}

/**
 * fpq_ioctl_bo_create() - DRM_IOCTL_FPQ_BO_CREATE.
 * @drm: the device.
 * @data: struct drm_fpq_bo_create.
 * @file: the caller's file, which gets the handle.
 *
 * Return: 0, -EINVAL for flags or a size outside 1..max, -ENOMEM.
 */
int fpq_ioctl_bo_create(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct fpq_device *fdev = to_fpq_device(drm);
	struct drm_fpq_bo_create *args = data;
	struct drm_gem_shmem_object *shmem;
	u64 offset;
	u32 handle;
	int err;

	if (args->flags || !args->size || args->size > fdev->caps.max_bo_size)
		return -EINVAL;
	shmem = drm_gem_shmem_create(drm, PAGE_ALIGN(args->size));
	if (IS_ERR(shmem))
		return PTR_ERR(shmem);
	err = fpq_bo_mmap_offset(&shmem->base, &offset);
	if (!err)
		err = drm_gem_handle_create(file, &shmem->base, &handle);
	if (!err) {
		args->size = shmem->base.size;
		args->handle = handle;
		args->mmap_offset = offset;
	}
	/* The handle holds the object now (or nothing does, on failure). */
	drm_gem_object_put(&shmem->base);
	return err;
}

/**
 * fpq_ioctl_bo_info() - DRM_IOCTL_FPQ_BO_INFO.
 * @drm: the device.
 * @data: struct drm_fpq_bo_info.
 * @file: the caller's file.
 *
 * Return: 0, or -ENOENT for a handle the file does not own.
 */
int fpq_ioctl_bo_info(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_fpq_bo_info *args = data;
	struct drm_gem_object *obj;
	u64 offset;
	int err;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	err = fpq_bo_mmap_offset(obj, &offset);
	if (!err) {
		args->flags = 0;
		args->size = obj->size;
		args->mmap_offset = offset;
	}
	drm_gem_object_put(obj);
	return err;
}
