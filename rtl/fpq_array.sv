// SPDX-License-Identifier: MIT
// fpq_array: the ROWS x COLS multi-format MAC array of the fpq card.
//
// It computes one output tile C[ROWS x COLS] = A[ROWS x K] * B[COLS x K]^T over a stream
// of K beats, bit for bit as numerics.rst (and libfpq's fpq_gemm_reference()) define it,
// and returns the accumulators: binary32 on the float/MX path, int32 on the INT8 path.
// The epilogue (alpha, beta, bias, activation, output format) is not part of it.
// Documentation/rtl.rst describes the interface, the dataflow and the costs.
//
// Operand beats (valid/ready): beat k carries A[i][k] for every row i and B[j][k] for
// every column j as unpacked element codes (8 bits per lane, 6- and 4-bit codes in the
// low bits), the formats of A and B and the INT8 activation zero point. Beats are grouped
// in blocks: in_block_last_i ends a block (every 32 beats, and at the end of K), and
// in_tile_last_i ends the tile (it implies in_block_last_i). The E8M0 scales of a block
// (in_scale_a_i per row, in_scale_b_i per column; 127 = 1.0 for non-MX operands) are
// sampled on its last beat. Formats and zero point must not change within a tile. Tiles
// follow one another without bubbles.
//
// in_ready_o is low for one cycle after reset, and for a block-last beat until
// MIN_BLOCK_CYCLES cycles have passed since the previous block-last beat; it depends on
// in_block_last_i and in_tile_last_i, never on in_valid_i. Blocks of 32 never wait.
//
// Results: ROWS + fpq_array_pkg::ROW_RES_LATENCY + 1 cycles after the tile-last beat is accepted, COLS consecutive beats
// with out_valid_o high carry one column each, column 0 first: out_c_o lane i is
// C[i][j] (binary32 or int32 bits). out_last_o marks column COLS-1. There is no
// back-pressure: the consumer takes every result beat.
module fpq_array #(
  parameter int unsigned ROWS = 4,
  parameter int unsigned COLS = 4,
  // Bit f set: enum fpq_format f is built (CAP_IN_FORMATS of the register map). INT8 (1),
  // E4M3 (2), E5M2 (3), E3M2 (4), E2M3 (5), E2M1 (6), MXINT8 (7). Beats of a format not
  // built give undefined results.
  parameter logic [15:0] FORMATS = 16'h00FE,
  // Build the PE fault injector (test builds): the fault_* inputs reach every PE.
  parameter bit          FAULT_INJECT = 1'b0
) (
  input  logic               clk_i,
  input  logic               rst_ni,

  input  logic               in_valid_i,
  output logic               in_ready_o,
  input  logic               in_block_last_i,
  input  logic               in_tile_last_i,
  input  logic [3:0]         in_fmt_a_i,       // enum fpq_format of A
  input  logic [3:0]         in_fmt_b_i,       // enum fpq_format of B
  input  logic [7:0]         in_zero_point_i,  // INT8 A zero point, two's complement
  input  logic [ROWS*8-1:0]  in_a_i,           // lane i: A[i][k]
  input  logic [COLS*8-1:0]  in_b_i,           // lane j: B[j][k]
  input  logic [ROWS*8-1:0]  in_scale_a_i,     // lane i: E8M0 scale of row i's block
  input  logic [COLS*8-1:0]  in_scale_b_i,     // lane j: E8M0 scale of column j's block

  output logic               out_valid_o,
  output logic               out_last_o,
  output logic [ROWS*32-1:0] out_c_o,          // lane i: C[i][j] of column j

  // PE fault injector (FAULT_INJECT builds; registers.rst FAULT_PE): while fault_valid_i
  // is high, PE (fault_row_i, fault_col_i) has bit fault_bit_i of its accumulator
  // (fault_target_i 0), A operand (1) or B operand (2) register flipped, or stuck at
  // fault_value_i (fault_stuck_i); see fpq_fault_apply. A PE outside the array: no fault.
  input  logic               fault_valid_i,
  input  logic [7:0]         fault_row_i,
  input  logic [7:0]         fault_col_i,
  input  logic [5:0]         fault_bit_i,
  input  logic [1:0]         fault_target_i,
  input  logic               fault_stuck_i,
  input  logic               fault_value_i
);

  // ---- widths from the formats built (see fpq_elem_decode for the operand form)

  // Bits of the largest significand magnitude (fpq_elem_decode: mag).
  localparam int unsigned MAG_W = (FORMATS[1] || FORMATS[7]) ? 8 :
                                  (FORMATS[2] || FORMATS[5]) ? 4 :
                                  (FORMATS[3] || FORMATS[4]) ? 3 : 2;
  // Bits of the largest binade (fpq_elem_decode: exp): E5M2 29, E4M3 14, E3M2 6, E2M3
  // and E2M1 2.
  localparam int unsigned EXP_W = FORMATS[3] ? 5 : FORMATS[2] ? 4 : FORMATS[4] ? 3 :
                                  (FORMATS[5] || FORMATS[6]) ? 2 : 1;
  // Bits of the largest float/MX significand |sig| (value = sig * 2^lsb(fmt)): E5M2 32,
  // E4M3 18, E3M2 9, MXINT8 8, E2M3 6, E2M1 4. These formats pair freely.
  localparam int unsigned SIG_BITS = FORMATS[3] ? 32 : FORMATS[2] ? 18 : FORMATS[4] ? 9 :
                                     FORMATS[7] ? 8 : FORMATS[5] ? 6 : FORMATS[6] ? 4 : 0;
  // Two's complement bits of an exact sum of 32 products: below 2^(2 * SIG_BITS + 5).
  // INT8 pairs only with itself: |a - zp| < 2^8, |b| <= 2^7, so 22 bits.
  localparam int unsigned ACC_W = (FORMATS[1] && 2 * SIG_BITS + 6 < 22) ? 22 :
                                  2 * SIG_BITS + 6;
  localparam int unsigned SUM_W = ACC_W + 3;
  // Without E5M2 every significand has at most 18 bits and a PE multiplies whole
  // significands in one DSP block (fpq_pe_dsp); with E5M2 (up to 32 bits) it multiplies
  // short magnitudes and aligns the product with a shifter (fpq_pe).
  localparam bit DSP_PE = !FORMATS[3];
  // fpq_pe_dsp: signed significand widths. The row operand is whole (INT8: |a - zp| <=
  // 255); the column operand keeps at most 13 binades, so E4M3's top binade (14) sets hi.
  localparam int unsigned A_SIG_W = (FORMATS[1] && SIG_BITS < 8 ? 8 : SIG_BITS) + 1;
  localparam int unsigned B_SIG_W = A_SIG_W > 18 ? 18 : A_SIG_W;
  localparam bit          B_HI = FORMATS[2];
  localparam int unsigned A_OP_W = DSP_PE ? A_SIG_W + 5 : MAG_W + EXP_W + 4;
  localparam int unsigned B_OP_W = DSP_PE ? B_SIG_W + 5 : MAG_W + EXP_W + 4;
  // Block-last beats at least this many cycles apart: the drain chain needs COLS, the
  // row units' accumulator loop ROW_LOOP_CYCLES.
  localparam int unsigned MIN_BLOCK_CYCLES = COLS > fpq_array_pkg::ROW_LOOP_CYCLES ?
                                             COLS : fpq_array_pkg::ROW_LOOP_CYCLES;
  localparam int unsigned GAP_W = $clog2(MIN_BLOCK_CYCLES + 1);

  // ---- input control

  logic             init_q;        // the cycle after reset: clear the accumulators
  logic [GAP_W-1:0] gap_q;         // cycles until a block-last beat may enter
  logic             tile_start_q;  // no block of the current tile has ended yet
  logic             blk_last_in, accept;

  assign blk_last_in = in_block_last_i | in_tile_last_i;
  assign in_ready_o = !init_q && !(blk_last_in && gap_q != '0);
  assign accept = in_valid_i && in_ready_o;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      init_q <= 1'b1;
      gap_q <= '0;
      tile_start_q <= 1'b1;
    end else begin
      init_q <= 1'b0;
      if (accept && blk_last_in) begin
        gap_q <= GAP_W'(MIN_BLOCK_CYCLES - 1);
        tile_start_q <= in_tile_last_i;
      end else if (gap_q != '0) begin
        gap_q <= gap_q - GAP_W'(1);
      end
    end
  end

  // ---- row control: row i sees a beat i cycles after row 0 (B moves one row per cycle)
  //   valid | blk_last | tile_last | first | fmt_a | fmt_b | zero_point
  localparam int unsigned CTL_W = 4 + 4 + 4 + 8;

  logic [CTL_W-1:0] ctl_in;
  logic [CTL_W-1:0] ctl_q [ROWS];

  // The cycle after reset sends a flush: a block end with no operands, which clears
  // every PE accumulator whatever it held (the PEs have no reset).
  assign ctl_in = {accept, (accept && blk_last_in) || init_q, accept && in_tile_last_i,
                   tile_start_q, in_fmt_a_i, in_fmt_b_i, in_zero_point_i};

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int unsigned i = 0; i < ROWS; i++) ctl_q[i] <= '0;
    end else begin
      ctl_q[0] <= ctl_in;
      for (int unsigned i = 1; i < ROWS; i++) ctl_q[i] <= ctl_q[i-1];
    end
  end

  // ---- B: decoded at the top of each column, then passed down through the PEs

  logic [(ROWS+1)*COLS*B_OP_W-1:0] b_bus;  // b_bus row r feeds PE row r

  for (genvar j = 0; j < COLS; j++) begin : g_b_in
    logic [B_OP_W-1:0] b_dec, b_top_q;
    fpq_elem_decode #(
      .FORMATS     (FORMATS),
      .MAG_W       (MAG_W),
      .EXP_W       (EXP_W),
      .FORM        (DSP_PE ? 1 : 0),
      .SIG_W       (B_SIG_W),
      .SIG_MAX_EXP (13)
    ) u_dec (
      .valid_i      (accept),
      .fmt_i        (in_fmt_b_i),
      .code_i       (in_b_i[8*j +: 8]),
      .zero_point_i (8'd0),  // weights are symmetric
      .op_o         (b_dec)
    );
    always_ff @(posedge clk_i) b_top_q <= b_dec;
    assign b_bus[j*B_OP_W +: B_OP_W] = b_top_q;
  end

  // ---- B scales: serialised column by column after a block-last beat, then passed down
  // beside the row units so row i gets column j's scale with column j's sum.

  logic [COLS*8-1:0] sb_ser_q;
  logic [7:0]        sb_pipe_q [ROWS];

  always_ff @(posedge clk_i) begin
    if (accept && blk_last_in) begin
      sb_ser_q <= in_scale_b_i;
    end else begin
      sb_ser_q <= sb_ser_q >> 8;
    end
    sb_pipe_q[0] <= sb_ser_q[7:0];
    for (int unsigned i = 1; i < ROWS; i++) sb_pipe_q[i] <= sb_pipe_q[i-1];
  end

  // ---- rows: A delayed to meet B, decoded, broadcast to the row's PEs; the row unit

  logic [ROWS-1:0]        res_valid, res_last;
  logic [ROWS*32-1:0]     res_deskewed;

  for (genvar i = 0; i < ROWS; i++) begin : g_row
    logic             pre_valid;
    logic [3:0]       pre_fmt_a;
    logic [7:0]       pre_zp;
    logic [15:0]      a_delayed;  // scale | code, i cycles late
    logic [A_OP_W-1:0] a_dec, a_row_q;
    logic [7:0]       sa_row_q;
    logic             row_valid, row_blk_last, row_tile_last, row_first;
    logic [3:0]       row_fmt_a, row_fmt_b;
    logic [7:0]       row_zp;
    logic [(COLS+1)*SUM_W-1:0] chain;  // chain slice j: drain register of PE j
    logic [31:0]      res;

    if (i == 0) begin : g_pre_in
      assign {pre_valid, pre_fmt_a, pre_zp} = {accept, in_fmt_a_i, in_zero_point_i};
    end else begin : g_pre_row
      logic [CTL_W-1:0] above;
      assign above = ctl_q[i-1];
      assign pre_valid = above[CTL_W-1];
      assign pre_fmt_a = above[15:12];
      assign pre_zp = above[7:0];
    end

    fpq_delay #(
      .WIDTH (16),
      .DEPTH (i)
    ) u_a_delay (
      .clk_i (clk_i),
      .d_i   ({in_scale_a_i[8*i +: 8], in_a_i[8*i +: 8]}),
      .q_o   (a_delayed)
    );

    fpq_elem_decode #(
      .FORMATS     (FORMATS),
      .MAG_W       (MAG_W),
      .EXP_W       (EXP_W),
      .FORM        (DSP_PE ? 1 : 0),
      .SIG_W       (A_SIG_W),
      .SIG_MAX_EXP (14)
    ) u_dec (
      .valid_i      (pre_valid),
      .fmt_i        (pre_fmt_a),
      .code_i       (a_delayed[7:0]),
      .zero_point_i (pre_zp),
      .op_o         (a_dec)
    );

    always_ff @(posedge clk_i) begin
      a_row_q <= a_dec;
      sa_row_q <= a_delayed[15:8];
    end

    assign {row_valid, row_blk_last, row_tile_last, row_first, row_fmt_a, row_fmt_b,
            row_zp} = ctl_q[i];

    assign chain[COLS*SUM_W +: SUM_W] = '0;

    for (genvar j = 0; j < COLS; j++) begin : g_col
      logic [2:0] fault_sel;
      assign fault_sel = (FAULT_INJECT && fault_valid_i && 32'(fault_row_i) == i &&
                          32'(fault_col_i) == j && fault_target_i != 2'd3) ?
                         3'b001 << fault_target_i : 3'b000;
      if (DSP_PE) begin : g_dsp
        fpq_pe_dsp #(
          .A_SIG_W (A_SIG_W),
          .B_SIG_W (B_SIG_W),
          .ACC_W   (ACC_W),
          .B_HI    (B_HI),
          .FAULT_INJECT (FAULT_INJECT)
        ) u_pe (
          .clk_i      (clk_i),
          .blk_last_i (row_blk_last),
          .a_i        (a_row_q),
          .b_i        (b_bus[(i*COLS + j)*B_OP_W +: B_OP_W]),
          .b_o        (b_bus[((i+1)*COLS + j)*B_OP_W +: B_OP_W]),
          .chain_i    (chain[(j+1)*SUM_W +: SUM_W]),
          .chain_o    (chain[j*SUM_W +: SUM_W]),
          .fault_sel_i   (fault_sel),
          .fault_bit_i   (fault_bit_i),
          .fault_stuck_i (fault_stuck_i),
          .fault_value_i (fault_value_i)
        );
      end else begin : g_shift
        fpq_pe #(
          .MAG_W (MAG_W),
          .EXP_W (EXP_W),
          .ACC_W (ACC_W),
          .FAULT_INJECT (FAULT_INJECT)
        ) u_pe (
          .clk_i      (clk_i),
          .blk_last_i (row_blk_last),
          .a_i        (a_row_q),
          .b_i        (b_bus[(i*COLS + j)*B_OP_W +: B_OP_W]),
          .b_o        (b_bus[((i+1)*COLS + j)*B_OP_W +: B_OP_W]),
          .chain_i    (chain[(j+1)*SUM_W +: SUM_W]),
          .chain_o    (chain[j*SUM_W +: SUM_W]),
          .fault_sel_i   (fault_sel),
          .fault_bit_i   (fault_bit_i),
          .fault_stuck_i (fault_stuck_i),
          .fault_value_i (fault_value_i)
        );
      end
    end

    fpq_row_accum #(
      .COLS  (COLS),
      .ACC_W (ACC_W)
    ) u_accum (
      .clk_i       (clk_i),
      .rst_ni      (rst_ni),
      .start_i     (row_valid & row_blk_last),
      .first_i     (row_first),
      .last_i      (row_tile_last),
      .fmt_a_i     (row_fmt_a),
      .fmt_b_i     (row_fmt_b),
      .scale_a_i   (sa_row_q),
      .sum_i       (chain[0 +: SUM_W]),
      .scale_b_i   (sb_pipe_q[i]),
      .res_valid_o (res_valid[i]),
      .res_last_o  (res_last[i]),
      .res_o       (res)
    );

    // Row i runs i cycles behind row 0: delay the earlier rows so a column leaves whole.
    fpq_delay #(
      .WIDTH (32),
      .DEPTH (ROWS - 1 - i)
    ) u_out_delay (
      .clk_i (clk_i),
      .d_i   (res),
      .q_o   (res_deskewed[32*i +: 32])
    );

    logic unused_row;
    assign unused_row = ^row_zp;
  end

  assign out_valid_o = res_valid[ROWS-1];
  assign out_last_o = res_last[ROWS-1];
  assign out_c_o = res_deskewed;

  // The last row's PEs pass B on to nobody; earlier rows' result flags equal the last
  // row's, shifted in time.
  logic unused_top;
  assign unused_top = ^{b_bus[ROWS*COLS*B_OP_W +: COLS*B_OP_W], res_valid[ROWS-1:0],
                        res_last[ROWS-1:0], sb_ser_q};

endmodule
