# SPDX-License-Identifier: MIT
"""The fpq hardware/software contract: the one source of truth.

BAR0 registers, the descriptors the card fetches by DMA (ring entries, GEMM operation
descriptors), the records it writes back (completion, fence), the device page-table
format, the shared enumerations (formats are the libfpq enum fpq_format values), the
format table (storage and encoding of every format) and the card's PCI identity.

tools/gen-hw.py turns this file into:
  rtl/fpq_hw_pkg.sv           SystemVerilog package (offsets, fields, codes, packed structs)
  driver/fpq_hw_regs.h        C header for the kernel driver and the userspace harnesses
  Documentation/registers.rst the register map and descriptor tables
Edit this file, run `python3 tools/gen-hw.py`, commit all four together; `make
check-hwspec` fails when a generated copy disagrees with this file.

Conventions of the contract:
  * All registers are 32 bits wide at 4-byte aligned offsets; 64-bit quantities are a
    _LO/_HI pair. Reading a counter's _LO half latches its _HI half (read _LO first).
  * Host memory is little endian. Every descriptor field is little endian.
  * "bus address": an address the card puts on its AXI master as is (the DMA address the
    driver got from the DMA API). Used only for what the kernel owns: the ring, operation
    descriptors, page tables, completion records and the fence write-back.
  * "device virtual address" (VA): every operand address inside a GEMM operation
    descriptor. The card translates it through the job's page table; a miss or a
    permission fault aborts the job with an error status (no access is made).
  * Reserved fields and bits must be zero; the card checks them and fails the job with
    ERR_RESERVED when they are not, so future versions can give them a meaning.
"""

# Version of this contract. The driver refuses a card whose major differs.
VERSION_MAJOR = 1
VERSION_MINOR = 1

ID_MAGIC = 0x46505131  # "FPQ1" read as a big-endian ASCII word
BAR0_BYTES = 0x1000

# ---------------------------------------------------------------------------------------
# PCI identity of the card's function: what its configuration space presents (the PCIe
# shell of a board; verilator/cosim/card_device.c for the simulated card) and what the
# driver's ID table matches. The card has no IDs of its own yet: 0x1234 is the experimental
# vendor ID that QEMU's demonstration devices use, and the device ID is ours. A board
# vendor writes its IDs here and runs tools/gen-hw.py; the driver, the card process and
# the documentation follow. The revision ID is the contract's VERSION_MAJOR.
PCI_IDS = [
    ("VENDOR_ID", 0x1234, 16, "Vendor ID (a placeholder: QEMU's experimental vendor ID)."),
    ("DEVICE_ID", 0xF0A1, 16, "Device ID of the fpq card."),
    ("SUBSYSTEM_VENDOR_ID", 0x1234, 16, "Subsystem vendor ID: the board's maker."),
    ("SUBSYSTEM_ID", 0xF0A1, 16, "Subsystem ID: the board."),
    ("CLASS", 0x120000, 24, "Class code: processing accelerator (base class 0x12, "
     "subclass 0x00, programming interface 0)."),
]

# ---------------------------------------------------------------------------------------
# Constants: sizes and limits that are part of the contract (not build parameters).
CONSTANTS = [
    ("PAGE_SHIFT", 12, "Device pages are 4 KiB."),
    ("PAGE_BYTES", 4096, "Bytes in a device page."),
    ("VA_BITS", 30, "Device virtual addresses are 30 bits (1 GiB per job): two table levels of "
     "512 entries. Bits above must be zero, else the access faults (ERR_PAGE_UNMAPPED)."),
    ("PT_LEVEL_BITS", 9, "VA bits resolved per page-table level."),
    ("PT_ENTRIES", 512, "Entries in one page-table page (L1 directory or L2 table)."),
    ("PT_ENTRY_BYTES", 8, "Bytes per page-table entry."),
    ("RING_ENTRY_BYTES", 64, "Bytes per ring entry (one job descriptor)."),
    ("RING_LOG2_MIN", 1, "Smallest ring: 2 entries."),
    ("RING_LOG2_MAX", 12, "Largest ring: 4096 entries."),
    ("MAX_OPS_PER_JOB", 255, "Most operations in one job."),
    ("MAX_M", 65535, "Largest M (rows of A and C); M * N fits the 32-bit counters."),
    ("MAX_N", 65535, "Largest N (rows of B, columns of C)."),
    ("MAX_K", 65536, "Largest K (the INT8 path's exact int32 limit, numerics.rst)."),
    ("MX_BLOCK", 32, "Elements per E8M0 scale block along K (and along N for MX output)."),
    ("SOFT_RESET_KEY", 0x52535431, "Value to write to SOFT_RESET (\"RST1\"); other values are ignored."),
]

# ---------------------------------------------------------------------------------------
# Enumerations. Each: name, prefix for the generated constants, doc, [(NAME, value, doc)].
ENUMS = [
    {
        "name": "fmt",
        "doc": "Element and output formats: the values of libfpq's enum fpq_format.",
        "values": [
            ("INVALID", 0, "Invalid: a zeroed descriptor is rejected."),
            ("INT8", 1, "int8 two's complement: INT8 path operand, or requantized output."),
            ("E4M3", 2, "OCP FP8 E4M3 (no Inf, NaN = S.1111.111)."),
            ("E5M2", 3, "OCP FP8 E5M2 (IEEE-like Inf/NaN)."),
            ("E3M2", 4, "OCP FP6 E3M2, packed 4 elements in 3 bytes."),
            ("E2M3", 5, "OCP FP6 E2M3, packed 4 elements in 3 bytes."),
            ("E2M1", 6, "OCP FP4 E2M1, packed 2 per byte, element 0 in the low nibble."),
            ("MXINT8", 7, "MX int8 element: int8 * 2^-6."),
            ("E8M0", 8, "E8M0 scale (scales only)."),
            ("INT32", 9, "int32: raw accumulators of the INT8 path."),
            ("FP32", 10, "IEEE binary32."),
            ("BF16", 11, "bfloat16 (output only)."),
        ],
    },
    {
        "name": "act",
        "doc": "Float-path activation: the values of libfpq's enum fpq_activation.",
        "values": [
            ("NONE", 0, "No activation."),
            ("RELU", 1, "max(y, 0); a changed value counts as clamped."),
            ("CLAMP", 2, "min(max(y, clamp_lo), clamp_hi); changed values count as clamped."),
        ],
    },
    {
        "name": "opcode",
        "doc": "Operation descriptor opcodes.",
        "values": [
            ("INVALID", 0, "Invalid: a zeroed descriptor is rejected with ERR_BAD_OPCODE."),
            ("GEMM", 1, "C = epilogue(A * B^T), numerics.rst."),
        ],
    },
    {
        "name": "job_kind",
        "doc": "Ring entry kinds (job descriptor header KIND field).",
        "values": [
            ("INVALID", 0, "Invalid: a zeroed ring entry is rejected with ERR_BAD_JOB."),
            ("GEMM", 1, "A job of NUM_OPS GEMM operations run in order."),
        ],
    },
    {
        "name": "err",
        "doc": "Job status and error cause codes (completion status, ERR_CAUSE register).",
        "values": [
            ("OK", 0, "The job completed."),
            ("BAD_JOB", 1, "Job descriptor invalid: unknown KIND, NUM_OPS 0 or above the limit, "
             "misaligned ops/completion/page-table address."),
            ("BAD_OPCODE", 2, "Operation descriptor with an unknown opcode."),
            ("RESERVED", 3, "A reserved field or bit is not zero, or an address field the "
             "operation does not use is not zero."),
            ("BAD_FORMAT", 4, "Format pair, output format, activation or flag combination not "
             "supported (or not built: see CAP_IN_FORMATS / CAP_OUT_FORMATS)."),
            ("BAD_SHAPE", 5, "M, N or K zero or above the limits, K % 32 with scales, N % 32 "
             "with MX output, a stride below the row size or splitting a packing group, "
             "zero points or act_min/act_max out of range, clamp bounds NaN or unordered."),
            ("PAGE_UNMAPPED", 6, "An operand access hit an invalid page-table entry or a VA "
             "beyond VA_BITS. ERR_ADDR holds the VA."),
            ("PAGE_PERMISSION", 7, "An operand access lacks the R (read) or W (write) permission. "
             "ERR_ADDR holds the VA."),
            ("PAGE_BAD_ENTRY", 8, "A page-table entry has reserved bits set. ERR_ADDR holds the VA."),
            ("DMA_READ", 9, "A read returned SLVERR/DECERR (or FAULT_INJECT.DMA_READ fired). "
             "ERR_ADDR holds the bus address."),
            ("DMA_WRITE", 10, "A write returned SLVERR/DECERR. ERR_ADDR holds the bus address."),
            ("CHECKSUM", 11, "An output tile failed its ABFT check (CONTROL.ABFT set): the "
             "array computed a wrong result. ERR_ADDR bits 15:0 hold the tile's first row "
             "(m), bits 31:16 its first column (n). The tile is not written."),
        ],
    },
]

# ---------------------------------------------------------------------------------------
# Formats (enum fmt): how elements are stored and encoded - the one table libfpq's
# formats (lib/codec.c), the driver's validator (driver/fpq_validate.c) and the card
# (rtl/fpq_op_check.sv, the tile engine) are generated from; numerics.rst explains them
# and `make check-hwspec` compares its table with this one.
#   bits        bits per element
#   group       (elements, bytes) of a packing group: a row starts on a whole group and a
#               stride keeps whole groups (elements * bits = 8 * bytes)
#   exp, man    exponent and mantissa field bits (the integer formats: 0 and the
#               magnitude bits)
#   bias        exponent bias
#   inf, nan    codes for Inf, for NaN exist
#   mx_emax     largest binade exponent of an element: emax_elem of the MX scale rule
#   operand     a GEMM operand (A or B) format; output: a C format
def fmt(name, bits, group, exp, man, bias, inf, nan, mx_emax, operand, output):
    return {"name": name, "bits": bits, "group_elems": group[0], "group_bytes": group[1],
            "exp": exp, "man": man, "bias": bias, "inf": inf, "nan": nan,
            "mx_emax": mx_emax, "operand": operand, "output": output}

FORMATS = [
    #   name     bits  group   exp man bias  inf    nan    emax operand output
    fmt("INT8",     8, (1, 1),  0,  7,   0, False, False,  0, True,  True),
    fmt("E4M3",     8, (1, 1),  4,  3,   7, False, True,   8, True,  True),
    fmt("E5M2",     8, (1, 1),  5,  2,  15, True,  True,  15, True,  True),
    fmt("E3M2",     6, (4, 3),  3,  2,   3, False, False,  4, True,  True),
    fmt("E2M3",     6, (4, 3),  2,  3,   1, False, False,  2, True,  True),
    fmt("E2M1",     4, (2, 1),  2,  1,   1, False, False,  2, True,  True),
    fmt("MXINT8",   8, (1, 1),  0,  7,   0, False, False,  0, True,  True),
    fmt("E8M0",     8, (1, 1),  8,  0, 127, False, True,   0, False, False),
    fmt("INT32",   32, (1, 4),  0, 31,   0, False, False,  0, False, True),
    fmt("FP32",    32, (1, 4),  8, 23, 127, True,  True,   0, False, True),
    fmt("BF16",    16, (1, 2),  8,  7, 127, True,  True,   0, False, True),
]

# ---------------------------------------------------------------------------------------
# Registers. access: ro (read only), rw, wo (write only, reads 0), w1c (write 1 to clear).
# Fields: (NAME, msb, lsb, access, reset, doc). A register without fields is one 32-bit
# field named after it.
def reg(offset, name, access, doc, fields=None, reset=0):
    return {"offset": offset, "name": name, "access": access, "doc": doc,
            "fields": fields or [], "reset": reset}

def f(name, msb, lsb, doc, reset=0):
    return {"name": name, "msb": msb, "lsb": lsb, "doc": doc, "reset": reset}

def counter(offset, name, doc):
    return [reg(offset, name + "_LO", "ro", doc + " Bits 31:0; reading latches _HI."),
            reg(offset + 4, name + "_HI", "ro", doc + " Bits 63:32 as latched by _LO.")]

REGISTERS = [
    # -- identity and capabilities ---------------------------------------------------
    reg(0x000, "ID", "ro", "Identity: reads ID_MAGIC.", reset=ID_MAGIC),
    reg(0x004, "VERSION", "ro", "Contract version.", [
        f("MINOR", 15, 0, "Minor version: additions only.", VERSION_MINOR),
        f("MAJOR", 31, 16, "Major version: the driver refuses another major.", VERSION_MAJOR),
    ]),
    reg(0x008, "CAP_ARRAY", "ro", "Systolic array and bus geometry (build parameters).", [
        f("ROWS", 7, 0, "Array rows (output tile height)."),
        f("COLS", 15, 8, "Array columns (output tile width)."),
        f("AXI_BYTES", 23, 16, "AXI master data width in bytes."),
        f("MAX_READS", 31, 24, "Outstanding AXI read bursts the card issues at most."),
    ]),
    reg(0x00C, "CAP_IN_FORMATS", "ro",
        "Bit f set: format f (enum fmt) is built as a GEMM operand (A or B). INT8 means the "
        "INT8 path; float formats may be paired freely."),
    reg(0x010, "CAP_OUT_FORMATS", "ro", "Bit f set: format f is built as an output (C) format."),
    reg(0x014, "CAP_FEATURES", "ro", "Optional features built.", [
        f("MX_SCALES", 0, 0, "E8M0 block scales for A and B."),
        f("MX_OUTPUT", 1, 1, "MX-blocked narrow output (C scales along N)."),
        f("FAULT_INJECT", 2, 2, "FAULT_INJECT register works."),
        f("PERF", 3, 3, "Performance counters count."),
        f("ABFT", 4, 4, "Output tiles of INT8 operations can be checked with checksums "
          "(CONTROL.ABFT); MXINT8 and float operations are not checked (card.rst)."),
    ]),
    reg(0x018, "CAP_MAX_M", "ro", "Largest M accepted (MAX_M).", reset=65535),
    reg(0x01C, "CAP_MAX_N", "ro", "Largest N accepted (MAX_N).", reset=65535),
    reg(0x020, "CAP_MAX_K", "ro", "Largest K accepted (MAX_K).", reset=65536),
    reg(0x024, "CAP_RING", "ro", "Ring and job limits.", [
        f("LOG2_MIN", 7, 0, "Smallest RING_LOG2.", 1),
        f("LOG2_MAX", 15, 8, "Largest RING_LOG2.", 12),
        f("MAX_OPS", 23, 16, "Most operations per job.", 255),
    ]),
    reg(0x028, "CAP_SRAM_A", "ro", "Bytes of one A operand buffer (there are two)."),
    reg(0x02C, "CAP_SRAM_B", "ro", "Bytes of one B operand buffer (there are two)."),
    reg(0x030, "CAP_MMU", "ro", "Address translation geometry.", [
        f("VA_BITS", 7, 0, "Device virtual address bits.", 30),
        f("PAGE_SHIFT", 15, 8, "log2 of the page size.", 12),
        f("TLB_ENTRIES", 23, 16, "Translation cache entries, each holding the 8 neighbouring "
          "pages of one 64-byte PTE line (flushed at every job start)."),
    ]),
    reg(0x034, "CAP_CLOCK_KHZ", "ro", "Nominal core clock in kHz (cycles to time)."),
    reg(0x038, "SCRATCH", "rw", "Free for software (bus tests)."),
    # -- control ---------------------------------------------------------------------
    reg(0x040, "CONTROL", "rw", "Global control.", [
        f("ENABLE", 0, 0, "1: fetch and run jobs from the ring while RING_HEAD != RING_TAIL. "
          "0: finish the running job, then stop."),
        f("ABFT", 1, 1, "1: check every output tile of INT8 operations against "
          "checksums of its operands (CAP_FEATURES.ABFT) and fail the job with "
          "ERR_CHECKSUM on a mismatch. Write while not BUSY."),
    ]),
    reg(0x044, "STATUS", "ro", "Global state.", [
        f("IDLE", 0, 0, "No job running and nothing in flight on the bus.", 1),
        f("BUSY", 1, 1, "A job is running."),
        f("RESETTING", 2, 2, "A soft reset is draining the bus; register writes are ignored."),
    ]),
    reg(0x048, "SOFT_RESET", "wo",
        "Write SOFT_RESET_KEY: abort any job, drain outstanding bus transactions (no more "
        "requests, writes carry no strobes), then return every register to its reset value. "
        "Poll STATUS.RESETTING until 0."),
    # -- ring ------------------------------------------------------------------------
    reg(0x050, "RING_BASE_LO", "rw", "Ring bus address bits 31:0 (64-byte aligned: bits 5:0 "
        "read as 0). Write only while CONTROL.ENABLE = 0 and STATUS.BUSY = 0."),
    reg(0x054, "RING_BASE_HI", "rw", "Ring bus address bits 63:32."),
    reg(0x058, "RING_LOG2", "rw", "The ring has 2^RING_LOG2 entries of RING_ENTRY_BYTES. "
        "Values outside CAP_RING clamp to the nearest limit.", [
        f("LOG2", 3, 0, "log2 of the entry count.", 1),
    ]),
    reg(0x05C, "RING_TAIL", "rw", "Producer index (free-running, entry = index mod size): the "
        "doorbell. Software writes the index after its last new entry."),
    reg(0x060, "RING_HEAD", "rw", "Consumer index (free-running): jobs before it have completed "
        "and their records are written. Writable only while CONTROL.ENABLE = 0 and not BUSY."),
    reg(0x068, "FENCE_ADDR_LO", "rw", "Bus address of the fence write-back record, bits 31:0 "
        "(16-byte aligned: bits 3:0 read as 0). 0 (LO and HI) disables the write-back."),
    reg(0x06C, "FENCE_ADDR_HI", "rw", "Fence write-back address bits 63:32."),
    reg(0x070, "FENCE_LO", "ro", "Fence of the last completed job, bits 31:0."),
    reg(0x074, "FENCE_HI", "ro", "Fence of the last completed job, bits 63:32."),
    # -- interrupts ------------------------------------------------------------------
    reg(0x080, "INT_STATUS", "w1c", "Interrupt causes; write 1 to clear. Clear before "
        "reading the fence write-back so that no completion is missed.", [
        f("JOB_DONE", 0, 0, "A job whose descriptor had IRQ set completed (any status)."),
        f("JOB_ERROR", 1, 1, "A job completed with an error status."),
    ]),
    reg(0x084, "INT_MASK", "rw", "1 enables the cause onto irq_o[0] (the only vector).", [
        f("JOB_DONE", 0, 0, "Enable JOB_DONE."),
        f("JOB_ERROR", 1, 1, "Enable JOB_ERROR."),
    ]),
    # -- errors ----------------------------------------------------------------------
    reg(0x090, "ERR_CAUSE", "ro", "Cause code (enum err) of the last failed job."),
    reg(0x094, "ERR_OP", "ro", "Operation index inside the last failed job."),
    reg(0x098, "ERR_JOB", "ro", "Ring index (free-running) of the last failed job."),
    reg(0x09C, "ERR_COUNT", "ro", "Failed jobs since reset."),
    reg(0x0A0, "ERR_ADDR_LO", "ro", "Faulting address (VA or bus address, see the cause), 31:0."),
    reg(0x0A4, "ERR_ADDR_HI", "ro", "Faulting address, bits 63:32."),
    reg(0x0A8, "ERR_FENCE_LO", "ro", "Fence of the last failed job, bits 31:0."),
    reg(0x0AC, "ERR_FENCE_HI", "ro", "Fence of the last failed job, bits 63:32."),
    # -- fault injection -------------------------------------------------------------
    reg(0x0C0, "FAULT_INJECT", "rw", "One-shot faults for tests; a bit clears when it fires.", [
        f("HANG", 0, 0, "The next job stops making progress after its first operation "
          "starts (no completion, no interrupt) until SOFT_RESET."),
        f("DMA_READ", 1, 1, "The next operand read of a job completes as if the bus "
          "returned SLVERR (ERR_DMA_READ)."),
        f("PE", 2, 2, "Arm the processing-element fault described by FAULT_PE and "
          "FAULT_PE_CYCLE for the next job (test builds); the bit clears when that job "
          "ends, whether or not it lasted until FAULT_PE_CYCLE."),
    ]),
    reg(0x0C4, "FAULT_PE", "rw", "The processing-element fault FAULT_INJECT.PE arms.", [
        f("ROW", 7, 0, "Array row of the PE."),
        f("COL", 15, 8, "Array column of the PE."),
        f("BIT", 21, 16, "Bit of the target register."),
        f("TARGET", 23, 22, "0: accumulator, 1: A operand register, 2: B operand register."),
        f("STUCK", 24, 24, "0: flip the bit once; 1: hold it stuck at STUCK_VALUE for the "
          "rest of the job."),
        f("STUCK_VALUE", 25, 25, "The stuck-at value."),
    ]),
    reg(0x0C8, "FAULT_PE_CYCLE", "rw", "Busy cycles after the armed job starts at which the "
        "PE fault fires."),
    # -- performance counters --------------------------------------------------------
    reg(0x100, "PERF_CTRL", "wo", "Counter control.", [
        f("CLEAR", 0, 0, "Write 1: zero all PERF counters."),
    ]),
    *counter(0x108, "PERF_CYCLES", "Cycles since reset or clear."),
    *counter(0x110, "PERF_BUSY", "Cycles with a job running."),
    *counter(0x118, "PERF_MACS", "Multiply-accumulates issued to the array on valid lanes."),
    *counter(0x120, "PERF_STALL", "Cycles the array waited for operands during a job."),
    *counter(0x128, "PERF_RD_BYTES", "Bytes read over the AXI master."),
    *counter(0x130, "PERF_WR_BYTES", "Bytes written over the AXI master (strobed bytes)."),
    *counter(0x138, "PERF_JOBS", "Jobs completed (any status)."),
    *counter(0x140, "PERF_ABFT_TILES", "Output tiles checked by ABFT."),
    *counter(0x148, "PERF_ABFT_ERRORS", "Output tiles whose ABFT check failed."),
]

# ---------------------------------------------------------------------------------------
# Structures in host memory. Fields: (name, type, doc[, bitfields]); types u8 u16 u32 u64
# i32 f32 (f32 = binary32 bits). Offsets follow from the order; the generator checks that
# every field is naturally aligned and that the size matches.
def bf(name, msb, lsb, doc):
    return {"name": name, "msb": msb, "lsb": lsb, "doc": doc}

STRUCTS = [
    {
        "name": "job_desc",
        "size": 64,
        "doc": "Ring entry: one job. Entry i of the ring is at RING_BASE + (i mod 2^RING_LOG2) "
               "* 64. The card reads it when RING_HEAD != RING_TAIL.",
        "fields": [
            ("header", "u32", "Kind, operation count and flags.", [
                bf("KIND", 7, 0, "enum job_kind; GEMM."),
                bf("NUM_OPS", 15, 8, "Operations in the job, 1..CAP_RING.MAX_OPS."),
                bf("IRQ", 16, 16, "Set INT_STATUS.JOB_DONE when the job completes."),
                bf("RSVD", 31, 17, "Reserved, zero."),
            ]),
            ("rsvd0", "u32", "Reserved, zero."),
            ("fence", "u64", "Value written to the fence write-back and the completion record."),
            ("ops_addr", "u64", "Bus address of NUM_OPS operation descriptors back to back "
             "(64-byte aligned)."),
            ("pt_root", "u64", "Bus address of the job's L1 page directory (4 KiB aligned)."),
            ("completion_addr", "u64", "Bus address of the completion record (32-byte aligned; "
             "32 + 32 * NUM_OPS bytes)."),
            ("rsvd1", "u64", "Reserved, zero."),
            ("rsvd2", "u64", "Reserved, zero."),
            ("rsvd3", "u64", "Reserved, zero."),
        ],
    },
    {
        "name": "op_desc",
        "size": 256,
        "doc": "One GEMM operation: C[M x N] = epilogue(A[M x K] * B[N x K]^T), numerics.rst; "
               "mirrors libfpq's struct fpq_gemm_op. Addresses are device virtual addresses. An "
               "address field the operation does not use must be zero.",
        "fields": [
            ("op", "u32", "Opcode and formats.", [
                bf("OPCODE", 7, 0, "enum opcode."),
                bf("FMT_A", 15, 8, "enum fmt of A."),
                bf("FMT_B", 23, 16, "enum fmt of B."),
                bf("FMT_C", 31, 24, "enum fmt of C (selects the output mode)."),
            ]),
            ("flags", "u32", "Operation flags (bits 4:0 are libfpq's FPQ_GEMM_* flags).", [
                bf("ALPHA_BCAST", 0, 0, "alpha_addr holds one value for all N."),
                bf("BETA_BCAST", 1, 1, "beta_addr holds one value."),
                bf("REQUANT_BCAST", 2, 2, "mult_addr and shift_addr hold one value each."),
                bf("SCALE_BCAST", 3, 3, "out_scale_addr holds one value."),
                bf("QUANT_NONSAT", 4, 4, "Narrow output: overflow to Inf/NaN, not +-max."),
                bf("RSVD0", 7, 5, "Reserved, zero."),
                bf("A_SCALES", 8, 8, "A is MX-blocked: sa_addr/sa_stride give M x K/32 E8M0."),
                bf("B_SCALES", 9, 9, "B is MX-blocked: sb_addr/sb_stride give N x K/32 E8M0."),
                bf("C_SCALES", 10, 10, "C is MX-blocked along N: sc_addr/sc_stride receive "
                   "M x N/32 E8M0 scales."),
                bf("HAS_ALPHA", 11, 11, "Float path: alpha_addr is used (else alpha = 1.0)."),
                bf("HAS_BETA", 12, 12, "Float path: beta_addr is used (else beta = 0.0)."),
                bf("HAS_BIAS", 13, 13, "INT8 path: bias_addr is used (else bias = 0)."),
                bf("RSVD1", 31, 14, "Reserved, zero."),
            ]),
            ("m", "u32", "M: rows of A and C, 1..MAX_M."),
            ("n", "u32", "N: rows of B, columns of C, 1..MAX_N."),
            ("k", "u32", "K: columns of A and B, 1..MAX_K."),
            ("act", "u32", "Float path: enum act. INT8 path: zero.", [
                bf("ACT", 7, 0, "enum act."),
                bf("RSVD", 31, 8, "Reserved, zero."),
            ]),
            ("a_addr", "u64", "VA of A (row i at a_addr + i * a_stride)."),
            ("b_addr", "u64", "VA of B."),
            ("c_addr", "u64", "VA of C."),
            ("a_stride", "u32", "Bytes between rows of A (>= row bytes, whole packing groups)."),
            ("b_stride", "u32", "Bytes between rows of B."),
            ("c_stride", "u32", "Bytes between rows of C."),
            ("a_zero", "i32", "INT8 path: activation zero point of A, -128..127; else zero."),
            ("sa_addr", "u64", "VA of A's scales (A_SCALES), else zero."),
            ("sb_addr", "u64", "VA of B's scales (B_SCALES), else zero."),
            ("sc_addr", "u64", "VA of C's scales (C_SCALES), else zero."),
            ("sa_stride", "u32", "Bytes between rows of A's scales (>= K/32), else zero."),
            ("sb_stride", "u32", "Bytes between rows of B's scales (>= K/32), else zero."),
            ("sc_stride", "u32", "Bytes between rows of C's scales (>= N/32), else zero."),
            ("clamp_lo", "f32", "ACT_CLAMP lower bound (binary32), else zero."),
            ("clamp_hi", "f32", "ACT_CLAMP upper bound (binary32), else zero."),
            ("out_zero", "i32", "INT8 output: output zero point, -128..127; else zero."),
            ("act_min", "i32", "INT8 output: lower clamp, -128..127; else zero."),
            ("act_max", "i32", "INT8 output: upper clamp, act_min..127; else zero."),
            ("alpha_addr", "u64", "VA of alpha: N (or 1) binary32 (HAS_ALPHA), else zero."),
            ("beta_addr", "u64", "VA of beta: N (or 1) binary32 (HAS_BETA), else zero."),
            ("bias_addr", "u64", "VA of bias: N int32 (HAS_BIAS), else zero."),
            ("mult_addr", "u64", "INT8 output: VA of N (or 1) int32 Q31 multipliers, else zero."),
            ("shift_addr", "u64", "INT8 output: VA of N (or 1) int8 shifts (left > 0), else zero. "
             "Values outside -31..30 are clamped to that range."),
            ("out_scale_addr", "u64", "FP32 output of the INT8 path: VA of N (or 1) binary32 "
             "scales, else zero."),
            ("rsvd0", "u64", "Reserved, zero."),
            ("rsvd1", "u64", "Reserved, zero."),
            ("rsvd2", "u64", "Reserved, zero."),
            ("rsvd3", "u64", "Reserved, zero."),
            ("rsvd4", "u64", "Reserved, zero."),
            ("rsvd5", "u64", "Reserved, zero."),
            ("rsvd6", "u64", "Reserved, zero."),
            ("rsvd7", "u64", "Reserved, zero."),
            ("rsvd8", "u64", "Reserved, zero."),
            ("rsvd9", "u64", "Reserved, zero."),
            ("rsvd10", "u64", "Reserved, zero."),
        ],
    },
    {
        "name": "completion",
        "size": 32,
        "doc": "Completion header at the job's completion_addr, followed by NUM_OPS op_status "
               "records. Written after the job ends (the op records first, the header last); "
               "the header is valid once the fence write-back shows the job's fence.",
        "fields": [
            ("fence", "u64", "The job's fence."),
            ("status", "u32", "enum err: OK or the cause of the failure."),
            ("ops_done", "u32", "Operations completed; on failure, the failing operation's index."),
            ("cycles", "u64", "Cycles from fetching the job descriptor to writing this header."),
            ("error_addr", "u64", "Faulting address (as ERR_ADDR) or zero."),
        ],
    },
    {
        "name": "op_status",
        "size": 32,
        "doc": "Per-operation record after the completion header: written for each operation "
               "that completed, zeroed for a failed one and those after it; none are written "
               "when the job descriptor itself is invalid or unreadable.",
        "fields": [
            ("clamped", "u32", "Values changed by ReLU/clamp or act_min/act_max."),
            ("saturated", "u32", "Narrow-output values saturated to +-max."),
            ("nan_to_zero", "u32", "Narrow-output NaNs written as zero (format without NaN)."),
            ("overflowed", "u32", "Narrow-output overflows to Inf/NaN (QUANT_NONSAT)."),
            ("cycles", "u64", "Cycles the operation took."),
            ("macs", "u64", "MACs issued for it (M * N * K)."),
        ],
    },
    {
        "name": "fence_record",
        "size": 16,
        "doc": "Fence write-back at FENCE_ADDR, rewritten after each job's completion record "
               "(and before the interrupt).",
        "fields": [
            ("fence", "u64", "Fence of the last completed job."),
            ("head", "u32", "RING_HEAD after that job."),
            ("status", "u32", "enum err of that job."),
        ],
    },
]

# Page-table entries (8 bytes, little endian). L1 directory: 512 PDEs, one 4 KiB page at
# the job's pt_root; PDE i covers VA [i * 2 MiB, (i + 1) * 2 MiB). L2 table: 512 PTEs.
PAGE_TABLE = {
    "doc": "Two levels of 4 KiB tables of 512 little-endian 64-bit entries. VA bits 29:21 "
           "index the L1 directory at the job's pt_root, bits 20:12 the L2 table the PDE "
           "names, bits 11:0 are the offset in the page. Keep VA page 0 unmapped so that a "
           "zero address faults. The card caches translations for the duration of one job "
           "only: tables may change between jobs.",
    "entries": [
        {
            "name": "pde",
            "doc": "L1 directory entry.",
            "fields": [
                bf("VALID", 0, 0, "1: ADDR names an L2 table."),
                bf("RSVD0", 11, 1, "Reserved, zero (else ERR_PAGE_BAD_ENTRY)."),
                bf("ADDR", 51, 12, "Bus address bits 51:12 of the L2 table."),
                bf("RSVD1", 63, 52, "Reserved, zero."),
            ],
        },
        {
            "name": "pte",
            "doc": "L2 page-table entry.",
            "fields": [
                bf("VALID", 0, 0, "1: the page is mapped."),
                bf("READ", 1, 1, "The card may read the page (A, B, scales, per-channel arrays)."),
                bf("WRITE", 2, 2, "The card may write the page (C and C scales)."),
                bf("RSVD0", 11, 3, "Reserved, zero (else ERR_PAGE_BAD_ENTRY)."),
                bf("ADDR", 51, 12, "Bus address bits 51:12 of the page."),
                bf("RSVD1", 63, 52, "Reserved, zero."),
            ],
        },
    ],
}
