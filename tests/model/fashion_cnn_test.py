#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The committed Fashion-MNIST inspection model (models/fashion; Documentation/models.rst,
"The Fashion-MNIST inspection model"): the file is the one its record names (SHA-256),
it is a valid ONNX model of the agreed interface, it uses only ops the runner supports,
and its binary32 accuracy on the 10,000 test images, computed without PyTorch by ONNX
Runtime (tests/model/ort_run.mjs), equals the recorded count exactly. A NumPy forward
pass written below (binary64, so no library's binary32 summation order decides a result)
checks ORT on the first 1000 images (the same decisions, logits within 1e-4) and counts
the weights and the MACs per image against the record.

Usage: fashion_cnn_test.py DATADIR WORKDIR
  DATADIR holds models/fashion/fashion_data.py's sets (test_images.npy, ...);
  ORT_NODE_DIR names onnxruntime-node's directory (scripts/get-onnxruntime.sh prints it);
  FASHION_MODEL_DIR, if set, another model directory than models/fashion.
"""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "models", "fashion"))

import fashion_data  # noqa: E402
import fashion_record  # noqa: E402
import oracle  # noqa: E402

# The committed model; FASHION_MODEL_DIR names another one (a retrained or broken copy).
MODEL_DIR = os.environ.get("FASHION_MODEL_DIR") or os.path.join(ROOT, "models", "fashion")
MODEL = os.path.join(MODEL_DIR, fashion_record.MODEL_FILE)
# Ops the model runner (lib/model) supports that a float CNN of this kind may use.
RUNNER_OPS = {"Conv", "Add", "Relu", "Clip", "MaxPool", "AveragePool", "GlobalAveragePool",
              "Flatten", "Reshape", "Gemm", "MatMul", "Concat", "Resize", "Sigmoid",
              "HardSwish", "Softmax"}
BATCH = 500
# NumPy's matrix products run on Debian's reference BLAS here (about 2 GFLOPS): the
# binary64 pass checks the graph on the first 1000 images, ONNX Runtime counts all.
NUMPY_IMAGES = 1000
LOGIT_TOLERANCE = 1e-4


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def windows(x, kh, kw, strides, pads, fill):
    """[N, C, H, W] -> [N, C, Ho, Wo, kh, kw]: every kernel position's input window."""
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])),
               constant_values=fill)
    w = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))
    return w[:, :, ::strides[0], ::strides[1]]


def conv(x, w, b, a):
    groups = a.get("group", 1)
    kh, kw = w.shape[2:]
    if a.get("dilations", [1, 1]) != [1, 1] or a.get("auto_pad", b"NOTSET") != b"NOTSET":
        raise ValueError("Conv: dilations and auto_pad are not used by this model")
    win = windows(x, kh, kw, a.get("strides", [1, 1]), a.get("pads", [0, 0, 0, 0]), 0.0)
    n, c, ho, wo = win.shape[:4]
    m = w.shape[0]
    cg, mg = c // groups, m // groups
    if cg == 1 and mg == 1:
        # Depthwise: one 3x3 filter per channel, summed tap by tap.
        y = np.einsum("nchwij,cij->nchw", win, w[:, 0])
    else:
        # Each group an im2col matrix times its filters (one BLAS product).
        y = np.empty((n, m, ho, wo))
        for gi in range(groups):
            cols = win[:, gi * cg:(gi + 1) * cg].transpose(0, 2, 3, 1, 4, 5)
            cols = cols.reshape(n * ho * wo, cg * kh * kw)
            wmat = w[gi * mg:(gi + 1) * mg].reshape(mg, cg * kh * kw)
            y[:, gi * mg:(gi + 1) * mg] = (cols @ wmat.T).reshape(n, ho, wo, mg).transpose(0, 3, 1, 2)
    if b is not None:
        y = y + b[None, :, None, None]
    return y, ho * wo * m * (c // groups) * kh * kw


def maxpool(x, a):
    if a.get("dilations", [1, 1]) != [1, 1] or a.get("ceil_mode", 0):
        raise ValueError("MaxPool: dilations and ceil_mode are not used by this model")
    kh, kw = a["kernel_shape"]
    win = windows(x, kh, kw, a.get("strides", [1, 1]), a.get("pads", [0, 0, 0, 0]), -np.inf)
    return win.max(axis=(4, 5))


def gemm(x, w, b, a):
    if a.get("transA", 0):
        x = x.T
    if a.get("transB", 0):
        w = w.T
    y = a.get("alpha", 1.0) * (x @ w)
    if b is not None:
        y = y + a.get("beta", 1.0) * b
    return y, w.shape[0] * w.shape[1]


def forward(model, images):
    """The graph run in binary64 on IMAGES; returns (logits, MACs per image)."""
    g = model.graph
    vals = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in g.initializer}
    vals[g.input[0].name] = images.astype(np.float64)
    macs = 0
    for node in g.node:
        a = attrs(node)
        ins = [vals[i] if i else None for i in node.input]
        op = node.op_type
        if op == "Conv":
            y, n = conv(ins[0], ins[1], ins[2] if len(ins) > 2 else None, a)
            macs += n
        elif op == "Gemm":
            y, n = gemm(ins[0], ins[1], ins[2] if len(ins) > 2 else None, a)
            macs += n
        elif op == "Relu":
            y = np.maximum(ins[0], 0.0)
        elif op == "Add":
            y = ins[0] + ins[1]
        elif op == "MaxPool":
            y = maxpool(ins[0], a)
        elif op == "GlobalAveragePool":
            y = ins[0].mean(axis=(2, 3), keepdims=True)
        elif op == "Flatten":
            axis = a.get("axis", 1)
            y = ins[0].reshape(int(np.prod(ins[0].shape[:axis])), -1)
        else:
            raise ValueError("node %s: op %s is not in this test's forward pass" %
                             (node.name, op))
        vals[node.output[0]] = y
    return vals[g.output[0].name], macs


def dims(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def check_file(res, record):
    got = fashion_record.sha256(MODEL)
    res.check(got == record["sha256"], "model file: SHA-256 is the record's",
              "%s is %s, the record says %s" % (MODEL, got, record["sha256"]))


def check_model(res, model):
    try:
        onnx.checker.check_model(model, full_check=True)
        res.ok("model: onnx.checker (full check) accepts it")
    except Exception as e:  # noqa: BLE001 - the checker's message says what is wrong
        res.fail("model: onnx.checker (full check) accepts it", str(e))
    opsets = {o.domain or "ai.onnx": o.version for o in model.opset_import}
    res.check(list(opsets) == ["ai.onnx"] and 13 <= opsets["ai.onnx"] <= 17,
              "model: the default domain only, opset 13..17", "opsets %s" % opsets)
    g = model.graph
    io = ([(i.name, i.type.tensor_type.elem_type, dims(i)) for i in g.input],
          [(o.name, o.type.tensor_type.elem_type, dims(o)) for o in g.output])
    want = ([("image", onnx.TensorProto.FLOAT, ["batch", 1, 28, 28])],
            [("logits", onnx.TensorProto.FLOAT, ["batch", len(fashion_data.CLASSES)])])
    res.check(io == want, "model: image [batch,1,28,28] -> logits [batch,10], float32",
              "inputs/outputs %s, expected %s" % (io, want))
    ops = {n.op_type for n in g.node}
    res.check(ops <= RUNNER_OPS, "model: only ops the runner supports",
              "unsupported: %s" % sorted(ops - RUNNER_OPS))
    depthwise = [n.name for n in g.node if n.op_type == "Conv" and attrs(n).get("group", 1) > 1]
    features = {"Add", "MaxPool", "GlobalAveragePool", "Gemm"}
    res.check(features <= ops and depthwise, "model: residual Add, depthwise Conv, pools, Gemm",
              "ops %s, grouped convolutions %s" % (sorted(ops), depthwise))
    meta = {p.key: p.value for p in model.metadata_props}
    res.check(meta == fashion_record.metadata(), "model: metadata (input, classes, licence)",
              "metadata %s" % meta)


def check_data(res, data):
    x = np.load(os.path.join(data, "test_images.npy"))
    y = np.load(os.path.join(data, "test_labels.npy"))
    cx = np.load(os.path.join(data, "calibration_images.npy"))
    # Every value a pixel / 255 in binary32: scaled back it is an integer 0..255.
    def pixels(a):
        p = a.astype(np.float64) * 255.0
        return a.dtype == np.float32 and bool(np.all(np.abs(p - np.rint(p)) < 1e-4) and
                                              p.min() >= 0 and p.max() <= 255)
    res.check(x.shape == (10000, 1, 28, 28) and pixels(x) and y.dtype == np.uint8 and
              y.shape == (10000,) and np.array_equal(np.bincount(y), [1000] * 10),
              "data: 10000 test images float32 pixel/255, uint8 labels, 1000 of each class",
              "images %s %s, labels %s %s" % (x.dtype, x.shape, y.dtype, y.shape))
    res.check(cx.shape == (500, 1, 28, 28) and pixels(cx),
              "data: 500 calibration images", "%s %s" % (cx.dtype, cx.shape))
    return x, y


def ort_pass(res, record, data, work, y):
    """ONNX Runtime's logits of the test images; their accuracy is the record's."""
    out = os.path.join(work, "ort")
    os.makedirs(out, exist_ok=True)
    cmd = ["node", os.path.join(HERE, "ort_run.mjs"), MODEL, "--ort", oracle.ort_node_dir(),
           "--input", "image=" + os.path.join(data, "test_images.npy"), "--output-dir", out]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        res.fail("accuracy (ONNX Runtime)", "ort_run.mjs exited %d: %s" %
                 (p.returncode, p.stdout[-1500:]))
        return None
    logits = np.load(os.path.join(out, "logits.npy"))
    if logits.dtype != np.float32 or logits.shape != (y.shape[0], len(fashion_data.CLASSES)):
        res.fail("accuracy (ONNX Runtime)", "logits %s %s" % (logits.dtype, logits.shape))
        return None
    correct = int(np.count_nonzero(logits.argmax(1) == y))
    top2 = np.sort(logits, axis=1)[:, -2:]
    print("     the closest decision's two logits are %.3g apart" %
          float((top2[:, 1] - top2[:, 0]).min()))
    res.check(correct == record["test_correct"] and y.shape[0] == record["test_images"],
              "accuracy (ONNX Runtime, binary32): %d / %d as recorded" % (correct, y.shape[0]),
              "%d / %d correct, the record says %d / %d" %
              (correct, y.shape[0], record["test_correct"], record["test_images"]))
    return logits


def numpy_pass(res, model, record, x, y, ort_logits):
    """The graph's meaning, independently of ORT: the NumPy pass on the first images."""
    logits, macs = [], 0
    for i in range(0, NUMPY_IMAGES, BATCH):
        out, macs = forward(model, x[i:i + BATCH])
        logits.append(out)
    logits = np.concatenate(logits)
    n = NUMPY_IMAGES
    correct = int(np.count_nonzero(logits.argmax(1) == y[:n]))
    if ort_logits is not None:
        ort_correct = int(np.count_nonzero(ort_logits[:n].argmax(1) == y[:n]))
        differ = int(np.count_nonzero(logits.argmax(1) != ort_logits[:n].argmax(1)))
        res.check(differ == 0,
                  "decisions (numpy, binary64) on the first %d: ONNX Runtime's (%d correct)" %
                  (n, correct), "%d images classified otherwise; numpy %d correct, ONNX "
                  "Runtime %d" % (differ, correct, ort_correct))
        diff = float(np.abs(ort_logits[:n].astype(np.float64) - logits).max())
        res.check(diff <= LOGIT_TOLERANCE,
                  "logits: ONNX Runtime's within %g of numpy's (%.2g)" % (LOGIT_TOLERANCE, diff),
                  "largest difference %g" % diff)
    else:
        res.skip("accuracy (numpy, binary64)", "no ONNX Runtime logits to compare with")
    res.check(macs == record["macs_per_image"], "cost: %d MACs per image as recorded" % macs,
              "the graph has %d MACs per image, the record says %d" %
              (macs, record["macs_per_image"]))
    weights = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
    res.check(weights == record["weights"], "size: %d weights as recorded" % weights,
              "the graph has %d weights, the record says %d" % (weights, record["weights"]))


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: fashion_cnn_test.py DATADIR WORKDIR")
    data, work = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    res = oracle.Results()
    record = fashion_record.read(os.path.join(MODEL_DIR, fashion_record.RECORD_FILE))
    check_file(res, record)
    model = onnx.load(MODEL)
    check_model(res, model)
    x, y = check_data(res, data)
    ort_logits = ort_pass(res, record, data, work, y)
    numpy_pass(res, model, record, x, y, ort_logits)
    return res.report()


if __name__ == "__main__":
    sys.exit(main())
