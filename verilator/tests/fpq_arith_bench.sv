// SPDX-License-Identifier: MIT
// fpq_arith_bench: the array's binary32 arithmetic on its own, for arith_test: the adder
// of the row units and the rounding of a 70-bit block sum (the E5M2 build's width).
module fpq_arith_bench (
  input  logic               clk_i,
  input  logic [31:0]        add_x_i,
  input  logic [31:0]        add_y_i,
  output logic [31:0]        add_sum_o,   // two cycles after add_x_i, add_y_i
  input  logic               rnd_sign_i,
  input  logic [69:0]        rnd_mag_i,
  input  logic signed [10:0] rnd_exp_i,
  output logic [31:0]        rnd_bits_o   // combinational
);

  fpq_fp32_add u_add (
    .clk_i (clk_i),
    .x_i   (add_x_i),
    .y_i   (add_y_i),
    .sum_o (add_sum_o)
  );

  fpq_fp32_round #(
    .MAG_W (70),
    .EXP_W (11)
  ) u_round (
    .sign_i (rnd_sign_i),
    .mag_i  (rnd_mag_i),
    .exp_i  (rnd_exp_i),
    .bits_o (rnd_bits_o)
  );

endmodule
