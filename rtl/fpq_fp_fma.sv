// SPDX-License-Identifier: MIT
// fpq_fp_fma: y = RNE_fp32(a * b + c) with one rounding (IEEE fusedMultiplyAdd), where
// a is a binary32 or an int32 (a_int_i) and the addend may be absent (c_en_i = 0:
// y = RNE_fp32(a * b), the INT8 path's scaled output). Gradual underflow, overflow to
// Inf, the canonical NaN 0x7FC00000. Combinational.
//
// The product (32 x 24 bits) and the addend are summed exactly in an 85-bit frame. When
// one of them lies entirely below the other's rounding position (by more than three
// bits) it is replaced by a sticky one at the frame's bottom, which rounds the same way.
module fpq_fp_fma (
  input  logic        a_int_i,
  input  logic [31:0] a_i,
  input  logic [31:0] b_i,
  input  logic        c_en_i,
  input  logic [31:0] c_i,
  output logic [31:0] y_o
);
  localparam int unsigned W = 85;       // magnitude frame
  localparam int signed   DMAX = 59;    // addend above the product: beyond this, product is sticky
  localparam int signed   EMAX = 27;    // addend below the product: beyond this, addend is sticky

  // ---- unpack: value = sig * 2^lsb
  function automatic logic f_nan(input logic [30:0] x);
    f_nan = x[30:23] == 8'hff && x[22:0] != 23'd0;
  endfunction
  function automatic logic f_inf(input logic [30:0] x);
    f_inf = x[30:23] == 8'hff && x[22:0] == 23'd0;
  endfunction
  function automatic logic [23:0] f_sig(input logic [30:0] x);
    f_sig = {x[30:23] != 8'd0, x[22:0]};
  endfunction
  function automatic logic signed [11:0] f_lsb(input logic [7:0] e);
    f_lsb = (e == 8'd0 ? 12'sd1 : $signed({4'd0, e})) - 12'sd150;
  endfunction

  logic        sa, sb, sc, ps;
  logic [31:0] ma;
  logic [23:0] mb, mc;
  logic signed [11:0] la, lb, lc;
  logic        a_nan, a_inf, b_nan, b_inf, c_nan, c_inf;

  always_comb begin
    if (a_int_i) begin
      sa    = a_i[31];
      ma    = a_i[31] ? (~a_i + 32'd1) : a_i;   // |INT32_MIN| = 2^31 fits 32 bits
      la    = 12'sd0;
      a_nan = 1'b0;
      a_inf = 1'b0;
    end else begin
      sa    = a_i[31];
      ma    = {8'd0, f_sig(a_i[30:0])};
      la    = f_lsb(a_i[30:23]);
      a_nan = f_nan(a_i[30:0]);
      a_inf = f_inf(a_i[30:0]);
    end
    sb    = b_i[31];
    mb    = f_sig(b_i[30:0]);
    lb    = f_lsb(b_i[30:23]);
    b_nan = f_nan(b_i[30:0]);
    b_inf = f_inf(b_i[30:0]);
    sc    = c_i[31];
    mc    = f_sig(c_i[30:0]);
    lc    = f_lsb(c_i[30:23]);
    c_nan = c_en_i && f_nan(c_i[30:0]);
    c_inf = c_en_i && f_inf(c_i[30:0]);
    ps    = sa ^ sb;
  end

  logic a_zero, b_zero, c_zero, p_inf, nan;
  assign a_zero = !a_inf && !a_nan && ma == 32'd0;
  assign b_zero = !b_inf && !b_nan && mb == 24'd0;
  assign c_zero = !c_en_i || (!c_inf && !c_nan && mc == 24'd0);
  assign p_inf  = a_inf || b_inf;
  assign nan    = a_nan || b_nan || c_nan || (a_inf && b_zero) || (a_zero && b_inf) ||
                  (p_inf && c_inf && ps != sc);

  // ---- exact product
  logic [55:0] pm;
  logic signed [12:0] pl;
  assign pm = 56'(ma) * 56'(mb);
  assign pl = 13'(la) + 13'(lb);

  // ---- alignment in the frame
  logic signed [13:0] d;         // addend lsb relative to product lsb
  logic [W-1:0] xm, ym;          // product and addend magnitudes in the frame
  logic signed [13:0] frame_lsb;
  always_comb begin
    d = 14'(lc) - 14'(pl);
    if (c_zero) begin
      xm        = W'(pm);
      ym        = '0;
      frame_lsb = 14'(pl);
    end else if (d >= 0) begin
      frame_lsb = 14'(pl);
      if (d > 14'(DMAX)) begin
        xm        = W'(pm != 56'd0);
        ym        = W'(mc) << DMAX;
        frame_lsb = 14'(lc) - 14'(DMAX);
      end else begin
        xm = W'(pm);
        ym = W'(mc) << d;
      end
    end else begin
      if (-d > 14'(EMAX)) begin
        xm        = W'(pm) << EMAX;
        ym        = W'(mc != 24'd0);
        frame_lsb = 14'(pl) - 14'(EMAX);
      end else begin
        xm        = W'(pm) << (-d);
        ym        = W'(mc);
        frame_lsb = 14'(pl) + d;
      end
    end
  end

  logic signed [W+1:0] sum;
  logic [W-1:0]        mag;
  logic                rs;
  always_comb begin
    sum = (ps ? -$signed({2'b00, xm}) : $signed({2'b00, xm})) +
          (sc ? -$signed({2'b00, ym}) : $signed({2'b00, ym}));
    rs  = sum < 0;
    mag = rs ? W'(-sum) : W'(sum);
  end

  // ---- normalise and round
  logic [6:0] msb;
  always_comb begin
    msb = 7'd0;
    for (int i = 0; i < W; i++) if (mag[i]) msb = 7'(i);
  end

  logic signed [13:0] keep;      // frame bit of the result's last kept bit
  logic [24:0]        q;
  logic               half, sticky;
  logic [W-1:0]       below;
  logic [7:0]         sh;
  always_comb begin
    keep = 14'($signed({1'b0, msb})) - 14'sd23;
    if (keep < -14'sd149 - frame_lsb) keep = -14'sd149 - frame_lsb;
    q      = 25'd0;
    half   = 1'b0;
    sticky = 1'b0;
    below  = '0;
    sh     = 8'd0;
    if (keep <= 0) begin
      q = 25'(mag << (-keep));   // exact: at most 24 significant bits
    end else begin
      sh     = keep > 14'sd100 ? 8'd100 : 8'(keep);
      q      = 25'(mag >> sh);
      half   = sh <= 8'(W) ? mag[sh-1] : 1'b0;
      below  = (sh >= 8'(W + 1)) ? mag : (mag & ((W'(1) << (sh - 1)) - W'(1)));
      sticky = below != '0;
      if (half && (sticky || q[0])) q = q + 25'd1;
    end
  end

  // q * 2^(keep + frame_lsb): normal when q >= 2^23
  logic signed [13:0] qlsb;
  logic signed [13:0] ebias;
  logic [31:0]        res;
  always_comb begin
    qlsb  = keep + frame_lsb;
    ebias = 14'sd0;
    res   = 32'd0;
    if (q[24]) begin
      ebias = qlsb + 14'sd151;     // q = 2^24: one binade up, fraction zero
      res   = (ebias >= 14'sd255) ? {rs, 8'hff, 23'd0} : {rs, ebias[7:0], 23'd0};
    end else if (q[23]) begin
      ebias = qlsb + 14'sd150;
      res   = (ebias >= 14'sd255) ? {rs, 8'hff, 23'd0} : {rs, ebias[7:0], q[22:0]};
    end else begin
      res = {rs, 8'd0, q[22:0]};   // subnormal or zero
    end
  end

  always_comb begin
    if (nan) y_o = 32'h7fc0_0000;
    else if (p_inf) y_o = {ps, 8'hff, 23'd0};
    else if (c_inf) y_o = {sc, 8'hff, 23'd0};
    else if (pm == 56'd0 && c_zero) y_o = {ps && (!c_en_i || sc), 31'd0};  // exact zero
    else if (pm == 56'd0) y_o = c_i;                                      // 0 + c = c
    else if (mag == '0) y_o = 32'd0;                                      // exact cancellation
    else y_o = res;
  end
endmodule
