#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the array test programs, each with several seeds (the seed also draws the model's
# random initial state), and adds their RESULT lines into one.
#   verilator/array/run-tests.sh "SEED..." PROGRAM...
set -uo pipefail
seeds=$1
shift
tp=0 tf=0 ts=0
for prog in "$@"; do
	for seed in $seeds; do
		start=$(date +%s.%N)
		out=$("$prog" "$seed" 2>&1)
		rc=$?
		printf '%s\n' "$out" | grep -v '^RESULT:'
		line=$(printf '%s\n' "$out" | grep -E '^RESULT: ' | tail -n 1)
		p=$(sed -nE 's/.*passed=([0-9]+).*/\1/p' <<<"$line")
		f=$(sed -nE 's/.*failed=([0-9]+).*/\1/p' <<<"$line")
		s=$(sed -nE 's/.*skipped=([0-9]+).*/\1/p' <<<"$line")
		p=${p:-0} f=${f:-0} s=${s:-0}
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			echo "FAIL $prog seed $seed: exit status $rc"
			f=1
		fi
		secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
		echo "-- $prog seed $seed: $p passed, $f failed, $s skipped (${secs} s)"
		tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
	done
done
echo "RESULT: passed=$tp failed=$tf skipped=$ts"
[ "$tf" -eq 0 ]
