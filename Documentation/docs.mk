# SPDX-License-Identifier: MIT
# The documentation is valid reStructuredText and every file carries its licence.

CHECK_SUITES += docs
.PHONY: check-docs
check-docs:
	@$(call run_suite,docs,scripts/check-docs.sh)
