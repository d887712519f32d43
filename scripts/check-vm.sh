#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The co-simulation VM suite: each VM boot is one tools/fpq-vm run, its commands are the
# tests (exit 77 skips), and the boot itself (clean kernel log, healthy card process) is
# one more. Prints the summed "RESULT: passed=P failed=F skipped=S".
#   scripts/check-vm.sh OUTDIR [--kernel 6.1|6.12] [fpq-vm options for the card run...]
#                       [-- COMMAND...]
# The guest boots that Debian kernel (6.1 by default) and loads the modules built for it
# (OUTDIR/kmod/<kernel>, OUTDIR/cosim/guest-kmod/<kernel>).
#
# Runs:
#   1. transport: the transport test device (fpq-card-testdev) and the interrupt shim:
#      enumeration, MMIO round trip, DMA through guest RAM, interrupts via ivshmem;
#   2. card: the Verilated card (fpq-card) with fpq.ko and the shim, when the card model
#      is built: enumeration, MMIO round trip, then the commands given here.
set -uo pipefail
out=$1
shift
here=$(cd "$(dirname "$0")/../tools" && pwd)
series=6.1
if [ "${1:-}" = "--kernel" ]; then
	series=$2
	shift 2
fi
card_opts=() card_cmds=()
while [ $# -gt 0 ]; do
	if [ "$1" = "--" ]; then
		shift
		card_cmds=("$@")
		break
	fi
	card_opts+=("$1")
	shift
done

tp=0 tf=0 ts=0
vm() {
	local name=$1 log line p f s
	shift
	log=$(mktemp)
	echo "== vm run: $name (kernel $series)"
	"$here/fpq-vm" --kernel "$series" --result-line "$@" 2>&1 | tee "$log"
	line=$(grep -E '^RESULT: ' "$log" | tail -n 1)
	rm -f "$log"
	if [ -z "$line" ]; then
		echo "FAIL vm run $name: the launcher did not report (see above)"
		tf=$((tf + 1))
		return
	fi
	read -r p f s < <(sed -E 's/.*passed=([0-9]+) failed=([0-9]+) skipped=([0-9]+).*/\1 \2 \3/' <<<"$line")
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
}

shim=$out/cosim/guest-kmod/$series/fpq_ivshmem_irq.ko
ko=$out/kmod/$series/driver/fpq.ko
probe=$out/cosim/cosim-probe

vm transport --card "$out/cosim/fpq-card-testdev" --bin "$probe" --module "$shim" -- \
	'cosim-probe enumerate' 'cosim-probe mmio' 'cosim-probe dma' 'cosim-probe irq'

if [ -x "$out/cosim/fpq-card" ]; then
	mods=()
	# The register round trip needs the BAR to itself: without the driver.
	mmio='cosim-probe mmio'
	if [ -f "$ko" ]; then
		mods+=(--module "$ko")
		mmio='rmmod fpq && cosim-probe mmio; rc=$?; insmod /lib/modules/fpq/fpq.ko && exit $rc'
	else
		echo "SKIP driver tests: $ko not built"
		ts=$((ts + 1))
		card_cmds=()
	fi
	vm card --card "$out/cosim/fpq-card" --bin "$probe" "${mods[@]}" --module "$shim" \
		"${card_opts[@]}" -- 'cosim-probe enumerate' "$mmio" "${card_cmds[@]}"
else
	echo "SKIP vm run card: no card model built yet ($out/cosim/fpq-card)"
	ts=$((ts + 1))
fi

echo "RESULT: passed=$tp failed=$tf skipped=$ts"
[ "$tf" -eq 0 ]
