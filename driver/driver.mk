# SPDX-License-Identifier: GPL-2.0-only
# The kernel driver: fpq.ko built out of tree against Debian's 6.1 headers, its static
# checks, the UAPI layout tests and the KUnit suites on User Mode Linux.

DRIVER_KDIR ?= $(lastword $(sort $(wildcard /usr/src/linux-headers-6.1.*-amd64)))
DRIVER_SHADOW := $(O)/kmod
DRIVER_CFLAGS_UAPI := -Iuapi $(shell pkg-config --cflags libdrm 2>/dev/null || echo -I/usr/include/libdrm)

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

$(O)/tests/uapi_enums: tests/uapi/uapi_enums.c uapi/fpq_drm.h lib/include/fpq.h tests/harness.h $(O)/asan/libfpq.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -O1 $(SANITIZE) -Ilib/include -Itests $(DRIVER_CFLAGS_UAPI) $< $(O)/asan/libfpq.a -lm -lpthread -o $@

CHECK_SUITES += uapi uapi-libfpq kmod kunit

.PHONY: check-uapi check-uapi-libfpq check-kmod check-kunit
check-uapi:
	@tools/suite.sh $(RESULTS) uapi -- tests/uapi/layout.sh $(O)/uapi

check-uapi-libfpq: $(O)/tests/uapi_enums
	@tools/suite.sh $(RESULTS) uapi-libfpq -- $(O)/tests/uapi_enums

check-kmod:
	@tools/suite.sh $(RESULTS) kmod -- tools/kmod-check.sh $(O)

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
