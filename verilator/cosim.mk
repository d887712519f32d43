# SPDX-License-Identifier: MIT
# The card process for co-simulation (verilator/cosim/): the transport to QEMU 7.2's
# x-pci-proxy-dev, the PCI function, guest-memory DMA and the ivshmem-doorbell interrupt
# channel, around a card model (cosim_model.h).
#   $(O)/cosim/fpq-card-testdev  the process around the transport test responder
#                                (testdev_model.c: tests only, not the card)
#   make check-cosim             protocol tests with a fake QEMU peer, no VM; the clock
#                                policy over the Verilated card (cosim_card_test.c)

COSIM_DIR := verilator/cosim
COSIM_CORE_SRCS := $(addprefix $(COSIM_DIR)/,proxy_link.c proxy_transport.c guest_mem.c \
	pci_cfg.c card_device.c ivshmem_doorbell.c)
COSIM_MAIN_SRC := $(COSIM_DIR)/fpq_card_main.c
COSIM_TESTDEV_SRC := $(COSIM_DIR)/testdev_model.c
COSIM_TESTS_DIR := verilator/tests
# -Idriver: the contract's generated header (the card's PCI identity, registers).
COSIM_CFLAGS := $(CFLAGS_BASE) -I$(COSIM_DIR) -I$(COSIM_TESTS_DIR) -Itests/common -Idriver

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

$(O)/cosim/asan/proxy_transport_test: $(call cosim_objs,asan,$(COSIM_CORE_SRCS) $(COSIM_TESTDEV_SRC) \
		$(COSIM_TESTS_DIR)/fake_qemu.c $(COSIM_TESTS_DIR)/proxy_transport_test.c)
	$(CC) $(SANITIZE) $^ -o $@ -lpthread

$(O)/cosim/asan/card_process_test: $(call cosim_objs,asan,$(COSIM_DIR)/ivshmem_doorbell.c \
		$(COSIM_TESTS_DIR)/fake_qemu.c $(COSIM_TESTS_DIR)/card_process_test.c)
	$(CC) $(SANITIZE) $^ -o $@

ALL_TARGETS += $(O)/cosim/fpq-card-testdev

CHECK_SUITES += cosim
.PHONY: check-cosim
check-cosim: $(O)/cosim/asan/proxy_transport_test $(O)/cosim/asan/card_process_test \
		$(O)/cosim/asan/fpq-card-testdev
	@FPQ_CARD_TESTDEV=$(O)/cosim/asan/fpq-card-testdev $(call run_suite,cosim,$(call each,\
		$(O)/cosim/asan/proxy_transport_test $(O)/cosim/asan/card_process_test \
		$(COSIM_CARD_TESTS)))

-include $(wildcard $(O)/cosim/obj/$(COSIM_DIR)/*.d $(O)/cosim/obj/$(COSIM_TESTS_DIR)/*.d \
	$(O)/cosim/asan/$(COSIM_DIR)/*.d $(O)/cosim/asan/$(COSIM_TESTS_DIR)/*.d)

# The guest side, built for each of the VM's Debian kernels (DRIVER_KERNELS, driver.mk)
# whatever the host runs:
#   $(O)/cosim/guest-kmod/<kernel>/fpq_ivshmem_irq.ko  interrupt shim (GPL-2.0-only, cosim only)
#   $(O)/cosim/cosim-probe                             enumeration, MMIO, DMA and interrupt probe
cosim_kmod = $(O)/cosim/guest-kmod/$(1)
cosim_shim = $(O)/cosim/guest-kmod/$(1)/fpq_ivshmem_irq.ko
COSIM_SHIMS := $(foreach k,$(DRIVER_KERNELS),$(call cosim_shim,$(k)))

COSIM_SHIM_SRCS := verilator/guest/Kbuild verilator/guest/fpq_ivshmem_irq.c \
	verilator/guest/fpq_ivshmem_irq.h driver/fpq_hw_regs.h

# Built in a directory of symlinks so kbuild's output stays out of the checkout.
$(O)/cosim/guest-kmod/%/fpq_ivshmem_irq.ko: $(COSIM_SHIM_SRCS)
	@test -n "$(DRIVER_KDIR_$*)" || { echo "no /usr/src/linux-headers-$*.*-amd64"; exit 1; }
	@mkdir -p $(call cosim_kmod,$*)
	@ln -sf $(addprefix $(CURDIR)/,$(COSIM_SHIM_SRCS)) $(call cosim_kmod,$*)/
	$(MAKE) -C $(DRIVER_KDIR_$*) M=$(abspath $(call cosim_kmod,$*)) W=1 modules

$(O)/cosim/cosim-probe: verilator/guest/cosim_probe.c $(COSIM_DIR)/pci_cfg.h $(COSIM_DIR)/testdev_model.h \
		driver/fpq_hw_regs.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(OPT) -Idriver $< -o $@

ALL_TARGETS += $(COSIM_SHIMS) $(O)/cosim/cosim-probe

# The card process around the Verilated card (verilator/model/card_model.h, from the
# card's part of the tree), once that and the RTL it needs are here.
ifneq ($(and $(wildcard $(VMODEL)/card_model.h),$(HAVE_ARRAY)),)
COSIM_CARD_CXXFLAGS = $(CXXFLAGS_BASE) -O2 -I$(VMODEL) -isystem $(VERILATOR_INC) \
	-isystem $(VERILATOR_INC)/vltstd

$(O)/cosim/card_model.o: $(VMODEL)/card_model.cpp $(VMODEL)/card_model.h $(VB)/card.dir
	@mkdir -p $(@D)
	$(CXX) $(COSIM_CARD_CXXFLAGS) -isystem $$(cat $(VB)/card.dir) -c $< -o $@

$(O)/cosim/obj/$(COSIM_DIR)/cosim_model_card.o: COSIM_CFLAGS += -I$(VMODEL)

$(O)/cosim/fpq-card: $(call cosim_objs,obj,$(COSIM_CORE_SRCS) $(COSIM_MAIN_SRC) \
		$(COSIM_DIR)/cosim_model_card.c) $(O)/cosim/card_model.o $(VB)/card.dir
	$(CXX) $(filter %.o,$^) $$(cat $(VB)/card.dir)/libVfpq_card.a -lz -lpthread -o $@

ALL_TARGETS += $(O)/cosim/fpq-card
VM_PREREQS += $(O)/cosim/fpq-card

# The clock policy over the Verilated card (ASan like the card bench, whose model
# object it shares): part of check-cosim whenever the card builds.
$(O)/cosim/asan/$(COSIM_DIR)/cosim_model_card.o \
$(O)/cosim/asan/$(COSIM_TESTS_DIR)/cosim_card_test.o: COSIM_CFLAGS += -I$(VMODEL)

$(O)/cosim/asan/cosim_card_test: $(call cosim_objs,asan,$(COSIM_DIR)/cosim_model_card.c \
		$(COSIM_TESTS_DIR)/cosim_card_test.c) $(VB)/card_model.o $(VB)/card.dir
	$(CXX) $(SANITIZE) $(filter %.o,$^) $$(cat $(VB)/card.dir)/libVfpq_card.a -lz -lpthread -o $@

COSIM_CARD_TESTS := $(O)/cosim/asan/cosim_card_test
check-cosim: $(COSIM_CARD_TESTS)
endif
