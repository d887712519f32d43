#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Static checks of one of the tree's kernel modules against one of Debian 12's kernels:
#   1. the out-of-tree builds with W=1 succeed and print no warning (for the driver: the
#      module users install, and the test build, CONFIG_DRM_FPQ_TEST_HOOKS=y);
#   2. the driver's test-only paths are in its test build only (fpq_external_irq,
#      fault_inject, modinfo test_hooks);
#   3. sparse (C=2) reports nothing in our files;
#   4. that kernel's scripts/checkpatch.pl --strict is clean on every file of the module;
#   5. scripts/kernel-doc finds no missing or broken documentation in them (and every
#      UAPI structure and enum has a comment).
#   scripts/check-kmod.sh OUTDIR MODULE [KERNEL]
# MODULE is "driver" (fpq.ko: driver/, uapi/, Kbuild) or "shim" (the co-simulation's
# interrupt shim, verilator/guest/); KERNEL is 6.1 (default) or 6.12. FPQ_KDIR overrides
# the kernel headers. The builds run in OUTDIR/kmod-MODULE[-KERNEL]/<build>, trees of
# symlinks to the sources, so no object file lands in the checkout (and none from the
# UML build lands here).
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-build}" && cd "${1:-build}" && pwd)
module=${2:-driver}
series=${3:-6.1}
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

# shadow BUILD: the module's tree of symlinks for one build. driver/fpq_hw_regs.h is
# generated from the card's contract (rtl/regs/fpq_hw_spec.py) and checked by the hwspec
# suite, so it is not in the file list.
base=$out/kmod-$module$([ "$series" = 6.1 ] || echo "-$series")
case $module in
driver)
	ko=driver/fpq.ko
	builds=(product test)
	mapfile -t files < <(cd "$repo" && git ls-files -co --exclude-standard \
		'driver/*.c' 'driver/*.h' 'uapi/*.h' | grep -v '^driver/fpq_hw_regs.h$' | sort -u)
	;;
shim)
	ko=fpq_ivshmem_irq.ko
	builds=(shim)
	files=(verilator/guest/fpq_ivshmem_irq.c verilator/guest/fpq_ivshmem_irq.h)
	;;
*)
	bad "unknown module $module (driver or shim)"
	finish
	;;
esac
shadow() {
	local dir=$base/$1 f
	mkdir -p "$dir"
	case $module in
	driver)
		mkdir -p "$dir/driver"
		ln -sfn "$repo/Kbuild" "$dir/Kbuild"
		ln -sfn "$repo/uapi" "$dir/uapi"
		cp -rsf "$repo/driver/." "$dir/driver/"
		;;
	shim)
		# The card's PCI identity comes from the generated contract header.
		for f in verilator/guest/Kbuild driver/fpq_hw_regs.h "${files[@]}"; do
			ln -sfn "$repo/$f" "$dir/$(basename "$f")"
		done
		;;
	esac
	find "$dir" -xtype l -delete
}
# What a build adds to make's command line.
build_args() {
	[ "$1" = test ] && echo CONFIG_DRM_FPQ_TEST_HOOKS=y
	true
}

# A make of its own: the parent's jobserver flags would only make kbuild warn.
kmake() {
	local dir=$1
	shift
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$kdir" M="$dir" -j2 "$@"
}

# 1. W=1 builds.
for b in "${builds[@]}"; do
	shadow "$b"
	log=$base/$b-build.log
	what="$(basename $ko)$([ "$module" = driver ] && echo " ($b build)") for $series"
	# shellcheck disable=SC2046
	if kmake "$base/$b" W=1 $(build_args "$b") modules >"$log" 2>&1; then
		if grep -niE 'warning:|error:' "$log"; then
			bad "W=1 build of $what prints warnings (above)"
		else
			ok "W=1 build of $what without warnings"
		fi
	else
		tail -n 40 "$log"
		bad "W=1 build of $what"
	fi
done
main=$base/${builds[0]}
if [ -f "$main/$ko" ]; then
	modinfo "$main/$ko" | grep -E '^(license|alias|depends|vermagic|parm):' | sed 's/^/  /'
fi
if [ "$module" = driver ] && [ -f "$main/driver/fpq_compat_config.h" ]; then
	echo "  compatibility: $(grep -c '^#define' "$main/driver/fpq_compat_config.h") of" \
		"$(grep -c 'FPQ_HAVE_' "$main/driver/fpq_compat_config.h") kernel features present"
fi

# 2. The driver's test-only paths: in the test build, absent from the product.
if [ "$module" = driver ]; then
	hooks() {
		# (output captured first: grep -q closing a pipe early would fail it)
		local syms strs
		syms=$(nm "$1")
		strs=$(strings "$1")
		grep -qw fpq_external_irq <<<"$syms" && echo -n "fpq_external_irq "
		grep -qx fault_inject <<<"$strs" && echo -n "fault_inject "
		[ "$(modinfo -F test_hooks "$1")" = Y ] && echo -n "test_hooks "
		true
	}
	if [ -f "$base/product/$ko" ] && [ -f "$base/test/$ko" ]; then
		in_product=$(hooks "$base/product/$ko")
		in_test=$(hooks "$base/test/$ko")
		if [ -n "$in_product" ]; then
			bad "the product module has test hooks: $in_product"
		elif [ "$in_test" != "fpq_external_irq fault_inject test_hooks " ]; then
			bad "the test build lacks test hooks (has: ${in_test:-none})"
		else
			ok "test hooks (${in_test% }) only in the test build"
		fi
	else
		bad "test hooks: a module was not built"
	fi
fi

# 3. sparse on every source file of the fullest build, with its W=1 flags (C=2 checks
# files whether or not they are rebuilt; other flags would rebuild them each time).
full=${builds[${#builds[@]} - 1]}
log=$base/sparse.log
if ! command -v sparse >/dev/null; then
	bad "sparse missing (apt-get install sparse)"
# shellcheck disable=SC2046
elif kmake "$base/$full" W=1 C=2 CHECK="sparse" $(build_args "$full") modules >"$log" 2>&1; then
	# Reports in the kernel's own headers are not ours.
	if grep -E ':[0-9]+:[0-9]+: (warning|error)' "$log" |
		grep -vE '^(/usr/src/|\./)?(include|arch)/|^/usr/src/'; then
		bad "sparse reports problems in our files (above)"
	else
		ok "sparse (C=2) clean for $series"
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

# 4. checkpatch --strict.
if [ -f "$tools/.done" ]; then
	log=$base/checkpatch.log
	(cd "$repo" && "$tools/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
		-f "${files[@]}") >"$log" 2>&1
	if grep -qE '(ERROR|WARNING|CHECK):' "$log"; then
		grep -E '(ERROR|WARNING|CHECK):' "$log"
		bad "checkpatch --strict ($series) finds problems (above)"
	else
		ok "checkpatch --strict ($series) clean on ${#files[@]} files"
	fi

	# 5. kernel-doc.
	log=$base/kerneldoc.log
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
