# SPDX-License-Identifier: MIT
# The MAC array RTL (rtl/fpq_array.sv and its modules): lint and synthesis checks.
#   check-rtl   verilator --lint-only -Wall on several configurations, Yosys synth of a
#               small one (no latches, no unsupported constructs)
#   make rtl-resources   synth_xilinx of 16x16 and 32x32 with and without E5M2 into
#               $(O)/rtl/resources.rst (slow; not part of check)

# In dependency order (package first, top last).
ARRAY_RTL := rtl/fpq_array_pkg.sv rtl/fpq_delay.sv rtl/fpq_elem_decode.sv rtl/fpq_pe.sv \
	rtl/fpq_pe_dsp.sv rtl/fpq_fp32_round.sv rtl/fpq_fp32_add.sv rtl/fpq_row_accum.sv rtl/fpq_array.sv

CHECK_SUITES += rtl
.PHONY: check-rtl rtl-resources
check-rtl:
	@$(call run_suite,rtl,scripts/check-rtl.sh $(O)/rtl $(ARRAY_RTL))

rtl-resources:
	scripts/rtl-resources.sh $(O)/rtl $(ARRAY_RTL)
