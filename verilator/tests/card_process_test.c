// SPDX-License-Identifier: MIT
/*
 * card_process_test.c - the card process as QEMU meets it: the ivshmem-doorbell server
 * handshake, and the real fpq-card-testdev program ($FPQ_CARD_TESTDEV, or argv[1]) on
 * two socketpairs: it keeps the card's clock running while QEMU sends nothing, answers
 * register reads at once while the card is busy, raises interrupts on the eventfd, and
 * exits cleanly when QEMU goes away or on SIGTERM.
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

#include "fake_qemu.h"
#include "ivshmem_doorbell.h"
#include "pci_cfg.h"
#include "testdev_model.h"

#define BAR0_GPA 0xfebf0000ull

static const char *testdev_path; /* the fpq-card-testdev binary */

/* The ivshmem-doorbell server side: handshake order, then eventfd notifications. */
static void test_ivshmem_handshake(void)
{
	struct ivshmem_doorbell db;
	int sv[2], fd, efd[2];
	int64_t v;
	struct stat st;
	uint64_t count;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "unexpected result");
	CHECK(ivshmem_doorbell_init(&db, sv[1], 2, 4096) == 0, "unexpected result");
	CHECK(ivshmem_recv(sv[0], &v, &fd) == 0 && v == 0 && fd < 0, "protocol version 0");
	CHECK(ivshmem_recv(sv[0], &v, &fd) == 0 && v == 1 && fd < 0, "our peer id");
	CHECK(ivshmem_recv(sv[0], &v, &fd) == 0 && v == -1 && fd >= 0, "shared memory");
	CHECK(fstat(fd, &st) == 0 && st.st_size == 4096, "memory size");
	close(fd);
	for (int i = 0; i < 2; i++) {
		CHECK(ivshmem_recv(sv[0], &v, &efd[i]) == 0 && v == 1 && efd[i] >= 0,
		      "vector %d eventfd for our peer", i);
	}
	CHECK(nothing_pending(sv[0]), "nothing else");
	CHECK(ivshmem_doorbell_notify(&db, 1) == 0, "unexpected result");
	CHECK(ivshmem_doorbell_notify(&db, 2) == -EINVAL, "no vector 2");
	CHECK(read(efd[1], &count, 8) == 8 && count == 1, "vector 1 rang");
	fcntl(efd[0], F_SETFL, O_NONBLOCK);
	CHECK(read(efd[0], &count, 8) < 0 && errno == EAGAIN, "vector 0 did not");
	ivshmem_doorbell_fini(&db);
	close(efd[0]);
	close(efd[1]);
	close(sv[0]);
	close(sv[1]);
}

/* ---- the real process -------------------------------------------------------------- */

struct proc {
	pid_t pid;
	int qemu, irq;
};

static int proc_start(struct proc *p)
{
	int s[2], i[2];

	if (!testdev_path)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s) ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, i))
		return -1;
	p->pid = fork();
	if (p->pid == 0) {
		char a[16], b[16];

		/* Keep the device ends across exec; drop the QEMU ends. */
		fcntl(s[1], F_SETFD, 0);
		fcntl(i[1], F_SETFD, 0);
		snprintf(a, sizeof(a), "%d", s[1]);
		snprintf(b, sizeof(b), "%d", i[1]);
		execl(testdev_path, testdev_path, "--proxy-fd", a, "--irq-fd", b, (char *)NULL);
		_exit(127);
	}
	close(s[1]);
	close(i[1]);
	p->qemu = s[0];
	p->irq = i[0];
	return p->pid > 0 ? 0 : -1;
}

static int proc_wait(struct proc *p, int timeout_ms)
{
	int status;

	for (int t = 0; t < timeout_ms; t += 10) {
		pid_t r = waitpid(p->pid, &status, WNOHANG);

		if (r == p->pid)
			return status;
		usleep(10000);
	}
	kill(p->pid, SIGKILL);
	waitpid(p->pid, &status, 0);
	return -1;
}

static uint64_t proc_call(int sock, int cmd, const uint8_t *payload, size_t size)
{
	uint64_t v = ~0ull;

	CHECK(qemu_send(sock, cmd, payload, size, NULL, 0) == 0, "unexpected result");
	CHECK(qemu_recv_ret(sock, &v) == 0, "RET from the process for cmd %d", cmd);
	return v;
}

static uint64_t proc_bar(int sock, int cmd, uint64_t off, uint64_t val)
{
	uint8_t p[BAR_MSG] = { 0 };

	put(p, BAR0_GPA + off, 8);
	put(p + 8, val, 8);
	put(p + 16, 4, 4);
	p[20] = 1;
	return proc_call(sock, cmd, p, sizeof(p));
}

static void proc_cfg_write(int sock, uint32_t addr, uint32_t val)
{
	uint8_t p[CFG_MSG] = { 0 };

	put(p, addr, 4);
	put(p + 4, val, 4);
	put(p + 8, 4, 4);
	proc_call(sock, CFGWRITE, p, sizeof(p));
}

/* Assign BAR0 and enable memory decoding and bus mastering. */
static void proc_enable(int sock)
{
	proc_cfg_write(sock, 0x10, (uint32_t)BAR0_GPA);
	proc_cfg_write(sock, 0x04, 6);
}

/* A copy of @len bytes from guest 0 to 0x80000 taking @delay cycles, interrupt when done. */
static void proc_start_dma(int sock, uint32_t len, uint32_t delay)
{
	proc_bar(sock, BAR_WRITE, TESTDEV_DMA_SRC_LO, 0);
	proc_bar(sock, BAR_WRITE, TESTDEV_DMA_DST_LO, 0x80000);
	proc_bar(sock, BAR_WRITE, TESTDEV_DMA_LEN, len);
	proc_bar(sock, BAR_WRITE, TESTDEV_DMA_DELAY, delay);
	proc_bar(sock, BAR_WRITE, TESTDEV_DMA_CTRL, 3);
}

/*
 * The process answers a register read at once while the card is busy, resets it on
 * request, keeps the card's clock running while QEMU sends nothing, raises the
 * completion interrupt on the ivshmem eventfd, and exits 0 when QEMU closes the channel.
 */
static void test_process_lifecycle(void)
{
	const size_t len = TESTDEV_DMA_MAX;
	int ram = memfd_of(1 << 20), efd = -1, fd;
	uint8_t sysmem[SYSMEM_MSG] = { 0 };
	struct proc p;
	int64_t v;
	int status;

	if (!testdev_path) {
		harness_skip("no fpq-card-testdev: set FPQ_CARD_TESTDEV");
		return;
	}
	CHECK(proc_start(&p) == 0, "setup failed");
	/* Handshake on the interrupt channel: version, id, memory, one eventfd per line. */
	for (int i = 0; i < 3 + (int)TESTDEV_IRQ_LINES; i++) {
		struct pollfd pfd = { .fd = p.irq, .events = POLLIN };

		CHECK(poll(&pfd, 1, 5000) == 1, "unexpected result");
		CHECK(ivshmem_recv(p.irq, &v, &fd) == 0, "unexpected result");
		if (i == 3)
			efd = fd;
		else if (fd >= 0)
			close(fd);
	}
	put(sysmem + 64, 1 << 20, 8);
	CHECK(qemu_send(p.qemu, SYNC_SYSMEM, sysmem, sizeof(sysmem), &ram, 1) == 0,
	      "send the RAM table");
	proc_enable(p.qemu);
	CHECK_EQ_U(proc_bar(p.qemu, BAR_READ, TESTDEV_ID, 0), TESTDEV_ID_VALUE, "identity");

	/* A copy that takes ~2^32 cycles (minutes of polling): reads are answered meanwhile. */
	proc_start_dma(p.qemu, len, 0xffffffffu);
	CHECK_EQ_U(proc_bar(p.qemu, BAR_READ, TESTDEV_DMA_STATUS, 0), TESTDEV_DMA_BUSY,
		   "a read answered while the card is busy");
	CHECK_EQ_U(proc_call(p.qemu, DEVICE_RESET, NULL, 0), 0, "reset in the middle of a copy");
	proc_enable(p.qemu);
	CHECK_EQ_U(proc_bar(p.qemu, BAR_READ, TESTDEV_DMA_STATUS, 0), TESTDEV_DMA_IDLE,
		   "reset stopped the copy");

	/* A copy of 10^6 cycles, then silence: the card must finish on its own, ring vector 0. */
	proc_start_dma(p.qemu, len, 1000000);
	{
		struct pollfd pfd = { .fd = efd, .events = POLLIN };
		uint64_t count = 0;

		CHECK(poll(&pfd, 1, 10000) == 1, "completion interrupt without any request");
		CHECK(read(efd, &count, 8) == 8 && count == 1, "one interrupt, got %llu",
		      (unsigned long long)count);
	}
	CHECK_EQ_U(proc_bar(p.qemu, BAR_READ, TESTDEV_DMA_STATUS, 0), TESTDEV_DMA_DONE,
		   "the copy completed");

	close(p.qemu);
	status = proc_wait(&p, 5000);
	CHECK(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "exit 0 after QEMU closed the channel (status 0x%x)", status);
	close(p.irq);
	close(efd);
	close(ram);
}

/* SIGTERM while idle ends the process cleanly. */
static void test_process_sigterm(void)
{
	struct proc p;
	int status;

	if (!testdev_path) {
		harness_skip("no fpq-card-testdev: set FPQ_CARD_TESTDEV");
		return;
	}
	CHECK(proc_start(&p) == 0, "setup failed");
	{
		uint8_t q[CFG_MSG] = { 0 };

		put(q + 8, 2, 4);
		CHECK_EQ_U(proc_call(p.qemu, CFGREAD, q, sizeof(q)), FPQ_HW_PCI_VENDOR_ID, "unexpected result");
	}
	kill(p.pid, SIGTERM);
	status = proc_wait(&p, 5000);
	CHECK(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "exit 0 on SIGTERM (status 0x%x)", status);
	close(p.qemu);
	close(p.irq);
}

int main(int argc, char **argv)
{
	testdev_path = argc > 1 ? argv[1] : getenv("FPQ_CARD_TESTDEV");
	signal(SIGPIPE, SIG_IGN);

	RUN(test_ivshmem_handshake);
	RUN(test_process_lifecycle);
	RUN(test_process_sigterm);
	return harness_report();
}
