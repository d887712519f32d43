# SPDX-License-Identifier: MIT
"""An independent NumPy implementation of MX block quantization as
Documentation/numerics.rst defines it ("Element formats", "Storage", "Quantization",
"MX block quantization"): the element values are enumerated from their bit fields, a
value rounds to the nearest one (ties to the even code, saturating), the scale of a
block of 32 is floor(log2(amax)) - emax_elem. Used by tests/model/mx_test.py to check
fpq-quantize's packed weights bit for bit."""

import numpy as np

# name: (exponent bits, mantissa bits, bias, emax_elem, bits per element)
FLOATS = {
    "e4m3": (4, 3, 7, 8, 8),
    "e5m2": (5, 2, 15, 15, 8),
    "e3m2": (3, 2, 3, 4, 6),
    "e2m3": (2, 3, 1, 2, 6),
    "e2m1": (2, 1, 1, 2, 4),
}
BITS = {"mxint8": 8, **{k: v[4] for k, v in FLOATS.items()}}
EMAX = {"mxint8": 0, **{k: v[3] for k, v in FLOATS.items()}}


def magnitudes(fmt):
    """The finite non-negative values of a float format, by magnitude code."""
    e_bits, m_bits, bias, _, _ = FLOATS[fmt]
    vals = []
    for code in range(1 << (e_bits + m_bits)):
        e, m = code >> m_bits, code & ((1 << m_bits) - 1)
        if e == 0:
            v = m / (1 << m_bits) * 2.0 ** (1 - bias)
        else:
            v = (1 + m / (1 << m_bits)) * 2.0 ** (e - bias)
        vals.append(v)
    vals = np.array(vals)
    if fmt == "e4m3":
        vals = vals[:-1]                    # S.1111.111 is NaN
    elif fmt == "e5m2":
        vals = vals[:(31 << 2)]             # exponent 11111 is Inf/NaN
    return vals


def encode(fmt, v):
    """Codes of the float64 values v (already divided by the block scale), RNE,
    saturating."""
    v = np.asarray(v, dtype=np.float64)
    if fmt == "mxint8":
        q = np.clip(np.rint(v * 64.0), -127, 127).astype(np.int64)   # rint: ties to even
        return (q & 0xFF).astype(np.uint32)
    e_bits, m_bits = FLOATS[fmt][:2]
    mags = magnitudes(fmt)
    a = np.minimum(np.abs(v), mags[-1])
    hi = np.searchsorted(mags, a, side="left")          # mags[hi] >= a
    hi = np.minimum(hi, len(mags) - 1)
    lo = np.maximum(hi - 1, 0)
    d_lo, d_hi = a - mags[lo], mags[hi] - a
    pick = np.where(d_lo < d_hi, lo, np.where(d_hi < d_lo, hi, np.where(lo % 2 == 0, lo, hi)))
    pick = np.where(mags[hi] == a, hi, pick)
    sign = np.signbit(v).astype(np.uint32) << (e_bits + m_bits)
    return sign | pick.astype(np.uint32)


def quantize_rows(fmt, x):
    """MX-quantize the rows of x (float32 [N, K], K a multiple of 32): the packed
    element bytes [N, row bytes] and the E8M0 scale codes [N, K / 32]."""
    x = np.asarray(x, dtype=np.float32)
    n, k = x.shape
    assert k % 32 == 0
    blocks = x.reshape(n, k // 32, 32).astype(np.float64)
    amax = np.abs(blocks).max(axis=2)
    _, e = np.frexp(amax)                               # amax = f * 2^e, f in [0.5, 1)
    X = np.where(amax > 0, e - 1 - EMAX[fmt], -127)
    X = np.clip(X, -127, 127)
    scaled = blocks / np.ldexp(1.0, X)[:, :, None]      # exact in binary64
    codes = encode(fmt, scaled).reshape(n, k)
    return pack(fmt, codes), (X + 127).astype(np.uint8)


def pack(fmt, codes):
    """Element codes [N, K] into bytes: 6-bit four per three bytes (little-endian 24-bit
    word, element i at bits 6i), 4-bit two per byte (element 0 low)."""
    bits = BITS[fmt]
    n, k = codes.shape
    codes = codes.astype(np.uint32)
    if bits == 8:
        return codes.astype(np.uint8)
    if bits == 4:
        c = codes.reshape(n, k // 2, 2)
        return (c[:, :, 0] | (c[:, :, 1] << 4)).astype(np.uint8)
    c = codes.reshape(n, k // 4, 4)
    word = c[:, :, 0] | (c[:, :, 1] << 6) | (c[:, :, 2] << 12) | (c[:, :, 3] << 18)
    out = np.stack([word & 0xFF, (word >> 8) & 0xFF, (word >> 16) & 0xFF], axis=2)
    return out.reshape(n, k // 4 * 3).astype(np.uint8)


def decode_rows(fmt, data, scales, k):
    """The values (float64) of packed rows: the inverse of quantize_rows()."""
    n = data.shape[0]
    bits = BITS[fmt]
    if bits == 8:
        codes = data.astype(np.uint32)
    elif bits == 4:
        codes = np.stack([data & 0xF, data >> 4], axis=2).reshape(n, k).astype(np.uint32)
    else:
        b = data.reshape(n, k // 4, 3).astype(np.uint32)
        word = b[:, :, 0] | (b[:, :, 1] << 8) | (b[:, :, 2] << 16)
        codes = np.stack([(word >> (6 * i)) & 63 for i in range(4)], axis=2).reshape(n, k)
    if fmt == "mxint8":
        vals = codes.astype(np.uint8).view(np.int8).astype(np.float64) / 64.0
    else:
        e_bits, m_bits = FLOATS[fmt][:2]
        mags = magnitudes(fmt)
        mag = codes & ((1 << (e_bits + m_bits)) - 1)
        vals = mags[np.minimum(mag, len(mags) - 1)] * np.where(codes >> (e_bits + m_bits), -1, 1)
    sc = np.ldexp(1.0, scales.astype(np.int64) - 127)
    return vals * np.repeat(sc, 32, axis=1)
