/* SPDX-License-Identifier: MIT */
/*
 * proxy_wire.h - the wire format of QEMU 7.2's x-pci-proxy-dev ("multi-process QEMU").
 *
 * The protocol is internal to QEMU and changes between versions; this file pins the
 * 7.2 layout on x86_64 (see Documentation/cosim.rst).
 * Every message is a 16-byte header followed by `size` payload bytes, sent with one
 * sendmsg(); file descriptors travel as one SCM_RIGHTS control message on it.
 */
#ifndef FPQ_COSIM_PROXY_WIRE_H
#define FPQ_COSIM_PROXY_WIRE_H

#include <stddef.h>
#include <stdint.h>

enum proxy_cmd {
	PROXY_CMD_SYNC_SYSMEM = 0,  /* QEMU: the guest RAM table, one fd per region; no reply */
	PROXY_CMD_RET = 1,          /* device: the reply to CFG/BAR/RESET requests */
	PROXY_CMD_PCI_CFGWRITE = 2, /* QEMU: config-space write; RET */
	PROXY_CMD_PCI_CFGREAD = 3,  /* QEMU: config-space read; RET(value) */
	PROXY_CMD_BAR_WRITE = 4,    /* QEMU: BAR write at an absolute address; RET */
	PROXY_CMD_BAR_READ = 5,     /* QEMU: BAR read at an absolute address; RET(value) */
	PROXY_CMD_SET_IRQFD = 6,    /* QEMU: INTx eventfds (KVM only); no reply */
	PROXY_CMD_DEVICE_RESET = 7, /* QEMU: device reset; RET */
	PROXY_CMD_MAX
};

#define PROXY_MAX_FDS 8

/* Header: int32 cmd, 4 bytes of padding, uint64 payload size. */
struct proxy_hdr {
	int32_t cmd;
	uint32_t pad;
	uint64_t size;
};

struct proxy_sync_sysmem {
	uint64_t gpas[PROXY_MAX_FDS];
	uint64_t sizes[PROXY_MAX_FDS];
	int64_t offsets[PROXY_MAX_FDS]; /* offset of the region inside its fd */
};

struct proxy_cfg_access {
	uint32_t addr;
	uint32_t val;
	int32_t len;
};

struct proxy_bar_access {
	uint64_t addr; /* absolute guest-physical (or I/O port) address */
	uint64_t val;
	uint32_t size; /* 1, 2, 4 or 8 */
	uint8_t memory; /* 1: memory BAR, 0: I/O BAR */
	uint8_t pad[3];
};

/* The largest payload QEMU accepts is its data union: the sysmem table. */
#define PROXY_MAX_PAYLOAD sizeof(struct proxy_sync_sysmem)

struct proxy_msg {
	struct proxy_hdr hdr;
	union {
		uint64_t u64;
		struct proxy_sync_sysmem sysmem;
		struct proxy_cfg_access cfg;
		struct proxy_bar_access bar;
		uint8_t bytes[PROXY_MAX_PAYLOAD];
	} data;
	int fds[PROXY_MAX_FDS];
	int num_fds;
};

_Static_assert(sizeof(struct proxy_hdr) == 16, "x-pci-proxy-dev header is 16 bytes");
_Static_assert(sizeof(struct proxy_sync_sysmem) == 192, "SyncSysmemMsg is 192 bytes");
_Static_assert(sizeof(struct proxy_cfg_access) == 12, "PciConfDataMsg is 12 bytes");
_Static_assert(sizeof(struct proxy_bar_access) == 24, "BarAccessMsg is 24 bytes");
_Static_assert(offsetof(struct proxy_bar_access, memory) == 20, "BarAccessMsg.memory @20");

#endif /* FPQ_COSIM_PROXY_WIRE_H */
