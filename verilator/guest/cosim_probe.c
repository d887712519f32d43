// SPDX-License-Identifier: MIT
/*
 * cosim_probe.c - runs inside the co-simulation VM, without the fpq driver: checks that
 * the card process's PCI function enumerated, and measures and exercises the path to it.
 *
 *   cosim-probe enumerate   find the function in sysfs: IDs, class 0x1200, BAR0
 *   cosim-probe mmio [N]    BAR0 register round trip: prints read and write figures
 *   cosim-probe dma         transport test device only: copy between two guest pages
 *   cosim-probe irq         transport test device only: interrupts through the
 *                           ivshmem-doorbell shim (fpq_ivshmem_irq)
 *
 * Exit status: 0 passed, 1 failed, 77 skipped (not the right device for the check).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../cosim/pci_cfg.h"
#include "../cosim/testdev_model.h"

#define SKIP 77

struct func {
	char path[300];
	unsigned int vendor, device, class_code;
	uint64_t bar0_start, bar0_size;
};

static int read_hex(const char *dir, const char *name, unsigned int *out)
{
	char p[400], buf[64];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	*out = (unsigned int)strtoul(buf, NULL, 16);
	return 0;
}

/* The card process's function: the card's vendor ID and class (FPQ_HW_PCI_*). */
static int find_function(struct func *fn)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	int found = 0;

	if (!d) {
		perror("/sys/bus/pci/devices");
		return -1;
	}
	while ((e = readdir(d)) && !found) {
		char p[400];
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(fn->path, sizeof(fn->path), "/sys/bus/pci/devices/%s", e->d_name);
		if (read_hex(fn->path, "vendor", &fn->vendor) ||
		    read_hex(fn->path, "device", &fn->device) ||
		    read_hex(fn->path, "class", &fn->class_code))
			continue;
		if (fn->vendor != FPQ_HW_PCI_VENDOR_ID || fn->class_code != FPQ_HW_PCI_CLASS)
			continue;
		snprintf(p, sizeof(p), "%s/resource", fn->path);
		f = fopen(p, "r");
		if (f) {
			unsigned long long start, end, flags;

			if (fscanf(f, "%llx %llx %llx", &start, &end, &flags) == 3 && end > start) {
				fn->bar0_start = start;
				fn->bar0_size = end - start + 1;
			}
			fclose(f);
		}
		found = 1;
	}
	closedir(d);
	return found ? 0 : -1;
}

static int cmd_enumerate(void)
{
	struct func fn;
	int fail = 0;

	if (find_function(&fn)) {
		printf("FAIL: no PCI function with vendor 0x%04x and class 0x%06x\n",
		       FPQ_HW_PCI_VENDOR_ID, FPQ_HW_PCI_CLASS);
		return 1;
	}
	printf("%s: vendor 0x%04x device 0x%04x class 0x%06x BAR0 0x%" PRIx64 " (%" PRIu64
	       " bytes)\n", strrchr(fn.path, '/') + 1, fn.vendor, fn.device, fn.class_code,
	       fn.bar0_start, fn.bar0_size);
	if (fn.device != FPQ_HW_PCI_DEVICE_ID && fn.device != FPQ_PCI_DEVICE_TESTDEV) {
		printf("FAIL: unexpected device ID\n");
		fail = 1;
	}
	if (fn.bar0_size == 0 || (fn.bar0_size & (fn.bar0_size - 1))) {
		printf("FAIL: BAR0 not assigned or not a power of two\n");
		fail = 1;
	}
	if (fn.bar0_start >> 32) {
		printf("FAIL: BAR0 is above 4 GiB: a 32-bit BAR was expected\n");
		fail = 1;
	}
	return fail;
}

/* Turn on memory decoding and bus mastering in the command register (no driver bound). */
static int enable_function(const struct func *fn)
{
	char p[400];
	uint16_t cmd;
	int fd;

	snprintf(p, sizeof(p), "%s/config", fn->path);
	fd = open(p, O_RDWR);
	if (fd < 0 || pread(fd, &cmd, 2, 4) != 2) {
		perror(p);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	cmd |= 0x0006;
	if (pwrite(fd, &cmd, 2, 4) != 2) {
		perror("config write");
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static volatile uint32_t *map_bar0(const struct func *fn)
{
	char p[400], drv[400];
	ssize_t n;
	void *m;
	int fd;

	/* A bound driver owns the BAR: user mappings of it are refused. */
	snprintf(p, sizeof(p), "%s/driver", fn->path);
	n = readlink(p, drv, sizeof(drv) - 1);
	if (n > 0) {
		drv[n] = '\0';
		printf("FAIL: driver %s is bound to %s; unload or unbind it first\n",
		       strrchr(drv, '/') + 1, strrchr(fn->path, '/') + 1);
		return NULL;
	}
	if (enable_function(fn))
		return NULL;
	snprintf(p, sizeof(p), "%s/resource0", fn->path);
	fd = open(p, O_RDWR | O_SYNC);
	if (fd < 0) {
		perror(p);
		return NULL;
	}
	m = mmap(NULL, fn->bar0_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		perror("mmap resource0");
		return NULL;
	}
	return m;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int cmd_mmio(int n)
{
	volatile uint32_t *bar;
	double *t, sum = 0, w0, w1;
	uint32_t id;
	struct func fn;

	if (find_function(&fn) || !(bar = map_bar0(&fn)))
		return 1;
	t = calloc((size_t)n, sizeof(*t));
	if (!t)
		return 1;
	id = bar[0];
	for (int i = 0; i < n; i++) {
		double a = now_us();
		uint32_t v = bar[0];

		t[i] = now_us() - a;
		sum += t[i];
		if (v != id || v == 0xffffffffu) {
			printf("FAIL: read %d of the ID register gave 0x%08x (first 0x%08x)\n", i, v, id);
			free(t);
			return 1;
		}
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	/* Writes to a register with no effect (the card's ID is read-only; testdev scratch). */
	w0 = now_us();
	for (int i = 0; i < n; i++)
		bar[fn.device == FPQ_PCI_DEVICE_TESTDEV ? TESTDEV_SCRATCH0 / 4 : 0] = (uint32_t)i;
	(void)bar[0]; /* posted writes: a read makes sure they all arrived */
	w1 = now_us();
	printf("ID register: 0x%08x\n", id);
	printf("mmio read round trip over %d reads: median %.1f us, mean %.1f us, p10 %.1f us, "
	       "p90 %.1f us, max %.1f us\n", n, t[n / 2], sum / n, t[n / 10], t[n * 9 / 10],
	       t[n - 1]);
	printf("mmio write: %.1f us each over %d writes\n", (w1 - w0) / n, n);
	free(t);
	return 0;
}

/* Physical address of a locked page, from /proc/self/pagemap (root only). */
static uint64_t phys_of(void *p)
{
	uint64_t entry = 0, page = (uint64_t)sysconf(_SC_PAGESIZE);
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &entry, 8, (off_t)((uintptr_t)p / page * 8)) != 8)
		entry = 0;
	close(fd);
	if (!(entry >> 63) || !(entry & ((1ull << 55) - 1)))
		return 0;
	return (entry & ((1ull << 55) - 1)) * page + (uintptr_t)p % page;
}

static int testdev_only(struct func *fn, volatile uint32_t **bar)
{
	if (find_function(fn))
		return 1;
	if (fn->device != FPQ_PCI_DEVICE_TESTDEV) {
		printf("skip: device 0x%04x is not the transport test device\n", fn->device);
		return SKIP;
	}
	*bar = map_bar0(fn);
	return *bar ? 0 : 1;
}

static uint32_t wait_dma(volatile uint32_t *bar)
{
	uint32_t s = TESTDEV_DMA_BUSY;

	for (int i = 0; i < 200000 && s == TESTDEV_DMA_BUSY; i++)
		s = bar[TESTDEV_DMA_STATUS / 4];
	return s;
}

static int cmd_dma(void)
{
	volatile uint32_t *bar;
	struct func fn;
	uint8_t *buf;
	uint64_t src, dst;
	int ret = testdev_only(&fn, &bar);
	uint32_t s;
	double t0;

	if (ret)
		return ret;
	buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED,
		   -1, 0);
	if (buf == MAP_FAILED)
		return 1;
	for (int i = 0; i < 4096; i++)
		buf[i] = (uint8_t)(i * 13 + 5), buf[4096 + i] = 0;
	src = phys_of(buf);
	dst = phys_of(buf + 4096);
	if (!src || !dst) {
		printf("FAIL: no physical address from /proc/self/pagemap\n");
		return 1;
	}
	bar[TESTDEV_DMA_SRC_LO / 4] = (uint32_t)src;
	bar[TESTDEV_DMA_SRC_HI / 4] = (uint32_t)(src >> 32);
	bar[TESTDEV_DMA_DST_LO / 4] = (uint32_t)dst;
	bar[TESTDEV_DMA_DST_HI / 4] = (uint32_t)(dst >> 32);
	bar[TESTDEV_DMA_LEN / 4] = 4096;
	t0 = now_us();
	bar[TESTDEV_DMA_CTRL / 4] = 1;
	s = wait_dma(bar);
	printf("copy 0x%" PRIx64 " -> 0x%" PRIx64 ", 4096 bytes: status %u after %.0f us\n", src,
	       dst, s, now_us() - t0);
	if (s != TESTDEV_DMA_DONE || memcmp(buf, buf + 4096, 4096)) {
		printf("FAIL: the copy did not land in guest memory\n");
		return 1;
	}
	/* An address that is not RAM must fail, not wander. */
	bar[TESTDEV_DMA_SRC_HI / 4] = 0x7f;
	bar[TESTDEV_DMA_CTRL / 4] = 1;
	s = wait_dma(bar);
	if (s != TESTDEV_DMA_FAULT) {
		printf("FAIL: a copy from unbacked memory gave status %u\n", s);
		return 1;
	}
	printf("copy from 0x7f%08" PRIx32 "...: fault, as expected\n", (uint32_t)src);
	return 0;
}

static long shim_count(const char *what)
{
	glob_t g;
	long n = -1;
	char pat[128];

	snprintf(pat, sizeof(pat), "/sys/bus/pci/drivers/fpq_ivshmem_irq/0*/%s", what);
	if (glob(pat, 0, NULL, &g) == 0 && g.gl_pathc == 1) {
		FILE *f = fopen(g.gl_pathv[0], "r");

		if (f) {
			if (fscanf(f, "%ld", &n) != 1)
				n = -1;
			fclose(f);
		}
	}
	globfree(&g);
	return n;
}

/* Wait up to 2 s for the shim's count to pass @before; returns the latency in us or -1. */
static double wait_irq(long before, double t0)
{
	for (int i = 0; i < 200000; i++) {
		if (shim_count("interrupts") > before)
			return now_us() - t0;
		if (now_us() - t0 > 2e6)
			break;
		usleep(50);
	}
	return -1;
}

static int cmd_irq(void)
{
	volatile uint32_t *bar;
	struct func fn;
	int ret = testdev_only(&fn, &bar);
	long before;
	double lat[3];

	if (ret)
		return ret;
	before = shim_count("interrupts");
	if (before < 0) {
		printf("FAIL: fpq_ivshmem_irq is not bound to an ivshmem-doorbell function\n");
		return 1;
	}
	bar[TESTDEV_IRQ / 4] = 0;
	for (int i = 0; i < 2; i++) {
		double t0 = now_us();

		bar[TESTDEV_IRQ / 4] = 1;
		lat[i] = wait_irq(before, t0);
		bar[TESTDEV_IRQ / 4] = 0;
		if (lat[i] < 0) {
			printf("FAIL: no interrupt %d after raising line 0\n", i + 1);
			return 1;
		}
		before = shim_count("interrupts");
	}
	/* An interrupt from work done on the card's own clock, with no MMIO in between. */
	{
		void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
		uint64_t pa;
		double t0;

		if (page == MAP_FAILED)
			return 1;
		memset(page, 1, 4096);
		pa = phys_of(page);
		bar[TESTDEV_DMA_SRC_LO / 4] = (uint32_t)pa;
		bar[TESTDEV_DMA_SRC_HI / 4] = (uint32_t)(pa >> 32);
		bar[TESTDEV_DMA_DST_LO / 4] = (uint32_t)pa;
		bar[TESTDEV_DMA_DST_HI / 4] = (uint32_t)(pa >> 32);
		bar[TESTDEV_DMA_LEN / 4] = 4096;
		bar[TESTDEV_DMA_DELAY / 4] = 1000000;
		t0 = now_us();
		bar[TESTDEV_DMA_CTRL / 4] = 3;
		lat[2] = wait_irq(before, t0);
		if (lat[2] < 0) {
			printf("FAIL: no completion interrupt (DMA status %u)\n",
			       bar[TESTDEV_DMA_STATUS / 4]);
			return 1;
		}
		bar[TESTDEV_IRQ / 4] = 0;
	}
	printf("interrupt latency (register write to handler count): %.0f us, %.0f us\n", lat[0],
	       lat[1]);
	printf("completion interrupt after a 1M-cycle job, no MMIO meanwhile: %.0f us\n", lat[2]);
	printf("shim: %ld interrupts, %ld forwarded to fpq\n", shim_count("interrupts"),
	       shim_count("forwarded"));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "enumerate"))
		return cmd_enumerate();
	if (argc >= 2 && !strcmp(argv[1], "mmio"))
		return cmd_mmio(argc > 2 ? atoi(argv[2]) > 10 ? atoi(argv[2]) : 10 : 2000);
	if (argc >= 2 && !strcmp(argv[1], "dma"))
		return cmd_dma();
	if (argc >= 2 && !strcmp(argv[1], "irq"))
		return cmd_irq();
	fprintf(stderr, "usage: cosim-probe enumerate | mmio [N] | dma | irq\n");
	return 2;
}
