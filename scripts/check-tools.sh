#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fpq-info and fpq-bench behave for a user: valid output in every mode, clear errors.
#   scripts/check-tools.sh BUILD_DIR
set -uo pipefail
b=$1
passed=0 failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
t() { # description, then a command that must succeed
	local d=$1
	shift
	if "$@"; then ok "$d"; else bad "$d"; fi
}

t "fpq-info prints the library version and the default backend" \
	bash -c "$b/fpq-info | grep -qE '^libfpq [0-9]+\.[0-9]+' && $b/fpq-info | grep -q '^default backend: '"
t "fpq-info --json is valid JSON with a cards array" \
	bash -c "$b/fpq-info --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert isinstance(d[\"cards\"], list)'"
t "fpq-info rejects an unknown option" bash -c "! $b/fpq-info --bogus 2>/dev/null"

csv=$($b/fpq-bench --backend cpu --format int8 --format e4m3xe2m3:bf16 --shape 8x40x64 \
	--seconds 0.05 --min-iters 2 --csv --no-progress)
t "fpq-bench --csv: a header and one row per case, no errors" \
	bash -c "[ \$(echo '$csv' | wc -l) -eq 3 ] && echo '$csv' | head -1 | grep -q '^backend,a,b,c,m,n,k' &&
		echo '$csv' | tail -n +2 | awk -F, '\$8 >= 2 && \$9 > 0 && \$12 == \"\"' | wc -l | grep -qx 2"
t "fpq-bench --json is valid JSON" \
	bash -c "$b/fpq-bench --backend ref --format e2m1 --shape 4x4x32 --seconds 0.01 --json --no-progress |
		python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[0][\"backend\"] == \"reference\"'"
t "fpq-bench runs a non-MX, K-not-multiple-of-32 case" \
	bash -c "$b/fpq-bench --backend cpu --format e5m2 --shape 3x5x45 --no-mx --seconds 0.01 --no-progress >/dev/null"
t "fpq-bench rejects a bad format with a message" \
	bash -c "out=\$($b/fpq-bench --format e9m9 2>&1); [ \$? -eq 2 ] && echo \"\$out\" | grep -q 'bad format e9m9'"
t "fpq-bench rejects a bad shape" bash -c "! $b/fpq-bench --shape 0x1x1 2>/dev/null"
if [ -z "$(ls /dev/accel/accel* /dev/dri/renderD* 2>/dev/null)" ]; then
	t "fpq-bench --backend card without a card fails and says why" \
		bash -c "out=\$($b/fpq-bench --backend card --seconds 0.01 --no-progress 2>&1); [ \$? -ne 0 ] && echo \"\$out\" | grep -q 'no fpq device'"
fi
echo "RESULT: passed=$passed failed=$failed skipped=0"
[ "$failed" -eq 0 ]
