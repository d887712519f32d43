// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_job_mem.c - the memory a job touches: which pages, held (pinned and mapped for
 * the card) only while the job lives past its first run, and kept coherent with the
 * CPU byte for byte.
 *
 * At submission a job records only which runs of pages of its buffers its operations
 * reach (fpq_job_collect_ranges()); nothing is pinned, so a refused or queued job
 * holds no page. When the job first runs, those pages - and only those - are held
 * (fpq_bo_hold_pages(): one mapping per page, shared with the other jobs holding it)
 * and its page table maps exactly them; the rows the job reads are synced for the
 * card. When it has finished, the rows it wrote are synced for the CPU before its
 * fence signals; when it is freed, it lets go of the pages. Syncs are no-ops on
 * coherent machines; under bounce buffering (swiotlb=force, a narrow DMA mask) they
 * copy, and copying only the rows an operation touches keeps the bytes around them -
 * another job's output, or what the CPU wrote meanwhile - as they are.
 */
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "fpq_drv.h"
#include "fpq_gem.h"
#include "fpq_job.h"

static void fpq_job_add_range(struct fpq_job *job, u16 slot, u64 offset, u64 bytes,
			      bool write)
{
	struct fpq_job_range *r = &job->ranges[job->range_count++];

	/* Validation put every range inside its buffer: no overflow here. */
	r->slot = slot;
	r->first = offset >> PAGE_SHIFT;
	r->count = ((offset + bytes - 1) >> PAGE_SHIFT) - r->first + 1;
	r->write = write;
	job->slots[slot].perm |= write ? FPQ_MMU_WRITE : FPQ_MMU_READ;
}

static int fpq_job_range_cmp(const void *a, const void *b)
{
	const struct fpq_job_range *x = a, *y = b;

	if (x->slot != y->slot)
		return x->slot < y->slot ? -1 : 1;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return 0;
}

/* Overlapping and adjacent runs of one buffer become one. */
static void fpq_job_merge_ranges(struct fpq_job *job)
{
	struct fpq_job_range *r = job->ranges;
	u32 i, n = 0;

	sort(r, job->range_count, sizeof(*r), fpq_job_range_cmp, NULL);
	for (i = 0; i < job->range_count; i++) {
		struct fpq_job_range *last = n ? &r[n - 1] : NULL;

		if (last && last->slot == r[i].slot && r[i].first <= last->first + last->count) {
			last->count = max(last->count, r[i].first + r[i].count - last->first);
			last->write |= r[i].write;
		} else {
			r[n++] = r[i];
		}
	}
	job->range_count = n;
	job->page_count = 0;
	for (i = 0; i < n; i++)
		job->page_count += r[i].count;
}

/* An imported buffer's pages are mapped by its attachment: whole pages, or refused. */
static int fpq_job_check_import(struct drm_gem_object *obj)
{
	struct sg_table *sgt = to_drm_gem_shmem_obj(obj)->sgt;
	struct scatterlist *sg;
	unsigned int i;

	if (!sgt)
		return -EINVAL;
	for_each_sgtable_dma_sg(sgt, sg, i)
		if (!IS_ALIGNED(sg_dma_address(sg) | sg_dma_len(sg), PAGE_SIZE))
			return -EINVAL;
	return 0;
}

/**
 * fpq_job_collect_ranges() - which pages of which buffers the job's operations touch,
 * and with which access (the page table's permissions).
 * @job: a job whose operations are checked (fpq_validate_gemm()).
 *
 * Return: 0, -ENOMEM, or -EINVAL for an imported buffer whose DMA segments are not
 * whole pages.
 */
int fpq_job_collect_ranges(struct fpq_job *job)
{
	u32 i;

	job->ranges = kvcalloc(job->op_count * FPQ_RANGES_PER_OP, sizeof(*job->ranges),
			       GFP_KERNEL_ACCOUNT);
	if (!job->ranges)
		return -ENOMEM;
	for (i = 0; i < job->op_count; i++) {
		const struct fpq_op *op = &job->ops[i];
		const struct fpq_op_vector *vecs[] = { &op->alpha, &op->beta, &op->bias,
						       &op->requant_mult, &op->requant_shift,
						       &op->out_scale };
		unsigned int v;

		fpq_job_add_range(job, op->a.slot, op->a.offset, op->a.extent, false);
		fpq_job_add_range(job, op->b.slot, op->b.offset, op->b.extent, false);
		fpq_job_add_range(job, op->c.slot, op->c.offset, op->c.extent, true);
		if (op->a.has_scales)
			fpq_job_add_range(job, op->a.scale_slot, op->a.scale_offset,
					  op->a.scale_extent, false);
		if (op->b.has_scales)
			fpq_job_add_range(job, op->b.scale_slot, op->b.scale_offset,
					  op->b.scale_extent, false);
		if (op->c.has_scales)
			fpq_job_add_range(job, op->c.scale_slot, op->c.scale_offset,
					  op->c.scale_extent, true);
		for (v = 0; v < ARRAY_SIZE(vecs); v++)
			if (vecs[v]->present)
				fpq_job_add_range(job, vecs[v]->slot, vecs[v]->offset,
						  vecs[v]->bytes, false);
	}
	fpq_job_merge_ranges(job);
	for (i = 0; i < job->bo_count; i++)
		if (job->bos[i]->import_attach && fpq_job_check_import(job->bos[i]))
			return -EINVAL;
	return 0;
}

/* ---- syncs ------------------------------------------------------------------------ */

/* The run of @slot holding page @page (ranges are sorted by slot, then first page). */
static const struct fpq_job_range *fpq_job_find_range(const struct fpq_job *job, u16 slot,
						      u64 page)
{
	u32 lo = 0, hi = job->range_count;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		const struct fpq_job_range *r = &job->ranges[mid];

		if (r->slot < slot || (r->slot == slot && r->first + r->count <= page))
			lo = mid + 1;
		else if (r->slot > slot || r->first > page)
			hi = mid;
		else
			return r;
	}
	return NULL;
}

/* Sync bytes [@offset, @offset + @len) of a buffer of the job, page by page. */
static void fpq_job_sync_bytes(struct fpq_job *job, u16 slot, u64 offset, u64 len,
			       bool for_cpu)
{
	struct device *dev = job->fdev->dma_dev;

	while (len) {
		u64 page = offset >> PAGE_SHIFT, in_page = offset & ~PAGE_MASK;
		u64 n = min_t(u64, len, PAGE_SIZE - in_page);
		const struct fpq_job_range *r = fpq_job_find_range(job, slot, page);
		dma_addr_t dma;

		if (WARN_ON_ONCE(!r || !r->dma))
			return;
		dma = r->dma[page - r->first] + in_page;
		if (for_cpu)
			dma_sync_single_for_cpu(dev, dma, n, DMA_BIDIRECTIONAL);
		else
			dma_sync_single_for_device(dev, dma, n, DMA_BIDIRECTIONAL);
		offset += n;
		len -= n;
	}
}

/* Every row of a matrix (or of its scales): @row_bytes at @offset + r * @stride. */
static void fpq_job_sync_rows(struct fpq_job *job, u16 slot, u64 offset, u32 rows,
			      u64 stride, u64 row_bytes, bool for_cpu)
{
	u32 r;

	for (r = 0; r < rows; r++)
		fpq_job_sync_bytes(job, slot, offset + r * stride, row_bytes, for_cpu);
}

static void fpq_job_sync_matrix(struct fpq_job *job, const struct fpq_op_matrix *m, u32 rows,
				u32 cols, bool for_cpu)
{
	u64 row_bytes;

	if (!fpq_row_bytes(m->format, cols, &row_bytes))
		fpq_job_sync_rows(job, m->slot, m->offset, rows, m->stride, row_bytes, for_cpu);
	if (m->has_scales)
		fpq_job_sync_rows(job, m->scale_slot, m->scale_offset, rows, m->scale_stride,
				  cols / FPQ_MX_BLOCK, for_cpu);
}

/* What the card reads: synced for it when the job first runs. */
static void fpq_job_sync_for_device(struct fpq_job *job)
{
	u32 i;

	for (i = 0; i < job->op_count; i++) {
		const struct fpq_op *op = &job->ops[i];
		const struct fpq_op_vector *vecs[] = { &op->alpha, &op->beta, &op->bias,
						       &op->requant_mult, &op->requant_shift,
						       &op->out_scale };
		unsigned int v;

		fpq_job_sync_matrix(job, &op->a, op->m, op->k, false);
		fpq_job_sync_matrix(job, &op->b, op->n, op->k, false);
		for (v = 0; v < ARRAY_SIZE(vecs); v++)
			if (vecs[v]->present)
				fpq_job_sync_bytes(job, vecs[v]->slot, vecs[v]->offset,
						   vecs[v]->bytes, false);
	}
}

/**
 * fpq_job_sync_for_cpu() - make what the card wrote visible to the CPU; before the
 * job's fence signals.
 * @job: a job that ran (any context).
 * @last_op: the last operation that may have written (later ones never started, and
 *	their outputs stay as the CPU left them).
 */
void fpq_job_sync_for_cpu(struct fpq_job *job, u32 last_op)
{
	u32 i;

	for (i = 0; i <= last_op && i < job->op_count; i++) {
		const struct fpq_op *op = &job->ops[i];

		fpq_job_sync_matrix(job, &op->c, op->m, op->n, true);
	}
}

/* ---- holding the pages --------------------------------------------------------------- */

/**
 * fpq_job_map() - hold what the job touches, build its page table and sync what it
 * reads; called when the job first runs.
 * @job: the job.
 *
 * Return: 0, or -ENOMEM (-EFAULT when a page cannot be read in, -EINVAL when an
 * import's mapping no longer covers it); what was done is undone when the job is freed.
 */
int fpq_job_map(struct fpq_job *job)
{
	struct device *dev = job->fdev->dma_dev;
	struct fpq_vm_map *maps;
	u32 i;
	int err = 0;

	maps = kvcalloc(job->range_count, sizeof(*maps), GFP_KERNEL);
	job->pt = kzalloc(sizeof(*job->pt), GFP_KERNEL);
	if (!maps || !job->pt) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < job->range_count && !err; i++) {
		struct fpq_job_range *r = &job->ranges[i];

		r->dma = kvmalloc_array(r->count, sizeof(*r->dma), GFP_KERNEL);
		if (!r->dma) {
			err = -ENOMEM;
			break;
		}
		err = fpq_bo_hold_pages(job->bos[r->slot], dev, r->first, r->count, r->dma);
		if (err) {
			kvfree(r->dma);
			r->dma = NULL;
			break;
		}
		maps[i] = (struct fpq_vm_map){
			.va = job->slots[r->slot].va + (r->first << PAGE_SHIFT),
			.pages = r->count,
			.perm = job->slots[r->slot].perm,
			.dma = r->dma,
		};
	}
	if (!err)
		err = fpq_pt_build(job->pt, dev, maps, job->range_count);
	if (!err)
		fpq_job_sync_for_device(job);
	job->mapped = !err;
out:
	kvfree(maps);
	return err;
}

/**
 * fpq_job_unmap() - let go of the pages fpq_job_map() held, free the page table.
 * @job: the job, finished (or never run).
 */
void fpq_job_unmap(struct fpq_job *job)
{
	struct device *dev = job->fdev->dma_dev;
	u32 i;

	for (i = 0; i < job->range_count; i++) {
		struct fpq_job_range *r = &job->ranges[i];

		if (!r->dma)
			continue;
		fpq_bo_release_pages(job->bos[r->slot], dev, r->first, r->count);
		kvfree(r->dma);
	}
	if (job->pt) {
		fpq_pt_free(job->pt);
		kfree(job->pt);
	}
	kvfree(job->ranges);
}
