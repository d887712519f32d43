# SPDX-License-Identifier: MIT
# Programs in tools/ that link libfpq, and the main job.

$(O)/fpq-demo: tools/fpq-demo.c lib/include/fpq.h $(O)/libfpq.a
	$(CC) $(CFLAGS_BASE) $(OPT) -Ilib/include $< $(O)/libfpq.a $(LIB_LDLIBS) -o $@

ALL_TARGETS += $(O)/fpq-demo

.PHONY: demo
demo: deps
	@$(MAKE) --no-print-directory $(O)/fpq-demo
	$(O)/fpq-demo
