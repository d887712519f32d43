// SPDX-License-Identifier: MIT
// fpq_csr: the BAR0 register file behind an AXI4-Lite slave (fpq_hw_pkg has the map).
// One read and one write in flight; reads answer from register state at once.
// A write of SOFT_RESET_KEY to SOFT_RESET returns every register to its reset value
// and pulses soft_reset_o; while resetting_i is high, writes are ignored.
module fpq_csr #(
  parameter int unsigned ROWS = 8,
  parameter int unsigned COLS = 8,
  parameter logic [31:0] IN_FORMATS = 32'h0,
  parameter logic [31:0] OUT_FORMATS = 32'h0,
  parameter logic [31:0] FEATURES = 32'h0,
  parameter int unsigned AXI_BYTES = 8,
  parameter int unsigned MAX_READS = 8,
  parameter int unsigned SRAM_A_BYTES = 0,
  parameter int unsigned SRAM_B_BYTES = 0,
  parameter int unsigned TLB_ENTRIES = 0,
  parameter int unsigned CLOCK_KHZ = 250000,
  parameter int unsigned MACS_W = 16
) (
  input  logic        clk_i,
  input  logic        rst_ni,
  // AXI4-Lite slave
  input  logic [11:0] s_awaddr_i,
  input  logic        s_awvalid_i,
  output logic        s_awready_o,
  input  logic [31:0] s_wdata_i,
  input  logic [3:0]  s_wstrb_i,
  input  logic        s_wvalid_i,
  output logic        s_wready_o,
  output logic [1:0]  s_bresp_o,
  output logic        s_bvalid_o,
  input  logic        s_bready_i,
  input  logic [11:0] s_araddr_i,
  input  logic        s_arvalid_i,
  output logic        s_arready_o,
  output logic [31:0] s_rdata_o,
  output logic [1:0]  s_rresp_o,
  output logic        s_rvalid_o,
  input  logic        s_rready_i,
  // control to the card
  output logic        enable_o,
  output logic [63:0] ring_base_o,
  output logic [3:0]  ring_log2_o,
  output logic [31:0] ring_tail_o,
  output logic [31:0] ring_head_o,
  output logic [63:0] fence_addr_o,
  output logic        inject_hang_o,
  output logic        inject_dma_read_o,
  output logic        inject_pe_o,
  input  logic        inject_hang_clr_i,
  input  logic        inject_dma_read_clr_i,
  input  logic        inject_pe_clr_i,
  output logic [31:0] fault_pe_o,        // FAULT_PE
  output logic [31:0] fault_pe_cycle_o,  // FAULT_PE_CYCLE
  output logic        abft_o,            // CONTROL.ABFT
  output logic        soft_reset_o,
  input  logic        resetting_i,
  input  logic        busy_i,
  input  logic        idle_i,
  // job completion from the command processor: job_done_i when its records are written
  // (registers), job_int_i when its fence record is too (interrupt); one-cycle pulses
  input  logic        job_done_i,
  input  logic        job_int_i,
  input  logic        job_irq_i,
  input  logic        job_error_i,
  input  logic [63:0] job_fence_i,
  input  logic [31:0] err_cause_i,
  input  logic [31:0] err_op_i,
  input  logic [63:0] err_addr_i,
  // performance events
  input  logic              perf_busy_i,
  input  logic              perf_stall_i,
  input  logic [MACS_W-1:0] perf_macs_i,
  input  logic [3:0]        perf_rd_bytes_i,
  input  logic [3:0]        perf_wr_bytes_i,
  input  logic              perf_abft_tile_i,
  input  logic              perf_abft_fail_i,
  output logic [0:0]        irq_o
);
  // CYCLES BUSY MACS STALL RD_BYTES WR_BYTES JOBS ABFT_TILES ABFT_ERRORS
  localparam int unsigned NCNT = 9;
  // FAULT_INJECT bits that exist: all three in builds with CAP_FEATURES.FAULT_INJECT
  localparam logic [2:0] INJECT_BITS = FEATURES[fpq_hw_pkg::REG_CAP_FEATURES_FAULT_INJECT_LSB] ?
                                       3'b111 : 3'b000;
  localparam int unsigned FAULT_PE_W = fpq_hw_pkg::REG_FAULT_PE_STUCK_VALUE_LSB + 1;

  // ---- state
  logic [31:0] scratch_q;
  logic        enable_q, abft_q;
  logic [FAULT_PE_W-1:0] fault_pe_q;
  logic [31:0] fault_pe_cycle_q;
  logic [31:0] ring_base_lo_q, ring_base_hi_q, ring_tail_q, ring_head_q;
  logic [3:0]  ring_log2_q;
  logic [31:0] fence_addr_lo_q, fence_addr_hi_q;
  logic [63:0] fence_q;
  logic [1:0]  int_status_q, int_mask_q;
  logic [31:0] err_cause_q, err_op_q, err_job_q, err_count_q;
  logic [63:0] err_addr_q, err_fence_q;
  logic [2:0]  inject_q;
  logic [63:0] cnt_q [NCNT];
  logic [31:0] cnt_hi_q [NCNT];

  // ---- AXI4-Lite handshakes
  logic wr_fire, rd_fire;
  assign wr_fire     = s_awvalid_i && s_wvalid_i && !s_bvalid_o;
  assign s_awready_o = wr_fire;
  assign s_wready_o  = wr_fire;
  assign rd_fire     = s_arvalid_i && !s_rvalid_o;
  assign s_arready_o = rd_fire;
  assign s_bresp_o   = 2'b00;
  assign s_rresp_o   = 2'b00;

  logic [31:0] wmask;
  assign wmask = {{8{s_wstrb_i[3]}}, {8{s_wstrb_i[2]}}, {8{s_wstrb_i[1]}}, {8{s_wstrb_i[0]}}};

  logic        we;
  logic [11:0] waddr;
  assign we    = wr_fire && !resetting_i;
  assign waddr = {s_awaddr_i[11:2], 2'b00};

  function automatic logic [31:0] merge(input logic [31:0] old, input logic [31:0] wd,
                                        input logic [31:0] m);
    merge = (old & ~m) | (wd & m);
  endfunction

  logic key_write;
  assign key_write = we && waddr == fpq_hw_pkg::REG_SOFT_RESET &&
                     (s_wdata_i & wmask) == 32'(fpq_hw_pkg::SOFT_RESET_KEY);
  assign soft_reset_o = key_write;

  logic [31:0] log2_wr, mask_wr, inject_wr, ctl_wr;
  assign ctl_wr    = merge({30'd0, abft_q, enable_q}, s_wdata_i, wmask);
  assign mask_wr   = merge({30'd0, int_mask_q}, s_wdata_i, wmask);
  assign inject_wr = merge({29'd0, inject_q}, s_wdata_i, wmask);
  assign log2_wr = merge({28'd0, ring_log2_q}, s_wdata_i, wmask);

  // ---- read data
  logic [31:0] rdata;
  logic [11:0] raddr;
  assign raddr = {s_araddr_i[11:2], 2'b00};

  // Counter index of a PERF _LO/_HI register, or NCNT for none.
  function automatic int unsigned cnt_index(input logic [11:0] a);
    int unsigned idx;
    idx = NCNT;
    if (a >= fpq_hw_pkg::REG_PERF_CYCLES_LO && a <= fpq_hw_pkg::REG_PERF_ABFT_ERRORS_HI)
      idx = 32'(a) - 32'(fpq_hw_pkg::REG_PERF_CYCLES_LO) >> 3;
    cnt_index = idx;
  endfunction

  always_comb begin
    rdata = 32'd0;
    unique case (raddr)
      fpq_hw_pkg::REG_ID:              rdata = fpq_hw_pkg::ID_MAGIC;
      fpq_hw_pkg::REG_VERSION:         rdata = fpq_hw_pkg::REG_VERSION_RESET;
      fpq_hw_pkg::REG_CAP_ARRAY:       rdata = {8'(MAX_READS), 8'(AXI_BYTES), 8'(COLS), 8'(ROWS)};
      fpq_hw_pkg::REG_CAP_IN_FORMATS:  rdata = IN_FORMATS;
      fpq_hw_pkg::REG_CAP_OUT_FORMATS: rdata = OUT_FORMATS;
      fpq_hw_pkg::REG_CAP_FEATURES:    rdata = FEATURES;
      fpq_hw_pkg::REG_CAP_MAX_M:       rdata = 32'(fpq_hw_pkg::MAX_M);
      fpq_hw_pkg::REG_CAP_MAX_N:       rdata = 32'(fpq_hw_pkg::MAX_N);
      fpq_hw_pkg::REG_CAP_MAX_K:       rdata = 32'(fpq_hw_pkg::MAX_K);
      fpq_hw_pkg::REG_CAP_RING:        rdata = fpq_hw_pkg::REG_CAP_RING_RESET;
      fpq_hw_pkg::REG_CAP_SRAM_A:      rdata = 32'(SRAM_A_BYTES);
      fpq_hw_pkg::REG_CAP_SRAM_B:      rdata = 32'(SRAM_B_BYTES);
      fpq_hw_pkg::REG_CAP_MMU:         rdata = {8'd0, 8'(TLB_ENTRIES), 8'(fpq_hw_pkg::PAGE_SHIFT),
                                                8'(fpq_hw_pkg::VA_BITS)};
      fpq_hw_pkg::REG_CAP_CLOCK_KHZ:   rdata = 32'(CLOCK_KHZ);
      fpq_hw_pkg::REG_SCRATCH:         rdata = scratch_q;
      fpq_hw_pkg::REG_CONTROL:         rdata = {30'd0, abft_q, enable_q};
      fpq_hw_pkg::REG_STATUS:          rdata = {29'd0, resetting_i, busy_i, idle_i};
      fpq_hw_pkg::REG_RING_BASE_LO:    rdata = ring_base_lo_q;
      fpq_hw_pkg::REG_RING_BASE_HI:    rdata = ring_base_hi_q;
      fpq_hw_pkg::REG_RING_LOG2:       rdata = {28'd0, ring_log2_q};
      fpq_hw_pkg::REG_RING_TAIL:       rdata = ring_tail_q;
      fpq_hw_pkg::REG_RING_HEAD:       rdata = ring_head_q;
      fpq_hw_pkg::REG_FENCE_ADDR_LO:   rdata = fence_addr_lo_q;
      fpq_hw_pkg::REG_FENCE_ADDR_HI:   rdata = fence_addr_hi_q;
      fpq_hw_pkg::REG_FENCE_LO:        rdata = fence_q[31:0];
      fpq_hw_pkg::REG_FENCE_HI:        rdata = fence_q[63:32];
      fpq_hw_pkg::REG_INT_STATUS:      rdata = {30'd0, int_status_q};
      fpq_hw_pkg::REG_INT_MASK:        rdata = {30'd0, int_mask_q};
      fpq_hw_pkg::REG_ERR_CAUSE:       rdata = err_cause_q;
      fpq_hw_pkg::REG_ERR_OP:          rdata = err_op_q;
      fpq_hw_pkg::REG_ERR_JOB:         rdata = err_job_q;
      fpq_hw_pkg::REG_ERR_COUNT:       rdata = err_count_q;
      fpq_hw_pkg::REG_ERR_ADDR_LO:     rdata = err_addr_q[31:0];
      fpq_hw_pkg::REG_ERR_ADDR_HI:     rdata = err_addr_q[63:32];
      fpq_hw_pkg::REG_ERR_FENCE_LO:    rdata = err_fence_q[31:0];
      fpq_hw_pkg::REG_ERR_FENCE_HI:    rdata = err_fence_q[63:32];
      fpq_hw_pkg::REG_FAULT_INJECT:    rdata = {29'd0, inject_q};
      fpq_hw_pkg::REG_FAULT_PE:        rdata = 32'(fault_pe_q);
      fpq_hw_pkg::REG_FAULT_PE_CYCLE:  rdata = fault_pe_cycle_q;
      default: begin
        if (cnt_index(raddr) < NCNT) begin
          rdata = raddr[2] ? cnt_hi_q[cnt_index(raddr)] : cnt_q[cnt_index(raddr)][31:0];
        end
      end
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      s_rvalid_o <= 1'b0;
      s_rdata_o  <= 32'd0;
      s_bvalid_o <= 1'b0;
    end else begin
      if (rd_fire) begin
        s_rvalid_o <= 1'b1;
        s_rdata_o  <= rdata;
      end else if (s_rready_i) begin
        s_rvalid_o <= 1'b0;
      end
      if (wr_fire) s_bvalid_o <= 1'b1;
      else if (s_bready_i) s_bvalid_o <= 1'b0;
    end
  end

  // ---- counters: the _HI half is latched when _LO is read
  logic [63:0] cnt_inc [NCNT];
  assign cnt_inc[0] = 64'd1;
  assign cnt_inc[1] = {63'd0, perf_busy_i};
  assign cnt_inc[2] = 64'(perf_macs_i);
  assign cnt_inc[3] = {63'd0, perf_stall_i};
  assign cnt_inc[4] = 64'(perf_rd_bytes_i);
  assign cnt_inc[5] = 64'(perf_wr_bytes_i);
  assign cnt_inc[6] = {63'd0, job_done_i};
  assign cnt_inc[7] = {63'd0, perf_abft_tile_i};
  assign cnt_inc[8] = {63'd0, perf_abft_fail_i};

  logic perf_clear;
  assign perf_clear = we && waddr == fpq_hw_pkg::REG_PERF_CTRL && (s_wdata_i[0] & wmask[0]);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int i = 0; i < NCNT; i++) begin
        cnt_q[i]    <= 64'd0;
        cnt_hi_q[i] <= 32'd0;
      end
    end else if (key_write || perf_clear) begin
      for (int i = 0; i < NCNT; i++) begin
        cnt_q[i]    <= 64'd0;
        cnt_hi_q[i] <= 32'd0;
      end
    end else begin
      for (int i = 0; i < NCNT; i++) cnt_q[i] <= cnt_q[i] + cnt_inc[i];
      if (rd_fire && cnt_index(raddr) < NCNT && !raddr[2])
        cnt_hi_q[cnt_index(raddr)] <= cnt_q[cnt_index(raddr)][63:32];
    end
  end

  // ---- control and status registers
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      scratch_q       <= 32'd0;
      enable_q        <= 1'b0;
      abft_q          <= 1'b0;
      fault_pe_q      <= '0;
      fault_pe_cycle_q <= 32'd0;
      ring_base_lo_q  <= 32'd0;
      ring_base_hi_q  <= 32'd0;
      ring_log2_q     <= 4'(fpq_hw_pkg::REG_RING_LOG2_RESET);
      ring_tail_q     <= 32'd0;
      ring_head_q     <= 32'd0;
      fence_addr_lo_q <= 32'd0;
      fence_addr_hi_q <= 32'd0;
      fence_q         <= 64'd0;
      int_status_q    <= 2'd0;
      int_mask_q      <= 2'd0;
      err_cause_q     <= 32'd0;
      err_op_q        <= 32'd0;
      err_job_q       <= 32'd0;
      err_count_q     <= 32'd0;
      err_addr_q      <= 64'd0;
      err_fence_q     <= 64'd0;
      inject_q        <= 3'd0;
    end else if (key_write) begin
      scratch_q       <= 32'd0;
      enable_q        <= 1'b0;
      abft_q          <= 1'b0;
      fault_pe_q      <= '0;
      fault_pe_cycle_q <= 32'd0;
      ring_base_lo_q  <= 32'd0;
      ring_base_hi_q  <= 32'd0;
      ring_log2_q     <= 4'(fpq_hw_pkg::REG_RING_LOG2_RESET);
      ring_tail_q     <= 32'd0;
      ring_head_q     <= 32'd0;
      fence_addr_lo_q <= 32'd0;
      fence_addr_hi_q <= 32'd0;
      fence_q         <= 64'd0;
      int_status_q    <= 2'd0;
      int_mask_q      <= 2'd0;
      err_cause_q     <= 32'd0;
      err_op_q        <= 32'd0;
      err_job_q       <= 32'd0;
      err_count_q     <= 32'd0;
      err_addr_q      <= 64'd0;
      err_fence_q     <= 64'd0;
      inject_q        <= 3'd0;
    end else begin
      // hardware events first; a software write in the same cycle wins where both touch
      if (job_int_i) begin
        if (job_irq_i) int_status_q[0] <= 1'b1;
        if (job_error_i) int_status_q[1] <= 1'b1;
      end
      if (job_done_i) begin
        ring_head_q <= ring_head_q + 32'd1;
        fence_q     <= job_fence_i;
        if (job_error_i) begin
          err_cause_q     <= err_cause_i;
          err_op_q        <= err_op_i;
          err_job_q       <= ring_head_q;
          err_count_q     <= err_count_q + 32'd1;
          err_addr_q      <= err_addr_i;
          err_fence_q     <= job_fence_i;
        end
      end
      if (inject_hang_clr_i) inject_q[0] <= 1'b0;
      if (inject_dma_read_clr_i) inject_q[1] <= 1'b0;
      if (inject_pe_clr_i) inject_q[2] <= 1'b0;
      if (we) begin
        unique case (waddr)
          fpq_hw_pkg::REG_SCRATCH:       scratch_q <= merge(scratch_q, s_wdata_i, wmask);
          fpq_hw_pkg::REG_CONTROL: begin
            enable_q <= ctl_wr[fpq_hw_pkg::REG_CONTROL_ENABLE_LSB];
            abft_q   <= ctl_wr[fpq_hw_pkg::REG_CONTROL_ABFT_LSB] &&
                        FEATURES[fpq_hw_pkg::REG_CAP_FEATURES_ABFT_LSB];
          end
          fpq_hw_pkg::REG_FAULT_PE:      fault_pe_q <= FAULT_PE_W'(merge(32'(fault_pe_q), s_wdata_i, wmask));
          fpq_hw_pkg::REG_FAULT_PE_CYCLE: fault_pe_cycle_q <= merge(fault_pe_cycle_q, s_wdata_i, wmask);
          fpq_hw_pkg::REG_RING_BASE_LO:  ring_base_lo_q <= merge(ring_base_lo_q, s_wdata_i, wmask) & 32'hffff_ffc0;
          fpq_hw_pkg::REG_RING_BASE_HI:  ring_base_hi_q <= merge(ring_base_hi_q, s_wdata_i, wmask);
          fpq_hw_pkg::REG_RING_LOG2: begin
            if (log2_wr < 32'(fpq_hw_pkg::RING_LOG2_MIN)) ring_log2_q <= 4'(fpq_hw_pkg::RING_LOG2_MIN);
            else if (log2_wr > 32'(fpq_hw_pkg::RING_LOG2_MAX)) ring_log2_q <= 4'(fpq_hw_pkg::RING_LOG2_MAX);
            else ring_log2_q <= log2_wr[3:0];
          end
          fpq_hw_pkg::REG_RING_TAIL:     ring_tail_q <= merge(ring_tail_q, s_wdata_i, wmask);
          fpq_hw_pkg::REG_RING_HEAD: begin
            if (!enable_q && !busy_i) ring_head_q <= merge(ring_head_q, s_wdata_i, wmask);
          end
          fpq_hw_pkg::REG_FENCE_ADDR_LO: fence_addr_lo_q <= merge(fence_addr_lo_q, s_wdata_i, wmask) & 32'hffff_fff0;
          fpq_hw_pkg::REG_FENCE_ADDR_HI: fence_addr_hi_q <= merge(fence_addr_hi_q, s_wdata_i, wmask);
          fpq_hw_pkg::REG_INT_STATUS: begin
            // write 1 to clear; a cause raised in this very cycle survives
            if (s_wdata_i[0] && wmask[0] && !(job_int_i && job_irq_i)) int_status_q[0] <= 1'b0;
            if (s_wdata_i[1] && wmask[1] && !(job_int_i && job_error_i)) int_status_q[1] <= 1'b0;
          end
          fpq_hw_pkg::REG_INT_MASK:      int_mask_q <= mask_wr[1:0];
          fpq_hw_pkg::REG_FAULT_INJECT:  inject_q <= inject_wr[2:0] & INJECT_BITS;
          default: ;
        endcase
      end
    end
  end

  assign enable_o          = enable_q;
  assign ring_base_o       = {ring_base_hi_q, ring_base_lo_q};
  assign ring_log2_o       = ring_log2_q;
  assign ring_tail_o       = ring_tail_q;
  assign ring_head_o       = ring_head_q;
  assign fence_addr_o      = {fence_addr_hi_q, fence_addr_lo_q};
  assign inject_hang_o     = inject_q[0];
  assign inject_dma_read_o = inject_q[1];
  assign inject_pe_o       = inject_q[2];
  assign fault_pe_o        = 32'(fault_pe_q);
  assign fault_pe_cycle_o  = fault_pe_cycle_q;
  assign abft_o            = abft_q;
  assign irq_o[0]          = |(int_status_q & int_mask_q);

  // registers are 32-bit aligned words; the upper bits of a narrow register's write
  // value are dropped
  logic unused;
  assign unused = ^{s_awaddr_i[1:0], s_araddr_i[1:0], mask_wr[31:2], inject_wr[31:3], ctl_wr[31:2]};
endmodule
