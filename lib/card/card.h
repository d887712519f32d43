/* SPDX-License-Identifier: MIT */
/*
 * card.h - libfpq's card backend, internal: the device (card_device.c), the
 * translation of operations into the driver's UAPI and their staging in buffer
 * objects (card_job.c), and the backend glue (backend_card.c).
 */
#ifndef FPQ_CARD_H
#define FPQ_CARD_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

struct card {
	int fd;
	struct fpq_device_info info;
};

/* Find and open the card (FPQ_DEVICE_PATH, else the first fpq node). */
int card_open(struct card *card);
void card_close(struct card *card);
/* Read every parameter into card->info. */
int card_query(struct card *card);

/* Buffer objects. */
int card_bo_create(struct card *card, size_t size, uint32_t *handle, size_t *real_size);
int card_bo_map(struct card *card, uint32_t handle, size_t size, void **map);
void card_bo_close(struct card *card, uint32_t handle);

/* ioctl with -errno return and EINTR restarts. */
int card_ioctl(struct card *card, unsigned long request, void *arg);

/* A job on the card: see card_job.c. */
struct card_job;
int card_job_start(struct fpq_context *ctx, struct card *card, const struct fpq_gemm_op *ops,
		   unsigned int n_ops, struct card_job **out);
int card_job_finish(struct card *card, struct card_job *job, int64_t timeout_ns,
		    struct fpq_gemm_status *st);

#endif /* FPQ_CARD_H */
