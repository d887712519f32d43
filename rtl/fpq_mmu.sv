// SPDX-License-Identifier: MIT
// fpq_mmu: device virtual to bus address translation for the read and write engines.
//
// Two-level tables in host memory (fpq_hw_pkg: pde_t, pte_t). A miss reads the whole
// 64-byte line of eight PTEs around the page (one 8-beat burst) into a fully associative
// line TLB, so one walk serves eight neighbouring pages: LINES lines reach 8 * LINES
// pages (C rows far apart, many pages of A and B). The last directory entry is cached
// too. Each PTE keeps its own flags; a lookup checks the page's: invalid, reserved bits,
// or the permission the port needs (READ for the read engine, WRITE for the write
// engine) answer the requester with fault set, as do a VA beyond VA_BITS and a bus error
// on a table read; the first fault (cause, VA) is latched until flush_i, which also
// empties the TLB (tables may change between jobs). A requester holds its request until
// ack.
`include "fpq_assert.svh"

module fpq_mmu #(
  parameter int unsigned LINES = 16
) (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        flush_i,
  input  logic [63:0] pt_root_i,
  // read engine: needs READ
  input  logic        rd_req_i,
  input  logic [63:0] rd_va_i,
  output logic        rd_ack_o,
  // write engine: needs WRITE
  input  logic        wr_req_i,
  input  logic [63:0] wr_va_i,
  output logic        wr_ack_o,
  // answer to the acknowledged port
  output logic [39:0] ppn_o,
  output logic        fault_o,
  // table reads through fpq_dma_rd
  output logic        walk_valid_o,
  input  logic        walk_ready_i,
  output logic [63:0] walk_addr_o,
  output logic        walk_line_o,
  input  logic        walk_data_valid_i,
  input  logic [63:0] walk_data_i,
  input  logic        walk_err_i,
  // first fault since flush
  output logic        fault_seen_o,
  output logic [31:0] fault_code_o,
  output logic [63:0] fault_va_o
);
  localparam int unsigned IW = $clog2(LINES);
  // PTE flags kept per page: valid, read, write, reserved bits set
  localparam int unsigned F_V = 0, F_R = 1, F_W = 2, F_BAD = 3;

  typedef enum logic [2:0] {S_IDLE, S_L1_REQ, S_L1_WAIT, S_L2_REQ, S_L2_WAIT} state_e;
  state_e state_q, state_d;

  logic [LINES-1:0] lv_q, lv_d;
  logic [14:0]      ltag_q [LINES];      // VA bits 29:15
  logic [39:0]      lppn_q [LINES*8];
  logic [3:0]       lflags_q [LINES*8];
  logic [IW-1:0]    victim_q, victim_d;
  logic [2:0]       beat_q, beat_d;

  logic        pde_valid_q, pde_valid_d;
  logic [8:0]  pde_tag_q, pde_tag_d;
  logic [39:0] pde_ppn_q, pde_ppn_d;

  logic        port_wr_q, port_wr_d;
  logic [51:0] walk_vpn_q, walk_vpn_d;
  logic [11:0] walk_off_q, walk_off_d;
  logic        prefer_wr_q, prefer_wr_d;

  logic        seen_q, seen_d;
  logic [31:0] code_q, code_d;
  logic [63:0] va_q, va_d;

  // ---- which port is served this cycle
  logic        sel_wr;
  logic [63:0] va;
  logic [51:0] vpn;
  always_comb begin
    if (rd_req_i && wr_req_i) sel_wr = prefer_wr_q;
    else sel_wr = wr_req_i;
  end
  assign va  = sel_wr ? wr_va_i : rd_va_i;
  assign vpn = va[63:12];

  logic          hit;
  logic [IW-1:0] hit_line;
  always_comb begin
    hit      = 1'b0;
    hit_line = '0;
    for (int i = 0; i < LINES; i++) begin
      if (lv_q[i] && ltag_q[i] == vpn[17:3]) begin
        hit      = 1'b1;
        hit_line = IW'(i);
      end
    end
  end

  logic [3:0]  pflags;
  logic [39:0] pppn;
  assign pflags = lflags_q[{hit_line, vpn[2:0]}];
  assign pppn   = lppn_q[{hit_line, vpn[2:0]}];

  logic out_of_range, serve;
  assign out_of_range = vpn[51:18] != 34'd0;
  assign serve        = state_q == S_IDLE && (rd_req_i || wr_req_i) && !flush_i;

  // answers in S_IDLE: out of range, or a line that holds the page
  logic ack_now, fault_now;
  logic [31:0] code_now;
  always_comb begin
    ack_now   = 1'b0;
    fault_now = 1'b0;
    code_now  = fpq_hw_pkg::ERR_OK;
    if (serve) begin
      if (out_of_range) begin
        ack_now   = 1'b1;
        fault_now = 1'b1;
        code_now  = fpq_hw_pkg::ERR_PAGE_UNMAPPED;
      end else if (hit) begin
        ack_now = 1'b1;
        if (pflags[F_BAD]) begin
          fault_now = 1'b1;
          code_now  = fpq_hw_pkg::ERR_PAGE_BAD_ENTRY;
        end else if (!pflags[F_V]) begin
          fault_now = 1'b1;
          code_now  = fpq_hw_pkg::ERR_PAGE_UNMAPPED;
        end else if (sel_wr ? !pflags[F_W] : !pflags[F_R]) begin
          fault_now = 1'b1;
          code_now  = fpq_hw_pkg::ERR_PAGE_PERMISSION;
        end
      end
    end
  end

  // ---- walk
  fpq_hw_pkg::pde_t pde;
  fpq_hw_pkg::pte_t pte;
  assign pde = walk_data_i;
  assign pte = walk_data_i;

  // a directory entry or a bus error ends a walk in a fault; PTE problems are found per
  // page when it is looked up
  logic walk_fault;
  logic [31:0] walk_code;
  always_comb begin
    walk_fault = 1'b0;
    walk_code  = fpq_hw_pkg::ERR_OK;
    if (walk_err_i) begin
      walk_fault = 1'b1;
      walk_code  = fpq_hw_pkg::ERR_DMA_READ;
    end else if (state_q == S_L1_WAIT) begin
      if (pde.rsvd0 != '0 || pde.rsvd1 != '0) begin
        walk_fault = 1'b1;
        walk_code  = fpq_hw_pkg::ERR_PAGE_BAD_ENTRY;
      end else if (!pde.valid) begin
        walk_fault = 1'b1;
        walk_code  = fpq_hw_pkg::ERR_PAGE_UNMAPPED;
      end
    end
  end

  // a failed walk answers the port that asked (it is still requesting)
  logic walk_done_fault;
  assign walk_done_fault = walk_data_valid_i && walk_fault && !flush_i &&
                           (state_q == S_L1_WAIT || state_q == S_L2_WAIT);

  always_comb begin
    walk_valid_o = state_q == S_L1_REQ || state_q == S_L2_REQ;
    walk_line_o  = state_q == S_L2_REQ;
    if (state_q == S_L1_REQ)
      walk_addr_o = {pt_root_i[63:12], walk_vpn_q[17:9], 3'b000};
    else
      walk_addr_o = {12'd0, pde_ppn_q, walk_vpn_q[8:3], 6'b000000};
  end

  always_comb begin
    rd_ack_o = 1'b0;
    wr_ack_o = 1'b0;
    fault_o  = 1'b0;
    ppn_o    = pppn;
    if (ack_now) begin
      rd_ack_o = !sel_wr;
      wr_ack_o = sel_wr;
      fault_o  = fault_now;
    end else if (walk_done_fault) begin
      rd_ack_o = !port_wr_q && rd_req_i;
      wr_ack_o = port_wr_q && wr_req_i;
      fault_o  = 1'b1;
    end
  end

  // PTE flags of a table line's beat
  logic [3:0] beat_flags;
  assign beat_flags = {pte.rsvd0 != '0 || pte.rsvd1 != '0, pte.write, pte.read, pte.valid};

  // the line being filled: one PTE per beat; its tag and valid bit with the last beat
  logic line_beat, line_done;
  assign line_beat = state_q == S_L2_WAIT && walk_data_valid_i && !flush_i;
  assign line_done = line_beat && !walk_fault && beat_q == 3'd7;

  always_comb begin
    state_d     = state_q;
    lv_d        = lv_q;
    victim_d    = victim_q;
    beat_d      = beat_q;
    pde_valid_d = pde_valid_q;
    pde_tag_d   = pde_tag_q;
    pde_ppn_d   = pde_ppn_q;
    port_wr_d   = port_wr_q;
    walk_vpn_d  = walk_vpn_q;
    walk_off_d  = walk_off_q;
    prefer_wr_d = prefer_wr_q;
    seen_d      = seen_q;
    code_d      = code_q;
    va_d        = va_q;
    if (flush_i) begin
      state_d     = S_IDLE;
      lv_d        = '0;
      pde_valid_d = 1'b0;
      seen_d      = 1'b0;
    end else begin
      // the other port goes first next time both ask
      if (ack_now) prefer_wr_d = !sel_wr;
      // a miss starts a walk (at the directory unless its entry is cached)
      if (serve && !ack_now) begin
        port_wr_d  = sel_wr;
        walk_vpn_d = vpn;
        walk_off_d = va[11:0];
        state_d    = (pde_valid_q && pde_tag_q == vpn[17:9]) ? S_L2_REQ : S_L1_REQ;
      end
      unique case (state_q)
        S_L1_REQ: if (walk_ready_i) state_d = S_L1_WAIT;
        S_L2_REQ: if (walk_ready_i) begin
          state_d = S_L2_WAIT;
          beat_d  = 3'd0;
        end
        S_L1_WAIT: if (walk_data_valid_i) begin
          if (walk_fault) begin
            state_d = S_IDLE;
          end else begin
            pde_valid_d = 1'b1;
            pde_tag_d   = walk_vpn_q[17:9];
            pde_ppn_d   = pde.addr;
            state_d     = S_L2_REQ;
          end
        end
        S_L2_WAIT: if (walk_data_valid_i) begin
          beat_d = beat_q + 3'd1;
          if (walk_fault || beat_q == 3'd7) state_d = S_IDLE;
          if (line_done) begin
            lv_d[victim_q] = 1'b1;
            victim_d       = victim_q + 1'b1;
          end
        end
        default: ;
      endcase
      // the first fault since flush
      if (!seen_q && (fault_now || walk_done_fault)) begin
        seen_d = 1'b1;
        code_d = fault_now ? code_now : walk_code;
        va_d   = fault_now ? va : {walk_vpn_q, walk_off_q};
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q     <= S_IDLE;
      lv_q        <= '0;
      victim_q    <= '0;
      beat_q      <= 3'd0;
      pde_valid_q <= 1'b0;
      pde_tag_q   <= 9'd0;
      pde_ppn_q   <= 40'd0;
      port_wr_q   <= 1'b0;
      walk_vpn_q  <= 52'd0;
      walk_off_q  <= 12'd0;
      prefer_wr_q <= 1'b0;
      seen_q      <= 1'b0;
      code_q      <= 32'd0;
      va_q        <= 64'd0;
    end else begin
      state_q     <= state_d;
      lv_q        <= lv_d;
      victim_q    <= victim_d;
      beat_q      <= beat_d;
      pde_valid_q <= pde_valid_d;
      pde_tag_q   <= pde_tag_d;
      pde_ppn_q   <= pde_ppn_d;
      port_wr_q   <= port_wr_d;
      walk_vpn_q  <= walk_vpn_d;
      walk_off_q  <= walk_off_d;
      prefer_wr_q <= prefer_wr_d;
      seen_q      <= seen_d;
      code_q      <= code_d;
      va_q        <= va_d;
    end
  end

  // the line store: tags (reset, written when a line is complete) and PTEs (one a beat)
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int i = 0; i < LINES; i++) ltag_q[i] <= 15'd0;
    end else if (line_done) begin
      ltag_q[victim_q] <= walk_vpn_q[17:3];
    end
  end

  always_ff @(posedge clk_i) begin
    if (line_beat) begin
      lppn_q[{victim_q, beat_q}]   <= pte.addr;
      lflags_q[{victim_q, beat_q}] <= beat_flags;
    end
  end

  logic unused;
  assign unused = ^pt_root_i[11:0];  // the directory is page aligned (checked by fpq_cmd)

  assign fault_seen_o = seen_q;
  assign fault_code_o = code_q;
  assign fault_va_o   = va_q;

  // the victim pointer wraps over exactly LINES lines
  `FPQ_ASSERT_INIT(LinesPowerOfTwo, LINES >= 2 && LINES <= 256 && (LINES & (LINES - 1)) == 0)
  // table reads are held until taken (a flush withdraws them); a requester holds its VA
  `FPQ_ASSERT_HANDSHAKE(WalkHeld, walk_valid_o, walk_ready_i, {walk_addr_o, walk_line_o},
                        flush_i)
  `FPQ_ASSERT_HANDSHAKE(RdReqHeld, rd_req_i, rd_ack_o, rd_va_i, flush_i)
  `FPQ_ASSERT_HANDSHAKE(WrReqHeld, wr_req_i, wr_ack_o, wr_va_i, flush_i)
  // an answer goes to one port, and only to one that asks
  `FPQ_ASSERT(AckOnePort, !(rd_ack_o && wr_ack_o))
  `FPQ_ASSERT(AckRequested, (!rd_ack_o || rd_req_i) && (!wr_ack_o || wr_req_i))
  `FPQ_ASSERT(StateLegal, state_q <= S_L2_WAIT)
  // a latched fault has a cause
  `FPQ_ASSERT(FaultHasCode, !seen_q || code_q != fpq_hw_pkg::ERR_OK)
  `FPQ_ASSERT_KNOWN(OutputsKnown, {rd_ack_o, wr_ack_o, fault_o, walk_valid_o, fault_seen_o})
endmodule
