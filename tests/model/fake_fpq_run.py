#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A stand-in for fpq-run in tests/model/oracle_test.py: the same command line, answered by
ONNX Runtime (so its outputs equal the oracle's), or with one bit of one output flipped
when FAKE_FPQ_CORRUPT=1 - the comparison must then fail.

Usage: fake_fpq_run.py MODEL [--input NAME=FILE.npy ...] --output-dir DIR [--device cpu|card]
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.realpath(__file__))


def main():
    args = sys.argv[1:]
    model, out_dir, inputs, device = None, None, [], "cpu"
    i = 0
    while i < len(args):
        if args[i] == "--input":
            inputs += ["--input", args[i + 1]]
            i += 2
        elif args[i] == "--output-dir":
            out_dir = args[i + 1]
            i += 2
        elif args[i] == "--device":
            device = args[i + 1]
            if device not in ("cpu", "card"):
                sys.exit("fake fpq-run: --device cpu or card")
            i += 2
        else:
            model = args[i]
            i += 1
    if not model or not out_dir:
        sys.exit("fake fpq-run: MODEL and --output-dir are needed")
    if device == "cpu" and os.environ.get("FPQ_CPU_ISA") not in ("avx512", "avxvnni", "avx2", "scalar"):
        sys.exit("fake fpq-run: FPQ_CPU_ISA is %r" % os.environ.get("FPQ_CPU_ISA"))
    subprocess.run(["node", os.path.join(HERE, "ort_run.mjs"), model, "--output-dir", out_dir, "--threads", "1"] + inputs,
                   check=True, stdout=subprocess.DEVNULL)
    if os.environ.get("FAKE_FPQ_CORRUPT") == "1":
        first = sorted(os.listdir(out_dir))[0]
        with open(os.path.join(out_dir, first), "r+b") as f:
            f.seek(-1, os.SEEK_END)
            b = f.read(1)
            f.seek(-1, os.SEEK_END)
            f.write(bytes([b[0] ^ 1]))


if __name__ == "__main__":
    main()
