// SPDX-License-Identifier: MIT
// fpq_delay: a fixed delay of DEPTH cycles (0: a wire). No reset and no enable, so an
// FPGA flow maps it to shift-register LUTs; the users ignore what it holds after reset.
module fpq_delay #(
  parameter int unsigned WIDTH = 8,
  parameter int unsigned DEPTH = 1
) (
  input  logic             clk_i,
  input  logic [WIDTH-1:0] d_i,
  output logic [WIDTH-1:0] q_o
);

  if (DEPTH == 0) begin : g_wire
    assign q_o = d_i;
    logic unused_clk;
    assign unused_clk = clk_i;
  end else begin : g_regs
    logic [WIDTH-1:0] stage_q [DEPTH];
    always_ff @(posedge clk_i) begin
      stage_q[0] <= d_i;
      for (int unsigned k = 1; k < DEPTH; k++) begin
        stage_q[k] <= stage_q[k-1];
      end
    end
    assign q_o = stage_q[DEPTH-1];
  end

endmodule
