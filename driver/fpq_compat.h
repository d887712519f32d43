/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fpq_compat.h - the one place where kernels differ for fpq.ko. The driver is built
 * against Debian 12's 6.1 and 6.12 kernels (Documentation/driver.rst, "Kernels"); the
 * FPQ_HAVE_* answers come from compiling the files of driver/compat/ against the kernel's
 * own headers at build time (driver/compat/conftest.sh), since distributions backport DRM
 * interfaces and version numbers cannot tell them apart.
 */
#ifndef FPQ_COMPAT_H
#define FPQ_COMPAT_H

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_prime.h>
#include <drm/gpu_scheduler.h>

#include "fpq_compat_config.h"

/*
 * The compute-accelerator node (/dev/accel/accelN) where the kernel has the accel
 * subsystem, the render node (/dev/dri/renderD*) otherwise; the ioctls are the same.
 */
#if IS_ENABLED(CONFIG_DRM_ACCEL)
#include <drm/drm_accel.h>
#define FPQ_COMPAT_NODE_FEATURE DRIVER_COMPUTE_ACCEL
#define FPQ_COMPAT_DEFINE_FOPS(name) DEFINE_DRM_ACCEL_FOPS(name)
#else
#define FPQ_COMPAT_NODE_FEATURE DRIVER_RENDER
#define FPQ_COMPAT_DEFINE_FOPS(name) DEFINE_DRM_GEM_FOPS(name)
#endif

/* dma-buf mmap of a shmem object needs the driver's hook only where the hook exists. */
#ifdef FPQ_HAVE_DRM_DRIVER_GEM_PRIME_MMAP
#define FPQ_COMPAT_DRIVER_PRIME_MMAP .gem_prime_mmap = drm_gem_prime_mmap,
#else
#define FPQ_COMPAT_DRIVER_PRIME_MMAP
#endif

/*
 * debugfs: kernels with a per-device directory get the driver's files after
 * drm_dev_register() (the accel core never calls drm_driver.debugfs_init); older ones
 * call drm_driver.debugfs_init for each minor.
 */
#ifdef FPQ_HAVE_DRM_DEVICE_DEBUGFS_ROOT
#define FPQ_COMPAT_DRIVER_DEBUGFS_INIT
static inline struct dentry *fpq_compat_device_debugfs_root(struct drm_device *drm)
{
	return drm->debugfs_root;
}
#else
#define FPQ_COMPAT_DRIVER_DEBUGFS_INIT .debugfs_init = fpq_debugfs_init_minor,
static inline struct dentry *fpq_compat_device_debugfs_root(struct drm_device *drm)
{
	return NULL;
}
#endif

/* The scheduler needs a run queue for every priority an entity may have. */
static inline int fpq_compat_sched_init(struct drm_gpu_scheduler *sched,
					struct drm_sched_init_args *args)
{
#ifdef FPQ_HAVE_SCHED_INIT_ARGS_NUM_RQS
	args->num_rqs = DRM_SCHED_PRIORITY_COUNT;
#endif
	return drm_sched_init(sched, args);
}

/* Every fpq job takes one ring entry: one credit where jobs have credits. */
static inline int fpq_compat_sched_job_init(struct drm_sched_job *job,
					    struct drm_sched_entity *entity, void *owner,
					    struct drm_file *file)
{
#if defined(FPQ_HAVE_SCHED_JOB_INIT_CLIENT_ID)
	return drm_sched_job_init(job, entity, 1, owner, file->client_id);
#elif defined(FPQ_HAVE_SCHED_JOB_INIT_CREDITS)
	return drm_sched_job_init(job, entity, 1, owner);
#else
	return drm_sched_job_init(job, entity, owner);
#endif
}

/* Restart after recovery, re-arming the fences of the jobs that ran again. */
static inline void fpq_compat_sched_start(struct drm_gpu_scheduler *sched)
{
#if defined(FPQ_HAVE_SCHED_START_NO_RECOVERY_ARG)
	drm_sched_start(sched);
#elif defined(FPQ_HAVE_SCHED_START_ERRNO_ARG)
	drm_sched_start(sched, 0);
#else
	drm_sched_start(sched, true);
#endif
}

#endif /* FPQ_COMPAT_H */
