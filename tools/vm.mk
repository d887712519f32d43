# SPDX-License-Identifier: MIT
# The co-simulation VM suites (tools/fpq-vm boots one of Debian 12's kernels under QEMU
# TCG with the card process as a PCI device; see Documentation/cosim.rst).
#   make vm-check        the suites below, with a summary
#   check-vm             transport run (test device) and card run (Verilated card, fpq.ko)
#                        on the 6.1 kernel (render node)
#   check-vm-6.12        the same runs on the 6.12 kernel (compute-accelerator node)
#   check-vm-launcher    the launcher fails clearly: warning, card crash, hang, bad command
# Other parts add to the card run from their own fragment:
#   VM_PREREQS += <targets the runs need>
#   VM_CARD_OPTS += --bin $(O)/tests/some-test      (fpq-vm options)
#   VM_CARD_CMDS += 'some-test --all'               (guest commands, quoted)

VM_PREREQS += $(O)/cosim/fpq-card-testdev $(O)/cosim/cosim-probe $(COSIM_SHIMS)

# The card run: the driver probes the card (fpq-info goes through libfpq and the UAPI),
# then libfpq's backend-neutral GEMM suite runs on the card twice: completions only by
# interrupt (poll_ms=0: the card's edge, the ivshmem eventfd, the shim, the driver's
# hook), then only by polling (no shim). Modules sit in the guest's /lib/modules/fpq.
VM_SHIM_FORWARDED := /sys/bus/pci/drivers/fpq_ivshmem_irq/*/forwarded
# FPQ_STRICT=1: a card failure is an error, never a silent run on the CPU.
VM_PREREQS += driver-module $(O)/fpq-info $(O)/vmtests/test_gemm_backend \
	$(O)/vmtests/test_card_faults $(O)/vmtests/test_card_buffers
VM_CARD_OPTS += --bin $(O)/fpq-info --bin $(O)/vmtests/test_gemm_backend \
	--bin $(O)/vmtests/test_card_faults --bin $(O)/vmtests/test_card_buffers
VM_CARD_CMDS += 'fpq-info' \
	'rmmod fpq && insmod /lib/modules/fpq/fpq.ko poll_ms=0 && FPQ_DEVICE=card FPQ_STRICT=1 test_gemm_backend && test "$$(cat $(VM_SHIM_FORWARDED))" -gt 0' \
	'rmmod fpq_ivshmem_irq && rmmod fpq && insmod /lib/modules/fpq/fpq.ko poll_ms=1 && FPQ_DEVICE=card FPQ_STRICT=1 test_gemm_backend' \
	'test_card_faults' 'test_card_buffers'

CHECK_SUITES += vm vm-6.12 vm-launcher
.PHONY: check-vm check-vm-6.12 check-vm-launcher vm-check vm-prereqs

# Prerequisites are made from the recipe, when every fragment has added its own.
vm-prereqs:
	@$(MAKE) --no-print-directory $(VM_PREREQS)

check-vm: vm-prereqs
	@tools/suite.sh $(RESULTS) vm -- tools/vm-suite.sh $(O) --kernel 6.1 $(VM_CARD_OPTS) \
		-- $(VM_CARD_CMDS)

check-vm-6.12: vm-prereqs
	@tools/suite.sh $(RESULTS) vm-6.12 -- tools/vm-suite.sh $(O) --kernel 6.12 $(VM_CARD_OPTS) \
		-- $(VM_CARD_CMDS)

check-vm-launcher: vm-prereqs
	@tools/suite.sh $(RESULTS) vm-launcher -- tools/vm-selftest.sh $(O)/cosim/fpq-card-testdev \
		$(O)/cosim/cosim-probe

vm-check:
	@mkdir -p $(RESULTS) && rm -f $(RESULTS)/vm.res $(RESULTS)/vm-6.12.res $(RESULTS)/vm-launcher.res
	@$(MAKE) --no-print-directory -k check-vm check-vm-6.12 check-vm-launcher || true
	@tools/summary.sh $(RESULTS) vm vm-6.12 vm-launcher
