# SPDX-License-Identifier: MIT
# The card RTL under Verilator: unit benches and the whole-card bench, driven from C
# through thin C++ layers. Verilated models are cached under /var/cache/fpq
# (tools/verilate.sh); the test programs are built in $(O)/verilator.
#   check-card   the card suite: lint, synthesis, the epilogue bench, the card bench

VERILATOR_INC := /usr/share/verilator/include
# The RTL file lists are rtl/sources.mk's.
# --assert: the RTL's assertions (rtl/fpq_assert.svh) run in every bench.
CARD_VFLAGS := -Wall --assert --x-assign unique --x-initial unique --trace-fst \
	-Irtl $(CARD_WAIVERS) $(ASSERT_WAIVERS)

VB := $(O)/verilator
# The C++ layers see Verilator's headers as system headers (their warnings are not ours).
VSHIM_CXXFLAGS = $(CXXFLAGS_BASE) -O1 $(SANITIZE) -Iverilator -Iverilator/model \
	-isystem $(VERILATOR_INC) \
	-isystem $(VERILATOR_INC)/vltstd
VTEST_CFLAGS := $(CFLAGS_BASE) -O1 $(SANITIZE) $(LIB_INCLUDES) -Itests -Iverilator -Idriver

$(VB)/epilogue.dir: $(EPILOGUE_RTL) $(RTL_INCLUDES) $(CARD_WAIVERS) $(ASSERT_WAIVERS) \
		tools/verilate.sh
	@tools/verilate.sh card-epilogue $@ fpq_epilogue $(CARD_VFLAGS) $(EPILOGUE_RTL)

$(VB)/card_epilogue_test: verilator/tests/card_epilogue_test.c $(VB)/epilogue.dir \
		verilator/epilogue_model.cpp verilator/epilogue_model.h $(O)/asan/libfpq.a
	@mkdir -p $(@D)
	$(CXX) $(VSHIM_CXXFLAGS) -isystem $$(cat $(VB)/epilogue.dir) -c verilator/epilogue_model.cpp \
		-o $(VB)/epilogue_model.o
	$(CC) $(VTEST_CFLAGS) -c $< -o $(VB)/card_epilogue_test.o
	$(CXX) $(SANITIZE) $(VB)/card_epilogue_test.o $(VB)/epilogue_model.o \
		$$(cat $(VB)/epilogue.dir)/libVfpq_epilogue.a $(O)/asan/libfpq.a $(LIB_LDLIBS) -lz -o $@

# The card: $(CARD_RTL) (rtl/sources.mk).
HAVE_ARRAY := $(wildcard rtl/fpq_array.sv)
CARD_ROWS ?= 8
CARD_COLS ?= 8
CARD_HOST_SRCS := verilator/tests/card_host.c verilator/tests/card_gemm.c

$(VB)/card.dir: $(CARD_RTL) $(RTL_INCLUDES) $(CARD_WAIVERS) $(ASSERT_WAIVERS) tools/verilate.sh
	@tools/verilate.sh card-$(CARD_ROWS)x$(CARD_COLS) $@ fpq_card $(CARD_VFLAGS) \
		-GROWS=$(CARD_ROWS) -GCOLS=$(CARD_COLS) $(CARD_RTL)

$(VB)/card_model.o: verilator/card_model.cpp verilator/card_model.h $(VB)/card.dir
	$(CXX) $(VSHIM_CXXFLAGS) -isystem $$(cat $(VB)/card.dir) -c $< -o $@

$(VB)/card_test: verilator/tests/card_test.c $(CARD_HOST_SRCS) verilator/tests/*.h \
		$(VB)/card_model.o $(VB)/card.dir $(O)/asan/libfpq.a
	$(CC) $(VTEST_CFLAGS) verilator/tests/card_test.c $(CARD_HOST_SRCS) -c
	@mv card_test.o card_host.o card_gemm.o $(VB)/
	$(CXX) $(SANITIZE) $(VB)/card_test.o $(VB)/card_host.o $(VB)/card_gemm.o \
		$(VB)/card_model.o $$(cat $(VB)/card.dir)/libVfpq_card.a $(O)/asan/libfpq.a \
		$(LIB_LDLIBS) -lz -o $@

CARD_TESTS := $(VB)/card_epilogue_test $(if $(HAVE_ARRAY),$(VB)/card_test)

.PHONY: card-tests check-card
card-tests: $(CARD_TESTS)
CHECK_SUITES += card
check-card: $(CARD_TESTS)
	@tools/suite.sh $(RESULTS) card -- tools/check_card.sh $(VB)/check \
		$(VB)/card_epilogue_test $(VB)/card_test $(CARD_RTL)

.SECONDARY: $(VB)/card.dir $(VB)/epilogue.dir $(VB)/perf-8x8.dir $(VB)/perf-16x16.dir

# ---- figures (not tests): make card-perf [PERF_CONFIGS="8x8 16x16"]
# Fast models: no assertions, X as zero, -O3; one per array size.
CARD_PERF_VFLAGS := -Wall -O3 --x-assign fast --x-initial fast --noassert --trace-fst \
	-Irtl $(CARD_WAIVERS) $(ASSERT_WAIVERS)
PERF_CONFIGS ?= 8x8 16x16
PERF_CFLAGS := $(CFLAGS_BASE) -O2 $(LIB_INCLUDES) -Itests -Iverilator -Idriver

$(VB)/perf-%.dir: $(CARD_RTL) $(RTL_INCLUDES) $(CARD_WAIVERS) $(ASSERT_WAIVERS) tools/verilate.sh
	@tools/verilate.sh card-perf-$* $@ fpq_card $(CARD_PERF_VFLAGS) \
		-GROWS=$(word 1,$(subst x, ,$*)) -GCOLS=$(word 2,$(subst x, ,$*)) $(CARD_RTL)

$(VB)/card_perf-%: verilator/tests/card_perf.c $(CARD_HOST_SRCS) verilator/tests/*.h \
		verilator/card_model.cpp $(VB)/perf-%.dir $(O)/libfpq.a
	$(CXX) $(CXXFLAGS_BASE) -O2 -Iverilator -Iverilator/model -isystem $(VERILATOR_INC) \
		-isystem $(VERILATOR_INC)/vltstd -isystem $$(cat $(VB)/perf-$*.dir) \
		-c verilator/card_model.cpp -o $(VB)/card_model_perf-$*.o
	$(CC) $(PERF_CFLAGS) $< $(CARD_HOST_SRCS) $(VB)/card_model_perf-$*.o \
		$$(cat $(VB)/perf-$*.dir)/libVfpq_card.a $(O)/libfpq.a $(LIB_LDLIBS) -lstdc++ -lz -o $@

.PHONY: card-perf
card-perf: $(PERF_CONFIGS:%=$(VB)/card_perf-%)
	@for c in $(PERF_CONFIGS); do for f in int8 e4m3; do \
		$(VB)/card_perf-$$c --format $$f --check || exit 1; done; done

# ---- the card model as one library for other programs (the co-simulation process):
# link $(CARD_MODEL_LIB) -lz -lstdc++ -lpthread and include verilator/card_model.h.
# Built from the fast model (no assertions, -O3); CARD_MODEL_CONFIG picks the array size.
CARD_MODEL_CONFIG ?= 8x8
CARD_MODEL_LIB := $(VB)/libfpq_card_model.a

$(CARD_MODEL_LIB): verilator/card_model.cpp verilator/card_model.h $(VB)/perf-$(CARD_MODEL_CONFIG).dir
	$(CXX) $(CXXFLAGS_BASE) -O2 -fPIC -Iverilator -Iverilator/model -isystem $(VERILATOR_INC) \
		-isystem $(VERILATOR_INC)/vltstd -isystem $$(cat $(VB)/perf-$(CARD_MODEL_CONFIG).dir) \
		-c $< -o $(VB)/card_model_lib.o
	@rm -f $@
	printf 'create %s\naddlib %s\naddmod %s\nsave\nend\n' $@ \
		$$(cat $(VB)/perf-$(CARD_MODEL_CONFIG).dir)/libVfpq_card.a $(VB)/card_model_lib.o | ar -M

.PHONY: card-model card-synth
card-model: $(CARD_MODEL_LIB)

# the whole Yosys synth of a 2x2 card (slow; check-card runs the coarse-grained part)
card-synth:
	FULL_SYNTH=1 tools/card-check.sh $(VB)/synth $(CARD_RTL)
