# SPDX-License-Identifier: MIT
"""Per-op test models: every op of issue 14's list in QDQ form (uint8 and int8 asymmetric
activations, symmetric int8 weights per tensor and per channel), in ORT's QOperator form
where it has one, and in float; odd shapes, every convolution form, and inputs and scales
chosen to put values on and next to rounding ties.

Each case draws from its own generator seeded by its name, so a case's model and inputs
do not depend on which other cases exist.
"""
import math
import zlib

import numpy as np

from case import Case
from qdq import (F32, MS_DOMAIN, Graph, conv_acc, dequantize, float_input, int_input,
                 matmul_acc, minmax_qparams, output_qparams_for_acc, qrange, quantize,
                 qgemm_scale, random_qparams, requant_scale, requantize, tie_weight_scales, weight_scales,
                 weights_s8)

ACTS = {"u8": np.uint8, "s8": np.int8}


def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


# QDQ pieces, as quantize_static lays them out ----------------------------------------

def qdq(g, t, scale, zp):
    s, z = g.const("scale", F32(scale)), g.const("zp", zp)
    return g.op("DequantizeLinear", [g.op("QuantizeLinear", [t, s, z]), s, z])


def dq_const(g, q, scale, zp, axis=None):
    attrs = {} if axis is None else {"axis": axis}
    return g.op("DequantizeLinear", [g.const("wq", q), g.const("scale", np.asarray(scale, F32)),
                                     g.const("zp", zp)], **attrs)


def one_step(scale):
    """Comparison of a dequantized output up to one quantization step (for ops that ORT
    runs in float between DQ and Q, where binary32 sums may land on the other side)."""
    return {"mode": "close", "rtol": 0.0, "atol": float(scale) * 1.0001}


def weight_zp(scale):
    """Symmetric weights: zero points of 0, one per channel when the scale is."""
    return np.zeros(np.shape(scale), np.int8)


def bias_dq(g, bias, sx, sw):
    """The int32 bias, dequantized with scale sx * sw[j] in binary32 (quantize_static's)."""
    scale = (F32(sx) * np.asarray(sw, F32)).astype(F32)
    if scale.ndim == 0:
        scale = np.full(bias.shape, scale, F32)
    return g.op("DequantizeLinear", [g.const("bias", bias.astype(np.int32)), g.const("scale", scale),
                                     g.const("zp", np.zeros(bias.shape, np.int32))], axis=0)


def out_qdq(g, t, scale, zp, name="y"):
    return g.output(qdq(g, t, scale, zp), name, F32)


def same_pads(size, k, s, d, upper=True):
    total = max(0, (math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size)
    return (total // 2, total - total // 2) if upper else (total - total // 2, total // 2)


def conv_pads(hw, k, strides, pads, dil, auto_pad):
    if auto_pad is None:
        return list(pads)
    up = auto_pad == "SAME_UPPER"
    (t, b), (l, r) = (same_pads(hw[0], k[0], strides[0], dil[0], up),
                      same_pads(hw[1], k[1], strides[1], dil[1], up))
    return [t, l, b, r]


def conv_attrs(k, strides, pads, dil, group, auto_pad):
    a = {"kernel_shape": list(k), "strides": list(strides), "dilations": list(dil), "group": group}
    if auto_pad:
        a["auto_pad"] = auto_pad
    else:
        a["pads"] = [pads[0], pads[1], pads[2], pads[3]]
    return a


def pow2_tie_scales(acc, sx, sy, per_channel):
    """Weight scales making s = 2^-e exactly, e chosen from the accumulators' size so that
    outputs stay in range: every accumulator that is an odd multiple of 2^(e-1) is an exact
    tie (round half to even decides it)."""
    m = np.abs(acc).max(axis=tuple(i for i in range(acc.ndim) if i != 1)) if per_channel \
        else np.abs(acc).max()
    e = np.maximum(1, np.ceil(np.log2(np.maximum(m, 1) / 100.0))).astype(np.int64)
    s = np.ldexp(1.0, -e).astype(F32)
    return (s * F32(sy) / F32(sx)).astype(F32)


def count_exact_ties(acc, s, axis=1):
    shape = [1] * acc.ndim
    if np.ndim(s):
        shape[axis] = -1
    v = acc.astype(np.float64) * np.asarray(s, np.float64).reshape(shape)
    return int(np.sum(np.abs(v - np.floor(v) - 0.5) == 0))


# Convolution -------------------------------------------------------------------------

def conv_qdq(name, act, per_channel, shape, m, k, strides=(1, 1), pads=(0, 0, 0, 0),
             dil=(1, 1), group=1, bias=True, post=None, ties=None, auto_pad=None, opset=17,
             wlimit=127, extra_batch=None):
    rng = rng_for(name)
    dt = ACTS[act]
    n, c, h, w = shape
    if ties == "exact":
        # Inputs near the zero point and small weights keep the sums small, so that the
        # power-of-two scale is large and many sums sit exactly on a tie.
        sx, zx = F32(2.0 ** -6), np.array(rng.integers(*qrange(dt)) // 2, dt)
        x = dequantize(zx + rng.integers(-6, 7, size=shape), sx, zx)
    else:
        sx, zx = random_qparams(rng, dt)
        x = float_input(rng, shape, sx, zx, dt)
    xq = quantize(x, sx, zx, dt)
    wq = weights_s8(rng, (m, c // group) + tuple(k), wlimit)
    sw = weight_scales(rng, m, per_channel)
    blimit = 20 if ties == "exact" else 3000
    b = rng.integers(-blimit, blimit, size=m).astype(np.int32) if bias else None
    p = conv_pads((h, w), k, strides, pads, dil, auto_pad)
    acc = conv_acc(xq, zx, wq, 0, b, strides, p, dil, group)
    notes = {}
    if post == "relu":
        real = acc * float(sx) * np.asarray(sw, np.float64).reshape((1, -1, 1, 1) if per_channel else ())
        sy, zy = minmax_qparams(0.0, real.max() * 0.9, dt)
    elif post == "clip6":
        sy, zy = minmax_qparams(0.0, 6.0, dt)
    else:
        sy, zy = output_qparams_for_acc(acc, sx, sw, dt)
    if ties == "exact":
        sy = F32(2.0 ** -4)
        sw = pow2_tie_scales(acc, sx, sy, per_channel)
        notes["exact_ties"] = count_exact_ties(acc, requant_scale(sx, sw, sy))
    elif ties == "near":
        sw, notes["binary32_ties"] = tie_weight_scales(acc, sx, sy, zy, dt, sw, 1, rng)
    g = Graph(name, opset)
    xi = g.input("x", F32, ["N", c, h, w] if extra_batch else list(shape))
    ins = [qdq(g, xi, sx, zx), dq_const(g, wq, sw, weight_zp(sw), 0 if per_channel else None)]
    if bias:
        ins.append(bias_dq(g, b, sx, sw))
    t = g.op("Conv", ins, **conv_attrs(k, strides, p, dil, group, auto_pad))
    if post == "relu":
        t = g.op("Relu", [t])
    elif post == "clip6":
        t = g.op("Clip", [t, g.const("lo", F32(0)), g.const("hi", F32(6))])
    out_qdq(g, t, sy, zy)
    extra = []
    if extra_batch:
        extra.append({"x": float_input(rng, (extra_batch, c, h, w), sx, zx, dt)})
    ops = ["Conv", "QuantizeLinear", "DequantizeLinear"] + (["Relu"] if post == "relu" else []) + \
        (["Clip"] if post == "clip6" else [])
    s = requant_scale(sx, sw, sy).reshape((1, -1, 1, 1) if per_channel else ())
    y = dequantize(requantize(acc, s, zy, dt), sy, zy)
    return Case(name, "qdq-" + act, ops, g.model(), {"x": x}, expect_ops=["QLinearConv"],
                notes=notes, extra_inputs=extra, predicted={"y": y})


CONV_SHAPES = [
    # name, input shape, out channels, kernel, keyword arguments
    ("3x3_pad1", (1, 3, 13, 13), 8, (3, 3), dict(pads=(1, 1, 1, 1))),
    ("stride2_asym_pads", (1, 5, 15, 11), 7, (3, 3), dict(strides=(2, 2), pads=(0, 1, 1, 0))),
    ("dilation2", (1, 4, 12, 12), 6, (3, 3), dict(dil=(2, 2), pads=(2, 2, 2, 2))),
    ("groups2", (1, 6, 9, 9), 10, (3, 3), dict(group=2, pads=(1, 1, 1, 1))),
    ("depthwise", (1, 8, 11, 11), 8, (3, 3), dict(group=8, pads=(1, 1, 1, 1))),
    ("depthwise_s2_mult2", (1, 8, 14, 14), 16, (3, 3), dict(group=8, strides=(2, 2), pads=(1, 1, 1, 1))),
    ("1x1", (1, 24, 7, 7), 40, (1, 1), {}),
    ("5x5_k800", (1, 32, 9, 9), 9, (5, 5), dict(pads=(2, 2, 2, 2))),
    ("3x3_k4608", (1, 512, 6, 6), 5, (3, 3), dict(pads=(1, 1, 1, 1))),
    ("rect_1x3_s2x1", (1, 3, 10, 9), 4, (1, 3), dict(strides=(2, 1), pads=(0, 1, 0, 1))),
    ("same_upper_s2", (1, 3, 10, 11), 5, (3, 3), dict(strides=(2, 2), auto_pad="SAME_UPPER")),
    ("no_bias", (1, 4, 8, 8), 6, (3, 3), dict(bias=False)),
    ("relu", (1, 3, 9, 9), 8, (3, 3), dict(pads=(1, 1, 1, 1), post="relu")),
    ("clip6", (1, 3, 9, 9), 8, (3, 3), dict(pads=(1, 1, 1, 1), post="clip6")),
    ("batch2_opset13", (2, 3, 7, 7), 4, (3, 3), dict(pads=(1, 1, 1, 1), opset=13, extra_batch=3)),
    ("ties_exact", (1, 6, 8, 8), 6, (3, 3), dict(group=6, pads=(1, 1, 1, 1), ties="exact", wlimit=3)),
    ("ties_exact_1x1", (1, 16, 5, 5), 12, (1, 1), dict(ties="exact", wlimit=5)),
]


def conv_cases():
    out = []
    for tag, shape, m, k, kw in CONV_SHAPES:
        for act in ACTS:
            for pc in (False, True):
                name = "conv_%s_qdq_%s_%s" % (tag, act, "pc" if pc else "pt")
                out.append(conv_qdq(name, act, pc, shape, m, k, **kw))
    for act in ACTS:
        # Scales moved so that one output per channel is a binary32 tie (per channel only).
        out.append(conv_qdq("conv_ties_near_qdq_%s_pc" % act, act, True, (1, 16, 6, 6), 32, (3, 3),
                            pads=(1, 1, 1, 1), ties="near"))
    return out


def conv_transpose_acc(xq, zx, wq, bias, strides, pads, output_padding, group):
    x = np.asarray(xq, np.int64) - int(zx)
    w = np.asarray(wq, np.int64)
    n, c, h, wd = x.shape
    _, mg, kh, kw = w.shape
    m = mg * group
    sh, sw = strides
    full_h = (h - 1) * sh + kh + output_padding[0]
    full_w = (wd - 1) * sw + kw + output_padding[1]
    out = np.zeros((n, m, full_h, full_w), np.int64)
    cg = c // group
    for gi in range(group):
        for i in range(kh):
            for j in range(kw):
                contrib = np.einsum("nchw,cm->nmhw", x[:, gi * cg:(gi + 1) * cg],
                                    w[gi * cg:(gi + 1) * cg, :, i, j])
                out[:, gi * mg:(gi + 1) * mg, i:i + sh * (h - 1) + 1:sh, j:j + sw * (wd - 1) + 1:sw] += contrib
    out = out[:, :, pads[0]:full_h - pads[2], pads[1]:full_w - pads[3]]
    if bias is not None:
        out = out + np.asarray(bias, np.int64).reshape(1, -1, 1, 1)
    return out


def conv_transpose_qdq(name, act, per_channel, shape, m, k, strides, pads, output_padding, group=1):
    rng = rng_for(name)
    dt = ACTS[act]
    n, c, h, w = shape
    sx, zx = random_qparams(rng, dt)
    x = float_input(rng, shape, sx, zx, dt)
    xq = quantize(x, sx, zx, dt)
    wq = weights_s8(rng, (c, m // group) + tuple(k))
    sw = weight_scales(rng, m, per_channel)
    b = rng.integers(-3000, 3000, size=m).astype(np.int32)
    acc = conv_transpose_acc(xq, zx, wq, b, strides, pads, output_padding, group)
    sy, zy = output_qparams_for_acc(acc, sx, sw, dt)
    g = Graph(name)
    xi = g.input("x", F32, list(shape))
    t = g.op("ConvTranspose", [qdq(g, xi, sx, zx), dq_const(g, wq, sw, weight_zp(sw), 1 if per_channel else None),
                               bias_dq(g, b, sx, sw)],
             kernel_shape=list(k), strides=list(strides), pads=list(pads[:2]) + list(pads[2:]),
             output_padding=list(output_padding), group=group)
    out_qdq(g, t, sy, zy)
    # ORT 1.30 does not fuse ConvTranspose: it runs DQ -> float ConvTranspose -> Q, whose
    # binary32 sums may round an output to the neighbouring step.
    return Case(name, "qdq-" + act, ["ConvTranspose", "QuantizeLinear", "DequantizeLinear"], g.model(),
                {"x": x}, compare=one_step(sy),
                notes={"ort": "not fused: DQ -> float ConvTranspose -> Q; outputs may differ by one step"})


def conv_transpose_cases():
    out = []
    for act in ACTS:
        for pc in (False, True):
            tag = "pc" if pc else "pt"
            out.append(conv_transpose_qdq("convtranspose_s2_qdq_%s_%s" % (act, tag), act, pc, (1, 4, 5, 6), 6,
                                          (3, 3), (2, 2), (1, 1, 1, 1), (1, 1)))
        # Per-channel scales of a grouped ConvTranspose (axis 1 of [C, M / group, kH, kW])
        # cannot name every output channel: per tensor only.
        out.append(conv_transpose_qdq("convtranspose_groups2_qdq_%s_pt" % act, act, False, (1, 6, 4, 4), 4,
                                      (2, 2), (2, 2), (0, 0, 0, 0), (0, 0), group=2))
    return out


# Matrix products ---------------------------------------------------------------------

def matmul_qdq(name, act, per_channel, a_shape, n_out, ties=None):
    rng = rng_for(name)
    dt = ACTS[act]
    k = a_shape[-1]
    sx, zx = random_qparams(rng, dt)
    a = float_input(rng, a_shape, sx, zx, dt)
    aq = quantize(a, sx, zx, dt)
    bq = weights_s8(rng, (k, n_out))
    sw = weight_scales(rng, n_out, per_channel)
    acc = matmul_acc(aq, zx, bq, 0)
    sy, zy = output_qparams_for_acc(acc, sx, sw, dt, axis=acc.ndim - 1)
    notes = {}
    if ties == "near":
        sw, notes["binary32_ties"] = tie_weight_scales(acc, sx, sy, zy, dt, sw, acc.ndim - 1, rng)
    g = Graph(name)
    ai = g.input("a", F32, list(a_shape))
    t = g.op("MatMul", [qdq(g, ai, sx, zx), dq_const(g, bq, sw, weight_zp(sw), 1 if per_channel else None)])
    out_qdq(g, t, sy, zy)
    y = dequantize(requantize(acc, requant_scale(sx, sw, sy), zy, dt), sy, zy)
    return Case(name, "qdq-" + act, ["MatMul", "QuantizeLinear", "DequantizeLinear"], g.model(), {"a": a},
                expect_ops=["QLinearMatMul"], notes=notes, predicted={"y": y})


def gemm_qdq(name, act, per_channel, m, k, n, trans_b=True, alpha=1.0, bias=True):
    rng = rng_for(name)
    dt = ACTS[act]
    sx, zx = random_qparams(rng, dt)
    a = float_input(rng, (m, k), sx, zx, dt)
    aq = quantize(a, sx, zx, dt)
    bq = weights_s8(rng, (n, k) if trans_b else (k, n))
    sw = weight_scales(rng, n, per_channel)
    c = rng.integers(-3000, 3000, size=n).astype(np.int32) if bias else None
    acc = matmul_acc(aq, zx, bq.T if trans_b else bq, 0, c)
    sy, zy = output_qparams_for_acc(acc * alpha, sx, sw, dt, axis=1)
    g = Graph(name)
    ai = g.input("a", F32, [m, k])
    ins = [qdq(g, ai, sx, zx), dq_const(g, bq, sw, weight_zp(sw), (0 if trans_b else 1) if per_channel else None)]
    if bias:
        ins.append(bias_dq(g, c, sx, sw))
    t = g.op("Gemm", ins, transB=1 if trans_b else 0, alpha=float(alpha))
    out_qdq(g, t, sy, zy)
    y = dequantize(requantize(acc, qgemm_scale(alpha, sx, sw, sy), zy, dt), sy, zy)
    return Case(name, "qdq-" + act, ["Gemm", "QuantizeLinear", "DequantizeLinear"], g.model(), {"a": a},
                expect_ops=["QGemm"], predicted={"y": y})


def matrix_cases():
    out = []
    for act in ACTS:
        for pc in (False, True):
            tag = "%s_%s" % (act, "pc" if pc else "pt")
            out.append(matmul_qdq("matmul_2d_qdq_" + tag, act, pc, (7, 19), 13))
            out.append(matmul_qdq("matmul_3d_qdq_" + tag, act, pc, (2, 5, 33), 17))
            out.append(matmul_qdq("matmul_k1000_qdq_" + tag, act, pc, (3, 1000), 9))
            out.append(gemm_qdq("gemm_transb_qdq_" + tag, act, pc, 5, 29, 11))
            out.append(gemm_qdq("gemm_nobias_qdq_" + tag, act, pc, 4, 16, 7, bias=False))
            out.append(gemm_qdq("gemm_kn_qdq_" + tag, act, pc, 3, 21, 6, trans_b=False))
        out.append(matmul_qdq("matmul_ties_near_qdq_%s_pc" % act, act, True, (9, 64), 48, ties="near"))
    return out


# Elementwise binary ops --------------------------------------------------------------

def binary_qdq(name, act, op, a_shape, b_shape, b_const=False, scales=None):
    rng = rng_for(name)
    dt = ACTS[act]
    (sa, za), (sb, zb) = (random_qparams(rng, dt), random_qparams(rng, dt)) if scales is None else scales[:2]
    a = float_input(rng, a_shape, sa, za, dt)
    b = float_input(rng, b_shape, sb, zb, dt)
    ra, rb = dequantize(quantize(a, sa, za, dt), sa, za), dequantize(quantize(b, sb, zb, dt), sb, zb)
    real = ra + rb if op == "Add" else ra * rb
    sy, zy = minmax_qparams(real.min() * 0.9, real.max() * 0.9, dt) if scales is None else scales[2]
    g = Graph(name)
    ai = g.input("a", F32, list(a_shape))
    if b_const:
        bq = quantize(b, sb, zb, dt)
        bt = g.op("DequantizeLinear", [g.const("bq", bq), g.const("scale", F32(sb)), g.const("zp", zb)])
        inputs = {"a": a}
    else:
        bt = qdq(g, g.input("b", F32, list(b_shape)), sb, zb)
        inputs = {"a": a, "b": b}
    t = g.op(op, [qdq(g, ai, sa, za), bt])
    out_qdq(g, t, sy, zy)
    return Case(name, "qdq-" + act, [op, "QuantizeLinear", "DequantizeLinear"], g.model(), inputs,
                expect_ops=["QLinear" + op])


def binary_cases():
    out = []
    for act in ACTS:
        dt = ACTS[act]
        qmin, qmax = qrange(dt)
        # Scales whose ratios are 1/2: (a + b) / 2 ties whenever a + b is odd.
        half = ((F32(0.02), np.array(qmin + 100, dt)), (F32(0.02), np.array(qmax - 100, dt)),
                (F32(0.04), np.array((qmin + qmax + 1) // 2, dt)))
        for op in ("Add", "Mul"):
            lo = op.lower()
            out.append(binary_qdq("%s_same_shape_qdq_%s" % (lo, act), act, op, (1, 5, 7, 9), (1, 5, 7, 9)))
            out.append(binary_qdq("%s_bcast_channel_qdq_%s" % (lo, act), act, op, (2, 6, 5, 3), (1, 6, 1, 1)))
            out.append(binary_qdq("%s_const_qdq_%s" % (lo, act), act, op, (3, 17), (17,), b_const=True))
        out.append(binary_qdq("add_ties_half_qdq_%s" % act, act, "Add", (1, 4, 16, 16), (1, 4, 16, 16), scales=half))
    return out


def concat_qdq(name, act, shapes, axis, same_scale=False):
    rng = rng_for(name)
    dt = ACTS[act]
    g = Graph(name)
    params = [random_qparams(rng, dt)] * len(shapes) if same_scale else [random_qparams(rng, dt) for _ in shapes]
    ins, feeds, lo, hi = [], {}, 0.0, 0.0
    for i, (shape, (s, z)) in enumerate(zip(shapes, params)):
        x = float_input(rng, shape, s, z, dt)
        feeds["x%d" % i] = x
        r = dequantize(quantize(x, s, z, dt), s, z)
        lo, hi = min(lo, r.min()), max(hi, r.max())
        ins.append(qdq(g, g.input("x%d" % i, F32, list(shape)), s, z))
    sy, zy = params[0] if same_scale else minmax_qparams(lo, hi * 0.95, dt)
    out_qdq(g, g.op("Concat", ins, axis=axis), sy, zy)
    return Case(name, "qdq-" + act, ["Concat", "QuantizeLinear", "DequantizeLinear"], g.model(), feeds,
                expect_ops=["QLinearConcat"])


def concat_cases():
    out = []
    for act in ACTS:
        out.append(concat_qdq("concat_axis1_qdq_" + act, act, [(1, 3, 5, 5), (1, 7, 5, 5), (1, 2, 5, 5)], 1))
        out.append(concat_qdq("concat_axis_neg1_qdq_" + act, act, [(2, 3, 4), (2, 3, 9)], -1))
        out.append(concat_qdq("concat_same_scale_qdq_" + act, act, [(1, 4, 3, 3), (1, 4, 3, 3)], 1, same_scale=True))
    return out


# Unary ops and pooling: x -> Q/DQ -> op -> Q/DQ ---------------------------------------

def unary_qdq(name, act, op, shape, out_range, attrs=None, extra_consts=(), x=None, in_params=None,
              out_params=None, expect=(), ops=None):
    """OUT_RANGE(real input) gives the real output range that calibration would see, or
    "same" to reuse the input's scale and zero point (quantize_static does for ops that
    only move or select values)."""
    rng = rng_for(name)
    dt = ACTS[act]
    sx, zx = in_params or random_qparams(rng, dt)
    if x is None:
        x = float_input(rng, shape, sx, zx, dt)
    real = dequantize(quantize(x, sx, zx, dt), sx, zx)
    if out_params:
        sy, zy = out_params
    elif out_range == "same":
        sy, zy = sx, zx
    else:
        lo, hi = out_range(real)
        sy, zy = minmax_qparams(lo, hi, dt)
    g = Graph(name)
    xi = g.input("x", F32, list(x.shape))
    consts = [g.const("c", v) if v is not None else "" for v in extra_consts]
    t = g.op(op, [qdq(g, xi, sx, zx)] + consts, **(attrs or {}))
    out_qdq(g, t, sy, zy)
    return Case(name, "qdq-" + act, ops or [op, "QuantizeLinear", "DequantizeLinear"], g.model(), {"x": x},
                expect_ops=list(expect))


def all_codes(dt, scale, zp, shape=(1, 4, 8, 8)):
    """A float tensor holding every one of the 256 codes' real values once."""
    qmin, qmax = qrange(dt)
    codes = np.arange(qmin, qmax + 1)
    return dequantize(codes, scale, zp).reshape(shape)


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v.astype(np.float64)))


def hardswish(v):
    return v * np.clip(v / 6.0 + 0.5, 0, 1)


def unary_cases():
    out = []
    for act in ACTS:
        dt = ACTS[act]
        qmin, qmax = qrange(dt)
        rng = rng_for("unary_params_" + act)
        p = random_qparams(rng, dt)
        codes = all_codes(dt, *p)
        U = lambda n, *a, **k: out.append(unary_qdq(n + "_qdq_" + act, act, *a, **k))  # noqa: E731
        U("relu", "Relu", (1, 3, 7, 9), lambda r: (0.0, r.max()))
        U("relu_same_params", "Relu", (2, 5, 11), "same")
        U("clip_0_6", "Clip", (1, 4, 6, 6), lambda r: (0.0, min(6.0, r.max())),
          extra_consts=(F32(0.0), F32(6.0)), in_params=(F32(0.05), np.array(qmin + 60, dt)))
        U("clip_asym", "Clip", (1, 4, 6, 6), lambda r: (-0.7, 1.3), extra_consts=(F32(-0.7), F32(1.3)))
        U("leakyrelu_all_codes", "LeakyRelu", None, lambda r: (0.1 * r.min(), r.max()), attrs={"alpha": 0.1},
          x=codes, in_params=p, expect=["QLinearLeakyRelu"])
        U("leakyrelu_alpha03", "LeakyRelu", (1, 3, 9, 9), lambda r: (0.3 * r.min(), r.max()), attrs={"alpha": 0.3},
          expect=["QLinearLeakyRelu"])
        U("sigmoid_all_codes", "Sigmoid", None, lambda r: (0.0, 1.0), x=codes, in_params=p,
          out_params=(F32(1 / 256), np.array(qmin, dt)), expect=["QLinearSigmoid"])
        U("sigmoid", "Sigmoid", (1, 3, 9, 9), lambda r: (sigmoid(r).min(), sigmoid(r).max()),
          expect=["QLinearSigmoid"])
        U("hardsigmoid_all_codes", "HardSigmoid", None, lambda r: (0.0, 1.0), x=codes, in_params=p,
          attrs={"alpha": 0.2, "beta": 0.5})
        U("hardswish_all_codes", "HardSwish", None, lambda r: (hardswish(r).min(), hardswish(r).max()), x=codes,
          in_params=p)
        U("hardswish", "HardSwish", (1, 5, 7, 7), lambda r: (hardswish(r).min(), hardswish(r).max()))
        U("softmax_last_axis", "Softmax", (3, 17), lambda r: (0.0, 1.0),
          out_params=(F32(1 / 256), np.array(qmin, dt)))
        U("softmax_axis1", "Softmax", (2, 10, 3), lambda r: (0.0, 1.0), attrs={"axis": 1},
          out_params=(F32(1 / 256), np.array(qmin, dt)))
        U("identity", "Identity", (2, 3, 5), "same")
    return out


def pool_cases():
    out = []
    for act in ACTS:
        U = lambda n, *a, **k: out.append(unary_qdq(n + "_qdq_" + act, act, *a, **k))  # noqa: E731
        U("maxpool_k3s2p1", "MaxPool", (1, 4, 11, 11), "same",
          attrs={"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]})
        U("maxpool_k2s2", "MaxPool", (2, 3, 8, 10), "same", attrs={"kernel_shape": [2, 2], "strides": [2, 2]})
        U("maxpool_ceil_dil2", "MaxPool", (1, 3, 10, 10), "same",
          attrs={"kernel_shape": [2, 2], "strides": [2, 2], "dilations": [2, 2], "ceil_mode": 1})
        U("avgpool_k3s2p1_excl", "AveragePool", (1, 4, 11, 11), lambda r: (r.min(), r.max()),
          attrs={"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]}, expect=["QLinearAveragePool"])
        U("avgpool_k3s1p1_incl", "AveragePool", (1, 3, 7, 7), lambda r: (r.min(), r.max()),
          attrs={"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "count_include_pad": 1},
          expect=["QLinearAveragePool"])
        U("avgpool_k2s2_same", "AveragePool", (1, 3, 8, 8), "same", attrs={"kernel_shape": [2, 2], "strides": [2, 2]},
          expect=["QLinearAveragePool"])
        U("avgpool_ceil", "AveragePool", (1, 2, 9, 9), lambda r: (r.min(), r.max()),
          attrs={"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1}, expect=["QLinearAveragePool"])
        U("globalavgpool", "GlobalAveragePool", (1, 16, 7, 7), lambda r: (r.min() * 0.5, r.max() * 0.5),
          expect=["QLinearGlobalAveragePool"])
        U("globalavgpool_batch2_odd", "GlobalAveragePool", (2, 5, 13, 11), lambda r: (r.min() * 0.3, r.max() * 0.3),
          expect=["QLinearGlobalAveragePool"])
    return out


def shape_cases():
    out = []
    for act in ACTS:
        U = lambda n, *a, **k: out.append(unary_qdq(n + "_qdq_" + act, act, *a, **k))  # noqa: E731
        i64 = lambda *v: np.array(v, np.int64)  # noqa: E731
        U("reshape", "Reshape", (2, 3, 4, 5), "same", extra_consts=(i64(2, -1, 10),))
        U("reshape_zero", "Reshape", (2, 3, 4, 5), "same", extra_consts=(i64(0, 12, 5),))
        U("flatten_axis1", "Flatten", (2, 3, 4, 5), "same", attrs={"axis": 1})
        U("flatten_axis3", "Flatten", (2, 3, 4, 5), "same", attrs={"axis": 3})
        U("transpose_nhwc", "Transpose", (1, 3, 4, 5), "same", attrs={"perm": [0, 2, 3, 1]})
        U("transpose_default", "Transpose", (2, 3, 4), "same")
        U("squeeze", "Squeeze", (1, 3, 1, 5), "same", extra_consts=(i64(0, 2),))
        U("unsqueeze", "Unsqueeze", (3, 5), "same", extra_consts=(i64(0, 3),))
        U("slice_steps", "Slice", (2, 7, 9), "same", extra_consts=(i64(1, 0), i64(7, 9), i64(1, 2), i64(1, 2)))
        U("slice_negative", "Slice", (4, 10), "same", extra_consts=(i64(-1), i64(-11), i64(1), i64(-2)))
        U("pad_constant", "Pad", (1, 2, 5, 5), "same", extra_consts=(i64(0, 0, 1, 2, 0, 0, 2, 1),))
        U("pad_reflect", "Pad", (1, 2, 5, 5), "same", extra_consts=(i64(0, 0, 1, 2, 0, 0, 2, 1),),
          attrs={"mode": "reflect"})
        U("pad_edge", "Pad", (1, 2, 5, 5), "same", extra_consts=(i64(0, 0, 2, 0, 0, 0, 0, 3),),
          attrs={"mode": "edge"})
        f = lambda *v: np.array(v, F32)  # noqa: E731
        U("resize_nearest_2x", "Resize", (1, 3, 5, 6), "same", extra_consts=(None, f(1, 1, 2, 2)),
          attrs={"mode": "nearest"})
        U("resize_nearest_sizes_down", "Resize", (1, 2, 9, 10), "same",
          extra_consts=(None, None, i64(1, 2, 4, 7)), attrs={"mode": "nearest", "nearest_mode": "floor",
                                                              "coordinate_transformation_mode": "asymmetric"})
        U("resize_linear_2x", "Resize", (1, 3, 5, 6), "same", extra_consts=(None, f(1, 1, 2, 2)),
          attrs={"mode": "linear"})
        U("resize_linear_align_corners", "Resize", (1, 2, 4, 5), "same", extra_consts=(None, None, i64(1, 2, 7, 9)),
          attrs={"mode": "linear", "coordinate_transformation_mode": "align_corners"})
    return out


# QuantizeLinear and DequantizeLinear on their own ------------------------------------

def quantize_cases():
    out = []
    for act in ACTS:
        dt = ACTS[act]
        qmin, qmax = qrange(dt)
        for tag, scale, zp in (("pow2", F32(2.0 ** -5), np.array(qmin + 77, dt)),
                               ("random", None, None)):
            name = "quantizelinear_%s_%s" % (tag, act)
            rng = rng_for(name)
            if scale is None:
                scale, zp = random_qparams(rng, dt)
            x = float_input(rng, (4, 64), scale, zp, dt, ties=0.4)
            g = Graph(name)
            xi = g.input("x", F32, [4, 64])
            g.output(g.op("QuantizeLinear", [xi, g.const("scale", scale), g.const("zp", zp)]), "y", dt)
            out.append(Case(name, "qop-" + act, ["QuantizeLinear"], g.model(), {"x": x},
                            notes={"ties": "x / scale on and next to k + 0.5"},
                            predicted={"y": quantize(x, scale, zp, dt)}))
        name = "quantizelinear_axis1_" + act
        rng = rng_for(name)
        scales = rng.uniform(0.005, 0.05, 6).astype(F32)
        zps = rng.integers(qmin + 10, qmax - 10, 6).astype(dt)
        x = np.concatenate([float_input(rng, (2, 1, 5), s, z, dt, ties=0.3) for s, z in zip(scales, zps)], axis=1)
        g = Graph(name, 13)
        xi = g.input("x", F32, [2, 6, 5])
        g.output(g.op("QuantizeLinear", [xi, g.const("scale", scales), g.const("zp", zps)], axis=1), "y", dt)
        y = quantize(x, scales.reshape(1, -1, 1), zps.reshape(1, -1, 1), dt)
        out.append(Case(name, "qop-" + act, ["QuantizeLinear"], g.model(), {"x": x}, predicted={"y": y}))
        for axis_tag, sshape in (("", None), ("_axis0", 5)):
            name = "dequantizelinear%s_%s" % (axis_tag, act)
            rng = rng_for(name)
            q = int_input(rng, (5, 51), dt)
            g = Graph(name)
            qi = g.input("q", dt, [5, 51])
            if sshape:
                s = rng.uniform(0.001, 0.1, sshape).astype(F32)
                z = rng.integers(qmin, qmax, sshape).astype(dt)
                y = g.op("DequantizeLinear", [qi, g.const("scale", s), g.const("zp", z)], axis=0)
            else:
                s, z = random_qparams(rng, dt)
                y = g.op("DequantizeLinear", [qi, g.const("scale", s), g.const("zp", z)])
            g.output(y, "y", F32)
            out.append(Case(name, "qop-" + act, ["DequantizeLinear"], g.model(), {"q": q}))
    return out


# ORT's QOperator form ----------------------------------------------------------------

def qlinear_params(g, s, z):
    return [g.const("scale", np.asarray(s, F32)), g.const("zp", z)]


def qlinearconv_case(name, act, per_channel, shape, m, k, pads=(0, 0, 0, 0), strides=(1, 1), group=1,
                     u8_weights=False):
    rng = rng_for(name)
    dt = ACTS[act]
    n, c, h, w = shape
    sx, zx = random_qparams(rng, dt)
    xq = int_input(rng, shape, dt)
    if u8_weights:
        wz = np.array(rng.integers(100, 156), np.uint8)
        wq = rng.integers(0, 255, size=(m, c // group) + tuple(k), endpoint=True).astype(np.uint8)
        wzero = int(wz)
    else:
        wq = weights_s8(rng, (m, c // group) + tuple(k))
        wz, wzero = None, 0
    sw = weight_scales(rng, m, per_channel)
    if wz is None:
        wz = weight_zp(sw)
    b = rng.integers(-3000, 3000, size=m).astype(np.int32)
    acc = conv_acc(xq, zx, wq, wzero, b, strides, pads, (1, 1), group)
    sy, zy = output_qparams_for_acc(acc, sx, sw, dt)
    g = Graph(name)
    xi = g.input("x", dt, list(shape))
    y = g.op("QLinearConv", [xi] + qlinear_params(g, sx, zx) + [g.const("w", wq)] + qlinear_params(g, sw, wz) +
             qlinear_params(g, sy, zy) + [g.const("b", b)],
             kernel_shape=list(k), pads=list(pads), strides=list(strides), group=group)
    g.output(y, "y", dt)
    s = requant_scale(sx, sw, sy).reshape((1, -1, 1, 1) if per_channel else ())
    return Case(name, "qop-" + act, ["QLinearConv"], g.model(), {"x": xq},
                predicted={"y": requantize(acc, s, zy, dt)})


def qlinearmatmul_case(name, act, per_channel, a_shape, n_out):
    rng = rng_for(name)
    dt = ACTS[act]
    sx, zx = random_qparams(rng, dt)
    aq = int_input(rng, a_shape, dt)
    bq = weights_s8(rng, (a_shape[-1], n_out))
    sw = weight_scales(rng, n_out, per_channel)
    acc = matmul_acc(aq, zx, bq, 0)
    sy, zy = output_qparams_for_acc(acc, sx, sw, dt, axis=acc.ndim - 1)
    g = Graph(name)
    ai = g.input("a", dt, list(a_shape))
    y = g.op("QLinearMatMul", [ai] + qlinear_params(g, sx, zx) + [g.const("b", bq)] +
             qlinear_params(g, sw, weight_zp(sw)) + qlinear_params(g, sy, zy))
    g.output(y, "y", dt)
    return Case(name, "qop-" + act, ["QLinearMatMul"], g.model(), {"a": aq},
                predicted={"y": requantize(acc, requant_scale(sx, sw, sy), zy, dt)})


def qgemm_case(name, act, per_channel, m, k, n, alpha=1.0, trans_b=1, float_out=False):
    rng = rng_for(name)
    dt = ACTS[act]
    sa, za = random_qparams(rng, dt)
    aq = int_input(rng, (m, k), dt)
    bq = weights_s8(rng, (n, k) if trans_b else (k, n))
    sb = weight_scales(rng, n, per_channel)
    c = rng.integers(-3000, 3000, size=n).astype(np.int32)
    acc = matmul_acc(aq, za, bq.T if trans_b else bq, 0, c)
    sy, zy = output_qparams_for_acc(acc * alpha, sa, sb, dt, axis=1)
    g = Graph(name)
    ai = g.input("a", dt, [m, k])
    ins = [ai] + qlinear_params(g, sa, za) + [g.const("b", bq)] + qlinear_params(g, sb, weight_zp(sb)) + \
        [g.const("c", c)]
    if not float_out:
        ins += qlinear_params(g, sy, zy)
    y = g.op("QGemm", ins, domain=MS_DOMAIN, alpha=float(alpha), transB=trans_b)
    g.output(y, "y", F32 if float_out else dt)
    predicted = {} if float_out else {"y": requantize(acc, qgemm_scale(alpha, sa, sb, sy), zy, dt)}
    return Case(name, "qop-" + act, ["QGemm"], g.model(), {"a": aq}, predicted=predicted)


def qlinear_binary_case(name, act, op, a_shape, b_shape):
    rng = rng_for(name)
    dt = ACTS[act]
    (sa, za), (sb, zb), (sy, zy) = (random_qparams(rng, dt, 0.01, 0.05), random_qparams(rng, dt, 0.01, 0.05),
                                    random_qparams(rng, dt, 0.02, 0.08))
    g = Graph(name)
    ai, bi = g.input("a", dt, list(a_shape)), g.input("b", dt, list(b_shape))
    y = g.op(op, [ai] + qlinear_params(g, sa, za) + [bi] + qlinear_params(g, sb, zb) + qlinear_params(g, sy, zy),
             domain=MS_DOMAIN)
    g.output(y, "y", dt)
    return Case(name, "qop-" + act, [op], g.model(), {"a": int_input(rng, a_shape, dt), "b": int_input(rng, b_shape, dt)})


def qlinear_concat_case(name, act, shapes, axis):
    rng = rng_for(name)
    dt = ACTS[act]
    sy, zy = random_qparams(rng, dt)
    g = Graph(name)
    ins, feeds = qlinear_params(g, sy, zy), {}
    for i, shape in enumerate(shapes):
        s, z = random_qparams(rng, dt)
        ins += [g.input("x%d" % i, dt, list(shape))] + qlinear_params(g, s, z)
        feeds["x%d" % i] = int_input(rng, shape, dt)
    g.output(g.op("QLinearConcat", ins, domain=MS_DOMAIN, axis=axis), "y", dt)
    return Case(name, "qop-" + act, ["QLinearConcat"], g.model(), feeds)


def qlinear_unary_case(name, act, op, shape=None, attrs=None):
    """x -> op -> y on integer tensors; without SHAPE the input holds all 256 codes."""
    rng = rng_for(name)
    dt = ACTS[act]
    sx, zx = random_qparams(rng, dt, 0.02, 0.08)
    sy, zy = random_qparams(rng, dt, 0.005, 0.03)
    if op in ("QLinearGlobalAveragePool", "QLinearAveragePool"):
        sy = F32(sx * rng.uniform(0.3, 0.9))
    if shape is None:
        x = np.arange(qrange(dt)[0], qrange(dt)[1] + 1).astype(dt).reshape(1, 4, 8, 8)
    else:
        x = int_input(rng, shape, dt)
    g = Graph(name)
    xi = g.input("x", dt, list(x.shape))
    y = g.op(op, [xi] + qlinear_params(g, sx, zx) + qlinear_params(g, sy, zy), domain=MS_DOMAIN, **(attrs or {}))
    g.output(y, "y", dt)
    return Case(name, "qop-" + act, [op], g.model(), {"x": x})


def qoperator_cases():
    out = []
    for act in ACTS:
        for pc in (False, True):
            tag = "%s_%s" % (act, "pc" if pc else "pt")
            out.append(qlinearconv_case("qlinearconv_3x3_" + tag, act, pc, (1, 3, 11, 9), 8, (3, 3), pads=(1, 1, 1, 1)))
            out.append(qlinearconv_case("qlinearconv_depthwise_s2_" + tag, act, pc, (1, 8, 10, 10), 8, (3, 3),
                                        pads=(1, 1, 1, 1), strides=(2, 2), group=8))
            out.append(qlinearconv_case("qlinearconv_1x1_" + tag, act, pc, (2, 20, 5, 5), 12, (1, 1)))
            out.append(qlinearmatmul_case("qlinearmatmul_2d_" + tag, act, pc, (6, 23), 10))
            out.append(qlinearmatmul_case("qlinearmatmul_3d_" + tag, act, pc, (2, 4, 31), 7))
            out.append(qgemm_case("qgemm_transb_" + tag, act, pc, 5, 27, 9))
            out.append(qgemm_case("qgemm_alpha_" + tag, act, pc, 3, 40, 6, alpha=0.375))
        if act == "u8":
            # ORT has U8U8 convolution, but no S8U8.
            out.append(qlinearconv_case("qlinearconv_u8_weights_" + act, act, False, (1, 4, 7, 7), 6, (3, 3),
                                        u8_weights=True))
        out.append(qgemm_case("qgemm_float_out_" + act, act, True, 4, 19, 5, float_out=True))
        for op in ("QLinearAdd", "QLinearMul"):
            lo = op[len("QLinear"):].lower()
            out.append(qlinear_binary_case("qlinear%s_same_%s" % (lo, act), act, op, (1, 4, 9, 7), (1, 4, 9, 7)))
            out.append(qlinear_binary_case("qlinear%s_bcast_%s" % (lo, act), act, op, (2, 5, 3, 3), (1, 5, 1, 1)))
            out.append(qlinear_binary_case("qlinear%s_scalar_%s" % (lo, act), act, op, (3, 33), (1,)))
        out.append(qlinear_concat_case("qlinearconcat_axis1_" + act, act, [(1, 2, 4, 4), (1, 5, 4, 4), (1, 3, 4, 4)], 1))
        out.append(qlinear_unary_case("qlinearsigmoid_all_codes_" + act, act, "QLinearSigmoid"))
        out.append(qlinear_unary_case("qlinearleakyrelu_all_codes_" + act, act, "QLinearLeakyRelu",
                                      attrs={"alpha": 0.125}))
        out.append(qlinear_unary_case("qlinearleakyrelu_alpha07_" + act, act, "QLinearLeakyRelu", (1, 3, 5, 5),
                                      attrs={"alpha": 0.7}))
        out.append(qlinear_unary_case("qlinearglobalavgpool_" + act, act, "QLinearGlobalAveragePool", (1, 9, 7, 5),
                                      attrs={"channels_last": 0}))
        out.append(qlinear_unary_case("qlinearglobalavgpool_nhwc_" + act, act, "QLinearGlobalAveragePool",
                                      (2, 5, 6, 7), attrs={"channels_last": 1}))
        out.append(qlinear_unary_case("qlinearavgpool_k3s2p1_" + act, act, "QLinearAveragePool", (1, 3, 9, 9),
                                      attrs={"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]}))
        out.append(qlinear_unary_case("qlinearavgpool_incl_pad_" + act, act, "QLinearAveragePool", (1, 2, 6, 7),
                                      attrs={"kernel_shape": [2, 3], "pads": [1, 1, 1, 1], "count_include_pad": 1}))
    return out


# Float models ------------------------------------------------------------------------

def float_case(name, ops, build, feeds, compare="close"):
    g = Graph(name)
    build(g)
    return Case(name, "float", ops, g.model(), feeds, compare=compare)


def float_cases():
    out = []
    rng = rng_for("float_cases")
    r = lambda *s: rng.standard_normal(s).astype(F32)  # noqa: E731
    i64 = lambda *v: np.array(v, np.int64)  # noqa: E731

    def unary(name, op, shape, compare, consts=(), **attrs):
        x = r(*shape) * 3

        def build(g):
            cs = [g.const("c", c) if c is not None else "" for c in consts]
            g.output(g.op(op, [g.input("x", F32, list(shape))] + cs, **attrs), "y", F32)
        out.append(float_case("float_" + name, [op], build, {"x": x}, compare))

    def conv(name, shape, m, k, **attrs):
        x, w, b = r(*shape), r(m, shape[1] // attrs.get("group", 1), *k) * 0.3, r(m)

        def build(g):
            g.output(g.op("Conv", [g.input("x", F32, list(shape)), g.const("w", w), g.const("b", b)],
                          kernel_shape=list(k), **attrs), "y", F32)
        out.append(float_case("float_conv_" + name, ["Conv"], build, {"x": x}))

    conv("3x3_pad1", (1, 3, 9, 9), 8, (3, 3), pads=[1, 1, 1, 1])
    conv("depthwise_s2", (1, 6, 10, 10), 6, (3, 3), pads=[1, 1, 1, 1], strides=[2, 2], group=6)
    conv("groups2_dil2", (1, 4, 9, 9), 6, (3, 3), pads=[2, 2, 2, 2], dilations=[2, 2], group=2)
    conv("1x1", (2, 16, 4, 4), 8, (1, 1))

    x, w, b = r(1, 3, 8, 8), r(5, 3, 3, 3) * 0.3, r(5)
    mean, var = r(5), np.abs(r(5)) + 0.5
    gamma, beta = r(5), r(5)

    def conv_bn(g):
        t = g.op("Conv", [g.input("x", F32, [1, 3, 8, 8]), g.const("w", w), g.const("b", b)],
                 kernel_shape=[3, 3], pads=[1, 1, 1, 1])
        g.output(g.op("BatchNormalization", [t, g.const("g", gamma), g.const("b", beta), g.const("m", mean),
                                             g.const("v", var)], epsilon=1e-3), "y", F32)
    out.append(float_case("float_conv_batchnorm", ["Conv", "BatchNormalization"], conv_bn, {"x": x}))

    x, w = r(1, 4, 5, 5), r(4, 3, 3, 3) * 0.3

    def convt(g):
        g.output(g.op("ConvTranspose", [g.input("x", F32, [1, 4, 5, 5]), g.const("w", w)], kernel_shape=[3, 3],
                      strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1]), "y", F32)
    out.append(float_case("float_convtranspose_s2", ["ConvTranspose"], convt, {"x": x}))

    a, bm, c = r(5, 13), r(11, 13), r(11)

    def gemm(g):
        g.output(g.op("Gemm", [g.input("a", F32, [5, 13]), g.const("b", bm), g.const("c", c)], transB=1,
                      alpha=0.5, beta=2.0), "y", F32)
    out.append(float_case("float_gemm_transb", ["Gemm"], gemm, {"a": a}))
    a3, b2 = r(2, 3, 17), r(17, 6)

    def matmul(g):
        g.output(g.op("MatMul", [g.input("a", F32, [2, 3, 17]), g.const("b", b2)]), "y", F32)
    out.append(float_case("float_matmul_3d", ["MatMul"], matmul, {"a": a3}))

    for op in ("Add", "Mul"):
        a, bb = r(2, 4, 3, 5), r(1, 4, 1, 5)

        def binary(g, op=op):
            g.output(g.op(op, [g.input("a", F32, [2, 4, 3, 5]), g.input("b", F32, [1, 4, 1, 5])]), "y", F32)
        out.append(float_case("float_%s_bcast" % op.lower(), [op], binary, {"a": a, "b": bb}, "exact"))
    xs = [r(1, 2, 3, 3), r(1, 5, 3, 3)]

    def concat(g):
        g.output(g.op("Concat", [g.input("x0", F32, [1, 2, 3, 3]), g.input("x1", F32, [1, 5, 3, 3])], axis=1),
                 "y", F32)
    out.append(float_case("float_concat", ["Concat"], concat, {"x0": xs[0], "x1": xs[1]}, "exact"))

    # Selections and single roundings are exact by definition; sums and functions are not.
    unary("maxpool_k3s2p1", "MaxPool", (1, 3, 9, 9), "exact", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    unary("avgpool_k3s2p1", "AveragePool", (1, 3, 9, 9), "close", kernel_shape=[3, 3], strides=[2, 2],
          pads=[1, 1, 1, 1])
    unary("globalavgpool", "GlobalAveragePool", (1, 6, 7, 7), "close")
    unary("relu", "Relu", (2, 3, 4), "exact")
    unary("clip", "Clip", (2, 3, 4), "exact", consts=(F32(-1.5), F32(2.0)))
    unary("leakyrelu", "LeakyRelu", (2, 3, 4), "exact", alpha=0.1)
    unary("sigmoid", "Sigmoid", (2, 3, 4), "close")
    unary("hardsigmoid", "HardSigmoid", (2, 3, 4), "close", alpha=0.2, beta=0.5)
    unary("hardswish", "HardSwish", (2, 3, 4), "close")
    unary("softmax", "Softmax", (3, 10), "close")
    unary("resize_nearest_2x", "Resize", (1, 2, 3, 4), "exact", consts=(None, np.array([1, 1, 2, 2], F32)),
          mode="nearest")
    unary("resize_linear_2x", "Resize", (1, 2, 3, 4), "close", consts=(None, np.array([1, 1, 2, 2], F32)),
          mode="linear")
    unary("pad_reflect", "Pad", (1, 2, 4, 4), "exact", consts=(i64(0, 0, 1, 2, 0, 0, 2, 1),), mode="reflect")
    unary("slice", "Slice", (3, 8), "exact", consts=(i64(0, 1), i64(3, 8), i64(0, 1), i64(2, 3)))
    unary("reshape", "Reshape", (2, 3, 4), "exact", consts=(i64(4, -1),))
    unary("flatten", "Flatten", (2, 3, 4), "exact", axis=2)
    unary("transpose", "Transpose", (2, 3, 4), "exact", perm=[2, 0, 1])
    unary("squeeze", "Squeeze", (1, 3, 1), "exact", consts=(i64(0, 2),))
    unary("unsqueeze", "Unsqueeze", (3, 4), "exact", consts=(i64(1),))
    unary("identity", "Identity", (3, 4), "exact")
    return out


def all_cases():
    return (conv_cases() + conv_transpose_cases() + matrix_cases() + binary_cases() + concat_cases() +
            unary_cases() + pool_cases() + shape_cases() + quantize_cases() + qoperator_cases() + float_cases())
