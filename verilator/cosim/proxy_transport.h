/* SPDX-License-Identifier: MIT */
/*
 * proxy_transport.h - serves one QEMU 7.2 x-pci-proxy-dev connection for a card_device.
 *
 * Rules of the channel: exactly one RET for every config, BAR and reset request, sent
 * at once; never a reply to SYNC_SYSMEM or SET_IRQFD (a stray RET desynchronises
 * QEMU). BAR accesses carry absolute guest-physical addresses, decoded against the
 * BARs software programmed into config space.
 */
#ifndef FPQ_COSIM_PROXY_TRANSPORT_H
#define FPQ_COSIM_PROXY_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "card_device.h"
#include "guest_mem.h"

struct proxy_transport_stats {
	uint64_t msgs[8]; /* by command */
	uint64_t unmapped_bar; /* accesses outside every BAR */
	uint64_t sysmem_errors;
};

struct proxy_transport {
	int sock;
	struct card_device *dev;
	struct guest_mem *mem;
	int intx_fds[2]; /* from SET_IRQFD: kept open, unused (INTx needs KVM) */
	bool verbose;
	struct proxy_transport_stats stats;
};

void proxy_transport_init(struct proxy_transport *pt, int sock, struct card_device *dev,
			  struct guest_mem *mem);
void proxy_transport_fini(struct proxy_transport *pt);

/*
 * proxy_transport_service() - receive and handle one message (blocks until one
 * arrives). Returns 1 when handled, 0 when QEMU closed the channel, or a negative
 * errno (-EPROTO: QEMU sent something this version of the protocol does not have).
 */
int proxy_transport_service(struct proxy_transport *pt);

#endif /* FPQ_COSIM_PROXY_TRANSPORT_H */
