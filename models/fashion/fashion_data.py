#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Fashion-MNIST as Debian ships it (package dataset-fashion-mnist), for the Fashion-MNIST
inspection model (Documentation/models.rst, "The Fashion-MNIST inspection model").

The one source of what the model's input is: 28x28 grey images as float32 NCHW
[N, 1, 28, 28] holding pixel / 255 (so 0.0 .. 1.0; a uint8 activation with scale 1/255
and zero point 0 holds every pixel exactly), labels as uint8 class numbers. The training
script, the tests and the demo all read the data through this module.

As a program it writes the .npy sets the tests, the demo and the quantizer use:

    fashion_data.py OUTDIR [--test-count N] [--calibration-count N]

    OUTDIR/test_images.npy          float32 [N, 1, 28, 28]  the first N test images (10000)
    OUTDIR/test_labels.npy          uint8   [N]
    OUTDIR/calibration_images.npy   float32 [M, 1, 28, 28]  the first M training images (500)
    OUTDIR/calibration_labels.npy   uint8   [M]

Nothing is downloaded: the files are read from DATA_DIR, and their contents are checked
against the SHA-256 sums below, so a different dataset cannot pass for this one.
"""
import argparse
import gzip
import hashlib
import os
import struct
import sys

import numpy as np

DATA_DIR = "/usr/share/datasets/fashion-mnist"
PACKAGE = "dataset-fashion-mnist"

# SHA-256 of each file's decompressed contents (Debian 12's 0.0~git20200523.55506a9-1).
FILES = {
    "train-images": ("train-images-idx3-ubyte.gz",
                     "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
    "train-labels": ("train-labels-idx1-ubyte.gz",
                     "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
    "test-images": ("t10k-images-idx3-ubyte.gz",
                    "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
    "test-labels": ("t10k-labels-idx1-ubyte.gz",
                    "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
}

CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
HEIGHT = WIDTH = 28
PIXEL_SCALE = 255.0          # input = pixel / PIXEL_SCALE, in binary32
TEST_COUNT = 10000
CALIBRATION_COUNT = 500      # the first 500 training images, for the quantizer

IDX_UBYTE = 0x08


class DataError(Exception):
    pass


def read_idx(name):
    """The uint8 array of the IDX file NAME (a key of FILES), checked."""
    fname, sha = FILES[name]
    path = os.path.join(DATA_DIR, fname)
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise DataError("%s is missing: install the Debian package %s "
                        "(scripts/install-deps.sh)" % (path, PACKAGE)) from None
    except (OSError, EOFError) as e:
        raise DataError("%s: %s" % (path, e)) from None
    if hashlib.sha256(raw).hexdigest() != sha:
        raise DataError("%s: contents differ from the Fashion-MNIST the model was trained "
                        "on (SHA-256 %s expected)" % (path, sha))
    # IDX: two zero bytes, the element type, the number of dimensions, big-endian sizes.
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != IDX_UBYTE:
        raise DataError("%s: not an IDX file of unsigned bytes" % path)
    ndim = raw[3]
    dims = struct.unpack(">%dI" % ndim, raw[4:4 + 4 * ndim])
    data = np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise DataError("%s: %d bytes of data for shape %s" % (path, data.size, dims))
    return data.reshape(dims)


def to_input(pixels):
    """uint8 [N, 28, 28] -> the model's input, float32 [N, 1, 28, 28] = pixel / 255."""
    return (pixels.astype(np.float32) / np.float32(PIXEL_SCALE))[:, None, :, :]


def load(split):
    """(images float32 [N, 1, 28, 28], labels uint8 [N]) of "train" or "test"."""
    images = read_idx(split + "-images")
    labels = read_idx(split + "-labels")
    if images.shape[1:] != (HEIGHT, WIDTH) or images.shape[0] != labels.shape[0]:
        raise DataError("%s: %s images for %s labels" % (split, images.shape, labels.shape))
    if labels.max() >= len(CLASSES):
        raise DataError("%s: label %d out of range" % (split, labels.max()))
    return to_input(images), labels.copy()


def write_sets(outdir, test_count=TEST_COUNT, calibration_count=CALIBRATION_COUNT):
    os.makedirs(outdir, exist_ok=True)
    sets = (("test", load("test"), test_count),
            ("calibration", load("train"), calibration_count))
    for name, (images, labels), count in sets:
        if not 0 < count <= images.shape[0]:
            raise DataError("%s count %d: must be 1..%d" % (name, count, images.shape[0]))
        for kind, a in (("images", images[:count]), ("labels", labels[:count])):
            path = os.path.join(outdir, "%s_%s.npy" % (name, kind))
            tmp = path + ".tmp"
            with open(tmp, "wb") as f:
                np.save(f, np.ascontiguousarray(a))
            os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--test-count", type=int, default=TEST_COUNT)
    ap.add_argument("--calibration-count", type=int, default=CALIBRATION_COUNT)
    args = ap.parse_args()
    try:
        write_sets(args.outdir, args.test_count, args.calibration_count)
    except DataError as e:
        print("fashion_data: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
