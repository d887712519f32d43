#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Resource table of the MAC array: Yosys synth_xilinx (UltraScale+, ABC9 LUT mapping,
# hierarchy kept so that each PE and row unit is counted once) of 16x16 and 32x32, with
# and without E5M2. Slow (minutes per configuration); not part of `make check`.
#   scripts/rtl-resources.sh OUTDIR SOURCES...
# Writes OUTDIR/resources.rst (the tables) and OUTDIR/synth-<config>.{json,log}.
# With --abft: the cost of ABFT instead: the checker (fpq_abft) of an 8x8 and a 16x16
# card, and one PE (fpq_pe, every format) without and with the fault injector's hooks
# (SOURCES must then hold fpq_fifo.sv and fpq_abft.sv too); writes OUTDIR/abft.rst.
set -euo pipefail
abft=0
if [ "${1:-}" = --abft ]; then
	abft=1
	shift
fi
out=$1
shift
srcs="$*"
mkdir -p "$out"

# Synthesise one module (hierarchy kept): name top chparam-arguments
synth_total() {
	local name=$1 top=$2 params=$3 start
	start=$(date +%s)
	yosys -q -l "$out/synth-$name.log" -p "read_verilog -sv -DSYNTHESIS -Irtl $srcs;
		chparam $params $top;
		synth_xilinx -family xcup -abc9 -top $top;
		tee -q -o $out/synth-$name.json stat -json" >/dev/null
	echo "synth_xilinx $name: $(( $(date +%s) - start )) s" >&2
}

if [ "$abft" = 1 ]; then
	synth_total abft-8x8 fpq_abft "-set ROWS 8 -set COLS 8"
	synth_total abft-16x16 fpq_abft "-set ROWS 16 -set COLS 16"
	synth_total pe fpq_pe "-set FAULT_INJECT 0"
	synth_total pe-fault fpq_pe "-set FAULT_INJECT 1"
	"$(dirname "$0")/rtl-resources.py" --totals \
		"ABFT checker, 8x8 card=$out/synth-abft-8x8.json" \
		"ABFT checker, 16x16 card=$out/synth-abft-16x16.json" \
		"PE (shifter)=$out/synth-pe.json" \
		"PE (shifter) with the fault hooks=$out/synth-pe-fault.json" >"$out/abft.rst"
	cat "$out/abft.rst"
	exit 0
fi
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
