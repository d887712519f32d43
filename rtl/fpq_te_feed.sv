// SPDX-License-Identifier: MIT
// fpq_te_feed: runs compute steps on the array.
//
// A step waits for its A and B slots to be filled (and, when it ends a tile, for the
// output stage to have room for one more tile), starts the four bank streams (A and B
// elements, A and B scales), then sends one beat per element of the chunk: ROWS A codes,
// COLS B codes, block ends every 32 elements and at the end of K, the tile end on the
// last beat of the last chunk, the block's E8M0 scales (127 without scales). At the end
// of the step it frees the slots it was the last user of; a finished tile's position
// goes to the output stage.
`include "fpq_assert.svh"

module fpq_te_feed #(
  parameter int unsigned ROWS = 8,
  parameter int unsigned COLS = 8,
  parameter int unsigned SLOT_WORDS = 512,
  parameter int unsigned SC_SLOT_WORDS = 64
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic                 flush_i,
  input  logic [5:0]           bits_a_i,
  input  logic [5:0]           bits_b_i,
  input  logic                 a_scales_i,
  input  logic                 b_scales_i,
  // compute steps
  input  logic                 cp_valid_i,
  output logic                 cp_ready_o,
  input  fpq_te_pkg::cp_t      cp_i,
  // slots
  input  logic [1:0]           a_filled_i,
  input  logic [1:0]           b_filled_i,
  output logic                 rel_a_o,
  output logic                 rel_a_slot_o,
  output logic                 rel_b_o,
  output logic                 rel_b_slot_o,
  input  logic                 credit_ok_i,
  // operand banks
  output logic [$clog2(2*SLOT_WORDS)-1:0]    a_raddr_o,
  input  logic [ROWS*64-1:0]                 a_rdata_i,
  output logic [$clog2(2*SLOT_WORDS)-1:0]    b_raddr_o,
  input  logic [COLS*64-1:0]                 b_rdata_i,
  output logic [$clog2(2*SC_SLOT_WORDS)-1:0] sa_raddr_o,
  input  logic [ROWS*64-1:0]                 sa_rdata_i,
  output logic [$clog2(2*SC_SLOT_WORDS)-1:0] sb_raddr_o,
  input  logic [COLS*64-1:0]                 sb_rdata_i,
  // array
  output logic                 arr_valid_o,
  input  logic                 arr_ready_i,
  output logic                 arr_block_last_o,
  output logic                 arr_tile_last_o,
  output logic [ROWS*8-1:0]    arr_a_o,
  output logic [COLS*8-1:0]    arr_b_o,
  output logic [ROWS*8-1:0]    arr_sa_o,
  output logic [COLS*8-1:0]    arr_sb_o,
  // finished tiles
  output logic [5:0]           arr_rows_o,      // valid rows and columns of the beat's tile
  output logic [5:0]           arr_cols_o,
  output logic                 tag_valid_o,
  output fpq_te_pkg::tag_t     tag_o,
  // statistics
  output logic [10:0]          macs_o,
  output logic                 stall_o,
  output logic                 busy_o
);
  localparam int unsigned WA = $clog2(2 * SLOT_WORDS);
  localparam int unsigned WS = $clog2(2 * SC_SLOT_WORDS);

  typedef enum logic [1:0] {S_IDLE, S_WAIT, S_START, S_RUN} state_e;
  state_e state_q;
  fpq_te_pkg::cp_t st_q;
  logic  a_slot_q, b_slot_q, p_slot_q;
  logic [16:0] k_q;

  // words per row of this chunk (the loader lays rows out the same way)
  logic [9:0] a_words, sa_words;
  assign a_words  = 10'((fpq_te_pkg::elem_bytes(bits_a_i, st_q.klen) + 20'd7) >> 3);
  assign sa_words = 10'(((20'(st_q.klen) >> 5) + 20'd7) >> 3);

  logic [WA-1:0] a_base, b_base;
  logic [WS-1:0] sa_base, sb_base;
  assign a_base  = (a_slot_q ? WA'(SLOT_WORDS) : '0) + WA'(st_q.t) * WA'(a_words);
  assign b_base  = b_slot_q ? WA'(SLOT_WORDS) : '0;
  assign sa_base = (a_slot_q ? WS'(SC_SLOT_WORDS) : '0) + WS'(st_q.t) * WS'(sa_words);
  assign sb_base = b_slot_q ? WS'(SC_SLOT_WORDS) : '0;

  logic start, beat, blk_last, last_beat;
  logic a_rdy, b_rdy, sa_rdy, sb_rdy;
  assign start     = state_q == S_START;
  assign last_beat = k_q + 17'd1 == st_q.klen;
  assign blk_last  = k_q[4:0] == 5'd31 || (last_beat && st_q.last);
  assign arr_valid_o = state_q == S_RUN && a_rdy && b_rdy && sa_rdy && sb_rdy;
  assign beat        = arr_valid_o && arr_ready_i;
  assign arr_block_last_o = blk_last;
  assign arr_tile_last_o  = last_beat && st_q.last;
  assign arr_rows_o       = st_q.rows;
  assign arr_cols_o       = st_q.cols;

  logic [ROWS*8-1:0] sa_codes;
  logic [COLS*8-1:0] sb_codes;

  fpq_te_stream #(.LANES(ROWS), .WA(WA)) u_a (
    .clk_i, .rst_ni, .flush_i, .start_i(start), .base_i(a_base), .bits_i(bits_a_i),
    .adv_i(beat), .ready_o(a_rdy), .raddr_o(a_raddr_o), .rdata_i(a_rdata_i), .code_o(arr_a_o)
  );
  fpq_te_stream #(.LANES(COLS), .WA(WA)) u_b (
    .clk_i, .rst_ni, .flush_i, .start_i(start), .base_i(b_base), .bits_i(bits_b_i),
    .adv_i(beat), .ready_o(b_rdy), .raddr_o(b_raddr_o), .rdata_i(b_rdata_i), .code_o(arr_b_o)
  );
  fpq_te_stream #(.LANES(ROWS), .WA(WS)) u_sa (
    .clk_i, .rst_ni, .flush_i, .start_i(start), .base_i(sa_base), .bits_i(6'd8),
    .adv_i(beat && blk_last), .ready_o(sa_rdy), .raddr_o(sa_raddr_o), .rdata_i(sa_rdata_i),
    .code_o(sa_codes)
  );
  fpq_te_stream #(.LANES(COLS), .WA(WS)) u_sb (
    .clk_i, .rst_ni, .flush_i, .start_i(start), .base_i(sb_base), .bits_i(6'd8),
    .adv_i(beat && blk_last), .ready_o(sb_rdy), .raddr_o(sb_raddr_o), .rdata_i(sb_rdata_i),
    .code_o(sb_codes)
  );
  assign arr_sa_o = a_scales_i ? sa_codes : {ROWS{8'd127}};
  assign arr_sb_o = b_scales_i ? sb_codes : {COLS{8'd127}};

  logic step_end;
  assign step_end   = beat && last_beat;
  assign cp_ready_o = state_q == S_IDLE && !flush_i;

  // ---- next state
  state_e          state_d;
  fpq_te_pkg::cp_t st_d;
  logic            a_slot_d, b_slot_d, p_slot_d;
  logic [16:0]     k_d;

  always_comb begin
    state_d  = state_q;
    st_d     = st_q;
    a_slot_d = a_slot_q;
    b_slot_d = b_slot_q;
    p_slot_d = p_slot_q;
    k_d      = k_q;
    if (flush_i) begin
      state_d  = S_IDLE;
      a_slot_d = 1'b0;
      b_slot_d = 1'b0;
      p_slot_d = 1'b0;
    end else begin
      unique case (state_q)
        S_IDLE: if (cp_valid_i) begin
          st_d    = cp_i;
          state_d = S_WAIT;
        end
        S_WAIT: if (a_filled_i[a_slot_q] && b_filled_i[b_slot_q] && (!st_q.last || credit_ok_i)) begin
          k_d     = 17'd0;
          state_d = S_START;
        end
        S_START: state_d = S_RUN;
        S_RUN: if (beat) begin
          k_d = k_q + 17'd1;
          if (last_beat) begin
            state_d = S_IDLE;
            if (st_q.rel_a) a_slot_d = !a_slot_q;
            if (st_q.rel_b) b_slot_d = !b_slot_q;
            if (st_q.last && st_q.rel_p) p_slot_d = !p_slot_q;
          end
        end
        default: state_d = S_IDLE;
      endcase
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q  <= S_IDLE;
      st_q     <= '0;
      a_slot_q <= 1'b0;
      b_slot_q <= 1'b0;
      p_slot_q <= 1'b0;
      k_q      <= 17'd0;
    end else begin
      state_q  <= state_d;
      st_q     <= st_d;
      a_slot_q <= a_slot_d;
      b_slot_q <= b_slot_d;
      p_slot_q <= p_slot_d;
      k_q      <= k_d;
    end
  end

  assign rel_a_o      = step_end && st_q.rel_a && !flush_i;
  assign rel_a_slot_o = a_slot_q;
  assign rel_b_o      = step_end && st_q.rel_b && !flush_i;
  assign rel_b_slot_o = b_slot_q;

  assign tag_valid_o = step_end && st_q.last && !flush_i;
  always_comb begin
    tag_o        = '0;
    tag_o.row0   = st_q.row0;
    tag_o.rows   = st_q.rows;
    tag_o.col0   = st_q.col0;
    tag_o.cols   = st_q.cols;
    tag_o.p_slot = p_slot_q;
    tag_o.rel_p  = st_q.rel_p;
  end

  assign macs_o  = beat ? 11'(st_q.rows) * 11'(st_q.cols) : 11'd0;
  assign stall_o = state_q != S_IDLE && !beat;
  assign busy_o  = state_q != S_IDLE;

  logic unused;
  assign unused = ^{st_q.first, a_words[9], sa_words[9:7]};

  // a step has elements; its slots stay filled (nobody frees or refills them) while it
  // runs; a tile ends only with room for its results in the output stage
  `FPQ_ASSERT(StepNotEmpty, cp_valid_i && cp_ready_o |-> cp_i.klen != 17'd0)
  `FPQ_ASSERT(SlotsFilledWhileRunning,
              state_q == S_RUN |-> a_filled_i[a_slot_q] && b_filled_i[b_slot_q])
  `FPQ_ASSERT(BeatWithinStep, state_q == S_RUN |-> k_q < st_q.klen)
  `FPQ_ASSERT(TileEndHasCredit, arr_valid_o && arr_tile_last_o |-> credit_ok_i)
  `FPQ_ASSERT_KNOWN(OutputsKnown, {cp_ready_o, arr_valid_o, tag_valid_o, rel_a_o, rel_b_o, busy_o})
endmodule
