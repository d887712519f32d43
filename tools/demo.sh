#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job (make demo): the Fashion-MNIST inspection CNN in fp32 and INT8, on this
# machine's CPU, in ONNX Runtime and on the fpq card, compared byte for byte, timed and
# plotted (tools/fashion_demo.py; Documentation/models.rst, "The demo").
#
# With a real card and fpq.ko loaded the card part runs here, on the card. Otherwise the
# card is the Verilated RTL: a QEMU VM boots Debian's 6.1 kernel, loads fpq.ko, and runs
# fpq-run --device card inside on the first CARD_IMAGES test images (the simulated card is
# ~10^4 times slower than a real one; the driver's job timeout is raised there).
#   tools/demo.sh BUILD_DIR [CARD_IMAGES]
set -euo pipefail
b=$1
images=${2:-64}
exec /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/fashion_demo.py" --build "$b" --card-images "$images"
