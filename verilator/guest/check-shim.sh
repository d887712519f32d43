#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Static checks of the co-simulation interrupt shim against Debian's 6.1 headers: W=1
# build without warnings, sparse, checkpatch --strict, kernel-doc.
#   verilator/guest/check-shim.sh [OUTDIR]   (default $FPQ_SHIM_CHECK_OUT, else build/cosim/shim-check)
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-${FPQ_SHIM_CHECK_OUT:-build/cosim/shim-check}}
out=$(mkdir -p "$dir" && cd "$dir" && pwd)
tarball=${FPQ_LINUX_SOURCE:-/usr/src/linux-source-6.1.tar.xz}
files=(verilator/guest/fpq_ivshmem_irq.c verilator/guest/fpq_ivshmem_irq.h)
passed=0 failed=0 skipped=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
skip() { echo "SKIP $1"; skipped=$((skipped + 1)); }
finish() {
	echo "RESULT: passed=$passed failed=$failed skipped=$skipped"
	[ "$failed" -eq 0 ]
	exit
}

kdir=${FPQ_KDIR:-$(ls -d /usr/src/linux-headers-6.1.*-amd64 2>/dev/null | sort -V | tail -n 1)}
if [ -z "$kdir" ]; then
	bad "no Debian 6.1 kernel headers (apt-get install linux-headers-amd64)"
	finish
fi
mkdir -p "$out/kmod"
for f in Kbuild "${files[@]#verilator/guest/}"; do
	ln -sf "$repo/verilator/guest/$f" "$out/kmod/$f"
done
# A make of its own: the parent's jobserver flags would only make kbuild warn.
kmake() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$kdir" M="$out/kmod" "$@"; }

# One build does both: W=1 compiler warnings and sparse (C=2) reports look alike.
kmake clean >/dev/null 2>&1
if ! command -v sparse >/dev/null; then
	bad "sparse missing (apt-get install sparse)"
elif kmake W=1 C=2 CHECK=sparse modules >"$out/build.log" 2>&1; then
	if grep -nE '(warning|error):' "$out/build.log" | grep -v 'jobserver'; then
		bad "W=1 build with sparse prints warnings (above)"
	else
		ok "W=1 build of fpq_ivshmem_irq.ko, sparse clean"
	fi
else
	tail -n 30 "$out/build.log"
	bad "W=1 build of fpq_ivshmem_irq.ko"
fi

# checkpatch.pl and kernel-doc come with linux-source: the same cache as the driver's checks.
tools=${FPQ_CACHE:-/var/cache/fpq}/kernel-scripts-$(stat -c %s-%Y "$tarball" 2>/dev/null || echo none)
if [ ! -f "$tools/.done" ] && [ -r "$tarball" ]; then
	echo "extracting checkpatch.pl from $tarball (once)"
	rm -rf "$tools" && mkdir -p "$tools"
	tar -xJf "$tarball" -C "$tools" --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch' '*/scripts/kernel-doc' &&
		touch "$tools/.done"
fi
if [ -f "$tools/.done" ]; then
	if (cd "$repo" && "$tools/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
		-f "${files[@]}") >"$out/checkpatch.log" 2>&1 &&
		! grep -qE '(ERROR|WARNING|CHECK):' "$out/checkpatch.log"; then
		ok "checkpatch --strict clean"
	else
		cat "$out/checkpatch.log"
		bad "checkpatch --strict finds problems (above)"
	fi
	if (cd "$repo" && "$tools/scripts/kernel-doc" -none "${files[@]}") >"$out/kernel-doc.log" 2>&1 &&
		! grep -qiE 'warning|error' "$out/kernel-doc.log"; then
		ok "kernel-doc clean"
	else
		cat "$out/kernel-doc.log"
		bad "kernel-doc warnings (above)"
	fi
else
	bad "no scripts/checkpatch.pl (apt-get install linux-source-6.1)"
fi
finish
