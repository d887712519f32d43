#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job (make demo): the sensor-window network of tools/fpq-demo.c on the fpq card
# and on the CPU, with both results, their bit-for-bit comparison and the timings.
#
# With a real card and fpq.ko loaded, fpq-demo runs here, on the card. Otherwise the
# card is the Verilated RTL: a QEMU VM boots Debian's 6.1 kernel, loads fpq.ko, and runs
# fpq-demo inside (the card process simulates every clock cycle, so card times are
# simulation times; the card's own cycle counts are printed too). The driver's job timeout
# is raised to two minutes there: the simulated card is ~10^4 times slower than a real one.
#   tools/demo.sh BUILD_DIR [WINDOWS]
set -euo pipefail
b=$1
windows=${2:-64}

if cards=$("$b/fpq-info" --json 2>/dev/null) &&
	python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1])["cards"] else 1)' "$cards"; then
	echo "demo: an fpq card is present: running on it directly"
	exec "$b/fpq-demo" --windows "$windows"
fi

echo "demo: no fpq card on this machine: booting the co-simulation VM (Verilated card)"
exec tools/fpq-vm --card "$b/cosim/fpq-card" --module "$b/kmod/6.1/driver/fpq.ko" \
	--module "$b/cosim/guest-kmod/6.1/fpq_ivshmem_irq.ko" --bin "$b/fpq-demo" --bin "$b/fpq-info" \
	--cmd-timeout 900 --timeout 1200 -- \
	'rmmod fpq && insmod /lib/modules/fpq/fpq.ko timeout_ms=120000' \
	'fpq-info' "fpq-demo --windows $windows"
