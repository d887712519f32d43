// SPDX-License-Identifier: MIT
// fpq_te_pkg: what the parts of the tile engine pass to one another.
package fpq_te_pkg;

  // load commands (scheduler -> loader)
  localparam logic [1:0] LD_A = 2'd0;  // rows of A (and their scales) into an A slot
  localparam logic [1:0] LD_B = 2'd1;  // rows of B (and their scales) into a B slot
  localparam logic [1:0] LD_P = 2'd2;  // per-channel arrays of a column tile into a P slot

  typedef struct packed {
    logic [1:0]  kind;
    logic [15:0] row0;    // first matrix row (A: of M, B: of N); LD_P: first column
    logic [8:0]  nrows;   // rows (LD_P: columns) that exist
    logic [16:0] k0;      // first element of the K chunk
    logic [16:0] klen;    // elements in the chunk
  } ld_t;

  // compute steps (scheduler -> feeder): one output tile over one K chunk
  typedef struct packed {
    logic [3:0]  t;       // A tile within the A slot
    logic [15:0] row0;    // first output row
    logic [5:0]  rows;    // output rows that exist
    logic [15:0] col0;    // first output column
    logic [5:0]  cols;    // output columns that exist
    logic [16:0] klen;    // elements in the chunk
    logic        first;   // first chunk of the tile
    logic        last;    // last chunk: the tile ends here
    logic        rel_a;   // last step using its A slot
    logic        rel_b;   // last step using its B slot
    logic        rel_p;   // last tile using its P slot
  } cp_t;

  // finished tiles (feeder -> output stage)
  typedef struct packed {
    logic [15:0] row0;
    logic [5:0]  rows;
    logic [15:0] col0;
    logic [5:0]  cols;
    logic        p_slot;
    logic        rel_p;
  } tag_t;

  // bytes of n elements of a format with 4, 6 or 8 (or 16, 32) bits per element
  // (fpq_hw_pkg::fmt_bits): the packing groups of the contract, which bits alone decide
  function automatic logic [19:0] elem_bytes(input logic [5:0] bits, input logic [16:0] n);
    logic [19:0] nn;
    nn = {3'd0, n};
    unique case (bits)
      6'd4:    elem_bytes = (nn + 20'd1) >> 1;
      6'd6:    elem_bytes = ((nn + 20'd3) >> 2) * 20'd3;
      6'd16:   elem_bytes = nn << 1;
      6'd32:   elem_bytes = nn << 2;
      default: elem_bytes = nn;
    endcase
  endfunction

endpackage
