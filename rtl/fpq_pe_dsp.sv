// SPDX-License-Identifier: MIT
// fpq_pe_dsp: the processing element for format sets without E5M2: the same exact block
// accumulator as fpq_pe, with the whole product in one multiplier.
//
// Without E5M2 every significand (value = sig * 2^lsb(fmt)) has at most 18 bits, so the
// exact product of two is one signed multiplication, which an FPGA does in one DSP block
// (DSP48E2: 27 x 18 bits): no alignment shifter and no sign logic in the fabric. The row
// operand carries its signed significand whole (A_SIG_W <= 19 bits; doubled when needed,
// 20 bits); the column operand at most 13 binades (<= 18 bits signed) and a bit hi for
// E4M3's top binade, which doubles the row operand instead.
//
// Block end, drain chain and special-value flags work as in fpq_pe (see there).
// Sum layout (SUM_W = ACC_W + 3): nan | pos_inf | neg_inf | s[ACC_W]. No reset.
module fpq_pe_dsp #(
  parameter int unsigned A_SIG_W = 19,
  parameter int unsigned B_SIG_W = 18,
  // Build the fault injector's hooks (fpq_fault_apply; test builds).
  parameter bit          FAULT_INJECT = 1'b0,
  parameter int unsigned ACC_W = 42,
  parameter bit          B_HI = 1'b1,   // the column operand can carry hi
  localparam int unsigned A_OP_W = A_SIG_W + 5,
  localparam int unsigned B_OP_W = B_SIG_W + 5,
  localparam int unsigned SUM_W = ACC_W + 3
) (
  input  logic              clk_i,
  input  logic              blk_last_i,  // this cycle's operands end a block
  input  logic [A_OP_W-1:0] a_i,         // row operand (fpq_elem_decode FORM 1)
  input  logic [B_OP_W-1:0] b_i,         // column operand from the row above
  output logic [B_OP_W-1:0] b_o,         // column operand to the row below
  input  logic [SUM_W-1:0]  chain_i,     // drain register of the right neighbour
  output logic [SUM_W-1:0]  chain_o,     // drain register, towards column 0
  // PE fault injector (FAULT_INJECT builds): which register of this PE is hit this cycle
  // (bit 0 accumulator, 1 A operand, 2 B operand), and how (fpq_fault_apply)
  input  logic [2:0]        fault_sel_i,
  input  logic [5:0]        fault_bit_i,
  input  logic              fault_stuck_i,
  input  logic              fault_value_i
);

  localparam int unsigned P_W = A_SIG_W + 1 + B_SIG_W;

  logic                      a_nan, a_inf, a_zero, a_sign, a_hi, b_nan, b_inf, b_zero;
  logic                      b_sign, b_hi;
  logic signed [A_SIG_W-1:0] a_sig;
  logic signed [B_SIG_W-1:0] b_sig;

  logic signed [A_SIG_W:0]  a_eff;
  logic signed [P_W-1:0]    prod;
  logic [ACC_W-1:0]         acc_q, sum;

  // The registers as this PE reads them: with the injected fault in FAULT_INJECT builds.
  // A corrupted column operand travels on to the rows below, as a register upset would.
  logic [A_OP_W-1:0] a_f;
  logic [B_OP_W-1:0] b_f;
  logic [ACC_W-1:0] acc_f;
  if (FAULT_INJECT) begin : g_fault
    fpq_fault_apply #(.WIDTH(ACC_W)) u_acc (
      .d_i(acc_q), .sel_i(fault_sel_i[0]), .bit_i(fault_bit_i), .stuck_i(fault_stuck_i),
      .value_i(fault_value_i), .q_o(acc_f));
    fpq_fault_apply #(.WIDTH(A_OP_W)) u_a (
      .d_i(a_i), .sel_i(fault_sel_i[1]), .bit_i(fault_bit_i), .stuck_i(fault_stuck_i),
      .value_i(fault_value_i), .q_o(a_f));
    fpq_fault_apply #(.WIDTH(B_OP_W)) u_b (
      .d_i(b_i), .sel_i(fault_sel_i[2]), .bit_i(fault_bit_i), .stuck_i(fault_stuck_i),
      .value_i(fault_value_i), .q_o(b_f));
  end else begin : g_no_fault
    assign acc_f = acc_q;
    assign a_f = a_i;
    assign b_f = b_i;
    logic unused_fault;
    assign unused_fault = ^{fault_sel_i, fault_bit_i, fault_stuck_i, fault_value_i};
  end
  assign {a_nan, a_inf, a_zero, a_sign, a_hi, a_sig} = a_f;
  assign {b_nan, b_inf, b_zero, b_sign, b_hi, b_sig} = b_f;

  logic [2:0]               flags_q, flags_sum;  // nan, pos_inf, neg_inf
  logic                     negative, prod_nan, prod_inf;

  if (B_HI) begin : g_hi
    assign a_eff = b_hi ? {a_sig, 1'b0} : {a_sig[A_SIG_W-1], a_sig};
  end else begin : g_no_hi
    assign a_eff = {a_sig[A_SIG_W-1], a_sig};
    logic unused_hi;
    assign unused_hi = b_hi;
  end
  // Exact: |a_eff * b_sig| < 2^(ACC_W - 6) for every pair of the build.
  assign prod = a_eff * b_sig;
  assign sum = acc_f + ACC_W'(prod);

  assign negative = a_sign ^ b_sign;
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

  // The row operand never carries hi (its significand is whole).
  logic unused_a_hi;
  assign unused_a_hi = a_hi;

endmodule
