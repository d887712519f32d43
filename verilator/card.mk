# SPDX-License-Identifier: MIT
# The card RTL under Verilator: unit benches and the whole-card bench, driven from C
# through thin C++ layers (verilator/model/). Verilated models are cached under
# /var/cache/fpq (scripts/verilate.sh); the benches (verilator/tests/) and the figures
# programs (verilator/perf/) are built in $(O)/verilator.
#   check-card   the card suite: lint and synthesis (scripts/check-card.sh), the epilogue
#                bench, the card bench under two bus configurations (slow memory with
#                light stalls; fast memory with heavy stalls), each with its own seed

VERILATOR_INC := /usr/share/verilator/include
# The RTL file lists are rtl/sources.mk's.
# --assert: the RTL's assertions (rtl/fpq_assert.svh) run in every bench.
CARD_VFLAGS := -Wall --assert --x-assign unique --x-initial unique --trace-fst \
	-Irtl $(CARD_WAIVERS) $(ASSERT_WAIVERS)

VB := $(O)/verilator
# The C++ layers see Verilator's headers as system headers (their warnings are not ours).
VMODEL := verilator/model
VSHIM_CXXFLAGS = $(CXXFLAGS_BASE) -O1 $(SANITIZE) -I$(VMODEL) -isystem $(VERILATOR_INC) \
	-isystem $(VERILATOR_INC)/vltstd
VTEST_CFLAGS := $(CFLAGS_BASE) -O1 $(SANITIZE) $(LIB_INCLUDES) -Itests/common -I$(VMODEL) \
	-Iverilator/tests -Idriver

$(VB)/epilogue.dir: $(EPILOGUE_RTL) $(RTL_INCLUDES) $(CARD_WAIVERS) $(ASSERT_WAIVERS) \
		scripts/verilate.sh
	@scripts/verilate.sh card-epilogue $@ fpq_epilogue $(CARD_VFLAGS) $(EPILOGUE_RTL)

$(VB)/epilogue_model.o: $(VMODEL)/epilogue_model.cpp $(VMODEL)/epilogue_model.h $(SIM_HEADERS) $(VB)/epilogue.dir
	$(CXX) $(VSHIM_CXXFLAGS) -isystem $$(cat $(VB)/epilogue.dir) -c $< -o $@

# The benches' C objects, with the sanitizers.
$(VB)/obj/%.o: verilator/tests/%.c $(wildcard verilator/tests/*.h tests/common/*.h) \
		$(VMODEL)/card_model.h $(VMODEL)/epilogue_model.h lib/include/fpq.h
	@mkdir -p $(@D)
	$(CC) $(VTEST_CFLAGS) -c $< -o $@

$(VB)/card_epilogue_test: $(VB)/obj/card_epilogue_test.o $(VB)/epilogue_model.o \
		$(VB)/epilogue.dir $(O)/asan/libfpq.a
	$(CXX) $(SANITIZE) $(filter %.o,$^) $$(cat $(VB)/epilogue.dir)/libVfpq_epilogue.a \
		$(O)/asan/libfpq.a $(LIB_LDLIBS) -lz -o $@

# The card: $(CARD_RTL) (rtl/sources.mk).
HAVE_ARRAY := $(wildcard rtl/fpq_array.sv)
CARD_ROWS ?= 8
CARD_COLS ?= 8
# The card's host side, and the GEMM cases every layer's tests share (tests/common/).
CARD_HOST_SRCS := verilator/tests/card_host.c verilator/tests/card_gemm.c \
	tests/common/gemm_case.c tests/common/gemm_data.c

$(VB)/card.dir: $(CARD_RTL) $(RTL_INCLUDES) $(CARD_WAIVERS) $(ASSERT_WAIVERS) scripts/verilate.sh
	@scripts/verilate.sh card-$(CARD_ROWS)x$(CARD_COLS) $@ fpq_card $(CARD_VFLAGS) \
		-GROWS=$(CARD_ROWS) -GCOLS=$(CARD_COLS) $(CARD_RTL)

$(VB)/card_model.o: $(VMODEL)/card_model.cpp $(VMODEL)/card_model.h $(VMODEL)/rtl_errors.h $(VB)/card.dir
	$(CXX) $(VSHIM_CXXFLAGS) -isystem $$(cat $(VB)/card.dir) -c $< -o $@

$(VB)/obj/common/%.o: tests/common/%.c $(wildcard tests/common/*.h) lib/include/fpq.h
	@mkdir -p $(@D)
	$(CC) $(VTEST_CFLAGS) -c $< -o $@

$(VB)/card_test: $(VB)/obj/card_test.o $(VB)/obj/card_host.o $(VB)/obj/card_gemm.o \
		$(VB)/obj/common/gemm_case.o $(VB)/obj/common/gemm_data.o $(VB)/card_model.o $(VB)/card.dir $(O)/asan/libfpq.a
	$(CXX) $(SANITIZE) $(filter %.o,$^) $$(cat $(VB)/card.dir)/libVfpq_card.a \
		$(O)/asan/libfpq.a $(LIB_LDLIBS) -lz -o $@

CARD_TESTS := $(VB)/card_epilogue_test $(if $(HAVE_ARRAY),$(VB)/card_test)
CARD_BENCH_RUNS := $(if $(HAVE_ARRAY),$(;;) $(VB)/card_test --seed 42 --latency 200 --stall 10 \
	$(;;) $(VB)/card_test --seed 7 --latency 24 --stall 40 \
	$(;;) $(VB)/card_test --seed 11 --latency 24 --stall 10 --abft)

.PHONY: card-tests check-card
card-tests: $(CARD_TESTS)
CHECK_SUITES += card
check-card: $(CARD_TESTS)
	@$(call run_suite,card,scripts/check-card.sh $(VB)/check $(CARD_RTL) \
		$(;;) $(VB)/card_epilogue_test $(CARD_BENCH_RUNS))

.SECONDARY: $(VB)/card.dir $(VB)/epilogue.dir $(VB)/perf-8x8.dir $(VB)/perf-16x16.dir

# ---- figures (not tests): make card-perf [PERF_CONFIGS="8x8 16x16"]; INT8 with and
# without CONTROL.ABFT
# Fast models: no assertions, X as zero, -O3; one per array size.
CARD_PERF_VFLAGS := -Wall -O3 --x-assign fast --x-initial fast --noassert --trace-fst \
	-Irtl $(CARD_WAIVERS) $(ASSERT_WAIVERS)
PERF_CONFIGS ?= 8x8 16x16
PERF_CFLAGS := $(CFLAGS_BASE) -O2 $(LIB_INCLUDES) -Itests/common -I$(VMODEL) -Iverilator/tests \
	-Idriver

$(VB)/perf-%.dir: $(CARD_RTL) $(RTL_INCLUDES) $(CARD_WAIVERS) $(ASSERT_WAIVERS) scripts/verilate.sh
	@scripts/verilate.sh card-perf-$* $@ fpq_card $(CARD_PERF_VFLAGS) \
		-GROWS=$(word 1,$(subst x, ,$*)) -GCOLS=$(word 2,$(subst x, ,$*)) $(CARD_RTL)

$(VB)/card_perf-%: verilator/perf/card_perf.c $(CARD_HOST_SRCS) verilator/tests/*.h tests/common/*.h \
		$(VMODEL)/card_model.cpp $(VB)/perf-%.dir $(O)/libfpq.a
	$(CXX) $(CXXFLAGS_BASE) -O2 -I$(VMODEL) -isystem $(VERILATOR_INC) \
		-isystem $(VERILATOR_INC)/vltstd -isystem $$(cat $(VB)/perf-$*.dir) \
		-c $(VMODEL)/card_model.cpp -o $(VB)/card_model_perf-$*.o
	$(CC) $(PERF_CFLAGS) $< $(CARD_HOST_SRCS) $(VB)/card_model_perf-$*.o \
		$$(cat $(VB)/perf-$*.dir)/libVfpq_card.a $(O)/libfpq.a $(LIB_LDLIBS) -lstdc++ -lz -o $@

.PHONY: card-perf
card-perf: $(PERF_CONFIGS:%=$(VB)/card_perf-%)
	@for c in $(PERF_CONFIGS); do for f in int8 "int8 --abft" e4m3; do \
		$(VB)/card_perf-$$c --format $$f --check || exit 1; done; done

# ---- the card model as one library for other programs (the co-simulation process):
# link $(CARD_MODEL_LIB) -lz -lstdc++ -lpthread and include verilator/model/card_model.h.
# Built from the fast model (no assertions, -O3); CARD_MODEL_CONFIG picks the array size.
CARD_MODEL_CONFIG ?= 8x8
CARD_MODEL_LIB := $(VB)/libfpq_card_model.a

$(CARD_MODEL_LIB): $(VMODEL)/card_model.cpp $(VMODEL)/card_model.h $(VB)/perf-$(CARD_MODEL_CONFIG).dir
	$(CXX) $(CXXFLAGS_BASE) -O2 -fPIC -I$(VMODEL) -isystem $(VERILATOR_INC) \
		-isystem $(VERILATOR_INC)/vltstd -isystem $$(cat $(VB)/perf-$(CARD_MODEL_CONFIG).dir) \
		-c $< -o $(VB)/card_model_lib.o
	@rm -f $@
	printf 'create %s\naddlib %s\naddmod %s\nsave\nend\n' $@ \
		$$(cat $(VB)/perf-$(CARD_MODEL_CONFIG).dir)/libVfpq_card.a $(VB)/card_model_lib.o | ar -M

.PHONY: card-model card-synth
card-model: $(CARD_MODEL_LIB)

# the whole Yosys synth of a 2x2 card (slow; check-card runs the coarse-grained part)
card-synth:
	FULL_SYNTH=1 scripts/check-card.sh $(VB)/synth $(CARD_RTL)
