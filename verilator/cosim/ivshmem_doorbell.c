// SPDX-License-Identifier: MIT
/*
 * ivshmem_doorbell.c - server side of QEMU's ivshmem protocol, reduced to what one
 * guest with interrupt vectors needs. Each message is one little-endian int64,
 * optionally with one fd (SCM_RIGHTS); fds and messages must not be merged, so each
 * goes in its own sendmsg.
 */
#include "ivshmem_doorbell.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define IVSHMEM_PROTOCOL_VERSION 0
#define IVSHMEM_GUEST_PEER_ID 1 /* any id >= 0; QEMU learns it from the 2nd message */
#define IVSHMEM_SHM_POSITION (-1)

static int send_int64(int sock, int64_t value, int fd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	uint8_t le[8];
	struct iovec iov = { .iov_base = le, .iov_len = sizeof(le) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	for (int i = 0; i < 8; i++)
		le[i] = (uint8_t)((uint64_t)value >> (8 * i));
	if (fd >= 0) {
		struct cmsghdr *c;

		memset(control.buf, 0, sizeof(control.buf));
		mh.msg_control = control.buf;
		mh.msg_controllen = sizeof(control.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do {
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(le) ? 0 : -EIO;
}

int ivshmem_doorbell_init(struct ivshmem_doorbell *db, int sock, unsigned int vectors,
			  uint64_t shm_size)
{
	int ret;

	memset(db, 0, sizeof(*db));
	db->sock = sock;
	db->shm_fd = -1;
	for (unsigned int i = 0; i < IVSHMEM_MAX_VECTORS; i++)
		db->eventfds[i] = -1;
	if (vectors == 0 || vectors > IVSHMEM_MAX_VECTORS || shm_size < 4096 ||
	    (shm_size & (shm_size - 1)))
		return -EINVAL;

	db->shm_fd = memfd_create("fpq-ivshmem", MFD_CLOEXEC);
	if (db->shm_fd < 0)
		return -errno;
	if (ftruncate(db->shm_fd, (off_t)shm_size) < 0) {
		ret = -errno;
		goto fail;
	}
	for (unsigned int i = 0; i < vectors; i++) {
		db->eventfds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (db->eventfds[i] < 0) {
			ret = -errno;
			goto fail;
		}
		db->vectors = i + 1;
	}

	ret = send_int64(sock, IVSHMEM_PROTOCOL_VERSION, -1);
	if (!ret)
		ret = send_int64(sock, IVSHMEM_GUEST_PEER_ID, -1);
	if (!ret)
		ret = send_int64(sock, IVSHMEM_SHM_POSITION, db->shm_fd);
	/* The guest's own vectors, strictly after the memory: QEMU's setup expects that order. */
	for (unsigned int i = 0; !ret && i < vectors; i++)
		ret = send_int64(sock, IVSHMEM_GUEST_PEER_ID, db->eventfds[i]);
	if (ret)
		goto fail;
	return 0;

fail:
	ivshmem_doorbell_fini(db);
	return ret;
}

int ivshmem_doorbell_notify(struct ivshmem_doorbell *db, unsigned int vector)
{
	uint64_t one = 1;

	if (vector >= db->vectors)
		return -EINVAL;
	/* EAGAIN: the counter is saturated, the guest has an interrupt pending anyway. */
	if (write(db->eventfds[vector], &one, sizeof(one)) < 0 && errno != EAGAIN)
		return -errno;
	db->notified++;
	return 0;
}

void ivshmem_doorbell_fini(struct ivshmem_doorbell *db)
{
	for (unsigned int i = 0; i < IVSHMEM_MAX_VECTORS; i++) {
		if (db->eventfds[i] >= 0)
			close(db->eventfds[i]);
		db->eventfds[i] = -1;
	}
	db->vectors = 0;
	if (db->shm_fd >= 0)
		close(db->shm_fd);
	db->shm_fd = -1;
}
