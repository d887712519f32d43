// SPDX-License-Identifier: MIT
/*
 * layout_probe.c - compiled (never run) for i386 and x86_64 so that pahole can print
 * both layouts of every UAPI structure from the debug information. One object of each
 * structure keeps its type in the DWARF output.
 */
#include "fpq_drm.h"

struct drm_fpq_get_param probe_get_param;
struct drm_fpq_bo_create probe_bo_create;
struct drm_fpq_bo_info probe_bo_info;
struct drm_fpq_matrix probe_matrix;
struct drm_fpq_vector probe_vector;
struct drm_fpq_gemm probe_gemm;
struct drm_fpq_submit probe_submit;
struct drm_fpq_job_status probe_job_status;
struct drm_fpq_op_status probe_op_status;
struct drm_fpq_wait probe_wait;
