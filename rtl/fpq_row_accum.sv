// SPDX-License-Identifier: MIT
// fpq_row_accum: the shared unit of one array row. It turns the row's exact block sums
// into binary32 and accumulates them, one column per cycle:
//
//   P   = RNE_fp32(S * 2^(sa - 127 + sb - 127) * 2^(lsb(fmt_a) + lsb(fmt_b)))
//   acc = RNE_fp32(acc + P)                     (acc = +0 before a tile's first block)
//
// with the special-value rules of numerics.rst (NaN scale or element, Inf * 0 and Infs of
// both signs give NaN; an Inf product gives an Inf P). On the INT8 path the sum is an
// integer and acc = acc + S modulo 2^32.
//
// A block ends in every PE of the row on the same cycle (start_i); the PEs' drain
// registers then shift the COLS sums in over the next COLS cycles, column 0 first, with
// column j's B scale (scale_b_i) beside it. The COLS accumulators live in a small memory
// (LUT RAM on an FPGA), read and written once per column and block. Blocks must start
// at least max(COLS, fpq_array_pkg::ROW_LOOP_CYCLES) cycles apart (fpq_array enforces it).
//
// Pipeline: drain cycle D -> stage 1 (|S|, exponent) -> stage 2 (round to P) -> read acc,
// fpq_fp32_add (2 stages) -> write back; res_o is valid fpq_array_pkg::ROW_RES_LATENCY cycles after the
// column's sum arrived, only for the tile's last block.
module fpq_row_accum #(
  parameter int unsigned COLS = 4,
  parameter int unsigned ACC_W = 70,
  localparam int unsigned SUM_W = ACC_W + 3,
  localparam int unsigned COL_W = COLS > 1 ? $clog2(COLS) : 1
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  // The row's block ends this cycle; these describe it.
  input  logic             start_i,
  input  logic             first_i,     // first block of a tile
  input  logic             last_i,      // last block of a tile: emit the results
  input  logic [3:0]       fmt_a_i,
  input  logic [3:0]       fmt_b_i,
  input  logic [7:0]       scale_a_i,   // E8M0 scale of the row's block
  // One column per cycle after start_i.
  input  logic [SUM_W-1:0] sum_i,       // fpq_pe sum layout
  input  logic [7:0]       scale_b_i,   // E8M0 scale of that column's block
  // Results of the tile's last block, column 0 first.
  output logic             res_valid_o,
  output logic             res_last_o,  // column COLS-1
  output logic [31:0]      res_o        // binary32 bits, or int32 on the INT8 path
);

  localparam logic [31:0] QNAN = 32'h7FC00000;
  localparam logic [3:0] FMT_INT8 = 4'd1;

  // Weight of the least significant bit of a format's significand (fpq_elem_lsb_exp).
  function automatic logic signed [5:0] lsb_exp(input logic [3:0] fmt);
    unique case (fmt)
      4'd2: lsb_exp = -6'sd9;   // E4M3
      4'd3: lsb_exp = -6'sd16;  // E5M2
      4'd4: lsb_exp = -6'sd4;   // E3M2
      4'd5: lsb_exp = -6'sd3;   // E2M3
      4'd6: lsb_exp = -6'sd1;   // E2M1
      4'd7: lsb_exp = -6'sd6;   // MXINT8
      default: lsb_exp = 6'sd0; // INT8
    endcase
  endfunction

  // ---- drain: which column arrives, and the block it belongs to
  logic             drain_q;
  logic [COL_W-1:0] col_q;
  logic             first_q, last_q, int_q, scale_a_nan_q;
  logic signed [10:0] exp_a_q;  // sa - 127 + lsb(fmt_a) + lsb(fmt_b) - 127

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      drain_q <= 1'b0;
      col_q <= '0;
    end else if (start_i) begin
      drain_q <= 1'b1;
      col_q <= '0;
    end else if (drain_q) begin
      drain_q <= col_q != COL_W'(COLS - 1);
      col_q <= col_q + COL_W'(1);
    end
  end

  always_ff @(posedge clk_i) begin
    if (start_i) begin
      first_q <= first_i;
      last_q <= last_i;
      int_q <= fmt_a_i == FMT_INT8;
      scale_a_nan_q <= scale_a_i == 8'hFF;
      exp_a_q <= 11'(signed'({3'b000, scale_a_i})) - 11'sd254 +
                 11'(lsb_exp(fmt_a_i)) + 11'(lsb_exp(fmt_b_i));
    end
  end

  // ---- stage 1: magnitude and exponent of S, special cases
  logic               s_neg;
  logic [ACC_W-1:0]   s_val;
  logic               s_nan, s_pinf, s_ninf;
  assign {s_nan, s_pinf, s_ninf, s_val} = sum_i;
  assign s_neg = s_val[ACC_W-1];

  logic               v1_q, first1_q, last1_q, int1_q, neg1_q;
  logic [COL_W-1:0]   col1_q;
  logic [ACC_W-1:0]   mag1_q;
  logic signed [10:0] exp1_q;
  logic [31:0]        int1_q_val;
  logic               special1_q;
  logic [31:0]        special1_val_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      v1_q <= 1'b0;
    end else begin
      v1_q <= drain_q;
    end
  end

  always_ff @(posedge clk_i) begin
    col1_q <= col_q;
    first1_q <= first_q;
    last1_q <= last_q;
    int1_q <= int_q;
    neg1_q <= s_neg;
    // |S| < 2^(ACC_W-1), so the negation cannot overflow.
    mag1_q <= s_neg ? ACC_W'(0) - s_val : s_val;
    exp1_q <= exp_a_q + 11'(signed'({3'b000, scale_b_i}));
    // The INT8 path's block sum, modulo 2^32.
    int1_q_val <= 32'(signed'(s_val));
    special1_q <= 1'b1;
    if (s_nan || scale_a_nan_q || scale_b_i == 8'hFF || (s_pinf && s_ninf)) begin
      special1_val_q <= QNAN;
    end else if (s_pinf) begin
      special1_val_q <= 32'h7F800000;
    end else if (s_ninf) begin
      special1_val_q <= 32'hFF800000;
    end else begin
      special1_q <= 1'b0;
      special1_val_q <= QNAN;
    end
  end

  // ---- stage 2: one rounding to binary32
  logic [31:0] p_round;

  fpq_fp32_round #(
    .MAG_W (ACC_W),
    .EXP_W (11)
  ) u_round (
    .sign_i (neg1_q),
    .mag_i  (mag1_q),
    .exp_i  (exp1_q),
    .bits_o (p_round)
  );

  logic             v2_q, first2_q, last2_q, int2_q;
  logic [COL_W-1:0] col2_q;
  logic [31:0]      p2_q, int2_q_val;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      v2_q <= 1'b0;
    end else begin
      v2_q <= v1_q;
    end
  end

  always_ff @(posedge clk_i) begin
    col2_q <= col1_q;
    first2_q <= first1_q;
    last2_q <= last1_q;
    int2_q <= int1_q;
    p2_q <= special1_q ? special1_val_q : p_round;
    int2_q_val <= int1_q_val;
  end

  // ---- stage 3, 4: accumulate (binary32 add, or int32 add on the INT8 path)
  logic [31:0] acc_mem [COLS];
  logic [31:0] acc_old, fsum;

  assign acc_old = first2_q ? 32'd0 : acc_mem[col2_q];

  fpq_fp32_add u_add (
    .clk_i (clk_i),
    .x_i   (acc_old),
    .y_i   (p2_q),
    .sum_o (fsum)
  );

  logic             v3_q, v4_q, last3_q, last4_q, int3_q, int4_q;
  logic [COL_W-1:0] col3_q, col4_q;
  logic [31:0]      isum3_q, isum4_q, result;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      v3_q <= 1'b0;
      v4_q <= 1'b0;
    end else begin
      v3_q <= v2_q;
      v4_q <= v3_q;
    end
  end

  always_ff @(posedge clk_i) begin
    col3_q <= col2_q;
    col4_q <= col3_q;
    last3_q <= last2_q;
    last4_q <= last3_q;
    int3_q <= int2_q;
    int4_q <= int3_q;
    isum3_q <= acc_old + int2_q_val;
    isum4_q <= isum3_q;
  end

  assign result = int4_q ? isum4_q : fsum;

  always_ff @(posedge clk_i) begin
    if (v4_q) begin
      acc_mem[col4_q] <= result;
    end
  end

  // ---- results of a tile's last block
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      res_valid_o <= 1'b0;
      res_last_o <= 1'b0;
    end else begin
      res_valid_o <= v4_q & last4_q;
      res_last_o <= v4_q & last4_q & (col4_q == COL_W'(COLS - 1));
    end
  end

  always_ff @(posedge clk_i) begin
    res_o <= result;
  end

endmodule
