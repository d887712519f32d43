// SPDX-License-Identifier: MIT
/*
 * proxy_link.c - framing of x-pci-proxy-dev messages: one sendmsg per message, fds as a
 * single SCM_RIGHTS control message that arrives with the header's first byte.
 */
#include "proxy_link.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Read exactly @len bytes; 0 on success, 1 if the stream ended before any byte. */
static int read_full(int sock, void *buf, size_t len, int *started)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(sock, (char *)buf + got, len - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return (got == 0 && !*started) ? 1 : -EPROTO;
		got += (size_t)n;
		*started = 1;
	}
	return 0;
}

void proxy_link_close_fds(struct proxy_msg *msg)
{
	for (int i = 0; i < msg->num_fds; i++)
		if (msg->fds[i] >= 0)
			close(msg->fds[i]);
	msg->num_fds = 0;
}

int proxy_link_recv(int sock, struct proxy_msg *msg)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * PROXY_MAX_FDS)];
	} control;
	struct iovec iov = { .iov_base = &msg->hdr, .iov_len = sizeof(msg->hdr) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	int started = 0, ret;
	ssize_t n;

	memset(msg, 0, sizeof(*msg));
	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	started = 1;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		for (size_t i = 0; i < count; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (msg->num_fds < PROXY_MAX_FDS)
				msg->fds[msg->num_fds++] = fd;
			else
				close(fd);
		}
	}
	if (mh.msg_flags & MSG_CTRUNC) {
		ret = -EPROTO;
		goto fail;
	}

	if ((size_t)n < sizeof(msg->hdr)) {
		ret = read_full(sock, (char *)&msg->hdr + n, sizeof(msg->hdr) - (size_t)n, &started);
		if (ret)
			goto fail_eof;
	}
	if (msg->hdr.size > PROXY_MAX_PAYLOAD) {
		ret = -EPROTO;
		goto fail;
	}
	if (msg->hdr.size) {
		ret = read_full(sock, &msg->data, msg->hdr.size, &started);
		if (ret)
			goto fail_eof;
	}
	return 1;

fail_eof:
	if (ret > 0)
		ret = -EPROTO;
fail:
	proxy_link_close_fds(msg);
	return ret;
}

int proxy_link_send(int sock, const struct proxy_msg *msg)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * PROXY_MAX_FDS)];
	} control;
	struct iovec iov[2] = {
		{ .iov_base = (void *)&msg->hdr, .iov_len = sizeof(msg->hdr) },
		{ .iov_base = (void *)&msg->data, .iov_len = msg->hdr.size },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	size_t total = sizeof(msg->hdr) + msg->hdr.size;
	ssize_t n;

	if (msg->hdr.size > PROXY_MAX_PAYLOAD || msg->num_fds < 0 ||
	    msg->num_fds > PROXY_MAX_FDS)
		return -EINVAL;
	if (msg->num_fds) {
		struct cmsghdr *c;

		memset(control.buf, 0, sizeof(control.buf));
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)msg->num_fds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)msg->num_fds);
		memcpy(CMSG_DATA(c), msg->fds, sizeof(int) * (size_t)msg->num_fds);
	}
	do {
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;

	/* A short stream write is rare but legal: finish it without the fds. */
	size_t done = (size_t)n;

	while (done < total) {
		const char *p;
		size_t left;

		if (done < sizeof(msg->hdr)) {
			p = (const char *)&msg->hdr + done;
			left = sizeof(msg->hdr) - done;
		} else {
			p = (const char *)&msg->data + (done - sizeof(msg->hdr));
			left = total - done;
		}
		n = send(sock, p, left, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	return 0;
}

int proxy_link_send_ret(int sock, uint64_t value)
{
	struct proxy_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.hdr.cmd = PROXY_CMD_RET;
	msg.hdr.size = sizeof(uint64_t);
	msg.data.u64 = value;
	return proxy_link_send(sock, &msg);
}
