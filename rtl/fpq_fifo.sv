// SPDX-License-Identifier: MIT
// fpq_fifo: synchronous first-word-fall-through FIFO with a synchronous flush.
// DEPTH must be a power of two; the read data is combinational from a small RAM.
// The users push only when it is not full and pop only when it is not empty (asserted).
`include "fpq_assert.svh"

module fpq_fifo #(
  parameter int unsigned WIDTH = 8,
  parameter int unsigned DEPTH = 4
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             flush_i,
  input  logic             push_i,
  input  logic [WIDTH-1:0] wdata_i,
  output logic             full_o,
  input  logic             pop_i,
  output logic [WIDTH-1:0] rdata_o,
  output logic             empty_o,
  output logic [$clog2(DEPTH):0] count_o
);
  localparam int unsigned AW = $clog2(DEPTH);

  logic [WIDTH-1:0] mem_q [DEPTH];
  logic [AW:0] wr_q, rd_q;

  assign count_o = wr_q - rd_q;
  assign full_o  = count_o == (AW + 1)'(DEPTH);
  assign empty_o = wr_q == rd_q;
  assign rdata_o = mem_q[rd_q[AW-1:0]];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_q <= '0;
      rd_q <= '0;
    end else if (flush_i) begin
      wr_q <= '0;
      rd_q <= '0;
    end else begin
      if (push_i && !full_o) wr_q <= wr_q + 1'b1;
      if (pop_i && !empty_o) rd_q <= rd_q + 1'b1;
    end
  end

  always_ff @(posedge clk_i) begin
    if (push_i && !full_o) mem_q[wr_q[AW-1:0]] <= wdata_i;
  end

  `FPQ_ASSERT_INIT(DepthPowerOfTwo, DEPTH >= 2 && (DEPTH & (DEPTH - 1)) == 0)
  `FPQ_ASSERT_INIT(WidthNotZero, WIDTH >= 1)
  // a flush empties the FIFO whatever is pushed or popped with it
  `FPQ_ASSERT(NoPushWhenFull, push_i && !flush_i |-> !full_o)
  `FPQ_ASSERT(NoPopWhenEmpty, pop_i && !flush_i |-> !empty_o)
  `FPQ_ASSERT(CountInRange, count_o <= (AW + 1)'(DEPTH))
  // first word fall through: the head stays until it is popped
  `FPQ_ASSERT_HANDSHAKE(HeadHeld, !empty_o, pop_i, rdata_o, flush_i)
  `FPQ_ASSERT_KNOWN(FlagsKnown, {full_o, empty_o, count_o})
endmodule
