# SPDX-License-Identifier: MIT
# fpq-codecbench: what the floating-point environment guard costs a codec call, against
# the unguarded code in the same run. Built by `make`, never run by `make check`.

# It times internal functions, so it links the library's objects, not the archive
# (which exports only fpq.h's functions).
$(O)/fpq-codecbench: tools/fpq-codecbench.c lib/include/fpq.h lib/internal.h lib/fp_env.h \
		$(LIB_OBJS)
	$(CC) $(CFLAGS_BASE) $(OPT) -Ilib/include -Ilib tools/fpq-codecbench.c $(LIB_OBJS) \
		$(LIB_LDLIBS) -o $@

ALL_TARGETS += $(O)/fpq-codecbench
