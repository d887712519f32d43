#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The one test runner of `make check` (as liburing's test/runtests.sh).
#
#   scripts/run-suite.sh RESULTS_DIR SUITE -- TEST [';;' TEST ...]
#	Runs the tests of one suite one after another. A TEST is a command and its
#	arguments; tests are separated by a ';;' argument. A test either prints
#	"RESULT: passed=P failed=F skipped=S" (the last such line counts; a non-zero exit
#	without a counted failure adds one) or only exits: 0 passed, 77 skipped, anything
#	else failed. Prints every test's output, counts and time, then the suite's;
#	records them in RESULTS_DIR/SUITE.res (and the output in SUITE.log).
#
#   scripts/run-suite.sh --summary RESULTS_DIR SUITE...
#	The table of the suites and the one line "N passed, N failed, N skipped"; a suite
#	without a record (its build failed, or it never ran) counts one failure.
#
# Exit status: 0 when nothing failed.
set -uo pipefail

elapsed() { # elapsed START: seconds since START (date +%s.%N), one decimal
	awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}

summary() {
	local results=$1 name p f s secs tp=0 tf=0 ts=0
	shift
	echo
	echo "suite                      passed failed skipped   seconds"
	for name in "$@"; do
		if [ -f "$results/$name.res" ]; then
			read -r _ p f s secs <"$results/$name.res"
		else
			p=0 f=1 s=0 secs="-"
			name="$name (did not run)"
		fi
		printf '%-26s %6s %6s %7s %9s\n' "$name" "$p" "$f" "$s" "$secs"
		tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
	done
	echo "$tp passed, $tf failed, $ts skipped"
	[ "$tf" -eq 0 ]
}

# run_test COMMAND...: runs one test, prints its output and adds its counts.
run_test() {
	local start out rc line p f s
	start=$(date +%s.%N)
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -v '^RESULT:'
	line=$(printf '%s\n' "$out" | grep -E '^RESULT: passed=[0-9]+ failed=[0-9]+ skipped=[0-9]+' |
		tail -n 1)
	if [ -n "$line" ]; then
		p=$(sed -E 's/.*passed=([0-9]+).*/\1/' <<<"$line")
		f=$(sed -E 's/.*failed=([0-9]+).*/\1/' <<<"$line")
		s=$(sed -E 's/.*skipped=([0-9]+).*/\1/' <<<"$line")
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			echo "FAIL $1: exit status $rc with no failure counted"
			f=1
		fi
	else
		p=0 f=0 s=0
		case $rc in
		0) p=1 ;;
		77) s=1 ;;
		*) f=1 ;;
		esac
	fi
	# The command, shortened: long source lists say nothing here.
	local what="$*"
	[ ${#what} -le 100 ] || what="${what:0:97}..."
	echo "-- $what: $p passed, $f failed, $s skipped ($(elapsed "$start") s)"
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
}

run_tests() {
	local -a cmd=()
	tp=0 tf=0 ts=0
	for arg in "$@"; do
		if [ "$arg" = ";;" ]; then
			[ ${#cmd[@]} -gt 0 ] && run_test "${cmd[@]}"
			cmd=()
		else
			cmd+=("$arg")
		fi
	done
	[ ${#cmd[@]} -gt 0 ] && run_test "${cmd[@]}"
	echo "RESULT: passed=$tp failed=$tf skipped=$ts"
}

if [ "${1:-}" = "--summary" ]; then
	shift
	summary "$@"
	exit
fi

if [ $# -lt 3 ] || [ "$3" != "--" ]; then
	echo "usage: $0 RESULTS_DIR SUITE -- TEST [';;' TEST ...]" >&2
	echo "       $0 --summary RESULTS_DIR SUITE..." >&2
	exit 2
fi
results=$1 name=$2
shift 3
mkdir -p "$results"
log="$results/$name.log"
start=$(date +%s.%N)
echo "== suite $name"
run_tests "$@" | tee "$log"
line=$(tail -n 1 "$log")
p=$(sed -nE 's/^RESULT: passed=([0-9]+).*/\1/p' <<<"$line")
f=$(sed -nE 's/^RESULT: .*failed=([0-9]+).*/\1/p' <<<"$line")
s=$(sed -nE 's/^RESULT: .*skipped=([0-9]+).*/\1/p' <<<"$line")
[ -n "$p" ] || { p=0 f=1 s=0; echo "suite $name: the runner reported nothing"; }
secs=$(elapsed "$start")
echo "$name $p $f $s $secs" >"$results/$name.res"
echo "== suite $name: $p passed, $f failed, $s skipped (${secs} s)"
[ "$f" -eq 0 ]
