# SPDX-License-Identifier: MIT
# The hardware/software contract: rtl/regs/fpq_hw_spec.py generates rtl/fpq_hw_pkg.sv,
# driver/fpq_hw_regs.h and Documentation/registers.rst (tools/gen-hw.py, committed);
# check-hwspec proves the copies agree with the spec and with libfpq's shared values.

.PHONY: hwspec check-hwspec
hwspec:
	python3 tools/gen-hw.py

CHECK_SUITES += hwspec
check-hwspec:
	@$(call run_suite,hwspec,scripts/check-hwspec.sh $(O))
