#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Verilate a design into a static model library, cached outside the checkout.
#   scripts/verilate.sh NAME STAMP TOP [verilator arguments and sources...]
# The one Verilator build of the tree (the array, the card, their benches).
# The cache directory is /var/cache/fpq/NAME-<hash> (or $FPQ_CACHE/NAME-<hash>; an
# unwritable root falls back to the directory of STAMP), where the hash covers the
# Verilator version, this script, the arguments and the contents of every argument that
# names a file, and the *.svh headers of every -I directory (the sources include them).
# A second run with the same inputs reuses it. The model library is
# DIR/libV<TOP>.a (model plus Verilator runtime, FST tracing included); headers are in
# DIR. STAMP receives DIR, for the Makefile.
set -euo pipefail
name=$1 stamp=$2 top=$3
shift 3
cache_root=${FPQ_CACHE:-/var/cache/fpq}
if ! mkdir -p "$cache_root" 2>/dev/null || [ ! -w "$cache_root" ]; then
	cache_root=$(dirname "$stamp")/cache
	mkdir -p "$cache_root"
fi
hash=$( {
	verilator --version
	sha256sum <"$0"
	printf '%s\n' "$top" "$@"
	for a in "$@"; do
		if [ -f "$a" ]; then sha256sum <"$a"; fi
		case $a in -I?*) cat "${a#-I}"/*.svh 2>/dev/null | sha256sum ;; esac
	done
} | sha256sum | cut -c1-16)
dir=$cache_root/$name-$hash
if [ ! -f "$dir/done" ]; then
	echo "verilate: building $name ($top) into $dir"
	start=$(date +%s)
	tmp=$(mktemp -d "$cache_root/.$name-XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	verilator --cc -Mdir "$tmp" --top-module "$top" --prefix "V$top" \
		-CFLAGS "-O2 -fPIC" "$@" >"$tmp/verilator.log" 2>&1 ||
		{ cat "$tmp/verilator.log"; exit 1; }
	# Under a parallel make (recipe marked +) share its job slots; else use two.
	jobs=-j2
	case " ${MAKEFLAGS:-} " in *jobserver*) jobs= ;; esac
	make -s -C "$tmp" -f "V$top.mk" $jobs OPT_FAST="-O2" OPT_SLOW="-O1" "V${top}__ALL.a" \
		verilated.o verilated_threads.o verilated_fst_c.o >"$tmp/make.log" 2>&1 ||
		{ tail -n 50 "$tmp/make.log"; exit 1; }
	( cd "$tmp" && cp "V${top}__ALL.a" "libV$top.a" &&
		ar rcs "libV$top.a" verilated.o verilated_threads.o verilated_fst_c.o )
	touch "$tmp/done"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	trap - EXIT
	echo "verilate: $name built in $(( $(date +%s) - start )) s"
fi
mkdir -p "$(dirname "$stamp")"
echo "$dir" >"$stamp.tmp" && mv "$stamp.tmp" "$stamp"
