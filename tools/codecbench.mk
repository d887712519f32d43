# SPDX-License-Identifier: MIT
# fpq-codecbench: what the floating-point environment guard costs a codec call, against
# the unguarded code in the same run. Built by `make`, never run by `make check`.

$(O)/fpq-codecbench: tools/fpq-codecbench.c lib/include/fpq.h lib/internal.h lib/fp_env.h \
		$(O)/libfpq.a
	$(CC) $(CFLAGS_BASE) $(OPT) -Ilib/include -Ilib tools/fpq-codecbench.c $(O)/libfpq.a \
		$(LIB_LDLIBS) -o $@

ALL_TARGETS += $(O)/fpq-codecbench
