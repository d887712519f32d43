# SPDX-License-Identifier: MIT
# The card process for co-simulation (verilator/cosim/): the transport to QEMU 7.2's
# x-pci-proxy-dev, the PCI function, guest-memory DMA and the ivshmem-doorbell interrupt
# channel, around a card model (cosim_model.h).
#   $(O)/cosim/fpq-card-testdev  the process around the transport test responder
#                                (testdev_model.c: tests only, not the card)
#   make check-cosim             protocol tests with a fake QEMU peer, no VM; the clock
#                                policy over the Verilated card (test_cosim_card.c)

COSIM_DIR := verilator/cosim
COSIM_CORE_SRCS := $(addprefix $(COSIM_DIR)/,proxy_link.c proxy_transport.c guest_mem.c \
	pci_cfg.c card_device.c ivshmem_doorbell.c)
COSIM_MAIN_SRC := $(COSIM_DIR)/fpq_card_main.c
COSIM_TESTDEV_SRC := $(COSIM_DIR)/testdev_model.c
COSIM_TEST_SRCS := $(addprefix $(COSIM_DIR)/tests/,fake_qemu.c test_proxy_transport.c \
	test_card_process.c)
COSIM_CFLAGS := $(CFLAGS_BASE) -I$(COSIM_DIR) -Itests

$(O)/cosim/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(COSIM_CFLAGS) $(OPT) -MMD -MP -c $< -o $@

$(O)/cosim/asan/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(COSIM_CFLAGS) -O1 $(SANITIZE) -MMD -MP -c $< -o $@

cosim_objs = $(patsubst %.c,$(O)/cosim/$(1)/%.o,$(2))

$(O)/cosim/fpq-card-testdev: $(call cosim_objs,obj,$(COSIM_CORE_SRCS) $(COSIM_MAIN_SRC) $(COSIM_TESTDEV_SRC))
	$(CC) $^ -o $@

$(O)/cosim/asan/fpq-card-testdev: $(call cosim_objs,asan,$(COSIM_CORE_SRCS) $(COSIM_MAIN_SRC) $(COSIM_TESTDEV_SRC))
	$(CC) $(SANITIZE) $^ -o $@

$(O)/cosim/asan/test_proxy_transport: $(call cosim_objs,asan,$(COSIM_CORE_SRCS) $(COSIM_TESTDEV_SRC) \
		$(COSIM_DIR)/tests/fake_qemu.c $(COSIM_DIR)/tests/test_proxy_transport.c)
	$(CC) $(SANITIZE) $^ -o $@ -lpthread

$(O)/cosim/asan/test_card_process: $(call cosim_objs,asan,$(COSIM_DIR)/ivshmem_doorbell.c \
		$(COSIM_DIR)/tests/fake_qemu.c $(COSIM_DIR)/tests/test_card_process.c)
	$(CC) $(SANITIZE) $^ -o $@

ALL_TARGETS += $(O)/cosim/fpq-card-testdev

CHECK_SUITES += cosim
.PHONY: check-cosim
check-cosim: $(O)/cosim/asan/test_proxy_transport $(O)/cosim/asan/test_card_process \
		$(O)/cosim/asan/fpq-card-testdev
	@FPQ_CARD_TESTDEV=$(O)/cosim/asan/fpq-card-testdev FPQ_SHIM_CHECK_OUT=$(O)/cosim/shim-check \
		tools/suite.sh $(RESULTS) cosim -- tools/run-tests.sh \
		$(O)/cosim/asan/test_proxy_transport $(O)/cosim/asan/test_card_process \
		$(COSIM_CARD_TESTS) verilator/guest/check-shim.sh

-include $(wildcard $(O)/cosim/obj/$(COSIM_DIR)/*.d $(O)/cosim/obj/$(COSIM_DIR)/tests/*.d \
	$(O)/cosim/asan/$(COSIM_DIR)/*.d $(O)/cosim/asan/$(COSIM_DIR)/tests/*.d)

# The guest side, built for the VM's Debian 6.1 kernel whatever the host runs:
#   $(O)/cosim/guest-kmod/fpq_ivshmem_irq.ko  interrupt shim (GPL-2.0-only, cosim only)
#   $(O)/cosim/cosim-probe                    enumeration, MMIO, DMA and interrupt probe
COSIM_KDIR ?= $(lastword $(sort $(wildcard /usr/src/linux-headers-6.1.*-amd64)))
COSIM_KMOD := $(O)/cosim/guest-kmod
COSIM_SHIM := $(COSIM_KMOD)/fpq_ivshmem_irq.ko

COSIM_SHIM_SRCS := verilator/guest/Kbuild verilator/guest/fpq_ivshmem_irq.c \
	verilator/guest/fpq_ivshmem_irq.h

# Built in a directory of symlinks so kbuild's output stays out of the checkout.
$(COSIM_SHIM): $(COSIM_SHIM_SRCS)
	@test -n "$(COSIM_KDIR)" || { echo "no /usr/src/linux-headers-6.1.*-amd64"; exit 1; }
	@mkdir -p $(COSIM_KMOD)
	@ln -sf $(addprefix $(CURDIR)/,$(COSIM_SHIM_SRCS)) $(COSIM_KMOD)/
	$(MAKE) -C $(COSIM_KDIR) M=$(abspath $(COSIM_KMOD)) W=1 modules

$(O)/cosim/cosim-probe: verilator/guest/cosim_probe.c $(COSIM_DIR)/pci_cfg.h $(COSIM_DIR)/testdev_model.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(OPT) $< -o $@

ALL_TARGETS += $(COSIM_SHIM) $(O)/cosim/cosim-probe

# The card process around the Verilated card (verilator/card_model.h, from the card's
# part of the tree), once that and the RTL it needs are here.
ifneq ($(and $(wildcard verilator/card_model.h),$(HAVE_ARRAY)),)
COSIM_CARD_CXXFLAGS = $(CXXFLAGS_BASE) -O2 -Iverilator -Iverilator/model -isystem $(VERILATOR_INC) \
	-isystem $(VERILATOR_INC)/vltstd

$(O)/cosim/card_model.o: verilator/card_model.cpp verilator/card_model.h $(VB)/card.dir
	@mkdir -p $(@D)
	$(CXX) $(COSIM_CARD_CXXFLAGS) -isystem $$(cat $(VB)/card.dir) -c $< -o $@

$(O)/cosim/obj/$(COSIM_DIR)/cosim_model_card.o: COSIM_CFLAGS += -Iverilator -Idriver

$(O)/cosim/fpq-card: $(call cosim_objs,obj,$(COSIM_CORE_SRCS) $(COSIM_MAIN_SRC) \
		$(COSIM_DIR)/cosim_model_card.c) $(O)/cosim/card_model.o $(VB)/card.dir
	$(CXX) $(filter %.o,$^) $$(cat $(VB)/card.dir)/libVfpq_card.a -lz -lpthread -o $@

ALL_TARGETS += $(O)/cosim/fpq-card
VM_PREREQS += $(O)/cosim/fpq-card

# The clock policy over the Verilated card (ASan like the card bench, whose model
# object it shares): part of check-cosim whenever the card builds.
$(O)/cosim/asan/$(COSIM_DIR)/cosim_model_card.o \
$(O)/cosim/asan/$(COSIM_DIR)/tests/test_cosim_card.o: COSIM_CFLAGS += -Iverilator -Idriver

$(O)/cosim/asan/test_cosim_card: $(call cosim_objs,asan,$(COSIM_DIR)/cosim_model_card.c \
		$(COSIM_DIR)/tests/test_cosim_card.c) $(VB)/card_model.o $(VB)/card.dir
	$(CXX) $(SANITIZE) $(filter %.o,$^) $$(cat $(VB)/card.dir)/libVfpq_card.a -lz -lpthread -o $@

COSIM_CARD_TESTS := $(O)/cosim/asan/test_cosim_card
check-cosim: $(COSIM_CARD_TESTS)
endif
