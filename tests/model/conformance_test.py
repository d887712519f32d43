#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The ONNX conformance node tests that Debian ships (libonnx-testdata) for the ops the
model layer supports, run through ONNX Runtime and fpq-run and compared with the tests'
own expected outputs: exactly for integer outputs, within the tests' tolerance (ONNX's
backend runner: rtol 1e-3, atol 1e-7) for float ones.

Usage: conformance_test.py OUTDIR
Environment: ORT_NODE_DIR, FPQ_RUN, FPQ_ISAS (as ort_compare_test.py);
FPQ_ONNX_TESTDATA (default /usr/share/libonnx-testdata/data/node).

tests/model/conformance.list says which tests run and why the others are skipped, and
names the tests whose expected outputs ORT does not give (fpq, which follows ORT, is
compared with ORT's there, and the test checks that ORT still differs); a test of a
supported op missing from the list fails the "list-complete" check. Each test is
prepared for a model runner that takes weights at load time:
- the inputs that are parameters (weights, biases, scales, zero points, shapes, pads,
  axes, bounds: every input but the data inputs) become initializers holding the test's
  values; the data inputs stay graph inputs (all inputs of Add, Mul and Concat, the first
  of every other op);
- a model older than opset 13 is declared opset 13 when each of its ops has the same
  definition there, else converted with onnx.version_converter.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import defs, numpy_helper, version_converter  # noqa: E402

import oracle  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
LIST = os.path.join(HERE, "conformance.list")
TESTDATA = os.environ.get("FPQ_ONNX_TESTDATA", "/usr/share/libonnx-testdata/data/node")
MIN_OPSET = 13
ALL_INPUTS_ARE_DATA = {"Add", "Mul", "Concat"}
RTOL, ATOL = 1e-3, 1e-7

SUPPORTED_OPS = set("""QLinearConv QLinearMatMul Conv ConvTranspose Gemm MatMul Add Mul Concat MaxPool
AveragePool GlobalAveragePool Relu Clip LeakyRelu Sigmoid HardSigmoid HardSwish Softmax Resize Pad Slice
Reshape Flatten Transpose Squeeze Unsqueeze Identity QuantizeLinear DequantizeLinear BatchNormalization
Constant""".split())


def read_list():
    entries = {}
    with open(LIST) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            if parts[1] == "run" and len(parts) == 2:
                entries[parts[0]] = ("run", "")
            elif parts[1] in ("skip", "ort") and len(parts) == 3 and parts[2]:
                entries[parts[0]] = (parts[1], parts[2])
            else:
                sys.exit("%s: malformed line %r" % (LIST, line))
    return entries


def candidates():
    """The tests whose nodes are all supported ops."""
    out = []
    for t in sorted(os.listdir(TESTDATA)):
        path = os.path.join(TESTDATA, t, "model.onnx")
        if os.path.exists(path) and {n.op_type for n in onnx.load(path).graph.node} <= SUPPORTED_OPS:
            out.append(t)
    return out


def load_pb(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def to_opset(m):
    """Model M at opset 13 or above, or None with the reason."""
    ver = max(o.version for o in m.opset_import if o.domain in ("", "ai.onnx"))
    if ver >= MIN_OPSET:
        return m, ""
    if all(defs.get_schema(n.op_type, MIN_OPSET).since_version == defs.get_schema(n.op_type, ver).since_version
           for n in m.graph.node):
        for o in m.opset_import:
            if o.domain in ("", "ai.onnx"):
                o.version = MIN_OPSET
        return m, "opset %d declared %d (same op definitions)" % (ver, MIN_OPSET)
    try:
        return version_converter.convert_version(m, MIN_OPSET), "opset %d converted to %d" % (ver, MIN_OPSET)
    except Exception as e:                  # noqa: BLE001
        return None, "cannot convert opset %d to %d: %s" % (ver, MIN_OPSET, e)


def prepare(test, out_root):
    """Writes the prepared model, its inputs and the expected outputs; returns an entry."""
    src = os.path.join(TESTDATA, test)
    m = onnx.load(os.path.join(src, "model.onnx"))
    data = os.path.join(src, "test_data_set_0")
    inputs = [load_pb(os.path.join(data, "input_%d.pb" % i)) for i in range(len(m.graph.input))]
    outputs = [load_pb(os.path.join(data, "output_%d.pb" % i)) for i in range(len(m.graph.output))]
    types = {n.op_type for n in m.graph.node}
    data_inputs = set(range(len(inputs))) if types <= ALL_INPUTS_ARE_DATA else {0}
    kept, frozen = [], []
    for i, vi in enumerate(list(m.graph.input)):
        if i in data_inputs:
            kept.append(vi)
        else:
            frozen.append(vi.name)
            m.graph.initializer.append(numpy_helper.from_array(inputs[i], vi.name))
    del m.graph.input[:]
    m.graph.input.extend(kept)
    m.ir_version = max(m.ir_version, 7)
    m, how = to_opset(m)
    if m is None:
        return {"name": test, "error": how}
    onnx.checker.check_model(m)
    d = os.path.join(out_root, test)
    os.makedirs(d, exist_ok=True)
    model_path = os.path.join(d, "model.onnx")
    onnx.save(m, model_path)
    feeds = {}
    for vi in kept:
        i = [x.name for x in onnx.load(os.path.join(src, "model.onnx")).graph.input].index(vi.name)
        feeds[vi.name] = os.path.join(d, "input_%s.npy" % vi.name)
        np.save(feeds[vi.name], inputs[i])
    expected = {}
    for vi, arr in zip(m.graph.output, outputs):
        expected[vi.name] = os.path.join(d, "expected_%s.npy" % vi.name)
        np.save(expected[vi.name], arr)
    notes = [how] if how else []
    if frozen:
        notes.append("initializers: " + ", ".join(frozen))
    return {"name": test, "model": model_path, "inputs": feeds, "expected": expected, "notes": "; ".join(notes)}


def compare_mode(path):
    kind = np.load(path).dtype.kind
    return "exact" if kind in "iub" else {"mode": "close", "rtol": RTOL, "atol": ATOL}


def check_outputs(entry, out_dir):
    problems, count = [], 0
    for name, want in entry["expected"].items():
        ok, msg, _, _ = oracle.compare_npy(os.path.join(out_dir, name + ".npy"), want, compare_mode(want))
        if ok:
            count += 1
        else:
            problems.append(msg)
    return problems, count


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: conformance_test.py OUTDIR")
    root = sys.argv[1]
    start = time.time()
    os.makedirs(root, exist_ok=True)
    res = oracle.Results()
    listed = read_list()
    found = candidates()
    missing = [t for t in found if t not in listed]
    absent = [t for t in listed if t not in found]
    if missing or absent:
        res.fail("list-complete", "tests of supported ops not in %s: %s; listed but not shipped: %s" % (
            os.path.basename(LIST), " ".join(missing) or "none", " ".join(absent) or "none"))
    else:
        res.ok("list-complete", "%d conformance tests of supported ops in %s" % (len(found), TESTDATA))

    entries = []
    for test, (how, why) in listed.items():
        if how == "skip":
            res.skip("conformance:" + test, why)
            continue
        if test not in found:
            continue
        e = prepare(test, root)
        if "error" in e:
            res.fail("conformance:" + test, e["error"])
            continue
        e["oracle"] = "ort" if how == "ort" else "expected"
        e["why"] = why
        entries.append(e)

    jobs = [{"id": e["name"], "model": e["model"], "inputs": e["inputs"], "output_dir": os.path.join(root, e["name"], "ort"),
             "threads": 1} for e in entries]
    reports = oracle.run_ort_batch(jobs, root)
    ort_outputs = 0
    for e in entries:
        r = reports.get(e["name"])
        if r is None or not r.get("ok"):
            res.fail("ort:" + e["name"], "ORT: %s" % (r.get("error") if r else "no report"))
            continue
        problems, n = check_outputs(e, os.path.join(root, e["name"], "ort"))
        ort_outputs += n
        if e["oracle"] == "ort":
            # Listed as one where ORT and the test disagree: it must still disagree (else
            # the list is stale), and fpq is compared with ORT, whose results it follows.
            if not problems:
                res.fail("ort:" + e["name"], "listed as differing from ORT, but ORT now gives the expected outputs")
                continue
            for name in e["expected"]:
                e["expected"][name] = os.path.join(root, e["name"], "ort", name + ".npy")
            res.ok("ort:" + e["name"], "ORT differs from the test as listed (%s): fpq is compared with ORT" % e["why"])
        elif problems:
            res.fail("ort:" + e["name"], "ORT differs from the test's expected outputs: " + "; ".join(problems))
        else:
            res.ok("ort:" + e["name"], e["notes"])

    fpq_run = os.environ.get("FPQ_RUN", "")
    isas = os.environ.get("FPQ_ISAS", "").split() or oracle.host_isas()
    fpq_outputs = 0
    refused_list = oracle.read_refusals()
    for e in entries:
        if not fpq_run or not os.access(fpq_run, os.X_OK):
            res.skip("fpq:" + e["name"], "fpq-run is not built yet (%s)" % (fpq_run or "FPQ_RUN is unset"))
            continue
        problems, refusals = [], []
        for isa in isas:
            out_dir = os.path.join(root, e["name"], "fpq_" + isa)
            ok, msg = oracle.run_fpq(fpq_run, isa, e["model"], e["inputs"], out_dir)
            if not ok:
                problems.append("%s: %s" % (isa, msg))
                refusals.append(msg)
                continue
            p, n = check_outputs(e, out_dir)
            fpq_outputs += n
            problems += ["%s: %s" % (isa, x) for x in p]
        why_refused = oracle.listed_refusal(refused_list, e["name"], refusals) \
            if len(refusals) == len(isas) and len(refusals) == len(problems) else None
        if why_refused:
            res.skip("fpq:" + e["name"], why_refused)
        elif problems:
            res.fail("fpq:" + e["name"], "\n".join(problems[:8]))
        else:
            if oracle.listed(refused_list, e["name"]):
                print("note: %s is listed in fpq_refusals.list but runs: the line is stale" % e["name"])
            res.ok("fpq:" + e["name"])
    with open(os.path.join(root, "conformance.json"), "w") as f:
        json.dump(entries, f, indent=1)
    print("conformance tests: %d run, %d skipped by the list; outputs equal to the expected ones: ORT %d, "
          "fpq %d (%s); %.1f s" % (len(entries), sum(1 for h, _ in listed.values() if h == "skip"), ort_outputs,
                                   fpq_outputs,
                                   " ".join(isas), time.time() - start))
    return res.report()


if __name__ == "__main__":
    sys.exit(main())
