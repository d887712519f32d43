# SPDX-License-Identifier: MIT
# The model suite "model-ort" (Documentation/models.rst, "Checked against ONNX Runtime"):
# the .npy reader's tests, then every generated test model and the ONNX conformance tests
# of the supported ops run in ONNX Runtime and in fpq-run on every CPU kernel set of the
# host, compared output by output. fpq-run is built first when a fragment provides it.

NPY_TEST := $(O)/tests/model/npy_test

$(NPY_TEST): tests/model/npy_test.c tools/npy.c tools/npy.h tests/harness.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -O1 $(SANITIZE) -Itests -Itools $< tools/npy.c -o $@

# The byte-for-byte .npy comparison without Python (the VM's guest has none).
NPY_CMP := $(O)/tests/model/npy_cmp

$(NPY_CMP): tests/model/npy_cmp.c tools/npy.c tools/npy.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(OPT) -Itools $< tools/npy.c -o $@

ALL_TARGETS += $(NPY_TEST) $(NPY_CMP)
CHECK_SUITES += model-ort

# fpq-run is whatever target of ALL_TARGETS ends in /fpq-run (read when the recipe runs,
# after every fragment has been included); none yet means the comparisons are skipped.
.PHONY: check-model-ort
check-model-ort: $(NPY_TEST) $(NPY_CMP)
	@fpqrun='$(filter %/fpq-run,$(ALL_TARGETS))'; [ -z "$$fpqrun" ] || $(MAKE) --no-print-directory $$fpqrun
	@tools/suite.sh $(RESULTS) model-ort -- scripts/check-model-ort.sh $(O) '$(firstword $(filter %/fpq-run,$(ALL_TARGETS)))'
