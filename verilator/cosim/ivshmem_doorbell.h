/* SPDX-License-Identifier: MIT */
/*
 * ivshmem_doorbell.h - the card's interrupts in the VM: this process is the "server"
 * of a QEMU ivshmem-doorbell device, and writing one of the eventfds it handed over
 * makes QEMU raise that MSI-X vector of the ivshmem function in the guest.
 *
 * x-pci-proxy-dev has no MSI and its INTx needs KVM; this side channel exists only for
 * co-simulation (a real card raises MSI-X itself). The guest shim
 * (verilator/guest/fpq_ivshmem_irq.c) forwards the vector to the fpq driver.
 */
#ifndef FPQ_COSIM_IVSHMEM_DOORBELL_H
#define FPQ_COSIM_IVSHMEM_DOORBELL_H

#include <stdint.h>

#define IVSHMEM_MAX_VECTORS 32

struct ivshmem_doorbell {
	int sock;
	int shm_fd;
	int eventfds[IVSHMEM_MAX_VECTORS];
	unsigned int vectors;
	uint64_t notified;
};

/*
 * ivshmem_doorbell_init() - speak the server side of the ivshmem protocol on @sock:
 * protocol version 0, the peer id of the one guest, a shared-memory memfd of @shm_size
 * bytes (a power of two; it becomes the ivshmem BAR2), then one eventfd per vector for
 * that peer. QEMU reads all of it while it realizes the device, so this is called
 * before QEMU starts (the socket buffers it). Returns 0 or a negative errno.
 */
int ivshmem_doorbell_init(struct ivshmem_doorbell *db, int sock, unsigned int vectors,
			  uint64_t shm_size);

/* ivshmem_doorbell_notify() - raise @vector in the guest. 0 or a negative errno. */
int ivshmem_doorbell_notify(struct ivshmem_doorbell *db, unsigned int vector);

void ivshmem_doorbell_fini(struct ivshmem_doorbell *db);

#endif /* FPQ_COSIM_IVSHMEM_DOORBELL_H */
