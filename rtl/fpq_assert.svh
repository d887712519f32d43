// SPDX-License-Identifier: MIT
// fpq_assert.svh: the assertion macros of the card RTL (OpenTitan's prim_assert is the
// model). A module that uses them includes this file; the macros assume its clock clk_i
// and its active-low asynchronous reset rst_ni, and every concurrent assertion is off
// while rst_ni is low.
//
//   `FPQ_ASSERT(Name, prop)             prop holds at every rising clk_i edge
//   `FPQ_ASSERT_KNOWN(Name, sig)        sig has no X or Z bit (in four-state simulators;
//                                       two-state Verilator never sees X or Z)
//   `FPQ_ASSERT_HANDSHAKE(Name, valid, ready, payload, abort)
//                                       valid/ready: once valid is high without ready,
//                                       valid stays high and payload stays the same in
//                                       the next cycle, unless abort (a flush or reset
//                                       that drops the transfer, 1'b0 for none) is high
//                                       in either cycle
//   `FPQ_ASSERT_INIT(Name, cond)        elaboration-time check of parameters: a
//                                       configuration where cond is false does not build
//
// The benches check the concurrent ones (verilator --assert; a failure is an error the
// bench's C++ layer counts and its test reports); the fast models drop them
// (--noassert). Synthesis defines SYNTHESIS (yosys read_verilog
// -DSYNTHESIS), and then every macro expands to nothing.
`ifndef FPQ_ASSERT_SVH
`define FPQ_ASSERT_SVH

`ifndef SYNTHESIS

// Each assertion (each instance's) reports its first FPQ_ASSERT_REPORTS failures, each
// an error the bench counts, and then keeps quiet, so a broken rule does not flood the
// log: a bench has failed by then. The failure counts are kept per hierarchical name.
`define FPQ_ASSERT_REPORTS 5

int unsigned fpq_assert_failures [string];

// blocking updates of the table from the assertions' action blocks are what is meant
// verilator lint_off BLKSEQ
function automatic bit fpq_assert_report(input string name);
  if (fpq_assert_failures.exists(name) == 0) fpq_assert_failures[name] = 0;
  fpq_assert_failures[name] += 1;
  if (fpq_assert_failures[name] == `FPQ_ASSERT_REPORTS + 1)
    $display("%s: further failures not reported", name);
  return fpq_assert_failures[name] <= `FPQ_ASSERT_REPORTS;
endfunction
// verilator lint_on BLKSEQ

`define FPQ_ASSERT(__name, __prop) \
  __name: assert property (@(posedge clk_i) disable iff (!rst_ni) (__prop)) \
    else if (fpq_assert_report($sformatf("%m"))) $error("%s", `"__prop`");

`define FPQ_ASSERT_KNOWN(__name, __sig) \
  `FPQ_ASSERT(__name, !$isunknown(__sig))

`define FPQ_ASSERT_HANDSHAKE(__name, __valid, __ready, __payload, __abort) \
  __name: assert property (@(posedge clk_i) disable iff (!rst_ni) \
      ((__valid) && !(__ready) && !(__abort)) |=> \
      ((__abort) || ((__valid) && $stable(__payload)))) \
    else if (fpq_assert_report($sformatf("%m"))) \
      $error("%s dropped or changed before %s", `"__valid`", `"__ready`");

`define FPQ_ASSERT_INIT(__name, __cond) \
  if (!(__cond)) begin : __name \
    $fatal(1, "%s: parameter check failed: %s", `"__name`", `"__cond`"); \
  end

`else

`define FPQ_ASSERT(__name, __prop)
`define FPQ_ASSERT_KNOWN(__name, __sig)
`define FPQ_ASSERT_HANDSHAKE(__name, __valid, __ready, __payload, __abort)
`define FPQ_ASSERT_INIT(__name, __cond)

`endif

`endif
