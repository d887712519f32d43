// SPDX-License-Identifier: MIT
/*
 * proxy_transport_test.c - the card process's transport without a VM. The test plays
 * QEMU 7.2 on one end of a socketpair (fake_qemu.c) and checks what comes back: config
 * reads, BAR sizing as QEMU's probe does it, BAR accesses, SYNC_SYSMEM replacement and
 * DMA through it, reset, RET discipline and malformed input. The device behind it is
 * the transport test responder (testdev_model.c), in this process.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#include "card_device.h"
#include "fake_qemu.h"
#include "guest_mem.h"
#include "proxy_transport.h"
#include "testdev_model.h"

#define BAR0_GPA 0xfebf0000ull

/* ---- an in-process card process (transport + device + test responder) ------------ */

struct fixture {
	int qemu, dev_sock;
	struct guest_mem mem;
	struct card_device dev;
	struct proxy_transport pt;
	unsigned int irqs[TESTDEV_IRQ_LINES];
};

static void count_irq(void *ctx, unsigned int vector)
{
	struct fixture *f = ctx;

	if (vector < TESTDEV_IRQ_LINES)
		f->irqs[vector]++;
}

static int fixture_up(struct fixture *f)
{
	int sv[2];

	memset(f, 0, sizeof(*f));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	f->qemu = sv[0];
	f->dev_sock = sv[1];
	guest_mem_init(&f->mem);
	if (card_device_init(&f->dev, &f->mem, NULL, count_irq, f))
		return -1;
	proxy_transport_init(&f->pt, f->dev_sock, &f->dev, &f->mem);
	return 0;
}

static void fixture_down(struct fixture *f)
{
	proxy_transport_fini(&f->pt);
	card_device_fini(&f->dev);
	guest_mem_clear(&f->mem);
	if (f->qemu >= 0)
		close(f->qemu);
	close(f->dev_sock);
}

/* A request that expects a RET: send, let the transport handle it, read the reply. */
static uint64_t call(struct fixture *f, int cmd, const uint8_t *payload, size_t size)
{
	uint64_t value = 0xdeadbeefdeadbeefull;
	int ret;

	CHECK(qemu_send(f->qemu, cmd, payload, size, NULL, 0) == 0, "send cmd %d", cmd);
	ret = proxy_transport_service(&f->pt);
	CHECK(ret == 1, "service cmd %d: %d", cmd, ret);
	CHECK(qemu_recv_ret(f->qemu, &value) == 0, "RET for cmd %d", cmd);
	CHECK(nothing_pending(f->qemu), "exactly one RET for cmd %d", cmd);
	return value;
}

static uint32_t cfg_read(struct fixture *f, uint32_t addr, int len)
{
	uint8_t p[CFG_MSG] = { 0 };

	put(p, addr, 4);
	put(p + 8, (uint32_t)len, 4);
	return (uint32_t)call(f, CFGREAD, p, sizeof(p));
}

static void cfg_write(struct fixture *f, uint32_t addr, uint32_t val, int len)
{
	uint8_t p[CFG_MSG] = { 0 };

	put(p, addr, 4);
	put(p + 4, val, 4);
	put(p + 8, (uint32_t)len, 4);
	CHECK(call(f, CFGWRITE, p, sizeof(p)) == 0, "config write RET value");
}

static uint64_t bar_access(struct fixture *f, int cmd, uint64_t addr, uint64_t val,
			   unsigned int size, int memory)
{
	uint8_t p[BAR_MSG] = { 0 };

	put(p, addr, 8);
	put(p + 8, val, 8);
	put(p + 16, size, 4);
	p[20] = (uint8_t)memory;
	return call(f, cmd, p, sizeof(p));
}

static uint64_t mmio_read(struct fixture *f, uint64_t off, unsigned int size)
{
	return bar_access(f, BAR_READ, BAR0_GPA + off, 0, size, 1);
}

static void mmio_write(struct fixture *f, uint64_t off, uint64_t val, unsigned int size)
{
	bar_access(f, BAR_WRITE, BAR0_GPA + off, val, size, 1);
}

/* A message that must get no reply at all. */
static void post(struct fixture *f, int cmd, const uint8_t *payload, size_t size, const int *fds,
		 int nfds)
{
	int ret;

	CHECK(qemu_send(f->qemu, cmd, payload, size, fds, nfds) == 0, "send cmd %d", cmd);
	ret = proxy_transport_service(&f->pt);
	CHECK(ret == 1, "service cmd %d: %d", cmd, ret);
	CHECK(nothing_pending(f->qemu), "no reply to cmd %d", cmd);
}

struct region {
	uint64_t gpa, size;
	int fd;
	int64_t offset;
};

static void sync_sysmem(struct fixture *f, const struct region *r, int n)
{
	uint8_t p[SYSMEM_MSG] = { 0 };
	int fds[8];

	for (int i = 0; i < n; i++) {
		put(p + 8 * i, r[i].gpa, 8);
		put(p + 64 + 8 * i, r[i].size, 8);
		put(p + 128 + 8 * i, (uint64_t)r[i].offset, 8);
		fds[i] = r[i].fd;
	}
	post(f, SYNC_SYSMEM, p, sizeof(p), fds, n);
}

/* Assign BAR0 and enable memory decoding and bus mastering, as the guest's PCI code does. */
static void enable_device(struct fixture *f)
{
	cfg_write(f, 0x10, (uint32_t)BAR0_GPA, 4);
	cfg_write(f, 0x04, 0x0006, 2);
}

/* ---- cases -------------------------------------------------------------------------- */

/* QEMU's realize: SYNC_SYSMEM, SET_IRQFD, then identity reads; replies only where due. */
static void test_realize_sequence(void)
{
	struct fixture f;
	int ram = memfd_of(1 << 20);
	int irqfds[2] = { eventfd(0, EFD_CLOEXEC), eventfd(0, EFD_CLOEXEC) };

	CHECK(fixture_up(&f) == 0, "setup failed");
	sync_sysmem(&f, &(struct region){ 0, 1 << 20, ram, 0 }, 1);
	post(&f, SET_IRQFD, NULL, 0, irqfds, 2);
	CHECK_EQ_U(cfg_read(&f, 0x00, 2), FPQ_HW_PCI_VENDOR_ID, "unexpected result");
	CHECK_EQ_U(cfg_read(&f, 0x02, 2), FPQ_PCI_DEVICE_TESTDEV, "unexpected result");
	CHECK_EQ_U(cfg_read(&f, 0x0a, 2), 0x1200, "class: processing accelerator");
	CHECK_EQ_U(cfg_read(&f, 0x2e, 2), FPQ_PCI_DEVICE_TESTDEV, "subsystem id");
	CHECK_EQ_U(cfg_read(&f, 0x2c, 2), FPQ_HW_PCI_VENDOR_ID, "subsystem vendor");
	CHECK_EQ_U(cfg_read(&f, 0x09, 1), 0x00, "prog-if");
	CHECK_EQ_U(f.mem.count, 1, "unexpected result");
	fixture_down(&f);
	close(ram);
	close(irqfds[0]);
	close(irqfds[1]);
}

/* BAR sizing exactly as QEMU's probe_pci_info: 0x10..0x28, all-ones, read, restore. */
static void test_bar_sizing(void)
{
	struct fixture f;

	CHECK(fixture_up(&f) == 0, "setup failed");
	for (int i = 0; i < 7; i++) {
		uint32_t addr = 0x10 + 4 * (uint32_t)i;
		uint32_t orig = cfg_read(&f, addr, 4), probed, size;

		cfg_write(&f, addr, 0xffffffffu, 4);
		probed = cfg_read(&f, addr, 4);
		size = ~(probed & 0xfffffff0u) + 1u;
		cfg_write(&f, addr, orig, 4);
		if (i == 0) {
			CHECK_EQ_U(size, TESTDEV_BAR0_SIZE, "BAR0 size");
			CHECK_EQ_U(probed & 0xf, 0, "BAR0: 32-bit memory, non-prefetchable");
		} else {
			CHECK(probed == 0, "unimplemented BAR at 0x%x reads 0x%x", addr, probed);
		}
		CHECK(cfg_read(&f, addr, 4) == orig, "BAR at 0x%x restored", addr);
	}
	fixture_down(&f);
}

/* The rest of the header: what Linux reads while enumerating. */
static void test_config_header(void)
{
	struct fixture f;
	uint32_t dw0;

	CHECK(fixture_up(&f) == 0, "setup failed");
	CHECK_EQ_U(cfg_read(&f, 0x0e, 1), 0x00, "header type 0, single function");
	CHECK_EQ_U(cfg_read(&f, 0x06, 2) & 0x10, 0, "no capability list");
	CHECK_EQ_U(cfg_read(&f, 0x34, 1), 0, "capability pointer");
	CHECK_EQ_U(cfg_read(&f, 0x3d, 1), 0, "interrupt pin: none (INTx needs KVM)");
	CHECK_EQ_U(cfg_read(&f, 0x30, 4), 0, "no expansion ROM");
	cfg_write(&f, 0x30, 0xffffffffu, 4);
	CHECK_EQ_U(cfg_read(&f, 0x30, 4), 0, "expansion ROM BAR not writable");

	/* Identity is read-only; command takes only its defined bits. */
	cfg_write(&f, 0x00, 0xffffffffu, 4);
	CHECK_EQ_U(cfg_read(&f, 0x00, 2), FPQ_HW_PCI_VENDOR_ID, "unexpected result");
	cfg_write(&f, 0x04, 0xffff, 2);
	CHECK_EQ_U(cfg_read(&f, 0x04, 2), 0x0546, "command: memory, master, parity, SERR, INTx-off");
	cfg_write(&f, 0x3c, 0x0b, 1);
	CHECK_EQ_U(cfg_read(&f, 0x3c, 1), 0x0b, "interrupt line is scratch");

	/* Byte and word reads agree with the dword, at every offset. */
	dw0 = cfg_read(&f, 0x00, 4);
	CHECK_EQ_U(cfg_read(&f, 0x01, 1), (dw0 >> 8) & 0xff, "unexpected result");
	CHECK_EQ_U(cfg_read(&f, 0x01, 2), (dw0 >> 8) & 0xffff, "unaligned word");
	CHECK_EQ_U(cfg_read(&f, 0x02, 2), dw0 >> 16, "unexpected result");
	/* Only the conventional 256 bytes exist. */
	CHECK_EQ_U(cfg_read(&f, 0x100, 4), 0, "no extended config space");
	CHECK_EQ_U(cfg_read(&f, 0xfe, 4), 0, "past the end reads 0");
	fixture_down(&f);
}

/* BAR accesses decode absolute addresses, at every size, and odd ones answer all-ones. */
static void test_bar_access(void)
{
	struct fixture f;

	CHECK(fixture_up(&f) == 0, "setup failed");
	enable_device(&f);
	CHECK_EQ_U(mmio_read(&f, TESTDEV_ID, 4), TESTDEV_ID_VALUE, "unexpected result");
	mmio_write(&f, TESTDEV_SCRATCH0, 0x11223344u, 4);
	CHECK_EQ_U(mmio_read(&f, TESTDEV_SCRATCH0, 4), 0x11223344u, "unexpected result");
	CHECK_EQ_U(mmio_read(&f, TESTDEV_SCRATCH0 + 1, 1), 0x33, "byte read");
	CHECK_EQ_U(mmio_read(&f, TESTDEV_SCRATCH0 + 2, 2), 0x1122, "word read");
	mmio_write(&f, TESTDEV_SCRATCH0 + 3, 0xaa, 1);
	CHECK_EQ_U(mmio_read(&f, TESTDEV_SCRATCH0, 4), 0xaa223344u, "byte write uses strobes");
	mmio_write(&f, TESTDEV_SCRATCH0, 0x0123456789abcdefull, 8);
	CHECK_EQ_U(mmio_read(&f, TESTDEV_SCRATCH0, 4), 0x89abcdefu, "8-byte write: low dword");
	CHECK_EQ_U(mmio_read(&f, TESTDEV_SCRATCH1, 4), 0x01234567u, "8-byte write: high dword");
	CHECK_EQ_U(mmio_read(&f, TESTDEV_SCRATCH0, 8), 0x0123456789abcdefull, "8-byte read");
	/* Each access reaches the device once: a read-sensitive register sees one read. */
	{
		uint32_t a = (uint32_t)mmio_read(&f, TESTDEV_READS, 4);
		uint32_t b = (uint32_t)mmio_read(&f, TESTDEV_READS, 4);

		CHECK_EQ_U(b - a, 1, "one AXI read per 4-byte access");
	}
	CHECK_EQ_U(mmio_read(&f, TESTDEV_ERROR, 4), 0xffffffffu, "error response reads all-ones");
	CHECK_EQ_U(bar_access(&f, BAR_READ, BAR0_GPA - 4, 0, 4, 1), 0xffffffffu, "below BAR0");
	CHECK_EQ_U(bar_access(&f, BAR_READ, BAR0_GPA + TESTDEV_BAR0_SIZE, 0, 2, 1), 0xffffu,
		   "past BAR0");
	CHECK_EQ_U(bar_access(&f, BAR_READ, BAR0_GPA + TESTDEV_BAR0_SIZE - 4, 0, 8, 1), ~0ull,
		   "straddling the end of BAR0");
	CHECK_EQ_U(bar_access(&f, BAR_READ, BAR0_GPA, 0, 4, 0), 0xffffffffu, "I/O space");
	CHECK_EQ_U(f.pt.stats.unmapped_bar, 4, "unexpected result");
	/* Moving the BAR moves the registers. */
	cfg_write(&f, 0x10, (uint32_t)BAR0_GPA + 0x10000, 4);
	CHECK_EQ_U(bar_access(&f, BAR_READ, BAR0_GPA + 0x10000, 0, 4, 1), TESTDEV_ID_VALUE, "unexpected result");
	CHECK_EQ_U(mmio_read(&f, TESTDEV_ID, 4), 0xffffffffu, "old address is gone");
	fixture_down(&f);
}

static uint32_t wait_dma(struct fixture *f)
{
	for (int i = 0; i < 10000 && card_device_busy(&f->dev); i++)
		card_device_run(&f->dev, 64);
	return (uint32_t)mmio_read(f, TESTDEV_DMA_STATUS, 4);
}

static void start_dma(struct fixture *f, uint64_t src, uint64_t dst, uint32_t len, int irq)
{
	mmio_write(f, TESTDEV_DMA_SRC_LO, src, 8);
	mmio_write(f, TESTDEV_DMA_DST_LO, dst, 8);
	mmio_write(f, TESTDEV_DMA_LEN, len, 4);
	mmio_write(f, TESTDEV_DMA_CTRL, irq ? 3 : 1, 4);
}

/*
 * Every SYNC_SYSMEM replaces the whole table: DMA follows the newest one, ranges may
 * span two regions, a region may start inside its fd, and no fd is leaked.
 */
static void test_sysmem_replacement(void)
{
	const size_t mb = 1 << 20;
	int a = memfd_of(2 * mb), b = memfd_of(mb);
	uint8_t *pa = mmap(NULL, 2 * mb, PROT_READ | PROT_WRITE, MAP_SHARED, a, 0);
	uint8_t *pb = mmap(NULL, mb, PROT_READ | PROT_WRITE, MAP_SHARED, b, 0);
	struct fixture f;
	int fds_before;

	CHECK(pa != MAP_FAILED && pb != MAP_FAILED, "unexpected result");
	CHECK(fixture_up(&f) == 0, "setup failed");
	enable_device(&f);
	fds_before = count_open_fds();

	/* Table 1: [0, 1M) = a[0, 1M). */
	sync_sysmem(&f, &(struct region){ 0, mb, a, 0 }, 1);
	for (int i = 0; i < 256; i++)
		pa[0x1000 + i] = (uint8_t)(i * 7 + 1);
	start_dma(&f, 0x1000, 0x8000, 256, 0);
	CHECK_EQ_U(wait_dma(&f), TESTDEV_DMA_DONE, "unexpected result");
	CHECK(memcmp(pa + 0x1000, pa + 0x8000, 256) == 0, "copy within table 1");

	/*
	 * Table 2, as after a remap: [0, 1M) = b, [1M, 2M) = a[1M, 2M) (offset inside the fd),
	 * [4G, 4G+1M) = a[0, 1M). The old mapping of gpa 0 must be gone.
	 */
	struct region t2[3] = {
		{ 0, mb, b, 0 },
		{ mb, mb, a, (int64_t)mb },
		{ 0x100000000ull, mb, a, 0 },
	};
	sync_sysmem(&f, t2, 3);
	CHECK_EQ_U(f.mem.count, 3, "unexpected result");
	memset(pb, 0x5a, mb);
	start_dma(&f, 0x100000000ull + 0x1000, 0x2000, 256, 0);
	CHECK_EQ_U(wait_dma(&f), TESTDEV_DMA_DONE, "unexpected result");
	CHECK(memcmp(pb + 0x2000, pa + 0x1000, 256) == 0, "gpa 4G reads a, gpa 0 writes b");
	CHECK_EQ_U(pa[0x2000], 0, "a was not written through the stale table");

	/* A copy spanning the b|a boundary at 1M, both ways. */
	for (int i = 0; i < 64; i++)
		pb[mb - 32 + i % 32] = (uint8_t)(0x80 + i), pa[mb + i % 32] = (uint8_t)(0xc0 + i);
	start_dma(&f, mb - 32, 0x100000000ull + 0x4000, 64, 0);
	CHECK_EQ_U(wait_dma(&f), TESTDEV_DMA_DONE, "unexpected result");
	CHECK(memcmp(pa + 0x4000, pb + mb - 32, 32) == 0 && memcmp(pa + 0x4020, pa + mb, 32) == 0,
	      "read across two regions");
	start_dma(&f, 0x3000, mb - 16, 32, 0);
	CHECK_EQ_U(wait_dma(&f), TESTDEV_DMA_DONE, "unexpected result");
	CHECK(memcmp(pb + mb - 16, pb + 0x3000, 16) == 0 && memcmp(pa + mb, pb + 0x3010, 16) == 0,
	      "write across two regions");

	/* Holes fault, and a fault writes nothing. */
	start_dma(&f, 0x200000, 0x5000, 16, 0);
	CHECK_EQ_U(wait_dma(&f), TESTDEV_DMA_FAULT, "source in a hole");
	start_dma(&f, 0x5000, 2 * mb - 8, 16, 0);
	CHECK_EQ_U(wait_dma(&f), TESTDEV_DMA_FAULT, "destination runs off the end");
	CHECK_EQ_U(pa[2 * mb - 8], 0, "partial write of a faulting copy");

	/* Dozens of tables per boot: the transport must close every fd it was given. */
	for (int i = 0; i < 50; i++) {
		int fa = dup(a), fb = dup(b);

		sync_sysmem(&f, (struct region[]){ { 0, mb, fb, 0 }, { mb, mb, fa, (int64_t)mb } }, 2);
		close(fa);
		close(fb);
	}
	CHECK_EQ_U(count_open_fds(), fds_before, "fds leaked by SYNC_SYSMEM");
	fixture_down(&f);
	munmap(pa, 2 * mb);
	munmap(pb, mb);
	close(a);
	close(b);
}

/* Like a real function, the card cannot master the bus until software allows it. */
static void test_dma_needs_bus_master(void)
{
	int ram = memfd_of(1 << 20);
	struct fixture f;

	CHECK(fixture_up(&f) == 0, "setup failed");
	sync_sysmem(&f, &(struct region){ 0, 1 << 20, ram, 0 }, 1);
	cfg_write(&f, 0x10, (uint32_t)BAR0_GPA, 4);
	cfg_write(&f, 0x04, 0x0002, 2); /* memory decoding only */
	start_dma(&f, 0x1000, 0x2000, 16, 0);
	CHECK_EQ_U(wait_dma(&f), TESTDEV_DMA_FAULT, "unexpected result");
	CHECK(f.dev.stats.dma_blocked > 0, "unexpected result");
	cfg_write(&f, 0x04, 0x0006, 2);
	start_dma(&f, 0x1000, 0x2000, 16, 0);
	CHECK_EQ_U(wait_dma(&f), TESTDEV_DMA_DONE, "unexpected result");
	fixture_down(&f);
	close(ram);
}

/* Interrupt lines: one notification per rising edge, from register writes and from work. */
static void test_irq_edges(void)
{
	int ram = memfd_of(1 << 20);
	struct fixture f;

	CHECK(fixture_up(&f) == 0, "setup failed");
	sync_sysmem(&f, &(struct region){ 0, 1 << 20, ram, 0 }, 1);
	enable_device(&f);
	mmio_write(&f, TESTDEV_IRQ, 2, 4);
	mmio_write(&f, TESTDEV_IRQ, 2, 4);
	CHECK_EQ_U(f.irqs[1], 1, "a level held high is one edge");
	mmio_write(&f, TESTDEV_IRQ, 0, 4);
	mmio_write(&f, TESTDEV_IRQ, 2, 4);
	CHECK_EQ_U(f.irqs[1], 2, "unexpected result");
	CHECK_EQ_U(f.irqs[0], 0, "unexpected result");
	mmio_write(&f, TESTDEV_IRQ, 0, 4);
	start_dma(&f, 0x1000, 0x2000, 64, 1);
	CHECK(card_device_busy(&f.dev), "the copy runs on the card's clock");
	CHECK_EQ_U(f.irqs[0], 0, "not done before the clock ran");
	CHECK_EQ_U(wait_dma(&f), TESTDEV_DMA_DONE, "unexpected result");
	CHECK_EQ_U(f.irqs[0], 1, "completion interrupt from the clocked model");
	fixture_down(&f);
	close(ram);
}

/* DEVICE_RESET: one RET; config space and the card back to power-on state. */
static void test_reset(void)
{
	struct fixture f;

	CHECK(fixture_up(&f) == 0, "setup failed");
	enable_device(&f);
	mmio_write(&f, TESTDEV_SCRATCH0, 0x1234, 4);
	mmio_write(&f, TESTDEV_IRQ, 1, 4);
	CHECK_EQ_U(call(&f, DEVICE_RESET, NULL, 0), 0, "RET value");
	CHECK_EQ_U(f.dev.stats.resets, 1, "unexpected result");
	CHECK_EQ_U(cfg_read(&f, 0x04, 2), 0, "command cleared");
	CHECK_EQ_U(cfg_read(&f, 0x10, 4), 0, "BAR0 unassigned");
	CHECK_EQ_U(cfg_read(&f, 0x00, 2), FPQ_HW_PCI_VENDOR_ID, "identity survives");
	CHECK_EQ_U(mmio_read(&f, TESTDEV_ID, 4), 0xffffffffu, "no BAR decoding after reset");
	enable_device(&f);
	CHECK_EQ_U(mmio_read(&f, TESTDEV_SCRATCH0, 4), 0, "card registers reset");
	CHECK_EQ_U(mmio_read(&f, TESTDEV_IRQ, 4), 0, "unexpected result");
	mmio_write(&f, TESTDEV_IRQ, 1, 4);
	CHECK_EQ_U(f.irqs[0], 2, "the line fell at reset, so raising it again is an edge");
	fixture_down(&f);
}

/* Requests QEMU 7.2 never sends end the connection instead of desynchronising it. */
static void test_malformed(void)
{
	uint8_t p[SYSMEM_MSG] = { 0 };
	struct fixture f;
	int efd = eventfd(0, EFD_CLOEXEC), fds_before;

	CHECK(fixture_up(&f) == 0, "setup failed");
	fds_before = count_open_fds();
	CHECK(qemu_send(f.qemu, 9, NULL, 0, NULL, 0) == 0, "unexpected result");
	CHECK_EQ_U(proxy_transport_service(&f.pt), (uint64_t)-EPROTO, "unknown command");
	CHECK(qemu_send(f.qemu, RET, p, 8, NULL, 0) == 0, "unexpected result");
	CHECK_EQ_U(proxy_transport_service(&f.pt), (uint64_t)-EPROTO, "a RET from QEMU");
	CHECK(qemu_send(f.qemu, CFGREAD, p, 8, NULL, 0) == 0, "unexpected result");
	CHECK_EQ_U(proxy_transport_service(&f.pt), (uint64_t)-EPROTO, "short config request");
	CHECK(qemu_send(f.qemu, CFGREAD, p, CFG_MSG, &efd, 1) == 0, "unexpected result");
	CHECK_EQ_U(proxy_transport_service(&f.pt), (uint64_t)-EPROTO, "config request with an fd");
	CHECK(qemu_send(f.qemu, SYNC_SYSMEM, p, SYSMEM_MSG, NULL, 0) == 0, "unexpected result");
	CHECK_EQ_U(proxy_transport_service(&f.pt), (uint64_t)-EPROTO, "sysmem without fds");
	CHECK(nothing_pending(f.qemu), "no reply to any of them");
	CHECK_EQ_U(count_open_fds(), fds_before, "fds of rejected messages are closed");

	/* A header announcing more payload than any message has. */
	{
		uint8_t h[HDR] = { 0 };

		put(h, CFGREAD, 4);
		put(h + 8, 4096, 8);
		CHECK(send(f.qemu, h, sizeof(h), 0) == sizeof(h), "unexpected result");
		CHECK_EQ_U(proxy_transport_service(&f.pt), (uint64_t)-EPROTO, "oversized payload");
	}
	fixture_down(&f);
	close(efd);
}

/* A header that arrives in pieces (a stream socket may split it) is still one message. */
static void *dribble(void *arg)
{
	int sock = *(int *)arg;
	uint8_t m[HDR + CFG_MSG] = { 0 };
	const struct timespec pause = { 0, 2000000 };

	put(m, CFGREAD, 4);
	put(m + 8, CFG_MSG, 8);
	put(m + HDR, 0x02, 4);
	put(m + HDR + 8, 2, 4);
	for (size_t i = 0; i < sizeof(m); i += 5) {
		size_t n = sizeof(m) - i < 5 ? sizeof(m) - i : 5;

		if (send(sock, m + i, n, MSG_NOSIGNAL) != (ssize_t)n)
			break;
		nanosleep(&pause, NULL);
	}
	return NULL;
}

static void test_split_message(void)
{
	struct fixture f;
	pthread_t t;
	uint64_t v = 0;

	CHECK(fixture_up(&f) == 0, "setup failed");
	CHECK(pthread_create(&t, NULL, dribble, &f.qemu) == 0, "unexpected result");
	CHECK_EQ_U(proxy_transport_service(&f.pt), 1, "unexpected result");
	pthread_join(t, NULL);
	CHECK(qemu_recv_ret(f.qemu, &v) == 0, "unexpected result");
	CHECK_EQ_U(v, FPQ_PCI_DEVICE_TESTDEV, "unexpected result");
	fixture_down(&f);
}

/* QEMU going away: a clean end of stream, and no SIGPIPE when a reply cannot be sent. */
static void test_peer_exit(void)
{
	uint8_t p[CFG_MSG] = { 0 };
	struct fixture f;

	CHECK(fixture_up(&f) == 0, "setup failed");
	put(p + 8, 4, 4);
	CHECK(qemu_send(f.qemu, CFGREAD, p, sizeof(p), NULL, 0) == 0, "unexpected result");
	close(f.qemu);
	f.qemu = -1;
	CHECK_EQ_U(proxy_transport_service(&f.pt), 0, "reply to a closed peer");
	CHECK_EQ_U(proxy_transport_service(&f.pt), 0, "then end of stream");
	fixture_down(&f);
}

int main(void)
{
	signal(SIGPIPE, SIG_DFL); /* a missing MSG_NOSIGNAL must kill the test */

	RUN(test_realize_sequence);
	RUN(test_bar_sizing);
	RUN(test_config_header);
	RUN(test_bar_access);
	RUN(test_sysmem_replacement);
	RUN(test_dma_needs_bus_master);
	RUN(test_irq_edges);
	RUN(test_reset);
	RUN(test_malformed);
	RUN(test_split_message);
	RUN(test_peer_exit);
	return harness_report();
}
