#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Verilate fpq_array in one configuration into a static library, cached outside the
# checkout so that a second build on this machine is instant.
#   verilator/array/verilate.sh NAME STAMP [verilator arguments and sources...]
# The cache is /var/cache/fpq/array-NAME-<hash> ($FPQ_CACHE overrides the root; an
# unwritable root falls back to the directory of STAMP). The hash covers the Verilator
# version, this script, the arguments and the contents of every argument that is a file.
# The directory holds libVfpq_array.a (model and Verilator runtime) and the headers;
# STAMP receives its path for the Makefile.
set -euo pipefail
name=$1 stamp=$2
shift 2
cache_root=${FPQ_CACHE:-/var/cache/fpq}
if ! mkdir -p "$cache_root" 2>/dev/null || [ ! -w "$cache_root" ]; then
	cache_root=$(dirname "$stamp")/cache
	mkdir -p "$cache_root"
fi
hash=$( {
	verilator --version
	sha256sum <"$0"
	printf '%s\n' "$@"
	for a in "$@"; do
		if [ -f "$a" ]; then sha256sum <"$a"; fi
	done
} | sha256sum | cut -c1-16)
dir=$cache_root/array-$name-$hash
if [ ! -f "$dir/done" ]; then
	echo "verilate: building fpq_array $name into $dir"
	start=$(date +%s)
	tmp=$(mktemp -d "$cache_root/.array-$name-XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	verilator --cc -Mdir "$tmp" --top-module fpq_array --prefix Vfpq_array \
		"$@" >"$tmp/verilator.log" 2>&1 || { cat "$tmp/verilator.log"; exit 1; }
	make -s -C "$tmp" -f Vfpq_array.mk -j2 OPT_FAST="-O2" OPT_SLOW="-O1" \
		Vfpq_array__ALL.a verilated.o verilated_threads.o >"$tmp/make.log" 2>&1 ||
		{ tail -n 50 "$tmp/make.log"; exit 1; }
	( cd "$tmp" && cp Vfpq_array__ALL.a libVfpq_array.a &&
		ar rcs libVfpq_array.a verilated.o verilated_threads.o )
	touch "$tmp/done"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	trap - EXIT
	echo "verilate: fpq_array $name built in $(( $(date +%s) - start )) s"
fi
mkdir -p "$(dirname "$stamp")"
echo "$dir" >"$stamp.tmp" && mv "$stamp.tmp" "$stamp"
