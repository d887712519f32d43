# SPDX-License-Identifier: MIT
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
