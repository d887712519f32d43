#!/bin/sh
# SPDX-License-Identifier: MIT
# card_compare.sh - in the co-simulation VM's guest: run one case of the card set
# (tests/model/card_set.py) with fpq-run on the card and compare every output with ONNX
# Runtime's, byte for byte (npy_cmp). Exit 0 equal, 1 different, 77 skipped (no fpq-run).
#   card_compare.sh CASE        ($FPQ_MODEL_SET: the tar, default
#                                /usr/local/share/fpq-model/card-set.tar)
set -u
case_name=${1:?usage: card_compare.sh CASE}
set_tar=${FPQ_MODEL_SET:-/usr/local/share/fpq-model/card-set.tar}
work=${FPQ_MODEL_WORK:-/tmp/fpq-model-work}

if [ ! -d "$work/fpq-model" ]; then
	mkdir -p "$work" && tar -xf "$set_tar" -C "$work" || { echo "FAIL $case_name: cannot unpack $set_tar"; exit 1; }
fi
dir=$work/fpq-model/$case_name
[ -f "$dir/model.onnx" ] && [ -f "$dir/args" ] || { echo "FAIL $case_name: not in $set_tar"; exit 1; }
command -v npy_cmp >/dev/null 2>&1 || { echo "FAIL $case_name: no npy_cmp"; exit 1; }
if ! command -v fpq-run >/dev/null 2>&1; then
	echo "SKIP $case_name: fpq-run is not built yet ($(ls "$dir" | wc -l) files of the case are here)"
	exit 77
fi
out=$work/out/$case_name
rm -rf "$out" && mkdir -p "$out"
cd "$dir" || exit 1
# FPQ_STRICT=1: a card failure is an error, never a silent run on the CPU.
# shellcheck disable=SC2046 # args holds the --input options, split on purpose
if ! FPQ_STRICT=1 fpq-run model.onnx $(cat args) --device card --output-dir "$out"; then
	echo "FAIL $case_name: fpq-run --device card failed"
	exit 1
fi
status=0 count=0
for want in want_*.npy; do
	name=${want#want_}
	count=$((count + 1))
	npy_cmp "$out/$name" "$want" || status=1
done
if [ "$status" -eq 0 ]; then
	echo "ok   $case_name: $count outputs equal ONNX Runtime's on the card"
else
	echo "FAIL $case_name: fpq-run on the card differs from ONNX Runtime"
fi
exit "$status"
