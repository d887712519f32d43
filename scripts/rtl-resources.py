#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Resource table of fpq_array from Yosys `stat -json` files (synth_xilinx, hierarchy
kept), as reStructuredText: per PE, per shared row unit (and its parts), then all edge
decoders, the rest of the array and the whole array together.

    scripts/rtl-resources.py CONFIG=STAT.json ... > resources.rst
    scripts/rtl-resources.py --totals LABEL=STAT.json ... > table.rst

--totals: one line per file with the whole top module's resources (the ABFT costs).
"""
import json
import re
import sys

# Xilinx cell types by resource. LUT RAM and shift registers occupy LUTs too.
LUTS = {f"LUT{n}": 1 for n in range(1, 7)}
LUTS["INV"] = 1  # an inverter is a LUT1
LUTMEM = {"RAM32M16": 8, "RAM32M": 4, "RAM64M8": 8, "RAM64M": 4, "RAM32X1D": 2,
          "RAM64X1D": 2, "RAM128X1D": 4, "SRL16E": 1, "SRLC32E": 1}
FFS = {"FDRE", "FDSE", "FDCE", "FDPE"}
CARRY = {"CARRY4", "CARRY8"}
DSP = {"DSP48E1", "DSP48E2"}
BRAM = {"RAMB18E1", "RAMB36E1", "RAMB18E2", "RAMB36E2"}
COLUMNS = ("LUT", "LUTRAM/SRL", "FF", "CARRY", "DSP", "BRAM")


def load(path):
    """Yosys 0.23 interleaves the text hierarchy into its JSON: drop those lines."""
    lines = [ln for ln in open(path) if '"' in ln or re.match(r"^\s*[{}\[\],]*\s*$", ln)]
    mods = json.loads("".join(lines))["modules"]
    # Module names carry Yosys's leading backslash; cell types do not.
    return {name.lstrip("\\"): info for name, info in mods.items()}


def short(name):
    return name.split("\\")[-1]


def local(cells):
    r = dict.fromkeys(COLUMNS, 0)
    subs = {}
    for typ, n in cells.items():
        if typ in LUTS:
            r["LUT"] += n
        elif typ in LUTMEM:
            r["LUTRAM/SRL"] += n * LUTMEM[typ]
        elif typ in FFS:
            r["FF"] += n
        elif typ in CARRY:
            r["CARRY"] += n
        elif typ in DSP:
            r["DSP"] += n
        elif typ in BRAM:
            r["BRAM"] += n
        elif typ.startswith("$paramod") or not typ.startswith("$") and not typ.isupper():
            subs[typ] = n
    return r, subs


def totals(mods, name, memo):
    if name in memo:
        return memo[name]
    r, subs = local(mods[name]["num_cells_by_type"])
    for sub, n in subs.items():
        if sub in mods:
            t = totals(mods, sub, memo)
            for c in COLUMNS:
                r[c] += n * t[c]
    memo[name] = r
    return r


def instances(mods, top, kind):
    """(module name, count) of every instance of a module kind under top."""
    found = {}

    def walk(name, mult):
        _, subs = local(mods[name]["num_cells_by_type"])
        for sub, n in subs.items():
            if sub not in mods:
                continue
            if short(sub) == kind:
                found[sub] = found.get(sub, 0) + mult * n
            else:
                walk(sub, mult * n)
    walk(top, 1)
    return found


def row(label, r, count=None):
    cells = [str(r[c]) for c in COLUMNS]
    return [label, "" if count is None else str(count)] + cells


def table(rows, header):
    widths = [max(len(x[i]) for x in rows + [header]) for i in range(len(header))]
    line = "  ".join("=" * w for w in widths)
    out = [line, "  ".join(h.ljust(w) for h, w in zip(header, widths)), line]
    out += ["  ".join(x.ljust(w) for x, w in zip(r, widths)) for r in rows]
    out.append(line)
    return "\n".join(out)


def main_totals(args):
    rows = []
    for arg in args:
        label, path = arg.rsplit("=", 1)
        mods = load(path)
        # the top: the one module no other module instantiates
        used = set()
        for info in mods.values():
            used.update(local(info["num_cells_by_type"])[1])
        top = next(m for m in mods if m not in used)
        rows.append(row(label, totals(mods, top, {}), 1))
    print(table(rows, ["module", "count"] + list(COLUMNS)))


def main():
    if sys.argv[1:2] == ["--totals"]:
        main_totals(sys.argv[2:])
        return
    for arg in sys.argv[1:]:
        cfg, path = arg.rsplit("=", 1)
        mods = load(path)
        memo = {}
        top = next(m for m in mods if short(m) == "fpq_array")
        total = totals(mods, top, memo)
        rows = []
        parts = dict.fromkeys(COLUMNS, 0)
        for kind, label in (("fpq_pe", "PE (shifter)"), ("fpq_pe_dsp", "PE (DSP)"),
                            ("fpq_row_accum", "row unit (shared)")):
            for mod, n in instances(mods, top, kind).items():
                t = totals(mods, mod, memo)
                rows.append(row(label, t, n))
                for c in COLUMNS:
                    parts[c] += n * t[c]
                if kind == "fpq_row_accum":
                    for sub, sublabel in (("fpq_fp32_add", "  of which binary32 adder"),):
                        for smod, _ in instances(mods, mod, sub).items():
                            rows.append(row(sublabel, totals(mods, smod, memo)))
                    # The block rounding is the row unit's own fpq_fp32_round.
                    _, subs = local(mods[mod]["num_cells_by_type"])
                    for smod in subs:
                        if short(smod) == "fpq_fp32_round":
                            rows.append(row("  of which block rounding",
                                            totals(mods, smod, memo)))
        # Row and column decoders differ in parameters: one line for all of them.
        decoders = dict.fromkeys(COLUMNS, 0)
        count = 0
        for mod, n in instances(mods, top, "fpq_elem_decode").items():
            t = totals(mods, mod, memo)
            count += n
            for c in COLUMNS:
                decoders[c] += n * t[c]
                parts[c] += n * t[c]
        rows.append(row("edge decoders, all", decoders, count))
        rest = {c: total[c] - parts[c] for c in COLUMNS}
        rows.append(row("skew, control, deskew", rest, 1))
        rows.append(row("whole array", total, 1))
        print(cfg)
        print("~" * len(cfg))
        print()
        print(table(rows, ["part", "count"] + list(COLUMNS)))
        print()


if __name__ == "__main__":
    main()
