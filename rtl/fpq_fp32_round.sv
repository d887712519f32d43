// SPDX-License-Identifier: MIT
// fpq_fp32_round: round sign * mag * 2^exp to IEEE binary32, once, to nearest-even, with
// gradual underflow and overflow to Inf. Combinational.
//
// The one rounding routine of the array: the block converter rounds an exact block sum
// with its scales, and the binary32 adder rounds its aligned sum (the caller jams any
// bits lost in alignment into mag[0], at least two bits below the rounding point).
//
// Normalise, then round: the leading one of mag moves to the top (only the 24 bits of
// the significand and the guard bit are needed from the shifter; the sticky bit comes
// from comparing the trailing-zero count with the leading one's position). A result
// below 2^-126 is then shifted right by the missing binades, the guard and sticky bits
// following. With lead the binade of the value and r <= 2^24 the rounded significand,
// the encoding is ((lead + 126) << 23) + r for normals and r for subnormals (a carry
// out of the significand lands in the exponent field, as it should).
// mag = 0 gives a zero of the given sign.
module fpq_fp32_round #(
  parameter int unsigned MAG_W = 28,
  parameter int unsigned EXP_W = 12   // signed width of exp_i
) (
  input  logic                    sign_i,
  input  logic [MAG_W-1:0]        mag_i,
  input  logic signed [EXP_W-1:0] exp_i,  // weight of mag_i[0] is 2^exp_i
  output logic [31:0]             bits_o
);

  // At least 24 significand bits, the guard and one bit below it.
  localparam int unsigned N = MAG_W < 26 ? 26 : MAG_W;
  localparam int unsigned P_W = $clog2(N);

  logic [N-1:0]       m, norm;
  logic [P_W-1:0]     lead_pos, trail_pos;
  // Exponent arithmetic in 16 bits: |exp_i| < 2^(EXP_W-1) <= 2^14 leaves room.
  logic signed [15:0] lead, ebits;
  logic [4:0]         denorm;   // binades below 2^-126, at most 25 matter
  logic [24:0]        top, top_sh;
  logic               sticky, lost, round_up;
  logic [24:0]        r;
  logic [33:0]        packed_bits;

  assign m = N'(mag_i);

  // Leading and trailing one (priority from the top and from the bottom).
  always_comb begin
    lead_pos = '0;
    trail_pos = '0;
    for (int unsigned k = 0; k < N; k++) begin
      if (m[k]) lead_pos = P_W'(k);
      if (m[N-1-k]) trail_pos = P_W'(N - 1 - k);
    end
  end

  always_comb begin
    norm = m << (P_W'(N - 1) - lead_pos);
    top = norm[N-1 -: 25];                 // significand and guard
    // Anything below the guard: the lowest one lies more than 24 bits under the leading.
    sticky = 16'(lead_pos) > 16'(trail_pos) + 16'd24;
    lead = 16'(lead_pos) + 16'(exp_i);
    if (lead < -16'sd126) begin
      denorm = (lead < -16'sd151) ? 5'd25 : 5'(-16'sd126 - lead);
      ebits = 16'sd0;
    end else begin
      denorm = 5'd0;
      ebits = lead + 16'sd126;
    end
    top_sh = top >> denorm;
    lost = (top & ~(25'h1FFFFFF << denorm)) != 25'd0;
    round_up = top_sh[0] & (sticky | lost | top_sh[1]);
    r = {1'b0, top_sh[24:1]} + {24'd0, round_up};
    packed_bits = {ebits[10:0], 23'd0} + 34'(r);
    if (m == '0) begin
      bits_o = {sign_i, 31'd0};
    end else if (ebits > 16'sd253 || packed_bits >= 34'h7F800000) begin
      bits_o = {sign_i, 31'h7F800000};
    end else begin
      bits_o = {sign_i, packed_bits[30:0]};
    end
  end

  // Only the top of the normalised value is needed; synthesis drops the rest.
  logic unused_norm;
  assign unused_norm = ^norm[N-26:0];

endmodule
