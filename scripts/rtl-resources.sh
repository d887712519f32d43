#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Resource table of the MAC array: Yosys synth_xilinx (UltraScale+, ABC9 LUT mapping,
# hierarchy kept so that each PE and row unit is counted once) of 16x16 and 32x32, with
# and without E5M2. Slow (minutes per configuration); not part of `make check`.
#   scripts/rtl-resources.sh OUTDIR SOURCES...
# Writes OUTDIR/resources.rst (the tables) and OUTDIR/synth-<config>.{json,log}.
set -euo pipefail
out=$1
shift
srcs="$*"
mkdir -p "$out"
# name rows cols formats
configs=(
	"16x16 16 16 16'h00FE"
	"16x16-noe5m2 16 16 16'h00F6"
	"32x32 32 32 16'h00FE"
	"32x32-noe5m2 32 32 16'h00F6"
)
args=()
for cfg in "${configs[@]}"; do
	read -r name rows cols formats <<<"$cfg"
	start=$(date +%s)
	yosys -q -l "$out/synth-$name.log" -p "read_verilog -sv -DSYNTHESIS -Irtl $srcs;
		chparam -set ROWS $rows -set COLS $cols -set FORMATS $formats fpq_array;
		synth_xilinx -family xcup -abc9 -top fpq_array;
		tee -q -o $out/synth-$name.json stat -json" >/dev/null
	echo "synth_xilinx $name: $(( $(date +%s) - start )) s"
	label="$name (FORMATS = $formats, $(yosys -V | cut -d' ' -f1-2))"
	args+=("$label=$out/synth-$name.json")
done
"$(dirname "$0")/rtl-resources.py" "${args[@]}" >"$out/resources.rst"
cat "$out/resources.rst"
