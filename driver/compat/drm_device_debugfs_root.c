// SPDX-License-Identifier: GPL-2.0-only
/*
 * struct drm_device has its own debugfs directory, there for render and accel nodes
 * alike (Debian's 6.12, where accel nodes never call drm_driver.debugfs_init). Without
 * it (Debian's 6.1) each DRM minor has one, filled by drm_driver.debugfs_init.
 */
#include <drm/drm_device.h>

static struct dentry * __maybe_unused fpq_conftest(struct drm_device *drm)
{
	return drm->debugfs_root;
}
