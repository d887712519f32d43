# SPDX-License-Identifier: MIT
# The FIFO bench, and proof that the RTL's assertions (rtl/fpq_assert.svh) fail a bench.
#   check-assertions   fifo_test on fpq_fifo; the same bench with a producer that pushes
#                      into a full FIFO, and on a copy of rtl/fpq_fifo.sv broken on
#                      purpose (built in $(O), never in the tree), must fail and name the
#                      assertion; a FIFO depth that is not a power of two must not build

FB := $(O)/verilator/fifo
FIFO_WIDTH := 16
FIFO_DEPTH := 4
FIFO_VFLAGS := -Wall --assert --x-assign unique --x-initial unique -Irtl $(ASSERT_WAIVERS) \
	-GWIDTH=$(FIFO_WIDTH) -GDEPTH=$(FIFO_DEPTH)
FIFO_CFLAGS := $(CFLAGS_BASE) -O1 $(SANITIZE) -Itests/common -Iverilator/model -Iverilator/tests
FIFO_CXXFLAGS = $(CXXFLAGS_BASE) -O1 $(SANITIZE) -Iverilator/model -isystem $(VERILATOR_INC) \
	-isystem $(VERILATOR_INC)/vltstd -DFIFO_WIDTH=$(FIFO_WIDTH) -DFIFO_DEPTH=$(FIFO_DEPTH)

# The broken copy: the head word is read from the newest entry instead of the oldest, so
# it changes under a waiting consumer (assertion HeadHeld). The recipe fails if the
# line to break is no longer there.
FIFO_MUTANT := $(FB)/mutant/rtl/fpq_fifo.sv
$(FIFO_MUTANT): $(FIFO_RTL)
	@mkdir -p $(@D)
	sed 's/assign rdata_o = mem_q\[rd_q\[AW-1:0\]\];/assign rdata_o = mem_q[wr_q[AW-1:0] - 1'"'"'b1];/' \
		$< >$@.tmp
	@! cmp -s $< $@.tmp || { echo "$@: the mutation no longer applies to $<"; exit 1; }
	@mv $@.tmp $@

$(FB)/good/model.dir: $(FIFO_RTL) $(RTL_INCLUDES) $(ASSERT_WAIVERS) scripts/verilate.sh
	@scripts/verilate.sh fifo $@ fpq_fifo $(FIFO_VFLAGS) $(FIFO_RTL)

$(FB)/mutant/model.dir: $(FIFO_MUTANT) $(RTL_INCLUDES) $(ASSERT_WAIVERS) scripts/verilate.sh
	@scripts/verilate.sh fifo-mutant $@ fpq_fifo $(FIFO_VFLAGS) $(FIFO_MUTANT)

$(FB)/fifo_test.o: verilator/tests/fifo_test.c verilator/model/fifo_sim.h tests/common/harness.h \
		tests/common/rng.h verilator/tests/rtl_errors_check.h
	@mkdir -p $(@D)
	$(CC) $(FIFO_CFLAGS) -c $< -o $@

$(FB)/%/fifo_sim.o: verilator/model/fifo_sim.cpp verilator/model/fifo_sim.h \
		$(SIM_HEADERS) $(FB)/%/model.dir
	$(CXX) $(FIFO_CXXFLAGS) -isystem $$(cat $(FB)/$*/model.dir) -c $< -o $@

$(FB)/%/fifo_test: $(FB)/fifo_test.o $(FB)/%/fifo_sim.o
	$(CXX) $(SANITIZE) $^ $$(cat $(FB)/$*/model.dir)/libVfpq_fifo.a -o $@

.SECONDARY: $(FB)/good/model.dir $(FB)/mutant/model.dir $(FB)/good/fifo_sim.o \
	$(FB)/mutant/fifo_sim.o $(FIFO_MUTANT)

ASSERTION_TESTS := $(FB)/good/fifo_test $(FB)/mutant/fifo_test
ALL_TARGETS += $(ASSERTION_TESTS)
CHECK_SUITES += assertions
.PHONY: check-assertions
check-assertions: $(ASSERTION_TESTS)
	@$(call run_suite,assertions,scripts/check-assertions.sh $(FB)/check \
		$(FB)/good/fifo_test $(FB)/mutant/fifo_test $(FIFO_RTL))
