# SPDX-License-Identifier: MIT
# The co-simulation VM suites (tools/fpq-vm boots Debian's 6.1 kernel under QEMU TCG
# with the card process as a PCI device; see Documentation/cosim.rst).
#   make vm-check        both suites below, with a summary
#   check-vm             transport run (test device) and card run (Verilated card, fpq.ko)
#   check-vm-launcher    the launcher fails clearly: warning, card crash, hang, bad command
# Other parts add to the card run from their own fragment:
#   VM_PREREQS += <targets the runs need>
#   VM_CARD_OPTS += --bin $(O)/tests/some-test      (fpq-vm options)
#   VM_CARD_CMDS += 'some-test --all'               (guest commands, quoted)

VM_PREREQS += $(O)/cosim/fpq-card-testdev $(O)/cosim/cosim-probe \
	$(O)/cosim/guest-kmod/fpq_ivshmem_irq.ko
VM_CARD_OPTS ?=
VM_CARD_CMDS ?=

CHECK_SUITES += vm vm-launcher
.PHONY: check-vm check-vm-launcher vm-check vm-prereqs

# Prerequisites are made from the recipe, when every fragment has added its own.
vm-prereqs:
	@$(MAKE) --no-print-directory $(VM_PREREQS)

check-vm: vm-prereqs
	@tools/suite.sh $(RESULTS) vm -- tools/vm-suite.sh $(O) $(VM_CARD_OPTS) -- $(VM_CARD_CMDS)

check-vm-launcher: vm-prereqs
	@tools/suite.sh $(RESULTS) vm-launcher -- tools/vm-selftest.sh $(O)/cosim/fpq-card-testdev \
		$(O)/cosim/cosim-probe

vm-check:
	@mkdir -p $(RESULTS) && rm -f $(RESULTS)/vm.res $(RESULTS)/vm-launcher.res
	@$(MAKE) --no-print-directory -k check-vm check-vm-launcher || true
	@tools/summary.sh $(RESULTS) vm vm-launcher
