// SPDX-License-Identifier: MIT
// fpq_te_sched: the loop nest of one GEMM operation, as two ordered command streams.
//
//   for each block of P row tiles (ib):       A rows of the block stay in an A slot
//     for each column tile j:                 B rows of j and its per-channel arrays
//       for each K chunk c:                   (one chunk when K fits the slots)
//         for each row tile t of the block:   one compute step: tile (ib*P+t, j), chunk c
//
// Either K fits (resident: nk = 1, P up to P_MAX row tiles share each B tile) or it is
// streamed in chunks (nk > 1, P = 1). Every load is emitted before the first step that
// uses it, so with two slots per kind the loader runs at most one load ahead of the
// compute side and never deadlocks. A step says when it is the last user of a slot.
`include "fpq_assert.svh"

module fpq_te_sched #(
  parameter int unsigned ROWS = 8,
  parameter int unsigned COLS = 8
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic                 flush_i,
  input  logic                 start_i,
  input  logic [31:0]          m_i,
  input  logic [31:0]          n_i,
  input  logic [31:0]          k_i,
  input  logic [15:0]          mt_i,      // row tiles
  input  logic [15:0]          nt_i,      // column tiles
  input  logic [3:0]           p_i,       // row tiles per A block
  input  logic [6:0]           nk_i,      // K chunks
  input  logic [16:0]          kc_i,      // elements per chunk (all but the last)
  output logic                 ld_valid_o,
  input  logic                 ld_ready_i,
  output fpq_te_pkg::ld_t      ld_o,
  output logic                 cp_valid_o,
  input  logic                 cp_ready_i,
  output fpq_te_pkg::cp_t      cp_o,
  output logic                 busy_o
);
  typedef enum logic [2:0] {S_IDLE, S_LD_A, S_LD_B, S_LD_P, S_STEP} state_e;
  state_e state_q;

  logic [15:0] ib_q, j_q;       // A block, column tile
  logic [6:0]  c_q;             // chunk
  logic [3:0]  t_q;             // row tile in the block
  logic [31:0] arow_q;          // first row of the block
  logic [31:0] col_q;           // first column of the tile
  logic [16:0] k0_q;            // first element of the chunk

  logic [31:0] m_q, n_q, k_q;
  logic [15:0] mt_q, nt_q;
  logic [3:0]  p_q;
  logic [6:0]  nk_q;
  logic [16:0] kc_q;

  // row tiles in this block, chunk length, valid rows/columns
  logic [15:0] tiles_left;
  logic [3:0]  pa;
  logic [16:0] klen;
  logic [31:0] ablock_rows, trow0, rows_left, cols_left;
  assign tiles_left  = mt_q - ib_q * 16'(p_q);
  assign pa          = tiles_left < 16'(p_q) ? tiles_left[3:0] : p_q;
  assign klen        = (k_q - 32'(k0_q)) < 32'(kc_q) ? 17'(k_q - 32'(k0_q)) : kc_q;
  assign ablock_rows = m_q - arow_q;
  assign trow0       = arow_q + 32'(t_q) * ROWS;
  assign rows_left   = m_q - trow0;
  assign cols_left   = n_q - col_q;

  logic need_a;
  assign need_a = t_q == 4'd0 && (nk_q != 7'd1 || j_q == 16'd0);

  always_comb begin
    ld_o       = '0;
    ld_o.k0    = k0_q;
    ld_o.klen  = klen;
    ld_valid_o = 1'b0;
    unique case (state_q)
      S_LD_A: begin
        ld_valid_o = need_a;
        ld_o.kind  = fpq_te_pkg::LD_A;
        ld_o.row0  = arow_q[15:0];
        ld_o.nrows = ablock_rows < 32'(pa) * ROWS ? 9'(ablock_rows) : 9'(32'(pa) * ROWS);
      end
      S_LD_B, S_LD_P: begin
        ld_valid_o = state_q == S_LD_P || t_q == 4'd0;
        ld_o.kind  = state_q == S_LD_B ? fpq_te_pkg::LD_B : fpq_te_pkg::LD_P;
        ld_o.row0  = col_q[15:0];
        ld_o.nrows = cols_left < COLS ? 9'(cols_left) : 9'(COLS);
      end
      default: ;
    endcase
  end

  always_comb begin
    cp_o       = '0;
    cp_o.t     = t_q;
    cp_o.row0  = trow0[15:0];
    cp_o.rows  = rows_left < ROWS ? 6'(rows_left) : 6'(ROWS);
    cp_o.col0  = col_q[15:0];
    cp_o.cols  = cols_left < COLS ? 6'(cols_left) : 6'(COLS);
    cp_o.klen  = klen;
    cp_o.first = c_q == 7'd0;
    cp_o.last  = c_q == nk_q - 7'd1;
    cp_o.rel_a = t_q == pa - 4'd1 && (nk_q != 7'd1 || j_q == nt_q - 16'd1);
    cp_o.rel_b = t_q == pa - 4'd1;
    cp_o.rel_p = c_q == nk_q - 7'd1 && t_q == pa - 4'd1;
    cp_valid_o = state_q == S_STEP;
  end

  // ---- next state
  state_e      state_d;
  logic [15:0] ib_d, j_d;
  logic [6:0]  c_d;
  logic [3:0]  t_d;
  logic [31:0] arow_d, col_d;
  logic [16:0] k0_d;
  logic [31:0] m_d, n_d, k_d;
  logic [15:0] mt_d, nt_d;
  logic [3:0]  p_d;
  logic [6:0]  nk_d;
  logic [16:0] kc_d;

  always_comb begin
    state_d = state_q;
    ib_d    = ib_q;
    j_d     = j_q;
    c_d     = c_q;
    t_d     = t_q;
    arow_d  = arow_q;
    col_d   = col_q;
    k0_d    = k0_q;
    m_d     = m_q;
    n_d     = n_q;
    k_d     = k_q;
    mt_d    = mt_q;
    nt_d    = nt_q;
    p_d     = p_q;
    nk_d    = nk_q;
    kc_d    = kc_q;
    if (flush_i) begin
      state_d = S_IDLE;
    end else begin
      unique case (state_q)
        S_IDLE: if (start_i) begin
          m_d     = m_i;
          n_d     = n_i;
          k_d     = k_i;
          mt_d    = mt_i;
          nt_d    = nt_i;
          p_d     = p_i;
          nk_d    = nk_i;
          kc_d    = kc_i;
          ib_d    = 16'd0;
          j_d     = 16'd0;
          c_d     = 7'd0;
          t_d     = 4'd0;
          arow_d  = 32'd0;
          col_d   = 32'd0;
          k0_d    = 17'd0;
          state_d = S_LD_A;
        end
        S_LD_A: if (!need_a || ld_ready_i) state_d = S_LD_B;
        S_LD_B: if (t_q != 4'd0) state_d = S_STEP;
                else if (ld_ready_i) state_d = c_q == 7'd0 ? S_LD_P : S_STEP;
        S_LD_P: if (ld_ready_i) state_d = S_STEP;
        S_STEP: if (cp_ready_i) begin
          state_d = S_LD_A;
          if (t_q != pa - 4'd1) begin
            t_d = t_q + 4'd1;
          end else begin
            t_d = 4'd0;
            if (c_q != nk_q - 7'd1) begin
              c_d  = c_q + 7'd1;
              k0_d = k0_q + kc_q;
            end else begin
              c_d  = 7'd0;
              k0_d = 17'd0;
              if (j_q != nt_q - 16'd1) begin
                j_d   = j_q + 16'd1;
                col_d = col_q + COLS;
              end else begin
                j_d    = 16'd0;
                col_d  = 32'd0;
                ib_d   = ib_q + 16'd1;
                arow_d = arow_q + 32'(p_q) * ROWS;
                if (tiles_left <= 16'(p_q)) state_d = S_IDLE;
              end
            end
          end
        end
        default: state_d = S_IDLE;
      endcase
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= S_IDLE;
      ib_q    <= 16'd0;
      j_q     <= 16'd0;
      c_q     <= 7'd0;
      t_q     <= 4'd0;
      arow_q  <= 32'd0;
      col_q   <= 32'd0;
      k0_q    <= 17'd0;
      m_q     <= 32'd0;
      n_q     <= 32'd0;
      k_q     <= 32'd0;
      mt_q    <= 16'd0;
      nt_q    <= 16'd0;
      p_q     <= 4'd1;
      nk_q    <= 7'd1;
      kc_q    <= 17'd0;
    end else begin
      state_q <= state_d;
      ib_q    <= ib_d;
      j_q     <= j_d;
      c_q     <= c_d;
      t_q     <= t_d;
      arow_q  <= arow_d;
      col_q   <= col_d;
      k0_q    <= k0_d;
      m_q     <= m_d;
      n_q     <= n_d;
      k_q     <= k_d;
      mt_q    <= mt_d;
      nt_q    <= nt_d;
      p_q     <= p_d;
      nk_q    <= nk_d;
      kc_q    <= kc_d;
    end
  end

  assign busy_o = state_q != S_IDLE;

  logic unused;
  assign unused = ^{k_q[31:17], mt_q};

  // the tile sizes fit the 6-bit row and column counts of a step
  `FPQ_ASSERT_INIT(TileFitsStep, ROWS >= 1 && ROWS <= 63 && COLS >= 1 && COLS <= 63)
  `FPQ_ASSERT_HANDSHAKE(LoadHeld, ld_valid_o, ld_ready_i, ld_o, flush_i)
  `FPQ_ASSERT_HANDSHAKE(StepHeld, cp_valid_o, cp_ready_i, cp_o, flush_i)
  `FPQ_ASSERT_KNOWN(OutputsKnown, {ld_valid_o, cp_valid_o, busy_o})
endmodule
