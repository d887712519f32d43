// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_desc.c - descriptor building and completion parsing.
 *
 * Only checked operations (struct fpq_op) become descriptors, and every address in
 * them is a device virtual address inside the job's own address space: the buffer's
 * place (fpq_mmu.c) plus the checked offset. Fields an operation does not use stay
 * zero, as the card requires.
 */
#include <linux/bitfield.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "fpq_desc.h"

static u64 fpq_desc_va(const u64 *slot_va, u16 slot, u64 offset)
{
	return slot_va[slot] + offset;
}

static u64 fpq_desc_vec(const u64 *slot_va, const struct fpq_op_vector *v)
{
	return v->present ? fpq_desc_va(slot_va, v->slot, v->offset) : 0;
}

/**
 * fpq_desc_build_op() - write the card's descriptor of one checked operation.
 * @op: the operation, from fpq_validate_gemm().
 * @slot_va: device virtual address of each buffer slot of the job.
 * @d: the descriptor (in coherent memory); every byte is written.
 */
void fpq_desc_build_op(const struct fpq_op *op, const u64 *slot_va,
		       struct fpq_hw_op_desc *d)
{
	u32 flags = op->flags & DRM_FPQ_GEMM_FLAGS_ALL;

	memset(d, 0, sizeof(*d));
	d->op = cpu_to_le32(FIELD_PREP(FPQ_HW_OP_DESC_OP_OPCODE_MASK, FPQ_HW_OPCODE_GEMM) |
			    FIELD_PREP(FPQ_HW_OP_DESC_OP_FMT_A_MASK, op->a.format) |
			    FIELD_PREP(FPQ_HW_OP_DESC_OP_FMT_B_MASK, op->b.format) |
			    FIELD_PREP(FPQ_HW_OP_DESC_OP_FMT_C_MASK, op->c.format));
	if (op->a.has_scales)
		flags |= FPQ_HW_OP_DESC_FLAGS_A_SCALES_MASK;
	if (op->b.has_scales)
		flags |= FPQ_HW_OP_DESC_FLAGS_B_SCALES_MASK;
	if (op->c.has_scales)
		flags |= FPQ_HW_OP_DESC_FLAGS_C_SCALES_MASK;
	if (op->alpha.present)
		flags |= FPQ_HW_OP_DESC_FLAGS_HAS_ALPHA_MASK;
	if (op->beta.present)
		flags |= FPQ_HW_OP_DESC_FLAGS_HAS_BETA_MASK;
	if (op->bias.present)
		flags |= FPQ_HW_OP_DESC_FLAGS_HAS_BIAS_MASK;
	d->flags = cpu_to_le32(flags);
	d->m = cpu_to_le32(op->m);
	d->n = cpu_to_le32(op->n);
	d->k = cpu_to_le32(op->k);
	d->act = cpu_to_le32(FIELD_PREP(FPQ_HW_OP_DESC_ACT_ACT_MASK, op->act));

	d->a_addr = cpu_to_le64(fpq_desc_va(slot_va, op->a.slot, op->a.offset));
	d->b_addr = cpu_to_le64(fpq_desc_va(slot_va, op->b.slot, op->b.offset));
	d->c_addr = cpu_to_le64(fpq_desc_va(slot_va, op->c.slot, op->c.offset));
	/* Strides were checked to fit 32 bits. */
	d->a_stride = cpu_to_le32(op->a.stride);
	d->b_stride = cpu_to_le32(op->b.stride);
	d->c_stride = cpu_to_le32(op->c.stride);
	d->a_zero = cpu_to_le32((u32)op->a.zero_point);
	if (op->a.has_scales) {
		d->sa_addr = cpu_to_le64(fpq_desc_va(slot_va, op->a.scale_slot,
						     op->a.scale_offset));
		d->sa_stride = cpu_to_le32(op->a.scale_stride);
	}
	if (op->b.has_scales) {
		d->sb_addr = cpu_to_le64(fpq_desc_va(slot_va, op->b.scale_slot,
						     op->b.scale_offset));
		d->sb_stride = cpu_to_le32(op->b.scale_stride);
	}
	if (op->c.has_scales) {
		d->sc_addr = cpu_to_le64(fpq_desc_va(slot_va, op->c.scale_slot,
						     op->c.scale_offset));
		d->sc_stride = cpu_to_le32(op->c.scale_stride);
	}
	/* Parameters of an epilogue the operation does not use stay zero for the card. */
	if (op->act == DRM_FPQ_ACT_CLAMP) {
		d->clamp_lo = cpu_to_le32(op->clamp_lo);
		d->clamp_hi = cpu_to_le32(op->clamp_hi);
	}
	if (op->int8_path && op->c.format == DRM_FPQ_FMT_INT8) {
		d->out_zero = cpu_to_le32((u32)op->out_zero);
		d->act_min = cpu_to_le32((u32)op->act_min);
		d->act_max = cpu_to_le32((u32)op->act_max);
	}
	d->alpha_addr = cpu_to_le64(fpq_desc_vec(slot_va, &op->alpha));
	d->beta_addr = cpu_to_le64(fpq_desc_vec(slot_va, &op->beta));
	d->bias_addr = cpu_to_le64(fpq_desc_vec(slot_va, &op->bias));
	d->mult_addr = cpu_to_le64(fpq_desc_vec(slot_va, &op->requant_mult));
	d->shift_addr = cpu_to_le64(fpq_desc_vec(slot_va, &op->requant_shift));
	d->out_scale_addr = cpu_to_le64(fpq_desc_vec(slot_va, &op->out_scale));
}

/**
 * fpq_desc_build_job() - write a ring entry.
 * @jd: the ring entry.
 * @ops: operations in the job, 1..255.
 * @fence: the job's fence value.
 * @ops_addr: bus address of the operation descriptors.
 * @pt_root: bus address of the job's L1 page directory.
 * @completion: bus address of the completion record.
 */
void fpq_desc_build_job(struct fpq_hw_job_desc *jd, u32 ops, u64 fence, dma_addr_t ops_addr,
			dma_addr_t pt_root, dma_addr_t completion)
{
	memset(jd, 0, sizeof(*jd));
	jd->header = cpu_to_le32(FIELD_PREP(FPQ_HW_JOB_DESC_HEADER_KIND_MASK,
					    FPQ_HW_JOB_KIND_GEMM) |
				 FIELD_PREP(FPQ_HW_JOB_DESC_HEADER_NUM_OPS_MASK, ops) |
				 FPQ_HW_JOB_DESC_HEADER_IRQ_MASK);
	jd->fence = cpu_to_le64(fence);
	jd->ops_addr = cpu_to_le64(ops_addr);
	jd->pt_root = cpu_to_le64(pt_root);
	jd->completion_addr = cpu_to_le64(completion);
}

/**
 * fpq_desc_errno() - the errno a job status of the card stands for.
 * @hw_status: enum err code from a completion record.
 *
 * Return: 0 for OK, -EFAULT for address-translation faults, -EIO for the rest.
 */
int fpq_desc_errno(u32 hw_status)
{
	switch (hw_status) {
	case FPQ_HW_ERR_OK:
		return 0;
	case FPQ_HW_ERR_PAGE_UNMAPPED:
	case FPQ_HW_ERR_PAGE_PERMISSION:
	case FPQ_HW_ERR_PAGE_BAD_ENTRY:
		return -EFAULT;
	default:
		return -EIO;
	}
}

/**
 * fpq_desc_read_completion() - turn a completion record into the UAPI's statuses.
 * @completion: the completion header, followed by @ops operation records.
 * @ops: operations in the job.
 * @status: receives the job status.
 * @op_status: receives @ops operation statuses, or NULL.
 */
void fpq_desc_read_completion(const void *completion, u32 ops,
			      struct drm_fpq_job_status *status,
			      struct drm_fpq_op_status *op_status)
{
	const struct fpq_hw_completion *c = completion;
	const struct fpq_hw_op_status *rec = completion + sizeof(*c);
	u32 hw_status = le32_to_cpu(READ_ONCE(c->status));
	u32 i;

	memset(status, 0, sizeof(*status));
	status->error = fpq_desc_errno(hw_status);
	status->hw_error = hw_status;
	status->ops_done = min(le32_to_cpu(READ_ONCE(c->ops_done)), ops);
	status->cycles = le64_to_cpu(READ_ONCE(c->cycles));
	if (status->error)
		status->fault_addr = le64_to_cpu(READ_ONCE(c->error_addr));
	for (i = 0; i < ops; i++) {
		struct drm_fpq_op_status s = {
			.clamped = le32_to_cpu(READ_ONCE(rec[i].clamped)),
			.saturated = le32_to_cpu(READ_ONCE(rec[i].saturated)),
			.nan_to_zero = le32_to_cpu(READ_ONCE(rec[i].nan_to_zero)),
			.overflowed = le32_to_cpu(READ_ONCE(rec[i].overflowed)),
			.cycles = le64_to_cpu(READ_ONCE(rec[i].cycles)),
		};

		status->clamped += s.clamped;
		if (op_status)
			op_status[i] = s;
	}
}
