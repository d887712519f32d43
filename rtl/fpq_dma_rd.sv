// SPDX-License-Identifier: MIT
// fpq_dma_rd: the read half of the AXI4 master.
//
// Requests (address, length in bytes, virtual or bus address) queue up and are split
// into INCR bursts of 8-byte beats that never cross a 4 KiB page; virtual requests get
// each page translated by fpq_mmu first. Up to MAX_READS bursts are outstanding; all
// use ID 0, so the data returns in order. The data of each request comes out realigned:
// word w holds request bytes 8w..8w+7 (the last word is partial), then last_o.
// The page-table walker has a priority port for reads of one beat or one 64-byte line.
//
// flush_i abandons every request (queued or half issued) at once; bursts already on the
// bus still return and are dropped (an epoch bit tells old bursts from new ones), so the
// bus stays consistent. idle_o says nothing is outstanding.
module fpq_dma_rd #(
  parameter int unsigned MAX_READS = 8,
  parameter int unsigned MAX_BEATS = 64
) (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        flush_i,
  // requests
  input  logic        req_valid_i,
  output logic        req_ready_o,
  input  logic [63:0] req_addr_i,
  input  logic [23:0] req_len_i,
  input  logic        req_virt_i,
  // realigned data
  output logic        data_valid_o,
  input  logic        data_ready_i,
  output logic [63:0] data_o,
  output logic        data_last_o,
  // translation (fpq_mmu)
  output logic        xl_req_o,
  output logic [63:0] xl_va_o,
  input  logic        xl_ack_i,
  input  logic [39:0] xl_ppn_i,
  input  logic        xl_fault_i,
  // page-table walker reads (8-byte aligned; one beat, or 8 beats when walk_line_i)
  input  logic        walk_valid_i,
  output logic        walk_ready_o,
  input  logic [63:0] walk_addr_i,
  input  logic        walk_line_i,
  output logic        walk_data_valid_o,
  output logic [63:0] walk_data_o,
  output logic        walk_err_o,
  // errors: sticky until flush
  input  logic        inject_err_i,
  output logic        inject_clr_o,
  output logic        err_o,
  output logic [63:0] err_addr_o,
  output logic        idle_o,
  output logic [3:0]  perf_bytes_o,
  // AXI4 AR/R
  output logic [3:0]  m_arid_o,
  output logic [63:0] m_araddr_o,
  output logic [7:0]  m_arlen_o,
  output logic [2:0]  m_arsize_o,
  output logic [1:0]  m_arburst_o,
  output logic        m_arvalid_o,
  input  logic        m_arready_i,
  input  logic [3:0]  m_rid_i,
  input  logic [63:0] m_rdata_i,
  input  logic [1:0]  m_rresp_i,
  input  logic        m_rlast_i,
  input  logic        m_rvalid_i,
  output logic        m_rready_o
);
  localparam int unsigned OW = $clog2(MAX_READS + 1);

  logic epoch_q;

  // ---- request queue -> splitter
  logic        rq_empty, rq_full, rq_pop;
  logic [88:0] rq_out;
  fpq_fifo #(.WIDTH(89), .DEPTH(4)) u_req_fifo (
    .clk_i, .rst_ni, .flush_i,
    .push_i(req_valid_i && req_ready_o), .wdata_i({req_virt_i, req_len_i, req_addr_i}),
    .full_o(rq_full),
    .pop_i(rq_pop), .rdata_o(rq_out), .empty_o(rq_empty), .count_o()
  );

  // realignment info per request: offset, beats on the bus, words out
  logic        info_full, info_empty, info_pop;
  logic [23:0] info_beats, info_words;
  logic [2:0]  info_off;
  logic [23:0] req_beats, req_words;
  assign req_beats = 24'((25'(req_addr_i[2:0]) + 25'(req_len_i) + 25'd7) >> 3);
  assign req_words = 24'((25'(req_len_i) + 25'd7) >> 3);
  fpq_fifo #(.WIDTH(51), .DEPTH(8)) u_info_fifo (
    .clk_i, .rst_ni, .flush_i,
    .push_i(req_valid_i && req_ready_o), .wdata_i({req_addr_i[2:0], req_beats, req_words}),
    .full_o(info_full), .pop_i(info_pop), .rdata_o({info_off, info_beats, info_words}),
    .empty_o(info_empty), .count_o()
  );
  assign req_ready_o = !rq_full && !info_full;

  // ---- splitter (and its one-entry TLB)
  logic        split_ready, burst_valid, burst_ready;
  logic [63:0] burst_addr;
  logic [8:0]  burst_beats;
  fpq_dma_split #(.MAX_BEATS(MAX_BEATS)) u_split (
    .clk_i, .rst_ni, .flush_i,
    .req_valid_i(!rq_empty), .req_ready_o(split_ready),
    .req_addr_i(rq_out[63:0]), .req_len_i(rq_out[87:64]), .req_virt_i(rq_out[88]),
    .xl_req_o, .xl_va_o, .xl_ack_i, .xl_ppn_i, .xl_fault_i,
    .burst_valid_o(burst_valid), .burst_ready_i(burst_ready), .burst_addr_o(burst_addr),
    .burst_beats_o(burst_beats), .busy_o()
  );
  assign rq_pop = !rq_empty && split_ready;

  // ---- AR output register and outstanding bursts
  logic        ar_valid_q, ar_walk_q, ar_epoch_q;
  logic [63:0] ar_addr_q;
  logic [7:0]  ar_len_q;
  logic [OW-1:0] outstanding_q;
  logic        bf_full, bf_empty, bf_pop;
  logic        bf_walk, bf_epoch;
  logic [63:0] bf_addr;

  logic ar_fire, ar_free;
  assign ar_fire = m_arvalid_o && m_arready_i;
  assign ar_free = !ar_valid_q || ar_fire;

  logic can_issue;
  assign can_issue = ar_free && !bf_full && outstanding_q < OW'(MAX_READS);

  // the walker's reads go first
  logic issue_walk, issue_data;
  assign issue_walk   = can_issue && walk_valid_i && !flush_i;
  assign burst_ready  = can_issue && !walk_valid_i;
  assign issue_data   = burst_valid && burst_ready;
  assign walk_ready_o = issue_walk;

  logic        ar_valid_d, ar_walk_d, ar_epoch_d;
  logic [63:0] ar_addr_d;
  logic [7:0]  ar_len_d;
  always_comb begin
    // once valid, the AR stays until accepted, flush or not (AXI rule)
    ar_valid_d = ar_valid_q && !ar_fire;
    ar_walk_d  = ar_walk_q;
    ar_epoch_d = ar_epoch_q;
    ar_addr_d  = ar_addr_q;
    ar_len_d   = ar_len_q;
    if (issue_walk) begin
      ar_valid_d = 1'b1;
      ar_walk_d  = 1'b1;
      ar_epoch_d = epoch_q;
      ar_addr_d  = {walk_addr_i[63:3], 3'b000};
      ar_len_d   = walk_line_i ? 8'd7 : 8'd0;
    end else if (issue_data) begin
      ar_valid_d = 1'b1;
      ar_walk_d  = 1'b0;
      ar_epoch_d = epoch_q;
      ar_addr_d  = burst_addr;
      ar_len_d   = 8'(burst_beats - 9'd1);
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ar_valid_q <= 1'b0;
      ar_walk_q  <= 1'b0;
      ar_epoch_q <= 1'b0;
      ar_addr_q  <= 64'd0;
      ar_len_q   <= 8'd0;
    end else begin
      ar_valid_q <= ar_valid_d;
      ar_walk_q  <= ar_walk_d;
      ar_epoch_q <= ar_epoch_d;
      ar_addr_q  <= ar_addr_d;
      ar_len_q   <= ar_len_d;
    end
  end

  assign m_arid_o    = 4'd0;
  assign m_araddr_o  = ar_addr_q;
  assign m_arlen_o   = ar_len_q;
  assign m_arsize_o  = 3'd3;
  assign m_arburst_o = 2'b01;
  assign m_arvalid_o = ar_valid_q;

  // bursts on the bus, in order
  fpq_fifo #(.WIDTH(66), .DEPTH(16)) u_burst_fifo (
    .clk_i, .rst_ni, .flush_i(1'b0),
    .push_i(ar_fire), .wdata_i({ar_walk_q, ar_epoch_q, ar_addr_q}), .full_o(bf_full),
    .pop_i(bf_pop), .rdata_o({bf_walk, bf_epoch, bf_addr}), .empty_o(bf_empty), .count_o()
  );

  logic r_fire;
  assign r_fire = m_rvalid_i && m_rready_o;
  assign bf_pop = r_fire && m_rlast_i;

  // bursts on the bus; the epoch turns over at each flush
  logic [OW-1:0] outstanding_d;
  logic          epoch_d;
  assign outstanding_d = outstanding_q + OW'(ar_fire) - OW'(bf_pop);
  assign epoch_d       = flush_i ? ~epoch_q : epoch_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      outstanding_q <= '0;
      epoch_q       <= 1'b0;
    end else begin
      outstanding_q <= outstanding_d;
      epoch_q       <= epoch_d;
    end
  end

  // ---- R routing and realignment
  logic beat_stale, beat_walk, beat_data;
  assign beat_walk  = !bf_empty && bf_walk;
  assign beat_stale = !bf_empty && !bf_walk && (bf_epoch != epoch_q || info_empty);
  assign beat_data  = !bf_empty && !bf_walk && !beat_stale;

  logic        out_valid_q, out_last_q;
  logic [63:0] out_q;
  logic        hold_valid_q, tail_q;
  logic [63:0] hold_q;
  logic [23:0] beats_seen_q;
  logic        out_free;
  assign out_free = !out_valid_q || data_ready_i;

  // walker beats and stale beats are always taken; data beats when the output is free
  // and no tail word is pending
  always_comb begin
    m_rready_o = 1'b0;
    if (beat_walk || beat_stale) m_rready_o = 1'b1;
    else if (beat_data) m_rready_o = out_free && !tail_q;
  end

  logic data_fire, req_last_beat;
  assign data_fire     = r_fire && beat_data && !flush_i;
  assign req_last_beat = beats_seen_q + 24'd1 == info_beats;

  // word w = ({beat w+1, beat w} >> 8 * off)[63:0]
  logic [127:0] pair;
  logic [63:0]  joined;
  assign pair   = {m_rdata_i, hold_q} >> {info_off, 3'b000};
  assign joined = pair[63:0];
  logic [63:0] tail_word;
  assign tail_word = hold_q >> {info_off, 3'b000};

  logic inject_now;
  assign inject_now   = data_fire && inject_err_i;
  assign inject_clr_o = inject_now;

  // with an offset, the request's last beat still holds a word of its own when the
  // request has as many words as beats
  logic needs_tail;
  assign needs_tail = info_words == info_beats;

  logic        out_valid_d, out_last_d;
  logic [63:0] out_d;
  logic        hold_valid_d, tail_d;
  logic [63:0] hold_d;
  logic [23:0] beats_seen_d;
  always_comb begin
    out_valid_d  = out_valid_q;
    out_last_d   = out_last_q;
    out_d        = out_q;
    hold_valid_d = hold_valid_q;
    hold_d       = hold_q;
    tail_d       = tail_q;
    beats_seen_d = beats_seen_q;
    if (flush_i) begin
      out_valid_d  = 1'b0;
      hold_valid_d = 1'b0;
      tail_d       = 1'b0;
      beats_seen_d = 24'd0;
    end else begin
      if (out_valid_q && data_ready_i) out_valid_d = 1'b0;
      if (tail_q && out_free) begin
        out_valid_d  = 1'b1;
        out_d        = tail_word;
        out_last_d   = 1'b1;
        tail_d       = 1'b0;
        hold_valid_d = 1'b0;
      end else if (data_fire) begin
        if (info_off == 3'd0) begin
          out_valid_d = 1'b1;
          out_d       = m_rdata_i;
          out_last_d  = req_last_beat;
        end else if (!hold_valid_q) begin
          hold_d       = m_rdata_i;
          hold_valid_d = 1'b1;
          if (req_last_beat) tail_d = 1'b1;  // a request inside one beat
        end else begin
          out_valid_d = 1'b1;
          out_d       = joined;
          out_last_d  = req_last_beat && !needs_tail;
          hold_d      = m_rdata_i;
          if (req_last_beat) begin
            if (needs_tail) tail_d = 1'b1;
            else hold_valid_d = 1'b0;
          end
        end
        beats_seen_d = req_last_beat ? 24'd0 : beats_seen_q + 24'd1;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      out_valid_q  <= 1'b0;
      out_last_q   <= 1'b0;
      out_q        <= 64'd0;
      hold_valid_q <= 1'b0;
      hold_q       <= 64'd0;
      tail_q       <= 1'b0;
      beats_seen_q <= 24'd0;
    end else begin
      out_valid_q  <= out_valid_d;
      out_last_q   <= out_last_d;
      out_q        <= out_d;
      hold_valid_q <= hold_valid_d;
      hold_q       <= hold_d;
      tail_q       <= tail_d;
      beats_seen_q <= beats_seen_d;
    end
  end
  // info pops when the request's last word leaves the realigner
  assign info_pop = (tail_q && out_free) ||
                    (data_fire && req_last_beat &&
                     (info_off == 3'd0 || (hold_valid_q && !needs_tail)));

  assign data_valid_o = out_valid_q;
  assign data_o       = out_q;
  assign data_last_o  = out_last_q;

  assign walk_data_valid_o = r_fire && beat_walk && bf_epoch == epoch_q;
  assign walk_data_o       = m_rdata_i;
  assign walk_err_o        = m_rresp_i[1];

  // ---- errors
  logic        err_q;
  logic [63:0] err_addr_q;
  logic        err_d;
  logic [63:0] err_addr_d;
  always_comb begin
    err_d      = err_q;
    err_addr_d = err_addr_q;
    if (flush_i) begin
      err_d = 1'b0;
    end else if (!err_q && data_fire && (m_rresp_i[1] || inject_err_i)) begin
      err_d      = 1'b1;
      err_addr_d = bf_addr;
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

  assign idle_o       = outstanding_q == '0 && !ar_valid_q;
  assign perf_bytes_o = r_fire ? 4'd8 : 4'd0;

  logic unused;
  assign unused = ^{m_rid_i, pair[127:64], walk_addr_i[2:0], m_rresp_i[0]};
endmodule
