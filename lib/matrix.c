// SPDX-License-Identifier: MIT
/*
 * matrix.c - the matrix descriptor: validation, packed element access.
 *
 * 6-bit formats pack 4 elements into a 24-bit little-endian group of 3 bytes (element i
 * in bits [6i, 6i+6)); 4-bit formats pack 2 per byte, element 0 in the low nibble. Rows
 * start on whole groups, so a row stride must be a multiple of the group size.
 */
#include <errno.h>
#include <stdint.h>

#include "internal.h"

size_t fpq_row_bytes(enum fpq_format fmt, uint32_t cols)
{
	const struct fpq_format_info *fi = fpq_format_info(fmt);

	if (!fi || fmt == FPQ_FMT_E8M0)
		return 0;
	/* cols < 2^32 and group_bytes <= 4: no overflow in 64-bit size_t. */
	size_t groups = ((size_t)cols + fi->group_elems - 1) / fi->group_elems;

	return groups * fi->group_bytes;
}

size_t fpq_matrix_stride(const struct fpq_matrix *m)
{
	return m->stride ? m->stride : fpq_row_bytes(m->format, m->cols);
}

size_t fpq_matrix_extent(const struct fpq_matrix *m)
{
	return (size_t)(m->rows - 1) * fpq_matrix_stride(m) + fpq_row_bytes(m->format, m->cols);
}

int fpq_matrix_validate(const struct fpq_matrix *m, size_t *data_bytes)
{
	const struct fpq_format_info *fi;
	size_t row_bytes, stride, extent;

	if (!m)
		return fpq_error(-EFAULT, "matrix descriptor is NULL");
	fi = fpq_format_info(m->format);
	if (!fi || m->format == FPQ_FMT_E8M0)
		return fpq_error(-EINVAL, "format %d is not a matrix element format",
				 (int)m->format);
	if (m->rows == 0 || m->cols == 0)
		return fpq_error(-EINVAL, "%s matrix has an empty shape %u x %u", fi->name,
				 m->rows, m->cols);
	if (!m->data)
		return fpq_error(-EFAULT, "%s matrix data pointer is NULL", fi->name);

	row_bytes = fpq_row_bytes(m->format, m->cols);
	stride = fpq_matrix_stride(m);
	if (stride < row_bytes)
		return fpq_error(-EINVAL, "row stride %zu is shorter than a row of %u %s (%zu bytes)",
				 stride, m->cols, fi->name, row_bytes);
	if (stride % fi->group_bytes)
		return fpq_error(-EINVAL, "row stride %zu splits a %s packing group of %u bytes",
				 stride, fi->name, fi->group_bytes);
	if (__builtin_mul_overflow((size_t)(m->rows - 1), stride, &extent) ||
	    __builtin_add_overflow(extent, row_bytes, &extent) || extent > PTRDIFF_MAX)
		return fpq_error(-EOVERFLOW, "%u rows of stride %zu overflow the address space",
				 m->rows, stride);

	if (m->zero_point != 0 && m->format != FPQ_FMT_INT8)
		return fpq_error(-EINVAL, "zero point %d given for %s (INT8 only)",
				 m->zero_point, fi->name);
	if (m->zero_point < -128 || m->zero_point > 127)
		return fpq_error(-EINVAL, "zero point %d is outside -128..127", m->zero_point);

	if (m->scales) {
		size_t blocks = m->cols / FPQ_MX_BLOCK, sstride, sextent;

		if (!fi->is_element || m->format == FPQ_FMT_INT8)
			return fpq_error(-EINVAL, "%s takes no block scales (MX formats only%s)",
					 fi->name,
					 m->format == FPQ_FMT_INT8 ? "; use mxint8" : "");
		if (m->cols % FPQ_MX_BLOCK)
			return fpq_error(-EINVAL, "MX matrix needs %u columns as a multiple of 32",
					 m->cols);
		sstride = m->scale_stride ? m->scale_stride : blocks;
		if (sstride < blocks)
			return fpq_error(-EINVAL, "scale stride %zu is shorter than %zu blocks",
					 sstride, blocks);
		if (__builtin_mul_overflow((size_t)(m->rows - 1), sstride, &sextent) ||
		    __builtin_add_overflow(sextent, blocks, &sextent) || sextent > PTRDIFF_MAX)
			return fpq_error(-EOVERFLOW, "scale array size overflows");
	} else if (m->scale_stride) {
		return fpq_error(-EINVAL, "scale stride given without scales");
	}
	if (data_bytes)
		*data_bytes = extent;
	return 0;
}

static const uint8_t *row_ptr(const struct fpq_matrix *m, uint32_t r)
{
	return (const uint8_t *)m->data + (size_t)r * fpq_matrix_stride(m);
}

uint32_t fpq_matrix_get(const struct fpq_matrix *m, uint32_t r, uint32_t c)
{
	const uint8_t *p = row_ptr(m, r);

	switch (fpq_format_info(m->format)->bits) {
	case 4:
		return (p[c / 2] >> (4 * (c % 2))) & 0xFu;
	case 6: {
		const uint8_t *g = p + (size_t)(c / 4) * 3;
		uint32_t w = g[0] | (uint32_t)g[1] << 8 | (uint32_t)g[2] << 16;

		return (w >> (6 * (c % 4))) & 0x3Fu;
	}
	case 8:
		return p[c];
	case 16:
		p += (size_t)c * 2;
		return p[0] | (uint32_t)p[1] << 8;
	default:
		p += (size_t)c * 4;
		return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	}
}

void fpq_matrix_set(const struct fpq_matrix *m, uint32_t r, uint32_t c, uint32_t code)
{
	uint8_t *p = (uint8_t *)m->data + (size_t)r * fpq_matrix_stride(m);

	switch (fpq_format_info(m->format)->bits) {
	case 4: {
		unsigned int sh = 4 * (c % 2);

		p[c / 2] = (uint8_t)((p[c / 2] & ~(0xFu << sh)) | (code & 0xFu) << sh);
		break;
	}
	case 6: {
		uint8_t *g = p + (size_t)(c / 4) * 3;
		uint32_t w = g[0] | (uint32_t)g[1] << 8 | (uint32_t)g[2] << 16;
		unsigned int sh = 6 * (c % 4);

		w = (w & ~(0x3Fu << sh)) | (code & 0x3Fu) << sh;
		g[0] = (uint8_t)w;
		g[1] = (uint8_t)(w >> 8);
		g[2] = (uint8_t)(w >> 16);
		break;
	}
	case 8:
		p[c] = (uint8_t)code;
		break;
	case 16:
		p += (size_t)c * 2;
		p[0] = (uint8_t)code;
		p[1] = (uint8_t)(code >> 8);
		break;
	default:
		p += (size_t)c * 4;
		for (int i = 0; i < 4; i++)
			p[i] = (uint8_t)(code >> (8 * i));
		break;
	}
}

uint8_t fpq_matrix_scale(const struct fpq_matrix *m, uint32_t r, uint32_t blk)
{
	size_t sstride = m->scale_stride ? m->scale_stride : m->cols / FPQ_MX_BLOCK;

	return m->scales ? m->scales[(size_t)r * sstride + blk] : 127;
}
