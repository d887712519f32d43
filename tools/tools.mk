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

# The main job: on a card if this machine has one, else in the co-simulation VM.
.PHONY: demo
demo: deps
	@$(MAKE) --no-print-directory $(O)/fpq-demo $(O)/fpq-info driver-module-6.1 \
		$(O)/cosim/fpq-card $(O)/cosim/guest-kmod/6.1/fpq_ivshmem_irq.ko
	@tools/demo.sh $(O)

CHECK_SUITES += tools
.PHONY: check-tools
check-tools: $(O)/fpq-info $(O)/fpq-bench
	@$(call run_suite,tools,scripts/check-tools.sh $(O))
