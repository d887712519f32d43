# SPDX-License-Identifier: MIT
# The suite "model-quant": fpq-quantize (lib/model/quant_*.c) on the Fashion-MNIST model
# and its calibration set - ONNX Runtime runs the results at the fp32 accuracy within 0.5
# points and fpq-run equals ORT byte for byte on the 10,000 test images - against a
# NumPy reference quantizer bit for bit, and its refusals (tests/model/quant_test.py;
# Documentation/models.rst, "Quantizing"); its MX layers against a NumPy MX quantizer bit
# for bit, per-layer formats and the per-layer report (tests/model/mx_test.py; models.rst,
# "MX and FP8 layers"). The quantizer runs built with ASan and UBSan.

QUANT_TOOL_ASAN := $(O)/asan/fpq-quantize

$(QUANT_TOOL_ASAN): tools/fpq-quantize.c tools/npy.c tools/npy.h tools/npy_model.h lib/include/fpq_model.h \
		$(O)/asan/libfpq.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -O1 $(SANITIZE) -Ilib/include -Itools $< tools/npy.c \
		$(O)/asan/libfpq.a $(LIB_LDLIBS) -o $@

ALL_TARGETS += $(QUANT_TOOL_ASAN)
CHECK_SUITES += model-quant

.PHONY: check-model-quant
check-model-quant: $(QUANT_TOOL_ASAN) $(O)/fpq-run $(FASHION_DATA_STAMP)
	@export ORT_NODE_DIR=$$(scripts/get-onnxruntime.sh) && \
	$(call run_suite,model-quant,tests/model/quant_test.py $(QUANT_TOOL_ASAN) $(O)/fpq-run \
		$(FASHION_DATA) $(O)/quant $(;;) tests/model/mx_test.py $(QUANT_TOOL_ASAN) $(O)/fpq-run \
		$(FASHION_DATA) $(O)/quant-mx)
