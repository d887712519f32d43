// SPDX-License-Identifier: GPL-2.0-only
/*
 * drm_sched_init_args has num_rqs, the number of run queues (one per priority), which
 * must be set (Debian's 6.12). Without it the scheduler has a fixed queue per priority
 * (Debian's 6.1).
 */
#include <drm/gpu_scheduler.h>

static const struct drm_sched_init_args fpq_conftest_args __maybe_unused = {
	.num_rqs = DRM_SCHED_PRIORITY_COUNT,
};
