// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_gem.c - buffer objects.
 *
 * Buffers are GEM shmem objects: system memory, not physically contiguous. The pages
 * a running job touches are pinned and mapped for the card, one mapping per page
 * shared by every job that holds it (the DMA API allows no overlapping mappings),
 * and unmapped and unpinned when the last such job is freed (the card reaches them
 * through each job's page table). PRIME export and import come from the DRM core;
 * imported dma-bufs become shmem objects around the exporter's pages, which stay
 * mapped by their attachment.
 */
#include <drm/drm_device.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_vma_manager.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "fpq_drv.h"
#include "fpq_gem.h"

/*
 * The shmem helper's object functions, with a count of live buffers (debugfs and the
 * leak tests read it).
 */
/**
 * struct fpq_bo_page - one page of a buffer, mapped for the card while jobs hold it.
 * @page: the page (one reference).
 * @dma: its bus address (DMA_BIDIRECTIONAL).
 * @users: jobs holding it.
 */
struct fpq_bo_page {
	struct page *page;
	dma_addr_t dma;
	unsigned int users;
};

static struct fpq_bo *to_fpq_bo(struct drm_gem_object *obj)
{
	return container_of(obj, struct fpq_bo, base.base);
}

static void fpq_bo_free(struct drm_gem_object *obj)
{
	struct fpq_device *fdev = to_fpq_device(obj->dev);
	struct fpq_bo *bo = to_fpq_bo(obj);

	/* Jobs hold a reference to their buffers: none holds a page any more. */
	WARN_ON(!xa_empty(&bo->pages));
	xa_destroy(&bo->pages);
	mutex_destroy(&bo->map_lock);
	drm_gem_shmem_object_free(obj);
	atomic64_dec(&fdev->stats.bos_live);
}

static const struct drm_gem_object_funcs fpq_bo_funcs = {
	.free = fpq_bo_free,
	.print_info = drm_gem_shmem_object_print_info,
	.pin = drm_gem_shmem_object_pin,
	.unpin = drm_gem_shmem_object_unpin,
	.get_sg_table = drm_gem_shmem_object_get_sg_table,
	.vmap = drm_gem_shmem_object_vmap,
	.vunmap = drm_gem_shmem_object_vunmap,
	.mmap = drm_gem_shmem_object_mmap,
	.vm_ops = &drm_gem_shmem_vm_ops,
};

/**
 * fpq_gem_create_object() - allocate the object of a new or imported buffer.
 * @drm: the device.
 * @size: its size.
 *
 * Return: the object, or an ERR_PTR.
 */
struct drm_gem_object *fpq_gem_create_object(struct drm_device *drm, size_t size)
{
	struct fpq_bo *bo = kzalloc(sizeof(*bo), GFP_KERNEL_ACCOUNT);

	if (!bo)
		return ERR_PTR(-ENOMEM);
	bo->base.base.funcs = &fpq_bo_funcs;
	mutex_init(&bo->map_lock);
	xa_init(&bo->pages);
	atomic64_inc(&to_fpq_device(drm)->stats.bos_live);
	return &bo->base.base;
}

/* The bus address of page @index of an imported buffer, from its attachment's mapping. */
static int fpq_bo_import_dma(struct drm_gem_object *obj, u64 index, dma_addr_t *dma)
{
	struct sg_table *sgt = to_drm_gem_shmem_obj(obj)->sgt;
	u64 offset = index << PAGE_SHIFT;
	struct scatterlist *sg;
	unsigned int i;

	if (!sgt)
		return -EINVAL;
	for_each_sgtable_dma_sg(sgt, sg, i) {
		if (offset < sg_dma_len(sg)) {
			*dma = sg_dma_address(sg) + offset;
			return 0;
		}
		offset -= sg_dma_len(sg);
	}
	return -EINVAL;
}

static void fpq_bo_page_put(struct fpq_bo *bo, struct device *dev, u64 index)
{
	struct fpq_bo_page *p = xa_load(&bo->pages, index);

	if (WARN_ON(!p) || --p->users)
		return;
	/*
	 * The CPU copy was synced when each job finished and may have changed since: no
	 * copy back from a bounce buffer now.
	 */
	dma_unmap_page_attrs(dev, p->dma, PAGE_SIZE, DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC);
	put_page(p->page);
	xa_erase(&bo->pages, index);
	kfree(p);
}

/**
 * fpq_bo_hold_pages() - pin pages of a buffer and map them for the card, for a job.
 * @obj: the buffer.
 * @dev: the device DMA is mapped for.
 * @first: first page index.
 * @count: pages.
 * @dma: receives the bus address of each page.
 *
 * Pages another job already holds are shared. Imported buffers are mapped by their
 * attachment already: only their addresses are looked up.
 *
 * Return: 0; -ENOMEM, -EFAULT (a page could not be read in) or -EINVAL (an import's
 * mapping does not cover the pages), with nothing held.
 */
int fpq_bo_hold_pages(struct drm_gem_object *obj, struct device *dev, u64 first, u64 count,
		      dma_addr_t *dma)
{
	struct fpq_bo *bo = to_fpq_bo(obj);
	u64 i;
	int err = 0;

	if (obj->import_attach) {
		for (i = 0; i < count && !err; i++)
			err = fpq_bo_import_dma(obj, first + i, &dma[i]);
		return err;
	}
	mutex_lock(&bo->map_lock);
	for (i = 0; i < count; i++) {
		struct fpq_bo_page *p = xa_load(&bo->pages, first + i);

		if (!p) {
			p = kzalloc(sizeof(*p), GFP_KERNEL);
			if (!p) {
				err = -ENOMEM;
				break;
			}
			p->page = shmem_read_mapping_page(obj->filp->f_mapping, first + i);
			if (IS_ERR(p->page)) {
				err = PTR_ERR(p->page) == -ENOMEM ? -ENOMEM : -EFAULT;
				kfree(p);
				break;
			}
			/* Mapping copies into a bounce buffer what the CPU wrote. */
			p->dma = dma_map_page(dev, p->page, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
			if (dma_mapping_error(dev, p->dma)) {
				put_page(p->page);
				kfree(p);
				err = -ENOMEM;
				break;
			}
			err = xa_err(xa_store(&bo->pages, first + i, p, GFP_KERNEL));
			if (err) {
				dma_unmap_page(dev, p->dma, PAGE_SIZE, DMA_BIDIRECTIONAL);
				put_page(p->page);
				kfree(p);
				break;
			}
		}
		p->users++;
		dma[i] = p->dma;
	}
	while (err && i--)
		fpq_bo_page_put(bo, dev, first + i);
	mutex_unlock(&bo->map_lock);
	return err;
}

/**
 * fpq_bo_release_pages() - a job lets go of pages fpq_bo_hold_pages() gave it.
 * @obj: the buffer.
 * @dev: the device DMA is mapped for.
 * @first: first page index.
 * @count: pages.
 *
 * The last holder of a page unmaps and unpins it.
 */
void fpq_bo_release_pages(struct drm_gem_object *obj, struct device *dev, u64 first,
			  u64 count)
{
	struct fpq_bo *bo = to_fpq_bo(obj);
	u64 i;

	if (obj->import_attach)
		return;
	mutex_lock(&bo->map_lock);
	for (i = 0; i < count; i++)
		fpq_bo_page_put(bo, dev, first + i);
	mutex_unlock(&bo->map_lock);
}

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
