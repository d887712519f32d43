#!/bin/sh
# SPDX-License-Identifier: MIT
# get-ggml.sh - fetch a prebuilt ggml (MIT; the CPU libraries of node-llama-cpp's Linux
# x64 package, from the npm registry) for fpq-cpubench's peer comparison. Not needed to
# build or test fpq. Usage: tools/get-ggml.sh [DIR]   (default /var/cache/fpq/ggml)
set -eu

pkg=@node-llama-cpp/linux-x64
version=3.22.1
dir=${1:-/var/cache/fpq/ggml}
libs=$dir/package/bins/linux-x64

if [ -f "$libs/libggml-base.so" ]; then
	echo "get-ggml: $libs already there"
	exit 0
fi
command -v npm >/dev/null || { echo "get-ggml: npm is missing (apt-get install npm)" >&2; exit 1; }
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# npm pack checks the tarball against the registry's integrity hash.
(cd "$tmp" && npm pack --silent "$pkg@$version" >/dev/null)
tar -xzf "$tmp"/*.tgz -C "$dir"
[ -f "$libs/libggml-base.so" ] || { echo "get-ggml: no libggml-base.so in $pkg@$version" >&2; exit 1; }
echo "get-ggml: $pkg@$version in $libs; run build/fpq-cpubench"
