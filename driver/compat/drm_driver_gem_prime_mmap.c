// SPDX-License-Identifier: GPL-2.0-only
/*
 * struct drm_driver still has gem_prime_mmap, which a shmem driver sets to
 * drm_gem_prime_mmap() for dma-buf mmap to work (Debian's 6.1; gone in 6.12, where
 * the GEM object's own mmap serves dma-buf).
 */
#include <drm/drm_drv.h>
#include <drm/drm_prime.h>

static const struct drm_driver fpq_conftest_driver __maybe_unused = {
	.gem_prime_mmap = drm_gem_prime_mmap,
};
