# SPDX-License-Identifier: MIT
"""The record of a trained Fashion-MNIST model (fashion_cnn.record beside the model):
what train.py measured and the tests check - the model file's SHA-256, the count of
correctly classified test images, the number of weights and the MACs per image - and
the model's ONNX metadata. Documentation/models.rst, "The Fashion-MNIST inspection model".
"""
import hashlib
import os

import numpy as np
import onnx
from onnx import numpy_helper

import fashion_data

MODEL_FILE = "fashion_cnn.onnx"
RECORD_FILE = "fashion_cnn.record"
INT_KEYS = ("test_images", "test_correct", "weights", "macs_per_image")
KEYS = ("sha256",) + INT_KEYS + ("torch",)

HEADER = """\
# SPDX-License-Identifier: MIT
# The committed Fashion-MNIST model's record: written by models/fashion/train.py,
# checked by the model-fashion suite (Documentation/models.rst).
"""


def metadata():
    """The model's metadata_props: what a program needs to feed it and to credit it."""
    return {
        "fpq.input": "image: float32 [N,1,%d,%d] = pixel / %g" %
                     (fashion_data.HEIGHT, fashion_data.WIDTH, fashion_data.PIXEL_SCALE),
        "fpq.output": "logits: float32 [N,%d]" % len(fashion_data.CLASSES),
        "fpq.classes": ",".join(fashion_data.CLASSES),
        "fpq.dataset": "Fashion-MNIST, Copyright 2017 Zalando SE, MIT licence "
                       "(Debian package %s)" % fashion_data.PACKAGE,
        "license": "MIT",
    }


def write(path, record):
    with open(path, "w") as f:
        f.write(HEADER)
        for key in KEYS:
            f.write("%s = %s\n" % (key, record[key]))


def read(path):
    record = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, sep, value = (s.strip() for s in line.partition("="))
            if not sep or key not in KEYS or key in record:
                raise ValueError("%s:%d: not a record line: %r" % (path, n, line))
            record[key] = int(value) if key in INT_KEYS else value
    missing = [k for k in KEYS if k not in record]
    if missing:
        raise ValueError("%s: missing %s" % (path, ", ".join(missing)))
    return record


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def compare(new_dir, old_dir):
    """Prints how the model in NEW_DIR differs from OLD_DIR's; True if in nothing."""
    same = True
    new = read(os.path.join(new_dir, RECORD_FILE))
    old = read(os.path.join(old_dir, RECORD_FILE))
    for key in KEYS:
        if new[key] != old[key]:
            print("differs: %s %s, committed %s" % (key, new[key], old[key]))
            same = False
    new_w = {t.name: numpy_helper.to_array(t) for t in
             onnx.load(os.path.join(new_dir, MODEL_FILE)).graph.initializer}
    old_w = {t.name: numpy_helper.to_array(t) for t in
             onnx.load(os.path.join(old_dir, MODEL_FILE)).graph.initializer}
    if sorted(new_w) != sorted(old_w):
        print("differs: the weight tensors' names")
        return False
    differing = [n for n in old_w if new_w[n].shape != old_w[n].shape or
                 new_w[n].tobytes() != old_w[n].tobytes()]
    for n in differing:
        if new_w[n].shape != old_w[n].shape:
            print("differs: weight %s has shape %s, committed %s" %
                  (n, new_w[n].shape, old_w[n].shape))
        else:
            d = np.abs(new_w[n].astype(np.float64) - old_w[n].astype(np.float64))
            print("differs: weight %s in %d of %d values (largest difference %.3g)" %
                  (n, int(np.count_nonzero(d)), d.size, d.max()))
    if differing:
        same = False
    else:
        print("same: all %d weight tensors, bit for bit" % len(old_w))
    if same:
        print("same: the record (%d / %d test images correct) and the file (SHA-256 %s)" %
              (old["test_correct"], old["test_images"], old["sha256"]))
    return same
