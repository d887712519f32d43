#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Verilate one configuration of an array module into a static library, cached outside
# the checkout so that a second build on this machine is instant.
#   verilator/array/verilate.sh NAME TOP STAMP [verilator arguments and sources...]
# The cache is /var/cache/fpq/array-NAME-<hash> ($FPQ_CACHE overrides the root; an
# unwritable root falls back to the directory of STAMP). The hash covers the Verilator
# version, this script, the arguments, the contents of every argument that is a file
# and the *.svh headers of every -I directory.
# The directory holds libVTOP.a (model and Verilator runtime) and the headers; STAMP
# receives its path for the Makefile.
set -euo pipefail
name=$1 top=$2 stamp=$3
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
		# the headers the sources include
		case $a in -I?*) cat "${a#-I}"/*.svh 2>/dev/null | sha256sum ;; esac
	done
} | sha256sum | cut -c1-16)
dir=$cache_root/array-$name-$hash
if [ ! -f "$dir/done" ]; then
	echo "verilate: building $top $name into $dir"
	start=$(date +%s)
	tmp=$(mktemp -d "$cache_root/.array-$name-XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	verilator --cc -Mdir "$tmp" --top-module "$top" --prefix "V$top" \
		"$@" >"$tmp/verilator.log" 2>&1 || { cat "$tmp/verilator.log"; exit 1; }
	# Under a parallel make (recipe marked +) share its job slots; else use two.
	jobs=-j2
	case " ${MAKEFLAGS:-} " in *jobserver*) jobs= ;; esac
	make -s -C "$tmp" -f "V$top.mk" $jobs OPT_FAST="-O2" OPT_SLOW="-O1" \
		"V${top}__ALL.a" verilated.o verilated_threads.o >"$tmp/make.log" 2>&1 ||
		{ tail -n 50 "$tmp/make.log"; exit 1; }
	( cd "$tmp" && cp "V${top}__ALL.a" "libV$top.a" &&
		ar rcs "libV$top.a" verilated.o verilated_threads.o )
	touch "$tmp/done"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	trap - EXIT
	echo "verilate: $top $name built in $(( $(date +%s) - start )) s"
fi
mkdir -p "$(dirname "$stamp")"
echo "$dir" >"$stamp.tmp" && mv "$stamp.tmp" "$stamp"
