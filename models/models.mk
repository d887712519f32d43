# SPDX-License-Identifier: MIT
# The models fpq ships (models/; Documentation/models.rst). The Fashion-MNIST inspection
# model, models/fashion/, trained by PyTorch from Debian's dataset-fashion-mnist:
#   make fashion-data    its test and calibration sets as .npy files in $(FASHION_DATA)
#   make train-fashion   retrain it (CPU, one thread, 6.5 CPU minutes) into
#                        $(O)/fashion/retrained and check that it equals the committed
#                        model: the recorded accuracy, every weight bit for bit
# Its test is the suite model-fashion (tests/model/fashion.mk). Training is not part of
# `make check`: the committed model is what every test and the demo use.

FASHION_DIR := models/fashion
FASHION_DATA := $(O)/fashion/data
FASHION_DATA_STAMP := $(FASHION_DATA)/.complete

$(FASHION_DATA_STAMP): $(FASHION_DIR)/fashion_data.py
	@rm -rf $(FASHION_DATA)
	/usr/bin/python3 $(FASHION_DIR)/fashion_data.py $(FASHION_DATA)
	@touch $@

.PHONY: fashion-data train-fashion
fashion-data: $(FASHION_DATA_STAMP)

train-fashion:
	@scripts/install-deps.sh train
	@rm -rf $(O)/fashion/retrained
	/usr/bin/python3 $(FASHION_DIR)/train.py $(O)/fashion/retrained --check-against $(FASHION_DIR)
