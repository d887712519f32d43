#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The VM launcher must fail clearly; these runs fail on purpose and pass when tools/fpq-vm
# reports the right failure:
#   1. a kernel warning in dmesg;
#   2. the card process crashing while the guest runs;
#   3. a guest that never finishes (the run's timeout, with --kill-after);
#   4. a command that fails, and one that outlives its per-command timeout;
#   5. (no VM) the results channel parsed whole whatever its reads' boundaries.
#   scripts/check-vm-launcher.sh CARD PROBE
set -uo pipefail
card=$1 probe=$2
here=$(cd "$(dirname "$0")/../tools" && pwd)
passed=0 failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect NAME PATTERN -- fpq-vm args: fpq-vm must exit 1 and print PATTERN.
expect() {
	local name=$1 pattern=$2 rc start
	shift 3
	start=$(date +%s.%N)
	"$here/fpq-vm" -q --log-dir "$tmp/$name" "$@" >"$tmp/$name.out" 2>&1
	rc=$?
	secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	if [ "$rc" -eq 1 ] && grep -qE "$pattern" "$tmp/$name.out"; then
		echo "ok   $name (${secs} s): $(grep -m1 -E "$pattern" "$tmp/$name.out")"
		passed=$((passed + 1))
	else
		echo "FAIL $name: exit $rc, expected 1 and /$pattern/; output:"
		sed 's/^/     | /' "$tmp/$name.out"
		failed=$((failed + 1))
	fi
}

expect kernel-warning 'FAIL vm: kernel log reports a problem' -- \
	--card "$card" 'echo "WARNING: CPU: 0 PID: 1 injected by vm-selftest" > /dev/kmsg'

# A card process that crashes 2 s after the guest started using it.
cat >"$tmp/crashing-card" <<SCRIPT
#!/bin/sh
[ "\$1" = --describe ] && exec "$card" --describe
"$card" "\$@" &
pid=\$!
sleep 2
kill -SEGV \$pid
wait \$pid
SCRIPT
chmod +x "$tmp/crashing-card"
expect card-crash 'FAIL vm: card process ended while the VM ran \(exit status 139' -- \
	--card "$tmp/crashing-card" --bin "$probe" 'while cosim-probe enumerate >/dev/null; do sleep 0.2; done; sleep 60'

expect hang 'FAIL vm: VM hung: timeout after 10 s' -- \
	--card "$card" --timeout 10 --cmd-timeout 100 'sleep 100'

expect command-failure 'FAIL \[002\] sleep 30 \(exit 137' -- \
	--card "$card" --cmd-timeout 2 'exit 3' 'sleep 30'

# The results channel is read in chunks: a CR LF or a UTF-8 character split between two
# chunks must read as if whole (a split CR LF once hid a finished command's status).
if out=$(python3 - "$here" <<'PY' 2>&1
import sys
sys.path.insert(0, sys.argv[1])
from fpqvm.runner import ResultsText
data = '@@FPQ BEGIN 001 3.06\r\n\r\n@@FPQ END 001 0 3.16\r\n\u00e9\r\n'.encode()
want = data.decode().replace('\r\n', '\n')
for i in range(len(data) + 1):
    for j in range(i, len(data) + 1):
        r = ResultsText()
        got = r.feed(data[:i]) + r.feed(data[i:j]) + r.feed(data[j:], final=True)
        assert got == want, (i, j, got)
PY
); then
	echo "ok   results-chunks: every split of CR LF and UTF-8 between reads parses whole"
	passed=$((passed + 1))
else
	echo "FAIL results-chunks: $out"
	failed=$((failed + 1))
fi

echo "RESULT: passed=$passed failed=$failed skipped=0"
[ "$failed" -eq 0 ]
