// SPDX-License-Identifier: MIT
// fpq_abft: algorithm-based fault tolerance for the INT8 path of the array (CONTROL.ABFT).
//
// Beside the array, from the same operand beats, it computes two exact checksum vectors
// of each output tile, modulo 2^32 like the array's int32 accumulators
// (numerics.rst: C[i][j] = sum_k (A[i][k] - zp) * B[j][k] mod 2^32):
//
//   col[j] = sum_k (sum_i (A[i][k] - zp)) * B[j][k]    (the column sums of C)
//   row[i] = sum_k (A[i][k] - zp) * (sum_j B[j][k])    (the row sums of C)
//
// over the tile's valid rows (i < rows) and columns (j < cols) only, so a fault in a PE
// whose result is never written is no error. When the tile's results leave the array it
// sums each result column and each result row and compares. The results pass on to the
// output stage one cycle late; on a mismatch the tile's last column is dropped (so the
// output stage never writes the tile), err_o rises and stays high until flush_i, and no
// further result passes. A fault that changes a valid accumulator by d != 0 (mod 2^32)
// changes its row sum and its column sum by d: every single-PE fault that changes the
// tile is caught; a wrong column operand that travels down a column changes each row
// below by its own A[i][k] * d and is caught by the row sums.
//
// Tiles of other formats, and every tile while en_i is low, pass unchecked (tile_o does
// not pulse for them). Costs: COLS + ROWS small multipliers and 2 * (ROWS + COLS)
// 32-bit accumulators, and 2 tiles of expected sums in flight (Documentation/card.rst).
`include "fpq_assert.svh"

module fpq_abft #(
  parameter int unsigned ROWS = 8,
  parameter int unsigned COLS = 8,
  localparam int unsigned SA_W = 9 + $clog2(ROWS) + 1,  // sum of ROWS 9-bit values
  localparam int unsigned SB_W = 8 + $clog2(COLS) + 1   // sum of COLS 8-bit values
) (
  input  logic               clk_i,
  input  logic               rst_ni,
  input  logic               flush_i,
  input  logic               en_i,          // CONTROL.ABFT and an INT8 operation
  input  logic [7:0]         zero_point_i,  // A's zero point (two's complement)
  // the array's input handshake and operands (fpq_array)
  input  logic               in_accept_i,
  input  logic               in_tile_last_i,
  input  logic [ROWS*8-1:0]  in_a_i,
  input  logic [COLS*8-1:0]  in_b_i,
  input  logic [5:0]         in_rows_i,     // valid rows and columns of the tile
  input  logic [5:0]         in_cols_i,
  input  logic [15:0]        in_row0_i,     // the tile's first row and column (for err)
  input  logic [15:0]        in_col0_i,
  // the array's results, and the same results passed on to the output stage
  input  logic               arr_valid_i,
  input  logic               arr_last_i,
  input  logic [ROWS*32-1:0] arr_c_i,
  output logic               out_valid_o,
  output logic               out_last_o,
  output logic [ROWS*32-1:0] out_c_o,
  // verdicts
  output logic               tile_o,        // a checked tile's verdict (one cycle)
  output logic               fail_o,        // ... and it failed
  output logic               err_o,         // a tile failed since flush_i
  output logic [63:0]        err_addr_o     // its ERR_ADDR: col0 << 16 | row0
);
  localparam int unsigned CL = $clog2(COLS);
  // expected sums of one tile: enable | row0 | col0 | row[ROWS] | col[COLS]
  localparam int unsigned EXP_W = 1 + 16 + 16 + 32 * (ROWS + COLS);

  // ---- input side: one beat registered, then the checksum terms accumulated
  logic              b1_valid_q, b1_last_q, first_q;
  logic [ROWS*8-1:0] b1_a_q;
  logic [COLS*8-1:0] b1_b_q;
  logic [5:0]        b1_rows_q, b1_cols_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      b1_valid_q <= 1'b0;
      b1_last_q  <= 1'b0;
      first_q    <= 1'b1;
    end else if (flush_i) begin
      b1_valid_q <= 1'b0;
      b1_last_q  <= 1'b0;
      first_q    <= 1'b1;
    end else begin
      b1_valid_q <= in_accept_i;
      b1_last_q  <= in_accept_i && in_tile_last_i;
      if (b1_valid_q) first_q <= b1_last_q;
    end
  end

  always_ff @(posedge clk_i) begin
    if (in_accept_i) begin
      b1_a_q    <= in_a_i;
      b1_b_q    <= in_b_i;
      b1_rows_q <= in_rows_i;
      b1_cols_q <= in_cols_i;
    end
  end

  // A - zp and B of the valid lanes (others zero), and their sums
  logic signed [8:0]      a_off [ROWS];
  logic signed [7:0]      b_val [COLS];
  logic signed [SA_W-1:0] sum_a;
  logic signed [SB_W-1:0] sum_b;
  always_comb begin
    sum_a = '0;
    sum_b = '0;
    for (int unsigned i = 0; i < ROWS; i++) begin
      a_off[i] = i < 32'(b1_rows_q) ? 9'(signed'(b1_a_q[8*i +: 8])) - 9'(signed'(zero_point_i))
                                     : 9'sd0;
      sum_a = sum_a + SA_W'(a_off[i]);
    end
    for (int unsigned j = 0; j < COLS; j++) begin
      b_val[j] = j < 32'(b1_cols_q) ? signed'(b1_b_q[8*j +: 8]) : 8'sd0;
      sum_b = sum_b + SB_W'(b_val[j]);
    end
  end

  logic [31:0] row_acc_q [ROWS];
  logic [31:0] col_acc_q [COLS];
  logic [31:0] row_next [ROWS];
  logic [31:0] col_next [COLS];
  always_comb begin
    for (int unsigned i = 0; i < ROWS; i++) begin
      row_next[i] = (first_q ? 32'd0 : row_acc_q[i]) + 32'(a_off[i]) * 32'(sum_b);
    end
    for (int unsigned j = 0; j < COLS; j++) begin
      col_next[j] = (first_q ? 32'd0 : col_acc_q[j]) + 32'(sum_a) * 32'(b_val[j]);
    end
  end

  always_ff @(posedge clk_i) begin
    if (b1_valid_q) begin
      for (int unsigned i = 0; i < ROWS; i++) row_acc_q[i] <= row_next[i];
      for (int unsigned j = 0; j < COLS; j++) col_acc_q[j] <= col_next[j];
    end
  end

  // the tile's row0/col0 come with its last beat; kept until that beat's sums are done
  logic [15:0] b1_row0_q, b1_col0_q;
  always_ff @(posedge clk_i) begin
    if (in_accept_i && in_tile_last_i) begin
      b1_row0_q <= in_row0_i;
      b1_col0_q <= in_col0_i;
    end
  end

  // ---- expected sums of the tiles whose results are still to come
  logic [EXP_W-1:0] push_data, head;
  logic             exp_empty, exp_full, exp_pop;
  always_comb begin
    push_data = '0;
    push_data[EXP_W-1] = en_i;
    push_data[EXP_W-2 -: 32] = {b1_row0_q, b1_col0_q};
    for (int unsigned i = 0; i < ROWS; i++) push_data[32*(COLS+i) +: 32] = row_next[i];
    for (int unsigned j = 0; j < COLS; j++) push_data[32*j +: 32] = col_next[j];
  end

  fpq_fifo #(.WIDTH(EXP_W), .DEPTH(2)) u_expected (
    .clk_i, .rst_ni, .flush_i,
    .push_i(b1_valid_q && b1_last_q), .wdata_i(push_data), .full_o(exp_full),
    .pop_i(exp_pop), .rdata_o(head), .empty_o(exp_empty), .count_o()
  );

  // ---- output side: one result column registered, then summed and compared
  logic                o_valid_q, o_last_q;
  logic [ROWS*32-1:0]  o_c_q;
  logic [CL-1:0]       o_col_q;
  logic [31:0]         o_row_q [ROWS];
  logic                bad_q, err_q;
  logic [63:0]         err_addr_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      o_valid_q <= 1'b0;
      o_last_q  <= 1'b0;
    end else begin
      o_valid_q <= arr_valid_i && !flush_i;
      o_last_q  <= arr_valid_i && arr_last_i && !flush_i;
    end
  end
  always_ff @(posedge clk_i) begin
    if (arr_valid_i) o_c_q <= arr_c_i;
  end

  logic        h_en;
  logic [5:0]  h_rows, h_cols;
  logic [31:0] col_sum, h_col;
  logic [31:0] row_sum [ROWS];
  logic        col_bad, row_bad, tile_bad, in_col;
  logic [5:0]  o_rows_q, o_cols_q;  // the valid rows and columns of the tile coming out

  assign h_en   = head[EXP_W-1];
  assign h_rows = o_rows_q;
  assign h_cols = o_cols_q;
  assign h_col  = head[32*o_col_q +: 32];
  assign in_col = 32'(o_col_q) < 32'(h_cols);

  always_comb begin
    col_sum = 32'd0;
    row_bad = 1'b0;
    for (int unsigned i = 0; i < ROWS; i++) begin
      if (i < 32'(h_rows)) col_sum = col_sum + o_c_q[32*i +: 32];
      row_sum[i] = o_row_q[i] + (in_col ? o_c_q[32*i +: 32] : 32'd0);
      if (i < 32'(h_rows) && row_sum[i] != head[32*(COLS+i) +: 32]) row_bad = 1'b1;
    end
    col_bad  = in_col && col_sum != h_col;
    tile_bad = h_en && (bad_q || col_bad || (o_last_q && row_bad));
  end

  assign exp_pop = o_valid_q && o_last_q;

  // the valid rows and columns of each tile, in the order its results come out
  logic             dim_empty, dim_full;
  logic [11:0]      dim_head;
  fpq_fifo #(.WIDTH(12), .DEPTH(2)) u_dims (
    .clk_i, .rst_ni, .flush_i,
    .push_i(b1_valid_q && b1_last_q), .wdata_i({b1_rows_q, b1_cols_q}), .full_o(dim_full),
    .pop_i(exp_pop), .rdata_o(dim_head), .empty_o(dim_empty), .count_o()
  );
  assign {o_rows_q, o_cols_q} = dim_head;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      o_col_q    <= '0;
      bad_q      <= 1'b0;
      err_q      <= 1'b0;
      err_addr_q <= 64'd0;
      for (int unsigned i = 0; i < ROWS; i++) o_row_q[i] <= 32'd0;
    end else if (flush_i) begin
      o_col_q <= '0;
      bad_q   <= 1'b0;
      err_q   <= 1'b0;
      for (int unsigned i = 0; i < ROWS; i++) o_row_q[i] <= 32'd0;
    end else if (o_valid_q) begin
      if (o_last_q) begin
        o_col_q <= '0;
        bad_q   <= 1'b0;
        for (int unsigned i = 0; i < ROWS; i++) o_row_q[i] <= 32'd0;
        if (tile_bad && !err_q) begin
          err_q      <= 1'b1;
          err_addr_q <= {32'd0, head[EXP_W-18 -: 16], head[EXP_W-2 -: 16]};
        end
      end else begin
        o_col_q <= o_col_q + CL'(1);
        bad_q   <= tile_bad;
        for (int unsigned i = 0; i < ROWS; i++) o_row_q[i] <= row_sum[i];
      end
    end
  end

  assign out_valid_o = o_valid_q && !err_q && !(o_last_q && tile_bad);
  assign out_last_o  = o_last_q;
  assign out_c_o     = o_c_q;
  assign tile_o      = o_valid_q && o_last_q && h_en && !err_q;
  assign fail_o      = tile_o && tile_bad;
  assign err_o       = err_q;
  assign err_addr_o  = err_addr_q;

  logic unused;
  assign unused = ^{exp_full, dim_full, dim_empty};

  // tiles in flight never exceed the output stage's two slots; every result column
  // belongs to a tile whose sums are ready
  `FPQ_ASSERT(ExpectedNotFull, b1_valid_q && b1_last_q |-> !exp_full)
  `FPQ_ASSERT(ResultsHaveSums, o_valid_q |-> !exp_empty)
  `FPQ_ASSERT_KNOWN(OutputsKnown, {out_valid_o, tile_o, fail_o, err_o})
endmodule
