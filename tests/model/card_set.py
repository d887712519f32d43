#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The models the co-simulation VM runs on the card: a few of the generated cases and the
whole CNN, with ONNX Runtime's outputs computed here on the host, packed into one tar for
the guest (tests/model/card_compare.sh unpacks and compares them there).

Usage: card_set.py OUTDIR CASE...        (ORT_NODE_DIR as for ort_compare_test.py)

OUTDIR/card-set.tar holds fpq-model/CASE/ with model.onnx, in_NAME.npy (the first input
set), want_OUTPUT.npy (ORT's outputs) and args (fpq-run's --input options).
"""
import os
import shutil
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import oracle  # noqa: E402
from cnn_case import cnn_cases  # noqa: E402
from op_cases import all_cases  # noqa: E402


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: card_set.py OUTDIR CASE...")
    out, names = sys.argv[1], sys.argv[2:]
    by_name = {c.name: c for c in all_cases() + cnn_cases()}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        sys.exit("card_set.py: no case %s" % " ".join(unknown))
    shutil.rmtree(out, ignore_errors=True)
    stage = os.path.join(out, "fpq-model")
    os.makedirs(stage)
    jobs = []
    for n in names:
        c = by_name[n]
        d = os.path.join(stage, n)
        os.makedirs(d)
        with open(os.path.join(d, "model.onnx"), "wb") as f:
            f.write(c.model.SerializeToString())
        feeds = {}
        for k, v in c.inputs.items():
            feeds[k] = os.path.join(d, "in_%s.npy" % k)
            np.save(feeds[k], v)
        with open(os.path.join(d, "args"), "w") as f:
            f.write(" ".join("--input %s=in_%s.npy" % (k, k) for k in c.inputs) + "\n")
        config = oracle.ort_config_for_host(c.config, c.form != "float")
        jobs.append({"id": n, "model": os.path.join(d, "model.onnx"), "inputs": feeds,
                     "output_dir": os.path.join(out, "ort", n), "config": config, "threads": 1})
    reports = oracle.run_ort_batch(jobs, out)
    for n in names:
        r = reports.get(n)
        if not r or not r.get("ok"):
            sys.exit("card_set.py: ORT failed on %s: %s" % (n, r.get("error") if r else "no report"))
        for o in r["outputs"]:
            shutil.copy(o["file"], os.path.join(stage, n, "want_%s.npy" % o["name"]))
    with tarfile.open(os.path.join(out, "card-set.tar"), "w") as t:
        t.add(stage, arcname="fpq-model")
    print("card_set.py: %d cases, ORT's outputs, in %s" % (len(names), os.path.join(out, "card-set.tar")))


if __name__ == "__main__":
    main()
