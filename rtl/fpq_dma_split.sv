// SPDX-License-Identifier: MIT
// fpq_dma_split: the burst splitter of the AXI4 master, with its one-entry TLB (used by
// fpq_dma_rd and fpq_dma_wr alike).
//
// It takes one request at a time (address, length in bytes, virtual or bus address) and
// offers it as INCR bursts of 8-byte beats that never cross a 4 KiB page nor exceed
// MAX_BEATS beats. For a virtual request it first asks fpq_mmu for the translation of
// each new page and keeps the last one (one TLB entry: consecutive bursts of a page need
// no second look-up). A translation fault ends the request: no further burst is offered
// (the MMU reports the fault), and the splitter takes the next request only after a
// flush. flush_i drops the request and the translation.
`include "fpq_assert.svh"

module fpq_dma_split #(
  parameter int unsigned MAX_BEATS = 16
) (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        flush_i,
  // the next request (the head of the owner's request queue)
  input  logic        req_valid_i,
  output logic        req_ready_o,
  input  logic [63:0] req_addr_i,
  input  logic [23:0] req_len_i,
  input  logic        req_virt_i,
  // translation (fpq_mmu)
  output logic        xl_req_o,
  output logic [63:0] xl_va_o,
  input  logic        xl_ack_i,
  input  logic [39:0] xl_ppn_i,
  input  logic        xl_fault_i,
  // the next burst: bus address and beats (burst_ready_i may depend on burst_beats_o)
  output logic        burst_valid_o,
  input  logic        burst_ready_i,
  output logic [63:0] burst_addr_o,
  output logic [8:0]  burst_beats_o,
  // a request is in progress (or ended by a fault)
  output logic        busy_o
);
  logic        busy_q, busy_d;
  logic        virt_q, virt_d;
  logic        dead_q, dead_d;       // faulted: nothing more is offered until a flush
  logic [63:0] addr_q, addr_d;       // next byte (virtual or bus)
  logic [23:0] left_q, left_d;       // bytes still to offer
  logic        tr_valid_q, tr_valid_d;
  logic [51:0] tr_vpn_q, tr_vpn_d;
  logic [39:0] tr_ppn_q, tr_ppn_d;

  logic page_ok;
  assign page_ok = !virt_q || (tr_valid_q && tr_vpn_q == addr_q[63:12]);

  // bytes of this burst: to the end of the request, of the page, of MAX_BEATS
  logic [12:0] to_page, burst_cap;
  logic [23:0] burst_bytes;
  assign to_page   = 13'd4096 - {1'b0, addr_q[11:0]};
  assign burst_cap = 13'(MAX_BEATS * 8) - {10'd0, addr_q[2:0]};
  always_comb begin
    burst_bytes = left_q;
    if (burst_bytes > 24'(to_page)) burst_bytes = 24'(to_page);
    if (burst_bytes > 24'(burst_cap)) burst_bytes = 24'(burst_cap);
  end

  assign req_ready_o   = !busy_q && !flush_i;
  assign xl_req_o      = busy_q && !dead_q && virt_q && !page_ok && !flush_i;
  assign xl_va_o       = addr_q;
  assign burst_valid_o = busy_q && !dead_q && page_ok && !flush_i;
  assign burst_addr_o  = virt_q ? {12'd0, tr_ppn_q, addr_q[11:0]} : addr_q;
  assign burst_beats_o = 9'((24'(addr_q[2:0]) + burst_bytes + 24'd7) >> 3);
  assign busy_o        = busy_q;

  logic req_fire, xl_fire, burst_fire;
  assign req_fire   = req_valid_i && req_ready_o;
  assign xl_fire    = xl_req_o && xl_ack_i;
  assign burst_fire = burst_valid_o && burst_ready_i;

  always_comb begin
    busy_d     = busy_q;
    virt_d     = virt_q;
    dead_d     = dead_q;
    addr_d     = addr_q;
    left_d     = left_q;
    tr_valid_d = tr_valid_q;
    tr_vpn_d   = tr_vpn_q;
    tr_ppn_d   = tr_ppn_q;
    if (flush_i) begin
      busy_d     = 1'b0;
      dead_d     = 1'b0;
      tr_valid_d = 1'b0;
    end else begin
      // a request is taken only when idle, a burst offered only when busy: never both
      if (req_fire) begin
        busy_d = 1'b1;
        virt_d = req_virt_i;
        left_d = req_len_i;
        addr_d = req_addr_i;
      end
      if (xl_fire) begin
        if (xl_fault_i) begin
          dead_d = 1'b1;
        end else begin
          tr_valid_d = 1'b1;
          tr_vpn_d   = addr_q[63:12];
          tr_ppn_d   = xl_ppn_i;
        end
      end
      if (burst_fire) begin
        addr_d = addr_q + 64'(burst_bytes);
        left_d = left_q - burst_bytes;
        if (left_q == burst_bytes) busy_d = 1'b0;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q     <= 1'b0;
      virt_q     <= 1'b0;
      dead_q     <= 1'b0;
      addr_q     <= 64'd0;
      left_q     <= 24'd0;
      tr_valid_q <= 1'b0;
      tr_vpn_q   <= 52'd0;
      tr_ppn_q   <= 40'd0;
    end else begin
      busy_q     <= busy_d;
      virt_q     <= virt_d;
      dead_q     <= dead_d;
      addr_q     <= addr_d;
      left_q     <= left_d;
      tr_valid_q <= tr_valid_d;
      tr_vpn_q   <= tr_vpn_d;
      tr_ppn_q   <= tr_ppn_d;
    end
  end

  // a burst is 1..MAX_BEATS beats and AXI's len field holds MAX_BEATS - 1
  `FPQ_ASSERT_INIT(MaxBeatsFits, MAX_BEATS >= 1 && MAX_BEATS <= 256)
  // a burst offered stays offered, unchanged, until taken (the owner may wait for
  // buffer space or an AR/AW slot)
  `FPQ_ASSERT_HANDSHAKE(BurstHeld, burst_valid_o, burst_ready_i,
                        {burst_addr_o, burst_beats_o}, flush_i)
  `FPQ_ASSERT_HANDSHAKE(XlHeld, xl_req_o, xl_ack_i, xl_va_o, flush_i)
  `FPQ_ASSERT(BurstNotEmpty, burst_valid_o |-> burst_beats_o != 9'd0 &&
                             burst_beats_o <= 9'(MAX_BEATS))
  `FPQ_ASSERT(BurstInPage, burst_valid_o |->
                           13'(addr_q[11:0]) + 13'(burst_bytes) <= 13'd4096)
  `FPQ_ASSERT_KNOWN(OutputsKnown, {req_ready_o, xl_req_o, burst_valid_o, busy_o})
endmodule
