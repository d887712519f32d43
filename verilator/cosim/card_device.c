// SPDX-License-Identifier: MIT
/*
 * card_device.c - the PCI function around the card model.
 */
#include "card_device.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define PCI_COMMAND_OFFSET 0x04u
#define PCI_COMMAND_MASTER 0x0004u

static bool bus_master_enabled(const struct card_device *dev)
{
	return pci_cfg_read(&dev->cfg, PCI_COMMAND_OFFSET, 2) & PCI_COMMAND_MASTER;
}

/*
 * The model's AXI4 master. Like a real function, the card cannot master the bus until
 * software enabled it (pci_set_master): such DMA fails, which catches a driver that
 * forgot to.
 */
static int host_mem_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct card_device *dev = ctx;
	int ret;

	if (!bus_master_enabled(dev)) {
		if (dev->stats.dma_blocked++ == 0)
			fprintf(stderr, "fpq-card: DMA read at 0x%llx with bus mastering off\n",
				(unsigned long long)addr);
		return -EPERM;
	}
	ret = guest_mem_read(dev->mem, addr, buf, len);
	if (ret) {
		dev->stats.dma_faults++;
		if (dev->verbose)
			fprintf(stderr, "fpq-card: DMA read fault at 0x%llx+%zu\n",
				(unsigned long long)addr, len);
		return ret;
	}
	dev->stats.dma_read_bytes += len;
	return 0;
}

static int host_mem_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	struct card_device *dev = ctx;
	int ret;

	if (!bus_master_enabled(dev)) {
		if (dev->stats.dma_blocked++ == 0)
			fprintf(stderr, "fpq-card: DMA write at 0x%llx with bus mastering off\n",
				(unsigned long long)addr);
		return -EPERM;
	}
	ret = guest_mem_write(dev->mem, addr, buf, len);
	if (ret) {
		dev->stats.dma_faults++;
		if (dev->verbose)
			fprintf(stderr, "fpq-card: DMA write fault at 0x%llx+%zu\n",
				(unsigned long long)addr, len);
		return ret;
	}
	dev->stats.dma_write_bytes += len;
	return 0;
}

/* Message-signalled semantics: one notification per rising edge of a line. */
static void deliver_irq_edges(struct card_device *dev)
{
	uint32_t now = cosim_model_irq(dev->model);
	uint32_t rising = now & ~dev->irq_level;

	dev->irq_level = now;
	for (unsigned int v = 0; rising && v < dev->desc->irq_lines; v++) {
		if (!(rising & (1u << v)))
			continue;
		dev->stats.irqs++;
		if (dev->irq_fn)
			dev->irq_fn(dev->irq_ctx, v);
	}
}

int card_device_init(struct card_device *dev, struct guest_mem *mem,
		     const struct cosim_model_opts *opts, card_device_irq_fn irq_fn, void *irq_ctx)
{
	struct cosim_model_host host;
	struct pci_ids ids;
	int ret;

	memset(dev, 0, sizeof(*dev));
	dev->desc = cosim_model_describe();
	dev->mem = mem;
	dev->irq_fn = irq_fn;
	dev->irq_ctx = irq_ctx;
	if (dev->desc->irq_lines > 32)
		return -EINVAL;

	ids = (struct pci_ids){
		.vendor = FPQ_HW_PCI_VENDOR_ID,
		.device = dev->desc->pci_device_id,
		.subsystem_vendor = dev->desc->pci_subsystem_vendor_id,
		.subsystem = dev->desc->pci_subsystem_id,
		.revision = dev->desc->pci_revision,
		.class_code = FPQ_HW_PCI_CLASS,
	};
	ret = pci_cfg_init(&dev->cfg, &ids, dev->desc->bar0_size);
	if (ret)
		return ret;

	host = (struct cosim_model_host){
		.ctx = dev,
		.mem_read = host_mem_read,
		.mem_write = host_mem_write,
	};
	dev->model = cosim_model_create(&host, opts);
	if (!dev->model)
		return -ENOMEM;
	dev->irq_level = cosim_model_irq(dev->model);
	return 0;
}

void card_device_fini(struct card_device *dev)
{
	if (dev->model)
		cosim_model_destroy(dev->model);
	dev->model = NULL;
}

uint32_t card_device_cfg_read(struct card_device *dev, uint32_t addr, int len)
{
	return pci_cfg_read(&dev->cfg, addr, len);
}

void card_device_cfg_write(struct card_device *dev, uint32_t addr, uint32_t val, int len)
{
	pci_cfg_write(&dev->cfg, addr, val, len);
}

static bool valid_access(const struct card_device *dev, int bar, uint64_t offset,
			 unsigned int size)
{
	if (bar != 0 || (size != 1 && size != 2 && size != 4 && size != 8))
		return false;
	return offset < dev->desc->bar0_size && size <= dev->desc->bar0_size - offset;
}

/*
 * The AXI4-Lite slave is 32 bits wide: an access is split into the dwords it touches,
 * each read or written once (byte strobes for partial writes), low dword first.
 */
uint64_t card_device_bar_read(struct card_device *dev, int bar, uint64_t offset, unsigned int size)
{
	uint64_t val = 0;

	if (!valid_access(dev, bar, offset, size))
		return (size == 0 || size >= 8) ? ~0ull : (1ull << (8 * size)) - 1;

	for (uint64_t dw = offset & ~3ull; dw < offset + size; dw += 4) {
		uint32_t word;

		dev->stats.reg_reads++;
		if (cosim_model_reg_read(dev->model, (uint32_t)dw, &word)) {
			dev->stats.reg_errors++;
			word = 0xffffffffu;
		}
		for (unsigned int b = 0; b < 4; b++) {
			uint64_t a = dw + b;

			if (a >= offset && a < offset + size)
				val |= (uint64_t)((word >> (8 * b)) & 0xff) << (8 * (a - offset));
		}
	}
	deliver_irq_edges(dev);
	return val;
}

void card_device_bar_write(struct card_device *dev, int bar, uint64_t offset, uint64_t val,
			   unsigned int size)
{
	if (!valid_access(dev, bar, offset, size))
		return;

	for (uint64_t dw = offset & ~3ull; dw < offset + size; dw += 4) {
		uint32_t word = 0;
		uint8_t strb = 0;

		for (unsigned int b = 0; b < 4; b++) {
			uint64_t a = dw + b;

			if (a >= offset && a < offset + size) {
				word |= (uint32_t)((val >> (8 * (a - offset))) & 0xff) << (8 * b);
				strb |= (uint8_t)(1u << b);
			}
		}
		dev->stats.reg_writes++;
		if (cosim_model_reg_write(dev->model, (uint32_t)dw, word, strb))
			dev->stats.reg_errors++;
	}
	deliver_irq_edges(dev);
}

void card_device_reset(struct card_device *dev)
{
	dev->stats.resets++;
	pci_cfg_reset(&dev->cfg);
	cosim_model_reset(dev->model);
	dev->irq_level = cosim_model_irq(dev->model);
}

bool card_device_busy(struct card_device *dev)
{
	return cosim_model_busy(dev->model);
}

void card_device_run(struct card_device *dev, uint64_t cycles)
{
	cosim_model_tick(dev->model, cycles);
	deliver_irq_edges(dev);
}
