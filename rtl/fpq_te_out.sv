// SPDX-License-Identifier: MIT
// fpq_te_out: from the array's accumulators to C in host memory.
//
//   accumulator buffer (2 tiles)  the array's result columns as they come out
//   epilogue (fpq_epilogue)       one value per cycle, valid rows and columns only, with
//                                 the per-channel parameters of its column
//   code buffer (2 slots)         output codes, one row segment per tile row
//   MX quantizer                  MX output only: the activated values of a row wait in
//                                 a stage until 32 columns (one scale block) are there,
//                                 then get a shared E8M0 scale and their codes
//   writer                        packs each row segment (4, 6, 8, 16 or 32 bits per code,
//                                 partial packing groups padded with zero) and writes it,
//                                 then the row's scale byte for MX output
// The feeder may end a tile only while credit_ok_o is high (a free accumulator slot).
`include "fpq_assert.svh"

module fpq_te_out #(
  parameter int unsigned ROWS = 8,
  parameter int unsigned COLS = 8
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic                 flush_i,
  input  logic                 start_i,     // a new operation: statistics to zero
  input  fpq_hw_pkg::op_desc_t op_i,
  // array results
  input  logic                 arr_valid_i,
  input  logic                 arr_last_i,
  input  logic [ROWS*32-1:0]   arr_c_i,
  // finished tiles
  input  logic                 tag_valid_i,
  input  fpq_te_pkg::tag_t     tag_i,
  output logic                 credit_ok_o,
  // per-channel parameters
  input  logic [1:0]           p_filled_i,
  output logic                 p_slot_o,
  output logic [$clog2(COLS)-1:0] p_col_o,
  input  logic [31:0]          alpha_i,
  input  logic [31:0]          beta_i,
  input  logic [31:0]          bias_i,
  input  logic [31:0]          mult_i,
  input  logic [7:0]           shift_i,
  input  logic [31:0]          oscale_i,
  output logic                 rel_p_o,
  output logic                 rel_p_slot_o,
  // DMA writes (device virtual addresses)
  output logic                 wr_req_valid_o,
  input  logic                 wr_req_ready_i,
  output logic [63:0]          wr_req_addr_o,
  output logic [23:0]          wr_req_len_o,
  output logic                 wr_data_valid_o,
  input  logic                 wr_data_ready_i,
  output logic [63:0]          wr_data_o,
  // progress and statistics
  output logic [31:0]          tags_o,      // tiles received since start
  output logic [31:0]          clamped_o,
  output logic [31:0]          saturated_o,
  output logic [31:0]          nan_to_zero_o,
  output logic [31:0]          overflowed_o,
  output logic                 idle_o
);
  localparam int unsigned RW = $clog2(ROWS);
  localparam int unsigned CW = $clog2(COLS);
  localparam int unsigned W  = COLS > 32 ? COLS : 32;   // code buffer columns
  localparam int unsigned WW = $clog2(W);
  localparam int unsigned TAG_W = RW + WW + 1 + 1;       // row, column, last, slot

  fpq_hw_pkg::op_desc_flags_t fl;
  assign fl = op_i.flags;
  logic       int8_path, mx;
  logic [5:0] obits;
  assign int8_path = op_i.op.fmt_a == fpq_hw_pkg::FMT_INT8;
  assign mx        = fl.c_scales;
  assign obits     = fpq_hw_pkg::fmt_bits(op_i.op.fmt_c);

  // ---- accumulator buffer
  logic [ROWS*32-1:0] acc_q [2*COLS];
  logic               acc_w_q, acc_r_q;
  logic [CW-1:0]      acc_col_q;
  logic [1:0]         acc_full_q;
  logic [1:0]         inflight_q;

  always_ff @(posedge clk_i) begin
    if (arr_valid_i) acc_q[{acc_w_q, acc_col_q}] <= arr_c_i;
  end

  // tags of finished tiles, in order
  logic             tq_empty, tq_full, tq_pop;
  fpq_te_pkg::tag_t tq;
  fpq_fifo #(.WIDTH($bits(tq)), .DEPTH(4)) u_tags (
    .clk_i, .rst_ni, .flush_i,
    .push_i(tag_valid_i), .wdata_i(tag_i), .full_o(tq_full),
    .pop_i(tq_pop), .rdata_o(tq), .empty_o(tq_empty), .count_o()
  );
  assign credit_ok_o = inflight_q < 2'd2;

  // ---- epilogue issue
  typedef enum logic [1:0] {E_IDLE, E_RUN} estate_e;
  estate_e e_state_q;
  logic [RW-1:0] ei_q;
  logic [CW-1:0] ej_q;
  logic          code_w_q, code_r_q;
  logic [1:0]    code_full_q;
  logic          q_busy;       // MX quantizer running (owns the stage and code_w slot)
  logic          group_go;     // MX: the block just completed starts the quantizer

  // per code slot: the tile or MX block it holds
  logic [15:0] info_row0_q [2];
  logic [5:0]  info_rows_q [2];
  logic [15:0] info_col0_q [2];
  logic [6:0]  info_cols_q [2];
  logic [7:0]  info_scale_q [2*ROWS];

  logic e_start, e_last, e_fire;
  logic drain_q;   // the last value of a tile is still in the epilogue pipeline
  assign e_start = e_state_q == E_IDLE && acc_full_q[acc_r_q] && !tq_empty &&
                   p_filled_i[tq.p_slot] && !flush_i &&
                   (mx ? !q_busy && !drain_q && !group_go : !code_full_q[code_w_q]);
  assign e_fire  = e_state_q == E_RUN;
  assign e_last  = e_fire && ei_q == RW'(tq.rows - 6'd1) && ej_q == CW'(tq.cols - 6'd1);
  assign tq_pop  = e_last;

  assign p_slot_o     = tq.p_slot;
  assign p_col_o      = ej_q;
  assign rel_p_o      = e_last && tq.rel_p;
  assign rel_p_slot_o = tq.p_slot;

  logic [31:0] acc_val;
  logic [ROWS*32-1:0] acc_word;
  assign acc_word = acc_q[{acc_r_q, ej_q}];
  assign acc_val  = acc_word[32*ei_q +: 32];

  // epilogue output tag: row, column, last of tile, code slot
  logic [TAG_W-1:0] epi_tag_in, epi_tag_out;
  assign epi_tag_in = {code_w_q, e_last, ei_q, WW'(ej_q)};

  logic             epi_valid;
  logic [31:0]      epi_code, epi_y;
  logic             epi_clamped, epi_sat, epi_nan, epi_ovf;
  fpq_epilogue #(.TAG_W(TAG_W)) u_epi (
    .clk_i, .rst_ni,
    .int8_path_i(int8_path), .fmt_c_i(op_i.op.fmt_c), .act_i(op_i.act.act),
    .clamp_lo_i(op_i.clamp_lo), .clamp_hi_i(op_i.clamp_hi), .out_zero_i(op_i.out_zero),
    .act_min_i(op_i.act_min), .act_max_i(op_i.act_max), .nonsat_i(fl.quant_nonsat),
    .mx_out_i(mx),
    .valid_i(e_fire && !flush_i), .acc_i(acc_val), .alpha_i(alpha_i), .beta_i(beta_i),
    .bias_i(bias_i), .mult_i(mult_i), .shift_i(shift_i), .oscale_i(oscale_i),
    .tag_i(epi_tag_in),
    .valid_o(epi_valid), .code_o(epi_code), .y_o(epi_y), .clamped_o(epi_clamped),
    .saturated_o(epi_sat), .nan_to_zero_o(epi_nan), .overflowed_o(epi_ovf), .tag_o(epi_tag_out)
  );

  logic          eo_slot, eo_last;
  logic [RW-1:0] eo_i;
  logic [WW-1:0] eo_j;
  assign {eo_slot, eo_last, eo_i, eo_j} = epi_tag_out;

  // MX: the column tile's place in its block of 32 columns
  logic [15:0] tile_col0_q;     // of the tile whose values leave the epilogue
  logic        group_done_q;    // that tile completes its block
  logic [15:0] group_row0_q;
  logic [5:0]  group_rows_q;

  // ---- code buffer and MX stage
  logic [31:0]   code_q [2*ROWS*W];
  logic [1023:0] stage_q [ROWS];

  logic          q_we;
  logic [RW-1:0] q_row;
  logic [4:0]    q_col;
  logic [7:0]    q_code;

  always_ff @(posedge clk_i) begin
    if (epi_valid && !mx) code_q[{eo_slot, eo_i, eo_j}] <= epi_code;
    if (q_we) code_q[{code_w_q, q_row, WW'(q_col)}] <= {24'd0, q_code};
    if (epi_valid && mx) stage_q[eo_i][32 * (5'(tile_col0_q) + 5'(eo_j)) +: 32] <= epi_y;
  end

  // ---- MX quantizer
  typedef enum logic [1:0] {Q_IDLE, Q_AMAX, Q_ENC} qstate_e;
  qstate_e q_state_q;
  logic [RW-1:0] q_row_q;
  logic [4:0]    q_col_q;
  logic signed [8:0] q_x_q;
  assign q_busy   = q_state_q != Q_IDLE;
  assign group_go = epi_valid && mx && eo_last && group_done_q;

  // shared exponent X = floor(log2(amax)) - emax of the row's 32 values (NaN ignored)
  logic [30:0] amax;
  logic [1023:0] qrow;
  assign qrow = stage_q[q_row_q];
  always_comb begin
    amax = 31'd0;
    for (int c = 0; c < 32; c++) begin
      logic [30:0] v;
      v = qrow[32*c +: 31];   // magnitude: the sign does not matter
      if (!(v[30:23] == 8'hff && v[22:0] != 23'd0) && v > amax) amax = v;
    end
  end
  logic signed [9:0] x_raw;
  logic [4:0]        emax;
  logic [4:0]        lz;
  always_comb begin
    unique case (op_i.op.fmt_c)
      fpq_hw_pkg::FMT_E5M2: emax = 5'd15;
      fpq_hw_pkg::FMT_E3M2: emax = 5'd4;
      fpq_hw_pkg::FMT_E2M3, fpq_hw_pkg::FMT_E2M1: emax = 5'd2;
      fpq_hw_pkg::FMT_MXINT8: emax = 5'd0;
      default: emax = 5'd8;   // E4M3
    endcase
    lz = 5'd0;
    for (int i = 0; i < 23; i++) if (amax[i]) lz = 5'(22 - i);
    if (amax == 31'd0) x_raw = -10'sd127;
    else if (amax[30:23] == 8'hff) x_raw = 10'sd127;
    else if (amax[30:23] == 8'd0) x_raw = -10'sd127 - $signed({5'd0, lz}) - $signed({5'd0, emax});
    else x_raw = $signed({2'd0, amax[30:23]}) - 10'sd127 - $signed({5'd0, emax});
  end
  logic signed [8:0] x_clamped;
  assign x_clamped = x_raw < -10'sd127 ? -9'sd127 : x_raw > 10'sd127 ? 9'sd127 : 9'(x_raw);

  logic [7:0] enc_code;
  logic       enc_sat, enc_nan, enc_ovf;
  fpq_fp_encode u_mx_encode (
    .y_i(qrow[32*q_col_q +: 32]), .adj_i(-q_x_q), .fmt_i(op_i.op.fmt_c),
    .nonsat_i(fl.quant_nonsat), .code_o(enc_code), .saturated_o(enc_sat),
    .nan_to_zero_o(enc_nan), .overflowed_o(enc_ovf)
  );
  assign q_we   = q_state_q == Q_ENC;
  assign q_row  = q_row_q;
  assign q_col  = q_col_q;
  assign q_code = enc_code;

  // ---- writer
  typedef enum logic [2:0] {W_IDLE, W_REQ, W_DATA, W_SREQ, W_SDATA} wstate_e;
  wstate_e w_state_q;
  logic [RW-1:0] wi_q;
  logic [6:0]    wj_q;
  logic [127:0]  pk_q;
  logic [7:0]    nb_q;
  logic [9:0]    words_q, words_need;
  logic [63:0]   row_addr_q;

  logic [19:0] seg_bytes;
  assign seg_bytes  = fpq_te_pkg::elem_bytes(obits, 17'(info_cols_q[code_r_q]));
  assign words_need = 10'((seg_bytes + 20'd7) >> 3);

  logic [31:0] wcode;
  assign wcode = code_q[{code_r_q, wi_q, WW'(wj_q)}];

  logic all_in, emit, emit_fire, append;
  logic [7:0] nb_after;
  assign all_in    = wj_q == info_cols_q[code_r_q];
  assign emit      = w_state_q == W_DATA && words_q != words_need &&
                     (nb_q >= 8'd64 || all_in);
  assign emit_fire = emit && wr_data_ready_i;
  assign nb_after  = emit_fire ? (nb_q >= 8'd64 ? nb_q - 8'd64 : 8'd0) : nb_q;
  assign append    = w_state_q == W_DATA && !all_in && nb_after + 8'(obits) <= 8'd128;

  logic [127:0] code_bits;
  assign code_bits = {96'd0, wcode & (obits == 6'd32 ? 32'hffff_ffff : (32'd1 << obits) - 32'd1)};

  always_comb begin
    wr_req_valid_o  = w_state_q == W_REQ || w_state_q == W_SREQ;
    wr_req_addr_o   = row_addr_q;
    wr_req_len_o    = w_state_q == W_SREQ ? 24'd1 : 24'(seg_bytes);
    wr_data_valid_o = emit || w_state_q == W_SDATA;
    wr_data_o       = w_state_q == W_SDATA ? {56'd0, info_scale_q[{code_r_q, wi_q}]} : pk_q[63:0];
    if (w_state_q == W_SREQ)
      wr_req_addr_o = op_i.sc_addr + (64'(info_row0_q[code_r_q]) + 64'(wi_q)) * 64'(op_i.sc_stride) +
                      (64'(info_col0_q[code_r_q]) >> 5);
  end

  logic [63:0] tile_addr;
  assign tile_addr = op_i.c_addr + 64'(info_row0_q[code_r_q]) * 64'(op_i.c_stride) +
                     64'(fpq_te_pkg::elem_bytes(obits, 17'(info_col0_q[code_r_q])));

  logic w_row_done;
  assign w_row_done = w_state_q == W_DATA && all_in && words_q == words_need;

  // ---- next state
  // One block, in the order the machines hand over: the accumulator buffer, the epilogue
  // issue, the epilogue's results, the MX quantizer, the writer. Where two of them set
  // the same register in one cycle (the code slots' full bits, the statistics) the later
  // one wins; every right-hand side reads the registers (_q), never a _d.
  logic               acc_w_d, acc_r_d;
  logic [CW-1:0]      acc_col_d;
  logic [1:0]         acc_full_d;
  logic [1:0]         inflight_d;
  estate_e            e_state_d;
  logic [RW-1:0]      ei_d;
  logic [CW-1:0]      ej_d;
  logic               code_w_d, code_r_d;
  logic [1:0]         code_full_d;
  logic [15:0]        info_row0_d [2];
  logic [5:0]         info_rows_d [2];
  logic [15:0]        info_col0_d [2];
  logic [6:0]         info_cols_d [2];
  logic [7:0]         info_scale_d [2*ROWS];
  logic               drain_d;
  logic [15:0]        tile_col0_d;
  logic               group_done_d;
  logic [15:0]        group_row0_d;
  logic [5:0]         group_rows_d;
  qstate_e            q_state_d;
  logic [RW-1:0]      q_row_d;
  logic [4:0]         q_col_d;
  logic signed [8:0]  q_x_d;
  wstate_e            w_state_d;
  logic [RW-1:0]      wi_d;
  logic [6:0]         wj_d;
  logic [127:0]       pk_d;
  logic [7:0]         nb_d;
  logic [9:0]         words_d;
  logic [63:0]        row_addr_d;
  logic [31:0]        tags_q, clamped_q, saturated_q, nan_to_zero_q, overflowed_q;
  logic [31:0]        tags_d, clamped_d, saturated_d, nan_to_zero_d, overflowed_d;

  always_comb begin
    acc_w_d       = acc_w_q;
    acc_r_d       = acc_r_q;
    acc_col_d     = acc_col_q;
    acc_full_d    = acc_full_q;
    inflight_d    = inflight_q;
    e_state_d     = e_state_q;
    ei_d          = ei_q;
    ej_d          = ej_q;
    code_w_d      = code_w_q;
    code_r_d      = code_r_q;
    code_full_d   = code_full_q;
    for (int s = 0; s < 2; s++) begin
      info_row0_d[s] = info_row0_q[s];
      info_rows_d[s] = info_rows_q[s];
      info_col0_d[s] = info_col0_q[s];
      info_cols_d[s] = info_cols_q[s];
    end
    for (int r = 0; r < 2 * ROWS; r++) info_scale_d[r] = info_scale_q[r];
    drain_d       = drain_q;
    tile_col0_d   = tile_col0_q;
    group_done_d  = group_done_q;
    group_row0_d  = group_row0_q;
    group_rows_d  = group_rows_q;
    q_state_d     = q_state_q;
    q_row_d       = q_row_q;
    q_col_d       = q_col_q;
    q_x_d         = q_x_q;
    w_state_d     = w_state_q;
    wi_d          = wi_q;
    wj_d          = wj_q;
    pk_d          = pk_q;
    nb_d          = nb_q;
    words_d       = words_q;
    row_addr_d    = row_addr_q;
    tags_d        = tags_q;
    clamped_d     = clamped_q;
    saturated_d   = saturated_q;
    nan_to_zero_d = nan_to_zero_q;
    overflowed_d  = overflowed_q;

    if (flush_i) begin
      // a flush empties the buffers and stops the machines; the tile positions, the
      // statistics other than the tile count, and the writer's row registers stay
      acc_w_d     = 1'b0;
      acc_r_d     = 1'b0;
      acc_col_d   = '0;
      acc_full_d  = 2'b00;
      inflight_d  = 2'd0;
      e_state_d   = E_IDLE;
      code_w_d    = 1'b0;
      code_r_d    = 1'b0;
      code_full_d = 2'b00;
      q_state_d   = Q_IDLE;
      w_state_d   = W_IDLE;
      drain_d     = 1'b0;
      tags_d      = 32'd0;
    end else begin
      if (start_i) begin
        tags_d        = 32'd0;
        clamped_d     = 32'd0;
        saturated_d   = 32'd0;
        nan_to_zero_d = 32'd0;
        overflowed_d  = 32'd0;
      end
      // array results into the accumulator buffer
      if (arr_valid_i) begin
        acc_col_d = acc_col_q + 1'b1;
        if (arr_last_i) begin
          acc_full_d[acc_w_q] = 1'b1;
          acc_w_d   = !acc_w_q;
          acc_col_d = '0;
        end
      end
      if (tag_valid_i) tags_d = tags_q + 32'd1;
      inflight_d = inflight_q + (tag_valid_i ? 2'd1 : 2'd0) - (e_last ? 2'd1 : 2'd0);

      // epilogue issue over the valid rows and columns, column by column
      unique case (e_state_q)
        E_IDLE: if (e_start) begin
          ei_d      = '0;
          ej_d      = '0;
          e_state_d = E_RUN;
          if (!mx) begin
            info_row0_d[code_w_q] = tq.row0;
            info_rows_d[code_w_q] = tq.rows;
            info_col0_d[code_w_q] = tq.col0;
            info_cols_d[code_w_q] = 7'(tq.cols);
          end
        end
        default: begin
          if (ei_q == RW'(tq.rows - 6'd1)) begin
            ei_d = '0;
            ej_d = ej_q + 1'b1;
          end else begin
            ei_d = ei_q + 1'b1;
          end
          if (e_last) begin
            e_state_d           = E_IDLE;
            acc_full_d[acc_r_q] = 1'b0;
            acc_r_d             = !acc_r_q;
            if (!mx) code_w_d = !code_w_q;
            tile_col0_d  = tq.col0;
            group_done_d = ((32'(tq.col0) + 32'(tq.cols)) & 32'd31) == 32'd0;
            group_row0_d = tq.row0;
            group_rows_d = tq.rows;
          end
        end
      endcase
      if (e_start && mx) tile_col0_d = tq.col0;
      if (e_last) drain_d = 1'b1;
      else if (epi_valid && eo_last) drain_d = 1'b0;

      // epilogue results
      if (epi_valid) begin
        clamped_d = clamped_q + 32'(epi_clamped);
        if (!mx) begin
          saturated_d   = saturated_q + 32'(epi_sat);
          nan_to_zero_d = nan_to_zero_q + 32'(epi_nan);
          overflowed_d  = overflowed_q + 32'(epi_ovf);
          if (eo_last) code_full_d[eo_slot] = 1'b1;
        end else if (eo_last && group_done_q) begin
          // a block of 32 columns is complete: quantize it into the next code slot
          q_state_d = Q_AMAX;
          q_row_d   = '0;
        end
      end

      // MX quantizer: waits for the code slot, then row by row: scale, 32 codes
      unique case (q_state_q)
        Q_AMAX: if (!code_full_q[code_w_q]) begin
          if (q_row_q == '0) begin
            info_row0_d[code_w_q] = group_row0_q;
            info_rows_d[code_w_q] = group_rows_q;
            info_col0_d[code_w_q] = {tile_col0_q[15:5], 5'd0};
            info_cols_d[code_w_q] = 7'd32;
          end
          q_x_d     = x_clamped;
          q_col_d   = 5'd0;
          q_state_d = Q_ENC;
          info_scale_d[{code_w_q, q_row_q}] = 8'(x_clamped + 9'sd127);
        end
        Q_ENC: begin
          saturated_d   = saturated_q + 32'(enc_sat);
          nan_to_zero_d = nan_to_zero_q + 32'(enc_nan);
          overflowed_d  = overflowed_q + 32'(enc_ovf);
          q_col_d = q_col_q + 5'd1;
          if (q_col_q == 5'd31) begin
            if (q_row_q == RW'(group_rows_q - 6'd1)) begin
              q_state_d = Q_IDLE;
              code_full_d[code_w_q] = 1'b1;
              code_w_d  = !code_w_q;
            end else begin
              q_row_d   = q_row_q + 1'b1;
              q_state_d = Q_AMAX;
            end
          end
        end
        default: ;
      endcase

      // writer
      unique case (w_state_q)
        W_IDLE: if (code_full_q[code_r_q]) begin
          wi_d       = '0;
          row_addr_d = tile_addr;
          w_state_d  = W_REQ;
        end
        W_REQ: if (wr_req_ready_i) begin
          wj_d      = 7'd0;
          pk_d      = 128'd0;
          nb_d      = 8'd0;
          words_d   = 10'd0;
          w_state_d = W_DATA;
        end
        W_DATA: begin
          pk_d = (emit_fire ? pk_q >> 64 : pk_q) | (append ? code_bits << nb_after : 128'd0);
          nb_d = nb_after + (append ? 8'(obits) : 8'd0);
          if (append) wj_d = wj_q + 7'd1;
          if (emit_fire) words_d = words_q + 10'd1;
          if (w_row_done) w_state_d = mx ? W_SREQ : W_REQ;
          if (w_row_done && !mx) begin
            row_addr_d = row_addr_q + 64'(op_i.c_stride);
            wi_d       = wi_q + 1'b1;
            if (wi_q == RW'(info_rows_q[code_r_q] - 6'd1)) begin
              w_state_d             = W_IDLE;
              code_full_d[code_r_q] = 1'b0;
              code_r_d              = !code_r_q;
            end
          end
        end
        W_SREQ: if (wr_req_ready_i) w_state_d = W_SDATA;
        W_SDATA: if (wr_data_ready_i) begin
          row_addr_d = row_addr_q + 64'(op_i.c_stride);
          wi_d       = wi_q + 1'b1;
          w_state_d  = W_REQ;
          if (wi_q == RW'(info_rows_q[code_r_q] - 6'd1)) begin
            w_state_d             = W_IDLE;
            code_full_d[code_r_q] = 1'b0;
            code_r_d              = !code_r_q;
          end
        end
        default: w_state_d = W_IDLE;
      endcase
    end
  end

  // ---- registers
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      acc_w_q       <= 1'b0;
      acc_r_q       <= 1'b0;
      acc_col_q     <= '0;
      acc_full_q    <= 2'b00;
      inflight_q    <= 2'd0;
      e_state_q     <= E_IDLE;
      ei_q          <= '0;
      ej_q          <= '0;
      code_w_q      <= 1'b0;
      code_r_q      <= 1'b0;
      code_full_q   <= 2'b00;
      for (int s = 0; s < 2; s++) begin
        info_row0_q[s] <= 16'd0;
        info_rows_q[s] <= 6'd0;
        info_col0_q[s] <= 16'd0;
        info_cols_q[s] <= 7'd0;
      end
      for (int r = 0; r < 2 * ROWS; r++) info_scale_q[r] <= 8'd0;
      drain_q       <= 1'b0;
      tile_col0_q   <= 16'd0;
      group_done_q  <= 1'b0;
      group_row0_q  <= 16'd0;
      group_rows_q  <= 6'd0;
      q_state_q     <= Q_IDLE;
      q_row_q       <= '0;
      q_col_q       <= 5'd0;
      q_x_q         <= 9'sd0;
      w_state_q     <= W_IDLE;
      wi_q          <= '0;
      wj_q          <= 7'd0;
      pk_q          <= 128'd0;
      nb_q          <= 8'd0;
      words_q       <= 10'd0;
      row_addr_q    <= 64'd0;
      tags_q        <= 32'd0;
      clamped_q     <= 32'd0;
      saturated_q   <= 32'd0;
      nan_to_zero_q <= 32'd0;
      overflowed_q  <= 32'd0;
    end else begin
      acc_w_q       <= acc_w_d;
      acc_r_q       <= acc_r_d;
      acc_col_q     <= acc_col_d;
      acc_full_q    <= acc_full_d;
      inflight_q    <= inflight_d;
      e_state_q     <= e_state_d;
      ei_q          <= ei_d;
      ej_q          <= ej_d;
      code_w_q      <= code_w_d;
      code_r_q      <= code_r_d;
      code_full_q   <= code_full_d;
      for (int s = 0; s < 2; s++) begin
        info_row0_q[s] <= info_row0_d[s];
        info_rows_q[s] <= info_rows_d[s];
        info_col0_q[s] <= info_col0_d[s];
        info_cols_q[s] <= info_cols_d[s];
      end
      for (int r = 0; r < 2 * ROWS; r++) info_scale_q[r] <= info_scale_d[r];
      drain_q       <= drain_d;
      tile_col0_q   <= tile_col0_d;
      group_done_q  <= group_done_d;
      group_row0_q  <= group_row0_d;
      group_rows_q  <= group_rows_d;
      q_state_q     <= q_state_d;
      q_row_q       <= q_row_d;
      q_col_q       <= q_col_d;
      q_x_q         <= q_x_d;
      w_state_q     <= w_state_d;
      wi_q          <= wi_d;
      wj_q          <= wj_d;
      pk_q          <= pk_d;
      nb_q          <= nb_d;
      words_q       <= words_d;
      row_addr_q    <= row_addr_d;
      tags_q        <= tags_d;
      clamped_q     <= clamped_d;
      saturated_q   <= saturated_d;
      nan_to_zero_q <= nan_to_zero_d;
      overflowed_q  <= overflowed_d;
    end
  end

  assign tags_o        = tags_q;
  assign clamped_o     = clamped_q;
  assign saturated_o   = saturated_q;
  assign nan_to_zero_o = nan_to_zero_q;
  assign overflowed_o  = overflowed_q;

  assign idle_o = acc_full_q == 2'b00 && tq_empty && e_state_q == E_IDLE && !drain_q &&
                  q_state_q == Q_IDLE && code_full_q == 2'b00 && w_state_q == W_IDLE &&
                  inflight_q == 2'd0;

  logic unused;
  assign unused = ^{op_i, fl, tq_full, info_rows_q[0], acc_word};

  // C writes and their data are held until taken (a flush withdraws them)
  `FPQ_ASSERT_HANDSHAKE(WrReqHeld, wr_req_valid_o, wr_req_ready_i,
                        {wr_req_addr_o, wr_req_len_o}, flush_i)
  `FPQ_ASSERT_HANDSHAKE(WrDataHeld, wr_data_valid_o, wr_data_ready_i, wr_data_o, flush_i)
  // the feeder keeps to its credit: at most two tiles between the array and the
  // epilogue, and the array's results go into a free accumulator slot
  `FPQ_ASSERT(CreditKept, inflight_q <= 2'd2)
  `FPQ_ASSERT(AccSlotFree, arr_valid_i |-> !acc_full_q[acc_w_q])
  `FPQ_ASSERT(StatesLegal, e_state_q <= E_RUN && q_state_q <= Q_ENC && w_state_q <= W_SDATA)
  `FPQ_ASSERT_KNOWN(OutputsKnown, {credit_ok_o, wr_req_valid_o, wr_data_valid_o, rel_p_o,
                                   idle_o})
endmodule
