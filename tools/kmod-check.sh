#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Static checks of the kernel module against one of Debian 12's kernels (6.1 or 6.12):
#   1. the out-of-tree builds with W=1 succeed and print no warning: the module users
#      install, and the test build (CONFIG_DRM_FPQ_TEST_HOOKS=y);
#   2. the test-only paths are in the test build only (fpq_external_irq, fault_inject);
#   3. sparse (C=2) reports nothing in our files;
#   4. scripts/checkpatch.pl --strict (of that kernel's source) is clean on every driver
#      and UAPI file;
#   5. scripts/kernel-doc finds no missing or broken documentation in the UAPI header
#      and the driver.
#   tools/kmod-check.sh OUTDIR [6.1|6.12]
# The builds run in OUTDIR/kmod-check/<kernel>/<build>, trees of symlinks to the
# sources, so no object file lands in the checkout (and none from the UML build here).
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-build}" && cd "${1:-build}" && pwd)
series=${2:-6.1}
tarball=${FPQ_LINUX_SOURCE:-/usr/src/linux-source-$series.tar.xz}
passed=0 failed=0 skipped=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
finish() {
	echo "RESULT: passed=$passed failed=$failed skipped=$skipped"
	[ "$failed" -eq 0 ]
	exit
}

# Debian's headers of that kernel, whatever kernel this machine runs.
kdir=${FPQ_KDIR:-$(ls -d /usr/src/linux-headers-"$series".*-amd64 2>/dev/null | sort -V | tail -n 1)}
if [ -z "$kdir" ] || [ ! -f "$kdir/Makefile" ]; then
	bad "no Debian $series kernel headers (apt-get install linux-headers-$series-amd64," \
		"or linux-headers-amd64 for 6.1)"
	finish
fi
echo "kernel headers: $kdir"

# shadow BUILD: a tree of symlinks for one build.
shadow() {
	local dir=$out/kmod-check/$series/$1
	mkdir -p "$dir/driver"
	ln -sfn "$repo/Kbuild" "$dir/Kbuild"
	ln -sfn "$repo/uapi" "$dir/uapi"
	cp -rsf "$repo/driver/." "$dir/driver/"
	find "$dir" -xtype l -delete
	echo "$dir"
}
product=$(shadow product)
testbuild=$(shadow test)

kmake() {
	local dir=$1
	shift
	make -C "$kdir" M="$dir" -j2 "$@"
}

# 1. W=1 builds.
w1_build() {
	local name=$1 dir=$2 log=$out/kmod-check/$series/$1-build.log
	shift 2
	if kmake "$dir" W=1 "$@" modules >"$log" 2>&1; then
		if grep -niE 'warning:|error:' "$log"; then
			bad "W=1 build of the $name module prints warnings (above)"
		else
			ok "W=1 build of the $name module ($series) without warnings"
		fi
	else
		tail -n 40 "$log"
		bad "W=1 build of the $name module ($series)"
	fi
}
w1_build product "$product"
w1_build test "$testbuild" CONFIG_DRM_FPQ_TEST_HOOKS=y
if [ -f "$product/driver/fpq.ko" ]; then
	modinfo "$product/driver/fpq.ko" | grep -E '^(license|alias|depends|vermagic|parm):' |
		sed 's/^/  /'
	echo "  compatibility: $(grep -c '^#define' "$product/driver/fpq_compat_config.h") of" \
		"$(grep -c 'FPQ_HAVE_' "$product/driver/fpq_compat_config.h") features present"
fi

# 2. The test-only paths: in the test build, absent from the product.
if [ -f "$product/driver/fpq.ko" ] && [ -f "$testbuild/driver/fpq.ko" ]; then
	hooks() {
		local ko=$1
		nm "$ko" | grep -w fpq_external_irq >/dev/null && echo -n "fpq_external_irq "
		strings "$ko" | grep -x fault_inject >/dev/null && echo -n "fault_inject "
		[ "$(modinfo -F test_hooks "$ko")" = Y ] && echo -n "test_hooks "
		true
	}
	in_product=$(hooks "$product/driver/fpq.ko")
	in_test=$(hooks "$testbuild/driver/fpq.ko")
	if [ -n "$in_product" ]; then
		bad "the product module has test hooks: $in_product"
	elif [ "$in_test" != "fpq_external_irq fault_inject test_hooks " ]; then
		bad "the test build lacks test hooks (has: ${in_test:-none})"
	else
		ok "test hooks ($in_test) only in the test build"
	fi
else
	bad "test hooks: a module was not built"
fi

# 3. sparse on every source file of the test build, with the W=1 build's flags (C=2
# checks files whether or not they are rebuilt; other flags would rebuild them).
log=$out/kmod-check/$series/sparse.log
if ! command -v sparse >/dev/null; then
	bad "sparse missing (apt-get install sparse)"
elif kmake "$testbuild" W=1 C=2 CHECK="sparse" CONFIG_DRM_FPQ_TEST_HOOKS=y modules >"$log" 2>&1; then
	if grep -E '^[^ ]*(driver|uapi)/[^ ]*:[0-9]+:[0-9]+: (warning|error)' "$log"; then
		bad "sparse reports problems in our files (above)"
	else
		ok "sparse (C=2) clean ($series)"
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

# driver/fpq_hw_regs.h is generated from the card's contract (rtl/regs/fpq_hw_spec.py)
# and checked by the card's own suite; the rest is ours.
mapfile -t files < <(cd "$repo" && git ls-files -co --exclude-standard \
	'driver/*.c' 'driver/*.h' 'uapi/*.h' | grep -v '^driver/fpq_hw_regs.h$' | sort -u)

# 4. checkpatch --strict.
if [ -f "$tools/.done" ]; then
	log=$out/kmod-check/$series/checkpatch.log
	(cd "$repo" && "$tools/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
		-f "${files[@]}") >"$log" 2>&1
	if grep -qE '(ERROR|WARNING|CHECK):' "$log"; then
		grep -E '(ERROR|WARNING|CHECK):' "$log"
		bad "checkpatch --strict finds problems (above)"
	else
		ok "checkpatch --strict ($series) clean on ${#files[@]} files"
	fi

	# 5. kernel-doc.
	log=$out/kmod-check/$series/kerneldoc.log
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
	bad "no scripts/checkpatch.pl (apt-get install linux-source-$series)"
fi

finish
