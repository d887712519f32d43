// SPDX-License-Identifier: MIT
/*
 * fpq_card_main.c - the card process: a card model presented to a QEMU 7.2 guest as a
 * PCI function through x-pci-proxy-dev, with interrupts through ivshmem-doorbell.
 *
 *   fpq-card --proxy-fd N [--irq-fd M] [--trace FILE] [--slice CYCLES] [--verbose]
 *
 * One thread, one loop: serve QEMU's requests as they come (a register read is answered
 * at once from the model), and while the card is busy keep its clock running in slices
 * between polls of the socket, so the card works while the guest waits on nothing.
 * Ends with status 0 when QEMU closes the channel or on SIGTERM/SIGINT.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "card_device.h"
#include "guest_mem.h"
#include "ivshmem_doorbell.h"
#include "proxy_transport.h"

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fpq-card --proxy-fd N [--irq-fd M] [--trace FILE] [--slice CYCLES] [--verbose]\n"
		"       fpq-card --describe\n"
		"  --proxy-fd N    this end of QEMU's x-pci-proxy-dev socketpair\n"
		"  --irq-fd M      this end of the ivshmem-doorbell chardev socketpair\n"
		"  --trace FILE    write a waveform of the card (FST or VCD as built)\n"
		"  --slice CYCLES  clock cycles run between socket polls while busy (default 64)\n"
		"  --verbose       log unusual accesses and DMA faults\n"
		"  --describe      print the card's PCI identity and interrupt lines, and exit\n");
}

static void raise_irq(void *ctx, unsigned int vector)
{
	struct ivshmem_doorbell *db = ctx;
	int ret;

	if (db->vectors == 0)
		return; /* no interrupt channel: the driver polls */
	ret = ivshmem_doorbell_notify(db, vector);
	if (ret)
		fprintf(stderr, "fpq-card: cannot raise vector %u: %s\n", vector, strerror(-ret));
}

static int parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || *end || end == s || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "proxy-fd", required_argument, NULL, 'p' },
		{ "irq-fd", required_argument, NULL, 'i' },
		{ "trace", required_argument, NULL, 't' },
		{ "slice", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "describe", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ivshmem_doorbell db = { .sock = -1, .shm_fd = -1 };
	long proxy_fd = -1, irq_fd = -1, slice = 64;
	struct proxy_transport pt;
	struct card_device dev;
	struct guest_mem mem;
	const char *trace = NULL;
	bool verbose = false;
	struct sigaction sa;
	int status = 0, ret, c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_int(optarg, 0, 1 << 20, &proxy_fd))
				goto bad_usage;
			break;
		case 'i':
			if (parse_int(optarg, 0, 1 << 20, &irq_fd))
				goto bad_usage;
			break;
		case 't':
			trace = optarg;
			break;
		case 's':
			if (parse_int(optarg, 1, 1 << 24, &slice))
				goto bad_usage;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'd': {
			/* For the launcher: how many ivshmem vectors to ask QEMU for, and so on. */
			const struct cosim_model_desc *d = cosim_model_describe();

			printf("name=%s\npci_id=%04x:%04x\nbar0_size=%u\nirq_lines=%u\n", d->name,
			       FPQ_PCI_VENDOR_PLACEHOLDER, d->pci_device_id, d->bar0_size,
			       d->irq_lines);
			return 0;
		}
		default:
			goto bad_usage;
		}
	}
	if (optind != argc || proxy_fd < 0)
		goto bad_usage;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop; /* no SA_RESTART: poll() returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	guest_mem_init(&mem);
	for (unsigned int i = 0; i < IVSHMEM_MAX_VECTORS; i++)
		db.eventfds[i] = -1;
	ret = card_device_init(&dev, &mem, raise_irq, &db);
	if (ret) {
		fprintf(stderr, "fpq-card: cannot create the card model: %s\n", strerror(-ret));
		return 1;
	}
	dev.verbose = verbose;
	if (irq_fd >= 0) {
		ret = ivshmem_doorbell_init(&db, (int)irq_fd, dev.desc->irq_lines, 4096);
		if (ret) {
			fprintf(stderr, "fpq-card: ivshmem-doorbell setup failed: %s\n",
				strerror(-ret));
			card_device_fini(&dev);
			return 1;
		}
	}
	if (trace) {
		ret = cosim_model_trace_open(dev.model, trace);
		if (ret)
			fprintf(stderr, "fpq-card: no waveform (%s): %s\n", trace, strerror(-ret));
	}
	proxy_transport_init(&pt, (int)proxy_fd, &dev, &mem);
	pt.verbose = verbose;
	fprintf(stderr, "fpq-card: %s, BAR0 %u KiB, %u interrupt line(s)%s\n", dev.desc->name,
		dev.desc->bar0_size / 1024, dev.desc->irq_lines,
		irq_fd >= 0 ? " via ivshmem-doorbell" : ", no interrupt channel");

	while (!stop_signal) {
		struct pollfd pfd = { .fd = (int)proxy_fd, .events = POLLIN };
		bool busy = card_device_busy(&dev);
		int n = poll(&pfd, 1, busy ? 0 : -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("fpq-card: poll");
			status = 1;
			break;
		}
		if (n > 0) {
			ret = proxy_transport_service(&pt);
			if (ret == 0)
				break; /* QEMU closed the channel: the VM is gone */
			if (ret < 0) {
				fprintf(stderr, "fpq-card: channel error: %s\n", strerror(-ret));
				status = 2;
				break;
			}
			continue;
		}
		card_device_run(&dev, (uint64_t)slice);
	}

	if (trace)
		cosim_model_trace_close(dev.model);
	fprintf(stderr,
		"fpq-card: exit%s: %" PRIu64 " cycles, %" PRIu64 " register reads, %" PRIu64
		" writes, DMA %" PRIu64 " B in / %" PRIu64 " B out, %" PRIu64 " faults, %" PRIu64
		" interrupts, %" PRIu64 " resets\n",
		stop_signal ? " on signal" : "", cosim_model_cycles(dev.model), dev.stats.reg_reads,
		dev.stats.reg_writes, dev.stats.dma_read_bytes, dev.stats.dma_write_bytes,
		dev.stats.dma_faults, dev.stats.irqs, dev.stats.resets);
	proxy_transport_fini(&pt);
	ivshmem_doorbell_fini(&db);
	card_device_fini(&dev);
	guest_mem_clear(&mem);
	return status;

bad_usage:
	usage(stderr);
	return 64;
}
