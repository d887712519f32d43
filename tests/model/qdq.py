# SPDX-License-Identifier: MIT
"""Building blocks of the generated test models: a graph builder, quantization parameters
chosen as ONNX Runtime's quantize_static chooses them, the exact integer accumulators of
convolution and matrix products, and ORT's requantization (so that scales can be picked to
put outputs on or next to rounding ties).

Everything here is deterministic: random values come from numpy Generators the callers
seed.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F32 = np.float32

ELEM = {
    np.dtype(np.float32): TensorProto.FLOAT,
    np.dtype(np.uint8): TensorProto.UINT8,
    np.dtype(np.int8): TensorProto.INT8,
    np.dtype(np.int32): TensorProto.INT32,
    np.dtype(np.int64): TensorProto.INT64,
    np.dtype(np.bool_): TensorProto.BOOL,
}

MS_DOMAIN = "com.microsoft"


class Graph:
    """A graph under construction: initializers, nodes, inputs and outputs."""

    def __init__(self, name, opset=17):
        self.name = name
        self.opset = opset
        self.nodes, self.inits, self.inputs, self.outputs = [], [], [], []
        self.count = 0
        self.ms = False

    def fresh(self, hint):
        self.count += 1
        return "%s_%d" % (hint, self.count)

    def const(self, hint, value):
        """An initializer holding VALUE (a numpy array or scalar); returns its name."""
        name = self.fresh(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, op_type, inputs, outputs=1, domain=None, name_hint=None, **attrs):
        """A node; returns its output name (or a list when OUTPUTS > 1)."""
        names = [self.fresh(name_hint or op_type.lower()) for _ in range(outputs)]
        if domain == MS_DOMAIN:
            self.ms = True
        self.nodes.append(helper.make_node(op_type, list(inputs), names, domain=domain,
                                           name=self.fresh("n_" + op_type), **attrs))
        return names[0] if outputs == 1 else names

    def input(self, name, dtype, shape):
        self.inputs.append(helper.make_tensor_value_info(name, ELEM[np.dtype(dtype)], shape))
        return name

    def output(self, tensor, name, dtype):
        """Expose TENSOR as graph output NAME (through an Identity when it needs renaming)."""
        if tensor != name:
            for n in self.nodes:
                for i, o in enumerate(n.output):
                    if o == tensor:
                        n.output[i] = name
                for i, x in enumerate(n.input):
                    if x == tensor:
                        n.input[i] = name
        vi = onnx.ValueInfoProto()
        vi.name = name
        vi.type.tensor_type.elem_type = ELEM[np.dtype(dtype)]
        self.outputs.append(vi)
        return name

    def model(self):
        opsets = [helper.make_opsetid("", self.opset)]
        if self.ms:
            opsets.append(helper.make_opsetid(MS_DOMAIN, 1))
        g = helper.make_graph(self.nodes, self.name, self.inputs, self.outputs, self.inits)
        m = helper.make_model(g, opset_imports=opsets, producer_name="fpq-tests")
        # ir_version 8 is what onnx 1.12 writes for opset 17 and what every ORT reads.
        m.ir_version = 8
        if not self.ms:
            # Shape inference fills in the outputs' shapes; the checker then validates all.
            m = onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
            del m.graph.value_info[:]
            onnx.checker.check_model(m)
        return m


# Quantization parameters --------------------------------------------------------------

def qrange(dtype):
    return (0, 255) if np.dtype(dtype) == np.uint8 else (-128, 127)


def minmax_qparams(lo, hi, dtype):
    """quantize_static's MinMax rule: the range widened to hold 0, scale over 255 steps,
    the zero point rounded; returns (binary32 scale, zero point of DTYPE)."""
    qmin, qmax = qrange(dtype)
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    if hi - lo < 1e-6:
        hi = lo + 1e-6
    scale = F32((hi - lo) / (qmax - qmin))
    zp = int(np.clip(np.round(qmin - lo / float(scale)), qmin, qmax))
    return scale, np.array(zp, dtype=dtype)


def random_qparams(rng, dtype, lo=0.004, hi=0.04):
    """An activation scale and an asymmetric zero point anywhere in the type's range."""
    qmin, qmax = qrange(dtype)
    scale = F32(rng.uniform(lo, hi))
    zp = np.array(rng.integers(qmin + 20, qmax - 20, endpoint=True), dtype=dtype)
    return scale, zp


def quantize(x, scale, zp, dtype):
    """ONNX QuantizeLinear as ORT computes it: x / scale in binary32, round half to even,
    plus the zero point, saturated."""
    qmin, qmax = qrange(dtype)
    v = np.rint(np.asarray(x, F32) / np.asarray(scale, F32)) + np.asarray(zp, np.float64)
    return np.clip(v, qmin, qmax).astype(dtype)


def dequantize(q, scale, zp):
    return ((np.asarray(q, np.int32) - np.int32(zp)).astype(F32) * F32(scale)).astype(F32)


def float_input(rng, shape, scale, zp, dtype, ties=0.1, spill=0.02):
    """A float tensor that quantizes over the whole range of (SCALE, ZP): most values
    random, a fraction TIES exactly or next to a half-step (x / scale = k + 0.5 or its
    neighbours in binary32) and a fraction SPILL beyond the range (saturating)."""
    qmin, qmax = qrange(dtype)
    n = int(np.prod(shape))
    q = rng.integers(qmin, qmax, size=n, endpoint=True).astype(np.float64)
    x = ((q - float(zp)) + rng.uniform(-0.49, 0.49, size=n)) * float(scale)
    pick = rng.random(n)
    tie = pick < ties
    k = q[tie] - float(zp)
    exact = (k + 0.5) * float(scale)
    step = rng.integers(-2, 3, size=exact.size)
    t = exact.astype(F32)
    # Neighbours of the tie in binary32: the division then lands just off (or on) .5.
    for _ in range(2):
        t = np.where(step > 0, np.nextafter(t, F32(np.inf)), t)
        t = np.where(step < 0, np.nextafter(t, F32(-np.inf)), t)
        step = step - np.sign(step)
    x[tie] = t
    out = (pick >= ties) & (pick < ties + spill)
    x[out] = rng.choice([-1.0, 1.0], size=out.sum()) * (qmax - qmin) * float(scale) * 1.5
    return x.reshape(shape).astype(F32)


def int_input(rng, shape, dtype):
    qmin, qmax = qrange(dtype)
    return rng.integers(qmin, qmax, size=shape, endpoint=True).astype(dtype)


def weights_s8(rng, shape, limit=127):
    return rng.integers(-limit, limit, size=shape, endpoint=True).astype(np.int8)


def weight_scales(rng, channels, per_channel, lo=0.002, hi=0.02):
    if per_channel:
        return rng.uniform(lo, hi, size=channels).astype(F32)
    return F32(rng.uniform(lo, hi))


# Exact integer accumulators -----------------------------------------------------------

def conv_acc(xq, zx, wq, zw, bias, strides, pads, dilations, group):
    """Conv's int32 accumulators (int64 here): sum (x - zx) (w - zw) + bias, padded
    positions holding the zero point (they add nothing). pads = [top, left, bottom, right]."""
    x = np.asarray(xq, np.int64) - int(zx)
    w = np.asarray(wq, np.int64) - np.asarray(zw, np.int64).reshape(-1, 1, 1, 1) \
        if np.ndim(zw) else np.asarray(wq, np.int64) - int(zw)
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    sh, sw = strides
    dh, dw = dilations
    oh = (x.shape[2] - (dh * (kh - 1) + 1)) // sh + 1
    ow = (x.shape[3] - (dw * (kw - 1) + 1)) // sw + 1
    mg = m // group
    out = np.zeros((n, m, oh, ow), np.int64)
    for g in range(group):
        xg = x[:, g * cg:(g + 1) * cg]
        wg = w[g * mg:(g + 1) * mg]
        for i in range(kh):
            for j in range(kw):
                patch = xg[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                           j * dw:j * dw + sw * (ow - 1) + 1:sw]
                out[:, g * mg:(g + 1) * mg] += np.einsum("nchw,mc->nmhw", patch, wg[:, :, i, j])
    if bias is not None:
        out += np.asarray(bias, np.int64).reshape(1, -1, 1, 1)
    return out


def matmul_acc(aq, za, bq, zb, bias=None):
    """MatMul's accumulators: (a - za) @ (b - zb) (+ bias), B [K, N]."""
    a = np.asarray(aq, np.int64) - int(za)
    b = np.asarray(bq, np.int64) - np.asarray(zb, np.int64)
    out = a @ b
    if bias is not None:
        out = out + np.asarray(bias, np.int64)
    return out


# ORT's requantization (Documentation/numerics.rst) ------------------------------------

def requant_scale(sx, sw, sy):
    """QLinearConv's and QLinearMatMul's s = fp32(fp32(sx * sw) / sy)."""
    return (F32(sx) * np.asarray(sw, F32) / F32(sy)).astype(F32)


def qgemm_scale(alpha, sa, sb, sy):
    """QGemm's (com.microsoft) s = fp32(fp32(fp32(alpha * sa) * sb) / sy)."""
    return (F32(alpha) * F32(sa) * np.asarray(sb, F32) / F32(sy)).astype(F32)


def requantize(acc, s, zy, dtype):
    """y = sat(rne(clamp(fp32(fp32(acc) * s), qmin - zy, qmax - zy)) + zy)."""
    qmin, qmax = qrange(dtype)
    v = np.asarray(acc).astype(F32) * np.asarray(s, F32)
    v = np.clip(v, F32(qmin - int(zy)), F32(qmax - int(zy)))
    return (np.rint(v) + int(zy)).astype(dtype)


def output_qparams_for_acc(acc, sx, sw, dtype, axis=1, fill=0.9):
    """Output scale and zero point covering the accumulators' real range (MinMax), a little
    narrower (FILL) so that the extremes saturate."""
    shape = [1] * acc.ndim
    if np.ndim(sw):
        shape[axis] = -1
    real = acc.astype(np.float64) * float(sx) * np.asarray(sw, np.float64).reshape(shape)
    return minmax_qparams(real.min() * fill, real.max() * fill, dtype)


def tie_weight_scales(acc, sx, sy, zy, dtype, sw_nominal, axis, rng):
    """Per-channel weight scales close to SW_NOMINAL, each moved so that one accumulator of
    its channel lands exactly on a rounding tie in binary32 (fp32(acc * s) = k + 0.5) while
    the exact product does not: only binary32 arithmetic in ORT's order rounds it as ORT
    does. Returns (scales, number of channels that got a tie)."""
    qmin, qmax = qrange(dtype)
    acc = np.moveaxis(np.asarray(acc, np.int64), axis, 0).reshape(acc.shape[axis], -1)
    scales = np.array(sw_nominal, F32)
    hits = 0
    for j in range(acc.shape[0]):
        nominal = float(requant_scale(sx, scales[j], sy))
        order = rng.permutation(acc.shape[1])
        for p in order[:64]:
            a = int(acc[j, p])
            if abs(a) < 16 or abs(a) > (1 << 24):
                continue
            k = np.floor(a * nominal)
            if k < qmin - int(zy) or k + 1 > qmax - int(zy):
                continue                       # a tie that saturates tests nothing
            target_s = F32((k + 0.5) / a)
            # The weight scale whose product and division give target_s exactly.
            sw = F32(float(target_s) * float(sy) / float(sx))
            found = None
            for _ in range(8):
                got = requant_scale(sx, sw, sy)
                if got == target_s:
                    found = sw
                    break
                sw = np.nextafter(sw, F32(np.inf) if got < target_s else F32(-np.inf))
            if found is None:
                continue
            prod32 = F32(a) * target_s
            exact = a * float(target_s)            # exact in binary64 (24 x 25 bits)
            if float(prod32) == k + 0.5 and exact != k + 0.5:
                scales[j] = found
                hits += 1
                break
    return scales, hits
