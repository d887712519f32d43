#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# UAPI layout test: every structure of uapi/fpq_drm.h has the same layout for i386 and
# x86_64 processes and no hidden padding. The probe file is compiled for both ABIs with
# debug information and pahole prints each structure; the two printouts must be equal
# and free of holes and padding. The same checks must reject the canary structures.
#   tests/uapi/layout.sh OUTDIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:-build/uapi}
mkdir -p "$out"
passed=0 failed=0 skipped=0

ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }

if ! command -v pahole >/dev/null; then
	echo "pahole missing (apt-get install dwarves)"
	echo "RESULT: passed=0 failed=1 skipped=0"
	exit 1
fi

# -m32 needs only the compiler: the asm/ headers of x86_64's linux-libc-dev serve
# both ABIs (they test __x86_64__ themselves), so without gcc-multilib they are
# found after the i386 multiarch directory.
cflags=(-g -c -O0 -I"$repo/uapi" -I/usr/include/libdrm -idirafter /usr/include/x86_64-linux-gnu)
compile() { # src abi obj
	gcc "-m$2" "${cflags[@]}" "$1" -o "$3"
}

# compare NAME OBJ32 OBJ64 STRUCTS: prints the verdict, returns 0 when the layouts
# agree and have no holes.
compare() {
	local name=$1 o32=$2 o64=$3 structs=$4 p32 p64
	p32=$(pahole -C "$structs" "$o32") || return 1
	p64=$(pahole -C "$structs" "$o64") || return 1
	if [ -z "$p32" ] || [ -z "$p64" ]; then
		echo "  $name: pahole printed nothing"
		return 1
	fi
	if ! diff <(echo "$p32") <(echo "$p64") >"$out/$name.diff"; then
		echo "  $name: i386 and x86_64 layouts differ:"
		sed 's/^/    /' "$out/$name.diff"
		return 1
	fi
	if grep -nE 'hole|padding|XXX' <<<"$p64" >"$out/$name.holes"; then
		echo "  $name: hidden padding:"
		sed 's/^/    /' "$out/$name.holes"
		return 1
	fi
	return 0
}

for abi in 32 64; do
	compile "$here/layout_probe.c" $abi "$out/probe$abi.o" || { bad "compile probe -m$abi"; }
	compile "$here/layout_canary.c" $abi "$out/canary$abi.o" || { bad "compile canary -m$abi"; }
done

# Every struct the header defines, found in the header itself so a new one cannot be
# forgotten; the probe must declare each of them.
mapfile -t structs < <(grep -oE '^struct drm_fpq_[a-z0-9_]+ \{' "$repo/uapi/fpq_drm.h" |
	awk '{print $2}')
if [ ${#structs[@]} -eq 0 ]; then
	bad "found no structures in uapi/fpq_drm.h"
fi
for s in "${structs[@]}"; do
	if ! grep -q "^struct $s probe_" "$here/layout_probe.c"; then
		bad "$s: not declared in layout_probe.c"
		continue
	fi
	if compare "$s" "$out/probe32.o" "$out/probe64.o" "$s"; then
		ok "$s: same layout on i386 and x86_64, no padding"
	else
		bad "$s"
	fi
done

# The checks must be able to fail.
for s in canary_hole canary_tail; do
	if compare "$s" "$out/canary32.o" "$out/canary64.o" "$s" >/dev/null; then
		bad "$s: the layout check accepted a broken structure"
	else
		ok "$s: the layout check rejects it"
	fi
done

echo "RESULT: passed=$passed failed=$failed skipped=$skipped"
[ "$failed" -eq 0 ]
