// SPDX-License-Identifier: MIT
// fpq_fault_apply: the PE fault injector's effect on one register (test builds).
//
// While sel_i is high the register's value as its readers see it has bit bit_i flipped
// (stuck_i low: a one-cycle pulse of sel_i upsets the register, since every reader takes
// the changed value on from there) or forced to value_i (stuck_i high, for as long as
// sel_i stays high). Bits at or above WIDTH are not there: no effect.
module fpq_fault_apply #(
  parameter int unsigned WIDTH = 8
) (
  input  logic [WIDTH-1:0] d_i,
  input  logic             sel_i,
  input  logic [5:0]       bit_i,
  input  logic             stuck_i,
  input  logic             value_i,
  output logic [WIDTH-1:0] q_o
);
  logic [WIDTH-1:0] mask;
  assign mask = 32'(bit_i) < WIDTH ? WIDTH'(1) << bit_i : '0;

  always_comb begin
    if (!sel_i) q_o = d_i;
    else if (!stuck_i) q_o = d_i ^ mask;
    else if (value_i) q_o = d_i | mask;
    else q_o = d_i & ~mask;
  end
endmodule
