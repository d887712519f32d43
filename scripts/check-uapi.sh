#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# UAPI layout test: every structure of uapi/fpq_drm.h has the same layout for i386 and
# x86_64 processes and no hidden padding. The probe file is compiled for both ABIs with
# debug information and pahole prints each structure; the two printouts must be equal
# and free of holes and padding. The same checks must reject the canary structures.
# Then the ABI itself is locked: every structure's size, every field's offset, size and
# type, and the value of every ioctl number, flag and enum constant are printed in one
# canonical form and compared with tests/uapi/abi.golden (as tt-kmd's ioctl_abi.golden),
# so a reordering that creates no hole still fails; the golden file changes only on
# purpose (--update, then commit it).
#   scripts/check-uapi.sh OUTDIR
#   scripts/check-uapi.sh --update OUTDIR   rewrite tests/uapi/abi.golden
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
here=$repo/tests/uapi
update=0
if [ "${1:-}" = "--update" ]; then
	update=1
	shift
fi
out=${1:-build/uapi}
golden=$here/abi.golden
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

# abi_dump HEADER OBJDIR: the canonical ABI of HEADER (x86_64): "struct NAME size N",
# "field STRUCT.MEMBER OFFSET SIZE TYPE" and "const NAME VALUE" lines. The structures
# and constants are found in the header itself, so a new one cannot be left out.
abi_dump() {
	local header=$1 dir=$2 incdir s
	incdir=$(dirname "$header")
	mkdir -p "$dir"
	{
		echo '#include "fpq_drm.h"'
		grep -oE '^struct drm_fpq_[a-z0-9_]+ \{' "$header" | awk '{print $1, $2, "abi_" $2 ";"}'
	} >"$dir/abi_probe.c"
	{
		echo '#include <stdio.h>'
		echo '#include "fpq_drm.h"'
		echo 'int main(void)'
		echo '{'
		{
			grep -oE '^#define (DRM_(IOCTL_)?FPQ_[A-Z0-9_]+)' "$header" | awk '{print $2}'
			grep -oE '^[[:space:]]+DRM_FPQ_[A-Z0-9_]+[[:space:]]*=' "$header" | tr -d ' \t='
		} | sort -u | while read -r c; do
			echo "	printf(\"const $c 0x%llx\\n\", (unsigned long long)($c));"
		done
		echo '	return 0;'
		echo '}'
	} >"$dir/abi_consts.c"
	gcc -m64 "${cflags[@]}" -I"$incdir" "$dir/abi_probe.c" -o "$dir/abi_probe.o" || return 1
	gcc -m64 -I"$incdir" -I/usr/include/libdrm "$dir/abi_consts.c" -o "$dir/abi_consts" ||
		return 1
	for s in $(grep -oE '^struct drm_fpq_[a-z0-9_]+ \{' "$header" | awk '{print $2}'); do
		pahole -C "$s" "$dir/abi_probe.o" | awk -v s="$s" '
			/\/\* size: / { sub(/,.*/, "", $3); print "struct " s " size " $3; next }
			/\/\*[ ]+[0-9]+[ ]+[0-9]+ \*\// {
				line = $0
				sub(/[ \t]*\/\*.*/, "", line)
				sub(/;$/, "", line)
				n = split(line, w, /[ \t]+/)
				member = w[n]
				type = ""
				for (i = 1; i < n; i++) if (w[i] != "") type = type (type ? " " : "") w[i]
				match($0, /\/\*[ ]+[0-9]+[ ]+[0-9]+ \*\//)
				# "/*   OFFSET   SIZE */"
				split(substr($0, RSTART + 2, RLENGTH - 4), ow, /[ ]+/)
				k = 0
				for (i = 1; i <= length(ow); i++) if (ow[i] != "") pos[++k] = ow[i]
				print "field " s "." member " " pos[1] " " pos[2] " " type
			}'
	done
	"$dir/abi_consts"
}

if [ "$update" = 1 ]; then
	{
		echo "# SPDX-License-Identifier: MIT"
		echo "# The locked ABI of uapi/fpq_drm.h (x86_64; i386 is checked equal), written by"
		echo "# scripts/check-uapi.sh --update: change it only on purpose, with the header."
		abi_dump "$repo/uapi/fpq_drm.h" "$out/abi"
	} >"$golden.tmp" && mv "$golden.tmp" "$golden" &&
		echo "wrote $golden ($(wc -l <"$golden") lines): review and commit it"
	exit
fi
if ! abi_dump "$repo/uapi/fpq_drm.h" "$out/abi" >"$out/abi.now"; then
	bad "could not print the ABI of uapi/fpq_drm.h"
elif ! grep -q '^field ' "$out/abi.now" || ! grep -q '^const ' "$out/abi.now"; then
	bad "the ABI printout has no fields or no constants"
elif diff -u <(grep -v '^#' "$golden") "$out/abi.now" >"$out/abi.diff"; then
	ok "ABI equals tests/uapi/abi.golden ($(grep -c '^struct ' "$out/abi.now") structures, $(grep -c '^field ' "$out/abi.now") fields, $(grep -c '^const ' "$out/abi.now") constants)"
else
	cat "$out/abi.diff"
	bad "the ABI differs from tests/uapi/abi.golden (a deliberate change: --update and commit)"
fi

# ... and the golden check must be able to fail where the layout check cannot: the same
# header with two fields of one structure swapped (same sizes, so no hole appears).
mut=$out/abi-mutant
mkdir -p "$mut"
awk '/^struct drm_fpq_submit \{/ { s = 1 }
	s && /__u32 op_count;/ { held = $0; next }
	s && /__u32 op_size;/ { print; print held; s = 0; next }
	{ print }' "$repo/uapi/fpq_drm.h" >"$mut/fpq_drm.h"
if cmp -s "$mut/fpq_drm.h" "$repo/uapi/fpq_drm.h"; then
	bad "the ABI mutant is the header itself (drm_fpq_submit changed?)"
elif abi_dump "$mut/fpq_drm.h" "$mut" | cmp -s - <(grep -v '^#' "$golden"); then
	bad "the ABI check accepted drm_fpq_submit with op_count and op_size swapped"
else
	ok "the ABI check rejects drm_fpq_submit with op_count and op_size swapped"
fi

echo "RESULT: passed=$passed failed=$failed skipped=$skipped"
[ "$failed" -eq 0 ]
