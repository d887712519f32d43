# SPDX-License-Identifier: MIT
# The fault campaign (tests/vm/fault_campaign.c): the driver under load while faults
# are injected at seeded random times, in the VM's card run. The module is reloaded
# with a 1 s job timeout for it (injected hangs end sooner), then with its defaults.
#   make check-vm                       the CI-sized run (CAMPAIGN_SECONDS, seed 1)
#   make vm-campaign CAMPAIGN_SECONDS=600 CAMPAIGN_SEED=7   a longer run, its own VM
CAMPAIGN_SECONDS ?= 60
CAMPAIGN_SEED ?= 1
CAMPAIGN_ARGS ?= --procs 3 --threads 2
VM_CAMPAIGN := $(O)/tests/vm/fault_campaign
VM_CAMPAIGN_SRCS := tests/vm/fault_campaign.c tests/vm/vm_dev.c tests/vm/vm_fence.c \
	tests/vm/vm_gemm.c \
	tests/common/gemm_case.c tests/common/gemm_data.c

$(VM_CAMPAIGN): $(VM_CAMPAIGN_SRCS) $(wildcard tests/vm/*.h tests/common/*.h) \
		uapi/fpq_drm.h lib/include/fpq.h $(O)/libfpq.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -O2 -pthread -Ilib/include -Itests/vm -Itests/common \
		$(UAPI_CFLAGS) $(VM_CAMPAIGN_SRCS) $(O)/libfpq.a $(LIB_LDLIBS) -o $@

CAMPAIGN_CMD = rmmod fpq && insmod /lib/modules/fpq/fpq.ko timeout_ms=1000 && \
	fault_campaign --seconds $(1) --seed $(2) $(CAMPAIGN_ARGS); rc=$$?; \
	rmmod fpq && insmod /lib/modules/fpq/fpq.ko && exit $$rc

ALL_TARGETS += $(VM_CAMPAIGN)
VM_PREREQS += $(VM_CAMPAIGN)
# The card run's commands now take longer than the launcher's default 300 s.
VM_CARD_OPTS += --bin $(VM_CAMPAIGN) --cmd-timeout 400 --timeout 1200
VM_CARD_CMDS += '$(call CAMPAIGN_CMD,$(CAMPAIGN_SECONDS),$(CAMPAIGN_SEED))'

.PHONY: vm-campaign
vm-campaign: vm-prereqs
	tools/fpq-vm --card $(O)/cosim/fpq-card --module $(call driver_ko,6.1) \
		--module $(O)/cosim/guest-kmod/6.1/fpq_ivshmem_irq.ko --bin $(VM_CAMPAIGN) \
		--memory 1024 --cmd-timeout $$(( $(CAMPAIGN_SECONDS) + 400 )) \
		--timeout $$(( $(CAMPAIGN_SECONDS) + 600 )) \
		-- '$(call CAMPAIGN_CMD,$(CAMPAIGN_SECONDS),$(CAMPAIGN_SEED))'
