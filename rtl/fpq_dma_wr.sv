// SPDX-License-Identifier: MIT
// fpq_dma_wr: the write half of the AXI4 master.
//
// A request (address, length in bytes, virtual or bus address) is followed by its data
// as request-relative 8-byte words (word w = bytes 8w..8w+7; the last one partial). The
// words are shifted onto the byte lanes of the address with strobes, and cut into INCR
// bursts that never cross a 4 KiB page (each page translated by fpq_mmu when virtual).
// An AW is issued only once all beats of its burst are buffered, so a flush never leaves
// the bus waiting for write data: flush_i drops what is not yet committed to an AW and
// still sends the beats of every AW already issued. Up to MAX_WRITES bursts await their
// B response; idle_o says all writes so far have been answered.
module fpq_dma_wr #(
  parameter int unsigned MAX_WRITES = 8,
  parameter int unsigned MAX_BEATS = 16
) (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        flush_i,
  input  logic        req_valid_i,
  output logic        req_ready_o,
  input  logic [63:0] req_addr_i,
  input  logic [23:0] req_len_i,
  input  logic        req_virt_i,
  input  logic        data_valid_i,
  output logic        data_ready_o,
  input  logic [63:0] data_i,
  // translation (fpq_mmu)
  output logic        xl_req_o,
  output logic [63:0] xl_va_o,
  input  logic        xl_ack_i,
  input  logic [39:0] xl_ppn_i,
  input  logic        xl_fault_i,
  // status
  output logic        err_o,
  output logic [63:0] err_addr_o,
  output logic        idle_o,
  output logic [3:0]  perf_bytes_o,
  // AXI4 AW/W/B
  output logic [3:0]  m_awid_o,
  output logic [63:0] m_awaddr_o,
  output logic [7:0]  m_awlen_o,
  output logic [2:0]  m_awsize_o,
  output logic [1:0]  m_awburst_o,
  output logic        m_awvalid_o,
  input  logic        m_awready_i,
  output logic [63:0] m_wdata_o,
  output logic [7:0]  m_wstrb_o,
  output logic        m_wlast_o,
  output logic        m_wvalid_o,
  input  logic        m_wready_i,
  input  logic [3:0]  m_bid_i,
  input  logic [1:0]  m_bresp_i,
  input  logic        m_bvalid_i,
  output logic        m_bready_o
);
  localparam int unsigned WDEPTH = 2 * MAX_BEATS;
  localparam int unsigned WA = $clog2(WDEPTH);
  localparam int unsigned OW = $clog2(MAX_WRITES + 1);

  // ---- requests: one copy for the lane shifter, one for the burst splitter
  logic        bq_full, bq_empty, bq_pop, sq_full, sq_empty, sq_pop;
  logic [2:0]  bq_off;
  logic [23:0] bq_len;
  logic [88:0] sq_out;
  fpq_fifo #(.WIDTH(27), .DEPTH(4)) u_shift_fifo (
    .clk_i, .rst_ni, .flush_i,
    .push_i(req_valid_i && req_ready_o), .wdata_i({req_addr_i[2:0], req_len_i}),
    .full_o(bq_full), .pop_i(bq_pop), .rdata_o({bq_off, bq_len}), .empty_o(bq_empty),
    .count_o()
  );
  fpq_fifo #(.WIDTH(89), .DEPTH(4)) u_split_fifo (
    .clk_i, .rst_ni, .flush_i,
    .push_i(req_valid_i && req_ready_o), .wdata_i({req_virt_i, req_len_i, req_addr_i}),
    .full_o(sq_full), .pop_i(sq_pop), .rdata_o(sq_out), .empty_o(sq_empty), .count_o()
  );
  assign req_ready_o = !bq_full && !sq_full;

  // ---- beat buffer (custom FIFO: a flush rewinds it to the committed beats)
  logic [71:0] wmem_q [WDEPTH];
  logic [WA:0] wwr_q, wrd_q;
  logic [WA:0] wcount;
  logic [WA:0] claimed_q;   // buffered beats that belong to issued AWs
  assign wcount = wwr_q - wrd_q;

  // ---- lane shifter
  logic [23:0] beat_q;      // next beat index of the request at the head
  logic [63:0] prev_q;
  logic [23:0] n_beats, n_words;
  assign n_beats = 24'((25'(bq_off) + 25'(bq_len) + 25'd7) >> 3);
  assign n_words = 24'((25'(bq_len) + 25'd7) >> 3);

  logic need_word, can_beat, push_beat;
  assign need_word = beat_q < n_words;
  assign can_beat  = !bq_empty && wcount < (WA + 1)'(WDEPTH) && !flush_i;
  assign push_beat = can_beat && (!need_word || data_valid_i);
  assign data_ready_o = can_beat && need_word;
  assign bq_pop = push_beat && beat_q + 24'd1 == n_beats;

  logic [63:0]  cur_word;
  logic [127:0] both;
  logic [63:0]  beat_data;
  logic [7:0]   beat_strb;
  assign cur_word  = need_word ? data_i : 64'd0;
  assign both      = {cur_word, prev_q} >> (7'd64 - {1'b0, bq_off, 3'b000});
  assign beat_data = both[63:0];
  always_comb begin
    for (int l = 0; l < 8; l++) begin
      // byte index of lane l in this beat: 8 * beat + l - off
      logic signed [26:0] idx;
      idx = $signed({1'b0, beat_q, 2'b00}) * 27'sd2 + 27'(l) - 27'(bq_off);
      beat_strb[l] = idx >= 0 && idx < $signed({3'b000, bq_len});
    end
  end

  logic [23:0] beat_d;
  logic [63:0] prev_d;
  always_comb begin
    beat_d = beat_q;
    prev_d = prev_q;
    if (flush_i || (push_beat && bq_pop)) begin
      beat_d = 24'd0;
      prev_d = 64'd0;
    end else if (push_beat) begin
      beat_d = beat_q + 24'd1;
      prev_d = cur_word;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      beat_q <= 24'd0;
      prev_q <= 64'd0;
    end else begin
      beat_q <= beat_d;
      prev_q <= prev_d;
    end
  end

  // ---- burst splitter (and its one-entry TLB)
  logic        split_ready, burst_valid, burst_ready, sp_busy;
  logic [63:0] burst_addr;
  logic [8:0]  burst_beats;
  fpq_dma_split #(.MAX_BEATS(MAX_BEATS)) u_split (
    .clk_i, .rst_ni, .flush_i,
    .req_valid_i(!sq_empty), .req_ready_o(split_ready),
    .req_addr_i(sq_out[63:0]), .req_len_i(sq_out[87:64]), .req_virt_i(sq_out[88]),
    .xl_req_o, .xl_va_o, .xl_ack_i, .xl_ppn_i, .xl_fault_i,
    .burst_valid_o(burst_valid), .burst_ready_i(burst_ready), .burst_addr_o(burst_addr),
    .burst_beats_o(burst_beats), .busy_o(sp_busy)
  );
  assign sq_pop = !sq_empty && split_ready;

  logic        aw_valid_q;
  logic [63:0] aw_addr_q;
  logic [7:0]  aw_len_q;
  logic [OW-1:0] outstanding_q;
  logic        lq_full, lq_empty, lq_pop;
  logic [7:0]  lq_len;
  logic        aq_full, aq_empty;
  logic [63:0] aq_addr;

  logic aw_fire, b_fire;
  assign aw_fire = m_awvalid_o && m_awready_i;
  assign b_fire  = m_bvalid_i && m_bready_o;

  // an AW only for beats already buffered (and not claimed by an earlier AW)
  logic issue;
  assign burst_ready = (!aw_valid_q || aw_fire) && !lq_full && !aq_full &&
                       outstanding_q < OW'(MAX_WRITES) &&
                       (wcount - claimed_q) >= (WA + 1)'(burst_beats);
  assign issue       = burst_valid && burst_ready;

  logic        aw_valid_d;
  logic [63:0] aw_addr_d;
  logic [7:0]  aw_len_d;
  always_comb begin
    aw_valid_d = aw_valid_q && !aw_fire;
    aw_addr_d  = aw_addr_q;
    aw_len_d   = aw_len_q;
    if (issue) begin
      aw_valid_d = 1'b1;
      aw_addr_d  = burst_addr;
      aw_len_d   = 8'(burst_beats - 9'd1);
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      aw_valid_q <= 1'b0;
      aw_addr_q  <= 64'd0;
      aw_len_q   <= 8'd0;
    end else begin
      aw_valid_q <= aw_valid_d;
      aw_addr_q  <= aw_addr_d;
      aw_len_q   <= aw_len_d;
    end
  end
  assign m_awid_o    = 4'd0;
  assign m_awaddr_o  = aw_addr_q;
  assign m_awlen_o   = aw_len_q;
  assign m_awsize_o  = 3'd3;
  assign m_awburst_o = 2'b01;
  assign m_awvalid_o = aw_valid_q;

  // burst lengths for the W sender, addresses for error reports
  fpq_fifo #(.WIDTH(8), .DEPTH(MAX_WRITES)) u_len_fifo (
    .clk_i, .rst_ni, .flush_i(1'b0),
    .push_i(issue), .wdata_i(8'(burst_beats - 9'd1)), .full_o(lq_full),
    .pop_i(lq_pop), .rdata_o(lq_len), .empty_o(lq_empty), .count_o()
  );
  fpq_fifo #(.WIDTH(64), .DEPTH(MAX_WRITES)) u_addr_fifo (
    .clk_i, .rst_ni, .flush_i(1'b0),
    .push_i(issue), .wdata_i(burst_addr), .full_o(aq_full),
    .pop_i(b_fire), .rdata_o(aq_addr), .empty_o(aq_empty), .count_o()
  );

  // ---- W sender
  logic [7:0] wbeat_q;
  logic       w_fire;
  assign m_wvalid_o = !lq_empty && wcount != '0;
  assign {m_wstrb_o, m_wdata_o} = wmem_q[wrd_q[WA-1:0]];
  assign m_wlast_o  = wbeat_q == lq_len;
  assign w_fire     = m_wvalid_o && m_wready_i;
  assign lq_pop     = w_fire && m_wlast_o;

  logic [WA:0] wwr_d, wrd_d, claimed_d;
  logic [7:0]  wbeat_d;
  always_comb begin
    wrd_d     = w_fire ? wrd_q + 1'b1 : wrd_q;
    wbeat_d   = w_fire ? (m_wlast_o ? 8'd0 : wbeat_q + 8'd1) : wbeat_q;
    claimed_d = claimed_q + (issue ? (WA + 1)'(burst_beats) : '0) - (WA + 1)'(w_fire);
    if (flush_i) wwr_d = wrd_q + claimed_q;  // keep only committed beats
    else if (push_beat) wwr_d = wwr_q + 1'b1;
    else wwr_d = wwr_q;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wwr_q     <= '0;
      wrd_q     <= '0;
      claimed_q <= '0;
      wbeat_q   <= 8'd0;
    end else begin
      wwr_q     <= wwr_d;
      wrd_q     <= wrd_d;
      claimed_q <= claimed_d;
      wbeat_q   <= wbeat_d;
    end
  end
  always_ff @(posedge clk_i) begin
    if (push_beat) wmem_q[wwr_q[WA-1:0]] <= {beat_strb, beat_data};
  end

  logic [OW-1:0] outstanding_d;
  assign outstanding_d = outstanding_q + OW'(issue) - OW'(b_fire);
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) outstanding_q <= '0;
    else outstanding_q <= outstanding_d;
  end
  assign m_bready_o = 1'b1;

  logic        err_q;
  logic [63:0] err_addr_q;
  logic        err_d;
  logic [63:0] err_addr_d;
  always_comb begin
    err_d      = err_q;
    err_addr_d = err_addr_q;
    if (flush_i) begin
      err_d = 1'b0;
    end else if (!err_q && b_fire && m_bresp_i[1]) begin
      err_d      = 1'b1;
      err_addr_d = aq_addr;
    end
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      err_q      <= 1'b0;
      err_addr_q <= 64'd0;
    end else begin
      err_q      <= err_d;
      err_addr_q <= err_addr_d;
    end
  end
  assign err_o      = err_q;
  assign err_addr_o = err_addr_q;

  assign idle_o = bq_empty && sq_empty && !sp_busy && wcount == '0 && outstanding_q == '0 &&
                  !aw_valid_q;
  assign perf_bytes_o = w_fire ? 4'($countones(m_wstrb_o)) : 4'd0;

  logic unused;
  assign unused = ^{m_bid_i, aq_empty, m_bresp_i[0], both[127:64]};
endmodule
