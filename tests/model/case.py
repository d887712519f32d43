# SPDX-License-Identifier: MIT
"""One generated test case: a model, its inputs, how ORT runs it and how its outputs are
compared; and the manifest (cases.json) that the comparison suite reads.

Forms: "qdq-u8" / "qdq-s8" (float model with QuantizeLinear/DequantizeLinear around every
op, as quantize_static writes it, uint8 or int8 activations), "qop-u8" / "qop-s8" (ORT's
QOperator form: QLinearConv, QGemm, ... on integer tensors), "float" (no quantization).

Comparison: "exact" (every output byte), "close" (binary32 outputs within atol + rtol *
|ORT's value|, for float arithmetic whose rounding order is not specified), or such a dict
{"mode": "close", "rtol", "atol"} of the case's own.
"""
import json
import os

import numpy as np
import onnx

# ORT's session configuration for each form (Documentation/models.rst): int8 activations fuse into
# quantized kernels only with session.qdqisint8allowed=1.
FORM_CONFIG = {
    "qdq-u8": {},
    "qdq-s8": {"session.qdqisint8allowed": "1"},
    "qop-u8": {},
    "qop-s8": {},
    "float": {},
}

CLOSE = {"rtol": 1e-4, "atol": 1e-5}


class Case:
    def __init__(self, name, form, ops, model, inputs, expect_ops=(), compare="exact",
                 notes=None, extra_inputs=None, predicted=None, config=None, same_outputs_as=None):
        assert form in FORM_CONFIG, form
        self.name, self.form, self.ops = name, form, list(ops)
        self.model, self.inputs = model, inputs
        self.expect_ops = list(expect_ops)
        self.compare = compare
        self.notes = dict(notes or {})
        # Further input sets (e.g. another batch size) run through the same model.
        self.extra_inputs = list(extra_inputs or [])
        # Outputs of the first input set as this generator computes them with ORT's
        # formulas (exact integer sums, requantization in binary32): ORT must agree.
        self.predicted = dict(predicted or {})
        # ORT session configuration entries beyond the form's.
        self.config = dict(FORM_CONFIG[form], **(config or {}))
        # (case, [outputs]): ORT must give these outputs the bytes it gives that case's
        # (the first input sets of both being the same).
        self.same_outputs_as = same_outputs_as

    def write(self, root):
        d = os.path.join(root, self.name)
        os.makedirs(d, exist_ok=True)
        model_path = os.path.join(d, "model.onnx")
        onnx.save(self.model, model_path)
        runs = []
        for i, feeds in enumerate([self.inputs] + self.extra_inputs):
            files = {}
            for k, v in feeds.items():
                p = os.path.join(d, "input%d_%s.npy" % (i, k))
                np.save(p, v)
                files[k] = p
            runs.append(files)
        predicted = {}
        for k, v in self.predicted.items():
            p = os.path.join(d, "predicted_%s.npy" % k)
            np.save(p, v)
            predicted[k] = p
        entry = {
            "name": self.name,
            "form": self.form,
            "ops": self.ops,
            "model": model_path,
            "runs": runs,
            "outputs": [o.name for o in self.model.graph.output],
            "opt_level": "all",
            "config": self.config,
            "same_outputs_as": {"case": self.same_outputs_as[0], "outputs": self.same_outputs_as[1]}
            if self.same_outputs_as else None,
            "compare": self.compare if isinstance(self.compare, dict) or self.compare == "exact" else
            dict(CLOSE, mode="close"),
            "expect_ops": self.expect_ops,
            "predicted": predicted,
            "notes": self.notes,
        }
        return entry


def write_manifest(root, cases):
    names = [c.name for c in cases]
    dup = {n for n in names if names.count(n) > 1}
    assert not dup, "duplicate case names: %s" % sorted(dup)
    entries = [c.write(root) for c in cases]
    with open(os.path.join(root, "cases.json"), "w") as f:
        json.dump(entries, f, indent=1)
    return entries
