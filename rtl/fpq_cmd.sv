// SPDX-License-Identifier: MIT
// fpq_cmd: the command processor.
//
// While CONTROL.ENABLE is set and RING_HEAD != RING_TAIL it fetches the job descriptor at
// the head of the ring, checks it, then for each operation fetches the operation
// descriptor, checks it (fpq_op_check) and hands it to the tile engine. Completion: the
// operation records, the completion header, each only after every earlier write was
// answered; then job_done_o updates the registers (RING_HEAD, FENCE, ERR_*); then the
// fence record; once it is answered, job_int_o raises the interrupt. So whoever sees the
// fence record in memory finds the records and the registers up to date. Any failure (invalid descriptor, page fault, bus
// error, an output tile failing its ABFT check) aborts the job: the engines are flushed, the bus drains, and the job completes
// with the cause. sreset_i (soft reset) returns to idle at once.
`include "fpq_assert.svh"

module fpq_cmd #(
  parameter logic [31:0] IN_FORMATS = 32'h0,
  parameter logic [31:0] OUT_FORMATS = 32'h0,
  parameter bit          MX_OUTPUT = 1'b1
) (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        sreset_i,
  // register file
  input  logic        enable_i,
  input  logic [63:0] ring_base_i,
  input  logic [3:0]  ring_log2_i,
  input  logic [31:0] ring_tail_i,
  input  logic [31:0] ring_head_i,
  input  logic [63:0] fence_addr_i,
  input  logic        inject_hang_i,
  output logic        inject_hang_clr_o,
  output logic        busy_o,
  output logic        job_done_o,
  output logic        job_int_o,
  output logic        job_irq_o,
  output logic        job_error_o,
  output logic [63:0] job_fence_o,
  output logic [31:0] err_cause_o,
  output logic [31:0] err_op_o,
  output logic [63:0] err_addr_o,
  // engines
  output logic        flush_o,
  output logic [63:0] pt_root_o,
  output logic        sel_tile_o,
  output logic        te_start_o,
  output fpq_hw_pkg::op_desc_t te_op_o,
  input  logic        te_done_i,
  input  logic        te_idle_i,
  input  logic [31:0] te_clamped_i,
  input  logic [31:0] te_saturated_i,
  input  logic [31:0] te_nan_to_zero_i,
  input  logic [31:0] te_overflowed_i,
  input  logic [63:0] te_macs_i,
  input  logic        rd_err_i,
  input  logic [63:0] rd_err_addr_i,
  input  logic        wr_err_i,
  input  logic [63:0] wr_err_addr_i,
  input  logic        mmu_fault_i,
  input  logic [31:0] mmu_code_i,
  input  logic [63:0] mmu_va_i,
  input  logic        abft_err_i,    // an output tile failed its ABFT check
  input  logic [63:0] abft_addr_i,   // ... which (ERR_CHECKSUM's ERR_ADDR)
  input  logic        rd_idle_i,
  input  logic        wr_idle_i,
  // descriptor reads (bus addresses)
  output logic        rd_req_valid_o,
  input  logic        rd_req_ready_i,
  output logic [63:0] rd_req_addr_o,
  output logic [23:0] rd_req_len_o,
  input  logic        rd_data_valid_i,
  input  logic [63:0] rd_data_i,
  // record writes (bus addresses)
  output logic        wr_req_valid_o,
  input  logic        wr_req_ready_i,
  output logic [63:0] wr_req_addr_o,
  output logic [23:0] wr_req_len_o,
  output logic        wr_data_valid_o,
  input  logic        wr_data_ready_i,
  output logic [63:0] wr_data_o
);
  typedef enum logic [4:0] {
    S_IDLE, S_RD_REQ, S_RD_DATA, S_JOB_CHECK, S_OP_CHECK, S_OP_RUN, S_OP_SETTLE, S_HANG,
    S_ABORT, S_DRAIN, S_WR_REQ, S_WR_DATA, S_WR_WAIT, S_DONE
  } state_e;
  // what a write or read step is for, and where the sequence goes after it
  typedef enum logic [2:0] {K_JOB, K_OP, K_OPREC, K_ZEROS, K_HEADER, K_FENCE} kind_e;

  state_e state_q, state_d;
  kind_e  kind_q, kind_d;

  logic [2047:0] buf_q, buf_d;
  // word index of the running read (at most the 32 words of buf_q) or write (up to a
  // zeroed record of every operation of a job: 32 * MAX_OPS_PER_JOB bytes)
  localparam int unsigned WORD_W = 10;
  logic [WORD_W-1:0] word_q, word_d;
  logic [23:0]   wlen_q, wlen_d;      // bytes of the running write
  logic [63:0]   rd_addr_q, rd_addr_d, wr_addr_q, wr_addr_d;  // the running read, write
  logic [23:0]   rd_len_q, rd_len_d;

  fpq_hw_pkg::job_desc_t job;
  fpq_hw_pkg::op_desc_t  op;
  assign job = buf_q[511:0];
  assign op  = buf_q;

  logic [63:0] fence_q, fence_d;
  logic [63:0] ops_addr_q, ops_addr_d, compl_addr_q, compl_addr_d, pt_root_q, pt_root_d;
  logic [7:0]  num_ops_q, num_ops_d, op_idx_q, op_idx_d;
  logic        irq_q, irq_d, have_job_q, have_job_d;
  logic [31:0] status_q, status_d;
  logic [63:0] err_addr_q, err_addr_d;
  logic [63:0] job_cycles_q, job_cycles_d, op_cycles_q, op_cycles_d;
  logic [31:0] st_clamped_q, st_clamped_d, st_saturated_q, st_saturated_d;
  logic [31:0] st_nan_q, st_nan_d, st_overflowed_q, st_overflowed_d;
  logic [63:0] st_macs_q, st_macs_d;

  // ---- checks
  logic [31:0] op_err;
  fpq_op_check #(.IN_FORMATS(IN_FORMATS), .OUT_FORMATS(OUT_FORMATS), .MX_OUTPUT(MX_OUTPUT))
    u_check (.op_i(op), .err_o(op_err));

  logic [31:0] job_err;
  always_comb begin
    job_err = fpq_hw_pkg::ERR_OK;
    if (job.header.kind != fpq_hw_pkg::JOB_KIND_GEMM || job.header.num_ops == 8'd0 ||
        job.ops_addr[5:0] != 6'd0 || job.pt_root[11:0] != 12'd0 ||
        job.completion_addr[4:0] != 5'd0)
      job_err = fpq_hw_pkg::ERR_BAD_JOB;
    else if (job.header.rsvd != '0 || job.rsvd0 != '0 || job.rsvd1 != '0 || job.rsvd2 != '0 ||
             job.rsvd3 != '0)
      job_err = fpq_hw_pkg::ERR_RESERVED;
  end

  // the first engine error of a running operation
  logic        eng_err;
  logic [31:0] eng_code;
  logic [63:0] eng_addr;
  always_comb begin
    eng_err  = 1'b1;
    eng_code = fpq_hw_pkg::ERR_OK;
    eng_addr = 64'd0;
    if (mmu_fault_i) begin
      eng_code = mmu_code_i;
      eng_addr = mmu_va_i;
    end else if (rd_err_i) begin
      eng_code = fpq_hw_pkg::ERR_DMA_READ;
      eng_addr = rd_err_addr_i;
    end else if (wr_err_i) begin
      eng_code = fpq_hw_pkg::ERR_DMA_WRITE;
      eng_addr = wr_err_addr_i;
    end else if (abft_err_i) begin
      eng_code = fpq_hw_pkg::ERR_CHECKSUM;
      eng_addr = abft_addr_i;
    end else begin
      eng_err = 1'b0;
    end
  end

  // ---- addresses
  logic [63:0] ring_slot_addr;
  assign ring_slot_addr = ring_base_i +
    ({32'd0, ring_head_i & ((32'd1 << ring_log2_i) - 32'd1)} << 6);

  // ---- write data of the record being written
  always_comb begin
    wr_data_o = 64'd0;
    unique case (kind_q)
      K_OPREC: begin
        unique case (word_q[1:0])
          2'd0: wr_data_o = {st_saturated_q, st_clamped_q};
          2'd1: wr_data_o = {st_overflowed_q, st_nan_q};
          2'd2: wr_data_o = op_cycles_q;
          default: wr_data_o = st_macs_q;
        endcase
      end
      K_HEADER: begin
        unique case (word_q[1:0])
          2'd0: wr_data_o = fence_q;
          2'd1: wr_data_o = {24'd0, op_idx_q, status_q};
          2'd2: wr_data_o = job_cycles_q;
          default: wr_data_o = err_addr_q;
        endcase
      end
      K_FENCE: wr_data_o = word_q[0] ? {status_q, ring_head_i} : fence_q;
      default: wr_data_o = 64'd0;
    endcase
  end

  // ---- sequencing
  logic start_job;
  assign start_job = state_q == S_IDLE && enable_i && ring_head_i != ring_tail_i;
  // fresh engines and an empty TLB for every job; an abort drops everything in flight
  assign flush_o = start_job || state_q == S_ABORT;

  logic wr_step_done;
  assign wr_step_done = wr_data_valid_o && wr_data_ready_i && 24'({word_q, 3'b000}) + 24'd8 >= wlen_q;

  always_comb begin
    state_d         = state_q;
    kind_d          = kind_q;
    buf_d           = buf_q;
    word_d          = word_q;
    wlen_d          = wlen_q;
    fence_d         = fence_q;
    ops_addr_d      = ops_addr_q;
    compl_addr_d    = compl_addr_q;
    pt_root_d       = pt_root_q;
    num_ops_d       = num_ops_q;
    op_idx_d        = op_idx_q;
    irq_d           = irq_q;
    have_job_d      = have_job_q;
    status_d        = status_q;
    err_addr_d      = err_addr_q;
    job_cycles_d    = job_cycles_q;
    op_cycles_d     = op_cycles_q;
    st_clamped_d    = st_clamped_q;
    st_saturated_d  = st_saturated_q;
    st_nan_d        = st_nan_q;
    st_overflowed_d = st_overflowed_q;
    st_macs_d       = st_macs_q;
    rd_addr_d       = rd_addr_q;
    rd_len_d        = rd_len_q;
    wr_addr_d       = wr_addr_q;
    if (sreset_i) begin
      state_d = S_IDLE;
    end else begin
      job_cycles_d = job_cycles_q + 64'd1;
      op_cycles_d  = op_cycles_q + 64'd1;
      unique case (state_q)
        S_IDLE: begin
          if (start_job) begin
            job_cycles_d  = 64'd0;
            have_job_d    = 1'b0;
            status_d      = fpq_hw_pkg::ERR_OK;
            err_addr_d    = 64'd0;
            op_idx_d      = 8'd0;
            fence_d       = 64'd0;
            irq_d         = 1'b1;
            kind_d        = K_JOB;
            rd_addr_d     = ring_slot_addr;
            rd_len_d      = 24'd64;
            state_d       = S_RD_REQ;
          end
        end
        S_RD_REQ: if (rd_req_ready_i) begin
          word_d  = '0;
          state_d = S_RD_DATA;
        end
        S_RD_DATA: begin
          if (rd_data_valid_i) begin
            buf_d[{word_q[4:0], 6'd0} +: 64] = rd_data_i;
            word_d = word_q + 1'b1;
            if (24'({word_q, 3'b000}) + 24'd8 == rd_len_q)
              state_d = kind_q == K_JOB ? S_JOB_CHECK : S_OP_CHECK;
          end else if (rd_err_i) begin
            // the descriptor itself is unreadable: complete with the bus error
            status_d   = fpq_hw_pkg::ERR_DMA_READ;
            err_addr_d = rd_err_addr_i;
            state_d    = S_ABORT;
          end
        end
        S_JOB_CHECK: if (rd_err_i) begin
          status_d   = fpq_hw_pkg::ERR_DMA_READ;
          err_addr_d = rd_err_addr_i;
          state_d    = S_ABORT;
        end else begin
          fence_d      = job.fence;
          ops_addr_d   = job.ops_addr;
          compl_addr_d = job.completion_addr;
          pt_root_d    = job.pt_root;
          num_ops_d    = job.header.num_ops;
          irq_d        = job.header.irq;
          if (job_err != fpq_hw_pkg::ERR_OK) begin
            status_d   = job_err;
            have_job_d = job_err != fpq_hw_pkg::ERR_BAD_JOB || job.completion_addr[4:0] == 5'd0;
            num_ops_d  = 8'd0;   // no operation records for an invalid job
            state_d    = S_ABORT;
          end else begin
            have_job_d    = 1'b1;
            kind_d        = K_OP;
            rd_addr_d     = job.ops_addr;
            rd_len_d      = 24'(fpq_hw_pkg::OP_DESC_BYTES);
            state_d       = S_RD_REQ;
          end
        end
        S_OP_CHECK: begin
          if (rd_err_i) begin
            status_d   = fpq_hw_pkg::ERR_DMA_READ;
            err_addr_d = rd_err_addr_i;
            state_d    = S_ABORT;
          end else if (op_err != fpq_hw_pkg::ERR_OK) begin
            status_d = op_err;
            state_d  = S_ABORT;
          end else begin
            op_cycles_d = 64'd0;
            state_d     = inject_hang_i ? S_HANG : S_OP_RUN;
          end
        end
        S_OP_RUN: begin
          if (eng_err) begin
            status_d   = eng_code;
            err_addr_d = eng_addr;
            state_d    = S_ABORT;
          end else if (te_done_i) begin
            st_clamped_d    = te_clamped_i;
            st_saturated_d  = te_saturated_i;
            st_nan_d        = te_nan_to_zero_i;
            st_overflowed_d = te_overflowed_i;
            st_macs_d       = te_macs_i;
            state_d         = S_OP_SETTLE;
          end
        end
        S_OP_SETTLE: begin
          // every C write answered before the operation counts as done
          if (eng_err) begin
            status_d   = eng_code;
            err_addr_d = eng_addr;
            state_d    = S_ABORT;
          end else if (rd_idle_i && wr_idle_i) begin
            kind_d        = K_OPREC;
            wr_addr_d     = compl_addr_q + 64'(fpq_hw_pkg::COMPLETION_BYTES) +
                            ({56'd0, op_idx_q} << 5);
            wlen_d        = 24'd32;
            state_d       = S_WR_REQ;
          end
        end
        S_HANG: ;  // FAULT_INJECT.HANG: no progress until soft reset
        S_ABORT: state_d = S_DRAIN;
        S_DRAIN: begin
          if (rd_idle_i && wr_idle_i && te_idle_i) begin
            if (have_job_q && op_idx_q < num_ops_q) begin
              kind_d        = K_ZEROS;
              wr_addr_d     = compl_addr_q + 64'(fpq_hw_pkg::COMPLETION_BYTES) +
                              ({56'd0, op_idx_q} << 5);
              wlen_d        = {11'd0, num_ops_q - op_idx_q, 5'd0};
              state_d       = S_WR_REQ;
            end else if (have_job_q) begin
              kind_d        = K_HEADER;
              wr_addr_d     = compl_addr_q;
              wlen_d        = 24'd32;
              state_d       = S_WR_REQ;
            end else begin
              state_d = S_DONE;
            end
          end
        end
        S_WR_REQ: if (wr_req_ready_i) begin
          word_d  = '0;
          state_d = S_WR_DATA;
        end
        S_WR_DATA: if (wr_data_valid_o && wr_data_ready_i) begin
          word_d = word_q + 1'b1;
          if (wr_step_done) state_d = S_WR_WAIT;
        end
        S_WR_WAIT: if (wr_idle_i) begin
          // a failed record write is reported like any bus error; the sequence goes on
          if (wr_err_i && status_q == fpq_hw_pkg::ERR_OK) begin
            status_d   = fpq_hw_pkg::ERR_DMA_WRITE;
            err_addr_d = wr_err_addr_i;
          end
          unique case (kind_q)
            K_OPREC: begin
              op_idx_d = op_idx_q + 8'd1;
              if (op_idx_q + 8'd1 < num_ops_q) begin
                kind_d        = K_OP;
                rd_addr_d     = ops_addr_q + ({56'd0, op_idx_q + 8'd1} << 8);
                rd_len_d      = 24'(fpq_hw_pkg::OP_DESC_BYTES);
                state_d       = S_RD_REQ;
              end else begin
                kind_d        = K_HEADER;
                wr_addr_d     = compl_addr_q;
                wlen_d        = 24'd32;
                state_d       = S_WR_REQ;
              end
            end
            K_ZEROS: begin
              kind_d        = K_HEADER;
              wr_addr_d     = compl_addr_q;
              wlen_d        = 24'd32;
              state_d       = S_WR_REQ;
            end
            K_HEADER: state_d = S_DONE;
            default: state_d = S_IDLE;   // K_FENCE: job_int_o rises now
          endcase
        end
        S_DONE: begin
          if (fence_addr_i != 64'd0) begin
            kind_d        = K_FENCE;
            wr_addr_d     = fence_addr_i;
            wlen_d        = 24'd16;
            state_d       = S_WR_REQ;
          end else begin
            state_d = S_IDLE;
          end
        end
        default: state_d = S_IDLE;
      endcase
      if (state_q == S_OP_CHECK && op_err == fpq_hw_pkg::ERR_OK) op_cycles_d = 64'd0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q         <= S_IDLE;
      kind_q          <= K_JOB;
      buf_q           <= '0;
      word_q          <= '0;
      wlen_q          <= 24'd0;
      fence_q         <= 64'd0;
      ops_addr_q      <= 64'd0;
      compl_addr_q    <= 64'd0;
      pt_root_q       <= 64'd0;
      num_ops_q       <= 8'd0;
      op_idx_q        <= 8'd0;
      irq_q           <= 1'b0;
      have_job_q      <= 1'b0;
      status_q        <= 32'd0;
      err_addr_q      <= 64'd0;
      job_cycles_q    <= 64'd0;
      op_cycles_q     <= 64'd0;
      st_clamped_q    <= 32'd0;
      st_saturated_q  <= 32'd0;
      st_nan_q        <= 32'd0;
      st_overflowed_q <= 32'd0;
      st_macs_q       <= 64'd0;
      rd_addr_q       <= 64'd0;
      rd_len_q        <= 24'd0;
      wr_addr_q       <= 64'd0;
    end else begin
      state_q         <= state_d;
      kind_q          <= kind_d;
      buf_q           <= buf_d;
      word_q          <= word_d;
      wlen_q          <= wlen_d;
      fence_q         <= fence_d;
      ops_addr_q      <= ops_addr_d;
      compl_addr_q    <= compl_addr_d;
      pt_root_q       <= pt_root_d;
      num_ops_q       <= num_ops_d;
      op_idx_q        <= op_idx_d;
      irq_q           <= irq_d;
      have_job_q      <= have_job_d;
      status_q        <= status_d;
      err_addr_q      <= err_addr_d;
      job_cycles_q    <= job_cycles_d;
      op_cycles_q     <= op_cycles_d;
      st_clamped_q    <= st_clamped_d;
      st_saturated_q  <= st_saturated_d;
      st_nan_q        <= st_nan_d;
      st_overflowed_q <= st_overflowed_d;
      st_macs_q       <= st_macs_d;
      rd_addr_q       <= rd_addr_d;
      rd_len_q        <= rd_len_d;
      wr_addr_q       <= wr_addr_d;
    end
  end

  // registers when the records are written; the interrupt once the fence record is
  logic fence_written;
  assign fence_written = state_q == S_WR_WAIT && kind_q == K_FENCE && wr_idle_i;
  assign job_done_o    = !sreset_i && state_q == S_DONE;
  assign job_int_o     = !sreset_i && (fence_written || (state_q == S_DONE && fence_addr_i == 64'd0));
  assign job_irq_o     = irq_q;
  assign job_error_o   = status_q != fpq_hw_pkg::ERR_OK;
  assign job_fence_o   = fence_q;
  assign err_cause_o   = status_q;
  assign err_op_o      = {24'd0, op_idx_q};
  assign err_addr_o    = err_addr_q;

  assign te_start_o        = state_q == S_OP_CHECK && op_err == fpq_hw_pkg::ERR_OK && !rd_err_i &&
                             !sreset_i;
  assign inject_hang_clr_o = te_start_o && inject_hang_i;
  assign te_op_o           = op;
  assign pt_root_o         = pt_root_q;
  assign sel_tile_o        = state_q == S_OP_RUN || state_q == S_HANG ||
                             (state_q == S_OP_CHECK && op_err == fpq_hw_pkg::ERR_OK);
  assign busy_o            = state_q != S_IDLE;

  assign rd_req_valid_o  = state_q == S_RD_REQ;
  assign rd_req_addr_o   = rd_addr_q;
  assign rd_req_len_o    = rd_len_q;
  assign wr_req_addr_o   = wr_addr_q;
  assign wr_req_valid_o  = state_q == S_WR_REQ;
  assign wr_req_len_o    = wlen_q;
  assign wr_data_valid_o = state_q == S_WR_DATA;

  // descriptor reads and record writes are held until taken (a soft reset drops them)
  `FPQ_ASSERT_HANDSHAKE(RdReqHeld, rd_req_valid_o, rd_req_ready_i,
                        {rd_req_addr_o, rd_req_len_o}, sreset_i)
  `FPQ_ASSERT_HANDSHAKE(WrReqHeld, wr_req_valid_o, wr_req_ready_i,
                        {wr_req_addr_o, wr_req_len_o}, sreset_i)
  `FPQ_ASSERT_HANDSHAKE(WrDataHeld, wr_data_valid_o, wr_data_ready_i, wr_data_o, sreset_i)
  // a descriptor fits the buffer; reads and writes are whole words
  `FPQ_ASSERT(ReadFitsBuffer, rd_req_valid_o |-> rd_req_len_o != 24'd0 &&
                              rd_req_len_o <= 24'd256 && rd_req_len_o[2:0] == 3'd0)
  // the longest write, every record of a job zeroed, counts its words in word_q
  `FPQ_ASSERT_INIT(WordCountFits, 64'(8) << WORD_W >= 64'(fpq_hw_pkg::OP_STATUS_BYTES) *
                                  fpq_hw_pkg::MAX_OPS_PER_JOB)
  `FPQ_ASSERT(WriteFitsWordCount, wr_req_valid_o |-> 32'(wr_req_len_o) <= 32'(8) << WORD_W)
  `FPQ_ASSERT(WriteWholeWords, wr_req_valid_o |-> wr_req_len_o != 24'd0 &&
                               wr_req_len_o[2:0] == 3'd0)
  `FPQ_ASSERT(StateLegal, state_q <= S_DONE)
  // the registers update once per job
  `FPQ_ASSERT(DoneOnce, job_done_o |=> !job_done_o)
  `FPQ_ASSERT_KNOWN(OutputsKnown, {busy_o, job_done_o, job_int_o, flush_o, te_start_o,
                                   rd_req_valid_o, wr_req_valid_o, wr_data_valid_o})
endmodule
