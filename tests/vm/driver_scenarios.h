/* SPDX-License-Identifier: MIT */
/*
 * driver_scenarios.h - the scenarios of driver_test beyond driver_test.c, and the
 * helpers they share with it.
 */
#ifndef FPQ_DRIVER_SCENARIOS_H
#define FPQ_DRIVER_SCENARIOS_H

#include <stdbool.h>
#include <stdint.h>

#include "vm_dev.h"
#include "vm_gemm.h"

/* driver_test.c */
struct gemm_spec vm_spec(enum fpq_format a, enum fpq_format b, enum fpq_format c,
			 uint32_t m, uint32_t n, uint32_t k, bool mx, bool c_mx,
			 unsigned int pad, unsigned int v);
int vm_case(struct gemm_case *gc, struct vm_op *vo, const struct gemm_spec *s,
	    struct arena *ar, uint32_t seed);
int open_or_skip(struct vdev *d);
int one_gemm(struct vdev *d, uint32_t seed);
int inject(struct vdev *d, const char *what);

/* driver_lifetime.c: what outlives a file, a process or the device */
int t_fence_rmmod(void);
int t_killed_rmmod(unsigned int cycles);
int t_hot_remove(void);

/* driver_memory.c: what a job holds, and for how long */
int t_bounce(void);
int t_pinning(void);
int t_detached_limit(void);

/* driver_abft.c: the card's checksums through the driver and libfpq */
int t_abft(void);

#endif /* FPQ_DRIVER_SCENARIOS_H */
