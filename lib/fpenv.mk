# SPDX-License-Identifier: MIT
# The caller's floating-point environment changes no result of libfpq: the suite
# "lib-fpenv" (tests/lib/fp_env_test.c, built like the lib suite's programs).

FPENV_TEST := $(O)/tests/lib/fp_env_test

$(FPENV_TEST): tests/lib/fp_env_test.c tests/exact_model.c tests/gemm_data.c tests/*.h \
		$(O)/asan/libfpq.a
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $< tests/exact_model.c tests/gemm_data.c $(O)/asan/libfpq.a \
		$(TEST_LDLIBS) -o $@

ALL_TARGETS += $(FPENV_TEST)
CHECK_SUITES += lib-fpenv

.PHONY: check-lib-fpenv
check-lib-fpenv: $(FPENV_TEST)
	@tools/suite.sh $(RESULTS) lib-fpenv -- $(FPENV_TEST)
