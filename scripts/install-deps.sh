#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what fpq's build, tests and demo need on Debian 12. Idempotent and quiet:
# installs only the packages that are missing, prints one line when it does.
set -euo pipefail

packages=(
	build-essential make gcc g++ gcc-multilib pkg-config python3 bc flex bison libelf-dev libssl-dev
	cpio kmod xz-utils zstd dwarves groff-base python3-docutils
	libgemmlowp-dev libdnnl-dev libdrm-dev libgmp-dev libmpfr-dev
	libprotobuf-c-dev protobuf-c-compiler libonnx-dev clang
	verilator yosys
	qemu-system-x86 busybox-static
	linux-image-amd64 linux-headers-amd64 linux-source-6.1 sparse
	linux-image-6.12-amd64 linux-headers-6.12-amd64 linux-source-6.12
	python3-numpy python3-onnx libonnx-testdata nodejs
)
# npm runs scripts/get-onnxruntime.sh (and tools/get-ggml.sh). A Node.js that carries its
# own npm (NodeSource's nodejs provides and conflicts with Debian's npm) needs no package.
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	if [[ "$status" != *"ok installed"* ]]; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
