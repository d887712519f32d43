/* SPDX-License-Identifier: MIT */
/*
 * vm_fence.h - fences for the VM scenarios: DRM syncobjs of the fpq node, sync_files,
 * and a foreign fence that the test signals itself (vgem's, which signals on its own
 * after 10 s at the latest).
 */
#ifndef FPQ_VM_FENCE_H
#define FPQ_VM_FENCE_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/sync_file.h>

int syncobj_create(int fd, uint32_t *handle);
int syncobj_destroy(int fd, uint32_t handle);
/* The syncobj's fence as a new sync_file (*sync_fd). */
int syncobj_export_sync_file(int fd, uint32_t handle, int *sync_fd);
/* Replace the syncobj's fence with the sync_file's. */
int syncobj_import_sync_file(int fd, uint32_t handle, int sync_fd);
/* SYNC_IOC_FILE_INFO with the first fence's details; 0 or -errno. */
int sync_file_info(int sync_fd, struct sync_file_info *info, struct sync_fence_info *fence);
/* 1 when the sync_file has signalled, 0 when not, -errno. */
int sync_file_signalled(int sync_fd);

/**
 * struct vgem_gate - an unsignalled fence of the vgem driver.
 * @fd: the vgem node.
 * @bo: a dumb buffer the fence is attached to.
 * @fence: vgem's fence handle.
 * @sync_fd: the fence as a sync_file.
 */
struct vgem_gate {
	int fd;
	uint32_t bo;
	uint32_t fence;
	int sync_fd;
};

/* A new gate (-ENODEV without vgem: load it with --kmod vgem). */
int vgem_gate_open(struct vgem_gate *g);
int vgem_gate_signal(struct vgem_gate *g);
void vgem_gate_close(struct vgem_gate *g);

#endif /* FPQ_VM_FENCE_H */
