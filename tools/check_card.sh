#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check-card: the card RTL's static checks (tools/card-check.sh), the epilogue bench, and
# the whole-card bench under two bus configurations (slow memory with light stalls; fast
# memory with heavy stalls), each with its own seed.
#   tools/check_card.sh OUTDIR EPILOGUE_TEST CARD_TEST SOURCES...
set -uo pipefail
out=$1 epi=$2 card=$3
shift 3
tp=0 tf=0 ts=0
add() { # add OUTPUT_OF_A_RUN
	local line p f s
	line=$(printf '%s\n' "$1" | grep -E '^RESULT: ' | tail -n 1)
	p=$(sed -nE 's/.*passed=([0-9]+).*/\1/p' <<<"$line")
	f=$(sed -nE 's/.*failed=([0-9]+).*/\1/p' <<<"$line")
	s=$(sed -nE 's/.*skipped=([0-9]+).*/\1/p' <<<"$line")
	[ -n "$line" ] || f=1
	tp=$((tp + ${p:-0})) tf=$((tf + ${f:-1})) ts=$((ts + ${s:-0}))
}
run() { # run NAME COMMAND...
	local name=$1 start o rc
	shift
	start=$(date +%s.%N)
	o=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$o" | grep -v '^RESULT:'
	[ "$rc" -ne 0 ] && ! grep -qE 'failed=[1-9]' <<<"$o" && o="$o
RESULT: passed=0 failed=1 skipped=0"
	add "$o"
	echo "-- $name: $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
}
run "card static checks" tools/card-check.sh "$out" "$@"
run "epilogue bench" "$epi"
if [ -x "$card" ]; then
	run "card bench, slow memory" "$card" --seed 42 --latency 200 --stall 10
	run "card bench, busy bus" "$card" --seed 7 --latency 24 --stall 40
else
	echo "SKIP card bench: rtl/fpq_array.sv is not in the tree"
	ts=$((ts + 1))
fi
echo "RESULT: passed=$tp failed=$tf skipped=$ts"
[ "$tf" -eq 0 ]
