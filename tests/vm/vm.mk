# SPDX-License-Identifier: MIT
# The co-simulation VM suites (tools/fpq-vm boots one of Debian 12's kernels under QEMU
# TCG with the card process as a PCI device; see Documentation/cosim.rst).
#   check-vm             transport run (test device) and card run (Verilated card, fpq.ko)
#                        on the 6.1 kernel (render node)
#   check-vm-6.12        the same runs on the 6.12 kernel (compute-accelerator node)
#   check-vm-launcher    the launcher fails clearly: warning, card crash, hang, bad command
#   make check SUITES="vm vm-6.12 vm-launcher"   all three, with a summary
# Other parts add to the card run from their own fragment:
#   VM_PREREQS += <targets the runs need>
#   VM_CARD_OPTS += --bin $(O)/tests/some-test      (fpq-vm options)
#   VM_CARD_CMDS += 'some-test --all'               (guest commands, quoted)
#   VM_BOUNCE_CMDS += 'some-test'                    (the same, in the swiotlb=force run)

VM_PREREQS += $(O)/cosim/fpq-card-testdev $(O)/cosim/cosim-probe $(COSIM_SHIMS)

# The card run: the driver probes the card (fpq-info goes through libfpq and the UAPI),
# then libfpq's backend-neutral GEMM suite runs on the card twice: completions only by
# interrupt (poll_ms=0: the card's edge, the ivshmem eventfd, the shim, the driver's
# hook), then only by polling (no shim). Modules sit in the guest's /lib/modules/fpq.
VM_SHIM_FORWARDED := /sys/bus/pci/drivers/fpq_ivshmem_irq/*/forwarded
# FPQ_STRICT=1: a card failure is an error, never a silent run on the CPU.
VM_LIB_TESTS := $(addprefix $(O)/tests/vm/lib/,gemm_backend_test card_faults_test \
	card_buffers_test)
VM_PREREQS += driver-module $(O)/fpq-info $(VM_LIB_TESTS)
VM_CARD_OPTS += --bin $(O)/fpq-info $(addprefix --bin ,$(VM_LIB_TESTS))
VM_CARD_CMDS += 'fpq-info' \
	'rmmod fpq && insmod /lib/modules/fpq/fpq.ko poll_ms=0 && FPQ_DEVICE=card FPQ_STRICT=1 gemm_backend_test && test "$$(cat $(VM_SHIM_FORWARDED))" -gt 0' \
	'rmmod fpq_ivshmem_irq && rmmod fpq && insmod /lib/modules/fpq/fpq.ko poll_ms=1 && FPQ_DEVICE=card FPQ_STRICT=1 gemm_backend_test' \
	'card_faults_test' 'card_buffers_test' \
	'fpq-info | grep -E "^  faults +checksum [0-9]+, dma [1-9][0-9]*, mmu [0-9]+, descriptor [0-9]+, timeout [1-9]"' \
	'fpq-info | grep -E "^  recoveries +resets [1-9][0-9]* \(0 failed\), jobs run again [0-9]+"'

# The driver's own tests in the VM (tests/vm/driver_test.c and its helpers): one program,
# a command per scenario.
VM_DRIVER_TEST := $(O)/tests/vm/driver_test
# The GEMM cases come from tests/common/, as the library's and the card's do.
VM_DRIVER_TEST_SRCS := $(filter-out tests/vm/fault_campaign.c,$(wildcard tests/vm/*.c)) \
	tests/common/gemm_case.c tests/common/gemm_data.c

$(VM_DRIVER_TEST): $(VM_DRIVER_TEST_SRCS) $(wildcard tests/vm/*.h tests/common/*.h) \
		uapi/fpq_drm.h lib/include/fpq.h $(O)/libfpq.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -O2 -Ilib/include -Itests/vm -Itests/common $(UAPI_CFLAGS) \
		$(VM_DRIVER_TEST_SRCS) \
		$(O)/libfpq.a $(LIB_LDLIBS) -o $@

ALL_TARGETS += $(VM_DRIVER_TEST)
VM_PREREQS += driver-module $(VM_DRIVER_TEST)
# vgem gives the scenarios a foreign fence; four buffers of the largest size must fit
# the guest's memory for 'pinning' to see what a job pins.
VM_CARD_OPTS += --bin $(VM_DRIVER_TEST) --kmod vgem --memory 1536
# The launcher boots with the checkers the kernel allows (tools/fpqvm/kernel.py).
VM_CARD_CMDS += 'grep -q "slub_debug=FZPU.*page_poison=1" /proc/cmdline' \
	'driver_test info' 'driver_test buffers' 'driver_test gemm' \
	'driver_test isolation' 'driver_test fuzz 3000' 'driver_test hang' \
	'driver_test reload 3' 'driver_test killed' 'driver_test fence-rmmod' \
	'driver_test killed-rmmod 4' 'driver_test hot-remove' 'driver_test pinning' \
	'driver_test detached-limit' 'driver_test abft'
# The bounce run (swiotlb=force): every job's output must reach the CPU, every CPU
# write before a job must reach the card.
VM_BOUNCE_CMDS += 'driver_test bounce' 'driver_test gemm' 'driver_test buffers' \
	'driver_test killed'

CHECK_SUITES += vm vm-6.12 vm-launcher
.PHONY: check-vm check-vm-6.12 check-vm-launcher vm-prereqs

# Prerequisites are made from the recipe, when every fragment has added its own.
vm-prereqs:
	@$(MAKE) --no-print-directory $(VM_PREREQS)

check-vm: vm-prereqs
	@$(call run_suite,vm,scripts/check-vm.sh $(O) --kernel 6.1 $(VM_CARD_OPTS) \
		-- $(VM_CARD_CMDS) --bounce $(VM_BOUNCE_CMDS))

check-vm-6.12: vm-prereqs
	@$(call run_suite,vm-6.12,scripts/check-vm.sh $(O) --kernel 6.12 $(VM_CARD_OPTS) \
		-- $(VM_CARD_CMDS) --bounce $(VM_BOUNCE_CMDS))

check-vm-launcher: vm-prereqs
	@$(call run_suite,vm-launcher,scripts/check-vm-launcher.sh $(O)/cosim/fpq-card-testdev \
		$(O)/cosim/cosim-probe)
