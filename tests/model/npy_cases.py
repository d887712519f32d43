#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes .npy files with numpy for tests/model/npy_test.c, and a manifest of them.

Usage: npy_cases.py OUTDIR

Every good file's data bytes follow one formula (byte k is (131 k + 7) mod 256; a bool's
is k mod 3 == 0), so the C test knows the contents without numpy. manifest.txt says, a
line per file:
  ok FILE VERSION DTYPE NDIM D0 D1 ...     a file npy_read() must read
  bad FILE ERRNO TEXT                      a file it must refuse with -ERRNO, TEXT in the message
"""
import os
import sys

import numpy as np

DTYPES = ["u1", "i1", "b1", "u2", "i2", "f2", "u4", "i4", "f4", "u8", "i8", "f8"]
SHAPES = [(), (0,), (7,), (2, 3, 5), (3, 0), (1, 1, 1, 1, 1, 1, 1, 2), (1000,)]


def data_bytes(dtype, count):
    k = np.arange(count * int(dtype[1]), dtype=np.int64)
    if dtype == "b1":
        return (k % 3 == 0).astype(np.uint8).tobytes()
    return ((131 * k + 7) % 256).astype(np.uint8).tobytes()


def array(dtype, shape):
    count = int(np.prod(shape, dtype=np.int64))
    dt = np.dtype("?" if dtype == "b1" else "<" + dtype)
    return np.frombuffer(data_bytes(dtype, count), dtype=dt).reshape(shape).copy()


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    lines = []

    def ok(name, version, a, dtype):
        lines.append(" ".join(["ok", name, version, dtype, str(a.ndim)] + [str(d) for d in a.shape]))

    for dtype in DTYPES:
        for shape in SHAPES:
            a = array(dtype, shape)
            name = "%s_%s.npy" % (dtype, "x".join(map(str, shape)) or "scalar")
            np.save(os.path.join(out, name), a)
            ok(name, "1", a, dtype)
        for version in (2, 3):
            a = array(dtype, (4, 5))
            name = "%s_v%d.npy" % (dtype, version)
            with open(os.path.join(out, name), "wb") as f:
                np.lib.format.write_array(f, a, version=(version, 0))
            ok(name, str(version), a, dtype)

    def bad(name, err, text, a, **kw):
        with open(os.path.join(out, name), "wb") as f:
            np.lib.format.write_array(f, a, **kw)
        lines.append("bad %s %s %s" % (name, err, text))

    base = array("f4", (2, 3))
    bad("fortran.npy", "EINVAL", "Fortran", np.asfortranarray(base))
    bad("big_endian.npy", "EINVAL", "big-endian", base.astype(">f4"))
    bad("pickle.npy", "EINVAL", "pickled", np.array([{"a": 1}, None], dtype=object),
        allow_pickle=True)
    bad("structured.npy", "EINVAL", "structured", np.zeros(3, dtype=[("a", "<f4"), ("b", "<i2")]))
    bad("complex.npy", "EINVAL", "not supported", np.zeros(3, dtype="<c8"))
    bad("unicode.npy", "EINVAL", "not supported", np.array(["ab", "c"]))
    bad("nine_dims.npy", "EINVAL", "dimensions", np.zeros((1,) * 9, dtype="<f4"))

    with open(os.path.join(out, "manifest.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
