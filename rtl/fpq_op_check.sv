// SPDX-License-Identifier: MIT
// fpq_op_check: validation of one GEMM operation descriptor (combinational).
// The card trusts nothing the driver wrote: every field is checked against the contract
// (Documentation/registers.rst) and the formats this build has, in the order opcode,
// reserved fields, formats and flags, shapes and parameters. err_o is ERR_OK or the
// first cause found. The rules mirror libfpq's fpq_gemm_validate().
module fpq_op_check #(
  parameter logic [31:0] IN_FORMATS = 32'h0,
  parameter logic [31:0] OUT_FORMATS = 32'h0,
  parameter bit          MX_OUTPUT = 1'b1
) (
  input  fpq_hw_pkg::op_desc_t op_i,
  output logic [31:0]          err_o
);

  logic [7:0] fa, fb, fc;
  assign fa = op_i.op.fmt_a;
  assign fb = op_i.op.fmt_b;
  assign fc = op_i.op.fmt_c;

  function automatic logic in_set(input logic [7:0] f, input logic [31:0] members);
    in_set = f < 8'd32 && members[f[4:0]];
  endfunction

  // element formats usable on the float/MX path; the narrow outputs are the operand formats
  localparam logic [31:0] FLOAT_OPERANDS = fpq_hw_pkg::FMT_OPERANDS &
    ~(32'd1 << fpq_hw_pkg::FMT_INT8);
  localparam logic [31:0] NARROW_OUT = fpq_hw_pkg::FMT_OPERANDS;

  logic int8_path, narrow_out;
  assign int8_path  = fa == fpq_hw_pkg::FMT_INT8;
  assign narrow_out = in_set(fc, NARROW_OUT);

  // ---- a stride holds a row of n elements and keeps the format's packing groups
  function automatic logic stride_ok(input logic [7:0] f, input logic [31:0] n,
                                     input logic [31:0] stride);
    stride_ok = fpq_hw_pkg::fmt_stride_grouped(f, stride) &&
                {2'b00, stride} >= fpq_hw_pkg::fmt_row_bytes(f, n);
  endfunction

  function automatic logic s8_range(input logic [31:0] v);
    s8_range = $signed(v) >= -32'sd128 && $signed(v) <= 32'sd127;
  endfunction

  // binary32 a <= b (false when either is NaN; -0 == +0)
  function automatic logic f32_le(input logic [31:0] a, input logic [31:0] b);
    logic a_nan, b_nan, a_zero, b_zero;
    a_nan  = a[30:23] == 8'hff && a[22:0] != 23'd0;
    b_nan  = b[30:23] == 8'hff && b[22:0] != 23'd0;
    a_zero = a[30:0] == 31'd0;
    b_zero = b[30:0] == 31'd0;
    if (a_nan || b_nan) f32_le = 1'b0;
    else if (a_zero && b_zero) f32_le = 1'b1;
    else if (a[31] != b[31]) f32_le = a[31];
    else if (a[31]) f32_le = a[30:0] >= b[30:0];
    else f32_le = a[30:0] <= b[30:0];
  endfunction

  // ---- the checks
  fpq_hw_pkg::op_desc_flags_t fl;
  assign fl = op_i.flags;

  logic reserved_bad, format_bad, shape_bad;
  logic a_sc, b_sc, c_sc;
  assign a_sc = fl.a_scales;
  assign b_sc = fl.b_scales;
  assign c_sc = fl.c_scales;

  logic out_int8, out_fp32_of_int8;
  assign out_int8         = int8_path && fc == fpq_hw_pkg::FMT_INT8;
  assign out_fp32_of_int8 = int8_path && fc == fpq_hw_pkg::FMT_FP32;

  always_comb begin
    reserved_bad = 1'b0;
    if (op_i.rsvd0 != '0 || op_i.rsvd1 != '0 || op_i.rsvd2 != '0 || op_i.rsvd3 != '0 ||
        op_i.rsvd4 != '0 || op_i.rsvd5 != '0 || op_i.rsvd6 != '0 || op_i.rsvd7 != '0 ||
        op_i.rsvd8 != '0 || op_i.rsvd9 != '0 || op_i.rsvd10 != '0 ||
        fl.rsvd0 != '0 || fl.rsvd1 != '0 || op_i.act.rsvd != '0)
      reserved_bad = 1'b1;
    // fields the operation does not use must be zero
    if (!a_sc && (op_i.sa_addr != '0 || op_i.sa_stride != '0)) reserved_bad = 1'b1;
    if (!b_sc && (op_i.sb_addr != '0 || op_i.sb_stride != '0)) reserved_bad = 1'b1;
    if (!c_sc && (op_i.sc_addr != '0 || op_i.sc_stride != '0)) reserved_bad = 1'b1;
    if (!fl.has_alpha && op_i.alpha_addr != '0) reserved_bad = 1'b1;
    if (!fl.has_beta && op_i.beta_addr != '0) reserved_bad = 1'b1;
    if (!fl.has_bias && op_i.bias_addr != '0) reserved_bad = 1'b1;
    if (!out_int8 && (op_i.mult_addr != '0 || op_i.shift_addr != '0 || op_i.out_zero != '0 ||
                      op_i.act_min != '0 || op_i.act_max != '0))
      reserved_bad = 1'b1;
    if (!out_fp32_of_int8 && op_i.out_scale_addr != '0) reserved_bad = 1'b1;
    if (!int8_path && op_i.a_zero != '0) reserved_bad = 1'b1;
    if (op_i.act.act != fpq_hw_pkg::ACT_CLAMP && (op_i.clamp_lo != '0 || op_i.clamp_hi != '0))
      reserved_bad = 1'b1;
  end

  always_comb begin
    format_bad = 1'b0;
    if (int8_path) begin
      if (fb != fpq_hw_pkg::FMT_INT8 || !in_set(fpq_hw_pkg::FMT_INT8, IN_FORMATS)) format_bad = 1'b1;
      if (!(fc == fpq_hw_pkg::FMT_INT32 || fc == fpq_hw_pkg::FMT_INT8 || fc == fpq_hw_pkg::FMT_FP32))
        format_bad = 1'b1;
      if (fl.alpha_bcast || fl.beta_bcast || fl.quant_nonsat || a_sc || b_sc || c_sc ||
          fl.has_alpha || fl.has_beta || op_i.act.act != fpq_hw_pkg::ACT_NONE)
        format_bad = 1'b1;
      if (fl.requant_bcast && fc != fpq_hw_pkg::FMT_INT8) format_bad = 1'b1;
      if (fl.scale_bcast && fc != fpq_hw_pkg::FMT_FP32) format_bad = 1'b1;
    end else begin
      if (!in_set(fa, FLOAT_OPERANDS & IN_FORMATS) || !in_set(fb, FLOAT_OPERANDS & IN_FORMATS))
        format_bad = 1'b1;
      if (!(fc == fpq_hw_pkg::FMT_FP32 || fc == fpq_hw_pkg::FMT_BF16 || narrow_out))
        format_bad = 1'b1;
      if (fl.requant_bcast || fl.scale_bcast || fl.has_bias) format_bad = 1'b1;
      if (fl.quant_nonsat && !narrow_out) format_bad = 1'b1;
      if (c_sc && (!narrow_out || fc == fpq_hw_pkg::FMT_INT8 || !MX_OUTPUT)) format_bad = 1'b1;
      if (op_i.act.act > fpq_hw_pkg::ACT_CLAMP) format_bad = 1'b1;
    end
    if (!in_set(fc, OUT_FORMATS)) format_bad = 1'b1;
  end

  always_comb begin
    shape_bad = 1'b0;
    if (op_i.m == '0 || op_i.m > 32'(fpq_hw_pkg::MAX_M)) shape_bad = 1'b1;
    if (op_i.n == '0 || op_i.n > 32'(fpq_hw_pkg::MAX_N)) shape_bad = 1'b1;
    if (op_i.k == '0 || op_i.k > 32'(fpq_hw_pkg::MAX_K)) shape_bad = 1'b1;
    if ((a_sc || b_sc) && op_i.k[4:0] != 5'd0) shape_bad = 1'b1;
    if (c_sc && op_i.n[4:0] != 5'd0) shape_bad = 1'b1;
    if (!stride_ok(fa, op_i.k, op_i.a_stride)) shape_bad = 1'b1;
    if (!stride_ok(fb, op_i.k, op_i.b_stride)) shape_bad = 1'b1;
    if (!stride_ok(fc, op_i.n, op_i.c_stride)) shape_bad = 1'b1;
    if (a_sc && op_i.sa_stride < (op_i.k >> 5)) shape_bad = 1'b1;
    if (b_sc && op_i.sb_stride < (op_i.k >> 5)) shape_bad = 1'b1;
    if (c_sc && op_i.sc_stride < (op_i.n >> 5)) shape_bad = 1'b1;
    if (int8_path && !s8_range(op_i.a_zero)) shape_bad = 1'b1;
    if (out_int8 && (!s8_range(op_i.out_zero) || !s8_range(op_i.act_min) ||
                     !s8_range(op_i.act_max) || $signed(op_i.act_min) > $signed(op_i.act_max)))
      shape_bad = 1'b1;
    if (!int8_path && op_i.act.act == fpq_hw_pkg::ACT_CLAMP && !f32_le(op_i.clamp_lo, op_i.clamp_hi))
      shape_bad = 1'b1;
  end

  // the operand addresses are the page table's business, not the checker's
  logic unused;
  assign unused = ^{op_i.a_addr, op_i.b_addr, op_i.c_addr};

  always_comb begin
    if (op_i.op.opcode != fpq_hw_pkg::OPCODE_GEMM) err_o = fpq_hw_pkg::ERR_BAD_OPCODE;
    else if (reserved_bad) err_o = fpq_hw_pkg::ERR_RESERVED;
    else if (format_bad) err_o = fpq_hw_pkg::ERR_BAD_FORMAT;
    else if (shape_bad) err_o = fpq_hw_pkg::ERR_BAD_SHAPE;
    else err_o = fpq_hw_pkg::ERR_OK;
  end
endmodule
