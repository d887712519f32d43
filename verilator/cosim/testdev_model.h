/* SPDX-License-Identifier: MIT */
/*
 * testdev_model.h - TEST ONLY. The register map of the transport test device, a
 * minimal responder behind cosim_model.h used to test the card process's transport,
 * DMA path and interrupt channel without the RTL. It is not the fpq card and has its
 * own PCI device ID (FPQ_PCI_DEVICE_TESTDEV) so the fpq driver never binds it.
 */
#ifndef FPQ_COSIM_TESTDEV_MODEL_H
#define FPQ_COSIM_TESTDEV_MODEL_H

#define TESTDEV_BAR0_SIZE 4096u
#define TESTDEV_IRQ_LINES 2u
#define TESTDEV_ID_VALUE 0x7e57de00u

enum testdev_reg {
	TESTDEV_ID = 0x00,        /* RO: TESTDEV_ID_VALUE */
	TESTDEV_SCRATCH0 = 0x04,  /* RW */
	TESTDEV_SCRATCH1 = 0x08,  /* RW */
	TESTDEV_CYCLES = 0x0c,    /* RO: low 32 bits of the model's cycle count */
	TESTDEV_IRQ = 0x10,       /* RW: interrupt line levels (bit i = line i) */
	TESTDEV_READS = 0x14,     /* RO: register reads seen so far (before this one) */
	TESTDEV_DMA_SRC_LO = 0x18,
	TESTDEV_DMA_SRC_HI = 0x1c,
	TESTDEV_DMA_DST_LO = 0x20,
	TESTDEV_DMA_DST_HI = 0x24,
	TESTDEV_DMA_LEN = 0x28,   /* bytes, at most TESTDEV_DMA_MAX */
	TESTDEV_DMA_CTRL = 0x2c,  /* WO: bit 0 start, bit 1 raise line 0 when done */
	TESTDEV_DMA_STATUS = 0x30, /* RO: see enum testdev_dma_status */
	TESTDEV_ERROR = 0x34,     /* any access gets an AXI error response */
	TESTDEV_DMA_DELAY = 0x38, /* RW: cycles a copy takes, plus one per 8 bytes */
};

enum testdev_dma_status {
	TESTDEV_DMA_IDLE = 0,
	TESTDEV_DMA_BUSY = 1,
	TESTDEV_DMA_DONE = 2,
	TESTDEV_DMA_FAULT = 3,
};

#define TESTDEV_DMA_MAX 65536u
/* A copy takes time on the card's clock: the process must keep running it. */
#define TESTDEV_DMA_DELAY_RESET 1000u

#endif /* FPQ_COSIM_TESTDEV_MODEL_H */
