#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Tests of the model suite's own machinery, so that a comparison that cannot fail does
not pass for one that succeeded: compare_npy() on planted differences, the CPU-flag
logic, and ort_compare_test.py end to end with a stand-in fpq-run (fake_fpq_run.py) that
answers with ORT's outputs (must pass) or flips one bit (must fail).

Usage: oracle_test.py WORKDIR      (ORT_NODE_DIR as for ort_compare_test.py; NPY_CMP names
tests/model/npy_cmp.c's program, checked on the same planted differences)
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import oracle  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def compare_cases(work, res):
    d = os.path.join(work, "compare")
    os.makedirs(d, exist_ok=True)

    def save(name, a):
        p = os.path.join(d, name + ".npy")
        np.save(p, a)
        return p

    base = np.array([[1.0, -0.0, 2.5], [np.nan, 3.0, -7.25]], np.float32)
    want = save("want", base)
    close = {"mode": "close", "rtol": 1e-4, "atol": 1e-5}
    nudged = base.copy()
    nudged[0, 2] = np.nextafter(nudged[0, 2], np.float32(10))
    zero = base.copy()
    zero[0, 1] = 0.0
    payload = base.copy().view(np.uint32)
    payload[1, 0] ^= 1
    far = base.copy()
    far[1, 2] = -7.25 * (1 + 3e-4)
    cases = [
        ("identical is equal", base, "exact", True),
        ("one ulp is not equal", nudged, "exact", False),
        ("one ulp is close", nudged, close, True),
        ("+0 is not -0", zero, "exact", False),
        ("+0 is close to -0", zero, close, True),
        ("another NaN payload is not equal", payload.view(np.float32), "exact", False),
        ("beyond rtol is not close", far, close, False),
        ("another dtype is not equal", base.astype(np.float64), "exact", False),
        ("another dtype is not close", base.astype(np.float64), close, False),
        ("another shape is not equal", base.reshape(3, 2), "exact", False),
    ]
    npy_cmp = os.environ.get("NPY_CMP", "")
    for what, arr, mode, expect in cases:
        got = save("got", arr)
        ok, msg, _, _ = oracle.compare_npy(got, want, mode)
        res.check(ok == expect, "compare: " + what, "compare_npy said %s (%s)" % (ok, msg))
        if mode == "exact" and npy_cmp:
            # The C comparison the VM's guest uses must agree on every exact case.
            p = subprocess.run([npy_cmp, got, want], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            res.check(p.returncode == (0 if expect else 1), "npy_cmp: " + what,
                      "exit %d: %s" % (p.returncode, p.stdout.strip()))
    ok, msg, _, _ = oracle.compare_npy(os.path.join(d, "missing.npy"), want, "exact")
    res.check(not ok and "no output" in msg, "compare: a missing output fails", msg)
    if npy_cmp:
        p = subprocess.run([npy_cmp, os.path.join(d, "missing.npy"), want], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        res.check(p.returncode == 2, "npy_cmp: a missing output is an error", "exit %d" % p.returncode)
    else:
        res.skip("npy_cmp", "NPY_CMP is not set")
    ints = save("ints", np.arange(-5, 5, dtype=np.int8))
    ok, msg, n, b = oracle.compare_npy(ints, ints, "exact")
    res.check(ok and n == 10 and b == 10, "compare: counts elements and bytes", "%s %d %d" % (ok, n, b))


def flag_cases(res):
    skylake = {"avx2", "fma", "avx512f", "avx512dq", "avx512bw", "avx512vl"}
    checks = [
        ("AVX-512 without VNNI runs avx2 and scalar", oracle.host_isas(skylake), ["avx2", "scalar"]),
        ("AVX-512 with VNNI and VBMI runs avx512",
         oracle.host_isas(skylake | {"avx512_vnni", "avx512vbmi"})[0], "avx512"),
        ("AVX-VNNI runs avxvnni", oracle.host_isas({"avx2", "fma", "avx_vnni"}), ["avxvnni", "avx2", "scalar"]),
        ("no VNNI asks ORT for x64quantprecision",
         oracle.ort_config_for_host({}, True, skylake), {"session.x64quantprecision": "1"}),
        ("VNNI keeps ORT's defaults", oracle.ort_config_for_host({}, True, {"avx512_vnni"}), {}),
        ("float models keep ORT's defaults", oracle.ort_config_for_host({}, False, skylake), {}),
    ]
    for what, got, want in checks:
        res.check(got == want, "flags: " + what, "got %r, expected %r" % (got, want))


def refusal_cases(res):
    listed = [("qgemm_float_out_*", "float output (no y_scale) is not supported", "QGemm with a float output")]
    refused = "fpq-run exited 1: fpq-run: m.onnx: model: node 'n' (QGemm): float output (no y_scale) is not supported"
    checks = [
        ("a listed refusal is a skip", oracle.listed_refusal(listed, "qgemm_float_out_u8", [refused, refused]), True),
        ("another message is not", oracle.listed_refusal(listed, "qgemm_float_out_u8", [refused, "Segmentation fault"]),
         False),
        ("another case is not", oracle.listed_refusal(listed, "qgemm_transb_u8_pc", [refused]), False),
        ("no failure is no refusal", oracle.listed_refusal(listed, "qgemm_float_out_u8", []), False),
    ]
    for what, got, want in checks:
        res.check((got is not None) == want, "refusals: " + what, "got %r" % (got,))
    res.check(len(oracle.read_refusals()) > 0, "refusals: fpq_refusals.list reads", "empty")


def end_to_end(work, res):
    cases = os.path.join(work, "cases")
    subprocess.run([sys.executable, os.path.join(HERE, "gen_models.py"), cases, "--only", "ties_exact_1x1"],
                   check=True, stdout=subprocess.DEVNULL)
    fake = os.path.join(HERE, "fake_fpq_run.py")
    for corrupt, expect_rc, what in (("0", 0, "ORT's own outputs pass"), ("1", 1, "one flipped bit fails")):
        env = dict(os.environ, FPQ_RUN=fake, FAKE_FPQ_CORRUPT=corrupt, FPQ_ISAS="avx2 scalar")
        p = subprocess.run([sys.executable, os.path.join(HERE, "ort_compare_test.py"), cases, "--subset"], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        last = [line for line in p.stdout.splitlines() if line.startswith("RESULT:")]
        fails = sum(1 for line in p.stdout.splitlines() if line.startswith("FAIL fpq:"))
        good = p.returncode == expect_rc and last and (fails == 0 if expect_rc == 0 else fails == 4)
        res.check(good, "end to end: " + what, "exit %d, %d fpq failures, %s" % (
            p.returncode, fails, last[-1] if last else p.stdout[-800:]))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: oracle_test.py WORKDIR")
    work = sys.argv[1]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    res = oracle.Results()
    compare_cases(work, res)
    flag_cases(res)
    refusal_cases(res)
    end_to_end(work, res)
    return res.report()


if __name__ == "__main__":
    sys.exit(main())
