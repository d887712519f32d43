// SPDX-License-Identifier: GPL-2.0-only
/*
 * drm_sched_job_init() takes credits, the owner and the DRM client id (Debian's 6.12).
 */
#include <drm/gpu_scheduler.h>

static int __maybe_unused fpq_conftest(struct drm_sched_job *job, struct drm_sched_entity *entity)
{
	return drm_sched_job_init(job, entity, 1, NULL, 0);
}
