// SPDX-License-Identifier: MIT
// fpq_fp32_round: round sign * mag * 2^exp to IEEE binary32, once, to nearest-even, with
// gradual underflow and overflow to Inf. Combinational.
//
// The one rounding routine of the array: the block converter rounds an exact block sum
// with its scales, and the binary32 adder rounds its aligned sum (the caller jams any
// bits lost in alignment into mag[0], at least two bits below the rounding point).
//
// With p the position of the leading one of mag, the value's binade is lead = p + exp,
// and binary32 keeps bits of weight >= q = max(lead - 23, -149). Dropping d = q - exp
// bits (or shifting left when d <= 0) leaves an integer r <= 2^24, and the encoding is
// ((q + 149) << 23) + r for normals and subnormals alike (a carry out of the
// significand lands in the exponent field, as it should).
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

  localparam int unsigned P_W = $clog2(MAG_W);

  logic [P_W-1:0]     lead_pos;
  // Exponent arithmetic in 16 bits: |exp_i| < 2^(EXP_W-1) <= 2^14 leaves room.
  logic signed [15:0] lead, q, drop;
  logic [MAG_W-1:0]   with_guard;
  logic [23:0]        kept;
  logic [24:0]        r;
  logic               guard, sticky, round_up;
  logic [34:0]        packed_bits;

  // Leading one (priority from the top).
  always_comb begin
    lead_pos = '0;
    for (int unsigned k = 0; k < MAG_W; k++) begin
      if (mag_i[k]) lead_pos = P_W'(k);
    end
  end

  always_comb begin
    lead = 16'(signed'({1'b0, lead_pos})) + 16'(exp_i);
    q = (lead - 16'sd23 < -16'sd149) ? -16'sd149 : lead - 16'sd23;
    drop = q - 16'(exp_i);
    with_guard = '0;
    kept = '0;
    guard = 1'b0;
    sticky = 1'b0;
    round_up = 1'b0;
    r = 25'd0;
    if (drop <= 16'sd0) begin
      // Exact: at most 24 significant bits, shifted into place.
      r = 25'(mag_i) << (-drop);
    end else if (drop <= 16'(MAG_W)) begin
      // The kept bits fit 24 bits: drop >= p - 23.
      with_guard = mag_i >> (drop - 16'sd1);
      kept = 24'(with_guard[MAG_W-1:1]);
      guard = with_guard[0];
      sticky = (mag_i & ~({MAG_W{1'b1}} << (drop - 16'sd1))) != '0;
      round_up = guard & (sticky | kept[0]);
      r = 25'(kept) + {24'd0, round_up};
    end
    // drop > MAG_W: the value is below half the smallest subnormal quantum: r = 0.
    packed_bits = {12'(q + 16'sd149), 23'd0} + 35'(r);
    if (mag_i == '0) begin
      bits_o = {sign_i, 31'd0};
    end else if (packed_bits >= 35'h7F800000) begin
      bits_o = {sign_i, 31'h7F800000};
    end else begin
      bits_o = {sign_i, packed_bits[30:0]};
    end
  end

endmodule
