# SPDX-License-Identifier: MIT
# The card's ABFT checker against its PE fault injector (verilator/tests/card_abft_test.c):
#   check-abft     the directed cases on the card bench's model (assertions, sanitizers),
#                  then the coverage campaign of ABFT_FAULTS random single faults on the
#                  fast model of each array size in ABFT_CONFIGS (ABFT_FAULTS_16x16 on the
#                  16x16 card, four times slower to simulate: about 15 s of CPU each)
#   abft-campaign  the same campaign, longer (the figures of card.rst: N=10000):
#                  make abft-campaign N=10000 [ABFT_CONFIGS=8x8]
# (after verilator/card.mk, whose models and flags it uses)

ABFT_FAULTS ?= 2000
ABFT_FAULTS_16x16 ?= 500
ABFT_CONFIGS ?= 8x8 16x16
N ?= 10000

$(VB)/card_abft_test: $(VB)/obj/card_abft_test.o $(VB)/obj/card_host.o $(VB)/obj/card_gemm.o \
		$(VB)/obj/common/gemm_case.o $(VB)/obj/common/gemm_data.o $(VB)/card_model.o \
		$(VB)/card.dir $(O)/asan/libfpq.a
	$(CXX) $(SANITIZE) $(filter %.o,$^) $$(cat $(VB)/card.dir)/libVfpq_card.a \
		$(O)/asan/libfpq.a $(LIB_LDLIBS) -lz -o $@

# the campaign on the fast models (verilator/card.mk: perf-RxC), without sanitizers
$(VB)/card_abft_campaign-%: verilator/tests/card_abft_test.c $(CARD_HOST_SRCS) \
		verilator/tests/*.h tests/common/*.h $(VMODEL)/card_model.cpp $(VB)/perf-%.dir \
		$(O)/libfpq.a
	$(CXX) $(CXXFLAGS_BASE) -O2 -I$(VMODEL) -isystem $(VERILATOR_INC) \
		-isystem $(VERILATOR_INC)/vltstd -isystem $$(cat $(VB)/perf-$*.dir) \
		-c $(VMODEL)/card_model.cpp -o $(VB)/card_model_abft-$*.o
	$(CC) $(PERF_CFLAGS) $< $(CARD_HOST_SRCS) $(VB)/card_model_abft-$*.o \
		$$(cat $(VB)/perf-$*.dir)/libVfpq_card.a $(O)/libfpq.a $(LIB_LDLIBS) -lstdc++ -lz -o $@

ABFT_TESTS := $(if $(HAVE_ARRAY),$(VB)/card_abft_test $(ABFT_CONFIGS:%=$(VB)/card_abft_campaign-%))

.PHONY: check-abft abft-campaign
CHECK_SUITES += abft
check-abft: $(ABFT_TESTS)
	@$(call run_suite,abft,$(VB)/card_abft_test \
		$(foreach c,$(ABFT_CONFIGS),$(;;) $(VB)/card_abft_campaign-$(c) \
		--campaign $(or $(ABFT_FAULTS_$(c)),$(ABFT_FAULTS))))

abft-campaign: $(ABFT_CONFIGS:%=$(VB)/card_abft_campaign-%)
	@for c in $(ABFT_CONFIGS); do $(VB)/card_abft_campaign-$$c --campaign $(N) || exit 1; done
