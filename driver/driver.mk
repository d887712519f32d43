# SPDX-License-Identifier: GPL-2.0-only
# The kernel driver: fpq.ko built out of tree against Debian 12's two kernels (6.1 and
# 6.12), its static checks and the KUnit suites (driver/tests/) on User Mode Linux. The
# UAPI's tests are in tests/uapi/, the driver's tests in the VM in tests/vm/.

# The kernels, by series, and the newest installed headers of each.
DRIVER_KERNELS := 6.1 6.12
driver_kdir = $(shell ls -d /usr/src/linux-headers-$(1).*-amd64 2>/dev/null | sort -V | tail -n 1)
DRIVER_KDIR_6.1 ?= $(call driver_kdir,6.1)
DRIVER_KDIR_6.12 ?= $(call driver_kdir,6.12)
DRIVER_KDIR_6.1 := $(DRIVER_KDIR_6.1)
DRIVER_KDIR_6.12 := $(DRIVER_KDIR_6.12)

# The module the VM suites load: the test build (CONFIG_DRM_FPQ_TEST_HOOKS, the
# co-simulation's interrupt hook and fault injection), one per kernel, in
# $(O)/kmod/<kernel>/driver/fpq.ko. Users get the product build (DKMS, debian/).
driver_shadow = $(O)/kmod/$(1)
driver_ko = $(O)/kmod/$(1)/driver/fpq.ko

# Kbuild decides what is out of date, so the rules always run.
.PHONY: driver-module $(addprefix driver-module-,$(DRIVER_KERNELS))
driver-module: $(addprefix driver-module-,$(DRIVER_KERNELS))

$(addprefix driver-module-,$(DRIVER_KERNELS)): driver-module-%:
	@test -n "$(DRIVER_KDIR_$*)" || { echo "no /usr/src/linux-headers-$*.*-amd64 (make deps)"; exit 1; }
	@mkdir -p $(call driver_shadow,$*)/driver
	@ln -sfn $(CURDIR)/Kbuild $(call driver_shadow,$*)/Kbuild
	@ln -sfn $(CURDIR)/uapi $(call driver_shadow,$*)/uapi
	@cp -rsf $(CURDIR)/driver/. $(call driver_shadow,$*)/driver/
	@find $(call driver_shadow,$*) -xtype l -delete
	$(MAKE) -C $(DRIVER_KDIR_$*) M=$(abspath $(call driver_shadow,$*)) -j2 \
		CONFIG_DRM_FPQ_TEST_HOOKS=y modules

ALL_TARGETS += driver-module

CHECK_SUITES += kmod kmod-6.12 kunit

.PHONY: check-kmod check-kmod-6.12 check-kunit
# fpq.ko and the co-simulation's interrupt shim, by the same checks, on each kernel.
check-kmod:
	@$(call run_suite,kmod,scripts/check-kmod.sh $(O) driver 6.1 $(;;) \
		scripts/check-kmod.sh $(O) shim 6.1)

check-kmod-6.12:
	@$(call run_suite,kmod-6.12,scripts/check-kmod.sh $(O) driver 6.12 $(;;) \
		scripts/check-kmod.sh $(O) shim 6.12)

check-kunit:
	@$(call run_suite,kunit,scripts/check-kunit.sh)
