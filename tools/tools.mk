# SPDX-License-Identifier: MIT
# Programs in tools/ that link libfpq, and the main job.

$(O)/fpq-demo: tools/fpq-demo.c lib/include/fpq.h $(O)/libfpq.a
	$(CC) $(CFLAGS_BASE) $(OPT) -Ilib/include $< $(O)/libfpq.a $(LIB_LDLIBS) -o $@

$(O)/fpq-info: tools/fpq-info.c lib/include/fpq.h $(O)/libfpq.a
	$(CC) $(CFLAGS_BASE) $(OPT) -Ilib/include $< $(O)/libfpq.a $(LIB_LDLIBS) -o $@

$(O)/fpq-bench: tools/fpq-bench.c lib/include/fpq.h $(O)/libfpq.a
	$(CC) $(CFLAGS_BASE) $(OPT) -Ilib/include $< $(O)/libfpq.a $(LIB_LDLIBS) -o $@

ALL_TARGETS += $(O)/fpq-demo $(O)/fpq-info $(O)/fpq-bench
INSTALL_BIN_TOOLS += $(O)/fpq-info $(O)/fpq-bench

# The main job (tools/demo.sh, tools/fashion_demo.py): the Fashion-MNIST CNN in fp32 and
# INT8 on the host CPU (fpq-run and ONNX Runtime) and on the card - a card of this machine,
# else the co-simulation VM on the first DEMO_CARD_IMAGES test images.
DEMO_CARD_IMAGES ?= 64
.PHONY: demo
demo: deps
	@$(MAKE) --no-print-directory $(O)/fpq-demo $(O)/fpq-info $(O)/fpq-run $(O)/fpq-quantize \
		fashion-data driver-module-6.1 $(O)/cosim/fpq-card \
		$(O)/cosim/guest-kmod/6.1/fpq_ivshmem_irq.ko
	@tools/demo.sh $(O) $(DEMO_CARD_IMAGES)

# The demo's result checks fail on a difference (tests/tools/demo_results_test.py): the
# demo itself runs minutes and is not a test.
CHECK_SUITES += tools
.PHONY: check-tools
check-tools: $(O)/fpq-info $(O)/fpq-bench
	@$(call run_suite,tools,scripts/check-tools.sh $(O) $(;;) tests/tools/demo_results_test.py)
