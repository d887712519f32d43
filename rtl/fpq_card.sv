// SPDX-License-Identifier: MIT
// fpq_card: the fpq accelerator card, with the interfaces a vendor PCIe shell offers:
// an AXI4-Lite slave for BAR0 (Documentation/registers.rst), an AXI4 master to host
// memory (64-bit addresses, 64-bit data, INCR bursts, several reads outstanding, one ID),
// one interrupt request line per MSI/MSI-X vector (one vector), clock and reset.
//
//   fpq_csr          registers, counters, interrupt
//   fpq_cmd          ring, job and operation descriptors, completion records
//   fpq_tile_engine  operand buffers, systolic array (fpq_array), epilogue, C writes
//   fpq_mmu          device virtual addresses through the job's page table
//   fpq_dma_rd/_wr   the AXI4 master
// A soft reset flushes every engine at once and waits for the bus transactions already
// issued to finish (reads are dropped, committed writes carry no surprise), so the bus
// protocol holds at any moment.
module fpq_card #(
  parameter int unsigned ROWS = 8,
  parameter int unsigned COLS = 8,
  parameter logic [15:0] FORMATS = 16'h00FE,
  parameter int unsigned SLOT_WORDS = 512,
  parameter int unsigned P_MAX = 8,
  parameter int unsigned TLB_ENTRIES = 16,   // TLB lines of 8 pages each
  parameter int unsigned MAX_READS = 8,
  parameter int unsigned CLOCK_KHZ = 250000,
  // ABFT checksums of INT8 output tiles (fpq_abft; CAP_FEATURES.ABFT)
  parameter bit          ABFT = 1'b1,
  // the FAULT_INJECT register, with the PE fault injector (CAP_FEATURES.FAULT_INJECT;
  // test builds)
  parameter bit          FAULT_INJECT = 1'b1
) (
  input  logic        clk_i,
  input  logic        rst_ni,
  // AXI4-Lite slave (BAR0)
  input  logic [11:0] s_axil_awaddr_i,
  input  logic        s_axil_awvalid_i,
  output logic        s_axil_awready_o,
  input  logic [31:0] s_axil_wdata_i,
  input  logic [3:0]  s_axil_wstrb_i,
  input  logic        s_axil_wvalid_i,
  output logic        s_axil_wready_o,
  output logic [1:0]  s_axil_bresp_o,
  output logic        s_axil_bvalid_o,
  input  logic        s_axil_bready_i,
  input  logic [11:0] s_axil_araddr_i,
  input  logic        s_axil_arvalid_i,
  output logic        s_axil_arready_o,
  output logic [31:0] s_axil_rdata_o,
  output logic [1:0]  s_axil_rresp_o,
  output logic        s_axil_rvalid_o,
  input  logic        s_axil_rready_i,
  // AXI4 master (host memory)
  output logic [3:0]  m_axi_awid_o,
  output logic [63:0] m_axi_awaddr_o,
  output logic [7:0]  m_axi_awlen_o,
  output logic [2:0]  m_axi_awsize_o,
  output logic [1:0]  m_axi_awburst_o,
  output logic        m_axi_awvalid_o,
  input  logic        m_axi_awready_i,
  output logic [63:0] m_axi_wdata_o,
  output logic [7:0]  m_axi_wstrb_o,
  output logic        m_axi_wlast_o,
  output logic        m_axi_wvalid_o,
  input  logic        m_axi_wready_i,
  input  logic [3:0]  m_axi_bid_i,
  input  logic [1:0]  m_axi_bresp_i,
  input  logic        m_axi_bvalid_i,
  output logic        m_axi_bready_o,
  output logic [3:0]  m_axi_arid_o,
  output logic [63:0] m_axi_araddr_o,
  output logic [7:0]  m_axi_arlen_o,
  output logic [2:0]  m_axi_arsize_o,
  output logic [1:0]  m_axi_arburst_o,
  output logic        m_axi_arvalid_o,
  input  logic        m_axi_arready_i,
  input  logic [3:0]  m_axi_rid_i,
  input  logic [63:0] m_axi_rdata_i,
  input  logic [1:0]  m_axi_rresp_i,
  input  logic        m_axi_rlast_i,
  input  logic        m_axi_rvalid_i,
  output logic        m_axi_rready_o,
  // interrupts
  output logic [0:0]  irq_o
);
  // operands are what the array builds; every narrow format can be an output, except
  // that column tiles must hold whole packing groups (4 elements for 6-bit, 2 for 4-bit)
  localparam logic [31:0] IN_FORMATS  = {16'd0, FORMATS & 16'h00FE};
  localparam logic [31:0] OUT_FORMATS = 32'h0000_0E8E |
                                        (COLS % 4 == 0 ? 32'h0000_0030 : 32'h0) |
                                        (COLS % 2 == 0 ? 32'h0000_0040 : 32'h0);
  localparam bit          MX_OUTPUT   = COLS <= 32;
  localparam logic [31:0] FEATURES    = {27'd0, ABFT, 1'b1, FAULT_INJECT, MX_OUTPUT, 1'b1};

  // ---- registers
  logic        enable, inject_hang, inject_dma_read, inject_hang_clr, inject_rd_clr;
  logic [63:0] ring_base, fence_addr;
  logic [3:0]  ring_log2;
  logic [31:0] ring_tail, ring_head;
  logic        soft_reset, resetting_q;
  logic        busy, job_done, job_int, job_irq, job_error;
  logic [63:0] job_fence, err_addr;
  logic [31:0] err_cause, err_op;
  logic [10:0] perf_macs;
  logic        perf_stall;
  logic [3:0]  rd_bytes, wr_bytes;
  logic        rd_idle, wr_idle;
  logic        abft_en, abft_tile, abft_fail, abft_err, inject_pe, inject_pe_clr;
  logic [63:0] abft_addr;
  logic [31:0] fault_pe, fault_pe_cycle;
  logic        pe_fault_valid, pe_fault_stuck, pe_fault_value;
  logic [7:0]  pe_fault_row, pe_fault_col;
  logic [5:0]  pe_fault_bit;
  logic [1:0]  pe_fault_target;

  fpq_csr #(
    .ROWS(ROWS), .COLS(COLS), .IN_FORMATS(IN_FORMATS), .OUT_FORMATS(OUT_FORMATS),
    .FEATURES(FEATURES), .AXI_BYTES(8), .MAX_READS(MAX_READS),
    .SRAM_A_BYTES(ROWS * SLOT_WORDS * 8), .SRAM_B_BYTES(COLS * SLOT_WORDS * 8),
    .TLB_ENTRIES(TLB_ENTRIES), .CLOCK_KHZ(CLOCK_KHZ), .MACS_W(11)
  ) u_csr (
    .clk_i, .rst_ni,
    .s_awaddr_i(s_axil_awaddr_i), .s_awvalid_i(s_axil_awvalid_i), .s_awready_o(s_axil_awready_o),
    .s_wdata_i(s_axil_wdata_i), .s_wstrb_i(s_axil_wstrb_i), .s_wvalid_i(s_axil_wvalid_i),
    .s_wready_o(s_axil_wready_o), .s_bresp_o(s_axil_bresp_o), .s_bvalid_o(s_axil_bvalid_o),
    .s_bready_i(s_axil_bready_i), .s_araddr_i(s_axil_araddr_i), .s_arvalid_i(s_axil_arvalid_i),
    .s_arready_o(s_axil_arready_o), .s_rdata_o(s_axil_rdata_o), .s_rresp_o(s_axil_rresp_o),
    .s_rvalid_o(s_axil_rvalid_o), .s_rready_i(s_axil_rready_i),
    .enable_o(enable), .ring_base_o(ring_base), .ring_log2_o(ring_log2),
    .ring_tail_o(ring_tail), .ring_head_o(ring_head), .fence_addr_o(fence_addr),
    .inject_hang_o(inject_hang), .inject_dma_read_o(inject_dma_read),
    .inject_hang_clr_i(inject_hang_clr), .inject_dma_read_clr_i(inject_rd_clr),
    .inject_pe_o(inject_pe), .inject_pe_clr_i(inject_pe_clr), .fault_pe_o(fault_pe),
    .fault_pe_cycle_o(fault_pe_cycle), .abft_o(abft_en),
    .soft_reset_o(soft_reset), .resetting_i(resetting_q), .busy_i(busy),
    .idle_i(!busy && rd_idle && wr_idle && !resetting_q),
    .job_done_i(job_done), .job_int_i(job_int), .job_irq_i(job_irq), .job_error_i(job_error),
    .job_fence_i(job_fence), .err_cause_i(err_cause), .err_op_i(err_op), .err_addr_i(err_addr),
    .perf_busy_i(busy), .perf_stall_i(perf_stall), .perf_macs_i(perf_macs),
    .perf_rd_bytes_i(rd_bytes), .perf_wr_bytes_i(wr_bytes),
    .perf_abft_tile_i(abft_tile), .perf_abft_fail_i(abft_fail), .irq_o(irq_o)
  );

  // ---- the PE fault injector (FAULT_INJECT builds)
  if (FAULT_INJECT) begin : g_fault_pe
    fpq_fault_pe u_fault_pe (
      .clk_i, .rst_ni, .armed_i(inject_pe), .busy_i(busy),
      .fault_pe_i(fault_pe), .cycle_i(fault_pe_cycle), .clr_o(inject_pe_clr),
      .valid_o(pe_fault_valid), .row_o(pe_fault_row), .col_o(pe_fault_col),
      .bit_o(pe_fault_bit), .target_o(pe_fault_target), .stuck_o(pe_fault_stuck),
      .value_o(pe_fault_value)
    );
  end else begin : g_no_fault_pe
    assign inject_pe_clr   = 1'b0;
    assign pe_fault_valid  = 1'b0;
    assign pe_fault_row    = 8'd0;
    assign pe_fault_col    = 8'd0;
    assign pe_fault_bit    = 6'd0;
    assign pe_fault_target = 2'd0;
    assign pe_fault_stuck  = 1'b0;
    assign pe_fault_value  = 1'b0;
    logic unused_fault;
    assign unused_fault = ^{inject_pe, fault_pe, fault_pe_cycle};
  end

  // ---- soft reset: one flush, then the bus drains
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) resetting_q <= 1'b0;
    else if (soft_reset) resetting_q <= 1'b1;
    else if (rd_idle && wr_idle) resetting_q <= 1'b0;
  end

  // ---- command processor
  logic        cmd_flush, sel_tile, te_start, te_done, te_idle;
  logic [63:0] pt_root;
  fpq_hw_pkg::op_desc_t te_op;
  logic [31:0] te_clamped, te_saturated, te_nan, te_overflowed;
  logic [63:0] te_macs;
  logic        rd_err, wr_err, mmu_fault;
  logic [63:0] rd_err_addr, wr_err_addr, mmu_va;
  logic [31:0] mmu_code;
  logic        cmd_rd_valid, cmd_wr_valid, cmd_wdata_valid;
  logic [63:0] cmd_rd_addr, cmd_wr_addr, cmd_wdata;
  logic [23:0] cmd_rd_len, cmd_wr_len;

  logic        rd_req_ready, rd_data_valid, rd_data_ready, rd_data_last;
  logic [63:0] rd_data;
  logic        wr_req_ready, wr_data_ready;

  fpq_cmd #(.IN_FORMATS(IN_FORMATS), .OUT_FORMATS(OUT_FORMATS), .MX_OUTPUT(MX_OUTPUT)) u_cmd (
    .clk_i, .rst_ni, .sreset_i(soft_reset || resetting_q),
    .enable_i(enable), .ring_base_i(ring_base), .ring_log2_i(ring_log2),
    .ring_tail_i(ring_tail), .ring_head_i(ring_head), .fence_addr_i(fence_addr),
    .inject_hang_i(inject_hang), .inject_hang_clr_o(inject_hang_clr),
    .busy_o(busy), .job_done_o(job_done), .job_int_o(job_int), .job_irq_o(job_irq), .job_error_o(job_error),
    .job_fence_o(job_fence), .err_cause_o(err_cause), .err_op_o(err_op), .err_addr_o(err_addr),
    .flush_o(cmd_flush), .pt_root_o(pt_root), .sel_tile_o(sel_tile),
    .te_start_o(te_start), .te_op_o(te_op), .te_done_i(te_done), .te_idle_i(te_idle),
    .te_clamped_i(te_clamped), .te_saturated_i(te_saturated), .te_nan_to_zero_i(te_nan),
    .te_overflowed_i(te_overflowed), .te_macs_i(te_macs),
    .rd_err_i(rd_err), .rd_err_addr_i(rd_err_addr), .wr_err_i(wr_err),
    .wr_err_addr_i(wr_err_addr), .mmu_fault_i(mmu_fault), .mmu_code_i(mmu_code),
    .mmu_va_i(mmu_va), .abft_err_i(abft_err), .abft_addr_i(abft_addr),
    .rd_idle_i(rd_idle), .wr_idle_i(wr_idle),
    .rd_req_valid_o(cmd_rd_valid), .rd_req_ready_i(rd_req_ready && !sel_tile),
    .rd_req_addr_o(cmd_rd_addr), .rd_req_len_o(cmd_rd_len),
    .rd_data_valid_i(rd_data_valid && !sel_tile), .rd_data_i(rd_data),
    .wr_req_valid_o(cmd_wr_valid), .wr_req_ready_i(wr_req_ready && !sel_tile),
    .wr_req_addr_o(cmd_wr_addr), .wr_req_len_o(cmd_wr_len),
    .wr_data_valid_o(cmd_wdata_valid), .wr_data_ready_i(wr_data_ready && !sel_tile),
    .wr_data_o(cmd_wdata)
  );

  logic flush;
  assign flush = cmd_flush || soft_reset;

  // ---- tile engine
  logic        te_rd_valid, te_wr_valid, te_wdata_valid;
  logic [63:0] te_rd_addr, te_wr_addr, te_wdata;
  logic [23:0] te_rd_len, te_wr_len;

  fpq_tile_engine #(.ROWS(ROWS), .COLS(COLS), .FORMATS(FORMATS), .SLOT_WORDS(SLOT_WORDS),
                    .P_MAX(P_MAX), .ABFT(ABFT), .FAULT_INJECT(FAULT_INJECT)) u_te (
    .clk_i, .rst_ni, .flush_i(flush), .start_i(te_start), .op_i(te_op), .abft_i(abft_en),
    .done_o(te_done), .idle_o(te_idle), .clamped_o(te_clamped), .saturated_o(te_saturated),
    .nan_to_zero_o(te_nan), .overflowed_o(te_overflowed), .macs_o(te_macs),
    .perf_macs_o(perf_macs), .perf_stall_o(perf_stall),
    .perf_abft_tile_o(abft_tile), .perf_abft_fail_o(abft_fail), .abft_err_o(abft_err),
    .abft_addr_o(abft_addr),
    .fault_valid_i(pe_fault_valid), .fault_row_i(pe_fault_row), .fault_col_i(pe_fault_col),
    .fault_bit_i(pe_fault_bit), .fault_target_i(pe_fault_target),
    .fault_stuck_i(pe_fault_stuck), .fault_value_i(pe_fault_value),
    .rd_req_valid_o(te_rd_valid), .rd_req_ready_i(rd_req_ready && sel_tile),
    .rd_req_addr_o(te_rd_addr), .rd_req_len_o(te_rd_len),
    .rd_data_valid_i(rd_data_valid && sel_tile), .rd_data_i(rd_data),
    .rd_data_last_i(rd_data_last),
    .wr_req_valid_o(te_wr_valid), .wr_req_ready_i(wr_req_ready && sel_tile),
    .wr_req_addr_o(te_wr_addr), .wr_req_len_o(te_wr_len),
    .wr_data_valid_o(te_wdata_valid), .wr_data_ready_i(wr_data_ready && sel_tile),
    .wr_data_o(te_wdata)
  );
  // the loader and the command processor take every word as it comes
  assign rd_data_ready = 1'b1;

  // ---- translation
  logic        rd_xl_req, rd_xl_ack, wr_xl_req, wr_xl_ack, xl_fault;
  logic [63:0] rd_xl_va, wr_xl_va;
  logic [39:0] xl_ppn;
  logic        walk_valid, walk_ready, walk_line, walk_data_valid, walk_err;
  logic [63:0] walk_addr, walk_data;

  fpq_mmu #(.LINES(TLB_ENTRIES)) u_mmu (
    .clk_i, .rst_ni, .flush_i(flush), .pt_root_i(pt_root),
    .rd_req_i(rd_xl_req), .rd_va_i(rd_xl_va), .rd_ack_o(rd_xl_ack),
    .wr_req_i(wr_xl_req), .wr_va_i(wr_xl_va), .wr_ack_o(wr_xl_ack),
    .ppn_o(xl_ppn), .fault_o(xl_fault),
    .walk_valid_o(walk_valid), .walk_ready_i(walk_ready), .walk_addr_o(walk_addr),
    .walk_line_o(walk_line),
    .walk_data_valid_i(walk_data_valid), .walk_data_i(walk_data), .walk_err_i(walk_err),
    .fault_seen_o(mmu_fault), .fault_code_o(mmu_code), .fault_va_o(mmu_va)
  );

  // ---- AXI4 master
  fpq_dma_rd #(.MAX_READS(MAX_READS)) u_rd (
    .clk_i, .rst_ni, .flush_i(flush),
    .req_valid_i(sel_tile ? te_rd_valid : cmd_rd_valid), .req_ready_o(rd_req_ready),
    .req_addr_i(sel_tile ? te_rd_addr : cmd_rd_addr),
    .req_len_i(sel_tile ? te_rd_len : cmd_rd_len), .req_virt_i(sel_tile),
    .data_valid_o(rd_data_valid), .data_ready_i(rd_data_ready), .data_o(rd_data),
    .data_last_o(rd_data_last),
    .xl_req_o(rd_xl_req), .xl_va_o(rd_xl_va), .xl_ack_i(rd_xl_ack), .xl_ppn_i(xl_ppn),
    .xl_fault_i(xl_fault),
    .walk_valid_i(walk_valid), .walk_ready_o(walk_ready), .walk_addr_i(walk_addr),
    .walk_line_i(walk_line),
    .walk_data_valid_o(walk_data_valid), .walk_data_o(walk_data), .walk_err_o(walk_err),
    .inject_err_i(inject_dma_read && sel_tile), .inject_clr_o(inject_rd_clr),
    .err_o(rd_err), .err_addr_o(rd_err_addr), .idle_o(rd_idle), .perf_bytes_o(rd_bytes),
    .m_arid_o(m_axi_arid_o), .m_araddr_o(m_axi_araddr_o), .m_arlen_o(m_axi_arlen_o),
    .m_arsize_o(m_axi_arsize_o), .m_arburst_o(m_axi_arburst_o),
    .m_arvalid_o(m_axi_arvalid_o), .m_arready_i(m_axi_arready_i),
    .m_rid_i(m_axi_rid_i), .m_rdata_i(m_axi_rdata_i), .m_rresp_i(m_axi_rresp_i),
    .m_rlast_i(m_axi_rlast_i), .m_rvalid_i(m_axi_rvalid_i), .m_rready_o(m_axi_rready_o)
  );

  fpq_dma_wr u_wr (
    .clk_i, .rst_ni, .flush_i(flush),
    .req_valid_i(sel_tile ? te_wr_valid : cmd_wr_valid), .req_ready_o(wr_req_ready),
    .req_addr_i(sel_tile ? te_wr_addr : cmd_wr_addr),
    .req_len_i(sel_tile ? te_wr_len : cmd_wr_len), .req_virt_i(sel_tile),
    .data_valid_i(sel_tile ? te_wdata_valid : cmd_wdata_valid), .data_ready_o(wr_data_ready),
    .data_i(sel_tile ? te_wdata : cmd_wdata),
    .xl_req_o(wr_xl_req), .xl_va_o(wr_xl_va), .xl_ack_i(wr_xl_ack), .xl_ppn_i(xl_ppn),
    .xl_fault_i(xl_fault),
    .err_o(wr_err), .err_addr_o(wr_err_addr), .idle_o(wr_idle), .perf_bytes_o(wr_bytes),
    .m_awid_o(m_axi_awid_o), .m_awaddr_o(m_axi_awaddr_o), .m_awlen_o(m_axi_awlen_o),
    .m_awsize_o(m_axi_awsize_o), .m_awburst_o(m_axi_awburst_o),
    .m_awvalid_o(m_axi_awvalid_o), .m_awready_i(m_axi_awready_i),
    .m_wdata_o(m_axi_wdata_o), .m_wstrb_o(m_axi_wstrb_o), .m_wlast_o(m_axi_wlast_o),
    .m_wvalid_o(m_axi_wvalid_o), .m_wready_i(m_axi_wready_i),
    .m_bid_i(m_axi_bid_i), .m_bresp_i(m_axi_bresp_i), .m_bvalid_i(m_axi_bvalid_i),
    .m_bready_o(m_axi_bready_o)
  );
endmodule
