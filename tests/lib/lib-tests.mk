# SPDX-License-Identifier: MIT
# libfpq's tests: each tests/lib/*_test.c (or .cc) is one program, built with ASan+UBSan
# against $(O)/asan/libfpq.a; together they form the suite "lib". tests/common/ holds
# what the tests of every layer share (the harness, the GEMM cases, the exact model).

TEST_C_SRCS := $(sort $(wildcard tests/lib/*_test.c))
TEST_CC_SRCS := $(sort $(wildcard tests/lib/*_test.cc))
# hwspec_test.c is compile-time checks only, run by the hwspec suite.
TEST_C_SRCS := $(filter-out tests/lib/hwspec_test.c,$(TEST_C_SRCS))
TEST_PROGS := $(TEST_C_SRCS:tests/lib/%.c=$(O)/tests/lib/%) \
	$(TEST_CC_SRCS:tests/lib/%.cc=$(O)/tests/lib/%)
TEST_SUPPORT := tests/common/exact_model.c tests/common/gemm_data.c tests/common/gemm_case.c
TEST_HDRS := $(wildcard tests/common/*.h)
TEST_CFLAGS := $(CFLAGS_BASE) -O1 $(SANITIZE) $(LIB_INCLUDES) -Itests/common
TEST_LDLIBS := -lmpfr -lgmp $(LIB_LDLIBS)

$(O)/tests/lib/%: tests/lib/%.c $(TEST_SUPPORT) $(TEST_HDRS) $(O)/asan/libfpq.a
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $< $(TEST_SUPPORT) $(O)/asan/libfpq.a $(TEST_LDLIBS) -o $@

# gemmlowp is C++. -fwrapv: its SIMD-style int32 adds wrap, as the hardware's do.
$(O)/tests/lib/%: tests/lib/%.cc $(TEST_HDRS) $(O)/asan/libfpq.a
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS_BASE) -fwrapv -O1 $(SANITIZE) $(LIB_INCLUDES) -Itests/common $< \
		$(O)/asan/libfpq.a $(LIB_LDLIBS) -o $@

ALL_TARGETS += $(TEST_PROGS)
CHECK_SUITES += lib

.PHONY: check-lib
check-lib: $(TEST_PROGS)
	@$(call run_suite,lib,$(call each,$(TEST_PROGS)))

# The same programs for the co-simulation VM, to run against the card (tests/vm/vm.mk),
# built without sanitizers: TCG is slow enough.
$(O)/tests/vm/lib/%: tests/lib/%.c $(TEST_SUPPORT) $(TEST_HDRS) $(O)/libfpq.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(OPT) $(LIB_INCLUDES) -Itests/common $< $(TEST_SUPPORT) \
		$(O)/libfpq.a $(TEST_LDLIBS) -o $@
