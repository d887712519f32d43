#!/bin/sh
# SPDX-License-Identifier: MIT
# get-onnxruntime.sh - install ONNX Runtime (MIT; the npm package onnxruntime-node, whose
# CPU shared library is inside the package) at a pinned version, the oracle that the
# model suite compares libfpq with. Usage: scripts/get-onnxruntime.sh [DIR]
# (default /var/cache/fpq/onnxruntime-VERSION). Prints the package directory on stdout.
# Idempotent: a complete install is recognised by its stamp and left alone.
set -eu

version=1.30.0
# The registry's sha512 integrity of the two packages the oracle runs: npm checks every
# tarball against the lock it writes; this script checks the lock against these pins, so
# a different registry answer cannot slip in under the same version number.
node_integrity=sha512-twhs1C2C/BFkz1yc5OY0KIU2GUq6DURO7hD4bx5Q2Qy3nAMJwRXW8xU3NVczE29VA9lolLOYepoD8fjTGOfIqw==
common_integrity=sha512-7fdVWjAID1dVhH/G8qK3APARunV4VkBFoCQAP7qp4Wkab0mrorvmc+sqiT+mKXOzDqdjN5j+/Z9nb4gzNPWcyA==

dir=${1:-/var/cache/fpq/onnxruntime-$version}
pkg=$dir/node_modules/onnxruntime-node
lib=$pkg/bin/napi-v6/linux/x64/libonnxruntime.so.1
stamp=$dir/.fpq-installed

if [ -f "$stamp" ] && [ -f "$lib" ]; then
	echo "$pkg"
	exit 0
fi
for tool in node npm; do
	command -v "$tool" >/dev/null ||
		{ echo "get-onnxruntime: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done

# Install into a scratch directory beside the target and move it into place at the end,
# so an interrupted run never leaves a half-installed directory that looks complete.
parent=$(dirname "$dir")
mkdir -p "$parent"
tmp=$(mktemp -d "$parent/.onnxruntime-tmp.XXXXXX")
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
printf '{ "name": "fpq-onnxruntime", "private": true }\n' > "$tmp/package.json"
# --ignore-scripts: the package's install script downloads GPU providers; the CPU
# library the oracle needs is already in the tarball.
(cd "$tmp" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
	"onnxruntime-node@$version" >&2)

check_pin() { # package integrity
	got=$(node -e 'const l = require(process.argv[1]); const p = l.packages["node_modules/" + process.argv[2]];
		process.stdout.write(p ? p.version + " " + p.integrity : "missing")' "$tmp/package-lock.json" "$1")
	if [ "$got" != "$version $2" ]; then
		echo "get-onnxruntime: $1 is '$got', expected '$version $2'" >&2
		exit 1
	fi
}
check_pin onnxruntime-node "$node_integrity"
check_pin onnxruntime-common "$common_integrity"
[ -f "$tmp/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1" ] ||
	{ echo "get-onnxruntime: no linux/x64 library in onnxruntime-node@$version" >&2; exit 1; }
# Other platforms' libraries: 245 MB nobody here loads.
find "$tmp/node_modules/onnxruntime-node/bin/napi-v6" -mindepth 2 -maxdepth 2 -type d \
	! -path '*/linux/x64' -exec rm -rf {} +
# The binding must load here (a missing system library would show now, not in a test).
(cd "$tmp" && node -e 'require("onnxruntime-node")') ||
	{ echo "get-onnxruntime: onnxruntime-node@$version does not load" >&2; exit 1; }
date -u +%Y-%m-%dT%H:%M:%SZ > "$tmp/.fpq-installed"
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
echo "get-onnxruntime: onnxruntime-node@$version in $pkg" >&2
echo "$pkg"
