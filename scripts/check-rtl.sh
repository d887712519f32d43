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
pass=0 fail=0

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
	if verilator --lint-only -Wall -Irtl --top-module fpq_array -GROWS="$rows" -GCOLS="$cols" \
		-GFORMATS="$formats" "${srcs[@]}" >"$out/lint-$name.log" 2>&1; then
		echo "ok   lint $name"
		pass=$((pass + 1))
	else
		echo "FAIL lint $name"
		head -n 30 "$out/lint-$name.log"
		fail=$((fail + 1))
	fi
done

# Yosys: a 2x3 array with every format (fpq_pe) and one without E5M2 (fpq_pe_dsp).
for cfg in "2x3 16'h00FE" "2x3-noe5m2 16'h00F6"; do
	read -r name formats <<<"$cfg"
	start=$(date +%s)
	log=$out/synth-$name.log
	if yosys -q -l "$log" -p "read_verilog -sv -DSYNTHESIS -Irtl ${srcs[*]};
		chparam -set ROWS 2 -set COLS 3 -set FORMATS $formats fpq_array;
		synth -top fpq_array;
		check -assert;
		select -assert-none t:\$dlatch t:\$adlatch t:\$_DLATCH_* t:\$_DLATCHSR_*;
		tee -q -o $out/synth-$name.stat stat" >/dev/null 2>&1; then
		echo "ok   yosys synth $name ($(( $(date +%s) - start )) s, $(grep -E 'Number of cells' "$out/synth-$name.stat" | tail -n 1 | tr -s ' '))"
		pass=$((pass + 1))
	else
		echo "FAIL yosys synth $name"
		grep -E 'ERROR|Assert|Warning' "$log" | head -n 20
		fail=$((fail + 1))
	fi
done
echo "RESULT: passed=$pass failed=$fail skipped=0"
[ "$fail" -eq 0 ]
