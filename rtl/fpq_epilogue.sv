// SPDX-License-Identifier: MIT
// fpq_epilogue: what happens to one accumulator before it is stored (numerics.rst),
// one value per cycle, two pipeline stages, no back-pressure.
//   INT8 path: acc + bias (wrapping), then int32 as is, int8 requantized (TFLite output
//   stage, out_zero, act_min/act_max with a clamp count), or fp32 RNE(acc * out_scale).
//   Float path: y = act(fmaf(acc, alpha, beta)) with the canonical NaN, then fp32,
//   bfloat16 (RNE) or a narrow format (saturation counts); for MX output (mx_out_i) the
//   code is left to the block quantizer and y_o carries the activated value.
// The per-channel values of the value's column come with it.
module fpq_epilogue #(
  parameter int unsigned TAG_W = 8
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  // per operation
  input  logic             int8_path_i,
  input  logic [7:0]       fmt_c_i,
  input  logic [7:0]       act_i,
  input  logic [31:0]      clamp_lo_i,
  input  logic [31:0]      clamp_hi_i,
  input  logic [31:0]      out_zero_i,
  input  logic [31:0]      act_min_i,
  input  logic [31:0]      act_max_i,
  input  logic             nonsat_i,
  input  logic             mx_out_i,
  // per value
  input  logic             valid_i,
  input  logic [31:0]      acc_i,
  input  logic [31:0]      alpha_i,
  input  logic [31:0]      beta_i,
  input  logic [31:0]      bias_i,
  input  logic [31:0]      mult_i,
  input  logic [7:0]       shift_i,
  input  logic [31:0]      oscale_i,
  input  logic [TAG_W-1:0] tag_i,
  output logic             valid_o,
  output logic [31:0]      code_o,
  output logic [31:0]      y_o,
  output logic             clamped_o,
  output logic             saturated_o,
  output logic             nan_to_zero_o,
  output logic             overflowed_o,
  output logic [TAG_W-1:0] tag_o
);
  // ---- stage 1: accumulate bias, FMA or scaled product, requantization
  logic [31:0] acc_b;
  assign acc_b = acc_i + bias_i;

  logic [31:0] fma_y;
  fpq_fp_fma u_fma (
    .a_int_i(int8_path_i),
    .a_i(int8_path_i ? acc_b : acc_i),
    .b_i(int8_path_i ? oscale_i : alpha_i),
    .c_en_i(!int8_path_i),
    .c_i(beta_i),
    .y_o(fma_y)
  );

  logic signed [31:0] req, rq_x, rq_mult;
  logic signed [7:0]  rq_shift;
  assign rq_x     = acc_b;
  assign rq_mult  = mult_i;
  assign rq_shift = shift_i;
  fpq_requant u_requant (.x_i(rq_x), .mult_i(rq_mult), .shift_i(rq_shift), .y_o(req));

  logic             v1_q;
  logic [31:0]      accb1_q, fma1_q, req1_q;
  logic [TAG_W-1:0] tag1_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      v1_q    <= 1'b0;
      accb1_q <= 32'd0;
      fma1_q  <= 32'd0;
      req1_q  <= 32'd0;
      tag1_q  <= '0;
    end else begin
      v1_q <= valid_i;
      if (valid_i) begin
        accb1_q <= acc_b;
        fma1_q  <= fma_y;
        req1_q  <= req;
        tag1_q  <= tag_i;
      end
    end
  end

  // ---- stage 2: activation or output stage, conversion
  // binary32 a < b (false with a NaN; -0 == +0)
  function automatic logic f32_lt(input logic [31:0] a, input logic [31:0] b);
    logic a_nan, b_nan;
    a_nan = a[30:23] == 8'hff && a[22:0] != 23'd0;
    b_nan = b[30:23] == 8'hff && b[22:0] != 23'd0;
    if (a_nan || b_nan) f32_lt = 1'b0;
    else if (a[30:0] == 31'd0 && b[30:0] == 31'd0) f32_lt = 1'b0;
    else if (a[31] != b[31]) f32_lt = a[31];
    else if (a[31]) f32_lt = a[30:0] > b[30:0];
    else f32_lt = a[30:0] < b[30:0];
  endfunction

  logic [31:0] y_act;
  logic        act_clamped;
  always_comb begin
    y_act       = fma1_q;
    act_clamped = 1'b0;
    if (act_i == fpq_hw_pkg::ACT_RELU) begin
      if (f32_lt(fma1_q, 32'd0)) begin
        y_act       = 32'd0;
        act_clamped = 1'b1;
      end
    end else if (act_i == fpq_hw_pkg::ACT_CLAMP) begin
      if (f32_lt(fma1_q, clamp_lo_i)) begin
        y_act       = clamp_lo_i;
        act_clamped = 1'b1;
      end else if (f32_lt(clamp_hi_i, fma1_q)) begin
        y_act       = clamp_hi_i;
        act_clamped = 1'b1;
      end
    end
  end

  logic [7:0] enc_code;
  logic       enc_sat, enc_nan, enc_ovf;
  fpq_fp_encode u_encode (
    .y_i(y_act), .adj_i(9'sd0), .fmt_i(fmt_c_i), .nonsat_i(nonsat_i), .code_o(enc_code),
    .saturated_o(enc_sat), .nan_to_zero_o(enc_nan), .overflowed_o(enc_ovf)
  );

  logic [31:0] bf16_bits;
  always_comb begin
    if (y_act[30:23] == 8'hff && y_act[22:0] != 23'd0) bf16_bits = 32'h0000_7fc0;
    else bf16_bits = {16'd0, 16'((y_act + 32'h7fff + {31'd0, y_act[16]}) >> 16)};
  end

  // INT8 output: requantized value plus the zero point (exact in 33 bits), clamped
  logic signed [32:0] q8;
  logic [31:0]        q8_code;
  logic               q8_clamped;
  always_comb begin
    q8         = $signed({req1_q[31], req1_q}) + $signed({out_zero_i[31], out_zero_i});
    q8_clamped = 1'b0;
    if (q8 < $signed({act_min_i[31], act_min_i})) begin
      q8         = $signed({act_min_i[31], act_min_i});
      q8_clamped = 1'b1;
    end else if (q8 > $signed({act_max_i[31], act_max_i})) begin
      q8         = $signed({act_max_i[31], act_max_i});
      q8_clamped = 1'b1;
    end
    q8_code = {24'd0, q8[7:0]};
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_o       <= 1'b0;
      code_o        <= 32'd0;
      y_o           <= 32'd0;
      clamped_o     <= 1'b0;
      saturated_o   <= 1'b0;
      nan_to_zero_o <= 1'b0;
      overflowed_o  <= 1'b0;
      tag_o         <= '0;
    end else begin
      valid_o <= v1_q;
      if (v1_q) begin
        tag_o         <= tag1_q;
        y_o           <= y_act;
        clamped_o     <= 1'b0;
        saturated_o   <= 1'b0;
        nan_to_zero_o <= 1'b0;
        overflowed_o  <= 1'b0;
        if (int8_path_i) begin
          unique case (fmt_c_i)
            fpq_hw_pkg::FMT_INT8: begin
              code_o    <= q8_code;
              clamped_o <= q8_clamped;
            end
            fpq_hw_pkg::FMT_FP32: code_o <= fma1_q;
            default:              code_o <= accb1_q;   // INT32
          endcase
        end else begin
          clamped_o <= act_clamped;
          unique case (fmt_c_i)
            fpq_hw_pkg::FMT_FP32: code_o <= y_act;
            fpq_hw_pkg::FMT_BF16: code_o <= bf16_bits;
            default: begin
              code_o        <= {24'd0, enc_code};
              saturated_o   <= enc_sat && !mx_out_i;
              nan_to_zero_o <= enc_nan && !mx_out_i;
              overflowed_o  <= enc_ovf && !mx_out_i;
            end
          endcase
        end
      end
    end
  end
endmodule
