#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generate the fpq hardware/software contract from rtl/regs/fpq_hw_spec.py.

  tools/gen-hw.py            write rtl/fpq_hw_pkg.sv, driver/fpq_hw_regs.h,
                             Documentation/registers.rst
  tools/gen-hw.py --check    regenerate in memory and compare with the committed files;
                             exit 1 and name the files that differ
  tools/gen-hw.py --numerics compare numerics.rst's table of element formats with the
                             spec's FORMATS (bits, layout, bias, Inf/NaN); exit 1 on a
                             difference

python3 standard library only.
"""
import argparse
import importlib.util
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC_PATH = os.path.join(ROOT, "rtl", "regs", "fpq_hw_spec.py")
OUT_SV = "rtl/fpq_hw_pkg.sv"
OUT_H = "driver/fpq_hw_regs.h"
OUT_RST = "Documentation/registers.rst"
NUMERICS_RST = "Documentation/numerics.rst"

TYPE_BYTES = {"u8": 1, "u16": 2, "u32": 4, "u64": 8, "i32": 4, "f32": 4}
C_TYPES = {"u8": "__u8", "u16": "__le16", "u32": "__le32", "u64": "__le64",
           "i32": "__le32", "f32": "__le32"}
TYPE_WORDS = {"u8": "u8", "u16": "le16", "u32": "le32", "u64": "le64",
              "i32": "le32 (signed)", "f32": "le32 (binary32)"}


def load_spec():
    spec = importlib.util.spec_from_file_location("fpq_hw_spec", SPEC_PATH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def fail(msg):
    sys.stderr.write("gen_hw: %s\n" % msg)
    sys.exit(2)


def mask(msb, lsb):
    return ((1 << (msb - lsb + 1)) - 1) << lsb


# ---- checks of the spec itself ---------------------------------------------------------

def layout(struct):
    """Offsets of a struct's fields; checks natural alignment and the declared size."""
    off = 0
    out = []
    for fld in struct["fields"]:
        name, typ = fld[0], fld[1]
        size = TYPE_BYTES[typ]
        if off % size:
            fail("%s.%s at %d is not naturally aligned" % (struct["name"], name, off))
        out.append((off, size) + tuple(fld))
        off += size
    if off != struct["size"]:
        fail("%s: fields add up to %d bytes, declared %d" % (struct["name"], off, struct["size"]))
    return out


def check_bitfields(owner, width, fields):
    used = 0
    for b in fields:
        if not (0 <= b["lsb"] <= b["msb"] < width):
            fail("%s.%s: bits %d:%d outside %d bits" % (owner, b["name"], b["msb"], b["lsb"], width))
        m = mask(b["msb"], b["lsb"])
        if used & m:
            fail("%s.%s overlaps another field" % (owner, b["name"]))
        used |= m
    return used


def check_spec(s):
    for name, val, width, _doc in s.PCI_IDS:
        if not 0 <= val < (1 << width):
            fail("PCI %s 0x%x does not fit %d bits" % (name, val, width))
    if dict((n, v) for n, v, _w, _d in s.PCI_IDS)["VENDOR_ID"] in (0, 0xFFFF):
        fail("PCI VENDOR_ID 0 or 0xffff reads as an absent function")
    check_formats(s)
    seen = {}
    for r in s.REGISTERS:
        if r["offset"] % 4 or r["offset"] >= s.BAR0_BYTES:
            fail("register %s: bad offset 0x%x" % (r["name"], r["offset"]))
        if r["offset"] in seen:
            fail("registers %s and %s share 0x%x" % (seen[r["offset"]], r["name"], r["offset"]))
        seen[r["offset"]] = r["name"]
        check_bitfields(r["name"], 32, r["fields"])
    for st in s.STRUCTS:
        for fld in layout(st):
            if len(fld) > 5:
                check_bitfields(st["name"] + "." + fld[2], 8 * fld[1], fld[5])
    for e in s.PAGE_TABLE["entries"]:
        if check_bitfields(e["name"], 64, e["fields"]) != (1 << 64) - 1:
            fail("%s: fields must cover all 64 bits" % e["name"])


def fmt_codes(s):
    return dict((n, v) for n, v, _d in next(e for e in s.ENUMS if e["name"] == "fmt")["values"])


def check_formats(s):
    codes = fmt_codes(s)
    names = [f["name"] for f in s.FORMATS]
    if sorted(names) != sorted(n for n in codes if n != "INVALID"):
        fail("FORMATS must list every enum fmt value but INVALID once")
    for f in s.FORMATS:
        if f["group_elems"] * f["bits"] != 8 * f["group_bytes"]:
            fail("%s: a group of %d elements of %d bits is not %d bytes" %
                 (f["name"], f["group_elems"], f["bits"], f["group_bytes"]))
        if f["group_elems"] & (f["group_elems"] - 1):
            fail("%s: group elements must be a power of two" % f["name"])
        if f["bits"] not in (f["exp"] + f["man"], f["exp"] + f["man"] + 1):
            fail("%s: %d bits do not hold %d exponent and %d mantissa bits" %
                 (f["name"], f["bits"], f["exp"], f["man"]))
    by_bits = {}
    for f in s.FORMATS:
        # The tile engine sizes rows by element bits alone (rtl/fpq_te_pkg.sv).
        if by_bits.setdefault(f["bits"], (f["group_elems"], f["group_bytes"])) != \
                (f["group_elems"], f["group_bytes"]):
            fail("%s: formats of %d bits must share one packing group" % (f["name"], f["bits"]))


def fmt_mask(s, key):
    codes = fmt_codes(s)
    return sum(1 << codes[f["name"]] for f in s.FORMATS if f[key])


def log2(v):
    return v.bit_length() - 1


def reg_reset(r):
    if r["fields"]:
        v = 0
        for fl in r["fields"]:
            v |= (fl["reset"] << fl["lsb"]) & mask(fl["msb"], fl["lsb"])
        return v
    return r["reset"]


# ---- SystemVerilog package ------------------------------------------------------------

def sv_struct(lines, tname, fields, width):
    """Packed struct with bit 0 = byte 0 bit 0: members listed from the top bit down."""
    lines.append("  typedef struct packed {")
    for b in sorted(fields, key=lambda b: -b["msb"]):
        w = b["msb"] - b["lsb"] + 1
        decl = "logic" if w == 1 else "logic [%d:0]" % (w - 1)
        lines.append("    %-14s %s;" % (decl, b["name"].lower()))
    lines.append("  } %s;  // %d bits" % (tname, width))


def sv_case(L, func, arms, default):
    """A case over formats: arms are (value expression, [format names])."""
    width = max(len(", ".join("FMT_" + n for n in names)) for _v, names in arms) + 1
    L.append("    unique case (f)")
    for value, names in arms:
        L.append("      %-*s %s = %s;" % (width, ", ".join("FMT_" + n for n in names) + ":", func, value))
    L.append("      %-*s %s = %s;" % (width, "default:", func, default))
    L.append("    endcase")


def grouped_arms(s, key_fn):
    """Formats grouped by key_fn's value, in code order; the most common value is the default."""
    codes = fmt_codes(s)
    groups = {}
    for f in sorted(s.FORMATS, key=lambda f: codes[f["name"]]):
        groups.setdefault(key_fn(f), []).append(f["name"])
    default = max(groups, key=lambda k: len(groups[k]))
    return [(k, v) for k, v in groups.items() if k != default], default


def sv_formats(L, s):
    L.append("  // ---- formats: storage (Documentation/numerics.rst, \"Storage\")")
    L.append("  localparam logic [31:0] FMT_OPERANDS = 32'h%08x;  // A and B formats" % fmt_mask(s, "operand"))
    L.append("  localparam logic [31:0] FMT_OUTPUTS = 32'h%08x;   // C formats" % fmt_mask(s, "output"))
    L.append("")
    L.append("  // bits per element of format f")
    L.append("  function automatic logic [5:0] fmt_bits(input logic [7:0] f);")
    arms, default = grouped_arms(s, lambda f: f["bits"])
    sv_case(L, "fmt_bits", [("6'd%d" % b, n) for b, n in arms], "6'd%d" % default)
    L.append("  endfunction")
    L.append("")

    def row_expr(group):
        elems, nbytes = group
        e = "nn"
        if elems > 1:
            e = "(nn + 34'd%d) >> %d" % (elems - 1, log2(elems))
            if nbytes > 1:
                e = "(%s)" % e
        if nbytes > 1 and not nbytes & (nbytes - 1):
            e = "%s << %d" % (e, log2(nbytes))
        elif nbytes > 1:
            e = "%s * 34'd%d" % (e, nbytes)
        return e
    L.append("  // bytes of a row of n elements of format f, in whole packing groups")
    L.append("  function automatic logic [33:0] fmt_row_bytes(input logic [7:0] f, input logic [31:0] n);")
    L.append("    logic [33:0] nn;")
    L.append("    nn = {2'b00, n};")
    arms, default = grouped_arms(s, lambda f: (f["group_elems"], f["group_bytes"]))
    sv_case(L, "fmt_row_bytes", [(row_expr(g), n) for g, n in arms], row_expr(default))
    L.append("  endfunction")
    L.append("")

    def grouped_expr(nbytes):
        if nbytes == 1:
            return "1'b1"
        if nbytes == 2:
            return "stride[0] == 1'b0"
        if not nbytes & (nbytes - 1):
            return "stride[%d:0] == %d'd0" % (log2(nbytes) - 1, log2(nbytes))
        return "(stride %% 32'd%d) == 32'd0" % nbytes
    L.append("  // a row stride of format f keeps whole packing groups")
    L.append("  function automatic logic fmt_stride_grouped(input logic [7:0] f, input logic [31:0] stride);")
    arms, default = grouped_arms(s, lambda f: f["group_bytes"])
    sv_case(L, "fmt_stride_grouped", [(grouped_expr(g), n) for g, n in arms], grouped_expr(default))
    L.append("  endfunction")
    L.append("")


def gen_sv(s):
    L = []
    L.append("// SPDX-License-Identifier: MIT")
    L.append("// fpq_hw_pkg: the hardware/software contract for the RTL.")
    L.append("// Generated by tools/gen-hw.py from rtl/regs/fpq_hw_spec.py: do not edit.")
    L.append("// Packed structs put byte 0 of a little-endian record at bits 7:0: assign a")
    L.append("// raw vector to a struct variable (Yosys 0.23 rejects casts to package types).")
    L.append("package fpq_hw_pkg;")
    L.append("")
    L.append("  localparam int unsigned VERSION_MAJOR = %d;" % s.VERSION_MAJOR)
    L.append("  localparam int unsigned VERSION_MINOR = %d;" % s.VERSION_MINOR)
    L.append("  localparam logic [31:0] ID_MAGIC = 32'h%08x;" % s.ID_MAGIC)
    L.append("  localparam int unsigned BAR0_BYTES = %d;" % s.BAR0_BYTES)
    L.append("")
    L.append("  // ---- PCI identity (the shell's configuration space)")
    for name, val, width, _doc in s.PCI_IDS:
        L.append("  localparam logic [%d:0] PCI_%s = %d'h%0*x;" % (width - 1, name, width, width // 4, val))
    L.append("")
    L.append("  // ---- constants")
    for name, val, _doc in s.CONSTANTS:
        L.append("  localparam longint unsigned %s = 64'h%x;" % (name, val))
    L.append("")
    for e in s.ENUMS:
        L.append("  // ---- enum %s: %s" % (e["name"], e["doc"]))
        w = 32 if e["name"] == "err" else 8
        for name, val, _doc in e["values"]:
            L.append("  localparam logic [%d:0] %s_%s = %d'd%d;" % (w - 1, e["name"].upper(), name, w, val))
        L.append("")
    sv_formats(L, s)
    L.append("  // ---- BAR0 registers: byte offsets, reset values, fields (LSB, WIDTH)")
    for r in s.REGISTERS:
        L.append("  localparam logic [11:0] REG_%s = 12'h%03x;" % (r["name"], r["offset"]))
        L.append("  localparam logic [31:0] REG_%s_RESET = 32'h%08x;" % (r["name"], reg_reset(r)))
        for fl in r["fields"]:
            L.append("  localparam int unsigned REG_%s_%s_LSB = %d;" % (r["name"], fl["name"], fl["lsb"]))
            L.append("  localparam int unsigned REG_%s_%s_WIDTH = %d;" %
                     (r["name"], fl["name"], fl["msb"] - fl["lsb"] + 1))
    L.append("")
    L.append("  // ---- host-memory structures")
    for st in s.STRUCTS:
        lay = layout(st)
        L.append("  // %s: %d bytes" % (st["name"], st["size"]))
        L.append("  localparam int unsigned %s_BYTES = %d;" % (st["name"].upper(), st["size"]))
        for fld in lay:
            off, size, name = fld[0], fld[1], fld[2]
            L.append("  localparam int unsigned %s_%s_OFFSET = %d;" % (st["name"].upper(), name.upper(), off))
            if len(fld) > 5:
                sv_struct(L, "%s_%s_t" % (st["name"], name), fld[5], 8 * size)
        L.append("  typedef struct packed {")
        for fld in reversed(lay):
            off, size, name = fld[0], fld[1], fld[2]
            if len(fld) > 5:
                decl = "%s_%s_t" % (st["name"], name)
            else:
                decl = "logic [%d:0]" % (8 * size - 1)
            L.append("    %-22s %s;  // byte %d" % (decl, name, off))
        L.append("  } %s_t;" % st["name"])
        L.append("")
    L.append("  // ---- page-table entries")
    for e in s.PAGE_TABLE["entries"]:
        sv_struct(L, "%s_t" % e["name"], e["fields"], 64)
    L.append("")
    L.append("endpackage")
    names = [ln.split("=")[0].split()[-1] for ln in L if ln.startswith("  localparam")]
    names += [ln.split("}")[1].split(";")[0].strip() for ln in L if ln.startswith("  } ")]
    dup = sorted(set(n for n in names if names.count(n) > 1))
    if dup:
        fail("generated names collide: %s" % ", ".join(dup))
    return "\n".join(L) + "\n"


# ---- C header -------------------------------------------------------------------------

def c_hex(v, bits):
    if bits > 32:
        return "0x%016xull" % v
    return "0x%08xu" % v


def wrap(text, cont, width=90):
    """Break a comment line at spaces so that kernel style's line limit holds."""
    out = []
    while len(text) > width:
        cut = text.rfind(" ", 0, width)
        out.append(text[:cut])
        text = cont + text[cut:]
    out.append(text)
    return out


def c_formats(L, s):
    codes = fmt_codes(s)
    cols = ["NAME", "name", "code", "bits", "group_elems", "group_bytes", "exp_bits",
            "man_bits", "bias", "has_inf", "has_nan", "mx_emax", "is_operand", "is_output"]
    L.append("/*")
    L += wrap(" * Formats (registers.rst, \"Formats\"): FPQ_HW_FORMATS(X) expands X(%s) once per "
              "format, in code order; flags are 0 or 1." % ", ".join(cols), " *")
    L.append(" */")
    L.append("#define FPQ_HW_FMT_COUNT %d" % (max(codes.values()) + 1))
    L.append("#define FPQ_HW_FMT_OPERANDS 0x%08xu" % fmt_mask(s, "operand"))
    L.append("#define FPQ_HW_FMT_OUTPUTS 0x%08xu" % fmt_mask(s, "output"))
    rows = []
    for f in sorted(s.FORMATS, key=lambda f: codes[f["name"]]):
        vals = [f["name"], '"%s"' % f["name"].lower(), codes[f["name"]], f["bits"],
                f["group_elems"], f["group_bytes"], f["exp"], f["man"], f["bias"],
                int(f["inf"]), int(f["nan"]), f["mx_emax"], int(f["operand"]), int(f["output"])]
        rows.append("\tX(%s)" % ", ".join(str(v) for v in vals))
    L.append("#define FPQ_HW_FORMATS(X) \\")
    L += [r + " \\" for r in rows[:-1]] + [rows[-1]]
    L.append("")
    # The kernel's checkpatch refuses a macro that ignores arguments: the driver needs
    # only the storage columns, so they come as their own table.
    scols = ["NAME", "bits", "group_elems", "group_bytes", "is_operand"]
    L.append("/*")
    L += wrap(" * FPQ_HW_FORMAT_STORAGE(X) expands X(%s) per format: the storage columns "
              "only." % ", ".join(scols), " *")
    L.append(" */")
    srows = ["\tX(%s, %d, %d, %d, %d)" % (f["name"], f["bits"], f["group_elems"],
                                          f["group_bytes"], int(f["operand"]))
             for f in sorted(s.FORMATS, key=lambda f: codes[f["name"]])]
    L.append("#define FPQ_HW_FORMAT_STORAGE(X) \\")
    L += [r + " \\" for r in srows[:-1]] + [srows[-1]]
    L.append("")


def gen_h(s):
    L = []
    L.append("/* SPDX-License-Identifier: GPL-2.0-only OR MIT */")
    L.append("/*")
    L.append(" * fpq_hw_regs.h - the fpq card's hardware/software contract: BAR0 registers,")
    L.append(" * DMA descriptors, completion records and page-table entries.")
    L.append(" *")
    L.append(" * Generated by tools/gen-hw.py from rtl/regs/fpq_hw_spec.py: do not edit.")
    L.append(" * Shared by the kernel driver and userspace harnesses; fixed-width little-endian")
    L.append(" * types from <linux/types.h> (kernel or UAPI copy). Host memory is little endian.")
    L.append(" */")
    L.append("#ifndef FPQ_HW_REGS_H")
    L.append("#define FPQ_HW_REGS_H")
    L.append("")
    L.append("#include <linux/types.h>")
    # static_assert: <linux/build_bug.h> in the kernel, C11 <assert.h> elsewhere.
    L += ["#ifdef __KERNEL__", "#include <linux/build_bug.h>", "#else",
          "#include <assert.h>", "#endif"]
    L.append("")
    L.append("/*")
    L.append(" * A field's bits from its value and back, by the field's _MASK: userspace's")
    L.append(" * FIELD_PREP() and FIELD_GET() (the kernel uses <linux/bitfield.h>).")
    L.append(" */")
    L += ["#ifndef __KERNEL__",
          "#define FPQ_HW_FIELD_PREP(mask, val) \\",
          "\t((((__u64)(val)) << __builtin_ctzll(mask)) & (__u64)(mask))",
          "#define FPQ_HW_FIELD_GET(mask, word) \\",
          "\t((((__u64)(word)) & (__u64)(mask)) >> __builtin_ctzll(mask))",
          "#endif"]
    L.append("")
    L.append("#define FPQ_HW_VERSION_MAJOR %d" % s.VERSION_MAJOR)
    L.append("#define FPQ_HW_VERSION_MINOR %d" % s.VERSION_MINOR)
    L.append("#define FPQ_HW_ID_MAGIC 0x%08xu" % s.ID_MAGIC)
    L.append("#define FPQ_HW_BAR0_BYTES 0x%x" % s.BAR0_BYTES)
    L.append("")
    L.append("/* PCI identity: a board vendor changes it in rtl/regs/fpq_hw_spec.py */")
    for name, val, width, _doc in s.PCI_IDS:
        L.append("#define FPQ_HW_PCI_%s 0x%0*xu" % (name, width // 4, val))
    L.append("")
    L.append("/* Constants */")
    for name, val, doc in s.CONSTANTS:
        L.append("/* %s */" % doc.split(". ")[0].rstrip("."))
        L.append("#define FPQ_HW_%s %s" % (name, ("0x%xu" % val) if val > 0xffff else ("%du" % val)))
    L.append("")
    for e in s.ENUMS:
        L += wrap("/* enum %s: %s */" % (e["name"], e["doc"]), " *")
        for name, val, _doc in e["values"]:
            L.append("#define FPQ_HW_%s_%s %d" % (e["name"].upper(), name, val))
        L.append("")
    c_formats(L, s)
    L.append("/* BAR0 registers: byte offsets, reset values, field masks and shifts */")
    for r in s.REGISTERS:
        L.append("#define FPQ_REG_%s 0x%03x" % (r["name"], r["offset"]))
        L.append("#define FPQ_REG_%s_RESET 0x%08xu" % (r["name"], reg_reset(r)))
        for fl in r["fields"]:
            L.append("#define FPQ_REG_%s_%s_MASK %s" % (r["name"], fl["name"], c_hex(mask(fl["msb"], fl["lsb"]), 32)))
            L.append("#define FPQ_REG_%s_%s_SHIFT %d" % (r["name"], fl["name"], fl["lsb"]))
    L.append("")
    for st in s.STRUCTS:
        lay = layout(st)
        L.append("/**")
        L += wrap(" * struct fpq_hw_%s - %s" % (st["name"], st["doc"].split(". ")[0].rstrip(".") + "."), " *")
        for fld in lay:
            L += wrap(" * @%s: %s" % (fld[2], fld[4]), " *\t")
        L.append(" */")
        L.append("struct fpq_hw_%s {" % st["name"])
        for fld in lay:
            L.append("\t%s %s;" % (C_TYPES[fld[3]], fld[2]))
        L.append("};")
        L.append("")
        L.append("#define FPQ_HW_%s_BYTES %d" % (st["name"].upper(), st["size"]))
        for fld in lay:
            L.append("#define FPQ_HW_%s_%s_OFFSET %d" % (st["name"].upper(), fld[2].upper(), fld[0]))
            if len(fld) > 5:
                for b in fld[5]:
                    base = "FPQ_HW_%s_%s_%s" % (st["name"].upper(), fld[2].upper(), b["name"])
                    L.append("#define %s_MASK %s" % (base, c_hex(mask(b["msb"], b["lsb"]), 8 * fld[1])))
                    L.append("#define %s_SHIFT %d" % (base, b["lsb"]))
        L.append("static_assert(sizeof(struct fpq_hw_%s) == %d, \"fpq_hw_%s layout\");" %
                 (st["name"], st["size"], st["name"]))
        L.append("")
    L.append("/* Page-table entries (64-bit little endian) */")
    for e in s.PAGE_TABLE["entries"]:
        for b in e["fields"]:
            base = "FPQ_HW_%s_%s" % (e["name"].upper(), b["name"])
            L.append("#define %s_MASK %s" % (base, c_hex(mask(b["msb"], b["lsb"]), 64)))
            L.append("#define %s_SHIFT %d" % (base, b["lsb"]))
    L.append("")
    L.append("#endif /* FPQ_HW_REGS_H */")
    return "\n".join(L) + "\n"


# ---- reStructuredText -------------------------------------------------------------------

def rst_table(header, rows):
    """A grid table; cells are single-line strings."""
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    sep = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    hsep = sep.replace("-", "=")

    def line(cells):
        return "|" + "|".join(" %s " % str(c).ljust(w) for c, w in zip(cells, widths)) + "|"
    out = [sep, line(header), hsep]
    for r in rows:
        out += [line(r), sep]
    return out


def title(L, text, ch):
    L.append(text)
    L.append(ch * len(text))
    L.append("")


def gen_rst(s):
    L = []
    L.append(".. SPDX-License-Identifier: MIT")
    L.append("")
    L.append(".. Generated by tools/gen-hw.py from rtl/regs/fpq_hw_spec.py: do not edit.")
    L.append("")
    title(L, "fpq card registers and descriptors", "=")
    L.append("The hardware/software contract of the fpq card, version %d.%d. One source file "
             "(``rtl/regs/fpq_hw_spec.py``) generates this page, the SystemVerilog package "
             "``rtl/fpq_hw_pkg.sv`` and the C header ``driver/fpq_hw_regs.h``; "
             "``make check-hwspec`` proves the copies agree." % (s.VERSION_MAJOR, s.VERSION_MINOR))
    L.append("")
    for para in s.__doc__.split("Conventions of the contract:")[1].strip().split("\n  * "):
        L.append("- " + " ".join(x.strip() for x in para.strip().lstrip("* ").split("\n")))
    L.append("")
    title(L, "Using the card", "-")
    L.append("Start-up: read ``ID`` and ``VERSION``; read the ``CAP_*`` registers; write "
             "``RING_BASE_LO/HI``, ``RING_LOG2``, ``FENCE_ADDR_LO/HI``, ``INT_MASK``; set "
             "``CONTROL.ENABLE``.")
    L.append("")
    L.append("Submitting a job costs one register write: fill the ring entry at index "
             "``RING_TAIL`` (a ``job_desc`` naming its operation descriptors, its page table "
             "and its completion record, all in host memory), then write the new tail to "
             "``RING_TAIL``. The card fetches the entry, the operation descriptors and the "
             "operands by DMA, runs the operations in order, writes the operation records, then "
             "the completion header, then the fence record, and only then sets ``INT_STATUS`` "
             "and raises the interrupt. Jobs run one after the other in ring order.")
    L.append("")
    L.append("Completion costs two register accesses with an interrupt (read ``INT_STATUS``, "
             "write it back to clear) and none when polling the fence record in memory. Clear "
             "``INT_STATUS`` before reading the fence record so that no completion is missed.")
    L.append("")
    L.append("A failing job (bad descriptor, page fault, bus error) completes with its cause in "
             "the completion ``status``, ``INT_STATUS.JOB_ERROR`` and the ``ERR_*`` registers; "
             "the card goes on with the next job. A hung job (``FAULT_INJECT.HANG`` or a bus "
             "that never answers) is the driver's timeout: write ``SOFT_RESET_KEY`` to "
             "``SOFT_RESET``, poll ``STATUS.RESETTING`` to 0, program the card again as at "
             "start-up (``RING_HEAD`` may be set to resume at any index) and resubmit.")
    L.append("")
    L.append("Why the page-table root is in each job descriptor rather than a register: the "
             "driver builds one table per job (or per client) and several jobs of different "
             "clients can be queued in the ring at once; a register would need an MMIO write, "
             "and a drain of the ring, at every switch.")
    L.append("")
    title(L, "PCI identity", "-")
    L.append("The card's PCI function presents these IDs in its configuration space, and the "
             "driver binds the vendor and device ID (``driver/fpq_drv.c``, from "
             "``FPQ_HW_PCI_*`` in ``driver/fpq_hw_regs.h``). They are placeholders until the "
             "card has IDs of its own: ``0x%04x`` is the experimental vendor ID that QEMU's "
             "demonstration devices use. **A board vendor changes them** in "
             "``rtl/regs/fpq_hw_spec.py`` (``PCI_IDS``) and runs ``tools/gen-hw.py``: the "
             "driver's ID table (and so its module alias), the simulated card's configuration "
             "space and this page follow. The revision ID is the contract's major version (%d)."
             % (dict((n, v) for n, v, _w, _d in s.PCI_IDS)["VENDOR_ID"], s.VERSION_MAJOR))
    L.append("")
    L += rst_table(["Name", "Value", "Meaning"],
                   [(n, "0x%0*x" % (w // 4, v), d) for n, v, w, d in s.PCI_IDS])
    L.append("")
    title(L, "Constants", "-")
    L += rst_table(["Name", "Value", "Meaning"],
                   [(n, ("0x%x" % v) if v > 0xfffff else str(v), d) for n, v, d in s.CONSTANTS])
    L.append("")
    title(L, "BAR0 register map", "-")
    L.append("BAR0 is %d bytes; unlisted offsets read 0 and ignore writes." % s.BAR0_BYTES)
    L.append("")
    L += rst_table(["Offset", "Name", "Access", "Reset", "Description"],
                   [("0x%03x" % r["offset"], r["name"], r["access"], "0x%08x" % reg_reset(r), r["doc"])
                    for r in s.REGISTERS])
    L.append("")
    title(L, "Register fields", "-")
    for r in s.REGISTERS:
        if not r["fields"]:
            continue
        L.append("``%s`` (0x%03x)" % (r["name"], r["offset"]))
        L.append("")
        L += rst_table(["Bits", "Field", "Reset", "Description"],
                       [("%d:%d" % (fl["msb"], fl["lsb"]), fl["name"], str(fl["reset"]), fl["doc"])
                        for fl in r["fields"]])
        L.append("")
    title(L, "Enumerations", "-")
    for e in s.ENUMS:
        L.append("``%s``: %s" % (e["name"], e["doc"]))
        L.append("")
        L += rst_table(["Value", "Name", "Meaning"], [(str(v), n, d) for n, v, d in e["values"]])
        L.append("")
    title(L, "Formats", "-")
    L.append("How the elements of each format (enum ``fmt``) are stored and encoded; "
             "numerics.rst explains them (its table of element formats is checked against "
             "this one). A row of a matrix starts on a whole packing group and a row stride "
             "keeps whole groups. ``driver/fpq_hw_regs.h`` has the table as the X-macro "
             "``FPQ_HW_FORMATS`` (libfpq's ``fpq_format_info()`` and the driver's validator "
             "are made from it) and the SystemVerilog package as ``fmt_bits()``, "
             "``fmt_row_bytes()`` and ``fmt_stride_grouped()``.")
    L.append("")
    codes = fmt_codes(s)
    yes = lambda b: "yes" if b else "-"
    L += rst_table(["Value", "Name", "Bits", "Group", "Exponent", "Mantissa", "Bias", "Inf",
                    "NaN", "MX emax", "Operand", "Output"],
                   [(str(codes[f["name"]]), f["name"], str(f["bits"]),
                     "%d in %d byte%s" % (f["group_elems"], f["group_bytes"],
                                          "s" if f["group_bytes"] > 1 else ""),
                     str(f["exp"]), str(f["man"]), str(f["bias"]), yes(f["inf"]), yes(f["nan"]),
                     str(f["mx_emax"]), yes(f["operand"]), yes(f["output"]))
                    for f in sorted(s.FORMATS, key=lambda f: codes[f["name"]])])
    L.append("")
    title(L, "Structures in host memory", "-")
    for st in s.STRUCTS:
        L.append("``%s`` (%d bytes)" % (st["name"], st["size"]))
        L.append("")
        L.append(st["doc"])
        L.append("")
        rows = []
        for fld in layout(st):
            rows.append(("%d" % fld[0], TYPE_WORDS[fld[3]], fld[2], fld[4]))
            if len(fld) > 5:
                for b in fld[5]:
                    rows.append(("", "bits %d:%d" % (b["msb"], b["lsb"]), "  " + b["name"], b["doc"]))
        L += rst_table(["Offset", "Type", "Field", "Description"], rows)
        L.append("")
    title(L, "Page tables", "-")
    L.append(s.PAGE_TABLE["doc"])
    L.append("")
    for e in s.PAGE_TABLE["entries"]:
        L.append("``%s``: %s" % (e["name"], e["doc"]))
        L.append("")
        L += rst_table(["Bits", "Field", "Description"],
                       [("%d:%d" % (b["msb"], b["lsb"]), b["name"], b["doc"]) for b in e["fields"]])
        L.append("")
    while L and L[-1] == "":
        L.pop()
    return "\n".join(L) + "\n"


def numerics_disagreements(s, text):
    """Where numerics.rst's table of element formats disagrees with FORMATS."""
    lines = text.splitlines()
    try:
        head = next(i for i, ln in enumerate(lines) if ln.split()[:3] == ["name", "bits", "layout"])
    except StopIteration:
        return ["no table of element formats (name, bits, layout, ...)"]
    border = lines[head - 1]
    spans = [(m.start(), m.end()) for m in __import__("re").finditer("=+", border)]
    out, seen = [], set()
    specs = dict((f["name"].lower(), f) for f in s.FORMATS)
    for ln in lines[head + 2:]:
        if ln.startswith("="):
            break
        cells = [ln[a:b if i + 1 < len(spans) else None].strip() for i, (a, b) in enumerate(spans)]
        name, bits, lay, bias, specials = cells[0], cells[1], cells[2], cells[3], cells[6]
        f = specs.get(name)
        if not f:
            out.append("%s: not a format of the spec" % name)
            continue
        seen.add(name)
        want_int = f["exp"] == 0
        if int(bits) != f["bits"]:
            out.append("%s: %s bits, spec %d" % (name, bits, f["bits"]))
        if want_int != (lay == "two's compl."):
            out.append("%s: layout %s" % (name, lay))
        if not want_int and (lay.count("E") != f["exp"] or lay.count("M") != f["man"] or
                             ("S" in lay) != (f["bits"] == f["exp"] + f["man"] + 1)):
            out.append("%s: layout %s, spec %d exponent and %d mantissa bits" %
                       (name, lay, f["exp"], f["man"]))
        if bias != ("-" if want_int else str(f["bias"])):
            out.append("%s: bias %s, spec %d" % (name, bias, f["bias"]))
        if ("Inf" in specials) != f["inf"] or ("NaN" in specials) != f["nan"] or \
                (specials == "none") != (not f["inf"] and not f["nan"]):
            out.append("%s: Inf / NaN \"%s\", spec inf %s nan %s" % (name, specials, f["inf"], f["nan"]))
    for f in s.FORMATS:
        if (f["operand"] or f["name"] == "E8M0") and f["name"].lower() not in seen:
            out.append("%s: missing" % f["name"].lower())
    return out


def gen_c_check(s):
    """A C file that fails to compile when the header's structs do not have the spec's layout."""
    L = ["/* SPDX-License-Identifier: MIT */",
         "/* Generated by tools/gen-hw.py --emit-c-check: layout proof of fpq_hw_regs.h. */",
         "#include <stddef.h>", "#include \"fpq_hw_regs.h\"", ""]
    for st in s.STRUCTS:
        for fld in layout(st):
            L.append("_Static_assert(offsetof(struct fpq_hw_%s, %s) == %d && sizeof(((struct fpq_hw_%s *)0)->%s) == %d, "
                     "\"%s.%s\");" % (st["name"], fld[2], fld[0], st["name"], fld[2], fld[1], st["name"], fld[2]))
    L.append("int main(void) { return 0; }")
    return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare instead of writing")
    ap.add_argument("--root", default=ROOT, help="tree to write into or check (default: this one)")
    ap.add_argument("--numerics", action="store_true",
                    help="check the table of element formats in %s against the spec" % NUMERICS_RST)
    ap.add_argument("--emit-c-check", metavar="FILE", help="write a C layout proof to FILE and exit")
    args = ap.parse_args()
    s = load_spec()
    check_spec(s)
    if args.numerics:
        with open(os.path.join(args.root, NUMERICS_RST), encoding="utf-8") as fh:
            wrong = numerics_disagreements(s, fh.read())
        for w in wrong:
            print("%s: %s" % (NUMERICS_RST, w))
        if wrong:
            print("gen_hw: the table of element formats in %s disagrees with FORMATS in "
                  "rtl/regs/fpq_hw_spec.py: fix one of them" % NUMERICS_RST)
        return 1 if wrong else 0
    if args.emit_c_check:
        with open(args.emit_c_check, "w", encoding="utf-8") as fh:
            fh.write(gen_c_check(s))
        return 0
    outputs = {OUT_SV: gen_sv(s), OUT_H: gen_h(s), OUT_RST: gen_rst(s)}
    bad = 0
    for rel, text in outputs.items():
        path = os.path.join(args.root, rel)
        if args.check:
            try:
                with open(path, encoding="utf-8") as fh:
                    same = fh.read() == text
            except OSError:
                same = False
            print("%s %s" % ("ok  " if same else "DIFF", rel))
            bad += not same
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
            print("wrote %s" % rel)
    if bad:
        print("gen_hw: %d generated file(s) differ from rtl/regs/fpq_hw_spec.py: run tools/gen-hw.py" % bad)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
