#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check-assertions: a bench fails, and names the assertion, when the RTL breaks a rule.
#   1. fifo_test on rtl/fpq_fifo.sv passes (the rules kept, no assertion fails);
#   2. fifo_test --producer-ignores-full fails through NoPushWhenFull (the FIFO drops
#      those pushes, so the data still match: only the assertion sees the fault);
#   3. fifo_test on a copy of fpq_fifo.sv broken on purpose (the head word read from the
#      wrong entry) fails through HeadHeld;
#   4. fpq_fifo with DEPTH = 3 does not build: DepthPowerOfTwo stops Verilator.
#   scripts/check-assertions.sh OUTDIR FIFO_TEST MUTANT_FIFO_TEST FIFO_RTL
set -uo pipefail
out=$1 good=$2 mutant=$3 fifo_rtl=$4
mkdir -p "$out"
pass=0 fail=0

# expect NAME STATUS PATTERN COMMAND...: STATUS "pass" or "fail"; on "fail" the output
# must also match PATTERN.
expect() {
	local name=$1 want=$2 pattern=$3 log rc
	shift 3
	log=$out/$name.log
	"$@" >"$log" 2>&1
	rc=$?
	if [ "$want" = pass ] && [ "$rc" -eq 0 ]; then
		echo "ok   $name: $(grep -E '^RESULT:' "$log" | tail -n 1)"
		pass=$((pass + 1))
	elif [ "$want" = fail ] && [ "$rc" -ne 0 ] && grep -qE "$pattern" "$log"; then
		echo "ok   $name: exit status $rc, $(grep -E "$pattern" "$log" | head -n 1 | sed 's/^ *//')"
		pass=$((pass + 1))
	else
		echo "FAIL $name: exit status $rc, expected to $want${pattern:+ with /$pattern/}"
		sed 's/^/  /' "$log" | tail -n 20
		fail=$((fail + 1))
	fi
}

expect fifo-bench pass "" "$good" --seed 1
expect producer-ignores-full fail 'Assertion failed in [^ ]*NoPushWhenFull' \
	"$good" --seed 2 --producer-ignores-full
expect broken-fifo fail 'Assertion failed in [^ ]*HeadHeld' "$mutant" --seed 3
expect depth-not-power-of-two fail 'DepthPowerOfTwo: parameter check failed' \
	verilator --lint-only -Wall -Irtl -GDEPTH=3 --top-module fpq_fifo "$fifo_rtl"

echo "RESULT: passed=$pass failed=$fail skipped=0"
[ "$fail" -eq 0 ]
