// SPDX-License-Identifier: GPL-2.0-only
/*
 * drm_sched_start() takes an error code for the jobs it cancels (upstream 6.12)
 * instead of the full_recovery flag of Debian's 6.1.
 */
#include <drm/gpu_scheduler.h>

static void (*fpq_conftest)(struct drm_gpu_scheduler *, int) __maybe_unused = drm_sched_start;
