#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the driver's KUnit suites in a User Mode Linux kernel built from Debian's
# linux-source-6.1 (Documentation/driver.rst, "Testing").
#
#   scripts/check-kunit.sh [--print-cache-dir] [--build-only] [GLOB]
#
# The kernel tree and its build directory live in a cache outside the checkout,
# ${FPQ_CACHE:-/var/cache/fpq}/kunit-uml-<source version>-<hash>/, keyed by the kernel
# source version, driver/.kunitconfig and the options below, so a machine pays the
# cold build (6-16 min on 2 cores) once. driver/ is symlinked into the tree as
# drivers/fpq. The counts on the final RESULT line come from kunit.py's parser; a
# warning, oops or lockdep report on the UML console counts as one more failure.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
tarball=${FPQ_LINUX_SOURCE:-/usr/src/linux-source-6.1.tar.xz}
jobs=${FPQ_KUNIT_JOBS:-2}
kunitconfig="$repo/driver/.kunitconfig"
# UML-only options kept out of .kunitconfig so that it also suits other architectures.
kconfig_add=(--kconfig_add CONFIG_UML_PCI_OVER_VIRTIO_DEVICE_ID=1234)

print_dir=0 build_only=0 glob='fpq*'
for arg in "$@"; do
	case "$arg" in
	--print-cache-dir) print_dir=1 ;;
	--build-only) build_only=1 ;;
	-*) echo "kunit.sh: unknown option $arg" >&2; exit 2 ;;
	*) glob=$arg ;;
	esac
done

fail() {
	echo "kunit.sh: $*"
	echo "RESULT: passed=0 failed=1 skipped=0"
	exit 1
}

[ -r "$tarball" ] || fail "no kernel source at $tarball (apt-get install linux-source-6.1)"
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || stat -c %Y "$tarball")
key=$( { echo "$srcver"; grep -v "^#" "$kunitconfig"; echo "${kconfig_add[*]}"; echo v1; } |
	sha256sum | cut -c1-12)
cache=${FPQ_CACHE:-/var/cache/fpq}/kunit-uml-$srcver-$key
if [ "$print_dir" = 1 ]; then
	echo "$cache"
	exit 0
fi
mkdir -p "$cache"

# One run at a time per cache entry: the symlink and build directory are shared.
exec 9>"$cache/lock"
flock 9

tree=$cache/linux
build=$cache/build
if [ ! -f "$tree/.fpq-extracted" ]; then
	echo "kunit.sh: extracting $tarball into $cache (once)"
	rm -rf "$tree" "$cache/extract"
	mkdir -p "$cache/extract"
	tar -xJf "$tarball" -C "$cache/extract"
	mv "$cache/extract"/linux-source-* "$tree"
	rmdir "$cache/extract"
	touch "$tree/.fpq-extracted"
fi

# Hook driver/ into the tree (idempotent; re-pointed at this checkout every run).
ln -sfn "$repo/driver" "$tree/drivers/fpq"
grep -qx 'obj-$(CONFIG_DRM_FPQ) += fpq/' "$tree/drivers/Makefile" ||
	echo 'obj-$(CONFIG_DRM_FPQ) += fpq/' >> "$tree/drivers/Makefile"
grep -qx 'source "drivers/fpq/Kconfig"' "$tree/drivers/Kconfig" ||
	sed -i '$ i source "drivers/fpq/Kconfig"' "$tree/drivers/Kconfig"
grep -qx 'source "drivers/fpq/Kconfig"' "$tree/drivers/Kconfig" ||
	fail "could not hook drivers/fpq/Kconfig into $tree/drivers/Kconfig"

mkdir -p "$build"
# Objects of another checkout (or of other contents) may look newer than these sources:
# make trusts timestamps, so the driver's objects go whenever the sources differ from
# those of the last build.
stamp=$( { echo "$repo"; cd "$repo" && find driver uapi -type f -print0 | sort -z |
	xargs -0 sha256sum; } | sha256sum | cut -c1-16)
if [ "$(cat "$cache/driver.stamp" 2>/dev/null)" != "$stamp" ]; then
	rm -rf "$build/drivers/fpq"
fi
cd "$tree"
start=$(date +%s)
log=$cache/kunit.out
set +e
if [ "$build_only" = 1 ]; then
	python3 tools/testing/kunit/kunit.py build --build_dir="$build" \
		--kunitconfig="$kunitconfig" "${kconfig_add[@]}" --jobs="$jobs" 2>&1 |
		tee "$log"
	rc=${PIPESTATUS[0]}
	[ -f "$build/drivers/fpq/built-in.a" ] && echo "$stamp" > "$cache/driver.stamp"
	echo "kunit.sh: build exit status $rc after $(( $(date +%s) - start )) s"
	exit "$rc"
fi
python3 tools/testing/kunit/kunit.py run --build_dir="$build" \
	--kunitconfig="$kunitconfig" "${kconfig_add[@]}" --jobs="$jobs" \
	--timeout=300 "$glob" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
[ -f "$build/drivers/fpq/built-in.a" ] && echo "$stamp" > "$cache/driver.stamp"
echo "kunit.sh: kunit.py exit status $rc after $(( $(date +%s) - start )) s"

# "Testing complete. Ran N tests: passed: P, failed: F, crashed: C, skipped: S, errors: E"
# (fields that are zero are left out).
summary=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E 'Testing complete\. Ran [0-9]+ tests' |
	tail -n 1 || true)
count() {
	local n
	n=$(grep -oE "$1: [0-9]+" <<<"$summary" | grep -oE '[0-9]+' || true)
	echo "${n:-0}"
}
if [ -z "$summary" ]; then
	echo "kunit.sh: kunit.py printed no summary (build or boot failed)"
	echo "RESULT: passed=0 failed=1 skipped=0"
	exit 1
fi
passed=$(count passed)
failed=$(( $(count failed) + $(count crashed) + $(count errors) ))
skipped=$(count skipped)

# The console of the UML kernel: a splat fails the run even when every case passed.
console=$build/test.log
if [ -f "$console" ] && grep -nE 'WARNING:|BUG:|Oops|general protection|KASAN|UBSAN|possible circular locking|possible recursive locking|suspicious RCU|refcount_t:|memory leak' "$console"; then
	echo "kunit.sh: the UML console shows a kernel warning or bug report (above)"
	failed=$((failed + 1))
fi
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	echo "kunit.sh: kunit.py failed without a failed test"
	failed=1
fi
echo "RESULT: passed=$passed failed=$failed skipped=$skipped"
[ "$failed" -eq 0 ]
