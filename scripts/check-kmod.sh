#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Static checks of one of the tree's kernel modules against Debian's 6.1 headers:
#   1. the out-of-tree build with W=1 succeeds and prints no warning;
#   2. sparse (C=2) reports nothing in our files;
#   3. scripts/checkpatch.pl --strict is clean on every file of the module;
#   4. scripts/kernel-doc finds no missing or broken documentation in them (and every
#      UAPI structure and enum has a comment).
#   scripts/check-kmod.sh OUTDIR MODULE
# MODULE is "driver" (fpq.ko: driver/, uapi/, Kbuild) or "shim" (the co-simulation's
# interrupt shim, verilator/guest/). FPQ_KDIR overrides the kernel headers.
# The build runs in OUTDIR/kmod-MODULE, a tree of symlinks to the sources, so no object
# file lands in the checkout (and none from the UML build lands here).
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-build}" && cd "${1:-build}" && pwd)
module=${2:-driver}
tarball=${FPQ_LINUX_SOURCE:-/usr/src/linux-source-6.1.tar.xz}
passed=0 failed=0 skipped=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
finish() {
	echo "RESULT: passed=$passed failed=$failed skipped=$skipped"
	[ "$failed" -eq 0 ]
	exit
}

# Debian's 6.1 headers, whatever kernel this machine runs.
kdir=${FPQ_KDIR:-$(ls -d /usr/src/linux-headers-6.1.*-amd64 2>/dev/null | sort -V | tail -n 1)}
if [ -z "$kdir" ] || [ ! -f "$kdir/Makefile" ]; then
	bad "no Debian 6.1 kernel headers (apt-get install linux-headers-amd64)"
	finish
fi
echo "kernel headers: $kdir"

# The module's shadow tree, its .ko and the files that are ours. driver/fpq_hw_regs.h is
# generated from the card's contract (rtl/regs/fpq_hw_spec.py) and checked by the hwspec
# suite.
shadow=$out/kmod-$module
mkdir -p "$shadow"
case $module in
driver)
	ko=driver/fpq.ko
	mkdir -p "$shadow/driver"
	ln -sfn "$repo/Kbuild" "$shadow/Kbuild"
	ln -sfn "$repo/uapi" "$shadow/uapi"
	cp -rsf "$repo/driver/." "$shadow/driver/"
	mapfile -t files < <(cd "$repo" && git ls-files -co --exclude-standard \
		'driver/*.c' 'driver/*.h' 'uapi/*.h' | grep -v '^driver/fpq_hw_regs.h$' | sort -u)
	;;
shim)
	ko=fpq_ivshmem_irq.ko
	files=(verilator/guest/fpq_ivshmem_irq.c verilator/guest/fpq_ivshmem_irq.h)
	# The card's PCI identity comes from the generated contract header.
	for f in verilator/guest/Kbuild driver/fpq_hw_regs.h "${files[@]}"; do
		ln -sfn "$repo/$f" "$shadow/$(basename "$f")"
	done
	;;
*)
	bad "unknown module $module (driver or shim)"
	finish
	;;
esac
find "$shadow" -xtype l -delete

# A make of its own: the parent's jobserver flags would only make kbuild warn.
kmake() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$kdir" M="$shadow" -j2 "$@"
}

# 1. W=1 build.
log=$shadow/build.log
if kmake W=1 modules >"$log" 2>&1; then
	if grep -nE 'warning:|error:' "$log"; then
		bad "W=1 build of $(basename $ko) prints warnings (above)"
	else
		ok "W=1 build of $(basename $ko) without warnings"
	fi
else
	tail -n 40 "$log"
	bad "W=1 build of $(basename $ko)"
fi
if [ -f "$shadow/$ko" ]; then
	modinfo "$shadow/$ko" | grep -E '^(license|depends|vermagic|parm):' | sed 's/^/  /'
fi

# 2. sparse on every source file (C=2 checks files whether or not they are rebuilt).
log=$shadow/sparse.log
if ! command -v sparse >/dev/null; then
	bad "sparse missing (apt-get install sparse)"
elif kmake C=2 CHECK="sparse" modules >"$log" 2>&1; then
	# Reports in the kernel's own headers are not ours.
	if grep -E ':[0-9]+:[0-9]+: (warning|error)' "$log" |
		grep -vE '^(/usr/src/|\./)?(include|arch)/|^/usr/src/'; then
		bad "sparse reports problems in our files (above)"
	else
		ok "sparse (C=2) clean"
	fi
else
	tail -n 20 "$log"
	bad "sparse build"
fi

# checkpatch.pl and kernel-doc come with linux-source; keep the few files needed.
tools=${FPQ_CACHE:-/var/cache/fpq}/kernel-scripts-$(stat -c %s-%Y "$tarball" 2>/dev/null || echo none)
if [ ! -f "$tools/.done" ] && [ -r "$tarball" ]; then
	echo "extracting checkpatch.pl from $tarball (once)"
	rm -rf "$tools" && mkdir -p "$tools"
	tar -xJf "$tarball" -C "$tools" --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch' '*/scripts/kernel-doc' &&
		touch "$tools/.done"
fi

# 3. checkpatch --strict.
if [ -f "$tools/.done" ]; then
	log=$shadow/checkpatch.log
	(cd "$repo" && "$tools/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
		-f "${files[@]}") >"$log" 2>&1
	if grep -qE '(ERROR|WARNING|CHECK):' "$log"; then
		grep -E '(ERROR|WARNING|CHECK):' "$log"
		bad "checkpatch --strict finds problems (above)"
	else
		ok "checkpatch --strict clean on ${#files[@]} files"
	fi

	# 4. kernel-doc.
	log=$shadow/kerneldoc.log
	(cd "$repo" && "$tools/scripts/kernel-doc" -none "${files[@]}") >"$log" 2>&1
	# kernel-doc checks the comments that exist; every UAPI structure and enum must
	# also have one.
	for f in "${files[@]}"; do
		case "$f" in uapi/*) ;; *) continue ;; esac
		grep -oE '^(struct|enum) [a-z0-9_]+ \{' "$repo/$f" | while read -r kind name _; do
			grep -qE "^ \* $kind $name - " "$repo/$f" ||
				echo "$f: warning: $kind $name has no kernel-doc comment"
		done
	done >>"$log"
	if grep -qiE 'warning|error' "$log"; then
		cat "$log"
		bad "kernel-doc warnings (above)"
	else
		ok "kernel-doc clean on ${#files[@]} files"
	fi
else
	bad "no scripts/checkpatch.pl (apt-get install linux-source-6.1)"
fi

finish
