// SPDX-License-Identifier: MIT
// fpq_tile_engine: runs one GEMM operation on the systolic array.
//
// At start it sizes the work: row and column tiles, and whether a whole row of K fits an
// operand slot (resident: up to P_MAX row tiles of A stay in a slot while every column
// tile of B streams past, so B is fetched once per P row tiles) or K must be streamed in
// chunks. Then the scheduler's loads (fpq_te_loader) and compute steps (fpq_te_feed) run
// concurrently on double-buffered operand banks, and fpq_te_out turns the array's
// results into C. done_o pulses when every tile is written (the bus may still owe write
// responses: the command processor waits for those).
`include "fpq_assert.svh"

module fpq_tile_engine #(
  parameter int unsigned ROWS = 8,
  parameter int unsigned COLS = 8,
  parameter logic [15:0] FORMATS = 16'h00FE,
  parameter int unsigned SLOT_WORDS = 512,   // per bank and slot: 8-byte words
  parameter int unsigned P_MAX = 8,
  // Build the ABFT checker (fpq_abft) and the PE fault injector's hooks in the array.
  parameter bit          ABFT = 1'b1,
  parameter bit          FAULT_INJECT = 1'b0
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic                 flush_i,
  input  logic                 start_i,
  input  fpq_hw_pkg::op_desc_t op_i,
  input  logic                 abft_i,       // CONTROL.ABFT, sampled at start_i
  output logic                 done_o,
  output logic                 idle_o,
  output logic [31:0]          clamped_o,
  output logic [31:0]          saturated_o,
  output logic [31:0]          nan_to_zero_o,
  output logic [31:0]          overflowed_o,
  output logic [63:0]          macs_o,
  output logic [10:0]          perf_macs_o,
  output logic                 perf_stall_o,
  // ABFT: tiles checked and failed (one-cycle pulses); a failure since the operation
  // started (until flush_i) and its tile (ERR_ADDR of ERR_CHECKSUM)
  output logic                 perf_abft_tile_o,
  output logic                 perf_abft_fail_o,
  output logic                 abft_err_o,
  output logic [63:0]          abft_addr_o,
  // the PE fault injector (fpq_array's fault_* inputs; FAULT_INJECT builds)
  input  logic                 fault_valid_i,
  input  logic [7:0]           fault_row_i,
  input  logic [7:0]           fault_col_i,
  input  logic [5:0]           fault_bit_i,
  input  logic [1:0]           fault_target_i,
  input  logic                 fault_stuck_i,
  input  logic                 fault_value_i,
  // DMA reads and writes (device virtual addresses)
  output logic                 rd_req_valid_o,
  input  logic                 rd_req_ready_i,
  output logic [63:0]          rd_req_addr_o,
  output logic [23:0]          rd_req_len_o,
  input  logic                 rd_data_valid_i,
  input  logic [63:0]          rd_data_i,
  input  logic                 rd_data_last_i,
  output logic                 wr_req_valid_o,
  input  logic                 wr_req_ready_i,
  output logic [63:0]          wr_req_addr_o,
  output logic [23:0]          wr_req_len_o,
  output logic                 wr_data_valid_o,
  input  logic                 wr_data_ready_i,
  output logic [63:0]          wr_data_o
);
  localparam int unsigned SC_SLOT_WORDS = SLOT_WORDS / 8;
  localparam int unsigned WA = $clog2(2 * SLOT_WORDS);
  localparam int unsigned WS = $clog2(2 * SC_SLOT_WORDS);
  localparam int unsigned RL = $clog2(ROWS);
  localparam int unsigned CL = $clog2(COLS);
  // chunk lengths when K is streamed: a power of two whose bytes fit a slot
  localparam int unsigned KC8 = SLOT_WORDS * 8;      // 8-bit and 6-bit elements
  localparam int unsigned KC4 = SLOT_WORDS * 16;     // 4-bit elements

  // ---- the operation, and its sizes
  fpq_hw_pkg::op_desc_t op_q;
  logic [5:0]  bits_a, bits_b;
  assign bits_a = fpq_hw_pkg::fmt_bits(op_q.op.fmt_a);
  assign bits_b = fpq_hw_pkg::fmt_bits(op_q.op.fmt_b);

  typedef enum logic [1:0] {S_IDLE, S_SIZE, S_RUN} state_e;
  state_e state_q;
  logic [15:0] mt_q, nt_q;
  logic [3:0]  p_q;
  logic [6:0]  nk_q;
  logic [16:0] kc_q;
  logic        sched_start_q;
  logic [31:0] tiles_q;
  logic        abft_q;   // check this operation's tiles

  logic [9:0]  words_a, words_b;
  logic        resident;
  assign words_a  = 10'((fpq_te_pkg::elem_bytes(bits_a, op_q.k[16:0]) + 20'd7) >> 3);
  assign words_b  = 10'((fpq_te_pkg::elem_bytes(bits_b, op_q.k[16:0]) + 20'd7) >> 3);
  assign resident = 32'(fpq_te_pkg::elem_bytes(bits_a, op_q.k[16:0])) <= 32'(SLOT_WORDS * 8) &&
                    32'(fpq_te_pkg::elem_bytes(bits_b, op_q.k[16:0])) <= 32'(SLOT_WORDS * 8);

  // the smaller chunk of the two operands (both powers of two)
  logic        kc4;
  logic [16:0] kc_stream;
  logic [6:0]  nk_stream;
  assign kc4       = bits_a == 6'd4 && bits_b == 6'd4;
  assign kc_stream = kc4 ? 17'(KC4) : 17'(KC8);
  assign nk_stream = kc4 ? 7'((op_q.k + 32'(KC4 - 1)) >> $clog2(KC4))
                         : 7'((op_q.k + 32'(KC8 - 1)) >> $clog2(KC8));

  // ---- next state
  fpq_hw_pkg::op_desc_t op_d;
  state_e      state_d;
  logic [15:0] mt_d, nt_d;
  logic [3:0]  p_d;
  logic [6:0]  nk_d;
  logic [16:0] kc_d;
  logic        sched_start_d;
  logic [31:0] tiles_d;

  always_comb begin
    state_d       = state_q;
    op_d          = op_q;
    mt_d          = mt_q;
    nt_d          = nt_q;
    p_d           = p_q;
    nk_d          = nk_q;
    kc_d          = kc_q;
    sched_start_d = 1'b0;
    tiles_d       = tiles_q;
    if (flush_i) begin
      state_d = S_IDLE;
    end else begin
      unique case (state_q)
        S_IDLE: if (start_i) begin
          op_d    = op_i;
          mt_d    = 16'((op_i.m + ROWS - 1) >> RL);
          nt_d    = 16'((op_i.n + COLS - 1) >> CL);
          p_d     = 4'd1;
          state_d = S_SIZE;
        end
        S_SIZE: begin
          tiles_d = 32'(mt_q) * 32'(nt_q);
          if (!resident) begin
            kc_d          = kc_stream;
            nk_d          = nk_stream;
            sched_start_d = 1'b1;
            state_d       = S_RUN;
          end else if (p_q < 4'(P_MAX) && 16'(p_q) < mt_q && !op_q.flags.c_scales &&
                       (32'(p_q) + 32'd1) * 32'(words_a) <= 32'(SLOT_WORDS)) begin
            p_d = p_q + 4'd1;   // one more row tile of A fits the slot
          end else begin
            kc_d          = op_q.k[16:0];
            nk_d          = 7'd1;
            sched_start_d = 1'b1;
            state_d       = S_RUN;
          end
        end
        S_RUN: if (done_o) state_d = S_IDLE;
        default: state_d = S_IDLE;
      endcase
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) abft_q <= 1'b0;
    else if (start_i && state_q == S_IDLE)
      abft_q <= abft_i && op_i.op.fmt_a == fpq_hw_pkg::FMT_INT8;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q       <= S_IDLE;
      op_q          <= '0;
      mt_q          <= 16'd0;
      nt_q          <= 16'd0;
      p_q           <= 4'd1;
      nk_q          <= 7'd1;
      kc_q          <= 17'd0;
      sched_start_q <= 1'b0;
      tiles_q       <= 32'd0;
    end else begin
      state_q       <= state_d;
      op_q          <= op_d;
      mt_q          <= mt_d;
      nt_q          <= nt_d;
      p_q           <= p_d;
      nk_q          <= nk_d;
      kc_q          <= kc_d;
      sched_start_q <= sched_start_d;
      tiles_q       <= tiles_d;
    end
  end

  // ---- scheduler
  logic ld_valid, ld_ready, cp_valid, cp_ready, sched_busy;
  fpq_te_pkg::ld_t ld;
  fpq_te_pkg::cp_t cp;
  logic lq_empty, lq_full, cq_empty, cq_full;
  fpq_te_pkg::ld_t lq;
  fpq_te_pkg::cp_t cq;
  logic lq_pop, cq_pop;

  fpq_te_sched #(.ROWS(ROWS), .COLS(COLS)) u_sched (
    .clk_i, .rst_ni, .flush_i, .start_i(sched_start_q),
    .m_i(op_q.m), .n_i(op_q.n), .k_i(op_q.k), .mt_i(mt_q), .nt_i(nt_q), .p_i(p_q),
    .nk_i(nk_q), .kc_i(kc_q),
    .ld_valid_o(ld_valid), .ld_ready_i(ld_ready), .ld_o(ld),
    .cp_valid_o(cp_valid), .cp_ready_i(cp_ready), .cp_o(cp), .busy_o(sched_busy)
  );
  fpq_fifo #(.WIDTH($bits(ld)), .DEPTH(4)) u_ldq (
    .clk_i, .rst_ni, .flush_i, .push_i(ld_valid && ld_ready), .wdata_i(ld), .full_o(lq_full),
    .pop_i(lq_pop), .rdata_o(lq), .empty_o(lq_empty), .count_o()
  );
  fpq_fifo #(.WIDTH($bits(cp)), .DEPTH(4)) u_cpq (
    .clk_i, .rst_ni, .flush_i, .push_i(cp_valid && cp_ready), .wdata_i(cp), .full_o(cq_full),
    .pop_i(cq_pop), .rdata_o(cq), .empty_o(cq_empty), .count_o()
  );
  assign ld_ready = !lq_full;
  assign cp_ready = !cq_full;

  // ---- operand banks
  logic [ROWS-1:0] a_we, sa_we;
  logic [COLS-1:0] b_we, sb_we;
  logic [WA-1:0]   bank_waddr, a_raddr, b_raddr;
  logic [WS-1:0]   sa_raddr, sb_raddr;
  logic [63:0]     bank_wdata;
  logic [ROWS*64-1:0] a_rdata, sa_rdata;
  logic [COLS*64-1:0] b_rdata, sb_rdata;

  for (genvar r = 0; r < ROWS; r++) begin : g_a_bank
    fpq_ram #(.WIDTH(64), .DEPTH(2 * SLOT_WORDS)) u_a (
      .clk_i, .we_i(a_we[r]), .waddr_i(bank_waddr), .wdata_i(bank_wdata),
      .raddr_i(a_raddr), .rdata_o(a_rdata[64*r +: 64])
    );
    fpq_ram #(.WIDTH(64), .DEPTH(2 * SC_SLOT_WORDS)) u_sa (
      .clk_i, .we_i(sa_we[r]), .waddr_i(bank_waddr[WS-1:0]), .wdata_i(bank_wdata),
      .raddr_i(sa_raddr), .rdata_o(sa_rdata[64*r +: 64])
    );
  end
  for (genvar c = 0; c < COLS; c++) begin : g_b_bank
    fpq_ram #(.WIDTH(64), .DEPTH(2 * SLOT_WORDS)) u_b (
      .clk_i, .we_i(b_we[c]), .waddr_i(bank_waddr), .wdata_i(bank_wdata),
      .raddr_i(b_raddr), .rdata_o(b_rdata[64*c +: 64])
    );
    fpq_ram #(.WIDTH(64), .DEPTH(2 * SC_SLOT_WORDS)) u_sb (
      .clk_i, .we_i(sb_we[c]), .waddr_i(bank_waddr[WS-1:0]), .wdata_i(bank_wdata),
      .raddr_i(sb_raddr), .rdata_o(sb_rdata[64*c +: 64])
    );
  end

  // ---- loader
  logic [1:0] a_filled, b_filled, p_filled;
  logic rel_a, rel_a_slot, rel_b, rel_b_slot, rel_p, rel_p_slot;
  logic p_slot;
  logic [CL-1:0] p_col;
  logic [31:0] alpha, beta, bias, mult, oscale;
  logic [7:0]  shift;
  logic        loader_busy;

  assign lq_pop = !lq_empty && loader_ready;
  logic loader_ready;
  fpq_te_loader #(.ROWS(ROWS), .COLS(COLS), .SLOT_WORDS(SLOT_WORDS),
                  .SC_SLOT_WORDS(SC_SLOT_WORDS)) u_loader (
    .clk_i, .rst_ni, .flush_i, .op_i(op_q), .bits_a_i(bits_a), .bits_b_i(bits_b),
    .ld_valid_i(!lq_empty), .ld_ready_o(loader_ready), .ld_i(lq),
    .a_filled_o(a_filled), .b_filled_o(b_filled), .p_filled_o(p_filled),
    .rel_a_i(rel_a), .rel_a_slot_i(rel_a_slot), .rel_b_i(rel_b), .rel_b_slot_i(rel_b_slot),
    .rel_p_i(rel_p), .rel_p_slot_i(rel_p_slot),
    .rd_req_valid_o, .rd_req_ready_i, .rd_req_addr_o, .rd_req_len_o,
    .rd_data_valid_i, .rd_data_i, .rd_data_last_i,
    .a_we_o(a_we), .sa_we_o(sa_we), .b_we_o(b_we), .sb_we_o(sb_we),
    .waddr_o(bank_waddr), .wdata_o(bank_wdata),
    .p_slot_i(p_slot), .p_col_i(p_col), .alpha_o(alpha), .beta_o(beta), .bias_o(bias),
    .mult_o(mult), .shift_o(shift), .oscale_o(oscale), .busy_o(loader_busy)
  );

  // ---- feeder and array
  logic arr_in_valid, arr_in_ready, arr_blk_last, arr_tile_last;
  logic [ROWS*8-1:0] arr_a, arr_sa;
  logic [COLS*8-1:0] arr_b, arr_sb;
  logic arr_out_valid, arr_out_last;
  logic [ROWS*32-1:0] arr_c;
  logic tag_valid, credit_ok, feed_busy;
  fpq_te_pkg::tag_t tag;
  logic [10:0] feed_macs;
  logic [5:0]  arr_rows, arr_cols;

  fpq_te_feed #(.ROWS(ROWS), .COLS(COLS), .SLOT_WORDS(SLOT_WORDS),
                .SC_SLOT_WORDS(SC_SLOT_WORDS)) u_feed (
    .clk_i, .rst_ni, .flush_i, .bits_a_i(bits_a), .bits_b_i(bits_b),
    .a_scales_i(op_q.flags.a_scales), .b_scales_i(op_q.flags.b_scales),
    .cp_valid_i(!cq_empty), .cp_ready_o(feed_ready), .cp_i(cq),
    .a_filled_i(a_filled), .b_filled_i(b_filled),
    .rel_a_o(rel_a), .rel_a_slot_o(rel_a_slot), .rel_b_o(rel_b), .rel_b_slot_o(rel_b_slot),
    .credit_ok_i(credit_ok),
    .a_raddr_o(a_raddr), .a_rdata_i(a_rdata), .b_raddr_o(b_raddr), .b_rdata_i(b_rdata),
    .sa_raddr_o(sa_raddr), .sa_rdata_i(sa_rdata), .sb_raddr_o(sb_raddr), .sb_rdata_i(sb_rdata),
    .arr_valid_o(arr_in_valid), .arr_ready_i(arr_in_ready), .arr_block_last_o(arr_blk_last),
    .arr_tile_last_o(arr_tile_last), .arr_a_o(arr_a), .arr_b_o(arr_b), .arr_sa_o(arr_sa),
    .arr_sb_o(arr_sb), .arr_rows_o(arr_rows), .arr_cols_o(arr_cols),
    .tag_valid_o(tag_valid), .tag_o(tag),
    .macs_o(feed_macs), .stall_o(perf_stall_o), .busy_o(feed_busy)
  );
  logic feed_ready;
  assign cq_pop = !cq_empty && feed_ready;

  // The array has no abort: a flush resets it (one cycle late, from a register).
  logic arr_rst_nq;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) arr_rst_nq <= 1'b0;
    else arr_rst_nq <= !flush_i;
  end

  fpq_array #(.ROWS(ROWS), .COLS(COLS), .FORMATS(FORMATS), .FAULT_INJECT(FAULT_INJECT)) u_array (
    .clk_i, .rst_ni(arr_rst_nq),
    .in_valid_i(arr_in_valid), .in_ready_o(arr_in_ready), .in_block_last_i(arr_blk_last),
    .in_tile_last_i(arr_tile_last), .in_fmt_a_i(op_q.op.fmt_a[3:0]),
    .in_fmt_b_i(op_q.op.fmt_b[3:0]), .in_zero_point_i(op_q.a_zero[7:0]),
    .in_a_i(arr_a), .in_b_i(arr_b), .in_scale_a_i(arr_sa), .in_scale_b_i(arr_sb),
    .out_valid_o(arr_out_valid), .out_last_o(arr_out_last), .out_c_o(arr_c),
    .fault_valid_i, .fault_row_i, .fault_col_i, .fault_bit_i, .fault_target_i,
    .fault_stuck_i, .fault_value_i
  );

  // ---- ABFT: the results reach the output stage through the checker (one cycle late)
  logic               chk_valid, chk_last;
  logic [ROWS*32-1:0] chk_c;
  if (ABFT) begin : g_abft
    fpq_abft #(.ROWS(ROWS), .COLS(COLS)) u_abft (
      .clk_i, .rst_ni, .flush_i, .en_i(abft_q), .zero_point_i(op_q.a_zero[7:0]),
      .in_accept_i(arr_in_valid && arr_in_ready), .in_tile_last_i(arr_tile_last),
      .in_a_i(arr_a), .in_b_i(arr_b), .in_rows_i(arr_rows), .in_cols_i(arr_cols),
      .in_row0_i(tag.row0), .in_col0_i(tag.col0),
      .arr_valid_i(arr_out_valid), .arr_last_i(arr_out_last), .arr_c_i(arr_c),
      .out_valid_o(chk_valid), .out_last_o(chk_last), .out_c_o(chk_c),
      .tile_o(perf_abft_tile_o), .fail_o(perf_abft_fail_o), .err_o(abft_err_o),
      .err_addr_o(abft_addr_o)
    );
  end else begin : g_no_abft
    assign chk_valid        = arr_out_valid;
    assign chk_last         = arr_out_last;
    assign chk_c            = arr_c;
    assign perf_abft_tile_o = 1'b0;
    assign perf_abft_fail_o = 1'b0;
    assign abft_err_o       = 1'b0;
    assign abft_addr_o      = 64'd0;
    logic unused_abft;
    assign unused_abft = ^{abft_q, arr_rows, arr_cols};
  end

  // ---- output stage
  logic [31:0] tags;
  logic        out_idle;
  fpq_te_out #(.ROWS(ROWS), .COLS(COLS)) u_out (
    .clk_i, .rst_ni, .flush_i, .start_i(sched_start_q), .op_i(op_q),
    .arr_valid_i(chk_valid), .arr_last_i(chk_last), .arr_c_i(chk_c),
    .tag_valid_i(tag_valid), .tag_i(tag), .credit_ok_o(credit_ok),
    .p_filled_i(p_filled), .p_slot_o(p_slot), .p_col_o(p_col),
    .alpha_i(alpha), .beta_i(beta), .bias_i(bias), .mult_i(mult), .shift_i(shift),
    .oscale_i(oscale), .rel_p_o(rel_p), .rel_p_slot_o(rel_p_slot),
    .wr_req_valid_o, .wr_req_ready_i, .wr_req_addr_o, .wr_req_len_o,
    .wr_data_valid_o, .wr_data_ready_i, .wr_data_o,
    .tags_o(tags), .clamped_o(clamped_o), .saturated_o(saturated_o),
    .nan_to_zero_o(nan_to_zero_o), .overflowed_o(overflowed_o), .idle_o(out_idle)
  );

  // ---- completion and statistics
  assign done_o = state_q == S_RUN && !sched_start_q && !sched_busy && lq_empty && cq_empty &&
                  !loader_busy && !feed_busy && out_idle && tags == tiles_q;
  assign idle_o = state_q == S_IDLE;

  logic [63:0] macs_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) macs_q <= 64'd0;
    else if (start_i && state_q == S_IDLE) macs_q <= 64'd0;
    else macs_q <= macs_q + 64'(feed_macs);
  end
  assign macs_o      = macs_q;
  assign perf_macs_o = feed_macs;

  logic unused;
  assign unused = ^{words_b, lq_full, cq_full};

  // tiles are addressed by shifts (ROWS and COLS powers of two); a row or column tile
  // fits the 5-bit bank lanes of the loader; streamed chunks are powers of two; P fits 4
  // bits
  `FPQ_ASSERT_INIT(RowsPowerOfTwo, ROWS >= 2 && ROWS <= 32 && (ROWS & (ROWS - 1)) == 0)
  `FPQ_ASSERT_INIT(ColsPowerOfTwo, COLS >= 2 && COLS <= 32 && (COLS & (COLS - 1)) == 0)
  `FPQ_ASSERT_INIT(SlotWordsPowerOfTwo, SLOT_WORDS >= 8 && (SLOT_WORDS & (SLOT_WORDS - 1)) == 0)
  `FPQ_ASSERT_INIT(PMaxFits, P_MAX >= 1 && P_MAX <= 15)
  // an operation starts only when the engine is idle, and ends once
  `FPQ_ASSERT(StartWhenIdle, start_i |-> state_q == S_IDLE)
  `FPQ_ASSERT(DoneOnce, done_o |=> !done_o)
  // the feeder's tag of a finished tile comes with the tile's last beat (fpq_abft takes
  // the tile's first row and column from it)
  `FPQ_ASSERT(TagWithTileLast,
              !flush_i |-> tag_valid == (arr_in_valid && arr_in_ready && arr_tile_last))
  `FPQ_ASSERT_KNOWN(OutputsKnown, {done_o, idle_o, rd_req_valid_o, wr_req_valid_o,
                                   wr_data_valid_o, perf_stall_o})
endmodule
