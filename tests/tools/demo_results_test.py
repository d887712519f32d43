#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The demo's result checks (tools/demo_results.py, used by tools/fashion_demo.py) fail
when a comparison differs: a flipped bit in one logit, another dtype or shape, a card run
whose output did not come back, and the verdict then names the failed check and exits
non-zero. The demo itself is not a test (it runs minutes); this is its cheap part.
Suite tools (scripts/check-tools.sh; Documentation/models.rst, "The demo").
"""
import base64
import io
import json
import os
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "tests", "model"))

import demo_results  # noqa: E402
import oracle  # noqa: E402


def npy_bytes(a):
    f = io.BytesIO()
    np.save(f, a)
    return f.getvalue()


def flip(a, index, bit=0):
    """A copy of A with one bit of element INDEX (flat) flipped."""
    b = np.array(a, copy=True)
    u = b.view(np.uint8).reshape(-1, b.itemsize)
    u[index, bit // 8] ^= np.uint8(1 << (bit % 8))
    return b


def guest_report(runs, prefix="     | "):
    """Text as fpq-vm reports tools/demo_guest.sh's output: {variant: (json, npy bytes)}."""
    lines = []
    for i, (v, (summary, data)) in enumerate(runs.items()):
        lines.append("ok   [%03d] demo_guest.sh /usr/local/share/fpq-demo %s (exit 0, 1.00 s)" % (i + 2, v))
        body = ["fpq-demo-card BEGIN json " + v, json.dumps(summary), "fpq-demo-card END json " + v,
                "fpq-demo-card BEGIN logits " + v]
        enc = base64.b64encode(data).decode()
        body += [enc[k:k + 76] for k in range(0, len(enc), 76)]
        body.append("fpq-demo-card END logits " + v)
        lines += [prefix + b for b in body]
    return "\n".join(lines) + "\n"


def main():
    res = oracle.Results()
    rng = np.random.default_rng(15)
    logits = rng.standard_normal((32, 10)).astype(np.float32)
    labels = np.argmax(logits, axis=1).astype(np.uint8)
    labels[:3] = (labels[:3] + 1) % 10
    summary = {"backend": "card", "run_ms": 51000.0,
               "layers": [{"name": "a", "device_cycles": 1000}, {"name": "b", "device_cycles": 234},
                          {"name": "c", "device_cycles": 0}]}

    with tempfile.TemporaryDirectory() as d:
        cpu = os.path.join(d, "cpu.npy")
        np.save(cpu, logits)
        same = os.path.join(d, "same.npy")
        np.save(same, logits.copy())

        # ---- same_bytes ----
        eq, _ = demo_results.same_bytes(cpu, same)
        res.check(eq, "same_bytes: equal files are equal", "it says they differ")
        for index, bit in ((0, 0), (173, 31), (319, 7)):
            bad = os.path.join(d, "flip.npy")
            np.save(bad, flip(logits, index, bit))
            eq, detail = demo_results.same_bytes(cpu, bad)
            want = "[%d, %d]" % divmod(index, 10)
            res.check(not eq and "1 of 320 values differ" in detail and want in detail,
                      "same_bytes: bit %d of logit %d flipped is a difference, named" % (bit, index),
                      "equal=%s, %s" % (eq, detail))
        zero = np.zeros((1, 10), np.float32)
        eq, detail = demo_results.same_bytes(zero, np.negative(zero))
        res.check(not eq, "same_bytes: +0 and -0 differ", detail)
        eq, detail = demo_results.same_bytes(logits, logits.astype(np.float64))
        res.check(not eq and "dtype" in detail, "same_bytes: another dtype differs", detail)
        eq, detail = demo_results.same_bytes(logits, logits.reshape(10, 32))
        res.check(not eq and "shape" in detail, "same_bytes: another shape differs", detail)

        # ---- correct ----
        res.check(demo_results.correct(logits, labels) == 29, "correct: counts argmax = label",
                  "counted %d, not 29" % demo_results.correct(logits, labels))

        # ---- the card runs as the VM reports them ----
        text = guest_report({"int8-tensor": (summary, npy_bytes(logits)),
                             "int8-channel": (summary, npy_bytes(flip(logits, 42)))})
        runs = demo_results.card_runs(text)
        res.check(sorted(runs) == ["int8-channel", "int8-tensor"] and
                  runs["int8-tensor"]["logits"] == npy_bytes(logits) and runs["int8-tensor"]["json"] == summary,
                  "card_runs: reads both runs' summaries and output bytes from fpq-vm's report", repr(runs)[:300])
        res.check(demo_results.card_runs(guest_report({"x": (summary, npy_bytes(logits))}, prefix="")).keys() ==
                  {"x"}, "card_runs: reads the script's own output (a machine with a card)", "not read")
        cut = "\n".join(l for l in text.splitlines() if l != "     | fpq-demo-card END logits int8-channel")
        res.check("logits" not in demo_results.card_runs(cut).get("int8-channel", {}),
                  "card_runs: an output whose end marker is missing is not taken", "it was taken")

        checks = demo_results.Checks()
        good = demo_results.card_checks(checks, "int8-tensor", runs["int8-tensor"], cpu, same, labels)
        line, status = checks.verdict()
        res.check(status == 0 and line == "demo: all result checks passed" and good["card_cycles"] == 1234 and
                  good["card_correct"] == 29, "card_checks: an equal run passes every check (cycles summed: 1234)",
                  "%s / %r" % (line, good))

        # The flipped logit of the per-channel run: the card differs from the CPU and ORT.
        demo_results.card_checks(checks, "int8-channel", runs["int8-channel"], cpu, same, labels)
        line, status = checks.verdict()
        res.check(status == 1 and line.startswith("demo: FAILED 2 of 8 result checks") and
                  "int8-channel: the card's logits equal the CPU's" in line and
                  "int8-channel: the card's logits equal ORT's" in line and "int8-tensor" not in line,
                  "card_checks: a flipped byte on the card fails both comparisons, and the verdict names them", line)

        # A flipped byte between fpq's CPU logits and ORT's (the 10,000-image comparison).
        checks = demo_results.Checks()
        bad = os.path.join(d, "ort.npy")
        np.save(bad, flip(logits, 5, 22))
        checks.add("int8 per tensor: fpq-run's logits on the CPU equal ORT's", *demo_results.same_bytes(cpu, bad))
        line, status = checks.verdict()
        res.check(status == 1 and "fpq-run's logits on the CPU equal ORT's" in line and "[0, 5]" in line,
                  "verdict: a CPU-against-ORT difference fails the demo and says where", line)

        # A run that did not come back, a run on the CPU, a run without cycles.
        checks = demo_results.Checks()
        demo_results.card_checks(checks, "lost", {}, cpu, same, labels)
        cpu_run = dict(runs["int8-tensor"], json=dict(summary, backend="cpu",
                                                      layers=[{"device_cycles": 0}]))
        demo_results.card_checks(checks, "on-cpu", cpu_run, cpu, same, labels)
        failed = [n for n, _ in checks.failed()]
        res.check(failed == ["lost: fpq-run ran on the card and its output came back", "on-cpu: ran on the card backend",
                             "on-cpu: the card counted its cycles"],
                  "card_checks: a lost run, a CPU run and zero cycles each fail", repr(failed))
        res.check(demo_results.Checks().verdict()[1] == 1, "verdict: nothing checked is a failure", "it passed")

        # ---- fpq-vm's report of the other commands ----
        vm = ("ok   [001] rmmod fpq (exit 0, 0.10 s)\n"
              "FAIL [004] fpq-demo --windows 16 --quiet (exit 1, 3.00 s)\n     | int8 x int8 147456 yes NO\n"
              "ok   vm: booted, card process healthy, kernel log clean\n")
        rc, out = demo_results.vm_command(vm, "fpq-demo ")
        res.check(rc == 1 and out == "int8 x int8 147456 yes NO", "vm_command: a guest command's status and output",
                  "%r %r" % (rc, out))
        rc, out = demo_results.vm_command(vm, "nothing")
        res.check(rc is None, "vm_command: a command that is not there has no status", repr(rc))
    return res.report()


if __name__ == "__main__":
    sys.exit(main())
