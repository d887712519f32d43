#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""fpq-quantize's MX layers (Documentation/models.rst, "MX and FP8 layers") on the
committed Fashion-MNIST model, for every MX weight format:

- the written model imports the fpq domain and has one fpq.MxConv / fpq.MxGemm per
  Conv / Gemm with the documented attributes (activation format e4m3, mxint8 beside
  mxint8 weights);
- its packed weights and E8M0 scales equal tests/model/mx_ref.py's independent NumPy
  MX quantization of the float weights (in the layer's K order) bit for bit;
- fpq-run runs it; the accuracy on the first 1000 test images is printed;
- a per-layer format file (--layer-formats, with 64 calibration images) sets one layer's weights and activations and
  leaves another in fp32; the per-layer report (--report) has every layer's format,
  weight bytes, SQNR against fp32 and clamp counts;
- --budget: the mixed-precision search's result stays within its top-1 budget against
  the float model on the calibration images (recomputed with fpq-run) with some layers
  in smaller formats;
- refusals: an unknown node in the file, --budget with INT8 weights, uint8 activations beside MX weights.

usage: mx_test.py FPQ-QUANTIZE FPQ-RUN FASHION-DATA WORKDIR"""

import json
import os
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import mx_ref  # noqa: E402
import oracle  # noqa: E402

MODEL = os.path.join(HERE, "..", "..", "models", "fashion", "fashion_cnn.onnx")
FORMATS = ["e4m3", "e5m2", "e3m2", "e2m3", "e2m1", "mxint8"]
IMAGES = 1000


def run(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def attrs(node):
    out = {}
    for a in node.attribute:
        v = onnx.helper.get_attribute_value(a)
        out[a.name] = v.decode() if isinstance(v, bytes) else v
    return out


def k_order(w, op):
    """The float weight as [N, K] in the layer's K order ((ky, kx, c) for a Conv)."""
    if op == "Conv":
        return w.transpose(0, 2, 3, 1).reshape(w.shape[0], -1)
    return w


def check_weights(res, fmt, qpath):
    fm = onnx.load(MODEL)
    floats = {t.name: numpy_helper.to_array(t) for t in fm.graph.initializer}
    kinds = {n.name: n.op_type for n in fm.graph.node}
    qm = onnx.load(qpath)
    inits = {t.name: numpy_helper.to_array(t) for t in qm.graph.initializer}
    imports = {o.domain: o.version for o in qm.opset_import}
    mx_nodes = [n for n in qm.graph.node if n.domain == "fpq"]
    want_act = "mxint8" if fmt == "mxint8" else "e4m3"
    problems = []
    if imports.get("fpq") != 1:
        problems.append("the model imports %s" % imports)
    if len(mx_nodes) != sum(1 for k in kinds.values() if k in ("Conv", "Gemm")):
        problems.append("%d MX nodes" % len(mx_nodes))
    checked = 0
    for n in mx_nodes:
        a = attrs(n)
        op = kinds.get(n.name)
        want_op = {"Conv": "MxConv", "Gemm": "MxGemm"}.get(op)
        if n.op_type != want_op or a.get("weight_format") != fmt or \
                a.get("act_format") != want_act or a.get("block_size") != 32:
            problems.append("%s: %s %s" % (n.name, n.op_type, a))
            continue
        wname = n.input[1][:-len("_mx")]
        w = k_order(floats[wname].astype(np.float32), op)
        if list(a["weight_shape"]) != list(floats[wname].shape):
            problems.append("%s: weight_shape %s" % (n.name, a["weight_shape"]))
        k = w.shape[1]
        kp = (k + 31) // 32 * 32
        padded = np.zeros((w.shape[0], kp), np.float32)
        padded[:, :k] = w
        data, scales = mx_ref.quantize_rows(fmt, padded)
        got_d, got_s = inits[n.input[1]], inits[n.input[2]]
        if got_d.dtype != np.uint8 or got_d.shape != data.shape or \
                not np.array_equal(got_d, data):
            bad = int(np.count_nonzero(got_d != data)) if got_d.shape == data.shape else -1
            problems.append("%s: packed weights differ (%s %s against %s, %d bytes)" %
                            (n.name, got_d.dtype, got_d.shape, data.shape, bad))
        if got_s.shape != scales.shape or not np.array_equal(got_s, scales):
            problems.append("%s: scales differ" % n.name)
        if len(n.input) < 4 or n.input[3] not in floats:
            problems.append("%s: the float bias is not its input 3" % n.name)
        checked += got_d.size
    res.check(not problems, "%s: the model's %d MX layers, %d packed weight bytes equal "
              "NumPy's MX quantization" % (fmt, len(mx_nodes), checked), "; ".join(problems[:5]))


def accuracy(res, fmt, fpq_run, qpath, images, labels, d):
    out = os.path.join(d, "fpq")
    p = run([fpq_run, qpath, "--device", "cpu", "--input", "image=" + images, "--output-dir", out])
    if p.returncode != 0:
        res.fail("%s: fpq-run runs it" % fmt, p.stdout[-2000:])
        return
    y = np.load(os.path.join(out, "logits.npy"))
    correct = int(np.count_nonzero(y.argmax(1) == labels))
    res.check(y.shape == (len(labels), 10) and np.isfinite(y).all(),
              "%s: fpq-run: %d / %d of the first test images correct (%.1f %%)" %
              (fmt, correct, len(labels), 100.0 * correct / len(labels)), "logits %s" % (y.shape,))


def layer_formats(res, tool, calib, work):
    d = os.path.join(work, "layers")
    os.makedirs(d, exist_ok=True)
    spec = os.path.join(d, "formats.txt")
    with open(spec, "w") as f:
        f.write("# node weights [activations]\n/res1/a/conv/Conv e2m1 e2m3\n"
                "/stem/conv/Conv fp32\n")
    q = os.path.join(d, "mixed.onnx")
    report = os.path.join(d, "report.json")
    p = run([tool, MODEL, "--calibration", calib, "--weights", "e4m3", "--layer-formats", spec,
             "-o", q, "--report", report])
    if p.returncode != 0:
        res.fail("--layer-formats", p.stdout[-2000:])
        return
    nodes = {n.name: n for n in onnx.load(q).graph.node}
    a = attrs(nodes["/res1/a/conv/Conv"])
    res.check(nodes["/stem/conv/Conv"].op_type == "Conv" and
              (a.get("weight_format"), a.get("act_format")) == ("e2m1", "e2m3") and
              attrs(nodes["/res1/b/conv/Conv"]).get("weight_format") == "e4m3",
              "--layer-formats: one layer in e2m1 x e2m3, one left in fp32, the rest e4m3",
              "%s" % a)
    try:
        with open(report) as f:
            rep = json.load(f)
        layers = {l["name"]: l for l in rep["layers"]}
    except (OSError, ValueError, KeyError) as e:
        res.fail("--report writes the per-layer report", str(e))
        return
    want = {"/stem/conv/Conv": "fp32", "/res1/a/conv/Conv": "e2m1", "/res1/b/conv/Conv": "e4m3",
            "/classifier/Gemm": "e4m3"}
    bad = [n for n, f in want.items() if layers.get(n, {}).get("format") != f]
    sq = {n: layers[n].get("sqnr_db") for n in want if n in layers}
    # The fp32 stem runs the same arithmetic as the float model: no noise at all; the
    # MX layers after it have some. e2m1 weights take 14 + 1 bytes per 32, e4m3 32 + 1.
    finite = [n for n in want if n != "/stem/conv/Conv"]
    ok = not bad and sq.get("/stem/conv/Conv") == float("inf") and \
        all(isinstance(sq.get(n), (int, float)) and 0 < sq[n] < 100 for n in finite) and \
        layers["/res1/a/conv/Conv"]["weight_bytes"] == 16 * (5 * 16 + 5 + 4) and \
        layers["/res1/b/conv/Conv"]["weight_bytes"] == 16 * (5 * 32 + 5 + 4) and \
        all("clamped" in layers[n] for n in want)
    res.check(ok, "--report: per-layer format, weight bytes, SQNR (fp32 stem %s dB, e2m1 layer "
              "%.1f dB), clamp counts" % (sq.get("/stem/conv/Conv"), sq.get("/res1/a/conv/Conv") or 0),
              "formats wrong for %s; SQNR %s; bytes %s" %
              (bad, sq, {n: layers.get(n, {}).get("weight_bytes") for n in want}))


def budget(res, tool, fpq_run, calib, work, points=2.0):
    """--budget: the result disagrees with the float model's top-1 on at most POINTS
    percent of the calibration samples (recomputed here with fpq-run on both models), and
    some layers went below the base format."""
    d = os.path.join(work, "budget")
    os.makedirs(d, exist_ok=True)
    q = os.path.join(d, "mixed.onnx")
    report = os.path.join(d, "report.json")
    p = run([tool, MODEL, "--calibration", calib, "--weights", "mxint8", "--budget", str(points),
             "-o", q, "--report", report])
    if p.returncode != 0:
        res.fail("--budget %g" % points, p.stdout[-2000:])
        return
    tops = []
    for m, name in ((MODEL, "float"), (q, "mixed")):
        out = os.path.join(d, name)
        r = run([fpq_run, m, "--device", "cpu", "--input", "image=" + calib, "--output-dir", out])
        if r.returncode != 0:
            res.fail("--budget: fpq-run on the %s model" % name, r.stdout[-1000:])
            return
        tops.append(np.load(os.path.join(out, "logits.npy")).argmax(1))
    differ = 100.0 * np.count_nonzero(tops[0] != tops[1]) / len(tops[0])
    with open(report) as f:
        rep = json.load(f)
    formats = [l["format"] for l in rep["layers"] if l.get("format")]
    lowered = [f for f in formats if f in ("e2m1", "e2m3")]
    res.check(differ <= points and lowered and set(formats) <= {"mxint8", "e2m1", "e2m3"},
              "--budget %g: top-1 disagreement with fp32 %.2f %% of %d calibration images; formats %s, "
              "%d weight bytes" % (points, differ, len(tops[0]), " ".join(formats), rep["quant_weight_bytes"]),
              "disagreement %.2f %%, formats %s" % (differ, formats))


def refusals(res, tool, calib, work):
    d = os.path.join(work, "refusals")
    os.makedirs(d, exist_ok=True)
    spec = os.path.join(d, "unknown.txt")
    with open(spec, "w") as f:
        f.write("/no/such/Conv e2m1\n")
    cases = [
        ("a per-layer format for a node the model lacks",
         ["--weights", "e4m3", "--layer-formats", spec], ["/no/such/Conv"]),
        ("uint8 activations beside MX weights", ["--weights", "e2m3", "--activations", "uint8"],
         ["uint8", "MX"]),
        ("an unknown weight format", ["--weights", "e9m9"], ["--weights"]),
        ("a budget with INT8 weights", ["--budget", "1"], ["budget", "MX"]),
    ]
    for name, flags, want in cases:
        p = run([tool, MODEL, "--calibration", calib, "-o", os.path.join(d, "x.onnx")] + flags)
        res.check(p.returncode != 0 and all(w in p.stdout for w in want),
                  "refuses %s" % name, "exit %d: %s" % (p.returncode, p.stdout[-500:]))


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__.strip().splitlines()[-1])
    tool, fpq_run, data, work = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    start = time.monotonic()
    res = oracle.Results()
    # 64 of the calibration images: the clamp counts and the SQNR run the MX layers
    # under ASan three times over them
    calib = os.path.join(work, "calibration_64.npy")
    np.save(calib, np.load(os.path.join(data, "calibration_images.npy"))[:64])
    images = os.path.join(work, "test_images_%d.npy" % IMAGES)
    np.save(images, np.load(os.path.join(data, "test_images.npy"))[:IMAGES])
    labels = np.load(os.path.join(data, "test_labels.npy"))[:IMAGES]
    for fmt in FORMATS:
        d = os.path.join(work, fmt)
        os.makedirs(d, exist_ok=True)
        qpath = os.path.join(d, "fashion_%s.onnx" % fmt)
        p = run([tool, MODEL, "--calibration", calib, "--weights", fmt, "-o", qpath])
        if p.returncode != 0:
            res.fail("%s: quantize" % fmt, p.stdout[-2000:])
            continue
        summary = [l for l in p.stdout.splitlines() if l.startswith("weight bytes")]
        res.ok("%s: quantize" % fmt, summary[0] if summary else "")
        check_weights(res, fmt, qpath)
        accuracy(res, fmt, fpq_run, qpath, images, labels, d)
    layer_formats(res, tool, calib, work)
    budget(res, tool, fpq_run, calib, work)
    refusals(res, tool, calib, work)
    print("     MX quantization took %.1f s" % (time.monotonic() - start))
    return res.report()


if __name__ == "__main__":
    sys.exit(main())
