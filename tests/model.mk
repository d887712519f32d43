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

# The card run of the co-simulation VM (tools/vm.mk): a few cases and the whole CNN run
# by fpq-run --device card in the guest and compared there (tests/model/card_compare.sh,
# npy_cmp) with ONNX Runtime's outputs computed here (tests/model/card_set.py). Each case
# is one guest command; without fpq-run they are skipped.
MODEL_CARD_CASES := conv_3x3_pad1_qdq_u8_pc conv_depthwise_s2_mult2_qdq_s8_pt conv_ties_near_qdq_u8_pc \
	matmul_ties_near_qdq_s8_pc gemm_transb_qdq_u8_pc qlinearconv_1x1_u8_pc qgemm_alpha_s8_pc \
	cnn_qdq_u8_pc
MODEL_CARD_SET := $(O)/model/card/card-set.tar
FPQ_RUN_TARGET = $(firstword $(filter %/fpq-run,$(ALL_TARGETS)))

$(MODEL_CARD_SET): tests/model/card_set.py tests/model/cnn_case.py tests/model/op_cases.py \
		tests/model/qdq.py tests/model/case.py tests/model/oracle.py tests/model/ort_run.mjs \
		scripts/get-onnxruntime.sh
	@ort=$$(scripts/get-onnxruntime.sh) && ORT_NODE_DIR=$$ort /usr/bin/python3 tests/model/card_set.py \
		$(@D) $(MODEL_CARD_CASES)

VM_PREREQS += $(MODEL_CARD_SET) $(NPY_CMP) $(FPQ_RUN_TARGET)
VM_CARD_OPTS += --bin $(NPY_CMP) --bin tests/model/card_compare.sh \
	--file $(MODEL_CARD_SET):/usr/local/share/fpq-model/card-set.tar \
	$(if $(FPQ_RUN_TARGET),--bin $(FPQ_RUN_TARGET))
VM_CARD_CMDS += $(foreach c,$(MODEL_CARD_CASES),'card_compare.sh $(c)')
