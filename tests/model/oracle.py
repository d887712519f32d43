# SPDX-License-Identifier: MIT
"""What the model suite's test programs share: running ONNX Runtime (ort_run.mjs) on many
models in one process, running fpq-run on each CPU kernel set, comparing .npy outputs, the
host's CPU flags, and the harness's result lines.
"""
import fnmatch
import json
import os
import subprocess
import sys

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
ORT_RUN = os.path.join(HERE, "ort_run.mjs")

# libfpq's CPU kernel sets, best first, and the /proc/cpuinfo flags each needs
# (lib/cpu/isa.c checks the same features through cpuid).
ISA_FLAGS = {
    "avx512": ["avx2", "fma", "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512_vnni", "avx512vbmi"],
    "avxvnni": ["avx2", "fma", "avx_vnni"],
    "avx2": ["avx2", "fma"],
    "scalar": [],
}


REFUSALS = os.path.join(HERE, "fpq_refusals.list")


def read_refusals(path=REFUSALS):
    """[(pattern, text, reason)] of fpq_refusals.list."""
    out = []
    with open(path) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3 or not all(parts):
                sys.exit("%s: malformed line %r" % (path, line))
            out.append(tuple(parts))
    return out


def listed_refusal(refusals, name, messages):
    """The reason when every one of MESSAGES (fpq-run's failures on case NAME) is the
    refusal listed for it, else None."""
    for pattern, text, reason in refusals:
        if fnmatch.fnmatchcase(name, pattern):
            if messages and all(text in m for m in messages):
                return "fpq-run refuses it (%s): %s" % (text, reason)
            return None
    return None


def listed(refusals, name):
    return any(fnmatch.fnmatchcase(name, p) for p, _, _ in refusals)


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def host_isas(flags=None):
    flags = cpu_flags() if flags is None else flags
    return [isa for isa, need in ISA_FLAGS.items() if all(f in flags for f in need)]


def has_vnni(flags=None):
    flags = cpu_flags() if flags is None else flags
    return "avx512_vnni" in flags or "avx_vnni" in flags


def ort_config_for_host(config, quantized, flags=None):
    """ORT's U8S8 kernels saturate (vpmaddubsw) on x86 CPUs without VNNI: there the exact
    U8U8 path is asked for with session.x64quantprecision=1 (Documentation/models.rst)."""
    config = dict(config)
    if quantized and not has_vnni(flags):
        config["session.x64quantprecision"] = "1"
    return config


class Results:
    """Counts and lines in the form tests/common/harness.h prints."""

    def __init__(self):
        self.passed = self.failed = self.skipped = 0

    def ok(self, name, detail=""):
        self.passed += 1
        print("ok   %s%s" % (name, "  " + detail if detail else ""), flush=True)

    def fail(self, name, why):
        self.failed += 1
        print("FAIL %s\n  %s" % (name, why.replace("\n", "\n  ")), flush=True)

    def check(self, cond, name, why):
        """A pass, or a failure explained by WHY."""
        if cond:
            self.ok(name)
        else:
            self.fail(name, why)

    def skip(self, name, why):
        self.skipped += 1
        print("SKIP %s\n  skip: %s" % (name, why), flush=True)

    def report(self):
        print("RESULT: passed=%d failed=%d skipped=%d" % (self.passed, self.failed, self.skipped), flush=True)
        return 1 if self.failed else 0


def ort_node_dir():
    d = os.environ.get("ORT_NODE_DIR", "")
    if not d or not os.path.isdir(d):
        sys.exit("ORT_NODE_DIR does not name onnxruntime-node's directory (scripts/get-onnxruntime.sh prints it)")
    return d


def ort_version(node_dir):
    with open(os.path.join(node_dir, "package.json")) as f:
        return json.load(f)["version"]


def run_ort_batch(jobs, work_dir):
    """Runs JOBS (dicts for ort_run.mjs --batch) in one node process; returns {id: report}."""
    path = os.path.join(work_dir, "ort_jobs.json")
    with open(path, "w") as f:
        json.dump(jobs, f)
    proc = subprocess.run(["node", ORT_RUN, "--batch", path, "--ort", ort_node_dir()],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    reports = {}
    for line in proc.stdout.splitlines():
        try:
            r = json.loads(line)
        except ValueError:
            continue
        reports[r.get("id")] = r
    if not reports:
        sys.exit("ort_run.mjs ran no job (exit %d): %s" % (proc.returncode, proc.stderr.strip()[-2000:]))
    return reports


def optimized_ops(path):
    """The op types (domain-qualified for others than ONNX's) of ORT's optimized graph."""
    try:
        m = onnx.load(path)
    except Exception:                           # noqa: BLE001 - a missing file says enough
        return None
    return sorted({(n.domain + "." if n.domain and n.domain != "ai.onnx" else "") + n.op_type
                   for n in m.graph.node})


def run_fpq(fpq_run, isa, model, inputs, out_dir, timeout=300):
    """fpq-run on the CPU with one kernel set; returns (ok, message)."""
    os.makedirs(out_dir, exist_ok=True)
    for name in os.listdir(out_dir):
        os.unlink(os.path.join(out_dir, name))
    cmd = [fpq_run, model, "--device", "cpu", "--output-dir", out_dir]
    for k, v in inputs.items():
        cmd += ["--input", "%s=%s" % (k, v)]
    env = dict(os.environ, FPQ_CPU_ISA=isa)
    try:
        proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, "fpq-run did not finish in %d s" % timeout
    if proc.returncode != 0:
        return False, "fpq-run exited %d: %s" % (proc.returncode, proc.stdout.strip()[-1500:])
    return True, ""


def compare_npy(got_path, want_path, compare):
    """Compares an output with the oracle's; returns (ok, message, element count, bytes).
    COMPARE is "exact" (dtype, shape and every byte) or {"mode": "close", "rtol", "atol"}."""
    try:
        want = np.load(want_path, allow_pickle=False)
    except Exception as e:                      # noqa: BLE001
        return False, "the oracle's output %s is unreadable: %s" % (want_path, e), 0, 0
    if not os.path.exists(got_path):
        return False, "no output %s" % got_path, 0, 0
    try:
        got = np.load(got_path, allow_pickle=False)
    except Exception as e:                      # noqa: BLE001
        return False, "%s is unreadable: %s" % (got_path, e), 0, 0
    if got.dtype != want.dtype or got.shape != want.shape:
        return False, "%s is %s%s, expected %s%s" % (os.path.basename(got_path), got.dtype, list(got.shape),
                                                     want.dtype, list(want.shape)), 0, 0
    if compare == "exact":
        gb = np.frombuffer(got.tobytes(), np.uint8).reshape(-1, got.itemsize) if got.size else np.zeros((0, 1))
        wb = np.frombuffer(want.tobytes(), np.uint8).reshape(-1, want.itemsize) if want.size else np.zeros((0, 1))
        bad = np.nonzero(np.any(gb != wb, axis=1))[0]
        kind = "bytes differ"
    else:
        g64, w64 = got.astype(np.float64).ravel(), want.astype(np.float64).ravel()
        close = np.abs(g64 - w64) <= compare["atol"] + compare["rtol"] * np.abs(w64)
        close |= (np.isnan(g64) & np.isnan(w64)) | (g64 == w64)
        bad = np.nonzero(~close)[0]
        kind = "outside rtol %g atol %g" % (compare["rtol"], compare["atol"])
    if bad.size:
        shown = []
        flat_g, flat_w = got.ravel(), want.ravel()
        for i in bad[:5]:
            idx = np.unravel_index(i, got.shape) if got.ndim else ()
            shown.append("%s: %r, expected %r" % (list(map(int, idx)), flat_g[i].item(), flat_w[i].item()))
        return False, "%s: %d of %d elements %s (%s)" % (os.path.basename(got_path), bad.size, got.size, kind,
                                                        "; ".join(shown)), got.size, 0
    return True, "", int(got.size), int(got.nbytes)
