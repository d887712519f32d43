#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Prints the per-suite table and the one summary line of a `make check` run.
#   tools/summary.sh RESULTS_DIR SUITE...
# A suite without a result file (its build failed, or it never ran) counts one failure.
set -uo pipefail
results=$1
shift
tp=0 tf=0 ts=0
echo
echo "suite                      passed failed skipped   seconds"
for name in "$@"; do
	if [ -f "$results/$name.res" ]; then
		read -r _ p f s secs < "$results/$name.res"
	else
		p=0 f=1 s=0 secs="-"
		name="$name (did not run)"
	fi
	printf '%-26s %6s %6s %7s %9s\n' "$name" "$p" "$f" "$s" "$secs"
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
done
echo "$tp passed, $tf failed, $ts skipped"
[ "$tf" -eq 0 ]
