// SPDX-License-Identifier: MIT
// fpq_te_loader: moves operands from host memory into the operand buffers.
//
// A load command fills one slot: LD_A the rows of an A block (row r into bank r mod ROWS,
// row tile r / ROWS after the previous one), LD_B the rows of a B tile (row c into bank
// c), with their E8M0 scale rows into the scale banks; LD_P the per-channel arrays of a
// column tile into parameter registers (defaults where an array is absent, one value
// copied to every column when broadcast). Each row is one DMA read of the chunk's bytes;
// the reads of one load and the next are pipelined, and a route FIFO tells each data word
// where it goes. A slot is free, then loading, then filled; the compute side (or, for
// parameters, the output stage) frees it again.
`include "fpq_assert.svh"

module fpq_te_loader #(
  parameter int unsigned ROWS = 8,
  parameter int unsigned COLS = 8,
  parameter int unsigned SLOT_WORDS = 512,
  parameter int unsigned SC_SLOT_WORDS = 64
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic                 flush_i,
  input  fpq_hw_pkg::op_desc_t op_i,
  input  logic [5:0]           bits_a_i,
  input  logic [5:0]           bits_b_i,
  // load commands
  input  logic                 ld_valid_i,
  output logic                 ld_ready_o,
  input  fpq_te_pkg::ld_t      ld_i,
  // slots
  output logic [1:0]           a_filled_o,
  output logic [1:0]           b_filled_o,
  output logic [1:0]           p_filled_o,
  input  logic                 rel_a_i,
  input  logic                 rel_a_slot_i,
  input  logic                 rel_b_i,
  input  logic                 rel_b_slot_i,
  input  logic                 rel_p_i,
  input  logic                 rel_p_slot_i,
  // DMA reads (device virtual addresses)
  output logic                 rd_req_valid_o,
  input  logic                 rd_req_ready_i,
  output logic [63:0]          rd_req_addr_o,
  output logic [23:0]          rd_req_len_o,
  input  logic                 rd_data_valid_i,
  input  logic [63:0]          rd_data_i,
  input  logic                 rd_data_last_i,
  // operand and scale buffers: one address and data, a write enable per bank
  output logic [ROWS-1:0]      a_we_o,
  output logic [ROWS-1:0]      sa_we_o,
  output logic [COLS-1:0]      b_we_o,
  output logic [COLS-1:0]      sb_we_o,
  output logic [$clog2(2*SLOT_WORDS)-1:0] waddr_o,
  output logic [63:0]          wdata_o,
  // per-channel parameters of (slot, column)
  input  logic                 p_slot_i,
  input  logic [$clog2(COLS)-1:0] p_col_i,
  output logic [31:0]          alpha_o,
  output logic [31:0]          beta_o,
  output logic [31:0]          bias_o,
  output logic [31:0]          mult_o,
  output logic [7:0]           shift_o,
  output logic [31:0]          oscale_o,
  output logic                 busy_o
);
  localparam int unsigned WA = $clog2(2 * SLOT_WORDS);
  localparam int unsigned CW = $clog2(COLS);
  localparam int unsigned RW = $clog2(ROWS);

  // destinations of a route entry
  localparam logic [2:0] D_A = 3'd0, D_SA = 3'd1, D_B = 3'd2, D_SB = 3'd3, D_P = 3'd4;
  // parameter arrays
  localparam logic [2:0] P_ALPHA = 3'd0, P_BETA = 3'd1, P_BIAS = 3'd2, P_MULT = 3'd3,
                         P_SHIFT = 3'd4, P_OSCALE = 3'd5, P_NONE = 3'd7;

  fpq_hw_pkg::op_desc_flags_t fl;
  assign fl = op_i.flags;
  logic int8_path, out_int8, out_fp32;
  assign int8_path = op_i.op.fmt_a == fpq_hw_pkg::FMT_INT8;
  assign out_int8  = int8_path && op_i.op.fmt_c == fpq_hw_pkg::FMT_INT8;
  assign out_fp32  = int8_path && op_i.op.fmt_c == fpq_hw_pkg::FMT_FP32;

  // ---- slot states: 0 free, 1 loading, 2 filled
  logic [1:0] a_st_q [2];
  logic [1:0] b_st_q [2];
  logic [1:0] p_st_q [2];
  logic       a_w_q, b_w_q, p_w_q;    // next slot to fill per kind

  // ---- the load being issued
  typedef enum logic [1:0] {S_IDLE, S_WAIT, S_ISSUE} state_e;
  state_e state_q;
  fpq_te_pkg::ld_t ld_q;
  logic        slot_q;
  logic [8:0]  r_q;             // row (A/B) being issued
  logic        phase_q;         // 0: data row, 1: its scale row
  logic [2:0]  arr_q;           // LD_P: array being issued
  logic [63:0] row_addr_q, sc_addr_q;
  logic [19:0] row_bytes_q;
  logic [9:0]  row_words_q, sc_words_q;

  logic is_a, is_p;
  assign is_a = ld_q.kind == fpq_te_pkg::LD_A;
  assign is_p = ld_q.kind == fpq_te_pkg::LD_P;

  logic scales;
  assign scales = is_a ? fl.a_scales : fl.b_scales;

  // the next parameter array present at or after a
  function automatic logic [2:0] next_arr(input logic [2:0] a, input logic i8,
                                          input logic ha, input logic hb, input logic hbias,
                                          input logic oi8, input logic of32);
    logic [2:0] r;
    r = P_NONE;
    for (int x = 5; x >= 0; x--) begin
      if (3'(x) >= a) begin
        unique case (3'(x))
          P_ALPHA:  if (!i8 && ha) r = 3'(x);
          P_BETA:   if (!i8 && hb) r = 3'(x);
          P_BIAS:   if (i8 && hbias) r = 3'(x);
          P_MULT:   if (oi8) r = 3'(x);
          P_SHIFT:  if (oi8) r = 3'(x);
          default:  if (of32) r = 3'(x);
        endcase
      end
    end
    next_arr = r;
  endfunction

  logic [2:0] first_arr, after_arr;
  assign first_arr = next_arr(3'd0, int8_path, fl.has_alpha, fl.has_beta, fl.has_bias,
                              out_int8, out_fp32);
  assign after_arr = next_arr(arr_q + 3'd1, int8_path, fl.has_alpha, fl.has_beta,
                              fl.has_bias, out_int8, out_fp32);

  logic [63:0] arr_base;
  logic        arr_bcast;
  logic [2:0]  arr_shift;   // log2 bytes per element
  always_comb begin
    arr_base  = 64'd0;
    arr_bcast = 1'b0;
    arr_shift = 3'd2;
    unique case (arr_q)
      P_ALPHA:  begin arr_base = op_i.alpha_addr;     arr_bcast = fl.alpha_bcast;   end
      P_BETA:   begin arr_base = op_i.beta_addr;      arr_bcast = fl.beta_bcast;    end
      P_BIAS:   begin arr_base = op_i.bias_addr;                                    end
      P_MULT:   begin arr_base = op_i.mult_addr;      arr_bcast = fl.requant_bcast; end
      P_SHIFT:  begin arr_base = op_i.shift_addr;     arr_bcast = fl.requant_bcast;
                      arr_shift = 3'd0;                                             end
      default:  begin arr_base = op_i.out_scale_addr; arr_bcast = fl.scale_bcast;   end
    endcase
  end

  // ---- route FIFO: where the words of each issued read go
  typedef struct packed {
    logic [2:0]    dst;
    logic [4:0]    lane;      // bank (A/B rows) or parameter array
    logic [WA-1:0] base;      // first word address
    logic          bcast;
    logic          done;      // last read of its load
    logic [1:0]    kind;
    logic          slot;
  } route_t;

  route_t rt_in, rt_out;
  logic   rt_full, rt_empty, rt_pop;
  fpq_fifo #(.WIDTH($bits(rt_in)), .DEPTH(8)) u_route (
    .clk_i, .rst_ni, .flush_i,
    .push_i(rd_req_valid_o && rd_req_ready_i), .wdata_i(rt_in), .full_o(rt_full),
    .pop_i(rt_pop), .rdata_o(rt_out), .empty_o(rt_empty), .count_o()
  );

  // ---- issue
  logic [WA-1:0] slot_base, sc_slot_base;
  logic [8:0]    tile_of_row;
  assign slot_base    = slot_q ? WA'(SLOT_WORDS) : '0;
  assign sc_slot_base = slot_q ? WA'(SC_SLOT_WORDS) : '0;
  assign tile_of_row  = r_q >> RW;

  logic last_row;
  assign last_row = r_q + 9'd1 == ld_q.nrows;

  always_comb begin
    rd_req_valid_o = 1'b0;
    rd_req_addr_o  = 64'd0;
    rd_req_len_o   = 24'd0;
    rt_in          = '0;
    rt_in.kind     = ld_q.kind;
    rt_in.slot     = slot_q;
    if (state_q == S_ISSUE && !rt_full) begin
      rd_req_valid_o = 1'b1;
      if (is_p) begin
        rd_req_addr_o = arr_base + (arr_bcast ? 64'd0 : (64'(ld_q.row0) << arr_shift));
        rd_req_len_o  = arr_bcast ? (24'd1 << arr_shift) : (24'(ld_q.nrows) << arr_shift);
        rt_in.dst     = D_P;
        rt_in.lane    = {2'd0, arr_q};
        rt_in.bcast   = arr_bcast;
        rt_in.done    = after_arr == P_NONE;
      end else if (!phase_q) begin
        rd_req_addr_o = row_addr_q;
        rd_req_len_o  = 24'(row_bytes_q);
        rt_in.dst     = is_a ? D_A : D_B;
        rt_in.lane    = 5'(is_a ? (r_q & 9'(ROWS - 1)) : r_q);
        rt_in.base    = slot_base + WA'(tile_of_row) * WA'(row_words_q);
        rt_in.done    = last_row && !scales;
      end else begin
        rd_req_addr_o = sc_addr_q;
        rd_req_len_o  = 24'(ld_q.klen) >> 5;
        rt_in.dst     = is_a ? D_SA : D_SB;
        rt_in.lane    = 5'(is_a ? (r_q & 9'(ROWS - 1)) : r_q);
        rt_in.base    = sc_slot_base + WA'(tile_of_row) * WA'(sc_words_q);
        rt_in.done    = last_row;
      end
    end
  end

  logic [1:0] cur_state;
  logic       cur_slot;
  always_comb begin
    unique case (ld_q.kind)
      fpq_te_pkg::LD_A: begin cur_slot = a_w_q; cur_state = a_st_q[a_w_q]; end
      fpq_te_pkg::LD_B: begin cur_slot = b_w_q; cur_state = b_st_q[b_w_q]; end
      default:          begin cur_slot = p_w_q; cur_state = p_st_q[p_w_q]; end
    endcase
  end
  assign ld_ready_o = state_q == S_IDLE && !flush_i;

  // ---- data routing
  logic [9:0] widx_q;
  logic       word_fire;
  assign word_fire = rd_data_valid_i && !rt_empty;
  assign rt_pop    = word_fire && rd_data_last_i;

  always_comb begin
    a_we_o  = '0;
    sa_we_o = '0;
    b_we_o  = '0;
    sb_we_o = '0;
    waddr_o = rt_out.base + WA'(widx_q);
    wdata_o = rd_data_i;
    if (word_fire) begin
      unique case (rt_out.dst)
        D_A:     a_we_o[rt_out.lane[RW-1:0]] = 1'b1;
        D_SA:    sa_we_o[rt_out.lane[RW-1:0]] = 1'b1;
        D_B:     b_we_o[rt_out.lane[CW-1:0]] = 1'b1;
        D_SB:    sb_we_o[rt_out.lane[CW-1:0]] = 1'b1;
        default: ;
      endcase
    end
  end

  // ---- parameter registers
  // flat: index (slot * 6 + array) * COLS + column
  logic [31:0] par_q [2*6*COLS];
  function automatic logic [31:0] pidx(input logic s, input logic [2:0] a, input logic [31:0] c);
    pidx = ({31'd0, s} * 32'd6 + {29'd0, a}) * COLS + c;
  endfunction

  logic par_defaults;
  assign par_defaults = state_q == S_WAIT && ld_q.kind == fpq_te_pkg::LD_P && cur_state == 2'd0;

  // one register per (slot, array, column)
  for (genvar x = 0; x < 2 * 6 * COLS; x++) begin : g_par
    localparam logic       XS = 1'(x / (6 * COLS));
    localparam logic [2:0] XA = 3'((x / COLS) % 6);
    localparam int unsigned XC = x % COLS;
    logic [31:0] par_d;
    always_comb begin
      par_d = par_q[x];
      if (par_defaults && cur_slot == XS) begin
        // a parameter load starts: alpha 1.0, everything else 0
        par_d = XA == P_ALPHA ? 32'h3f80_0000 : 32'd0;
      end else if (word_fire && rt_out.dst == D_P && rt_out.slot == XS && rt_out.lane[2:0] == XA) begin
        if (XA == P_SHIFT) begin
          if (rt_out.bcast) par_d = {24'd0, rd_data_i[7:0]};
          else if (widx_q == 10'(XC / 8)) par_d = {24'd0, rd_data_i[8 * (XC % 8) +: 8]};
        end else begin
          if (rt_out.bcast) par_d = rd_data_i[31:0];
          else if (widx_q == 10'(XC / 2)) par_d = rd_data_i[32 * (XC % 2) +: 32];
        end
      end
    end
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) par_q[x] <= 32'd0;
      else par_q[x] <= par_d;
    end
  end

  logic [31:0] shift_word;
  assign alpha_o    = par_q[pidx(p_slot_i, P_ALPHA, 32'(p_col_i))];
  assign beta_o     = par_q[pidx(p_slot_i, P_BETA, 32'(p_col_i))];
  assign bias_o     = par_q[pidx(p_slot_i, P_BIAS, 32'(p_col_i))];
  assign mult_o     = par_q[pidx(p_slot_i, P_MULT, 32'(p_col_i))];
  assign shift_word = par_q[pidx(p_slot_i, P_SHIFT, 32'(p_col_i))];
  assign shift_o    = shift_word[7:0];
  assign oscale_o   = par_q[pidx(p_slot_i, P_OSCALE, 32'(p_col_i))];


  logic [19:0] ld_bytes;
  logic [5:0]  ld_bits;
  assign ld_bits  = ld_i.kind == fpq_te_pkg::LD_A ? bits_a_i : bits_b_i;
  assign ld_bytes = fpq_te_pkg::elem_bytes(ld_bits, ld_i.klen);

  logic [63:0] base_addr, base_sc;
  logic [31:0] stride, sc_stride;
  always_comb begin
    if (ld_q.kind == fpq_te_pkg::LD_A) begin
      base_addr = op_i.a_addr;
      base_sc   = op_i.sa_addr;
      stride    = op_i.a_stride;
      sc_stride = op_i.sa_stride;
    end else begin
      base_addr = op_i.b_addr;
      base_sc   = op_i.sb_addr;
      stride    = op_i.b_stride;
      sc_stride = op_i.sb_stride;
    end
  end

  logic issue_fire;
  assign issue_fire = rd_req_valid_o && rd_req_ready_i;

  // ---- next state
  state_e          state_d;
  fpq_te_pkg::ld_t ld_d;
  logic            slot_d;
  logic [8:0]      r_d;
  logic            phase_d;
  logic [2:0]      arr_d;
  logic [63:0]     row_addr_d, sc_addr_d;
  logic [19:0]     row_bytes_d;
  logic [9:0]      row_words_d, sc_words_d;
  logic            a_w_d, b_w_d, p_w_d;
  logic [9:0]      widx_d;
  logic [1:0]      a_st_d [2];
  logic [1:0]      b_st_d [2];
  logic [1:0]      p_st_d [2];

  always_comb begin
    state_d     = state_q;
    ld_d        = ld_q;
    slot_d      = slot_q;
    r_d         = r_q;
    phase_d     = phase_q;
    arr_d       = arr_q;
    row_addr_d  = row_addr_q;
    sc_addr_d   = sc_addr_q;
    row_bytes_d = row_bytes_q;
    row_words_d = row_words_q;
    sc_words_d  = sc_words_q;
    a_w_d       = a_w_q;
    b_w_d       = b_w_q;
    p_w_d       = p_w_q;
    widx_d      = widx_q;
    for (int s = 0; s < 2; s++) begin
      a_st_d[s] = a_st_q[s];
      b_st_d[s] = b_st_q[s];
      p_st_d[s] = p_st_q[s];
    end
    if (flush_i) begin
      state_d = S_IDLE;
      a_w_d   = 1'b0;
      b_w_d   = 1'b0;
      p_w_d   = 1'b0;
      widx_d  = 10'd0;
      for (int s = 0; s < 2; s++) begin
        a_st_d[s] = 2'd0;
        b_st_d[s] = 2'd0;
        p_st_d[s] = 2'd0;
      end
    end else begin
      if (rel_a_i) a_st_d[rel_a_slot_i] = 2'd0;
      if (rel_b_i) b_st_d[rel_b_slot_i] = 2'd0;
      if (rel_p_i) p_st_d[rel_p_slot_i] = 2'd0;

      unique case (state_q)
        S_IDLE: if (ld_valid_i) begin
          ld_d        = ld_i;
          row_bytes_d = ld_bytes;
          row_words_d = 10'((ld_bytes + 20'd7) >> 3);
          sc_words_d  = 10'(((20'(ld_i.klen) >> 5) + 20'd7) >> 3);
          state_d     = S_WAIT;
        end
        S_WAIT: if (cur_state == 2'd0) begin
          slot_d  = cur_slot;
          r_d     = 9'd0;
          phase_d = 1'b0;
          arr_d   = first_arr;
          row_addr_d = base_addr + 64'(ld_q.row0) * 64'(stride) +
                        64'(fpq_te_pkg::elem_bytes(ld_q.kind == fpq_te_pkg::LD_A ? bits_a_i : bits_b_i,
                                                   ld_q.k0));
          sc_addr_d  = base_sc + 64'(ld_q.row0) * 64'(sc_stride) + (64'(ld_q.k0) >> 5);
          unique case (ld_q.kind)
            fpq_te_pkg::LD_A: begin a_st_d[cur_slot] = 2'd1; a_w_d = !a_w_q; end
            fpq_te_pkg::LD_B: begin b_st_d[cur_slot] = 2'd1; b_w_d = !b_w_q; end
            default: begin
              p_w_d = !p_w_q;
              // a column tile without per-channel arrays is filled at once
              p_st_d[cur_slot] = first_arr == P_NONE ? 2'd2 : 2'd1;
            end
          endcase
          state_d = (ld_q.kind == fpq_te_pkg::LD_P && first_arr == P_NONE) ? S_IDLE : S_ISSUE;
        end
        S_ISSUE: if (issue_fire) begin
          if (is_p) begin
            arr_d = after_arr;
            if (after_arr == P_NONE) state_d = S_IDLE;
          end else if (!phase_q && scales) begin
            phase_d = 1'b1;
          end else begin
            phase_d    = 1'b0;
            r_d        = r_q + 9'd1;
            row_addr_d = row_addr_q + 64'(stride);
            sc_addr_d  = sc_addr_q + 64'(sc_stride);
            if (last_row) state_d = S_IDLE;
          end
        end
        default: state_d = S_IDLE;
      endcase

      // data words: count within the read; the load's last word fills its slot
      if (word_fire) begin
        widx_d = rd_data_last_i ? 10'd0 : widx_q + 10'd1;
        if (rd_data_last_i && rt_out.done) begin
          unique case (rt_out.kind)
            fpq_te_pkg::LD_A: a_st_d[rt_out.slot] = 2'd2;
            fpq_te_pkg::LD_B: b_st_d[rt_out.slot] = 2'd2;
            default:          p_st_d[rt_out.slot] = 2'd2;
          endcase
        end
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q     <= S_IDLE;
      ld_q        <= '0;
      slot_q      <= 1'b0;
      r_q         <= 9'd0;
      phase_q     <= 1'b0;
      arr_q       <= 3'd0;
      row_addr_q  <= 64'd0;
      sc_addr_q   <= 64'd0;
      row_bytes_q <= 20'd0;
      row_words_q <= 10'd0;
      sc_words_q  <= 10'd0;
      a_w_q       <= 1'b0;
      b_w_q       <= 1'b0;
      p_w_q       <= 1'b0;
      widx_q      <= 10'd0;
      for (int s = 0; s < 2; s++) begin
        a_st_q[s] <= 2'd0;
        b_st_q[s] <= 2'd0;
        p_st_q[s] <= 2'd0;
      end
    end else begin
      state_q     <= state_d;
      ld_q        <= ld_d;
      slot_q      <= slot_d;
      r_q         <= r_d;
      phase_q     <= phase_d;
      arr_q       <= arr_d;
      row_addr_q  <= row_addr_d;
      sc_addr_q   <= sc_addr_d;
      row_bytes_q <= row_bytes_d;
      row_words_q <= row_words_d;
      sc_words_q  <= sc_words_d;
      a_w_q       <= a_w_d;
      b_w_q       <= b_w_d;
      p_w_q       <= p_w_d;
      widx_q      <= widx_d;
      for (int s = 0; s < 2; s++) begin
        a_st_q[s] <= a_st_d[s];
        b_st_q[s] <= b_st_d[s];
        p_st_q[s] <= p_st_d[s];
      end
    end
  end

  assign a_filled_o = {a_st_q[1] == 2'd2, a_st_q[0] == 2'd2};
  assign b_filled_o = {b_st_q[1] == 2'd2, b_st_q[0] == 2'd2};
  assign p_filled_o = {p_st_q[1] == 2'd2, p_st_q[0] == 2'd2};
  assign busy_o     = state_q != S_IDLE || !rt_empty;

  // the operation fields a loader has no use for, and the widest counters' top bits
  logic unused;
  assign unused = ^{op_i, fl, row_words_q[9], sc_words_q[9], shift_word[31:8]};

  // a row's bank is its row number's low bits; banks are numbered in 5-bit route lanes
  `FPQ_ASSERT_INIT(RowsPowerOfTwo, ROWS >= 2 && ROWS <= 32 && (ROWS & (ROWS - 1)) == 0)
  `FPQ_ASSERT_INIT(ColsFitLanes, COLS >= 2 && COLS <= 32)
  `FPQ_ASSERT_HANDSHAKE(ReadHeld, rd_req_valid_o, rd_req_ready_i, {rd_req_addr_o, rd_req_len_o},
                        flush_i)
  // every data word belongs to a read this loader issued
  `FPQ_ASSERT(WordHasRoute, rd_data_valid_i |-> !rt_empty)
  // slots go free -> loading -> filled -> free: only a filled slot is released, only a
  // loading one is filled
  logic [1:0] a_loading, b_loading, p_loading;
  assign a_loading = {a_st_q[1] == 2'd1, a_st_q[0] == 2'd1};
  assign b_loading = {b_st_q[1] == 2'd1, b_st_q[0] == 2'd1};
  assign p_loading = {p_st_q[1] == 2'd1, p_st_q[0] == 2'd1};
  `FPQ_ASSERT(ReleaseFilledA, rel_a_i && !flush_i |-> a_filled_o[rel_a_slot_i])
  `FPQ_ASSERT(ReleaseFilledB, rel_b_i && !flush_i |-> b_filled_o[rel_b_slot_i])
  `FPQ_ASSERT(ReleaseFilledP, rel_p_i && !flush_i |-> p_filled_o[rel_p_slot_i])
  `FPQ_ASSERT(FillLoadingSlot, word_fire && rd_data_last_i && rt_out.done && !flush_i |->
              (rt_out.kind == fpq_te_pkg::LD_A ? a_loading[rt_out.slot] :
               rt_out.kind == fpq_te_pkg::LD_B ? b_loading[rt_out.slot] : p_loading[rt_out.slot]))
  `FPQ_ASSERT_KNOWN(OutputsKnown, {ld_ready_o, rd_req_valid_o, a_filled_o, b_filled_o, p_filled_o,
                                   busy_o})
endmodule
