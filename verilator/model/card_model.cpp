// SPDX-License-Identifier: MIT
// card_model.cpp - the Verilated fpq card behind a C interface (card_model.h): the
// clock, an AXI4 memory slave with latency and random back-pressure that calls the
// host's memory callbacks, an AXI4-Lite master for BAR0, and a protocol checker.
#include "card_model.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <random>
#include <string>

#include "Vfpq_card.h"
#include "rtl_errors.h"
#include "verilated.h"
#include "verilated_fst_c.h"

namespace {

struct read_burst {
	uint64_t addr;     // first byte (may be unaligned)
	unsigned beats;
	unsigned sent;
	uint64_t ready_at; // cycle of the first beat
};

struct write_burst {
	uint64_t addr;
	unsigned beats;
	unsigned got;
	bool error;
};

struct pending_b {
	uint64_t ready_at;
	bool error;
};

// One channel's VALID/payload as seen last cycle, for the stability rules.
struct held {
	bool valid = false;
	uint64_t a = 0, b = 0, c = 0;
};

} // namespace

struct fpq_card_model {
	std::unique_ptr<VerilatedContext> ctx;
	std::unique_ptr<Vfpq_card> top;
	std::unique_ptr<VerilatedFstC> trace;
	fpq_card_mem_ops ops;
	void *opaque;
	fpq_card_model_opts opts;
	std::mt19937_64 rng;
	uint64_t cycle = 0;
	uint64_t rd_beats = 0, wr_beats = 0, errors = 0;
	std::string last_error;

	std::deque<read_burst> reads;
	std::deque<write_burst> writes;
	std::deque<pending_b> bresps;
	bool r_valid = false;
	uint8_t r_data[8];
	bool r_err = false, r_last = false;
	bool b_valid = false, b_err = false;
	held ar_h, aw_h, w_h;
	held lr_h, lb_h;   // AXI-Lite R and B from the card
	bool log_axi = false;
};

static void violation(fpq_card_model *m, const char *what)
{
	m->errors++;
	char buf[256];
	snprintf(buf, sizeof(buf), "cycle %llu: %s", (unsigned long long)m->cycle, what);
	m->last_error = buf;
	if (m->errors <= 10)
		fprintf(stderr, "card_model: AXI protocol: %s\n", buf);
}

static bool stall(fpq_card_model *m)
{
	return m->opts.stall_percent && (m->rng() % 100) < m->opts.stall_percent;
}

static void dump(fpq_card_model *m)
{
	if (m->trace)
		m->trace->dump(m->ctx->time());
}

// Stability: once VALID is high the payload may not change until the handshake.
static void check_held(fpq_card_model *m, held &h, bool valid, bool ready, uint64_t a,
		       uint64_t b, uint64_t c, const char *name)
{
	if (h.valid && !valid) {
		std::string s = std::string(name) + " VALID dropped before READY";
		violation(m, s.c_str());
	} else if (h.valid && (h.a != a || h.b != b || h.c != c)) {
		std::string s = std::string(name) + " payload changed while VALID and not READY";
		violation(m, s.c_str());
	}
	h.valid = valid && !ready;
	h.a = a;
	h.b = b;
	h.c = c;
}

// One clock cycle: present the memory side, evaluate, check, take the edge.
static void cycle(fpq_card_model *m)
{
	Vfpq_card *t = m->top.get();

	t->clk_i = 0;
	t->eval();
	m->ctx->timeInc(1);
	dump(m);

	// ---- memory side outputs for this cycle
	// R: the oldest burst, once its latency has passed; held until RREADY
	if (!m->r_valid && !m->reads.empty() && m->cycle >= m->reads.front().ready_at &&
	    !stall(m)) {
		read_burst &rb = m->reads.front();
		uint64_t beat_addr = (rb.addr & ~7ull) + 8ull * rb.sent;
		m->r_err = m->ops.read(m->opaque, beat_addr, m->r_data) != 0;
		m->r_last = rb.sent + 1 == rb.beats;
		m->r_valid = true;
	}
	t->m_axi_rvalid_i = m->r_valid;
	uint64_t rdata;
	memcpy(&rdata, m->r_data, 8);
	t->m_axi_rdata_i = rdata;
	t->m_axi_rresp_i = m->r_err ? 2 : 0;
	t->m_axi_rlast_i = m->r_last;
	t->m_axi_rid_i = 0;
	// B: in order, after the write latency
	if (!m->b_valid && !m->bresps.empty() && m->cycle >= m->bresps.front().ready_at &&
	    !stall(m)) {
		m->b_valid = true;
		m->b_err = m->bresps.front().error;
		m->bresps.pop_front();
	}
	t->m_axi_bvalid_i = m->b_valid;
	t->m_axi_bresp_i = m->b_err ? 2 : 0;
	t->m_axi_bid_i = 0;
	t->m_axi_arready_i = m->reads.size() < 16 && !stall(m);
	t->m_axi_awready_i = m->writes.size() < 8 && !stall(m);
	t->m_axi_wready_i = !m->writes.empty() && !stall(m);
	t->eval();

	// ---- protocol checks on what the card drives (not during reset)
	if (!t->rst_ni) {
		m->ar_h = m->aw_h = m->w_h = m->lr_h = m->lb_h = held();
		t->clk_i = 1;
		t->eval();
		m->ctx->timeInc(1);
		dump(m);
		m->cycle++;
		return;
	}
	check_held(m, m->ar_h, t->m_axi_arvalid_o, t->m_axi_arready_i, t->m_axi_araddr_o,
		   t->m_axi_arlen_o, (uint64_t)t->m_axi_arsize_o << 8 | t->m_axi_arburst_o, "AR");
	check_held(m, m->aw_h, t->m_axi_awvalid_o, t->m_axi_awready_i, t->m_axi_awaddr_o,
		   t->m_axi_awlen_o, (uint64_t)t->m_axi_awsize_o << 8 | t->m_axi_awburst_o, "AW");
	check_held(m, m->w_h, t->m_axi_wvalid_o, t->m_axi_wready_i, t->m_axi_wdata_o,
		   t->m_axi_wstrb_o, t->m_axi_wlast_o, "W");
	check_held(m, m->lr_h, t->s_axil_rvalid_o, t->s_axil_rready_i, t->s_axil_rdata_o,
		   t->s_axil_rresp_o, 0, "AXI-Lite R");
	check_held(m, m->lb_h, t->s_axil_bvalid_o, t->s_axil_bready_i, t->s_axil_bresp_o, 0, 0,
		   "AXI-Lite B");

	bool ar = t->m_axi_arvalid_o && t->m_axi_arready_i;
	bool aw = t->m_axi_awvalid_o && t->m_axi_awready_i;
	bool w = t->m_axi_wvalid_o && t->m_axi_wready_i;
	bool r = m->r_valid && t->m_axi_rready_o;
	bool b = m->b_valid && t->m_axi_bready_o;

	if (ar) {
		uint64_t a = t->m_axi_araddr_o;
		unsigned beats = t->m_axi_arlen_o + 1u;
		if (t->m_axi_arsize_o != 3 || t->m_axi_arburst_o != 1)
			violation(m, "AR: not an INCR burst of 8-byte beats");
		if (((a & ~7ull) + 8ull * beats - 1) >> 12 != a >> 12)
			violation(m, "AR: burst crosses a 4 KiB boundary");
		m->reads.push_back({ a, beats, 0, m->cycle + m->opts.read_latency });
		if (m->log_axi)
			fprintf(stderr, "%llu AR %llx x%u\n", (unsigned long long)m->cycle,
				(unsigned long long)a, beats);
	}
	if (aw) {
		uint64_t a = t->m_axi_awaddr_o;
		unsigned beats = t->m_axi_awlen_o + 1u;
		if (t->m_axi_awsize_o != 3 || t->m_axi_awburst_o != 1)
			violation(m, "AW: not an INCR burst of 8-byte beats");
		if (((a & ~7ull) + 8ull * beats - 1) >> 12 != a >> 12)
			violation(m, "AW: burst crosses a 4 KiB boundary");
		m->writes.push_back({ a, beats, 0, false });
		if (m->log_axi)
			fprintf(stderr, "%llu AW %llx x%u\n", (unsigned long long)m->cycle,
				(unsigned long long)a, beats);
	}
	if (w) {
		write_burst &wb = m->writes.front();
		uint64_t beat_addr = (wb.addr & ~7ull) + 8ull * wb.got;
		uint64_t d = t->m_axi_wdata_o;
		uint8_t bytes[8];
		memcpy(bytes, &d, 8);
		uint8_t strb = t->m_axi_wstrb_o;
		if (m->log_axi)
			fprintf(stderr, "%llu W %016llx strb %02x last %d\n", (unsigned long long)m->cycle,
				(unsigned long long)d, strb, (int)t->m_axi_wlast_o);
		if (wb.got == 0 && (strb & ((1u << (wb.addr & 7)) - 1)))
			violation(m, "W: strobe below the burst's start address");
		if (strb && m->ops.write(m->opaque, beat_addr, bytes, strb))
			wb.error = true;
		wb.got++;
		m->wr_beats++;
		bool last = wb.got == wb.beats;
		if ((bool)t->m_axi_wlast_o != last)
			violation(m, "W: WLAST does not match AWLEN");
		if (last) {
			m->bresps.push_back({ m->cycle + m->opts.write_latency, wb.error });
			m->writes.pop_front();
		}
	}
	if (r) {
		read_burst &rb = m->reads.front();
		rb.sent++;
		m->rd_beats++;
		m->r_valid = false;
		if (rb.sent == rb.beats)
			m->reads.pop_front();
	}
	if (b)
		m->b_valid = false;

	t->clk_i = 1;
	t->eval();
	m->ctx->timeInc(1);
	dump(m);
	m->cycle++;
}

extern "C" struct fpq_card_model *fpq_card_model_create(const struct fpq_card_model_opts *opts,
							const struct fpq_card_mem_ops *ops,
							void *opaque)
{
	fpq_card_model *m = new fpq_card_model;

	m->opts = opts ? *opts : fpq_card_model_opts{};
	if (!m->opts.read_latency)
		m->opts.read_latency = 200;
	if (!m->opts.write_latency)
		m->opts.write_latency = 50;
	if (m->opts.stall_percent > 90)
		m->opts.stall_percent = 90;
	m->ops = *ops;
	m->log_axi = getenv("FPQ_CARD_LOG_AXI") != nullptr;
	m->opaque = opaque;
	m->rng.seed(m->opts.seed);
	memset(m->r_data, 0, sizeof(m->r_data));
	m->ctx.reset(new VerilatedContext);
	rtl_errors_count(m->ctx.get());
	m->ctx->randReset(2);
	m->ctx->randSeed((int)(m->opts.seed & 0x7fffffff) | 1);
	if (m->opts.trace_path)
		m->ctx->traceEverOn(true);
	m->top.reset(new Vfpq_card(m->ctx.get()));
	if (m->opts.trace_path) {
		m->trace.reset(new VerilatedFstC);
		m->top->trace(m->trace.get(), 99);
		m->trace->open(m->opts.trace_path);
	}
	Vfpq_card *t = m->top.get();
	t->s_axil_awvalid_i = 0;
	t->s_axil_wvalid_i = 0;
	t->s_axil_bready_i = 0;
	t->s_axil_arvalid_i = 0;
	t->s_axil_rready_i = 0;
	fpq_card_model_reset(m);
	return m;
}

extern "C" void fpq_card_model_destroy(struct fpq_card_model *m)
{
	if (!m)
		return;
	m->top->final();
	if (m->trace)
		m->trace->close();
	delete m;
}

extern "C" void fpq_card_model_reset(struct fpq_card_model *m)
{
	m->top->rst_ni = 0;
	for (int i = 0; i < 4; i++)
		cycle(m);
	m->top->rst_ni = 1;
	cycle(m);
}

extern "C" void fpq_card_model_tick(struct fpq_card_model *m, uint64_t cycles)
{
	for (uint64_t i = 0; i < cycles; i++)
		cycle(m);
}

extern "C" uint32_t fpq_card_model_reg_read(struct fpq_card_model *m, uint32_t offset)
{
	Vfpq_card *t = m->top.get();
	uint32_t v = 0;

	t->s_axil_araddr_i = offset & 0xfff;
	t->s_axil_arvalid_i = 1;
	t->s_axil_rready_i = 1;
	for (int n = 0; n < 1000; n++) {
		bool ar_done = false;
		t->clk_i = 0;
		t->eval();
		ar_done = t->s_axil_arready_o;
		bool r_done = t->s_axil_rvalid_o;
		if (r_done)
			v = t->s_axil_rdata_o;
		cycle(m);
		if (ar_done)
			t->s_axil_arvalid_i = 0;
		if (r_done) {
			t->s_axil_rready_i = 0;
			return v;
		}
	}
	violation(m, "AXI-Lite read never answered");
	t->s_axil_arvalid_i = 0;
	t->s_axil_rready_i = 0;
	return 0xffffffffu;
}

extern "C" void fpq_card_model_reg_write(struct fpq_card_model *m, uint32_t offset, uint32_t value)
{
	Vfpq_card *t = m->top.get();

	t->s_axil_awaddr_i = offset & 0xfff;
	t->s_axil_awvalid_i = 1;
	t->s_axil_wdata_i = value;
	t->s_axil_wstrb_i = 0xf;
	t->s_axil_wvalid_i = 1;
	t->s_axil_bready_i = 1;
	bool aw_done = false, w_done = false;
	for (int n = 0; n < 1000; n++) {
		t->clk_i = 0;
		t->eval();
		bool aw = t->s_axil_awvalid_i && t->s_axil_awready_o;
		bool w = t->s_axil_wvalid_i && t->s_axil_wready_o;
		bool b = t->s_axil_bvalid_o;
		cycle(m);
		if (aw) {
			aw_done = true;
			t->s_axil_awvalid_i = 0;
		}
		if (w) {
			w_done = true;
			t->s_axil_wvalid_i = 0;
		}
		if (b && aw_done && w_done) {
			t->s_axil_bready_i = 0;
			return;
		}
	}
	violation(m, "AXI-Lite write never answered");
	t->s_axil_awvalid_i = 0;
	t->s_axil_wvalid_i = 0;
	t->s_axil_bready_i = 0;
}

extern "C" unsigned int fpq_card_model_irq(const struct fpq_card_model *m)
{
	return m->top->irq_o;
}

extern "C" void fpq_card_model_stats(const struct fpq_card_model *m, struct fpq_card_model_stats *st)
{
	st->cycles = m->cycle;
	st->rd_beats = m->rd_beats;
	st->wr_beats = m->wr_beats;
	st->protocol_errors = m->errors;
	st->rtl_errors = rtl_errors(m->ctx.get());
}

extern "C" const char *fpq_card_model_last_error(const struct fpq_card_model *m)
{
	return m->last_error.c_str();
}

extern "C" void fpq_card_model_set_stall(struct fpq_card_model *m, unsigned int percent)
{
	m->opts.stall_percent = percent > 90 ? 90 : percent;
}
