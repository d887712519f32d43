# SPDX-License-Identifier: MIT
"""The whole CNN of issue 14: a small detector/classifier for 32 x 32 RGB input with a
strided stem, depthwise-separable residual blocks, max pooling, a HardSwish conv, a
squeeze-excite gate (GlobalAveragePool, 1x1 convs, HardSigmoid, Mul), a concat of two
branches, a feature-pyramid upsample (Resize nearest) concatenated with a finer map, a
sigmoid heatmap head and a GlobalAveragePool -> Flatten -> Gemm classifier head.

Weights are random (He initialisation, deterministic); the activations' scales come from
MinMax calibration on random images, as quantize_static would choose them. The network
is written once, as a function over a builder: the float builder runs it in numpy to
calibrate, the QDQ builder writes the quantized ONNX graph (Q/DQ around every op,
Relu folded into the output ranges, one DequantizeLinear per consumer).
"""
import numpy as np

from case import Case
from qdq import F32, Graph, minmax_qparams

ACTS = {"u8": np.uint8, "s8": np.int8}
INPUT_HW = 32          # the tests' input size; the benchmark builds larger ones


def make_params(rng):
    """The float weights: name -> (weight, bias), He-initialised."""
    p = {}

    def conv(name, m, c, k, group=1):
        fan_in = (c // group) * k * k
        p[name] = ((rng.standard_normal((m, c // group, k, k)) * np.sqrt(2.0 / fan_in)).astype(F32),
                   (rng.standard_normal(m) * 0.05).astype(F32))

    conv("stem", 16, 3, 3)
    conv("b1_dw", 16, 16, 3, group=16)
    conv("b1_pw", 16, 16, 1)
    conv("b2", 32, 16, 3)
    conv("se_reduce", 8, 32, 1)
    conv("se_expand", 32, 8, 1)
    conv("br_1x1", 16, 32, 1)
    conv("br_3x3", 16, 32, 3)
    conv("down_dw", 32, 32, 3, group=32)
    conv("down_pw", 48, 32, 1)
    conv("fpn", 24, 80, 1)
    conv("head", 3, 24, 1)
    p["fc"] = ((rng.standard_normal((10, 48)) * np.sqrt(1.0 / 48)).astype(F32),
               (rng.standard_normal(10) * 0.05).astype(F32))
    return p


def network(b, x):
    """The CNN over builder B; returns its outputs {name: tensor}."""
    stem = b.conv(x, "stem", stride=2, pad=1, relu=True)                # 16 x 16 x 16
    t = b.conv(stem, "b1_dw", pad=1, group=16, relu=True)
    t = b.conv(t, "b1_pw")
    t = b.add(t, stem, relu=True)                                        # residual
    t = b.maxpool(t)                                                     # 16 x 8 x 8
    t = b.hardswish(b.conv(t, "b2", pad=1))                              # 32 x 8 x 8
    gate = b.conv(b.gap(t), "se_reduce", relu=True)
    gate = b.hardsigmoid(b.conv(gate, "se_expand"))
    fine = b.mul(t, gate)                                                # squeeze-excite
    t = b.concat([b.conv(fine, "br_1x1", relu=True),
                  b.conv(fine, "br_3x3", pad=2, dilation=2, relu=True)])  # 32 x 8 x 8
    t = b.conv(t, "down_dw", stride=2, pad=1, group=32, relu=True)       # 32 x 4 x 4
    coarse = b.conv(t, "down_pw", relu=True)                             # 48 x 4 x 4
    up = b.resize2x(coarse)                                              # 48 x 8 x 8
    t = b.conv(b.concat([up, fine]), "fpn", relu=True)                   # 24 x 8 x 8
    heat = b.sigmoid(b.conv(t, "head"))                                  # 3 x 8 x 8
    logits = b.gemm(b.flatten(b.gap(coarse)), "fc")                      # 10
    return {"heatmap": heat, "logits": logits}


# The float builder: numpy, recording every tensor's range -----------------------------

def conv2d(x, w, bias, stride, pad, group, dilation):
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh = (x.shape[2] - dilation * (kh - 1) - 1) // stride + 1
    ow = (x.shape[3] - dilation * (kw - 1) - 1) // stride + 1
    mg = m // group
    out = np.zeros((n, m, oh, ow))
    for g in range(group):
        for i in range(kh):
            for j in range(kw):
                patch = x[:, g * cg:(g + 1) * cg, i * dilation:i * dilation + stride * (oh - 1) + 1:stride,
                          j * dilation:j * dilation + stride * (ow - 1) + 1:stride]
                out[:, g * mg:(g + 1) * mg] += np.einsum("nchw,mc->nmhw", patch, w[g * mg:(g + 1) * mg, :, i, j])
    return out + bias.reshape(1, -1, 1, 1)


class FloatBuilder:
    def __init__(self, params):
        self.p = params
        self.ranges = {}
        self.count = 0

    def _out(self, v):
        self.count += 1
        key = self.count
        self.ranges[key] = (float(v.min()), float(v.max()))
        return (key, v)

    def conv(self, x, name, stride=1, pad=0, group=1, dilation=1, relu=False):
        w, b = self.p[name]
        v = conv2d(x[1], w.astype(np.float64), b.astype(np.float64), stride, pad, group, dilation)
        return self._out(np.maximum(v, 0) if relu else v)

    def add(self, a, c, relu=False):
        v = a[1] + c[1]
        return self._out(np.maximum(v, 0) if relu else v)

    def mul(self, a, c):
        return self._out(a[1] * c[1])

    def maxpool(self, x):
        v = x[1]
        n, c, h, w = v.shape
        return self._out(v.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5)))

    def hardswish(self, x):
        v = x[1]
        return self._out(v * np.clip(v / 6.0 + 0.5, 0, 1))

    def hardsigmoid(self, x):
        return self._out(np.clip(x[1] * 0.2 + 0.5, 0, 1))

    def sigmoid(self, x):
        return self._out(1.0 / (1.0 + np.exp(-x[1])))

    def gap(self, x):
        return self._out(x[1].mean(axis=(2, 3), keepdims=True))

    def concat(self, xs):
        return self._out(np.concatenate([x[1] for x in xs], axis=1))

    def resize2x(self, x):
        return self._out(x[1].repeat(2, axis=2).repeat(2, axis=3))

    def flatten(self, x):
        return self._out(x[1].reshape(x[1].shape[0], -1))

    def gemm(self, x, name):
        w, b = self.p[name]
        return self._out(x[1] @ w.T.astype(np.float64) + b)

    def input(self, v):
        return self._out(v.astype(np.float64))


# The QDQ builder: the quantized ONNX graph --------------------------------------------

class QdqBuilder:
    """Each op: DequantizeLinear of its inputs (one per consumer), the op in float, a
    QuantizeLinear of its output with the calibrated range; ops that only select or move
    values keep their input's scale and zero point, as quantize_static does."""

    def __init__(self, g, params, ranges, dt, per_channel, hw):
        """HW: the input's height and width, or None for symbolic ones ("H", "W")."""
        self.g, self.p, self.ranges, self.dt, self.pc, self.hw = g, params, ranges, dt, per_channel, hw
        self.count = 0
        self.quantized = []                 # every QuantizeLinear output, in order

    def _params(self, key):
        lo, hi = self.ranges[key]
        return minmax_qparams(lo, hi, self.dt)

    def _quantize(self, t, scale, zp):
        s, z = self.g.const("scale", F32(scale)), self.g.const("zp", zp)
        q = self.g.op("QuantizeLinear", [t, s, z])
        self.quantized.append(q)
        return {"q": q, "s": s, "z": z, "scale": F32(scale), "zp": zp}

    def _out(self, t, params=None):
        self.count += 1
        key = self.count
        scale, zp = params if params is not None else self._params(key)
        return self._quantize(t, scale, zp)

    def dq(self, x):
        return self.g.op("DequantizeLinear", [x["q"], x["s"], x["z"]])

    def _weights(self, name, transposed=False):
        w, b = self.p[name]
        axes = tuple(range(1, w.ndim))
        if self.pc:
            amax = np.abs(w).max(axis=axes)
        else:
            amax = np.full(w.shape[0], np.abs(w).max())
        sw = (np.maximum(amax, 1e-8) / 127.0).astype(F32)
        wq = np.clip(np.rint(w / sw.reshape((-1,) + (1,) * (w.ndim - 1))), -127, 127).astype(np.int8)
        scale = sw if self.pc else sw[0]
        zp = np.zeros(np.shape(scale), np.int8)
        attrs = {"axis": 0} if self.pc else {}
        wt = self.g.op("DequantizeLinear", [self.g.const("wq", wq), self.g.const("scale", scale),
                                            self.g.const("zp", zp)], **attrs)
        return wt, b, sw

    def _bias(self, b, sx, sw):
        bscale = (F32(sx) * sw).astype(F32)
        bq = np.clip(np.rint(b / bscale), -2 ** 31, 2 ** 31 - 1).astype(np.int32)
        return self.g.op("DequantizeLinear", [self.g.const("bias", bq), self.g.const("scale", bscale),
                                              self.g.const("zp", np.zeros(bq.shape, np.int32))], axis=0)

    def conv(self, x, name, stride=1, pad=0, group=1, dilation=1, relu=False):
        wt, b, sw = self._weights(name)
        t = self.g.op("Conv", [self.dq(x), wt, self._bias(b, x["scale"], sw)], kernel_shape=list(self.p[name][0].shape[2:]),
                      strides=[stride, stride], pads=[pad] * 4, group=group, dilations=[dilation, dilation])
        return self._out(t)                # a Relu is folded into the calibrated range [0, max]

    def add(self, a, c, relu=False):
        return self._out(self.g.op("Add", [self.dq(a), self.dq(c)]))

    def mul(self, a, c):
        return self._out(self.g.op("Mul", [self.dq(a), self.dq(c)]))

    def maxpool(self, x):
        return self._out(self.g.op("MaxPool", [self.dq(x)], kernel_shape=[2, 2], strides=[2, 2]),
                         (x["scale"], x["zp"]))

    def hardswish(self, x):
        return self._out(self.g.op("HardSwish", [self.dq(x)]))

    def hardsigmoid(self, x):
        return self._out(self.g.op("HardSigmoid", [self.dq(x)], alpha=0.2, beta=0.5))

    def sigmoid(self, x):
        return self._out(self.g.op("Sigmoid", [self.dq(x)]))

    def gap(self, x):
        return self._out(self.g.op("GlobalAveragePool", [self.dq(x)]))

    def concat(self, xs):
        return self._out(self.g.op("Concat", [self.dq(x) for x in xs], axis=1))

    def resize2x(self, x):
        scales = self.g.const("scales", np.array([1, 1, 2, 2], F32))
        return self._out(self.g.op("Resize", [self.dq(x), "", scales], mode="nearest"), (x["scale"], x["zp"]))

    def flatten(self, x):
        return self._out(self.g.op("Flatten", [self.dq(x)], axis=1), (x["scale"], x["zp"]))

    def gemm(self, x, name):
        wt, b, sw = self._weights(name)
        return self._out(self.g.op("Gemm", [self.dq(x), wt, self._bias(b, x["scale"], sw)], transB=1))

    def input(self, name):
        self.count += 1
        scale, zp = self._params(self.count)
        h, w = (self.hw, self.hw) if self.hw else ("H", "W")
        return self._quantize(self.g.input(name, F32, ["N", 3, h, w]), scale, zp)


def images(rng, n, hw=INPUT_HW):
    """Random smooth images, roughly normalised: coarse noise upsampled plus fine noise
    (HW a multiple of 8)."""
    coarse = rng.standard_normal((n, 3, 4, 4)).repeat(hw // 4, axis=2).repeat(hw // 4, axis=3)
    return (coarse * 0.8 + rng.standard_normal((n, 3, hw, hw)) * 0.4).astype(F32)


def build_cnn(act, per_channel, hw=INPUT_HW, seed=20240601, dynamic_hw=False, taps=False):
    """The quantized CNN for HW x HW input (calibrated there; with DYNAMIC_HW its input's
    height and width are symbolic; with TAPS every quantized tensor is a graph output too):
    (name, model, the generator for inputs)."""
    rng = np.random.default_rng(seed)
    params = make_params(rng)
    fb = FloatBuilder(params)
    network(fb, fb.input(images(rng, 16 if hw <= 64 else 4, hw)))
    name = "cnn_qdq_%s_%s%s%s" % (act, "pc" if per_channel else "pt", "_dynamic_hw" if dynamic_hw else "",
                                  "_taps" if taps else "")
    g = Graph(name)
    qb = QdqBuilder(g, params, fb.ranges, ACTS[act], per_channel, None if dynamic_hw else hw)
    outs = network(qb, qb.input("image"))
    for out_name, t in outs.items():
        g.output(qb.dq(t), out_name, F32)
    if taps:
        for i, q in enumerate(qb.quantized):
            g.output(q, "tap%02d" % i, ACTS[act])
    return name, g.model(), rng


def images_hw(rng, n, h, w):
    return images(rng, n, max(h, w))[:, :, :h, :w].copy()


def cnn_cases():
    out = []
    for act, pc, dyn in (("u8", True, False), ("s8", True, False), ("u8", False, False), ("u8", True, True)):
        name, model, rng = build_cnn(act, pc, dynamic_hw=dyn)
        # A dynamic height and width run at 32 x 32, then 40 x 56 at batch 2.
        extra = images_hw(rng, 2, 40, 56) if dyn else images(rng, 2)
        out.append(Case(name, "qdq-" + act,
                        ["Conv", "Add", "Mul", "MaxPool", "HardSwish", "HardSigmoid", "Sigmoid", "GlobalAveragePool",
                         "Concat", "Resize", "Flatten", "Gemm", "QuantizeLinear", "DequantizeLinear"],
                        model, {"image": images(rng, 1)}, extra_inputs=[{"image": extra}],
                        expect_ops=["QLinearConv", "QLinearAdd", "QLinearMul", "QLinearConcat",
                                    "QLinearGlobalAveragePool", "QLinearSigmoid", "QGemm"],
                        notes={"what": "the whole CNN, batch 1 and 2" + (", height and width symbolic" if dyn else "")}))
    # Every quantized tensor of the uint8 CNN as an output too: a difference in the final
    # outputs shows where it starts. ORT keeps its fused kernels for int8 taps only with
    # session.qdqisint8allowed=1 (Documentation/models.rst); its final outputs must then be the plain
    # case's, byte for byte.
    name, model, _ = build_cnn("u8", True, taps=True)
    out.append(Case(name, "qdq-u8", out[0].ops, model, dict(out[0].inputs),
                    expect_ops=out[0].expect_ops, config={"session.qdqisint8allowed": "1"},
                    same_outputs_as=(out[0].name, ["heatmap", "logits"]),
                    notes={"what": "the whole CNN with every quantized tensor exposed"}))
    return out


def bench_inputs(batch, hw, seed=7):
    """Images for the benchmark (batch 1 latency, batch 32 throughput)."""
    return images(np.random.default_rng(seed + batch), batch, hw)
