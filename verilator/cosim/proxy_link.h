/* SPDX-License-Identifier: MIT */
/*
 * proxy_link.h - framing of x-pci-proxy-dev messages on a SOCK_STREAM unix socket.
 */
#ifndef FPQ_COSIM_PROXY_LINK_H
#define FPQ_COSIM_PROXY_LINK_H

#include "proxy_wire.h"

/*
 * proxy_link_recv() - read one whole message (blocking), with its file descriptors.
 * Returns 1 for a message, 0 on a clean end of stream before a header, or a negative
 * errno: -EPROTO for a malformed message (oversized payload, too many fds, a stream
 * that ends inside a message). On error no received fd is left open.
 */
int proxy_link_recv(int sock, struct proxy_msg *msg);

/*
 * proxy_link_send() - send one message (header, payload of hdr.size bytes, and
 * msg->num_fds descriptors) with one sendmsg and MSG_NOSIGNAL, so a peer that went
 * away gives -EPIPE, not SIGPIPE. Returns 0 or a negative errno.
 */
int proxy_link_send(int sock, const struct proxy_msg *msg);

/* proxy_link_send_ret() - the RET reply carrying @value. */
int proxy_link_send_ret(int sock, uint64_t value);

/* proxy_link_close_fds() - close the descriptors a message carried. */
void proxy_link_close_fds(struct proxy_msg *msg);

#endif /* FPQ_COSIM_PROXY_LINK_H */
