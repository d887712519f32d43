# SPDX-License-Identifier: MIT
# The model layer of libfpq (lib/model/: ONNX models, fpq_model.h), fpq-run and
# fpq-quantize. Its
# tests and the loader's fuzzer are in tests/model/model-tests.mk.
#
# The ONNX protobuf code is generated at build time by protoc-c from the onnx.proto
# that Debian ships in libonnx-dev (package "onnx"), into $(O)/gen: never committed.

ONNX_PROTO := /usr/include/onnx/onnx.proto
MODEL_GEN := $(O)/gen
MODEL_PB_C := $(MODEL_GEN)/onnx.pb-c.c
MODEL_PB_H := $(MODEL_GEN)/onnx.pb-c.h

$(MODEL_PB_H): $(ONNX_PROTO)
	@mkdir -p $(MODEL_GEN)
	protoc-c --proto_path=$(dir $(ONNX_PROTO)) --c_out=$(MODEL_GEN) $(notdir $(ONNX_PROTO))
$(MODEL_PB_C): $(MODEL_PB_H)

MODEL_SRCS := $(sort $(wildcard lib/model/*.c))
MODEL_OBJS := $(MODEL_SRCS:%.c=$(O)/obj/%.o) $(O)/obj/$(MODEL_PB_C:.c=.o)
MODEL_ASAN_OBJS := $(MODEL_SRCS:%.c=$(O)/asan/%.o) $(O)/asan/$(MODEL_PB_C:.c=.o)

# The CPU kernels built per instruction set (kern_tmpl.h); -O3 lets the compiler
# vectorise them (no contraction: FPFLAGS stay).
CFLAGS_lib/model/kern_generic.c := -O3
CFLAGS_lib/model/kern_avx2.c := -O3 -mavx2 -mfma
CFLAGS_lib/model/kern_avx512.c := -O3 -mavx2 -mfma -mavx512f -mavx512bw -mavx512vl -mavx512dq \
	-mprefer-vector-width=512

# The generated header before anything includes it; the reader sees it on the path.
$(MODEL_OBJS) $(MODEL_ASAN_OBJS): $(MODEL_PB_H)
LIB_INCLUDES += -I$(MODEL_GEN)
LIB_LDLIBS += -lprotobuf-c

# The model layer is part of libfpq: both archives and the shared library.
$(O)/libfpq.a: $(MODEL_OBJS)
$(O)/asan/libfpq.a: $(MODEL_ASAN_OBJS)
$(O)/libfpq.so.$(FPQ_VERSION): $(MODEL_OBJS)
LIB_OBJS += $(MODEL_OBJS)

-include $(MODEL_OBJS:.o=.d) $(MODEL_ASAN_OBJS:.o=.d)

# ---- fpq-run (tools/fpq-run.c), on the .npy reader and writer of tools/npy.c ----

ifneq ($(wildcard tools/npy.c),)
$(O)/fpq-run: tools/fpq-run.c tools/npy.c tools/npy.h tools/npy_model.h lib/include/fpq_model.h $(O)/libfpq.a
	$(CC) $(CFLAGS_BASE) $(OPT) -Ilib/include -Itools $< tools/npy.c $(O)/libfpq.a \
		$(LIB_LDLIBS) -o $@

ALL_TARGETS += $(O)/fpq-run
INSTALL_BIN_TOOLS += $(O)/fpq-run

# fpq-quantize (tools/fpq-quantize.c): fpq_model_quantize() on .npy calibration inputs.
$(O)/fpq-quantize: tools/fpq-quantize.c tools/npy.c tools/npy.h tools/npy_model.h lib/include/fpq_model.h \
		$(O)/libfpq.a
	$(CC) $(CFLAGS_BASE) $(OPT) -Ilib/include -Itools $< tools/npy.c $(O)/libfpq.a \
		$(LIB_LDLIBS) -o $@

ALL_TARGETS += $(O)/fpq-quantize
INSTALL_BIN_TOOLS += $(O)/fpq-quantize
endif
