#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Generates the model suite's test models and inputs into OUTDIR, with OUTDIR/cases.json
listing them (tests/model/case.py says what an entry holds).

Usage: gen_models.py OUTDIR [--only SUBSTRING]

Deterministic: the same sources write the same models and inputs.
"""
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from case import write_manifest  # noqa: E402
from cnn_case import cnn_cases  # noqa: E402
from op_cases import all_cases  # noqa: E402


def main():
    if (len(sys.argv) not in (2, 4) or sys.argv[1].startswith("-") or
            (len(sys.argv) == 4 and sys.argv[2] != "--only")):
        sys.exit("usage: gen_models.py OUTDIR [--only SUBSTRING]")
    out = sys.argv[1]
    only = sys.argv[3] if len(sys.argv) == 4 else None
    start = time.time()
    cases = [c for c in all_cases() + cnn_cases() if only is None or only in c.name]
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    write_manifest(out, cases)
    forms = {}
    for c in cases:
        forms[c.form] = forms.get(c.form, 0) + 1
    print("gen_models: %d cases (%s) in %s, %.1f s" % (
        len(cases), ", ".join("%s %d" % kv for kv in sorted(forms.items())), out, time.time() - start))


if __name__ == "__main__":
    main()
