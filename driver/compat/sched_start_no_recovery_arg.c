// SPDX-License-Identifier: GPL-2.0-only
/*
 * drm_sched_start() takes only the scheduler and always re-arms the pending jobs'
 * fences (Debian's 6.12). Debian's 6.1 has the full_recovery flag, upstream 6.12 an
 * error code.
 */
#include <drm/gpu_scheduler.h>

static void __maybe_unused fpq_conftest(struct drm_gpu_scheduler *sched)
{
	drm_sched_start(sched);
}
