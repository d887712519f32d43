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
  // Build the fault injector's hooks (fpq_fault_apply; test builds).
  parameter bit          FAULT_INJECT = 1'b0,
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
  output logic [SUM_W-1:0] chain_o,     // drain register, towards column 0
  // PE fault injector (FAULT_INJECT builds): which register of this PE is hit this cycle
  // (bit 0 accumulator, 1 A operand, 2 B operand), and how (fpq_fault_apply)
  input  logic [2:0]       fault_sel_i,
  input  logic [5:0]       fault_bit_i,
  input  logic             fault_stuck_i,
  input  logic             fault_value_i
);

  localparam int unsigned SH_W = EXP_W + 1;

  logic             a_nan, a_inf, a_zero, a_sign, b_nan, b_inf, b_zero, b_sign;
  logic [EXP_W-1:0] a_exp, b_exp;
  logic [MAG_W-1:0] a_mag, b_mag;

  logic [ACC_W-1:0] acc_q, term, sum;

  // The registers as this PE reads them: with the injected fault in FAULT_INJECT builds.
  // A corrupted column operand travels on to the rows below, as a register upset would.
  logic [OP_W-1:0] a_f;
  logic [OP_W-1:0] b_f;
  logic [ACC_W-1:0] acc_f;
  if (FAULT_INJECT) begin : g_fault
    fpq_fault_apply #(.WIDTH(ACC_W)) u_acc (
      .d_i(acc_q), .sel_i(fault_sel_i[0]), .bit_i(fault_bit_i), .stuck_i(fault_stuck_i),
      .value_i(fault_value_i), .q_o(acc_f));
    fpq_fault_apply #(.WIDTH(OP_W)) u_a (
      .d_i(a_i), .sel_i(fault_sel_i[1]), .bit_i(fault_bit_i), .stuck_i(fault_stuck_i),
      .value_i(fault_value_i), .q_o(a_f));
    fpq_fault_apply #(.WIDTH(OP_W)) u_b (
      .d_i(b_i), .sel_i(fault_sel_i[2]), .bit_i(fault_bit_i), .stuck_i(fault_stuck_i),
      .value_i(fault_value_i), .q_o(b_f));
  end else begin : g_no_fault
    assign acc_f = acc_q;
    assign a_f = a_i;
    assign b_f = b_i;
    logic unused_fault;
    assign unused_fault = ^{fault_sel_i, fault_bit_i, fault_stuck_i, fault_value_i};
  end
  assign {a_nan, a_inf, a_zero, a_sign, a_exp, a_mag} = a_f;
  assign {b_nan, b_inf, b_zero, b_sign, b_exp, b_mag} = b_f;

  logic [2:0]       flags_q, flags_sum;  // nan, pos_inf, neg_inf
  logic             negative, prod_nan, prod_inf;
  logic [SH_W-1:0]  shift;
  logic [2*MAG_W-1:0] prod;

  assign negative = a_sign ^ b_sign;
  assign shift = SH_W'(a_exp) + SH_W'(b_exp);
  // The product fits ACC_W - 5 bits for every format pair, so the truncation is exact.
  assign prod = (2*MAG_W)'(a_mag) * (2*MAG_W)'(b_mag);
  assign term = ACC_W'(prod) << shift;
  assign sum = negative ? acc_f - term : acc_f + term;

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
    b_o <= b_f;
  end

endmodule
