// SPDX-License-Identifier: MIT
// fpq_requant: TFLite's MultiplyByQuantizedMultiplier (numerics.rst, INT8 output):
// x shifted left by max(shift, 0) (saturating to int32, as gemmlowp's ShiftLeft; libfpq
// does the same), SaturatingRoundingDoublingHighMul by the
// Q31 multiplier, then RoundingDivideByPOT by max(-shift, 0). shift_i outside -31..30 is
// clamped to that range (the contract's rule). Combinational.
module fpq_requant (
  input  logic signed [31:0] x_i,
  input  logic signed [31:0] mult_i,
  input  logic signed [7:0]  shift_i,
  output logic signed [31:0] y_o
);
  logic signed [7:0] shift;
  always_comb begin
    shift = shift_i;
    if (shift < -8'sd31) shift = -8'sd31;
    if (shift > 8'sd30) shift = 8'sd30;
  end

  logic [4:0] left, right;
  assign left  = shift > 0 ? 5'(shift) : 5'd0;
  assign right = shift < 0 ? 5'(-shift) : 5'd0;

  logic signed [63:0] wide;
  logic signed [31:0] shifted;
  always_comb begin
    wide = $signed({{32{x_i[31]}}, x_i}) <<< left;
    if (wide > 64'sh0000_0000_7fff_ffff) shifted = 32'sh7fff_ffff;
    else if (wide < -64'sh0000_0000_8000_0000) shifted = 32'sh8000_0000;
    else shifted = wide[31:0];
  end

  // round(a * b / 2^31), ties away from zero; MIN * MIN saturates
  logic signed [63:0] ab, v, q;
  logic signed [31:0] high;
  always_comb begin
    ab = $signed({{32{shifted[31]}}, shifted}) * $signed({{32{mult_i[31]}}, mult_i});
    v  = ab + (ab >= 0 ? 64'sd1073741824 : -64'sd1073741823);
    q  = v >>> 31;                                    // floor
    if (v < 0 && v[30:0] != 31'd0) q = q + 64'sd1;    // truncate toward zero
    if (shifted == 32'sh8000_0000 && mult_i == 32'sh8000_0000) high = 32'sh7fff_ffff;
    else high = q[31:0];
  end

  // round(high / 2^right), ties away from zero
  logic signed [31:0] mask, remainder, threshold;
  always_comb begin
    mask      = $signed((32'd1 << right) - 32'd1);
    remainder = high & mask;
    threshold = (mask >>> 1) + (high < 0 ? 32'sd1 : 32'sd0);
    y_o       = (high >>> right) + (remainder > threshold ? 32'sd1 : 32'sd0);
  end

  logic unused;
  assign unused = ^{q[63:32]};
endmodule
