#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Formal equivalence of one RTL module before and after a rewrite (Yosys equiv_*):
# the old file of MODULE under rtl/ (at OLDREV) against the new one (the work tree, or NEWREV), every
# other file from the new side unless -w. Both are elaborated with SYNTHESIS defined (no
# assertions), flattened, memories mapped to flip-flops, the asynchronous reset made
# synchronous; equiv_make pairs their signals by name, equiv_induct
# (-seq N) proves the pairs, and equiv_status -assert fails if one is left unproven. A
# rewrite that keeps the register names (state_q, ...) is proven by induction; one that
# renames a register can still be proven if the outputs alone suffice.
#
#   scripts/rtl-equiv.sh [-w] [-n NEWREV] [-s SEQ] [-P NAME=VALUE]... OLDREV MODULE
#     -w        gold is OLDREV's whole rtl/ tree (for a rewrite that split a module)
#     -n REV    gate is rtl/ at REV instead of the work tree
#     -s SEQ    equiv_induct depth (default 4)
#     -P N=V    a parameter of MODULE (hierarchy -chparam); repeatable
#   Prints "EQUIVALENT MODULE: C cells proven" and exits 0, or "NOT PROVEN" and the
#   unproven signals and exits 1. Log: $O/equiv/MODULE.log (O defaults to build).
#   Run from the top of the repository. Documentation/rtl.rst lists the proofs.
set -euo pipefail
whole=0 newrev="" seq=4 params=()
while getopts "wn:s:P:" opt; do
	case $opt in
	w) whole=1 ;;
	n) newrev=$OPTARG ;;
	s) seq=$OPTARG ;;
	P) params+=("$OPTARG") ;;
	*) sed -n '/^#   scripts/,/^#   Run/p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || { sed -n '/^#   scripts/,/^#   Run/p' "$0" >&2; exit 2; }
oldrev=$1 module=$2
out=${O:-build}/equiv
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The file list in dependency order (rtl/sources.mk's CARD_RTL), from the new side.
if [ -n "$newrev" ]; then
	mkdir -p "$tmp/gate"
	git archive "$newrev" rtl | tar -x -C "$tmp/gate"
else
	mkdir -p "$tmp/gate/rtl"
	cp rtl/*.sv rtl/*.svh rtl/sources.mk "$tmp/gate/rtl/"
fi
files=$(make --no-print-directory -s -f "$tmp/gate/rtl/sources.mk" -f - print <<<'print: ; @echo $(CARD_RTL)')
[ -f "$tmp/gate/rtl/$module.sv" ] || { echo "no rtl/$module.sv on the new side" >&2; exit 2; }

mkdir -p "$tmp/gold"
if [ "$whole" = 1 ]; then
	git archive "$oldrev" rtl | tar -x -C "$tmp/gold"
	gold_files=$(make --no-print-directory -s -f "$tmp/gold/rtl/sources.mk" -f - print <<<'print: ; @echo $(CARD_RTL)')
else
	cp -r "$tmp/gate/rtl" "$tmp/gold/"
	git show "$oldrev:rtl/$module.sv" >"$tmp/gold/rtl/$module.sv"
	gold_files=$files
fi

chparams=""
for p in "${params[@]}"; do
	chparams+=" -chparam ${p%%=*} ${p#*=}"
done
elaborate() { # DIR FILES NAME
	local f rd=""
	for f in $2; do rd+=" $1/$f"; done
	echo "read_verilog -sv -DSYNTHESIS -I$1/rtl $rd;
	hierarchy -top $module$chparams; proc; flatten; memory_map; opt_clean; async2sync;
	rename $module $3; design -stash $3;"
}
log=$out/$module.log
if yosys -q -l "$log" -p "
	$(elaborate "$tmp/gold" "$gold_files" gold)
	$(elaborate "$tmp/gate" "$files" gate)
	design -copy-from gold -as gold gold; design -copy-from gate -as gate gate;
	equiv_make gold gate equiv; hierarchy -top equiv; opt_clean;
	equiv_induct -seq $seq; equiv_status -assert" >/dev/null 2>&1; then
	cells=$(grep -E 'Of those cells' "$log" | tail -n 1 | awk '{print $4}')
	echo "EQUIVALENT $module: $cells \$equiv cells proven (old $oldrev, new ${newrev:-work tree}${params[*]:+, ${params[*]}})"
else
	echo "NOT PROVEN $module (old $oldrev, new ${newrev:-work tree}); log: $log"
	grep -E 'ERROR|Unproven|unproven \$equiv' "$log" | head -n 20
	exit 1
fi
