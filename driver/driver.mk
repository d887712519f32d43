# SPDX-License-Identifier: GPL-2.0-only
# The kernel driver: fpq.ko built out of tree against Debian's 6.1 headers, its static
# checks and the KUnit suites (driver/tests/) on User Mode Linux. The UAPI's tests are
# in tests/uapi/, the driver's tests in the VM in tests/vm/.

DRIVER_KDIR ?= $(lastword $(sort $(wildcard /usr/src/linux-headers-6.1.*-amd64)))
DRIVER_SHADOW := $(O)/kmod

# The module; kbuild decides what is out of date, so the rule always runs.
.PHONY: driver-module
driver-module:
	@mkdir -p $(DRIVER_SHADOW)/driver
	@ln -sfn $(CURDIR)/Kbuild $(DRIVER_SHADOW)/Kbuild
	@ln -sfn $(CURDIR)/uapi $(DRIVER_SHADOW)/uapi
	@cp -rsf $(CURDIR)/driver/. $(DRIVER_SHADOW)/driver/
	@find $(DRIVER_SHADOW) -xtype l -delete
	$(MAKE) -C $(DRIVER_KDIR) M=$(abspath $(DRIVER_SHADOW)) -j2 modules

ALL_TARGETS += driver-module

CHECK_SUITES += kmod kunit

.PHONY: check-kmod check-kunit
# fpq.ko and the co-simulation's interrupt shim, by the same checks.
check-kmod:
	@$(call run_suite,kmod,scripts/check-kmod.sh $(O) driver $(;;) scripts/check-kmod.sh $(O) shim)

check-kunit:
	@$(call run_suite,kunit,scripts/check-kunit.sh)
