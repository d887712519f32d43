#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Static checks of the MAC array RTL:
#   - verilator --lint-only -Wall on several configurations (square, odd shape, one row,
#     without E5M2, INT8 only, FP6/FP4 only), no waivers;
#   - Yosys `synth` (SYNTHESIS defined: no assertions) of two small configurations
#     (with and without E5M2, so both PEs):
#     each must elaborate, contain no latches and pass `check -assert` (no undriven or
#     multiply driven wires, no loops).
#   scripts/check-rtl.sh OUTDIR SOURCES...
set -uo pipefail
out=$1
shift
srcs=("$@")
mkdir -p "$out"
. "$(dirname "${BASH_SOURCE[0]}")/result.sh"
. "$(dirname "${BASH_SOURCE[0]}")/rtl-checks.sh"

# name rows cols formats
lint_configs=(
	"4x4 4 4 16'h00FE"
	"3x5-noe5m2 3 5 16'h00F6"
	"1x1 1 1 16'h00FE"
	"16x16 16 16 16'h00FE"
	"2x8-int8 2 8 16'h0002"
	"4x2-fp6fp4 4 2 16'h0070"
	"2x2-e5m2 2 2 16'h0008"
)
for cfg in "${lint_configs[@]}"; do
	read -r name rows cols formats <<<"$cfg"
	rtl_lint "$name" fpq_array -GROWS="$rows" -GCOLS="$cols" -GFORMATS="$formats"
done

# Yosys: a 2x3 array with every format (fpq_pe) and one without E5M2 (fpq_pe_dsp).
for cfg in "2x3 16'h00FE" "2x3-noe5m2 16'h00F6"; do
	read -r name formats <<<"$cfg"
	rtl_synth "$name" fpq_array "chparam -set ROWS 2 -set COLS 3 -set FORMATS $formats fpq_array;"
done
finish
