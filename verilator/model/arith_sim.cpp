// SPDX-License-Identifier: MIT
/*
 * arith_sim.cpp - the thin C++ layer around the Verilated fpq_arith_bench.
 */
#include <cstdint>
#include <memory>

#include "Vfpq_arith_bench.h"
#include "verilated.h"

#include "arith_sim.h"
#include "rtl_errors.h"
#include "sim_clock.h"

struct arith_sim {
	std::unique_ptr<VerilatedContext> ctx;
	std::unique_ptr<Vfpq_arith_bench> top;
};

namespace {

constexpr unsigned int ADD_LATENCY = 2;

void clock(arith_sim *sim)
{
	sim_clock(sim->ctx.get(), sim->top.get());
}

} // namespace

extern "C" {

struct arith_sim *arith_sim_create(uint64_t seed)
{
	auto sim = new (std::nothrow) arith_sim;

	if (!sim)
		return nullptr;
	sim->ctx = sim_context(seed);
	sim->top = std::make_unique<Vfpq_arith_bench>(sim->ctx.get(), "arith");
	sim->top->clk_i = 0;
	sim->top->eval();
	return sim;
}

void arith_sim_destroy(struct arith_sim *sim)
{
	if (!sim)
		return;
	sim->top->final();
	delete sim;
}

uint64_t arith_sim_rtl_errors(const struct arith_sim *sim)
{
	return rtl_errors(sim->ctx.get());
}

void arith_sim_add(struct arith_sim *sim, const uint32_t *x, const uint32_t *y,
		   uint32_t *out, size_t n)
{
	for (size_t c = 0; c < n + ADD_LATENCY; c++) {
		if (c < n) {
			sim->top->add_x_i = x[c];
			sim->top->add_y_i = y[c];
		}
		clock(sim);
		// After the edge that ends cycle c, sum_o holds the sum of cycle c - 1.
		if (c >= ADD_LATENCY - 1 && c - (ADD_LATENCY - 1) < n)
			out[c - (ADD_LATENCY - 1)] = sim->top->add_sum_o;
	}
}

uint32_t arith_sim_round(struct arith_sim *sim, int negative, uint64_t mag_hi,
			 uint64_t mag_lo, int exp)
{
	sim->top->rnd_sign_i = negative ? 1 : 0;
	sim->top->rnd_mag_i[0] = static_cast<uint32_t>(mag_lo);
	sim->top->rnd_mag_i[1] = static_cast<uint32_t>(mag_lo >> 32);
	sim->top->rnd_mag_i[2] = static_cast<uint32_t>(mag_hi & 0x3F);
	sim->top->rnd_exp_i = static_cast<uint16_t>(exp) & 0x7FF;
	sim->top->eval();
	return sim->top->rnd_bits_o;
}

} // extern "C"
