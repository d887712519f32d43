# SPDX-License-Identifier: MIT
# The Debian packages (debian/: fpq-dkms, libfpq0, libfpq-dev, fpq-tools).
#   make deb         build them from an exported copy of the tree into $(O)/deb
#   make check-deb   lintian, the packages' contents, and an install on this machine:
#                    quickstart built with pkg-config, fpq-info, DKMS built for every
#                    installed kernel, then remove + purge leave nothing behind
DEB_OUT := $(O)/deb

.PHONY: deb check-deb
deb:
	@scripts/deb.sh $(DEB_OUT)

CHECK_SUITES += deb
# The build is the suite's first test, so that its time is the suite's.
check-deb:
	@$(call run_suite,deb,scripts/deb.sh $(DEB_OUT) $(;;) \
		scripts/check-deb.sh $(DEB_OUT) $(FPQ_VERSION))
