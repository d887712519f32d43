// SPDX-License-Identifier: MIT
// fpq_te_stream: reads LANES rows of packed elements (4, 6 or 8 bits) out of LANES
// operand banks in lockstep, one element per lane and advance, as 8-bit codes (narrow
// codes in the low bits). All banks share one read address; each lane keeps two words
// (the current one and the next), so an element that straddles two words is read in one
// cycle, and a bank read every 64 / bits elements keeps up. start_i loads the first two
// words of the rows at base_i (two cycles), then ready_o stays high.
module fpq_te_stream #(
  parameter int unsigned LANES = 8,
  parameter int unsigned WA = 10
) (
  input  logic               clk_i,
  input  logic               rst_ni,
  input  logic               flush_i,
  input  logic               start_i,
  input  logic [WA-1:0]      base_i,
  input  logic [5:0]         bits_i,
  input  logic               adv_i,
  output logic               ready_o,
  output logic [WA-1:0]      raddr_o,
  input  logic [LANES*64-1:0] rdata_i,
  output logic [LANES*8-1:0] code_o
);
  logic [1:0]    phase_q;    // 0 idle, 1 first word on its way, 2 second, 3 running
  logic [WA-1:0] base_q, w_q, raddr_q;
  logic [6:0]    o_q;
  logic          pending_q;  // a next word is on its way
  logic [63:0]   cur_q [LANES];
  logic [63:0]   nxt_q [LANES];

  logic [6:0] o_new;
  logic       shift;
  assign o_new = o_q + 7'(bits_i);
  assign shift = phase_q == 2'd3 && adv_i && o_new >= 7'd64;

  // the banks register the address: a word is read the cycle after its address is out
  always_comb begin
    raddr_o = raddr_q;
    if (start_i) raddr_o = base_i;
    else if (phase_q == 2'd1) raddr_o = base_q + w_q;
    else if (shift) raddr_o = base_q + w_q;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      phase_q   <= 2'd0;
      base_q    <= '0;
      w_q       <= '0;
      raddr_q   <= '0;
      o_q       <= 7'd0;
      pending_q <= 1'b0;
    end else if (flush_i) begin
      phase_q   <= 2'd0;
      pending_q <= 1'b0;
    end else if (start_i) begin
      phase_q   <= 2'd1;
      base_q    <= base_i;
      raddr_q   <= raddr_o;
      w_q       <= WA'(1);
      o_q       <= 7'd0;
      pending_q <= 1'b0;
    end else begin
      unique case (phase_q)
        2'd1: begin
          raddr_q <= raddr_o;
          w_q     <= w_q + WA'(1);
          phase_q <= 2'd2;
        end
        2'd2: phase_q <= 2'd3;
        2'd3: begin
          pending_q <= shift;
          if (adv_i) o_q <= shift ? o_new - 7'd64 : o_new;
          if (shift) begin
            raddr_q <= raddr_o;
            w_q     <= w_q + WA'(1);
          end
        end
        default: ;
      endcase
    end
  end

  for (genvar l = 0; l < LANES; l++) begin : g_lane
    always_ff @(posedge clk_i) begin
      if (phase_q == 2'd1 && !start_i) cur_q[l] <= rdata_i[64*l +: 64];
      if ((phase_q == 2'd2 || pending_q) && !start_i) nxt_q[l] <= rdata_i[64*l +: 64];
      if (shift && !start_i) cur_q[l] <= nxt_q[l];
    end
    logic [127:0] window;
    logic [7:0]   raw;
    assign window = {nxt_q[l], cur_q[l]} >> o_q;
    assign raw    = window[7:0];
    logic unused;
    assign unused = ^window[127:8];
    assign code_o[8*l +: 8] = raw & ((8'd1 << bits_i[3:0]) - 8'd1 | {8{bits_i[3]}});
  end

  assign ready_o = phase_q == 2'd3;
endmodule
