# SPDX-License-Identifier: GPL-2.0-only
# The kernel driver: fpq.ko built out of tree against Debian 12's two kernels (6.1 and
# 6.12), its static checks, the UAPI layout tests and the KUnit suites on User Mode Linux.

# The kernels, by series, and the newest installed headers of each.
DRIVER_KERNELS := 6.1 6.12
driver_kdir = $(shell ls -d /usr/src/linux-headers-$(1).*-amd64 2>/dev/null | sort -V | tail -n 1)
DRIVER_KDIR_6.1 ?= $(call driver_kdir,6.1)
DRIVER_KDIR_6.12 ?= $(call driver_kdir,6.12)
DRIVER_KDIR_6.1 := $(DRIVER_KDIR_6.1)
DRIVER_KDIR_6.12 := $(DRIVER_KDIR_6.12)
DRIVER_CFLAGS_UAPI := -Iuapi $(shell pkg-config --cflags libdrm 2>/dev/null || echo -I/usr/include/libdrm)

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

$(O)/tests/uapi_enums: tests/uapi/uapi_enums.c uapi/fpq_drm.h lib/include/fpq.h tests/harness.h $(O)/asan/libfpq.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -O1 $(SANITIZE) -Ilib/include -Itests $(DRIVER_CFLAGS_UAPI) $< $(O)/asan/libfpq.a -lm -lpthread -o $@

CHECK_SUITES += uapi uapi-libfpq kmod kmod-6.12 kunit

.PHONY: check-uapi check-uapi-libfpq check-kmod check-kmod-6.12 check-kunit
check-uapi:
	@tools/suite.sh $(RESULTS) uapi -- tests/uapi/layout.sh $(O)/uapi

check-uapi-libfpq: $(O)/tests/uapi_enums
	@tools/suite.sh $(RESULTS) uapi-libfpq -- $(O)/tests/uapi_enums

check-kmod:
	@tools/suite.sh $(RESULTS) kmod -- tools/kmod-check.sh $(O) 6.1

check-kmod-6.12:
	@tools/suite.sh $(RESULTS) kmod-6.12 -- tools/kmod-check.sh $(O) 6.12

check-kunit:
	@tools/suite.sh $(RESULTS) kunit -- tools/kunit.sh

# The driver's tests inside the co-simulation VM (tools/vm.mk runs them in `make vm-check`).
VM_TEST := $(O)/tests/vm/fpq-vm-test
VM_TEST_SRCS := $(wildcard tests/vm/*.c)

$(VM_TEST): $(VM_TEST_SRCS) $(wildcard tests/vm/*.h) uapi/fpq_drm.h lib/include/fpq.h $(O)/libfpq.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -O2 -Ilib/include -Itests/vm $(DRIVER_CFLAGS_UAPI) $(VM_TEST_SRCS) \
		$(O)/libfpq.a -lm -lpthread -o $@

ALL_TARGETS += $(VM_TEST)
VM_PREREQS += driver-module $(VM_TEST)
VM_CARD_OPTS += --bin $(VM_TEST)
VM_CARD_CMDS += 'fpq-vm-test info' 'fpq-vm-test buffers' 'fpq-vm-test gemm' \
	'fpq-vm-test isolation' 'fpq-vm-test fuzz 3000' 'fpq-vm-test hang' \
	'fpq-vm-test reload 3' 'fpq-vm-test killed'
