// SPDX-License-Identifier: MIT
/*
 * fifo_sim.cpp - the thin C++ layer around the Verilated fpq_fifo; the configuration
 * comes from the build (-DFIFO_WIDTH=... -DFIFO_DEPTH=...).
 */
#include <cstdint>
#include <memory>
#include <new>

#include "Vfpq_fifo.h"
#include "verilated.h"

#include "fifo_sim.h"
#include "rtl_errors.h"
#include "sim_clock.h"

static_assert(FIFO_WIDTH <= 32, "FIFO wider than the C interface");

struct fifo_sim {
	std::unique_ptr<VerilatedContext> ctx;
	std::unique_ptr<Vfpq_fifo> top;
};

namespace {

void clock(fifo_sim *sim)
{
	sim_clock(sim->ctx.get(), sim->top.get());
}

} // namespace

extern "C" {

const struct fifo_sim_config *fifo_sim_config(void)
{
	static const struct fifo_sim_config cfg = { FIFO_WIDTH, FIFO_DEPTH };

	return &cfg;
}

struct fifo_sim *fifo_sim_create(uint64_t seed)
{
	auto sim = new (std::nothrow) fifo_sim;

	if (!sim)
		return nullptr;
	sim->ctx = sim_context(seed);
	sim->top = std::make_unique<Vfpq_fifo>(sim->ctx.get(), "fifo");
	Vfpq_fifo *t = sim->top.get();
	t->clk_i = 0;
	t->flush_i = 0;
	t->push_i = 0;
	t->pop_i = 0;
	t->wdata_i = 0;
	sim_reset(sim->ctx.get(), t, 3);
	return sim;
}

void fifo_sim_destroy(struct fifo_sim *sim)
{
	if (!sim)
		return;
	sim->top->final();
	delete sim;
}

void fifo_sim_peek(struct fifo_sim *sim, struct fifo_sim_out *out)
{
	Vfpq_fifo *t = sim->top.get();

	t->eval();
	out->full = t->full_o;
	out->empty = t->empty_o;
	out->count = t->count_o;
	out->rdata = t->rdata_o;
}

void fifo_sim_step(struct fifo_sim *sim, bool flush, bool push, uint32_t wdata, bool pop)
{
	Vfpq_fifo *t = sim->top.get();

	t->flush_i = flush;
	t->push_i = push;
	t->wdata_i = wdata & ((FIFO_WIDTH >= 32 ? 0 : 1u << FIFO_WIDTH) - 1u);
	t->pop_i = pop;
	t->eval();
	clock(sim);
}

uint64_t fifo_sim_rtl_errors(const struct fifo_sim *sim)
{
	return rtl_errors(sim->ctx.get());
}

} // extern "C"
