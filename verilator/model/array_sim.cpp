// SPDX-License-Identifier: MIT
/*
 * array_sim.cpp - the thin C++ layer around the Verilated fpq_array: it packs the lanes
 * of a beat into the model's ports and unpacks the results. The configuration comes
 * from the build (-DARRAY_ROWS=... -DARRAY_COLS=... -DARRAY_FORMATS=... -DARRAY_NAME=...).
 */
#include <cstdint>
#include <memory>
#include <type_traits>

#include "Vfpq_array.h"
#include "verilated.h"

#include "array_sim.h"
#include "rtl_errors.h"
#include "sim_clock.h"

static_assert(ARRAY_ROWS <= ARRAY_SIM_MAX_DIM && ARRAY_COLS <= ARRAY_SIM_MAX_DIM,
	      "array larger than the C interface");

struct array_sim {
	std::unique_ptr<VerilatedContext> ctx;
	std::unique_ptr<Vfpq_array> top;
	uint64_t cycles = 0;
};

namespace {

// Ports up to 64 bits are integers, wider ones VlWide arrays of 32-bit words.
template <typename Port> void put_bits(Port &port, unsigned int lsb, unsigned int width,
				       uint32_t value)
{
	if constexpr (std::is_integral_v<Port>) {
		using U = std::make_unsigned_t<Port>;
		U mask = static_cast<U>((width >= 32 ? 0xFFFFFFFFull : (1ull << width) - 1) << lsb);
		port = static_cast<Port>((port & ~mask) |
					 ((static_cast<U>(value) << lsb) & mask));
	} else {
		for (unsigned int b = 0; b < width; b++) {
			unsigned int pos = lsb + b;
			uint32_t bit = 1u << (pos % 32);

			if ((value >> b) & 1)
				port[pos / 32] |= bit;
			else
				port[pos / 32] &= ~bit;
		}
	}
}

template <typename Port> uint32_t get_bits(const Port &port, unsigned int lsb,
					   unsigned int width)
{
	if constexpr (std::is_integral_v<Port>) {
		uint64_t v = static_cast<uint64_t>(port) >> lsb;

		return static_cast<uint32_t>(width >= 32 ? v : v & ((1ull << width) - 1));
	} else {
		uint32_t v = 0;

		for (unsigned int b = 0; b < width; b++) {
			unsigned int pos = lsb + b;

			v |= ((port[pos / 32] >> (pos % 32)) & 1u) << b;
		}
		return v;
	}
}

void clock(array_sim *sim)
{
	sim_clock(sim->ctx.get(), sim->top.get());
	sim->cycles++;
}

} // namespace

extern "C" {

const struct array_sim_config *array_sim_config(void)
{
	static const struct array_sim_config cfg = { ARRAY_ROWS, ARRAY_COLS, ARRAY_FORMATS,
						     ARRAY_NAME };

	return &cfg;
}

struct array_sim *array_sim_create(uint64_t seed)
{
	auto sim = new (std::nothrow) array_sim;

	if (!sim)
		return nullptr;
	sim->ctx = sim_context(seed);
	sim->top = std::make_unique<Vfpq_array>(sim->ctx.get(), "array");
	sim->top->clk_i = 0;
	sim->top->rst_ni = 1;
	sim->top->eval();
	array_sim_reset(sim, 3);
	return sim;
}

void array_sim_destroy(struct array_sim *sim)
{
	if (!sim)
		return;
	sim->top->final();
	delete sim;
}

void array_sim_reset(struct array_sim *sim, unsigned int cycles)
{
	sim->top->in_valid_i = 0;
	sim_reset(sim->ctx.get(), sim->top.get(), cycles);
	sim->cycles += cycles;
	// The array takes no beat in the first cycle after reset (it clears itself).
	clock(sim);
}

bool array_sim_cycle(struct array_sim *sim, const struct array_sim_beat *in,
		     struct array_sim_result *out)
{
	Vfpq_array *t = sim->top.get();

	t->in_valid_i = in && in->valid;
	if (in) {
		t->in_block_last_i = in->block_last;
		t->in_tile_last_i = in->tile_last;
		t->in_fmt_a_i = in->fmt_a & 0xF;
		t->in_fmt_b_i = in->fmt_b & 0xF;
		t->in_zero_point_i = static_cast<uint8_t>(in->zero_point);
		for (unsigned int i = 0; i < ARRAY_ROWS; i++) {
			put_bits(t->in_a_i, 8 * i, 8, in->a[i]);
			put_bits(t->in_scale_a_i, 8 * i, 8, in->scale_a[i]);
		}
		for (unsigned int j = 0; j < ARRAY_COLS; j++) {
			put_bits(t->in_b_i, 8 * j, 8, in->b[j]);
			put_bits(t->in_scale_b_i, 8 * j, 8, in->scale_b[j]);
		}
	}
	t->eval();
	bool accepted = t->in_valid_i && t->in_ready_o;

	if (out) {
		out->valid = t->out_valid_o;
		out->last = t->out_last_o;
		for (unsigned int i = 0; i < ARRAY_ROWS; i++)
			out->c[i] = get_bits(t->out_c_o, 32 * i, 32);
	}
	clock(sim);
	return accepted;
}

uint64_t array_sim_cycles(const struct array_sim *sim)
{
	return sim->cycles;
}

uint64_t array_sim_rtl_errors(const struct array_sim *sim)
{
	return rtl_errors(sim->ctx.get());
}

} // extern "C"
