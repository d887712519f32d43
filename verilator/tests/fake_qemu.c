// SPDX-License-Identifier: MIT
/*
 * fake_qemu.c - the QEMU side of the card process's channels, for tests.
 */
#include "fake_qemu.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

void put(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

uint64_t get(const uint8_t *p, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Send one request the way QEMU does: one sendmsg, fds as one SCM_RIGHTS message. */
int qemu_send(int sock, int cmd, const uint8_t *payload, size_t size, const int *fds,
		     int nfds)
{
	uint8_t buf[HDR + 256];
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(int) * 16)];
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = HDR + size };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	memset(buf, 0, sizeof(buf));
	put(buf, (uint32_t)cmd, 4);
	put(buf + 8, size, 8);
	if (size)
		memcpy(buf + HDR, payload, size);
	if (nfds) {
		struct cmsghdr *c;

		memset(&control, 0, sizeof(control));
		mh.msg_control = control.b;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)(HDR + size) ? 0 : -1;
}

/* Nothing more waiting on the socket (the reply count must be exact). */
int nothing_pending(int sock)
{
	char b;

	return recv(sock, &b, 1, MSG_DONTWAIT | MSG_PEEK) < 0 && errno == EAGAIN;
}

/* Read one reply; it must be a RET of 8 bytes. Waits up to 5 s. */
int qemu_recv_ret(int sock, uint64_t *value)
{
	uint8_t buf[HDR + 8];
	size_t got = 0;

	while (got < sizeof(buf)) {
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 5000) != 1)
			return -ETIMEDOUT;
		n = recv(sock, buf + got, sizeof(buf) - got, 0);
		if (n <= 0)
			return -EPIPE;
		got += (size_t)n;
	}
	if (get(buf, 4) != RET || get(buf + 8, 8) != 8)
		return -EPROTO;
	*value = get(buf + HDR, 8);
	return 0;
}

/* Read one ivshmem server message: an int64 and maybe one fd. */
int ivshmem_recv(int sock, int64_t *value, int *fd)
{
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(int) * 4)];
	} control;
	uint8_t le[8];
	struct iovec iov = { .iov_base = le, .iov_len = 8 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.b,
			     .msg_controllen = sizeof(control.b) };
	struct cmsghdr *c;

	if (recvmsg(sock, &mh, MSG_DONTWAIT) != 8)
		return -1;
	*value = (int64_t)get(le, 8);
	*fd = -1;
	c = CMSG_FIRSTHDR(&mh);
	if (c && c->cmsg_type == SCM_RIGHTS) {
		if (c->cmsg_len != CMSG_LEN(sizeof(int)))
			return -1;
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	}
	return 0;
}

int memfd_of(size_t size)
{
	int fd = memfd_create("guest-ram", MFD_CLOEXEC);

	if (fd >= 0 && ftruncate(fd, (off_t)size)) {
		close(fd);
		return -1;
	}
	return fd;
}

int count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}
