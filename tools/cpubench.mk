# SPDX-License-Identifier: MIT
# fpq-cpubench: the CPU kernels' speed against oneDNN and the machine's int8 peak.
# Built by `make`, never run by `make check` (performance is printed, not tested).

$(O)/fpq-cpubench: tools/fpq-cpubench.c lib/include/fpq.h $(O)/libfpq.a
	$(CC) $(CFLAGS_BASE) $(OPT) -Ilib/include $< $(O)/libfpq.a -ldnnl -lgomp $(LIB_LDLIBS) -o $@

ALL_TARGETS += $(O)/fpq-cpubench
