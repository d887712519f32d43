#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The model suite's comparison with ONNX Runtime: every case tests/model/gen_models.py
wrote runs in ORT (ort_run.mjs) and in fpq-run on every CPU kernel set this host has,
and every output is compared (byte for byte, or within the case's tolerance for float
arithmetic).

Usage: ort_compare_test.py CASES_DIR [--subset]   (--subset: a part of the cases, from
gen_models.py --only; the check that every op has a case is skipped)
Environment: ORT_NODE_DIR (onnxruntime-node's directory), FPQ_RUN (the fpq-run program;
unset, empty or missing: the comparisons are skipped with that reason), FPQ_ISAS (kernel
sets to compare, default all the host has).

Checks, each one line: "ort:CASE" - the model loads and runs in ORT, every output is
written, ORT's optimized graph holds the quantized kernel the case is built for (a model
that ORT does not fuse would compare against DQ -> float -> Q instead), and where the
generator predicted the outputs (convolution and matrix products from their exact integer
sums, QuantizeLinear), ORT's equal the prediction byte for byte;
"fpq:CASE" - fpq-run's outputs equal ORT's on every kernel set. CASES_DIR/ort_report.txt
records the ORT configuration and kernels of every case.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import oracle  # noqa: E402


# Issue 14's ops: each must appear in at least one generated case.
REQUIRED_OPS = """QLinearConv QLinearMatMul QGemm QLinearAdd QLinearMul QLinearConcat QLinearGlobalAveragePool
QLinearAveragePool QLinearSigmoid QLinearLeakyRelu Conv ConvTranspose Gemm MatMul Add Mul Concat MaxPool AveragePool
GlobalAveragePool Relu Clip LeakyRelu Sigmoid HardSigmoid HardSwish Softmax Resize Pad Slice Reshape Flatten
Transpose Squeeze Unsqueeze Identity QuantizeLinear DequantizeLinear BatchNormalization""".split()


def fpq_run_path():
    p = os.environ.get("FPQ_RUN", "")
    if not p:
        return None, "fpq-run is not built yet (FPQ_RUN is unset: the model layer has not landed)"
    if not os.access(p, os.X_OK):
        return None, "fpq-run is not built yet (%s does not exist)" % p
    return p, ""


def main():
    args = sys.argv[1:]
    subset = "--subset" in args
    args = [a for a in args if a != "--subset"]
    if len(args) != 1:
        sys.exit("usage: ort_compare_test.py CASES_DIR [--subset]")
    root = args[0]
    start = time.time()
    with open(os.path.join(root, "cases.json")) as f:
        cases = json.load(f)
    res = oracle.Results()
    covered = {op for c in cases for op in c["ops"]}
    missing = [op for op in REQUIRED_OPS if op not in covered]
    forms = {c["form"] for c in cases}
    if subset:
        res.skip("coverage", "--subset: the cases are a part of the suite's")
    else:
        res.check(not missing and forms >= {"qdq-u8", "qdq-s8", "qop-u8", "qop-s8", "float"}, "coverage",
                  "no case for %s; forms %s" % (" ".join(missing) or "-", " ".join(sorted(forms))))
    flags = oracle.cpu_flags()
    node_dir = oracle.ort_node_dir()
    print("ONNX Runtime %s (onnxruntime-node, CPU execution provider), 1 intra-op thread; VNNI: %s" % (
        oracle.ort_version(node_dir), "yes" if oracle.has_vnni(flags) else
        "no (quantized cases run with session.x64quantprecision=1)"))

    jobs = []
    for c in cases:
        c["ort_config"] = oracle.ort_config_for_host(c["config"], c["form"] != "float", flags)
        for i, feeds in enumerate(c["runs"]):
            job = {"id": "%s#%d" % (c["name"], i), "model": c["model"], "inputs": feeds,
                   "output_dir": os.path.join(root, c["name"], "ort%d" % i), "opt_level": c["opt_level"],
                   "config": c["ort_config"], "threads": 1}
            if i == 0:
                job["save_optimized"] = os.path.join(root, c["name"], "ort_optimized.onnx")
            jobs.append(job)
    reports = oracle.run_ort_batch(jobs, root)

    ort_ok = {}
    report_lines = []
    for c in cases:
        name = c["name"]
        problems = []
        for i in range(len(c["runs"])):
            r = reports.get("%s#%d" % (name, i))
            if r is None or not r.get("ok"):
                problems.append("run %d: %s" % (i, r.get("error") if r else "no report"))
                continue
            got = [o["name"] for o in r["outputs"]]
            if got != c["outputs"]:
                problems.append("run %d: outputs %s, the model has %s" % (i, got, c["outputs"]))
            for o in r["outputs"]:
                if not os.path.exists(o.get("file", "")):
                    problems.append("run %d: %s was not written" % (i, o["name"]))
        for o, path in c.get("predicted", {}).items():
            ok, msg, _, _ = oracle.compare_npy(os.path.join(root, name, "ort0", o + ".npy"), path, "exact")
            if not ok and not problems:
                problems.append("ORT differs from the generator's prediction (exact sums, requantized in "
                                "binary32 as Documentation/numerics.rst says): " + msg)
        same = c.get("same_outputs_as")
        if same and not problems:
            for o in same["outputs"]:
                ok, msg, _, _ = oracle.compare_npy(os.path.join(root, name, "ort0", o + ".npy"),
                                                   os.path.join(root, same["case"], "ort0", o + ".npy"), "exact")
                if not ok:
                    problems.append("ORT's %s differs from case %s's: %s" % (o, same["case"], msg))
        kernels = oracle.optimized_ops(os.path.join(root, name, "ort_optimized.onnx")) or []
        missing = [k for k in c["expect_ops"] if not any(x.split(".")[-1] == k for x in kernels)]
        if missing and not problems:
            problems.append("ORT did not fuse it into %s (its graph: %s)" % (", ".join(missing), ", ".join(kernels)))
        config = " ".join("%s=%s" % kv for kv in sorted(c["ort_config"].items())) or "defaults"
        report_lines.append("%s\tlevel %s, %s\t%s" % (name, c["opt_level"], config, " ".join(kernels)))
        if problems:
            res.fail("ort:" + name, "\n".join(problems))
        else:
            ort_ok[name] = True
            res.ok("ort:" + name, "[%s; %s]" % (config, " ".join(kernels)))
    with open(os.path.join(root, "ort_report.txt"), "w") as f:
        f.write("# case\tORT configuration\tops in ORT's optimized graph\n" + "\n".join(report_lines) + "\n")

    fpq_run, why = fpq_run_path()
    isas = os.environ.get("FPQ_ISAS", "").split() or oracle.host_isas(flags)
    print("fpq kernel sets compared: %s (host supports %s)" % (" ".join(isas), " ".join(oracle.host_isas(flags))))
    outputs = elements = nbytes = 0
    refused_list = oracle.read_refusals()
    for c in cases:
        name = c["name"]
        if fpq_run is None:
            res.skip("fpq:" + name, why)
            continue
        if name not in ort_ok:
            res.skip("fpq:" + name, "ORT did not run it (see ort:%s)" % name)
            continue
        problems, refusals = [], []
        count = 0
        for isa in isas:
            for i, feeds in enumerate(c["runs"]):
                out_dir = os.path.join(root, name, "fpq_%s%d" % (isa, i))
                ok, msg = oracle.run_fpq(fpq_run, isa, c["model"], feeds, out_dir)
                if not ok:
                    problems.append("%s run %d: %s" % (isa, i, msg))
                    refusals.append(msg)
                    continue
                for o in c["outputs"]:
                    ok, msg, n, b = oracle.compare_npy(os.path.join(out_dir, o + ".npy"),
                                                       os.path.join(root, name, "ort%d" % i, o + ".npy"),
                                                       c["compare"])
                    if ok:
                        count += 1
                        elements += n
                        nbytes += b
                    else:
                        problems.append("%s run %d: %s" % (isa, i, msg))
        outputs += count
        # Listed only when every run was refused (none ran, nothing else went wrong).
        why_refused = oracle.listed_refusal(refused_list, name, refusals) \
            if count == 0 and len(refusals) == len(problems) else None
        if why_refused:
            res.skip("fpq:" + name, why_refused)
        elif problems:
            res.fail("fpq:" + name, "\n".join(problems[:12]))
        else:
            if oracle.listed(refused_list, name):
                print("note: %s is listed in fpq_refusals.list but runs: the line is stale" % name)
            res.ok("fpq:" + name, "%d outputs equal ORT's (%s)" % (
                count, "bytes" if c["compare"] == "exact" else "rtol %g atol %g" % (
                    c["compare"]["rtol"], c["compare"]["atol"])))
    print("compared with ORT: %d outputs, %d elements, %d bytes, on %d kernel sets; %.1f s" % (
        outputs, elements, nbytes, len(isas) if fpq_run else 0, time.time() - start))
    return res.report()


if __name__ == "__main__":
    sys.exit(main())
