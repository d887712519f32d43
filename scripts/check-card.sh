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
. "$(dirname "${BASH_SOURCE[0]}")/result.sh"
. "$(dirname "${BASH_SOURCE[0]}")/rtl-checks.sh"

# One file list: a module left out of it would be linted, simulated and synthesised by
# nobody.
listed=$(printf '%s\n' "${srcs[@]}" | sort)
present=$(find rtl -maxdepth 1 -name '*.sv' | sort)
dups=$(printf '%s\n' "${srcs[@]}" | sort | uniq -d)
if [ "$listed" = "$present" ] && [ -z "$dups" ]; then
	ok "file list: all ${#srcs[@]} rtl/*.sv files, each once"
else
	bad "file list (rtl/sources.mk) differs from rtl/*.sv:"
	diff <(printf '%s\n' "$listed" | uniq) <(printf '%s\n' "$present") | sed 's/^/  /'
	[ -z "$dups" ] || echo "  listed twice: $dups"
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
	rtl_lint "card $name" fpq_card -GROWS="$rows" -GCOLS="$cols" -GFORMATS="$formats" \
		rtl/card_waivers.vlt
done

run=" -run begin:fine"
[ "${FULL_SYNTH:-0}" = 1 ] && run=""
rtl_synth "card 2x2" fpq_card \
	"chparam -set ROWS 2 -set COLS 2 -set SLOT_WORDS 16 -set TLB_ENTRIES 2 fpq_card;" "$run"
finish
