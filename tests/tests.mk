# SPDX-License-Identifier: MIT
# libfpq's userspace tests: each tests/test_*.c (or .cc) is one program, built with
# ASan+UBSan against $(O)/asan/libfpq.a; together they form the suite "lib".

TEST_C_SRCS := $(sort $(wildcard tests/test_*.c))
TEST_CC_SRCS := $(sort $(wildcard tests/test_*.cc))
TEST_PROGS := $(TEST_C_SRCS:tests/%.c=$(O)/tests/%) $(TEST_CC_SRCS:tests/%.cc=$(O)/tests/%)
TEST_SUPPORT := tests/exact_model.c tests/gemm_data.c
TEST_CFLAGS := $(CFLAGS_BASE) -O1 $(SANITIZE) $(LIB_INCLUDES) -Itests
TEST_LDLIBS := -lmpfr -lgmp $(LIB_LDLIBS)

$(O)/tests/%: tests/%.c $(TEST_SUPPORT) tests/*.h $(O)/asan/libfpq.a
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $< $(TEST_SUPPORT) $(O)/asan/libfpq.a $(TEST_LDLIBS) -o $@

# gemmlowp is C++. -fwrapv: its SIMD-style int32 adds wrap, as the hardware's do.
$(O)/tests/%: tests/%.cc tests/*.h $(O)/asan/libfpq.a
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS_BASE) -fwrapv -O1 $(SANITIZE) $(LIB_INCLUDES) -Itests $< \
		$(O)/asan/libfpq.a $(LIB_LDLIBS) -o $@

ALL_TARGETS += $(TEST_PROGS)
CHECK_SUITES += lib

.PHONY: check-lib
check-lib: $(TEST_PROGS)
	@tools/suite.sh $(RESULTS) lib -- tools/run-tests.sh $(TEST_PROGS)

# The backend suite as the co-simulation VM runs it against the card (tools/vm.mk),
# built without sanitizers: TCG is slow enough.
$(O)/vmtests/test_gemm_backend: tests/test_gemm_backend.c $(TEST_SUPPORT) tests/*.h $(O)/libfpq.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(OPT) $(LIB_INCLUDES) -Itests $< $(TEST_SUPPORT) $(O)/libfpq.a \
		$(TEST_LDLIBS) -o $@
