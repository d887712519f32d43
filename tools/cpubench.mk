# SPDX-License-Identifier: MIT
# fpq-cpubench: the CPU kernels' speed against oneDNN, ggml (when fetched) and the
# machine's peaks.
# Built by `make`, never run by `make check` (performance is printed, not tested).

$(O)/fpq-cpubench: tools/fpq-cpubench.c tools/cpubench_ggml.c tools/cpubench_ggml.h \
		lib/include/fpq.h $(O)/libfpq.a
	$(CC) $(CFLAGS_BASE) $(OPT) -Ilib/include tools/fpq-cpubench.c tools/cpubench_ggml.c \
		$(O)/libfpq.a -ldnnl -lgomp -ldl $(LIB_LDLIBS) -o $@

ALL_TARGETS += $(O)/fpq-cpubench
