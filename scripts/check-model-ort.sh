#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The model suite: libfpq's model runner (fpq-run) against ONNX Runtime, the oracle.
#   scripts/check-model-ort.sh OUTDIR [FPQ_RUN]
# Installs ONNX Runtime (scripts/get-onnxruntime.sh, cached in /var/cache/fpq), generates
# the .npy cases, the test models and the conformance tests into OUTDIR/model, then runs
# the suite's programs and adds up their RESULT lines into one. Without FPQ_RUN (fpq-run
# not built yet) the comparisons with fpq are reported as skipped, with the reason.
set -uo pipefail
out=${1:?usage: check-model-ort.sh OUTDIR [FPQ_RUN]}
fpq_run=${2:-}
here=$(cd "$(dirname "$0")/.." && pwd)
model=$out/model
start=$(date +%s.%N)

if ! ORT_NODE_DIR=$("$here/scripts/get-onnxruntime.sh"); then
	echo "FAIL get-onnxruntime: ONNX Runtime could not be installed"
	echo "RESULT: passed=0 failed=1 skipped=0"
	exit 1
fi
export ORT_NODE_DIR
[ -n "$fpq_run" ] && fpq_run=$(realpath -m "$fpq_run")
export FPQ_RUN=$fpq_run
export FPQ_NPY_CASES=$model/npy-cases
export NPY_CMP=$out/tests/model/npy_cmp

rm -rf "$model" && mkdir -p "$model"
# Generation is part of the suite: a generator that breaks is a failure, not a silence.
steps=(
	"/usr/bin/python3 $here/tests/model/npy_cases.py $FPQ_NPY_CASES"
	"/usr/bin/python3 $here/tests/model/gen_models.py $model/cases"
)
programs=(
	"$out/tests/model/npy_test"
	"$here/tests/model/oracle_test.py $model/selftest"
	"$here/tests/model/ort_compare_test.py $model/cases"
	"$here/tests/model/conformance_test.py $model/conformance"
)
tp=0 tf=0 ts=0
for step in "${steps[@]}"; do
	if ! $step; then
		echo "FAIL $step"
		tf=$((tf + 1))
	fi
done
for prog in "${programs[@]}"; do
	t0=$(date +%s.%N)
	log=$($prog 2>&1)
	rc=$?
	printf '%s\n' "$log" | grep -v '^RESULT:'
	line=$(printf '%s\n' "$log" | grep -E '^RESULT: ' | tail -n 1)
	p=$(sed -nE 's/.*passed=([0-9]+).*/\1/p' <<<"$line")
	f=$(sed -nE 's/.*failed=([0-9]+).*/\1/p' <<<"$line")
	s=$(sed -nE 's/.*skipped=([0-9]+).*/\1/p' <<<"$line")
	p=${p:-0} f=${f:-0} s=${s:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL ${prog%% *}: exit status $rc"
		f=1
	fi
	echo "-- $(basename "${prog%% *}"): $p passed, $f failed, $s skipped ($(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s)"
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
done
echo "model-ort: ONNX Runtime from $ORT_NODE_DIR; fpq-run: ${FPQ_RUN:-not built}; $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
echo "RESULT: passed=$tp failed=$tf skipped=$ts"
[ "$tf" -eq 0 ]
