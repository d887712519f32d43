// SPDX-License-Identifier: MIT
// fpq_elem_decode: one element code into the array's operand form.
//
// Every element format is an exact fixed-point number sig * 2^lsb(fmt) (numerics.rst), and
// |sig| = mag << exp with a short mag (the significand with its implicit bit) and a small
// exp (the binade). The processing elements only multiply mags, add exps and accumulate,
// so they need not know the format; the array decodes once per row (A) and per column
// (B) at its edge.
//
// Operand layout, FORM 0 (fpq_pe; OP_W = MAG_W + EXP_W + 4 bits, MSB first):
//   nan | inf | zero | sign | exp[EXP_W] | mag[MAG_W]
// FORM 1 (fpq_pe_dsp; OP_W = SIG_W + 5): the signed significand itself, with at most
// SIG_MAX_EXP binades in it and the rest (0 or 1 binade) in hi:
//   nan | inf | zero | sign | hi | sig[SIG_W] (two's complement)
// zero is a finite zero; an Inf or NaN carries mag = 0 and the sign of its code.
// INT8 (A operand) subtracts the activation zero point here: |a - zp| <= 255.
// A format whose bit is clear in FORMATS decodes as zero (its logic is not built).
module fpq_elem_decode #(
  parameter logic [15:0] FORMATS = 16'h00FE,
  parameter int unsigned MAG_W = 8,
  parameter int unsigned EXP_W = 5,
  parameter int unsigned FORM = 0,
  parameter int unsigned SIG_W = 20,        // FORM 1
  parameter int unsigned SIG_MAX_EXP = 14,  // FORM 1
  localparam int unsigned OP_W = FORM == 0 ? MAG_W + EXP_W + 4 : SIG_W + 5
) (
  input  logic            valid_i,       // 0: a bubble, decoded as +0
  input  logic [3:0]      fmt_i,         // enum fpq_format (low 4 bits)
  input  logic [7:0]      code_i,        // element code, low bits for 6- and 4-bit formats
  input  logic [7:0]      zero_point_i,  // INT8 activation zero point (two's complement)
  output logic [OP_W-1:0] op_o
);

  logic           nan, inf, sign;
  logic [7:0]     mag;   // wide enough for every format; truncated to MAG_W below
  logic [4:0]     exp;   // the largest binade is E5M2's 29

  // Minifloat with E exponent and M fraction bits: subnormals have exp 0 and no
  // implicit bit, normals (1.m) in binade e - 1.
  function automatic logic [12:0] minifloat(input logic [7:0] code, input int unsigned ebits,
                                            input int unsigned mbits);
    logic [4:0] e;
    logic [3:0] m;
    logic [7:0] mg;
    logic [4:0] ex;
    e = 5'((code >> mbits) & ((8'd1 << ebits) - 8'd1));
    m = 4'(code & ((8'd1 << mbits) - 8'd1));
    if (e == 5'd0) begin
      mg = {4'd0, m};
      ex = 5'd0;
    end else begin
      mg = {4'd0, m} | (8'd1 << mbits);
      ex = e - 5'd1;
    end
    minifloat = {mg, ex};
  endfunction

  always_comb begin
    logic [8:0]  centered;
    logic [12:0] mf;
    nan = 1'b0;
    inf = 1'b0;
    sign = 1'b0;
    mag = 8'd0;
    exp = 5'd0;
    centered = 9'd0;
    mf = 13'd0;
    if (valid_i) begin
      unique case (fmt_i)
        4'd1: if (FORMATS[1]) begin  // INT8: a - zp in -255..255
          centered = {code_i[7], code_i} - {zero_point_i[7], zero_point_i};
          sign = centered[8];
          mag = 8'(centered[8] ? (9'd0 - centered) : centered);
        end
        4'd7: if (FORMATS[7]) begin  // MXINT8: int8 * 2^-6
          sign = code_i[7];
          mag = code_i[7] ? (8'd0 - code_i) : code_i;
        end
        4'd2: if (FORMATS[2]) begin  // E4M3: NaN = S.1111.111, no Inf
          sign = code_i[7];
          nan = code_i[6:0] == 7'h7F;
          mf = minifloat(code_i, 4, 3);
          {mag, exp} = nan ? 13'd0 : mf;
        end
        4'd3: if (FORMATS[3]) begin  // E5M2: Inf = S.11111.00, NaN = S.11111.{01,10,11}
          sign = code_i[7];
          inf = code_i[6:0] == 7'h7C;
          nan = code_i[6:2] == 5'h1F && code_i[1:0] != 2'd0;
          mf = minifloat(code_i, 5, 2);
          {mag, exp} = (nan || inf) ? 13'd0 : mf;
        end
        4'd4: if (FORMATS[4]) begin  // E3M2
          sign = code_i[5];
          {mag, exp} = minifloat(code_i, 3, 2);
        end
        4'd5: if (FORMATS[5]) begin  // E2M3
          sign = code_i[5];
          {mag, exp} = minifloat(code_i, 2, 3);
        end
        4'd6: if (FORMATS[6]) begin  // E2M1
          sign = code_i[3];
          {mag, exp} = minifloat(code_i, 2, 1);
        end
        default: ;
      endcase
    end
  end

  logic zero;
  assign zero = mag == 8'd0 && !nan && !inf;

  if (FORM == 0) begin : g_mag_exp
    assign op_o = {nan, inf, zero, sign, exp[EXP_W-1:0], mag[MAG_W-1:0]};
    // Only the bits the built formats can set reach the array.
    logic unused_bits;
    assign unused_bits = ^{mag, exp};
  end else begin : g_sig
    logic             hi;
    logic [4:0]       kept_exp;
    logic [SIG_W-1:0] sig_mag;
    assign hi = 5'(exp) > 5'(SIG_MAX_EXP);
    assign kept_exp = hi ? 5'(SIG_MAX_EXP) : exp;
    // The decoders of a build give at most one binade to hi (fpq_array checks).
    assign sig_mag = SIG_W'(mag) << kept_exp;
    assign op_o = {nan, inf, zero, sign, hi, sign ? SIG_W'(0) - sig_mag : sig_mag};
  end

endmodule
