# SPDX-License-Identifier: GPL-2.0-only
# fpq.ko for users: the DKMS source tree (driver/dkms.conf) and its suite.
#   make dkms-source DKMS_DIR=DIR   lay out /usr/src/fpq-<version> in DIR (debian/rules
#                                   and scripts/check-dkms.sh use it)
#   make check-dkms                 DKMS builds and installs the module for both kernels
#                                   (a private DKMS tree), signed with a throwaway MOK
#                                   key; the VM loads the DKMS-built module on each
#   make check-sign                 signing with a site key (tools/fpq-sign-setup) and each
#                                   kernel's sign-file, checked by modinfo and openssl
# The product build: the test hooks (fpq_test_hooks.c) stay out, as do the KUnit tests.
DKMS_FILES := Kbuild uapi/fpq_drm.h driver/Makefile driver/Kconfig \
	$(sort $(wildcard driver/*.[ch] driver/compat/*))

.PHONY: dkms-source check-dkms
dkms-source:
	@test -n "$(DKMS_DIR)" || { echo "make dkms-source DKMS_DIR=<dir>"; exit 1; }
	@for f in $(DKMS_FILES); do install -D -m 644 $$f $(DKMS_DIR)/$$f || exit 1; done
	@chmod 755 $(DKMS_DIR)/driver/compat/conftest.sh
	@sed 's/#MODULE_VERSION#/$(FPQ_VERSION)/' driver/dkms.conf > $(DKMS_DIR)/dkms.conf

CHECK_SUITES += dkms
check-dkms: vm-prereqs
	@$(call run_suite,dkms,scripts/check-dkms.sh $(O) $(FPQ_VERSION) $(DRIVER_KERNELS))

# Secure Boot: a site's key (tools/fpq-sign-setup) and each kernel's sign-file.
CHECK_SUITES += sign
.PHONY: check-sign
check-sign: driver-module
	@$(call run_suite,sign,scripts/check-sign.sh $(O) $(DRIVER_KERNELS))
