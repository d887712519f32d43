// SPDX-License-Identifier: MIT
/*
 * proxy_transport.c - x-pci-proxy-dev requests turned into card_device calls.
 */
#include "proxy_transport.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proxy_link.h"

void proxy_transport_init(struct proxy_transport *pt, int sock, struct card_device *dev,
			  struct guest_mem *mem)
{
	memset(pt, 0, sizeof(*pt));
	pt->sock = sock;
	pt->dev = dev;
	pt->mem = mem;
	pt->intx_fds[0] = pt->intx_fds[1] = -1;
}

void proxy_transport_fini(struct proxy_transport *pt)
{
	for (int i = 0; i < 2; i++) {
		if (pt->intx_fds[i] >= 0)
			close(pt->intx_fds[i]);
		pt->intx_fds[i] = -1;
	}
}

/* Replace the whole guest RAM table: QEMU resends all of it at every change. */
static void sync_sysmem(struct proxy_transport *pt, struct proxy_msg *msg)
{
	const struct proxy_sync_sysmem *s = &msg->data.sysmem;

	guest_mem_clear(pt->mem);
	for (int i = 0; i < msg->num_fds; i++) {
		int ret = guest_mem_add(pt->mem, s->gpas[i], s->sizes[i], msg->fds[i],
					s->offsets[i]);

		if (ret) {
			pt->stats.sysmem_errors++;
			fprintf(stderr,
				"fpq-card: cannot map guest RAM 0x%llx+0x%llx (fd offset 0x%llx): %s\n",
				(unsigned long long)s->gpas[i], (unsigned long long)s->sizes[i],
				(unsigned long long)s->offsets[i], strerror(-ret));
		}
	}
	proxy_link_close_fds(msg);
}

static uint64_t bar_access(struct proxy_transport *pt, const struct proxy_bar_access *b,
			   bool write)
{
	uint64_t offset;
	int bar = -1;

	if (b->memory)
		bar = pci_cfg_bar_decode(&pt->dev->cfg, b->addr, b->size, &offset);
	if (bar < 0) {
		pt->stats.unmapped_bar++;
		if (pt->verbose)
			fprintf(stderr, "fpq-card: %s of %u bytes at 0x%llx is in no BAR\n",
				write ? "write" : "read", b->size, (unsigned long long)b->addr);
		/* Like an unclaimed bus cycle: all-ones of the access size. */
		return (write || b->size == 0) ? 0 : b->size >= 8 ? ~0ull : (1ull << (8 * b->size)) - 1;
	}
	if (write) {
		card_device_bar_write(pt->dev, bar, offset, b->val, b->size);
		return 0;
	}
	return card_device_bar_read(pt->dev, bar, offset, b->size);
}

/* Payload sizes QEMU 7.2 sends for each request it makes. */
static bool well_formed(const struct proxy_msg *msg)
{
	switch (msg->hdr.cmd) {
	case PROXY_CMD_SYNC_SYSMEM:
		return msg->hdr.size == sizeof(struct proxy_sync_sysmem) && msg->num_fds > 0;
	case PROXY_CMD_PCI_CFGREAD:
	case PROXY_CMD_PCI_CFGWRITE:
		return msg->hdr.size == sizeof(struct proxy_cfg_access) && msg->num_fds == 0;
	case PROXY_CMD_BAR_READ:
	case PROXY_CMD_BAR_WRITE:
		return msg->hdr.size == sizeof(struct proxy_bar_access) && msg->num_fds == 0;
	case PROXY_CMD_SET_IRQFD:
		return msg->hdr.size == 0 && msg->num_fds == 2;
	case PROXY_CMD_DEVICE_RESET:
		return msg->hdr.size == 0 && msg->num_fds == 0;
	default:
		return false;
	}
}

int proxy_transport_service(struct proxy_transport *pt)
{
	struct proxy_msg msg;
	uint64_t value = 0;
	int ret;

	ret = proxy_link_recv(pt->sock, &msg);
	if (ret <= 0)
		return ret;
	if (!well_formed(&msg)) {
		fprintf(stderr, "fpq-card: malformed request: cmd %d, %llu bytes, %d fds\n",
			msg.hdr.cmd, (unsigned long long)msg.hdr.size, msg.num_fds);
		proxy_link_close_fds(&msg);
		return -EPROTO;
	}
	pt->stats.msgs[msg.hdr.cmd]++;

	switch (msg.hdr.cmd) {
	case PROXY_CMD_SYNC_SYSMEM:
		sync_sysmem(pt, &msg);
		return 1; /* no reply */
	case PROXY_CMD_SET_IRQFD:
		proxy_transport_fini(pt);
		pt->intx_fds[0] = msg.fds[0];
		pt->intx_fds[1] = msg.fds[1];
		return 1; /* no reply */
	case PROXY_CMD_PCI_CFGREAD:
		value = card_device_cfg_read(pt->dev, msg.data.cfg.addr, msg.data.cfg.len);
		break;
	case PROXY_CMD_PCI_CFGWRITE:
		card_device_cfg_write(pt->dev, msg.data.cfg.addr, msg.data.cfg.val,
				      msg.data.cfg.len);
		break;
	case PROXY_CMD_BAR_READ:
		value = bar_access(pt, &msg.data.bar, false);
		break;
	case PROXY_CMD_BAR_WRITE:
		value = bar_access(pt, &msg.data.bar, true);
		break;
	case PROXY_CMD_DEVICE_RESET:
		card_device_reset(pt->dev);
		break;
	}
	ret = proxy_link_send_ret(pt->sock, value);
	if (ret == -EPIPE || ret == -ECONNRESET)
		return 0; /* QEMU went away while we answered */
	return ret ? ret : 1;
}
