// SPDX-License-Identifier: MIT
// fpq_array_pkg: timing constants of the array that more than one module relies on.
package fpq_array_pkg;

  // fpq_row_accum: cycles from reading a column's binary32 accumulator until the next
  // block may read it again (the read-add-write loop).
  localparam int unsigned ROW_LOOP_CYCLES = 3;
  // fpq_row_accum: cycles from a column's block sum arriving to its result leaving.
  localparam int unsigned ROW_RES_LATENCY = 5;

endpackage
