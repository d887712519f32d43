// SPDX-License-Identifier: MIT
// fpq_mmu: device virtual to bus address translation for the read and write engines.
//
// Two-level tables in host memory (fpq_hw_pkg: pde_t, pte_t). A small fully associative
// TLB holds recent pages with their permissions; the last directory entry is cached too.
// A miss walks the tables through the read engine's walker port. A VA beyond VA_BITS, an
// invalid entry, a missing permission, reserved bits or a bus error on a table read
// answers the requester with fault set and latches the first fault (code, VA) until
// flush_i, which also empties the TLB (every job starts clean: tables change between
// jobs). The requester holds its request until ack.
module fpq_mmu #(
  parameter int unsigned ENTRIES = 16
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
  input  logic        walk_data_valid_i,
  input  logic [63:0] walk_data_i,
  input  logic        walk_err_i,
  // first fault since flush
  output logic        fault_seen_o,
  output logic [31:0] fault_code_o,
  output logic [63:0] fault_va_o
);
  localparam int unsigned IW = $clog2(ENTRIES);

  typedef enum logic [2:0] {S_IDLE, S_L1_REQ, S_L1_WAIT, S_L2_REQ, S_L2_WAIT} state_e;
  state_e state_q;

  logic [ENTRIES-1:0] tv_q;
  logic [17:0]        tvpn_q [ENTRIES];
  logic [39:0]        tppn_q [ENTRIES];
  logic [ENTRIES-1:0] tr_q, tw_q;
  logic [IW-1:0]      victim_q;

  logic        pde_valid_q;
  logic [8:0]  pde_tag_q;
  logic [39:0] pde_ppn_q;

  logic        port_wr_q;    // the port being walked for
  logic [51:0] walk_vpn_q;
  logic [11:0] walk_off_q;
  logic        prefer_wr_q;

  logic        seen_q;
  logic [31:0] code_q;
  logic [63:0] va_q;

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
  logic [IW-1:0] hit_idx;
  always_comb begin
    hit     = 1'b0;
    hit_idx = '0;
    for (int i = 0; i < ENTRIES; i++) begin
      if (tv_q[i] && tvpn_q[i] == vpn[17:0]) begin
        hit     = 1'b1;
        hit_idx = IW'(i);
      end
    end
  end

  logic out_of_range, perm_ok, serve;
  assign out_of_range = vpn[51:18] != 34'd0;
  assign perm_ok      = sel_wr ? tw_q[hit_idx] : tr_q[hit_idx];
  assign serve        = state_q == S_IDLE && (rd_req_i || wr_req_i) && !flush_i;

  // answers in S_IDLE: out of range, TLB hit (with or without permission)
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
        if (!perm_ok) begin
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
    end else begin
      if (pte.rsvd0 != '0 || pte.rsvd1 != '0) begin
        walk_fault = 1'b1;
        walk_code  = fpq_hw_pkg::ERR_PAGE_BAD_ENTRY;
      end else if (!pte.valid) begin
        walk_fault = 1'b1;
        walk_code  = fpq_hw_pkg::ERR_PAGE_UNMAPPED;
      end
    end
  end

  logic walk_done_fault;
  assign walk_done_fault = walk_data_valid_i && walk_fault &&
                           (state_q == S_L1_WAIT || state_q == S_L2_WAIT);

  always_comb begin
    walk_valid_o = state_q == S_L1_REQ || state_q == S_L2_REQ;
    if (state_q == S_L1_REQ)
      walk_addr_o = {pt_root_i[63:12], walk_vpn_q[17:9], 3'b000};
    else
      walk_addr_o = {12'd0, pde_ppn_q, walk_vpn_q[8:0], 3'b000};
  end

  // faults of a walk answer the port that asked; it is still requesting
  always_comb begin
    rd_ack_o = 1'b0;
    wr_ack_o = 1'b0;
    fault_o  = 1'b0;
    ppn_o    = tppn_q[hit_idx];
    if (ack_now) begin
      rd_ack_o = !sel_wr;
      wr_ack_o = sel_wr;
      fault_o  = fault_now;
    end else if (walk_done_fault && !flush_i) begin
      rd_ack_o = !port_wr_q && rd_req_i;
      wr_ack_o = port_wr_q && wr_req_i;
      fault_o  = 1'b1;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q     <= S_IDLE;
      tv_q        <= '0;
      tr_q        <= '0;
      tw_q        <= '0;
      victim_q    <= '0;
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
      for (int i = 0; i < ENTRIES; i++) begin
        tvpn_q[i] <= 18'd0;
        tppn_q[i] <= 40'd0;
      end
    end else if (flush_i) begin
      state_q     <= S_IDLE;
      tv_q        <= '0;
      pde_valid_q <= 1'b0;
      seen_q      <= 1'b0;
    end else begin
      if (ack_now) prefer_wr_q <= !sel_wr;
      if (serve && !ack_now) begin
        port_wr_q  <= sel_wr;
        walk_vpn_q <= vpn;
        walk_off_q <= va[11:0];
        state_q    <= (pde_valid_q && pde_tag_q == vpn[17:9]) ? S_L2_REQ : S_L1_REQ;
      end
      unique case (state_q)
        S_L1_REQ: if (walk_ready_i) state_q <= S_L1_WAIT;
        S_L2_REQ: if (walk_ready_i) state_q <= S_L2_WAIT;
        S_L1_WAIT: if (walk_data_valid_i) begin
          if (walk_fault) begin
            state_q <= S_IDLE;
          end else begin
            pde_valid_q <= 1'b1;
            pde_tag_q   <= walk_vpn_q[17:9];
            pde_ppn_q   <= pde.addr;
            state_q     <= S_L2_REQ;
          end
        end
        S_L2_WAIT: if (walk_data_valid_i) begin
          state_q <= S_IDLE;
          if (!walk_fault) begin
            tv_q[victim_q]   <= 1'b1;
            tvpn_q[victim_q] <= walk_vpn_q[17:0];
            tppn_q[victim_q] <= pte.addr;
            tr_q[victim_q]   <= pte.read;
            tw_q[victim_q]   <= pte.write;
            victim_q         <= victim_q + 1'b1;
          end
        end
        default: ;
      endcase
      if (!seen_q && (fault_now || walk_done_fault)) begin
        seen_q <= 1'b1;
        code_q <= fault_now ? code_now : walk_code;
        va_q   <= fault_now ? va : {walk_vpn_q, walk_off_q};
      end
    end
  end

  logic unused;
  assign unused = ^pt_root_i[11:0];  // the directory is page aligned (checked by fpq_cmd)

  assign fault_seen_o = seen_q;
  assign fault_code_o = code_q;
  assign fault_va_o   = va_q;
endmodule
