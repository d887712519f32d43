# SPDX-License-Identifier: MIT
# The card RTL under Verilator: unit benches and the whole-card bench, driven from C
# through thin C++ layers. Verilated models are cached under /var/cache/fpq
# (tools/verilate.sh); the test programs are built in $(O)/verilator.
#   check-card   the card suite: lint, synthesis, the epilogue bench, the card bench

VERILATOR_INC := /usr/share/verilator/include
CARD_VFLAGS := -Wall --assert --x-assign unique --x-initial unique --trace-fst \
	-Irtl rtl/card_waivers.vlt
CARD_PKG := rtl/fpq_hw_pkg.sv
EPI_RTL := $(CARD_PKG) rtl/fpq_fp_fma.sv rtl/fpq_fp_encode.sv rtl/fpq_requant.sv \
	rtl/fpq_epilogue.sv

VB := $(O)/verilator
# The C++ layers see Verilator's headers as system headers (their warnings are not ours).
VSHIM_CXXFLAGS = $(CXXFLAGS_BASE) -O1 $(SANITIZE) -Iverilator -isystem $(VERILATOR_INC) \
	-isystem $(VERILATOR_INC)/vltstd -isystem $$(cat $(word 2,$^))
VTEST_CFLAGS := $(CFLAGS_BASE) -O1 $(SANITIZE) $(LIB_INCLUDES) -Itests -Iverilator -Idriver

$(VB)/epilogue.dir: $(EPI_RTL) rtl/card_waivers.vlt tools/verilate.sh
	@tools/verilate.sh card-epilogue $@ fpq_epilogue $(CARD_VFLAGS) $(EPI_RTL)

$(VB)/card_epilogue_test: verilator/tests/card_epilogue_test.c $(VB)/epilogue.dir \
		verilator/epilogue_model.cpp verilator/epilogue_model.h $(O)/asan/libfpq.a
	@mkdir -p $(@D)
	$(CXX) $(VSHIM_CXXFLAGS) -c verilator/epilogue_model.cpp -o $(VB)/epilogue_model.o
	$(CC) $(VTEST_CFLAGS) -c $< -o $(VB)/card_epilogue_test.o
	$(CXX) $(SANITIZE) $(VB)/card_epilogue_test.o $(VB)/epilogue_model.o \
		$$(cat $(VB)/epilogue.dir)/libVfpq_epilogue.a $(O)/asan/libfpq.a $(LIB_LDLIBS) -lz -o $@

CARD_TESTS := $(VB)/card_epilogue_test

.PHONY: card-tests check-card
card-tests: $(CARD_TESTS)
CHECK_SUITES += card
check-card: $(CARD_TESTS)
	@tools/suite.sh $(RESULTS) card -- tools/run-tests.sh $(CARD_TESTS)
