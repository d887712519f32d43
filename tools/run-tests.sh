#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs several test programs as one suite and prints their summed counts.
#   tools/run-tests.sh PROG [ARGS...] [-- PROG [ARGS...]]...
# Each program prints "RESULT: passed=P failed=F skipped=S"; one that does not, or that
# exits non-zero without reporting a failure, counts one failure.
set -uo pipefail
tp=0 tf=0 ts=0
run() {
	local out rc line
	out=$(mktemp)
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^RESULT: passed=[0-9]+ failed=[0-9]+ skipped=[0-9]+' "$out" | tail -n 1)
	rm -f "$out"
	if [ -z "$line" ]; then
		echo "run-tests: $1 exited $rc without a RESULT line: one failure"
		tf=$((tf + 1))
		return
	fi
	read -r p f s < <(sed -E 's/.*passed=([0-9]+) failed=([0-9]+) skipped=([0-9]+).*/\1 \2 \3/' <<<"$line")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "run-tests: $1 exited $rc with no failure reported: one failure"
		f=1
	fi
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
}
cmd=()
for a in "$@"; do
	if [ "$a" = "--" ]; then
		[ ${#cmd[@]} -gt 0 ] && run "${cmd[@]}"
		cmd=()
	else
		cmd+=("$a")
	fi
done
[ ${#cmd[@]} -gt 0 ] && run "${cmd[@]}"
echo "RESULT: passed=$tp failed=$tf skipped=$ts"
[ "$tf" -eq 0 ]
