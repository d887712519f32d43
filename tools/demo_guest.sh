#!/bin/sh
# SPDX-License-Identifier: MIT
# demo_guest.sh - the card side of the demo (tools/fashion_demo.py): run one model of the
# demo's card set on the fpq card with fpq-run and print its --json profile and its output
# .npy (base64) between markers, for the host to compare. Runs in the co-simulation VM's
# guest (busybox, no Python) or on a machine with a card.
#   demo_guest.sh DIR VARIANT     (DIR holds VARIANT.onnx and card_images.npy)
set -u
dir=${1:?usage: demo_guest.sh DIR VARIANT}
v=${2:?usage: demo_guest.sh DIR VARIANT}
out=${FPQ_DEMO_WORK:-/tmp/fpq-demo}/$v
rm -rf "$out" && mkdir -p "$out" || exit 1
# FPQ_STRICT=1: a card failure is an error, never a silent run on the CPU.
if ! FPQ_STRICT=1 fpq-run "$dir/$v.onnx" --input "image=$dir/card_images.npy" --device card \
	--profile --json --output-dir "$out" >"$out/run.json" 2>"$out/run.err"; then
	cat "$out/run.err"
	echo "demo_guest: fpq-run --device card failed on $v"
	exit 1
fi
echo "fpq-demo-card BEGIN json $v"
cat "$out/run.json"
echo "fpq-demo-card END json $v"
echo "fpq-demo-card BEGIN logits $v"
base64 "$out/logits.npy"
echo "fpq-demo-card END logits $v"
