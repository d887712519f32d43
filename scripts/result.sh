# SPDX-License-Identifier: MIT
# What a check script reports, in the one format scripts/run-suite.sh reads
# (Documentation/testing.rst, "The runner"). Source it; report each check with ok, bad or
# skip and end with finish (which exits 0 when nothing failed, else 1).
passed=0 failed=0 skipped=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
skip() { echo "SKIP $1"; skipped=$((skipped + 1)); }
finish() {
	echo "RESULT: passed=$passed failed=$failed skipped=$skipped"
	[ "$failed" -eq 0 ]
	exit
}
