#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Static checks of the card RTL (rtl/fpq_card.sv and everything under it):
#   - the file list (rtl/sources.mk's CARD_RTL, the arguments) names every rtl/*.sv once
#     and nothing else;
#   - verilator --lint-only -Wall on several configurations, with the card's rule- and
#     file-scoped waivers (rtl/card_waivers.vlt) only;
#   - Yosys synthesis (SYNTHESIS defined: no assertions) of a small configuration: it
#     elaborates, has no latches and passes
#     `check -assert` (no undriven or multiply driven wires, no combinational loops).
#     The coarse-grained part of `synth` (up to technology mapping) by default, 30 s; with
#     FULL_SYNTH=1 the whole `synth` (about 10 minutes: `make card-synth`).
#   scripts/check-card.sh OUTDIR SOURCES...
set -uo pipefail
out=$1
shift
srcs=("$@")
mkdir -p "$out"
pass=0 fail=0

# One file list: a module left out of it would be linted, simulated and synthesised by
# nobody.
listed=$(printf '%s\n' "${srcs[@]}" | sort)
present=$(find rtl -maxdepth 1 -name '*.sv' | sort)
dups=$(printf '%s\n' "${srcs[@]}" | sort | uniq -d)
if [ "$listed" = "$present" ] && [ -z "$dups" ]; then
	echo "ok   file list: all ${#srcs[@]} rtl/*.sv files, each once"
	pass=$((pass + 1))
else
	echo "FAIL file list (rtl/sources.mk) differs from rtl/*.sv:"
	diff <(printf '%s\n' "$listed" | uniq) <(printf '%s\n' "$present") | sed 's/^/  /'
	[ -z "$dups" ] || echo "  listed twice: $dups"
	fail=$((fail + 1))
fi

# name rows cols formats
lint_configs=(
	"8x8 8 8 16'h00FE"
	"16x16 16 16 16'h00FE"
	"4x2-noe5m2 4 2 16'h00F6"
	"2x32-int8 2 32 16'h0002"
)
for cfg in "${lint_configs[@]}"; do
	read -r name rows cols formats <<<"$cfg"
	if verilator --lint-only -Wall --top-module fpq_card -GROWS="$rows" -GCOLS="$cols" \
		-GFORMATS="$formats" -Irtl rtl/card_waivers.vlt "${srcs[@]}" \
		>"$out/lint-$name.log" 2>&1; then
		echo "ok   lint card $name"
		pass=$((pass + 1))
	else
		echo "FAIL lint card $name"
		head -n 30 "$out/lint-$name.log"
		fail=$((fail + 1))
	fi
done

start=$(date +%s)
log=$out/synth-2x2.log
run=" -run begin:fine"
[ "${FULL_SYNTH:-0}" = 1 ] && run=""
if yosys -q -l "$log" -p "read_verilog -sv -DSYNTHESIS -Irtl ${srcs[*]};
	chparam -set ROWS 2 -set COLS 2 -set SLOT_WORDS 16 -set TLB_ENTRIES 2 fpq_card;
	synth -top fpq_card$run;
	check -assert;
	select -assert-none t:\$dlatch t:\$adlatch t:\$_DLATCH_* t:\$_DLATCHSR_*;
	tee -q -o $out/synth-2x2.stat stat" >/dev/null 2>&1; then
	echo "ok   yosys synth$run card 2x2 ($(( $(date +%s) - start )) s, $(grep -E 'Number of cells' "$out/synth-2x2.stat" | tail -n 1 | tr -s ' '))"
	pass=$((pass + 1))
else
	echo "FAIL yosys synth card 2x2"
	grep -E 'ERROR|Assert|Warning' "$log" | head -n 20
	fail=$((fail + 1))
fi
echo "RESULT: passed=$pass failed=$fail skipped=0"
[ "$fail" -eq 0 ]
