# SPDX-License-Identifier: MIT
# libfpq: built twice, optimised ($(O)/libfpq.a, for programs and the demo) and with
# ASan+UBSan ($(O)/asan/libfpq.a, for the test programs).

LIB_SRCS := $(sort $(wildcard lib/*.c lib/ref/*.c lib/cpu/*.c lib/card/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/obj/%.o)
LIB_ASAN_OBJS := $(LIB_SRCS:%.c=$(O)/asan/%.o)
# -Idriver: the card's contract (driver/fpq_hw_regs.h), whose format table lib/codec.c uses.
LIB_INCLUDES := -Ilib/include -Ilib -Iuapi -Idriver -I/usr/include/libdrm
LIB_LDLIBS := -ldrm -lm -lpthread

# The SIMD kernel sets: only their own files get the instruction set flags; isa.c picks
# one at run time from cpuid.
AVX512_FLAGS := -mavx2 -mfma -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512vnni \
	-mavx512vbmi
CFLAGS_lib/cpu/kern_avx512.c := $(AVX512_FLAGS)
CFLAGS_lib/cpu/epi_avx512.c := $(AVX512_FLAGS)
CFLAGS_lib/cpu/decode_avx512.c := $(AVX512_FLAGS)
CFLAGS_lib/cpu/packb_avx512.c := $(AVX512_FLAGS)
CFLAGS_lib/cpu/gemv_avx512.c := $(AVX512_FLAGS)
CFLAGS_lib/cpu/kern_avx2.c := -mavx2 -mfma
CFLAGS_lib/cpu/kern_avxvnni.c := -mavx2 -mfma -mavxvnni

$(O)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(OPT) -fPIC -MMD -MP $(LIB_INCLUDES) $(CFLAGS_$(<)) -c $< -o $@

$(O)/asan/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -O1 $(SANITIZE) -MMD -MP $(LIB_INCLUDES) $(CFLAGS_$(<)) -c $< -o $@

# The product archive is one relocatable object in which only the public headers' functions stay
# global: programs linking it cannot clash with, or call, libfpq's internals. The
# sanitized archive keeps every symbol, for the tests that check internals.
$(O)/libfpq.syms: $(wildcard lib/include/*.h) tools/gen-symbols.sh
	@mkdir -p $(@D)
	tools/gen-symbols.sh --list $(wildcard lib/include/*.h) > $@

$(O)/libfpq.a: $(LIB_OBJS) $(O)/libfpq.syms
	@rm -f $@
	ld -r -o $(O)/obj/libfpq.o $(LIB_OBJS)
	objcopy --keep-global-symbols=$(O)/libfpq.syms $(O)/obj/libfpq.o
	ar rcs $@ $(O)/obj/libfpq.o

$(O)/asan/libfpq.a: $(LIB_ASAN_OBJS)
	@rm -f $@
	ar rcs $@ $^

ALL_TARGETS += $(O)/libfpq.a

-include $(LIB_OBJS:.o=.d) $(LIB_ASAN_OBJS:.o=.d)

# The shared library exports exactly the functions declared in the public headers
# (lib/include/*.h): the version script is generated from them, and check-install
# proves the export list.
LIB_SONAME := libfpq.so.$(FPQ_SO_MAJOR)
FPQ_SO_MAJOR := 0
FPQ_VERSION := 0.1.0

$(O)/libfpq.map: $(wildcard lib/include/*.h) tools/gen-symbols.sh
	@mkdir -p $(@D)
	tools/gen-symbols.sh $(wildcard lib/include/*.h) > $@

$(O)/libfpq.so.$(FPQ_VERSION): $(LIB_OBJS) $(O)/libfpq.map
	$(CC) -shared -Wl,-soname,libfpq.so.$(FPQ_SO_MAJOR) -Wl,--version-script=$(O)/libfpq.map \
		-Wl,--no-undefined $(LIB_OBJS) $(LIB_LDLIBS) -o $@

$(O)/libfpq.so: $(O)/libfpq.so.$(FPQ_VERSION)
	ln -sf libfpq.so.$(FPQ_VERSION) $(O)/libfpq.so.$(FPQ_SO_MAJOR)
	ln -sf libfpq.so.$(FPQ_VERSION) $@

ALL_TARGETS += $(O)/libfpq.so
