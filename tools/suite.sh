#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs one test suite and records its counts for tools/summary.sh.
#   tools/suite.sh RESULTS_DIR NAME -- COMMAND [ARGS...]
# The command prints "RESULT: passed=P failed=F skipped=S" (the last such line counts).
# A command that exits non-zero without reporting a failure counts one failure; one that
# prints no RESULT line at all counts one failure too ("did not report").
set -uo pipefail
results=$1 name=$2
shift 2
[ "${1:-}" = "--" ] && shift
mkdir -p "$results"
log="$results/$name.log"
start=$(date +%s.%N)
echo "== suite $name: $*"
"$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
end=$(date +%s.%N)
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
line=$(grep -E '^RESULT: passed=[0-9]+ failed=[0-9]+ skipped=[0-9]+' "$log" | tail -n 1)
if [ -n "$line" ]; then
	p=$(sed -E 's/.*passed=([0-9]+).*/\1/' <<<"$line")
	f=$(sed -E 's/.*failed=([0-9]+).*/\1/' <<<"$line")
	s=$(sed -E 's/.*skipped=([0-9]+).*/\1/' <<<"$line")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "suite $name: exit status $rc with no failure reported: counted as a failure"
		f=1
	fi
else
	echo "suite $name: exit status $rc and no RESULT line: counted as a failure"
	p=0 f=1 s=0
fi
echo "$name $p $f $s $secs" > "$results/$name.res"
echo "== suite $name: $p passed, $f failed, $s skipped (${secs} s)"
[ "$f" -eq 0 ]
