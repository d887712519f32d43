// SPDX-License-Identifier: MIT
// fpq_pe: one processing element of the array: an exact fixed-point block accumulator.
//
// Each cycle it adds the exact product of its row operand (a_i, shared by the row) and
// its column operand (b_i, passed on to the row below through b_o) to a two's complement
// accumulator of ACC_W bits: (mag_a * mag_b) << (exp_a + exp_b), negated when the signs
// differ. ACC_W holds the sum of 32 products of the widest format pair built, so the sum
// is exact and independent of order (numerics.rst: S of one block). Three sticky flags
// record NaN, +Inf and -Inf products for the special-value rules.
//
// On blk_last_i the finished sum (including this cycle's product) goes into the drain
// register chain_o and the accumulator restarts at zero. Between block ends the drain
// registers of a row form a shift register towards column 0, where the row's shared
// block-to-binary32 unit (fpq_row_accum) reads one sum per cycle.
//
// Sum layout (SUM_W = ACC_W + 3): nan | pos_inf | neg_inf | s[ACC_W].
// No reset: the array clears every accumulator with a flush block after reset.
module fpq_pe #(
  parameter int unsigned MAG_W = 8,
  parameter int unsigned EXP_W = 5,
  parameter int unsigned ACC_W = 70,
  localparam int unsigned OP_W = MAG_W + EXP_W + 4,
  localparam int unsigned SUM_W = ACC_W + 3
) (
  input  logic             clk_i,
  input  logic             blk_last_i,  // this cycle's operands end a block
  input  logic [OP_W-1:0]  a_i,         // row operand (fpq_elem_decode layout)
  input  logic [OP_W-1:0]  b_i,         // column operand from the row above
  output logic [OP_W-1:0]  b_o,         // column operand to the row below
  input  logic [SUM_W-1:0] chain_i,     // drain register of the right neighbour
  output logic [SUM_W-1:0] chain_o      // drain register, towards column 0
);

  localparam int unsigned SH_W = EXP_W + 1;

  logic             a_nan, a_inf, a_zero, a_sign, b_nan, b_inf, b_zero, b_sign;
  logic [EXP_W-1:0] a_exp, b_exp;
  logic [MAG_W-1:0] a_mag, b_mag;
  assign {a_nan, a_inf, a_zero, a_sign, a_exp, a_mag} = a_i;
  assign {b_nan, b_inf, b_zero, b_sign, b_exp, b_mag} = b_i;

  logic [ACC_W-1:0] acc_q, term, sum;
  logic [2:0]       flags_q, flags_sum;  // nan, pos_inf, neg_inf
  logic             negative, prod_nan, prod_inf;
  logic [SH_W-1:0]  shift;
  logic [2*MAG_W-1:0] prod;

  assign negative = a_sign ^ b_sign;
  assign shift = SH_W'(a_exp) + SH_W'(b_exp);
  // The product fits ACC_W - 5 bits for every format pair, so the truncation is exact.
  assign prod = (2*MAG_W)'(a_mag) * (2*MAG_W)'(b_mag);
  assign term = ACC_W'(prod) << shift;
  assign sum = negative ? acc_q - term : acc_q + term;

  assign prod_nan = a_nan | b_nan | (a_inf & b_zero) | (b_inf & a_zero);
  assign prod_inf = a_inf | b_inf;
  assign flags_sum = flags_q | {prod_nan, prod_inf & ~negative, prod_inf & negative};

  always_ff @(posedge clk_i) begin
    if (blk_last_i) begin
      acc_q <= '0;
      flags_q <= 3'b000;
      chain_o <= {flags_sum, sum};
    end else begin
      acc_q <= sum;
      flags_q <= flags_sum;
      chain_o <= chain_i;
    end
    b_o <= b_i;
  end

endmodule
