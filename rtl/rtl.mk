# SPDX-License-Identifier: MIT
# The MAC array RTL (rtl/fpq_array.sv and its modules): lint and synthesis checks.
#   check-rtl   verilator --lint-only -Wall on several configurations, Yosys synth of a
#               small one (no latches, no unsupported constructs)
#   make rtl-resources   synth_xilinx of 16x16 and 32x32 with and without E5M2 into
#               $(O)/rtl/resources.rst (slow; not part of check)
#   make abft-resources  synth_xilinx of the ABFT checker (8x8, 16x16) and of one PE
#               with and without the fault injector's hooks into $(O)/rtl/abft.rst

# The file lists are in rtl/sources.mk (read after this fragment: recipes only here).

CHECK_SUITES += rtl
.PHONY: check-rtl rtl-resources abft-resources
check-rtl:
	@$(call run_suite,rtl,scripts/check-rtl.sh $(O)/rtl $(ARRAY_RTL))

rtl-resources:
	scripts/rtl-resources.sh $(O)/rtl $(ARRAY_RTL)

abft-resources:
	scripts/rtl-resources.sh --abft $(O)/rtl $(ARRAY_RTL) $(FIFO_RTL) rtl/fpq_abft.sv
