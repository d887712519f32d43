#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The VM launcher must fail clearly; these runs fail on purpose and pass when tools/fpq-vm
# reports the right failure:
#   1. a kernel warning in dmesg;
#   2. the card process crashing while the guest runs;
#   3. a guest that never finishes (the run's timeout, with --kill-after);
#   4. a command that fails, and one that outlives its per-command timeout;
#   5. (no VM) the results channel parsed whole whatever its reads' boundaries;
#   6. a kernel checker's report (SLUB red zone) in dmesg; (no VM) every checker's
#      report matches the pattern, ordinary lines do not.
#   scripts/check-vm-launcher.sh CARD PROBE
set -uo pipefail
card=$1 probe=$2
here=$(cd "$(dirname "$0")/../tools" && pwd)
. "$(dirname "${BASH_SOURCE[0]}")/result.sh"
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
		ok "$name (${secs} s): $(grep -m1 -E "$pattern" "$tmp/$name.out")"
	else
		sed 's/^/     | /' "$tmp/$name.out"
		bad "$name: exit $rc, expected 1 and /$pattern/ (output above)"
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
	ok "results-chunks: every split of CR LF and UTF-8 between reads parses whole"
else
	bad "results-chunks: $out"
fi

expect checker-report 'FAIL vm: kernel log reports a problem' -- \
	--card "$card" 'echo "BUG kmalloc-64 (Tainted: G           O      ): Redzone overwritten" > /dev/kmsg'

if out=$(python3 - "$here" <<'PY' 2>&1
import sys
sys.path.insert(0, sys.argv[1])
from fpqvm.runner import BAD_KERNEL_LOG
reports = [
    'BUG: KFENCE: use-after-free read in fpq_job_release+0x12/0x40',
    'KFENCE: out-of-bounds write in test',
    'BUG kmalloc-128 (Tainted: G     O): Poison overwritten',
    'BUG kmalloc-64 (Not tainted): Redzone overwritten',
    'BUG kmalloc-64 (Not tainted): Object already free',
    'pagealloc: memory corruption',
    'refcount_t: underflow; use-after-free.',
    'WARNING: possible circular locking dependency detected',
    'INFO: task rmmod:123 blocked for more than 60 seconds.',
    'list_add corruption. prev->next should be next',
    '[drm:drm_mm_takedown [drm]] *ERROR* node [...]: Memory manager not clean during takedown',
]
ordinary = [
    'fpq 0000:00:02.0: [drm] job 10 timed out after 5000 ms: resetting the card',
    'fpq 0000:00:02.0: [drm] DMA is bounce-buffered: the jobs of a file run one at a time',
    'software IO TLB: mapped [mem 0x1bfdf000-0x1ffdf000] (64MB)',
]
missed = [r for r in reports if not BAD_KERNEL_LOG.search(r)]
wrong = [o for o in ordinary if BAD_KERNEL_LOG.search(o)]
assert not missed and not wrong, (missed, wrong)
PY
); then
	ok "checker-patterns: every checker's report fails a run, ordinary lines do not"
else
	bad "checker-patterns: $out"
fi

finish
[ "$failed" -eq 0 ]
