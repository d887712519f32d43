// SPDX-License-Identifier: MIT
// fpq_fp32_add: IEEE binary32 addition, round to nearest-even, gradual underflow,
// canonical quiet NaN (0x7FC00000) for every NaN result. Two pipeline stages, one result
// per cycle; x_i and y_i of a cycle give sum_o two cycles later.
//
// Stage 1 orders the operands by magnitude and finds the alignment distance; stage 2
// aligns the smaller significand with three extra bits (the last one jammed with every
// bit shifted further out), adds or subtracts, and hands the exact-enough integer to
// fpq_fp32_round, which normalises and rounds once.
module fpq_fp32_add (
  input  logic        clk_i,
  input  logic [31:0] x_i,
  input  logic [31:0] y_i,
  output logic [31:0] sum_o
);

  localparam logic [31:0] QNAN = 32'h7FC00000;

  // ---- stage 1: classify, order, align distance
  logic        x_nan, y_nan, x_inf, y_inf, swap;
  logic [31:0] greater, lesser;
  logic        special_d;
  logic [31:0] special_val_d;

  assign x_nan = x_i[30:23] == 8'hFF && x_i[22:0] != 23'd0;
  assign y_nan = y_i[30:23] == 8'hFF && y_i[22:0] != 23'd0;
  assign x_inf = x_i[30:0] == 31'h7F800000;
  assign y_inf = y_i[30:0] == 31'h7F800000;
  // Binary32 magnitudes order like their bit patterns.
  assign swap = y_i[30:0] > x_i[30:0];
  assign greater = swap ? y_i : x_i;
  assign lesser = swap ? x_i : y_i;

  always_comb begin
    special_d = 1'b1;
    special_val_d = QNAN;
    if (x_nan || y_nan || (x_inf && y_inf && x_i[31] != y_i[31])) begin
      special_val_d = QNAN;
    end else if (x_inf) begin
      special_val_d = x_i;
    end else if (y_inf) begin
      special_val_d = y_i;
    end else begin
      special_d = 1'b0;
    end
  end

  logic        special_q;
  logic [31:0] special_val_q;
  logic        sign_q, sub_q, zero_sign_q;
  logic [7:0]  exp_greater_q;   // biased, subnormals as 1
  logic [23:0] sig_greater_q, sig_lesser_q;
  logic [7:0]  dist_q;

  always_ff @(posedge clk_i) begin
    special_q <= special_d;
    special_val_q <= special_val_d;
    sign_q <= greater[31];
    sub_q <= greater[31] ^ lesser[31];
    // An exact zero sum is -0 only when both addends are -0 (round to nearest).
    zero_sign_q <= x_i[31] & y_i[31];
    exp_greater_q <= greater[30:23] == 8'd0 ? 8'd1 : greater[30:23];
    sig_greater_q <= {greater[30:23] != 8'd0, greater[22:0]};
    sig_lesser_q <= {lesser[30:23] != 8'd0, lesser[22:0]};
    dist_q <= (greater[30:23] == 8'd0 ? 8'd1 : greater[30:23]) -
              (lesser[30:23] == 8'd0 ? 8'd1 : lesser[30:23]);
  end

  // ---- stage 2: align, add, round
  logic [26:0] lesser_ext, aligned;
  logic [27:0] mag;
  logic        lost;
  logic [31:0] rounded;

  always_comb begin
    lesser_ext = {sig_lesser_q, 3'b000};
    if (dist_q >= 8'd27) begin
      aligned = 27'd0;
      lost = sig_lesser_q != 24'd0;
    end else begin
      aligned = lesser_ext >> dist_q;
      lost = (lesser_ext & ~({27{1'b1}} << dist_q)) != 27'd0;
    end
    aligned[0] = aligned[0] | lost;
    mag = sub_q ? {1'b0, sig_greater_q, 3'b000} - {1'b0, aligned}
                : {1'b0, sig_greater_q, 3'b000} + {1'b0, aligned};
  end

  // mag[0] weighs 2^(exp_big - 127 - 23 - 3).
  fpq_fp32_round #(
    .MAG_W (28),
    .EXP_W (10)
  ) u_round (
    .sign_i (mag == 28'd0 ? zero_sign_q : sign_q),
    .mag_i  (mag),
    .exp_i  (10'(signed'({2'b00, exp_greater_q})) - 10'sd153),
    .bits_o (rounded)
  );

  always_ff @(posedge clk_i) begin
    sum_o <= special_q ? special_val_q : rounded;
  end

endmodule
