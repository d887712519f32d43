# SPDX-License-Identifier: MIT
"""The demo's result checks (tools/fashion_demo.py; Documentation/models.rst, "The demo"):
comparing two outputs byte for byte, reading what the card run printed, and the verdict
the demo ends with. Kept apart from the demo so that a test can feed it differences
(tests/tools/demo_results_test.py).
"""
import base64
import io
import json
import re

import numpy as np


def load_npy(src):
    """A .npy file's array: SRC is a path or the file's bytes."""
    if isinstance(src, (bytes, bytearray)):
        return np.load(io.BytesIO(bytes(src)), allow_pickle=False)
    return np.load(src, allow_pickle=False)


def same_bytes(a, b):
    """(equal, detail): whether two outputs (paths, file bytes or arrays) hold the same
    dtype, shape and bytes; the detail says where they first differ."""
    a = a if isinstance(a, np.ndarray) else load_npy(a)
    b = b if isinstance(b, np.ndarray) else load_npy(b)
    if a.dtype != b.dtype:
        return False, "dtype %s against %s" % (a.dtype, b.dtype)
    if a.shape != b.shape:
        return False, "shape %s against %s" % (list(a.shape), list(b.shape))
    ab, bb = a.tobytes(), b.tobytes()
    if ab == bb:
        return True, "%d of %d values equal" % (a.size, a.size)
    ua = np.frombuffer(ab, np.uint8).reshape(-1, a.itemsize)
    ub = np.frombuffer(bb, np.uint8).reshape(-1, b.itemsize)
    diff = np.flatnonzero((ua != ub).any(axis=1))
    first = np.unravel_index(int(diff[0]), a.shape)
    return False, "%d of %d values differ, the first at %s: %r against %r" % (
        diff.size, a.size, list(int(i) for i in first), a[first], b[first])


def correct(logits, labels):
    """How many rows' argmax is the label."""
    return int((np.argmax(logits.reshape(len(labels), -1), axis=1) == labels).sum())


def card_runs(text):
    """What tools/demo_guest.sh printed, found in TEXT (fpq-vm's report, whose lines carry
    a '     | ' prefix, or the script's own output): {variant: {"json": fpq-run's --json
    summary, "logits": the output .npy's bytes}}. A run whose markers are incomplete or
    whose contents do not parse is left out, so a check on it fails."""
    runs, cur, kind, buf = {}, None, None, []
    for line in text.splitlines():
        line = line.split("| ", 1)[1] if line.startswith("     | ") else line
        line = line.rstrip("\r")
        if line.startswith("fpq-demo-card BEGIN "):
            _, _, kind, cur = line.split(" ", 3)
            buf = []
        elif line.startswith("fpq-demo-card END ") and cur is not None:
            if line.split(" ", 3)[2:] == [kind, cur]:
                entry = runs.setdefault(cur, {})
                try:
                    if kind == "json":
                        entry["json"] = json.loads("\n".join(buf))
                    elif kind == "logits":
                        entry["logits"] = base64.b64decode("".join(buf), validate=True)
                except ValueError:
                    pass
            cur = None
        elif cur is not None:
            buf.append(line)
    return runs


def card_cycles(summary):
    """The card cycles of one fpq-run --json --profile summary: the sum over its layers."""
    return sum(int(layer.get("device_cycles", 0)) for layer in summary.get("layers", []))


def card_checks(checks, what, run, cpu_logits, ort_logits, labels):
    """The checks on one model's card run RUN (an entry of card_runs()) against the CPU's
    and ORT's logits of the same images (.npy paths or bytes): it ran on the card, counted
    cycles, and its bytes equal both. Returns what the report prints."""
    if "json" not in run or "logits" not in run:
        checks.add(what + ": fpq-run ran on the card and its output came back", False, "no output")
        return {}
    logits = load_npy(run["logits"])
    r = {"card_correct": correct(logits, labels) if logits.size == len(labels) * 10 else 0,
         "card_cycles": card_cycles(run["json"]), "card_run_ms": float(run["json"].get("run_ms", 0)),
         "card_backend": run["json"].get("backend", "?"),
         "card_eq_cpu": same_bytes(logits, cpu_logits),
         "card_eq_ort": same_bytes(logits, ort_logits) if ort_logits is not None else None}
    checks.add(what + ": ran on the card backend", r["card_backend"] == "card", "backend %s" % r["card_backend"])
    checks.add(what + ": the card's logits equal the CPU's", *r["card_eq_cpu"])
    if ort_logits is not None:   # None: a model ORT cannot run (MX)
        checks.add(what + ": the card's logits equal ORT's", *r["card_eq_ort"])
    checks.add(what + ": the card counted its cycles", r["card_cycles"] > 0, "0 cycles")
    return r


class Checks:
    """The demo's checks: each a name and whether it held; the verdict names the ones
    that did not."""

    def __init__(self):
        self.items = []

    def add(self, name, passed, detail=""):
        self.items.append((name, bool(passed), detail))
        return bool(passed)

    def failed(self):
        return [(n, d) for n, p, d in self.items if not p]

    def verdict(self):
        """(final line, exit status)."""
        bad = self.failed()
        if not self.items:
            return "demo: FAILED: no result was checked", 1
        if not bad:
            return "demo: all result checks passed", 0
        return "demo: FAILED %d of %d result checks: %s" % (
            len(bad), len(self.items), "; ".join(n + (" (%s)" % d if d else "") for n, d in bad)), 1


VM_STATUS = re.compile(r"^(ok  |SKIP|FAIL) \[(\d+)\] (.*) \((exit (\d+)|no exit status), [^)]*\)$")


def vm_command(text, prefix):
    """(exit status or None, output) of the first guest command starting with PREFIX in
    fpq-vm's report TEXT; (None, "") when it is not there."""
    found, out = None, []
    for line in text.splitlines():
        m = VM_STATUS.match(line)
        if m:
            if found is not None:
                break
            if m.group(3).startswith(prefix):
                found = int(m.group(5)) if m.group(5) is not None else -1
            continue
        if found is not None and line.startswith("     | "):
            out.append(line[7:])
        elif found is not None:
            break
    return (found if found != -1 else None), "\n".join(out)
