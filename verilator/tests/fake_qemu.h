/* SPDX-License-Identifier: MIT */
/*
 * fake_qemu.h - the QEMU side of the card process's channels, for tests. Messages are
 * built byte by byte from the layout QEMU 7.2 uses (include/hw/remote/mpqemu-link.h and
 * the ivshmem server protocol), independently of the card process's own definitions.
 */
#ifndef FPQ_COSIM_FAKE_QEMU_H
#define FPQ_COSIM_FAKE_QEMU_H

#include <stddef.h>
#include <stdint.h>

/* Command codes and sizes as QEMU 7.2 has them. */
enum { SYNC_SYSMEM, RET, CFGWRITE, CFGREAD, BAR_WRITE, BAR_READ, SET_IRQFD, DEVICE_RESET };
#define HDR 16
#define CFG_MSG 12
#define BAR_MSG 24
#define SYSMEM_MSG 192

/* Little-endian field access. */
void put(uint8_t *p, uint64_t v, int bytes);
uint64_t get(const uint8_t *p, int bytes);

/* qemu_send() - one request as QEMU sends it: one sendmsg, fds as one SCM_RIGHTS. */
int qemu_send(int sock, int cmd, const uint8_t *payload, size_t size, const int *fds, int nfds);

/* nothing_pending() - no byte waits on @sock (reply counts must be exact). */
int nothing_pending(int sock);

/* qemu_recv_ret() - read one reply, which must be an 8-byte RET; waits up to 5 s. */
int qemu_recv_ret(int sock, uint64_t *value);

/* ivshmem_recv() - one ivshmem server message: an int64, and one fd or -1. */
int ivshmem_recv(int sock, int64_t *value, int *fd);

/* memfd_of() - a memfd of @size bytes standing for guest RAM. */
int memfd_of(size_t size);

/* count_open_fds() - descriptors open in this process (leak checks). */
int count_open_fds(void);

#endif /* FPQ_COSIM_FAKE_QEMU_H */
