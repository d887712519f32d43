// SPDX-License-Identifier: MIT
// fpq_fp_encode: quantize a binary32 value times 2^adj_i to a narrow element format
// (numerics.rst): RNE; saturating unless nonsat_i (E4M3 overflows to NaN, E5M2 to Inf);
// NaN to the format's NaN or to +0 with nan_to_zero_o; INT8 and MXINT8 (value * 64)
// round to the nearest integer and saturate to +-127. adj_i is the MX block scale
// (-X); 0 for plain quantization. Combinational.
module fpq_fp_encode (
  input  logic [31:0]       y_i,
  input  logic signed [8:0] adj_i,
  input  logic [7:0]        fmt_i,
  input  logic              nonsat_i,
  output logic [7:0]        code_o,
  output logic              saturated_o,
  output logic              nan_to_zero_o,
  output logic              overflowed_o
);
  // ---- unpack and normalise: finite nonzero y = sig * 2^(e - 23), sig[23] = 1
  logic              s, is_nan, is_inf, is_zero;
  logic [23:0]       sig;
  logic signed [11:0] e;
  logic [4:0]        lz;
  always_comb begin
    s       = y_i[31];
    is_nan  = y_i[30:23] == 8'hff && y_i[22:0] != 23'd0;
    is_inf  = y_i[30:23] == 8'hff && y_i[22:0] == 23'd0;
    is_zero = y_i[30:0] == 31'd0;
    lz      = 5'd0;
    for (int i = 0; i < 23; i++) if (y_i[i]) lz = 5'(22 - i);
    if (y_i[30:23] != 8'd0) begin
      sig = {1'b1, y_i[22:0]};
      e   = $signed({4'd0, y_i[30:23]}) - 12'sd127;
    end else begin
      sig = {y_i[22:0], 1'b0} << lz;
      e   = -12'sd127 - $signed({7'd0, lz});
    end
    e = e + 12'(adj_i);
  end

  // RNE of sig / 2^sh (sh >= 26 rounds everything to zero)
  function automatic logic [24:0] rne_shr(input logic [23:0] v, input logic [5:0] sh);
    logic [24:0] q;
    logic        half, sticky;
    q      = {1'b0, v >> sh};
    half   = sh != 6'd0 && sh < 6'd25 && v[sh-1];
    sticky = sh > 6'd1 && (v & ((24'd1 << (sh - 1)) - 24'd1)) != 24'd0;
    if (sh == 6'd0) rne_shr = {1'b0, v};
    else if (sh >= 6'd25) rne_shr = 25'd0;   // below half of the last place
    else rne_shr = q + 25'(half && (sticky || q[0]));
  endfunction

  // ---- format parameters
  logic        is_int, has_inf, has_nan;
  logic [3:0]  bits;
  logic [1:0]  man;
  logic [4:0]  bias;
  logic [4:0]  emax_b;    // largest finite biased exponent
  logic [2:0]  max_mant;  // largest fraction at emax_b
  always_comb begin
    is_int   = 1'b0;
    has_inf  = 1'b0;
    has_nan  = 1'b0;
    bits     = 4'd8;
    man      = 2'd3;
    bias     = 5'd7;
    emax_b   = 5'd15;
    max_mant = 3'd6;
    unique case (fmt_i)
      fpq_hw_pkg::FMT_E4M3: begin has_nan = 1'b1; end
      fpq_hw_pkg::FMT_E5M2: begin
        has_inf = 1'b1; has_nan = 1'b1; man = 2'd2; bias = 5'd15; emax_b = 5'd30; max_mant = 3'd3;
      end
      fpq_hw_pkg::FMT_E3M2: begin bits = 4'd6; man = 2'd2; bias = 5'd3; emax_b = 5'd7; max_mant = 3'd3; end
      fpq_hw_pkg::FMT_E2M3: begin bits = 4'd6; man = 2'd3; bias = 5'd1; emax_b = 5'd3; max_mant = 3'd7; end
      fpq_hw_pkg::FMT_E2M1: begin bits = 4'd4; man = 2'd1; bias = 5'd1; emax_b = 5'd3; max_mant = 3'd1; end
      default: is_int = 1'b1;   // INT8, MXINT8
    endcase
  end

  logic [7:0] sign_bit, max_code, nan_code, inf_code;
  always_comb begin
    sign_bit = s ? (8'd1 << (bits - 4'd1)) : 8'd0;
    max_code = 8'({emax_b, 3'd0} >> (2'd3 - man)) | 8'(max_mant);
    nan_code = (8'd1 << (bits - 4'd1)) - 8'd1;
    inf_code = ({3'd0, emax_b} + 8'd1) << man;
  end

  // ---- minifloat rounding
  logic signed [11:0] emin, ebin;
  logic [5:0]         sh;
  logic [24:0]        r;
  logic signed [11:0] rbf;
  logic [4:0]         rb;     // biased exponent of the result
  logic [2:0]         rm;     // fraction of the result
  logic               ovf;
  always_comb begin
    emin = 12'sd1 - $signed({7'd0, bias});
    ebin = e < emin ? emin : e;
    // r = RNE(sig * 2^(e - 23 - (ebin - man)))
    if (ebin - e + 12'sd23 - $signed({10'd0, man}) > 12'sd26) sh = 6'd26;
    else sh = 6'(ebin - e + 12'sd23 - $signed({10'd0, man}));
    r   = rne_shr(sig, sh);
    rm  = 3'(r) & ((3'd1 << man) - 3'd1);
    rbf = 12'sd0;                                        // subnormal or zero
    if (r >= (25'd2 << man)) begin                       // carried into the next binade
      rbf = ebin + 12'sd1 + $signed({7'd0, bias});
      rm  = 3'd0;
    end else if (r >= (25'd1 << man)) begin
      rbf = ebin + $signed({7'd0, bias});
    end
    ovf = e > 12'sd20 || rbf > $signed({7'd0, emax_b}) ||
          (rbf == $signed({7'd0, emax_b}) && rm > max_mant);
    rb  = rbf[4:0];
  end

  // ---- integer rounding (INT8: v; MXINT8: v * 64)
  logic signed [11:0] ei;
  logic [24:0]        ri;
  logic               isat;
  always_comb begin
    ei   = e + (fmt_i == fpq_hw_pkg::FMT_MXINT8 ? 12'sd6 : 12'sd0);
    ri   = 25'd0;
    isat = 1'b0;
    if (ei >= 12'sd7) isat = 1'b1;
    else if (12'sd23 - ei > 12'sd26) ri = 25'd0;
    else ri = rne_shr(sig, 6'(12'sd23 - ei));
    if (ri > 25'd127) isat = 1'b1;
  end

  always_comb begin
    code_o        = 8'd0;
    saturated_o   = 1'b0;
    nan_to_zero_o = 1'b0;
    overflowed_o  = 1'b0;
    if (is_int) begin
      if (is_nan) begin
        nan_to_zero_o = 1'b1;
      end else if (is_inf || (!is_zero && isat)) begin
        saturated_o = 1'b1;
        code_o      = s ? 8'h81 : 8'h7f;
      end else if (!is_zero) begin
        code_o = s ? 8'(-ri) : 8'(ri);
      end
    end else if (is_nan) begin
      if (has_nan) code_o = nan_code;
      else nan_to_zero_o = 1'b1;
    end else if (is_inf || (!is_zero && ovf)) begin
      if (nonsat_i && (has_inf || has_nan)) begin
        overflowed_o = 1'b1;
        code_o       = has_inf ? (sign_bit | inf_code) : nan_code;
      end else begin
        saturated_o = 1'b1;
        code_o      = sign_bit | max_code;
      end
    end else if (is_zero) begin
      code_o = sign_bit;
    end else begin
      code_o = sign_bit | (8'(rb) << man) | 8'(rm);
    end
  end
endmodule
