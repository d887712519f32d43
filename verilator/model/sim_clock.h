// SPDX-License-Identifier: MIT
/*
 * sim_clock.h - the context, clock and reset that every thin C++ layer around a
 * Verilated model shares (the card's layer has its own cycle: it serves the AXI
 * memory between the edges).
 */
#ifndef FPQ_SIM_CLOCK_H
#define FPQ_SIM_CLOCK_H

#include <cstdint>
#include <memory>

#include "rtl_errors.h"
#include "verilated.h"

/*
 * A context whose registers and memories all start random from @seed (randReset 2: a
 * design that relies on a value it never reset fails with some seed) and that counts
 * failed assertions instead of aborting (rtl_errors.h).
 */
static inline std::unique_ptr<VerilatedContext> sim_context(uint64_t seed)
{
	auto ctx = std::make_unique<VerilatedContext>();

	rtl_errors_count(ctx.get());
	ctx->randReset(2);
	ctx->randSeed(static_cast<int>(seed % 0x7FFFFFFF) + 1);
	return ctx;
}

/* One clock cycle: the rising edge (the registers take their inputs), then clk_i low. */
template <typename Top> void sim_clock(VerilatedContext *ctx, Top *top)
{
	top->clk_i = 1;
	top->eval();
	ctx->timeInc(1);
	top->clk_i = 0;
	top->eval();
	ctx->timeInc(1);
}

/* rst_ni low for @cycles clock cycles, then high (evaluated, no edge yet). */
template <typename Top> void sim_reset(VerilatedContext *ctx, Top *top, unsigned int cycles)
{
	top->rst_ni = 0;
	top->eval();
	for (unsigned int c = 0; c < cycles; c++)
		sim_clock(ctx, top);
	top->rst_ni = 1;
	top->eval();
}

#endif
