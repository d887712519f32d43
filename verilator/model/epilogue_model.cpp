// SPDX-License-Identifier: MIT
// epilogue_model.cpp - thin C++ layer around the Verilated fpq_epilogue.
#include "epilogue_model.h"

#include <memory>

#include "Vfpq_epilogue.h"
#include "rtl_errors.h"
#include "sim_clock.h"
#include "verilated.h"

struct epi_model {
	std::unique_ptr<VerilatedContext> ctx;
	std::unique_ptr<Vfpq_epilogue> top;
};

static void tick(epi_model *m)
{
	sim_clock(m->ctx.get(), m->top.get());
}

extern "C" struct epi_model *epi_model_create(uint64_t seed)
{
	epi_model *m = new epi_model;

	m->ctx = sim_context(seed);
	m->top.reset(new Vfpq_epilogue(m->ctx.get()));
	m->top->valid_i = 0;
	m->top->clk_i = 0;
	sim_reset(m->ctx.get(), m->top.get(), 1);
	tick(m);
	return m;
}

extern "C" void epi_model_destroy(struct epi_model *m)
{
	if (m) {
		m->top->final();
		delete m;
	}
}

extern "C" uint64_t epi_model_rtl_errors(const struct epi_model *m)
{
	return rtl_errors(m->ctx.get());
}

extern "C" void epi_model_set_op(struct epi_model *m, const struct epi_op *op)
{
	Vfpq_epilogue *t = m->top.get();

	t->int8_path_i = op->int8_path;
	t->fmt_c_i = op->fmt_c;
	t->act_i = op->act;
	t->clamp_lo_i = op->clamp_lo;
	t->clamp_hi_i = op->clamp_hi;
	t->out_zero_i = (uint32_t)op->out_zero;
	t->act_min_i = (uint32_t)op->act_min;
	t->act_max_i = (uint32_t)op->act_max;
	t->nonsat_i = op->nonsat;
	t->mx_out_i = op->mx_out;
}

extern "C" void epi_model_run(struct epi_model *m, const struct epi_in *in, struct epi_out *out,
			      size_t n)
{
	Vfpq_epilogue *t = m->top.get();
	size_t got = 0;

	for (size_t i = 0; got < n; i++) {
		if (i < n) {
			t->valid_i = 1;
			t->acc_i = in[i].acc;
			t->alpha_i = in[i].alpha;
			t->beta_i = in[i].beta;
			t->bias_i = in[i].bias;
			t->mult_i = in[i].mult;
			t->shift_i = (uint8_t)in[i].shift;
			t->oscale_i = in[i].oscale;
			t->tag_i = (uint8_t)i;
		} else {
			t->valid_i = 0;
		}
		tick(m);
		if (t->valid_o) {
			struct epi_out *o = &out[got++];

			o->code = t->code_o;
			o->y = t->y_o;
			o->clamped = t->clamped_o;
			o->saturated = t->saturated_o;
			o->nan_to_zero = t->nan_to_zero_o;
			o->overflowed = t->overflowed_o;
		}
	}
}
