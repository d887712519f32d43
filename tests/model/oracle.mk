# SPDX-License-Identifier: MIT
# The model suite "model-ort" (Documentation/models.rst, "Checked against ONNX Runtime"):
# the .npy reader's tests, the suite's own checks, then every generated test model and
# the ONNX conformance tests of the supported ops run in ONNX Runtime and in fpq-run on
# every CPU kernel set of the host, compared output by output. fpq-run is whatever target
# of ALL_TARGETS ends in /fpq-run (read when the recipes run, after every fragment);
# without one the comparisons are skipped with that reason.

MODEL_OUT := $(O)/model
NPY_TEST := $(O)/tests/model/npy_test
# The byte-for-byte .npy comparison without Python (the VM's guest has none).
NPY_CMP := $(O)/tests/model/npy_cmp
FPQ_RUN_TARGET = $(firstword $(filter %/fpq-run,$(ALL_TARGETS)))

$(NPY_TEST): tests/model/npy_test.c tools/npy.c tools/npy.h tests/common/harness.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -O1 $(SANITIZE) -Itests/common -Itools $< tools/npy.c -o $@

$(NPY_CMP): tests/model/npy_cmp.c tools/npy.c tools/npy.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(OPT) -Itools $< tools/npy.c -o $@

ALL_TARGETS += $(NPY_TEST) $(NPY_CMP)
CHECK_SUITES += model-ort

# ONNX Runtime installed (cached in /var/cache/fpq), the numpy-written .npy files and the
# test models generated (deterministic, about a second).
.PHONY: model-ort-prep check-model-ort
model-ort-prep:
	@rm -rf $(MODEL_OUT)/cases $(MODEL_OUT)/npy-cases && mkdir -p $(MODEL_OUT)
	@scripts/get-onnxruntime.sh > $(MODEL_OUT)/ort-dir
	@/usr/bin/python3 tests/model/npy_cases.py $(MODEL_OUT)/npy-cases
	@/usr/bin/python3 tests/model/gen_models.py $(MODEL_OUT)/cases

check-model-ort: $(NPY_TEST) $(NPY_CMP)
	@$(if $(FPQ_RUN_TARGET),$(MAKE) --no-print-directory $(FPQ_RUN_TARGET))
	@$(MAKE) --no-print-directory model-ort-prep
	@export ORT_NODE_DIR=$$(cat $(MODEL_OUT)/ort-dir) FPQ_NPY_CASES=$(MODEL_OUT)/npy-cases \
		NPY_CMP=$(NPY_CMP) FPQ_RUN=$(if $(FPQ_RUN_TARGET),$(abspath $(FPQ_RUN_TARGET))) && \
	$(call run_suite,model-ort,$(NPY_TEST) \
		$(;;) tests/model/oracle_test.py $(MODEL_OUT)/selftest \
		$(;;) tests/model/ort_compare_test.py $(MODEL_OUT)/cases \
		$(;;) tests/model/conformance_test.py $(MODEL_OUT)/conformance)

# The card run of the co-simulation VM (tests/vm/vm.mk): a few cases and the whole CNN
# run by fpq-run --device card in the guest and compared there (tests/model/card_compare.sh,
# npy_cmp) with ONNX Runtime's outputs computed here (tests/model/card_set.py). Each case
# is one guest command; without fpq-run they are skipped.
MODEL_CARD_CASES := conv_3x3_pad1_qdq_u8_pc conv_depthwise_s2_mult2_qdq_s8_pt conv_ties_near_qdq_u8_pc \
	matmul_ties_near_qdq_s8_pc gemm_transb_qdq_u8_pc qlinearconv_1x1_u8_pc qgemm_alpha_s8_pc \
	cnn_qdq_u8_pc
MODEL_CARD_SET := $(MODEL_OUT)/card/card-set.tar

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
