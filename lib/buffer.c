// SPDX-License-Identifier: MIT
/*
 * buffer.c - memory the context's backend reaches directly: device buffer objects on
 * the card, aligned process memory on the CPU; the context keeps the list so that
 * operations find the buffer an address lies in.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "context.h"

/* Put buf on ctx's list, where fpq_context_find_buffer() finds it. */
static void buffer_link(struct fpq_context *ctx, struct fpq_buffer *buf)
{
	pthread_mutex_lock(&ctx->lock);
	buf->next = ctx->buffers;
	if (ctx->buffers)
		ctx->buffers->prev = buf;
	ctx->buffers = buf;
	pthread_mutex_unlock(&ctx->lock);
}

int fpq_buffer_alloc(struct fpq_context *ctx, size_t size, struct fpq_buffer **out)
{
	struct fpq_buffer *buf;
	int err = 0;

	if (!ctx || !out)
		return fpq_error(-EFAULT, "buffer: NULL context or output pointer");
	*out = NULL;
	if (size == 0 || size > ((size_t)1 << 40))
		return fpq_error(-EINVAL, "buffer: size %zu (1 byte .. 1 TiB)", size);
	buf = calloc(1, sizeof(*buf));
	if (!buf)
		return fpq_error(-ENOMEM, "buffer: out of memory");
	buf->ctx = ctx;
	if (ctx->ops->buffer_alloc) {
		err = ctx->ops->buffer_alloc(ctx, buf, size);
	} else {
		buf->size = (size + 4095) & ~(size_t)4095;
		buf->data = aligned_alloc(4096, buf->size);
		if (!buf->data)
			err = fpq_error(-ENOMEM, "buffer: out of memory for %zu bytes", size);
	}
	if (err) {
		free(buf);
		return err;
	}
	buffer_link(ctx, buf);
	*out = buf;
	return 0;
}

int fpq_buffer_import_dmabuf(struct fpq_context *ctx, int fd, struct fpq_buffer **out)
{
	struct fpq_buffer *buf;
	int err;

	if (!ctx || !out)
		return fpq_error(-EFAULT, "buffer import: NULL context or output pointer");
	*out = NULL;
	if (!ctx->ops->buffer_import)
		return fpq_error(-ENOTSUP, "buffer import: the %s backend takes no dma-bufs",
				 fpq_backend_name(ctx->ops->id));
	if (fd < 0)
		return fpq_error(-EINVAL, "buffer import: bad file descriptor %d", fd);
	buf = calloc(1, sizeof(*buf));
	if (!buf)
		return fpq_error(-ENOMEM, "buffer import: out of memory");
	buf->ctx = ctx;
	err = ctx->ops->buffer_import(ctx, buf, fd);
	if (err) {
		free(buf);
		return err;
	}
	buffer_link(ctx, buf);
	*out = buf;
	return 0;
}

int fpq_buffer_export_dmabuf(struct fpq_buffer *buf, int *fd)
{
	if (!buf || !fd)
		return fpq_error(-EFAULT, "buffer export: NULL buffer or fd pointer");
	if (!buf->ctx->ops->buffer_export)
		return fpq_error(-ENOTSUP, "buffer export: the %s backend has no dma-bufs",
				 fpq_backend_name(buf->ctx->ops->id));
	return buf->ctx->ops->buffer_export(buf, fd);
}

void *fpq_buffer_data(const struct fpq_buffer *buf)
{
	return buf ? buf->data : NULL;
}

size_t fpq_buffer_size(const struct fpq_buffer *buf)
{
	return buf ? buf->size : 0;
}

void fpq_buffer_free(struct fpq_buffer *buf)
{
	struct fpq_context *ctx;

	if (!buf)
		return;
	ctx = buf->ctx;
	pthread_mutex_lock(&ctx->lock);
	if (buf->prev)
		buf->prev->next = buf->next;
	else
		ctx->buffers = buf->next;
	if (buf->next)
		buf->next->prev = buf->prev;
	pthread_mutex_unlock(&ctx->lock);
	if (ctx->ops->buffer_free)
		ctx->ops->buffer_free(buf);
	else
		free(buf->data);
	free(buf);
}

struct fpq_buffer *fpq_context_find_buffer(struct fpq_context *ctx, const void *p,
					   size_t len)
{
	uintptr_t a = (uintptr_t)p;
	struct fpq_buffer *found = NULL;

	pthread_mutex_lock(&ctx->lock);
	for (struct fpq_buffer *b = ctx->buffers; b; b = b->next) {
		uintptr_t base = (uintptr_t)b->data;

		if (a >= base && len <= b->size && a - base <= b->size - len) {
			found = b;
			break;
		}
	}
	pthread_mutex_unlock(&ctx->lock);
	return found;
}

void fpq_context_free_buffers(struct fpq_context *ctx)
{
	while (ctx->buffers)
		fpq_buffer_free(ctx->buffers);
}
