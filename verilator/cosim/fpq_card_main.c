// SPDX-License-Identifier: MIT
/*
 * fpq_card_main.c - the card process: a card model presented to a QEMU 7.2 guest as a
 * PCI function through x-pci-proxy-dev, with interrupts through ivshmem-doorbell.
 *
 *   fpq-card --proxy-fd N [--irq-fd M] [options]     (see usage())
 *
 * One thread, one loop: serve QEMU's requests as they come (a register read is answered
 * at once from the model), and while the card is busy keep its clock running in slices
 * between polls of the socket, so the card works while the guest waits on nothing.
 * Ends when QEMU closes the channel or on SIGTERM/SIGINT: status 0, or 3 when the
 * model's checkers saw a rule violation (so the VM run fails).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
		"usage: fpq-card --proxy-fd N [--irq-fd M] [options]\n"
		"       fpq-card --describe\n"
		"  --proxy-fd N         this end of QEMU's x-pci-proxy-dev socketpair\n"
		"  --irq-fd M           this end of the ivshmem-doorbell chardev socketpair\n"
		"  --trace FILE         write an FST waveform of the card\n"
		"  --seed N             the model's random seed (default 1)\n"
		"  --read-latency N     host-memory read latency in card cycles (model default)\n"
		"  --write-latency N    host-memory write latency in card cycles (model default)\n"
		"  --slice CYCLES       cycles run between socket polls while busy (default 64)\n"
		"  --verbose            log unusual accesses and DMA faults\n"
		"  --describe           print the card's PCI identity and interrupt lines, and exit\n");
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

static int parse_num(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno || *end || end == s || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int describe(void)
{
	/* For the launcher: how many ivshmem vectors to ask QEMU for, and so on. */
	const struct cosim_model_desc *d = cosim_model_describe();

	printf("name=%s\npci_id=%04x:%04x\nbar0_size=%u\nirq_lines=%u\n", d->name,
	       FPQ_HW_PCI_VENDOR_ID, d->pci_device_id, d->bar0_size, d->irq_lines);
	return 0;
}

struct options {
	long long proxy_fd, irq_fd, slice, seed, read_latency, write_latency;
	const char *trace;
	bool verbose;
};

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{ "proxy-fd", required_argument, NULL, 'p' },
		{ "irq-fd", required_argument, NULL, 'i' },
		{ "trace", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 'S' },
		{ "read-latency", required_argument, NULL, 'r' },
		{ "write-latency", required_argument, NULL, 'w' },
		{ "slice", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "describe", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, bad = 0;

	*o = (struct options){ .proxy_fd = -1, .irq_fd = -1, .slice = 64, .seed = 1 };
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': bad |= parse_num(optarg, 0, 1 << 20, &o->proxy_fd); break;
		case 'i': bad |= parse_num(optarg, 0, 1 << 20, &o->irq_fd); break;
		case 't': o->trace = optarg; break;
		case 'S': bad |= parse_num(optarg, 0, INT64_MAX, &o->seed); break;
		case 'r': bad |= parse_num(optarg, 0, 1 << 20, &o->read_latency); break;
		case 'w': bad |= parse_num(optarg, 0, 1 << 20, &o->write_latency); break;
		case 's': bad |= parse_num(optarg, 1, 1 << 24, &o->slice); break;
		case 'v': o->verbose = true; break;
		case 'd': exit(describe());
		case 'h': usage(stdout); exit(0);
		default: bad = 1;
		}
	}
	if (bad || optind != argc || o->proxy_fd < 0) {
		usage(stderr);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct ivshmem_doorbell db = { .sock = -1, .shm_fd = -1 };
	struct cosim_model_opts mopts;
	struct proxy_transport pt;
	struct card_device dev;
	struct guest_mem mem;
	struct options o;
	struct sigaction sa;
	const char *last;
	uint64_t errors;
	int status = 0, ret;

	if (parse_options(argc, argv, &o))
		return 64;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop; /* no SA_RESTART: poll() returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	guest_mem_init(&mem);
	for (unsigned int i = 0; i < IVSHMEM_MAX_VECTORS; i++)
		db.eventfds[i] = -1;
	mopts = (struct cosim_model_opts){
		.trace_path = o.trace,
		.seed = (uint64_t)o.seed,
		.read_latency = (unsigned int)o.read_latency,
		.write_latency = (unsigned int)o.write_latency,
	};
	ret = card_device_init(&dev, &mem, &mopts, raise_irq, &db);
	if (ret) {
		fprintf(stderr, "fpq-card: cannot create the card model: %s\n", strerror(-ret));
		return 1;
	}
	dev.verbose = o.verbose;
	if (o.irq_fd >= 0) {
		ret = ivshmem_doorbell_init(&db, (int)o.irq_fd, dev.desc->irq_lines, 4096);
		if (ret) {
			fprintf(stderr, "fpq-card: ivshmem-doorbell setup failed: %s\n",
				strerror(-ret));
			card_device_fini(&dev);
			return 1;
		}
	}
	proxy_transport_init(&pt, (int)o.proxy_fd, &dev, &mem);
	pt.verbose = o.verbose;
	fprintf(stderr, "fpq-card: %s, BAR0 %u KiB, %u interrupt line(s)%s%s%s\n", dev.desc->name,
		dev.desc->bar0_size / 1024, dev.desc->irq_lines,
		o.irq_fd >= 0 ? " via ivshmem-doorbell" : ", no interrupt channel",
		o.trace ? ", waveform to " : "", o.trace ? o.trace : "");

	while (!stop_signal) {
		struct pollfd pfd = { .fd = (int)o.proxy_fd, .events = POLLIN };
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
		card_device_run(&dev, (uint64_t)o.slice);
	}

	fprintf(stderr,
		"fpq-card: exit%s: %" PRIu64 " cycles, %" PRIu64 " register reads, %" PRIu64
		" writes (%" PRIu64 " errors), DMA %" PRIu64 " B in / %" PRIu64 " B out, %" PRIu64
		" faults, %" PRIu64 " blocked, %" PRIu64 " interrupts, %" PRIu64 " resets\n",
		stop_signal ? " on signal" : "", cosim_model_cycles(dev.model), dev.stats.reg_reads,
		dev.stats.reg_writes, dev.stats.reg_errors, dev.stats.dma_read_bytes,
		dev.stats.dma_write_bytes, dev.stats.dma_faults, dev.stats.dma_blocked,
		dev.stats.irqs, dev.stats.resets);
	errors = cosim_model_errors(dev.model, &last);
	if (errors) {
		fprintf(stderr, "fpq-card: the model's checkers saw %" PRIu64 " violation(s); last: %s\n",
			errors, last);
		if (!status)
			status = 3;
	}
	proxy_transport_fini(&pt);
	ivshmem_doorbell_fini(&db);
	card_device_fini(&dev); /* finishes the waveform */
	guest_mem_clear(&mem);
	return status;
}
