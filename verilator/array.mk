# SPDX-License-Identifier: MIT
# The MAC array under Verilator: one model per configuration (scripts/verilate.sh caches
# it under /var/cache/fpq), a thin C++ layer (verilator/model/array_sim.cpp), the bench
# (verilator/tests/array_test.c) and the figures program (verilator/perf/array_perf.c).
#   check-array   array_test for every configuration and several seeds, with random
#                 initial state (--x-assign unique --x-initial unique)
#   array-perf    throughput, fill/drain and simulation speed figures (not a test)

VERILATOR_INC := /usr/share/verilator/include
# The headers every thin C++ layer includes (this fragment is the first of verilator/*.mk:
# assertions.mk and card.mk use the list too).
SIM_HEADERS := verilator/model/rtl_errors.h verilator/model/sim_clock.h
# --assert: the RTL's assertions (rtl/fpq_assert.svh) run in every bench.
ARRAY_VFLAGS := -Wall --assert --x-assign unique --x-initial unique -Irtl $(ASSERT_WAIVERS)
# name:rows:cols:formats (hex, bit f = enum fpq_format f). The odd shape without E5M2
# checks the narrower datapath and that rows and columns are not mixed up.
ARRAY_CONFIGS := 4x4:4:4:00FE 8x8:8:8:00FE 3x5-noe5m2:3:5:00F6
ARRAY_SEEDS := 1 2 3
AB := $(O)/verilator/array
ARRAY_MODEL := verilator/model
ARRAY_HDRS := $(wildcard $(ARRAY_MODEL)/array_*.h $(ARRAY_MODEL)/arith_*.h) \
	$(ARRAY_MODEL)/rtl_errors.h verilator/tests/rtl_errors_check.h \
	$(wildcard tests/common/*.h) lib/include/fpq.h
ARRAY_CFLAGS := $(CFLAGS_BASE) -O1 $(SANITIZE) $(LIB_INCLUDES) -Itests/common -I$(ARRAY_MODEL) \
	-Iverilator/tests
ARRAY_CXXFLAGS := $(CXXFLAGS_BASE) -O1 $(SANITIZE) -I$(ARRAY_MODEL) -isystem $(VERILATOR_INC) \
	-isystem $(VERILATOR_INC)/vltstd

$(AB)/%.o: verilator/tests/%.c $(ARRAY_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ARRAY_CFLAGS) -c $< -o $@

$(AB)/%.o: $(ARRAY_MODEL)/%.c $(ARRAY_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ARRAY_CFLAGS) -c $< -o $@

$(AB)/gemm_data.o: tests/common/gemm_data.c $(ARRAY_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ARRAY_CFLAGS) -c $< -o $@

ARRAY_COMMON_OBJS := $(AB)/array_stream.o $(AB)/gemm_data.o
.SECONDARY: $(ARRAY_COMMON_OBJS) $(AB)/array_test.o $(AB)/arith_test.o

# The figures program: optimised and without sanitizers, so the driver costs little.
ARRAY_PERF_CFLAGS := $(CFLAGS_BASE) -O2 $(LIB_INCLUDES) -Itests/common -I$(ARRAY_MODEL)
ARRAY_PERF_CXXFLAGS := $(CXXFLAGS_BASE) -O2 -I$(ARRAY_MODEL) -isystem $(VERILATOR_INC) \
	-isystem $(VERILATOR_INC)/vltstd
ARRAY_PERF_OBJS := $(AB)/perf/array_perf.o $(AB)/perf/array_stream.o $(AB)/perf/gemm_data.o

$(AB)/perf/%.o: verilator/perf/%.c $(ARRAY_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ARRAY_PERF_CFLAGS) -c $< -o $@

$(AB)/perf/%.o: $(ARRAY_MODEL)/%.c $(ARRAY_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ARRAY_PERF_CFLAGS) -c $< -o $@

$(AB)/perf/gemm_data.o: tests/common/gemm_data.c $(ARRAY_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ARRAY_PERF_CFLAGS) -c $< -o $@

# $(1) name, $(2) rows, $(3) cols, $(4) formats
define array_config
$(AB)/$(1)/model.dir: $(ARRAY_RTL) $(RTL_INCLUDES) $(ASSERT_WAIVERS) scripts/verilate.sh
	+@scripts/verilate.sh array-$(1) $$@ fpq_array $(ARRAY_VFLAGS) -GROWS=$(2) -GCOLS=$(3) \
		"-GFORMATS=16'h$(4)" $(ARRAY_RTL)

$(AB)/$(1)/array_sim.o: $(ARRAY_MODEL)/array_sim.cpp $(ARRAY_MODEL)/array_sim.h $(SIM_HEADERS) $(AB)/$(1)/model.dir
	$(CXX) $(ARRAY_CXXFLAGS) -isystem $$$$(cat $(AB)/$(1)/model.dir) -DARRAY_ROWS=$(2) \
		-DARRAY_COLS=$(3) -DARRAY_FORMATS=0x$(4) '-DARRAY_NAME="$(1)"' -c $$< -o $$@

$(AB)/$(1)/array_test: $(AB)/array_test.o $(AB)/$(1)/array_sim.o $(ARRAY_COMMON_OBJS) \
		$(O)/asan/libfpq.a
	$(CXX) $(SANITIZE) $$^ $$$$(cat $(AB)/$(1)/model.dir)/libVfpq_array.a \
		$(LIB_LDLIBS) -o $$@

$(AB)/$(1)/perf_sim.o: $(ARRAY_MODEL)/array_sim.cpp $(ARRAY_MODEL)/array_sim.h $(SIM_HEADERS) $(AB)/$(1)/model.dir
	$(CXX) $(ARRAY_PERF_CXXFLAGS) -isystem $$$$(cat $(AB)/$(1)/model.dir) -DARRAY_ROWS=$(2) \
		-DARRAY_COLS=$(3) -DARRAY_FORMATS=0x$(4) '-DARRAY_NAME="$(1)"' -c $$< -o $$@

$(AB)/$(1)/array_perf: $(ARRAY_PERF_OBJS) $(AB)/$(1)/perf_sim.o $(O)/libfpq.a
	$(CXX) $$^ $$$$(cat $(AB)/$(1)/model.dir)/libVfpq_array.a $(LIB_LDLIBS) -o $$@
endef
$(foreach c,$(ARRAY_CONFIGS),$(eval $(call array_config,$(word 1,$(subst :, ,$(c))),$\
	$(word 2,$(subst :, ,$(c))),$(word 3,$(subst :, ,$(c))),$(word 4,$(subst :, ,$(c))))))

# The binary32 arithmetic on its own (fpq_arith_bench around the adder and rounding).
ARITH_RTL := $(FP32_RTL) verilator/tests/fpq_arith_bench.sv

$(AB)/arith/model.dir: $(ARITH_RTL) $(RTL_INCLUDES) $(ASSERT_WAIVERS) scripts/verilate.sh
	+@scripts/verilate.sh array-arith $@ fpq_arith_bench $(ARRAY_VFLAGS) $(ARITH_RTL)

$(AB)/arith/arith_sim.o: $(ARRAY_MODEL)/arith_sim.cpp $(ARRAY_MODEL)/arith_sim.h $(SIM_HEADERS) $(AB)/arith/model.dir
	$(CXX) $(ARRAY_CXXFLAGS) -isystem $$(cat $(AB)/arith/model.dir) -c $< -o $@

$(AB)/arith/arith_test: $(AB)/arith_test.o $(AB)/arith/arith_sim.o $(O)/asan/libfpq.a
	$(CXX) $(SANITIZE) $^ $$(cat $(AB)/arith/model.dir)/libVfpq_arith_bench.a \
		$(LIB_LDLIBS) -o $@

ARRAY_NAMES := $(foreach c,$(ARRAY_CONFIGS),$(word 1,$(subst :, ,$(c))))
ARRAY_TESTS := $(AB)/arith/arith_test $(foreach n,$(ARRAY_NAMES),$(AB)/$(n)/array_test)

ARRAY_PERFS := $(foreach n,$(ARRAY_NAMES),$(AB)/$(n)/array_perf)

ALL_TARGETS += $(ARRAY_TESTS)
CHECK_SUITES += array
.PHONY: check-array
check-array: $(ARRAY_TESTS)
	@$(call run_suite,array,$(call each_seed,$(ARRAY_TESTS),$(ARRAY_SEEDS)))

# Every program with every seed (the seed also draws the model's random initial state).
each_seed = $(subst +, ,$(call each,$(foreach p,$(1),$(foreach s,$(2),$(p)+$(s)))))

.PHONY: array-perf
array-perf: $(ARRAY_PERFS)
	@for p in $(ARRAY_PERFS); do $$p || exit 1; echo; done
