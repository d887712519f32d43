// SPDX-License-Identifier: MIT
// fpq_fault_pe: when the PE fault injector fires (FAULT_INJECT.PE, FAULT_PE,
// FAULT_PE_CYCLE; test builds).
//
// Armed (armed_i), it waits for the next job to start (busy_i rises), counts that job's
// busy cycles from 0 and, at cycle FAULT_PE_CYCLE, flips the chosen bit for one cycle or,
// with STUCK, holds it at STUCK_VALUE until the job ends. clr_o clears FAULT_INJECT.PE
// when the armed job ends, whether or not it lived long enough for the fault to fire.
module fpq_fault_pe (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        armed_i,       // FAULT_INJECT.PE
  input  logic        busy_i,        // a job is running (STATUS.BUSY)
  input  logic [31:0] fault_pe_i,    // FAULT_PE
  input  logic [31:0] cycle_i,       // FAULT_PE_CYCLE
  output logic        clr_o,
  // to fpq_array's fault_* inputs
  output logic        valid_o,
  output logic [7:0]  row_o,
  output logic [7:0]  col_o,
  output logic [5:0]  bit_o,
  output logic [1:0]  target_o,
  output logic        stuck_o,
  output logic        value_o
);
  logic        busy_q, active_q, fired_q;
  logic [31:0] count_q;
  logic        fire;

  assign fire = active_q && busy_i && !fired_q && count_q == cycle_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q   <= 1'b0;
      active_q <= 1'b0;
      fired_q  <= 1'b0;
      count_q  <= 32'd0;
      valid_o  <= 1'b0;
    end else begin
      busy_q <= busy_i;
      if (busy_i && !busy_q && armed_i) begin
        active_q <= 1'b1;   // this job is the armed one: its cycle 0 is the next cycle
        fired_q  <= 1'b0;
        count_q  <= 32'd0;
      end else if (active_q && !busy_i) begin
        active_q <= 1'b0;
      end else if (active_q) begin
        count_q <= count_q + 32'd1;
        if (fire) fired_q <= 1'b1;
      end
      // a flip lasts one cycle; a stuck bit until the job ends
      valid_o <= fire || (valid_o && stuck_o && busy_i && active_q);
    end
  end

  assign clr_o    = active_q && !busy_i;
  assign row_o    = fault_pe_i[fpq_hw_pkg::REG_FAULT_PE_ROW_LSB +: 8];
  assign col_o    = fault_pe_i[fpq_hw_pkg::REG_FAULT_PE_COL_LSB +: 8];
  assign bit_o    = fault_pe_i[fpq_hw_pkg::REG_FAULT_PE_BIT_LSB +: 6];
  assign target_o = fault_pe_i[fpq_hw_pkg::REG_FAULT_PE_TARGET_LSB +: 2];
  assign stuck_o  = fault_pe_i[fpq_hw_pkg::REG_FAULT_PE_STUCK_LSB];
  assign value_o  = fault_pe_i[fpq_hw_pkg::REG_FAULT_PE_STUCK_VALUE_LSB];

  logic unused;
  assign unused = ^fault_pe_i[31:26];
endmodule
