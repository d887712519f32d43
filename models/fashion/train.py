#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Train the Fashion-MNIST inspection model and export it to ONNX, reproducibly
(Documentation/models.rst, "The Fashion-MNIST inspection model").

    train.py OUTDIR [--check-against DIR]

Writes OUTDIR/fashion_cnn.onnx and OUTDIR/fashion_cnn.record (its SHA-256, accuracy on
the 10,000 test images as a count, size and cost). With --check-against DIR (the
committed models/fashion) it then compares the new model with DIR's: the record's
figures, every weight bit for bit, and the file's bytes; exit status 1 if anything
differs, with what differs.

Reproducible: fixed seeds for the initial weights, the shuffling and the flips; one CPU
thread; torch.use_deterministic_algorithms(True). On the same CPU kind and the same
Debian packages (python3-torch 1.13.1+dfsg-4) the weights come out bit-identical.
"""
import argparse
import hashlib
import os
import sys
import time
from collections import OrderedDict

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion_data  # noqa: E402
import fashion_record  # noqa: E402

SEED = 20240515
EPOCHS = 12
BATCH = 128
MAX_LR = 0.1
WEIGHT_DECAY = 5e-4
OPSET = 13


def conv_bn(cin, cout, k=3, stride=1, groups=1, relu=True):
    layers = [("conv", nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False)),
              ("bn", nn.BatchNorm2d(cout))]
    if relu:
        layers.append(("relu", nn.ReLU()))
    return nn.Sequential(OrderedDict(layers))


class Residual(nn.Module):
    """relu(x + b(a(x))): the residual Add the quantizer and the runner must handle."""

    def __init__(self, a, b):
        super().__init__()
        self.a = a
        self.b = b

    def forward(self, x):
        return F.relu(x + self.b(self.a(x)))


def fashion_cnn():
    """The network: channel counts 16/32/64 (multiples of 16, K of the 1x1 convs 32).
    The module names become the ONNX node and weight names (stem.conv, res1.a.conv, ...)."""
    return nn.Sequential(OrderedDict([
        ("stem", conv_bn(1, 16)),                                  # 16 x 28 x 28
        ("pool", nn.MaxPool2d(2)),                                 # 16 x 14 x 14
        ("res1", Residual(conv_bn(16, 16), conv_bn(16, 16, relu=False))),
        ("down", conv_bn(16, 32, stride=2)),                       # 32 x 7 x 7
        ("dwres", Residual(conv_bn(32, 32, groups=32),             # depthwise 3x3
                           conv_bn(32, 32, k=1, relu=False))),     # pointwise 1x1
        ("res2", Residual(conv_bn(32, 32), conv_bn(32, 32, relu=False))),
        ("head", conv_bn(32, 64, k=1)),                            # 64 x 7 x 7
        ("gap", nn.AdaptiveAvgPool2d(1)),                          # GlobalAveragePool
        ("flatten", nn.Flatten()),
        ("classifier", nn.Linear(64, len(fashion_data.CLASSES))),  # Gemm: the logits
    ]))


def macs_per_image(net):
    """Multiply-accumulates of one image's forward pass (convolutions and the Gemm)."""
    total = 0

    def hook(m, inp, out):
        nonlocal total
        if isinstance(m, nn.Conv2d):
            k = m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
            total += out[0].numel() * k
        elif isinstance(m, nn.Linear):
            total += m.in_features * m.out_features

    hooks = [m.register_forward_hook(hook) for m in net.modules()
             if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        net(torch.zeros(1, 1, fashion_data.HEIGHT, fashion_data.WIDTH))
    for h in hooks:
        h.remove()
    return total


def train(net, images, labels):
    gen = torch.Generator().manual_seed(SEED + 1)
    steps_per_epoch = images.shape[0] // BATCH      # the last partial batch is dropped
    opt = torch.optim.SGD(net.parameters(), lr=MAX_LR, momentum=0.9, nesterov=True,
                          weight_decay=WEIGHT_DECAY)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=MAX_LR, pct_start=0.2,
                                                total_steps=EPOCHS * steps_per_epoch)
    for epoch in range(EPOCHS):
        net.train()
        start = time.monotonic()
        order = torch.randperm(images.shape[0], generator=gen)
        total = 0.0
        for step in range(steps_per_epoch):
            idx = order[step * BATCH:(step + 1) * BATCH]
            x = images[idx]
            # Left-right mirroring is the one augmentation: products photographed
            # mirrored are the same class.
            flip = torch.rand(BATCH, generator=gen) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(3), x)
            loss = F.cross_entropy(net(x), labels[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        print("epoch %2d/%d: loss %.4f, %.0f s" % (epoch + 1, EPOCHS, total / steps_per_epoch,
                                                  time.monotonic() - start), flush=True)


def count_correct(net, images, labels):
    net.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, images.shape[0], 1000):
            pred = net(images[i:i + 1000]).argmax(1)
            correct += int((pred == labels[i:i + 1000]).sum())
    return correct


def tidy(model):
    """The exported graph made plain for the tools that read it: weights named after
    their layer (stem.conv.weight, classifier.bias, ...) instead of the exporter's
    onnx::Conv_92, and no Identity nodes (the exporter shares equal folded tensors
    through them)."""
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    alias = {}
    for n in [n for n in g.node if n.op_type == "Identity" and n.input[0] in inits]:
        alias[n.output[0]] = n.input[0]
        g.node.remove(n)
    tensors = []
    for n in g.node:
        if n.op_type not in ("Conv", "Gemm"):
            continue
        layer = n.name.strip("/").rsplit("/", 1)[0].replace("/", ".")
        for i, role in ((1, "weight"), (2, "bias")):
            if i < len(n.input):
                t = onnx.TensorProto()
                t.CopyFrom(inits[alias.get(n.input[i], n.input[i])])
                t.name = "%s.%s" % (layer, role)
                n.input[i] = t.name
                tensors.append(t)
    renamed = {t.name for t in tensors}
    left = ({i for n in g.node for i in n.input} & (set(inits) | set(alias))) - renamed
    if left:
        raise RuntimeError("weights used by other nodes than Conv and Gemm: %s" % sorted(left))
    del g.initializer[:]
    g.initializer.extend(tensors)
    return model


def export(net, path):
    net.eval()
    torch.onnx.export(net, torch.zeros(1, 1, fashion_data.HEIGHT, fashion_data.WIDTH), path,
                      opset_version=OPSET, do_constant_folding=True,
                      input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}},
                      training=torch.onnx.TrainingMode.EVAL)
    model = tidy(onnx.load(path))
    model.doc_string = ("Fashion-MNIST inspection CNN of fpq (models/fashion/train.py). "
                        "Input: float32 [N,1,28,28] = pixel / 255. Output: 10 logits.")
    for key, value in fashion_record.metadata().items():
        model.metadata_props.add(key=key, value=value)
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--check-against", metavar="DIR")
    args = ap.parse_args()

    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.use_deterministic_algorithms(True)

    try:
        train_x, train_y = fashion_data.load("train")
        test_x, test_y = fashion_data.load("test")
    except fashion_data.DataError as e:
        print("train: %s" % e, file=sys.stderr)
        return 1
    train_x, test_x = torch.from_numpy(train_x), torch.from_numpy(test_x)
    train_y = torch.from_numpy(train_y.astype(np.int64))
    test_y = torch.from_numpy(test_y.astype(np.int64))

    net = fashion_cnn()
    print("torch %s, %d parameters, %d MACs per image, %d epochs of %d images" %
          (torch.__version__, sum(p.numel() for p in net.parameters()), macs_per_image(net),
           EPOCHS, train_x.shape[0]), flush=True)
    start = time.monotonic()
    train(net, train_x, train_y)
    seconds = time.monotonic() - start
    correct = count_correct(net, test_x, test_y)
    print("trained in %.0f s; test accuracy %d / %d = %.2f %%" %
          (seconds, correct, test_x.shape[0], 100.0 * correct / test_x.shape[0]))

    os.makedirs(args.outdir, exist_ok=True)
    path = os.path.join(args.outdir, fashion_record.MODEL_FILE)
    export(net, path)
    with open(path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    weights = onnx.load(path).graph.initializer
    record = {
        "sha256": sha,
        "test_images": test_x.shape[0],
        "test_correct": correct,
        "weights": sum(int(np.prod(w.dims)) for w in weights),
        "macs_per_image": macs_per_image(net),
        "torch": torch.__version__,
    }
    fashion_record.write(os.path.join(args.outdir, fashion_record.RECORD_FILE), record)
    print("wrote %s (SHA-256 %s)" % (path, sha))
    if args.check_against:
        return 0 if fashion_record.compare(args.outdir, args.check_against) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
