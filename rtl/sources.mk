# SPDX-License-Identifier: MIT
# The RTL file lists: the one place that names the card's SystemVerilog files. Lint,
# synthesis, the Verilator benches and the card build all take their files from here
# (scripts get them as arguments). Each list is in dependency order: packages first, a
# module after the modules it instantiates, the top last. A file appears in one list
# only; the larger lists are made of the smaller ones.
#
# Make reads this fragment after rtl/rtl.mk (the fragments are included in name order),
# so rtl/rtl.mk may use these lists in recipes only; verilator/*.mk come later and may
# use them anywhere.

# Headers the modules include (found through -Irtl): a dependency of every model.
RTL_INCLUDES := rtl/fpq_assert.svh

# Verilator waivers that every model needs (the assertions' reset), each with its reason.
ASSERT_WAIVERS := rtl/assert_waivers.vlt

# The register map and descriptor layouts (generated from rtl/regs/fpq_hw_spec.py).
RTL_HW_PKG := rtl/fpq_hw_pkg.sv

# Binary32 addition and rounding: the array's row units, and fpq_arith_bench.
FP32_RTL := rtl/fpq_fp32_round.sv rtl/fpq_fp32_add.sv

# The MAC array (rtl/fpq_array.sv) and its modules.
ARRAY_RTL := rtl/fpq_array_pkg.sv rtl/fpq_delay.sv rtl/fpq_elem_decode.sv \
	rtl/fpq_fault_apply.sv rtl/fpq_pe.sv rtl/fpq_pe_dsp.sv $(FP32_RTL) rtl/fpq_row_accum.sv rtl/fpq_array.sv

# The epilogue's modules (fpq_epilogue.sv on top; it needs $(RTL_HW_PKG)).
EPILOGUE_MODS := rtl/fpq_fp_fma.sv rtl/fpq_fp_encode.sv rtl/fpq_requant.sv \
	rtl/fpq_epilogue.sv
EPILOGUE_RTL := $(RTL_HW_PKG) $(EPILOGUE_MODS)

# The FIFO (its own bench, and everywhere in the card).
FIFO_RTL := rtl/fpq_fifo.sv

# The whole card (rtl/fpq_card.sv).
CARD_RTL := $(RTL_HW_PKG) rtl/fpq_te_pkg.sv $(ARRAY_RTL) $(FIFO_RTL) rtl/fpq_ram.sv \
	$(EPILOGUE_MODS) rtl/fpq_te_sched.sv rtl/fpq_te_loader.sv rtl/fpq_te_stream.sv \
	rtl/fpq_te_feed.sv rtl/fpq_te_out.sv rtl/fpq_abft.sv rtl/fpq_tile_engine.sv rtl/fpq_csr.sv \
	rtl/fpq_op_check.sv rtl/fpq_cmd.sv rtl/fpq_mmu.sv rtl/fpq_dma_split.sv rtl/fpq_dma_rd.sv \
	rtl/fpq_dma_wr.sv rtl/fpq_fault_pe.sv \
	rtl/fpq_card.sv

# Lint waivers of the card's files (rule- and file-scoped, each with its reason).
CARD_WAIVERS := rtl/card_waivers.vlt
