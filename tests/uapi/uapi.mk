# SPDX-License-Identifier: MIT
# The UAPI (uapi/fpq_drm.h): its layout is the same for i386 and x86_64 and has no hidden
# padding (scripts/check-uapi.sh), and its values agree with libfpq's (uapi_enums_test).

UAPI_CFLAGS := -Iuapi $(shell pkg-config --cflags libdrm 2>/dev/null || echo -I/usr/include/libdrm)

$(O)/tests/uapi/uapi_enums_test: tests/uapi/uapi_enums_test.c uapi/fpq_drm.h lib/include/fpq.h \
		tests/common/harness.h $(O)/asan/libfpq.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -O1 $(SANITIZE) -Ilib/include -Itests/common $(UAPI_CFLAGS) $< \
		$(O)/asan/libfpq.a -lm -lpthread -o $@

ALL_TARGETS += $(O)/tests/uapi/uapi_enums_test
CHECK_SUITES += uapi uapi-libfpq

.PHONY: check-uapi check-uapi-libfpq
check-uapi:
	@$(call run_suite,uapi,scripts/check-uapi.sh $(O)/uapi)

check-uapi-libfpq: $(O)/tests/uapi/uapi_enums_test
	@$(call run_suite,uapi-libfpq,$(O)/tests/uapi/uapi_enums_test)
