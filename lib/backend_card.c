// SPDX-License-Identifier: MIT
/*
 * backend_card.c - the card backend: a context's connection to fpq.ko. Operations run
 * as device jobs (lib/card/); buffers are the driver's buffer objects.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <xf86drm.h>

#include "card/card.h"
#include "fpq_drm.h"

static struct card *card_of(const struct fpq_context *ctx)
{
	return fpq_context_priv(ctx);
}

static int card_backend_open(struct fpq_context *ctx)
{
	struct card *card = calloc(1, sizeof(*card));
	int err;

	if (!card)
		return fpq_error(-ENOMEM, "card: out of memory");
	err = card_open(card);
	if (err) {
		free(card);
		return err;
	}
	fpq_context_set_priv(ctx, card);
	return 0;
}

static void card_backend_close(struct fpq_context *ctx)
{
	struct card *card = card_of(ctx);

	card_close(card);
	free(card);
}

static int card_job_start_op(struct fpq_context *ctx, const struct fpq_gemm_op *ops,
			     unsigned int n_ops, void **handle)
{
	return card_job_start(ctx, card_of(ctx), ops, n_ops, (struct card_job **)handle);
}

static int card_job_finish_op(struct fpq_context *ctx, void *handle, int64_t timeout_ns,
			      struct fpq_gemm_status *st)
{
	return card_job_finish(card_of(ctx), handle, timeout_ns, st);
}

static int card_run(struct fpq_context *ctx, const struct fpq_gemm_op *op,
		    struct fpq_gemm_status *st)
{
	void *job;
	int err = card_job_start_op(ctx, op, 1, &job);

	return err ? err : card_job_finish_op(ctx, job, -1, st);
}

static int card_buffer_alloc(struct fpq_context *ctx, struct fpq_buffer *buf, size_t size)
{
	struct card *card = card_of(ctx);
	int err = card_bo_create(card, size, &buf->handle, &buf->size);

	if (err)
		return err;
	err = card_bo_map(card, buf->handle, buf->size, &buf->data);
	if (err)
		card_bo_close(card, buf->handle);
	return err;
}

static int card_buffer_import(struct fpq_context *ctx, struct fpq_buffer *buf, int fd)
{
	struct card *card = card_of(ctx);
	struct drm_fpq_bo_info info;
	int err;

	if (drmPrimeFDToHandle(card->fd, fd, &buf->handle))
		return fpq_error(-errno, "buffer import: %s", strerror(errno));
	info = (struct drm_fpq_bo_info){ .handle = buf->handle };
	err = card_ioctl(card, DRM_IOCTL_FPQ_BO_INFO, &info);
	if (!err) {
		buf->size = info.size;
		err = card_bo_map(card, buf->handle, buf->size, &buf->data);
	}
	if (err)
		card_bo_close(card, buf->handle);
	return err;
}

static int card_buffer_export(struct fpq_buffer *buf, int *fd)
{
	struct card *card = card_of(buf->ctx);

	if (drmPrimeHandleToFD(card->fd, buf->handle, DRM_CLOEXEC | DRM_RDWR, fd))
		return fpq_error(-errno, "buffer export: %s", strerror(errno));
	return 0;
}

static void card_buffer_free(struct fpq_buffer *buf)
{
	munmap(buf->data, buf->size);
	card_bo_close(card_of(buf->ctx), buf->handle);
}

static int card_device_info(const struct fpq_context *ctx, struct fpq_device_info *info)
{
	*info = card_of(ctx)->info;
	return 0;
}

const struct fpq_backend_ops fpq_backend_card = {
	.id = FPQ_BACKEND_CARD,
	.open = card_backend_open,
	.close = card_backend_close,
	.run = card_run,
	.job_start = card_job_start_op,
	.job_finish = card_job_finish_op,
	.buffer_alloc = card_buffer_alloc,
	.buffer_import = card_buffer_import,
	.buffer_export = card_buffer_export,
	.buffer_free = card_buffer_free,
	.device_info = card_device_info,
};
