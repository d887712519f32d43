#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The quantizer, fpq-quantize (fpq_model_quantize(); Documentation/models.rst,
"Quantizing"), suite model-quant:

- the committed Fashion-MNIST model quantized with its 500 calibration images (uint8
  activations per tensor and per channel, int8 activations per channel): ONNX Runtime
  loads each result and fuses it into its integer kernels, classifies the 10,000 test
  images within 0.5 points of the float model's recorded accuracy, and fpq-run's logits
  equal ORT's byte for byte;
- a small model built here (Conv + BatchNormalization, Relu, MaxPool, a residual Add,
  Conv + Clip, GlobalAveragePool, Flatten, Gemm) whose float arithmetic is exact (every
  value a short binary fraction), quantized by fpq-quantize and by a reference
  quantizer written here in NumPy from ORT's rules: every scale, zero point, weight and
  bias equal bit for bit, and the graph is the QDQ graph quantize_static writes;
- refusals: calibration data of the wrong shape, type or values, an op the quantizer
  does not handle, a weight that is not a constant, a corrupt model file - each a
  non-zero exit with a message naming the file or the node.

usage: quant_test.py FPQ_QUANTIZE FPQ_RUN DATADIR WORKDIR
"""
import os
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "models", "fashion"))

import fashion_record  # noqa: E402
import oracle  # noqa: E402

MODEL_DIR = os.path.join(ROOT, "models", "fashion")
MODEL = os.path.join(MODEL_DIR, fashion_record.MODEL_FILE)
ACCURACY_POINTS = 0.5
F32 = np.float32

# ORT's configuration for each activation type (Documentation/models.rst): int8 QDQ
# groups fuse only with session.qdqisint8allowed=1.
CONFIGS = [
    ("u8-tensor", [], {}),
    ("u8-channel", ["--per-channel"], {}),
    ("s8-channel", ["--per-channel", "--activations", "int8"], {"session.qdqisint8allowed": "1"}),
]


def run(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


# ---- the Fashion-MNIST model ----

def fashion(res, tool, fpq_run, data, work, record):
    test = os.path.join(data, "test_images.npy")
    labels = np.load(os.path.join(data, "test_labels.npy"))
    calib = os.path.join(data, "calibration_images.npy")
    float_acc = 100.0 * record["test_correct"] / record["test_images"]
    for name, flags, config in CONFIGS:
        d = os.path.join(work, "fashion-" + name)
        os.makedirs(d, exist_ok=True)
        qmodel = os.path.join(d, "fashion_int8.onnx")
        p = run([tool, MODEL, "--calibration", calib, "-o", qmodel] + flags)
        if p.returncode != 0:
            res.fail("fashion %s: quantize" % name, p.stdout[-2000:])
            continue
        summary = [l for l in p.stdout.splitlines() if l.startswith("weight bytes")]
        res.ok("fashion %s: quantize" % name, summary[0] if summary else "")
        config = oracle.ort_config_for_host(config, True)
        cmd = ["node", oracle.ORT_RUN, qmodel, "--ort", oracle.ort_node_dir(), "--threads", "1",
               "--input", "image=" + test, "--output-dir", os.path.join(d, "ort"),
               "--save-optimized", os.path.join(d, "ort_optimized.onnx")]
        for k, v in config.items():
            cmd += ["--config", "%s=%s" % (k, v)]
        p = run(cmd)
        if p.returncode != 0:
            res.fail("fashion %s: ORT loads and runs it" % name, p.stdout[-2000:])
            continue
        ops = oracle.optimized_ops(os.path.join(d, "ort_optimized.onnx")) or []
        want = {"com.microsoft.QLinearConv", "com.microsoft.QLinearAdd", "com.microsoft.QGemm",
                "com.microsoft.QLinearGlobalAveragePool", "com.microsoft.NhwcMaxPool"}
        res.check(want <= set(ops) and not {"Conv", "Gemm", "Add", "MaxPool"} & set(ops),
                  "fashion %s: ORT fuses it into integer kernels (%s)" % (name, " ".join(config) or "defaults"),
                  "ORT's optimised graph has %s" % ops)
        ort = np.load(os.path.join(d, "ort", "logits.npy"))
        correct = int(np.count_nonzero(ort.argmax(1) == labels))
        acc = 100.0 * correct / len(labels)
        res.check(abs(acc - float_acc) <= ACCURACY_POINTS and len(labels) == 10000,
                  "fashion %s: ORT %d / %d correct (%.2f %%; fp32 %.2f %%)" %
                  (name, correct, len(labels), acc, float_acc),
                  "%.2f %% is more than %.1f points from fp32's %.2f %%" %
                  (acc, ACCURACY_POINTS, float_acc))
        p = run([fpq_run, qmodel, "--device", "cpu", "--input", "image=" + test,
                 "--output-dir", os.path.join(d, "fpq")])
        if p.returncode != 0:
            res.fail("fashion %s: fpq-run" % name, p.stdout[-2000:])
            continue
        fpq = np.load(os.path.join(d, "fpq", "logits.npy"))
        same = fpq.dtype == ort.dtype and fpq.shape == ort.shape
        differ = int(np.count_nonzero(fpq.view(np.uint32) != ort.view(np.uint32))) if same else -1
        res.check(same and differ == 0,
                  "fashion %s: fpq-run's %d logits equal ORT's byte for byte" % (name, ort.size),
                  "%s %s against %s %s, %d logits differ" %
                  (fpq.dtype, fpq.shape, ort.dtype, ort.shape, differ))


# ---- a small exact model and the reference quantizer ----

def dyadic(rng, shape, lo, hi, denom):
    return (rng.integers(lo, hi, size=shape, endpoint=True) / denom).astype(F32)


def small_model(rng):
    """Weights and inputs on short binary fractions: every float result is exact, in
    any order of summation, so the calibrated ranges do not depend on the runner."""
    p = {
        "c1.w": dyadic(rng, (4, 1, 3, 3), -3, 3, 8), "c1.b": dyadic(rng, (4,), -4, 4, 16),
        "bn.scale": dyadic(rng, (4,), 1, 6, 4), "bn.bias": dyadic(rng, (4,), -4, 4, 8),
        "bn.mean": dyadic(rng, (4,), -4, 4, 16), "bn.var": np.full(4, 4, F32),
        "c2.w": dyadic(rng, (4, 4, 3, 3), -2, 2, 8), "c2.b": dyadic(rng, (4,), -4, 4, 16),
        "c3.w": dyadic(rng, (8, 4, 1, 1), -4, 4, 8), "c3.b": dyadic(rng, (8,), -4, 4, 16),
        "fc.w": dyadic(rng, (3, 8), -4, 4, 8), "fc.b": dyadic(rng, (3,), -4, 4, 16),
    }
    inits = [numpy_helper.from_array(v, k) for k, v in p.items()]
    inits.append(numpy_helper.from_array(np.array(0, F32), "clip.lo"))
    inits.append(numpy_helper.from_array(np.array(6, F32), "clip.hi"))
    N = helper.make_node
    nodes = [
        N("Conv", ["x", "c1.w", "c1.b"], ["t1"], name="c1", pads=[1, 1, 1, 1]),
        N("BatchNormalization", ["t1", "bn.scale", "bn.bias", "bn.mean", "bn.var"], ["t2"],
          name="bn", epsilon=0.0),
        N("Relu", ["t2"], ["t3"], name="relu1"),
        N("MaxPool", ["t3"], ["t4"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        N("Conv", ["t4", "c2.w", "c2.b"], ["t5"], name="c2", pads=[1, 1, 1, 1]),
        N("Add", ["t4", "t5"], ["t6"], name="add"),
        N("Relu", ["t6"], ["t7"], name="relu2"),
        N("Conv", ["t7", "c3.w", "c3.b"], ["t8"], name="c3"),
        N("Clip", ["t8", "clip.lo", "clip.hi"], ["t9"], name="clip"),
        N("GlobalAveragePool", ["t9"], ["t10"], name="gap"),
        N("Flatten", ["t10"], ["t11"], name="flatten"),
        N("Gemm", ["t11", "fc.w", "fc.b"], ["y"], name="fc", transB=1),
    ]
    g = helper.make_graph(nodes, "small", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    onnx.checker.check_model(m, full_check=True)
    return m, p


def conv(x, w, b, pad):
    n, c, h, wd = x.shape
    m, _, kh, kw = w.shape
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))
    return np.einsum("nchwij,mcij->nmhw", win, w.astype(np.float64)) + b.astype(np.float64)[None, :, None, None]


def fold_bn(p):
    """ORT's ConvBNFusion in binary32: s = scale / sqrt(var + eps), W * s, (B - mean) * s + beta."""
    s = (p["bn.scale"] / np.sqrt(p["bn.var"] + F32(0.0))).astype(F32)
    w = (p["c1.w"] * s[:, None, None, None]).astype(F32)
    b = ((p["c1.b"] - p["bn.mean"]) * s + p["bn.bias"]).astype(F32)
    return w, b


def forward(p, x):
    """The float network in binary64 (exact here); the tensors quantize_static
    calibrates, named as in the model (after folding and removing Relu and Clip)."""
    w1, b1 = fold_bn(p)
    t = {"x": x.astype(np.float64)}
    t["t3"] = np.maximum(conv(t["x"], w1, b1, 1), 0)
    n, c, h, w = t["t3"].shape
    t["t4"] = t["t3"].reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))
    t["t5"] = conv(t["t4"], p["c2.w"], p["c2.b"], 1)
    t["t7"] = np.maximum(t["t4"] + t["t5"], 0)
    t["t9"] = np.clip(conv(t["t7"], p["c3.w"], p["c3.b"], 0), 0, 6)
    t["t10"] = t["t9"].mean(axis=(2, 3), keepdims=True)
    t["t11"] = t["t10"].reshape(n, -1)
    t["y"] = t["t11"] @ p["fc.w"].astype(np.float64).T + p["fc.b"]
    for k, v in t.items():
        assert np.array_equal(v.astype(F32).astype(np.float64), v), "%s is not exact in binary32" % k
    return {k: v.astype(F32) for k, v in t.items()}


def scale_zp(rmin, rmax, qmin, qmax, symmetric):
    """ORT's quant_utils.compute_scale_zp, for float32 rmin, rmax."""
    rmin = np.minimum(F32(rmin), F32(0))
    rmax = np.maximum(F32(rmax), F32(0))
    if symmetric:
        a = np.maximum(np.abs(rmin), np.abs(rmax))
        rmin, rmax = -a, a
    scale = np.float64(rmax - rmin) / (np.float64(qmax) - np.float64(qmin))
    if scale < np.finfo(F32).tiny:
        return F32(1.0), 0
    zp = np.round((qmin + qmax) / 2.0) if symmetric else np.round(qmin - rmin / scale)
    return F32(scale), int(zp)


def quantize(x, scale, zp, qmin, qmax, dtype):
    v = np.round(np.asarray(x, F32) / np.asarray(scale, F32)) + zp
    return np.clip(v, qmin, qmax).astype(dtype)


def reference(p, calib, act, per_channel):
    """What quantize_static writes for the small model: {initializer name: array}."""
    t = forward(p, calib)
    qmin, qmax, adt = (0, 255, np.uint8) if act == "uint8" else (-128, 127, np.int8)
    out, params = {}, {}
    # Activations: own ranges; MaxPool's output takes its input's parameters, Flatten's
    # output is quantized by the Gemm with its own range.
    for name in ["x", "t3", "t5", "t7", "t9", "t10", "t11", "y"]:
        s, z = scale_zp(t[name].min(), t[name].max(), qmin, qmax, False)
        params[name] = s
        out[name + "_scale"] = np.array(s, F32)
        out[name + "_zero_point"] = np.array(z, adt)
    params["t4"] = params["t3"]
    w1, b1 = fold_bn(p)
    for wname, bname, w, b, x in [("c1.w_bn", "c1.w_bn_bias", w1, b1, "x"),
                                  ("c2.w", "c2.b", p["c2.w"], p["c2.b"], "t4"),
                                  ("c3.w", "c3.b", p["c3.w"], p["c3.b"], "t7"),
                                  ("fc.w", "fc.b", p["fc.w"], p["fc.b"], "t11")]:
        if per_channel:
            flat = w.reshape(w.shape[0], -1)
            sw = np.array([scale_zp(r.min(), r.max(), -127, 127, True)[0] for r in flat], F32)
            wq = np.stack([quantize(r, s, 0, -128, 127, np.int8) for r, s in zip(flat, sw)]).reshape(w.shape)
        else:
            sw = np.array(scale_zp(w.min(), w.max(), -127, 127, True)[0], F32)
            wq = quantize(w, sw, 0, -128, 127, np.int8)
        bs = (F32(params[x]) * sw).astype(F32)
        bq = np.clip(np.round(b / bs), -2 ** 31, 2 ** 31 - 1).astype(np.int32)
        out[wname + "_quantized"] = wq
        out[wname + "_scale"] = sw
        out[wname + "_zero_point"] = np.zeros(sw.shape, np.int8)
        out[bname + "_quantized"] = bq
        out[bname + "_quantized_scale"] = np.asarray(bs, F32)
        out[bname + "_quantized_zero_point"] = np.zeros(bs.shape, np.int32)
    return out


def small(res, tool, fpq_run, work):
    rng = np.random.default_rng(20261215)
    model, p = small_model(rng)
    d = os.path.join(work, "small")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "small.onnx")
    onnx.save(model, path)
    calib = dyadic(rng, (24, 1, 8, 8), 0, 16, 16)
    calib_dir = os.path.join(d, "calibration")
    os.makedirs(calib_dir, exist_ok=True)
    # A directory of three files: the quantizer's ranges span all of them.
    for i in range(3):
        np.save(os.path.join(calib_dir, "part%d.npy" % i), calib[8 * i:8 * i + 8])
    for act in ["uint8", "int8"]:
        for per_channel in [False, True]:
            name = "small %s %s" % (act, "per channel" if per_channel else "per tensor")
            qpath = os.path.join(d, "small_%s_%d.onnx" % (act, per_channel))
            cmd = [tool, path, "--calibration", calib_dir, "-o", qpath, "--activations", act]
            if per_channel:
                cmd.append("--per-channel")
            pr = run(cmd)
            if pr.returncode != 0:
                res.fail(name + ": quantize", pr.stdout[-2000:])
                continue
            q = onnx.load(qpath)
            got = {i.name: numpy_helper.to_array(i) for i in q.graph.initializer}
            want = reference(p, calib, act, per_channel)
            bad = [k for k, v in want.items()
                   if k not in got or got[k].dtype != v.dtype or got[k].shape != v.shape or
                   got[k].tobytes() != v.tobytes()]
            res.check(not bad, "%s: %d scales, zero points, weights and biases equal the "
                      "NumPy reference bit for bit" % (name, len(want)),
                      "differ: %s" % ", ".join("%s (fpq %s, reference %s)" % (
                          k, got.get(k), want[k]) for k in bad[:6]))
            ops = [n.op_type for n in q.graph.node]
            plain = [o for o in ops if o not in ("QuantizeLinear", "DequantizeLinear")]
            res.check(plain == ["Conv", "MaxPool", "Conv", "Add", "Conv", "GlobalAveragePool",
                                "Flatten", "Gemm"] and ops.count("QuantizeLinear") == 9,
                      "%s: BatchNormalization folded, Relu and Clip removed, 9 Q/DQ pairs" % name,
                      "the graph's ops: %s" % ops)
            onnx.checker.check_model(q, full_check=True)
            # ORT and fpq-run agree on it too.
            x = os.path.join(d, "x.npy")
            np.save(x, calib)
            cfg = oracle.ort_config_for_host({"session.qdqisint8allowed": "1"} if act == "int8" else {}, True)
            cmd = ["node", oracle.ORT_RUN, qpath, "--ort", oracle.ort_node_dir(), "--threads", "1",
                   "--input", "x=" + x, "--output-dir", os.path.join(d, "ort")]
            for k, v in cfg.items():
                cmd += ["--config", "%s=%s" % (k, v)]
            a, b = run(cmd), run([fpq_run, qpath, "--device", "cpu", "--input", "x=" + x,
                                  "--output-dir", os.path.join(d, "fpq")])
            if a.returncode or b.returncode:
                res.fail(name + ": ORT and fpq-run", (a.stdout + b.stdout)[-2000:])
                continue
            ya, yb = (np.load(os.path.join(d, s, "y.npy")) for s in ("ort", "fpq"))
            res.check(ya.tobytes() == yb.tobytes(), "%s: fpq-run equals ORT byte for byte" % name,
                      "outputs differ: %s vs %s" % (ya[:2], yb[:2]))


# ---- refusals ----

def refusals(res, tool, data, work):
    d = os.path.join(work, "refuse")
    os.makedirs(d, exist_ok=True)
    calib = np.load(os.path.join(data, "calibration_images.npy"))[:16]
    out = os.path.join(d, "out.onnx")

    def refuse(name, model, files, want):
        if os.path.exists(out):
            os.unlink(out)
        cmd = [tool, model, "-o", out]
        for f in files:
            cmd += ["--calibration", f]
        p = run(cmd)
        missing = [w for w in want if w not in p.stdout]
        res.check(p.returncode == 1 and not missing and not os.path.exists(out) and
                  "Sanitizer" not in p.stdout and "runtime error" not in p.stdout,
                  "refuses %s" % name,
                  "exit %d, output %s, message lacks %s:\n%s" % (
                      p.returncode, os.path.exists(out), missing, p.stdout[-1500:]))

    def npy(name, a):
        path = os.path.join(d, name)
        np.save(path, a)
        return path

    refuse("calibration images of the wrong shape", MODEL, [npy("short.npy", calib[:, :, :27, :])],
           ["short.npy", "shape [16, 1, 27, 28]", "[-1, 1, 28, 28]", "Invalid argument"])
    refuse("calibration images of the wrong rank", MODEL, [npy("rank.npy", calib[:, 0])],
           ["rank.npy", "shape [16, 28, 28]"])
    refuse("calibration images as uint8", MODEL, [npy("u8.npy", (calib * 255).astype(np.uint8))],
           ["u8.npy", "must be float32, not uint8"])
    refuse("calibration images as float64", MODEL, [npy("f8.npy", calib.astype(np.float64))],
           ["f8.npy", "dtype f8"])
    nan = calib.copy()
    nan[3, 0, 5, 5] = np.nan
    refuse("a calibration value that is not finite", MODEL,
           [npy("good.npy", calib), npy("nan.npy", nan)], ["nan.npy", "not finite"])
    # An op the loader runs but the quantizer does not handle.
    m = onnx.load(MODEL)
    g = m.graph
    last = g.node[-1]
    last.output[0] = "logits_raw"
    g.node.append(helper.make_node("Softmax", ["logits_raw"], ["logits"], name="/head/softmax", axis=1))
    path = os.path.join(d, "softmax.onnx")
    onnx.save(m, path)
    refuse("an op it does not handle (Softmax)", path, [npy("c.npy", calib)],
           ["node '/head/softmax'", "Softmax is not an op the quantizer handles", "not supported"])
    # A Conv whose weight is a graph input, not a constant.
    m = onnx.load(MODEL)
    w = [i for i in m.graph.initializer if i.name == "stem.conv.weight"][0]
    m.graph.initializer.remove(w)
    m.graph.input.append(helper.make_tensor_value_info("stem.conv.weight", TensorProto.FLOAT, [16, 1, 3, 3]))
    path = os.path.join(d, "weight_input.onnx")
    onnx.save(m, path)
    refuse("a weight that is not a constant", path, [npy("c.npy", calib)], ["/stem/conv/Conv", "constant"])
    # A corrupt model file.
    blob = open(MODEL, "rb").read()
    path = os.path.join(d, "truncated.onnx")
    with open(path, "wb") as f:
        f.write(blob[:len(blob) // 3])
    refuse("a truncated model file", path, [npy("c.npy", calib)], ["truncated.onnx", "Invalid argument"])


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__.strip().splitlines()[-1])
    tool, fpq_run, data, work = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    start = time.monotonic()
    res = oracle.Results()
    record = fashion_record.read(os.path.join(MODEL_DIR, fashion_record.RECORD_FILE))
    refusals(res, tool, data, work)
    small(res, tool, fpq_run, work)
    fashion(res, tool, fpq_run, data, work, record)
    print("     model-quant took %.1f s" % (time.monotonic() - start))
    return res.report()


if __name__ == "__main__":
    sys.exit(main())
