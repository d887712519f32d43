# SPDX-License-Identifier: MIT
# The suite "model-fashion": the committed Fashion-MNIST model (models/fashion) is the
# file its record names, valid ONNX of the agreed interface, and classifies exactly the
# recorded number of the 10,000 test images in a NumPy forward pass and in ONNX Runtime
# (tests/model/fashion_cnn_test.py; Documentation/models.rst). About 6 s of CPU time.

CHECK_SUITES += model-fashion
.PHONY: check-model-fashion
check-model-fashion: $(FASHION_DATA_STAMP)
	@export ORT_NODE_DIR=$$(scripts/get-onnxruntime.sh) && \
	$(call run_suite,model-fashion,tests/model/fashion_cnn_test.py $(FASHION_DATA) \
		$(O)/fashion/test)
