/* SPDX-License-Identifier: MIT */
/*
 * card_abft_test.c - the card's ABFT checker (CONTROL.ABFT, ERR_CHECKSUM) against the PE
 * fault injector (FAULT_INJECT.PE, FAULT_PE, FAULT_PE_CYCLE), through BAR0 and the job
 * ring as a driver uses them.
 *
 * Directed cases: the injector's registers; a stuck accumulator bit fails the job with
 * ERR_CHECKSUM naming the first tile, which is left unwritten, and counts in
 * PERF_ABFT_ERRORS; the same fault with ABFT off corrupts C silently (the injector
 * works); a fault in a PE outside an edge tile's valid rows is no error; float
 * operations are not checked; the job after a failure is exact.
 *
 * The coverage campaign (--campaign N): N random single faults (PE, target, bit, busy
 * cycle, flip or stuck at 0/1) into INT8 GEMMs whose fault-free result equals libfpq's
 * fpq_gemm_reference() bit for bit. A fault the checker does not report must leave C
 * equal to the reference (else: missed); a reported fault is rerun with ABFT off, and
 * must change C there, in the tile ERR_ADDR names (else: a false report), while the
 * checked run left that tile untouched. It prints the figures and fails if the coverage
 * of output-changing faults is below 99 % or any fault that leaves C alone is reported.
 *   card_abft_test [--seed N] [--campaign N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card_gemm.h"
#include "card_host.h"
#include "harness.h"
#include "rtl_errors_check.h"

static struct host H;
static struct rng R;

#define JOB_CYCLES 2000000ull

enum { T_ACC, T_A, T_B };
static const char *const target_name[] = { "accumulator", "A operand", "B operand" };

struct fault {
	unsigned int row, col, bit, target;
	bool stuck, value;
	uint32_t cycle;
};

/* An operation on the device with its starting C and the reference's C. */
struct dev_case {
	struct gemm_case gc;
	struct dev_op dev;
	struct vspace vs;
	uint8_t *init, *golden, *out;
	uint32_t busy;   /* busy cycles of its fault-free job */
};

static uint64_t perf64(uint32_t lo)
{
	uint64_t v = host_reg_read(&H, lo);

	return v | (uint64_t)host_reg_read(&H, lo + 4) << 32;
}

static void set_abft(bool on)
{
	H.control = on ? FPQ_REG_CONTROL_ABFT_MASK : 0;
	host_reg_write(&H, FPQ_REG_CONTROL, FPQ_REG_CONTROL_ENABLE_MASK | H.control);
}

static void arm(const struct fault *f)
{
	host_reg_write(&H, FPQ_REG_FAULT_PE,
		       FPQ_HW_FIELD_PREP(FPQ_REG_FAULT_PE_ROW_MASK, f->row) |
		       FPQ_HW_FIELD_PREP(FPQ_REG_FAULT_PE_COL_MASK, f->col) |
		       FPQ_HW_FIELD_PREP(FPQ_REG_FAULT_PE_BIT_MASK, f->bit) |
		       FPQ_HW_FIELD_PREP(FPQ_REG_FAULT_PE_TARGET_MASK, f->target) |
		       FPQ_HW_FIELD_PREP(FPQ_REG_FAULT_PE_STUCK_MASK, f->stuck) |
		       FPQ_HW_FIELD_PREP(FPQ_REG_FAULT_PE_STUCK_VALUE_MASK, f->value));
	host_reg_write(&H, FPQ_REG_FAULT_PE_CYCLE, f->cycle);
	host_reg_write(&H, FPQ_REG_FAULT_INJECT, FPQ_REG_FAULT_INJECT_PE_MASK);
}

static void dev_case_init(struct dev_case *dc, const struct gemm_spec *s)
{
	vs_init(&dc->vs, &H);
	card_case_make(&dc->gc, s, &R);
	dev_op_build(&dc->vs, &dc->gc.op, &dc->dev, rng_below(&R, 4096));
	dc->init = malloc(dc->dev.c_bytes);
	dc->golden = malloc(dc->dev.c_bytes);
	dc->out = malloc(dc->dev.c_bytes);
	if (!dc->init || !dc->golden || !dc->out)
		abort();
	vs_read(&dc->vs, dc->dev.c_va, dc->init, dc->dev.c_bytes);
	dc->busy = 0;
}

static void dev_case_free(struct dev_case *dc)
{
	gemm_case_free(&dc->gc);
	free(dc->init);
	free(dc->golden);
	free(dc->out);
}

/* Run @dc once from its starting C: the completion status (or ~0u if it never ends). */
static uint32_t run_once(struct dev_case *dc, uint32_t *busy)
{
	struct job j;
	uint64_t b0 = perf64(FPQ_REG_PERF_BUSY_LO);

	vs_write(&dc->vs, dc->dev.c_va, dc->init, dc->dev.c_bytes);
	job_queue(&H, &dc->vs, &dc->dev.desc, 1, false, &j);
	host_doorbell(&H);
	if (!host_wait_fence(&H, j.fence, JOB_CYCLES))
		return ~0u;
	if (busy)
		*busy = (uint32_t)(perf64(FPQ_REG_PERF_BUSY_LO) - b0);
	vs_read(&dc->vs, dc->dev.c_va, dc->out, dc->dev.c_bytes);
	return job_completion(&H, &j)->status;
}

/* The fault-free run, checked against the reference; keeps its C and busy cycles. */
static int golden_run(struct dev_case *dc, const char *what)
{
	uint32_t st = run_once(dc, &dc->busy);

	CHECK(st == FPQ_HW_ERR_OK, "%s: fault-free status %u", what, st);
	if (st != FPQ_HW_ERR_OK)
		return -1;
	CHECK(card_case_check(&dc->vs, &dc->dev, &dc->gc, what) == 0, "%s: C differs", what);
	memcpy(dc->golden, dc->out, dc->dev.c_bytes);
	return 0;
}

/* Byte offset and length of row @r's part of tile column @col0 in C (int32 C). */
static size_t tile_row_span(const struct dev_case *dc, uint32_t r, uint32_t col0, size_t *len)
{
	uint32_t n = dc->gc.spec.n, cols = n - col0 < H.cols ? n - col0 : H.cols;

	*len = (size_t)cols * 4;
	return (size_t)r * dc->dev.desc.c_stride + (size_t)col0 * 4;
}

/* Does @buf hold @ref in the tile at (@row0, @col0)? */
static bool tile_equal(const struct dev_case *dc, const uint8_t *buf, const uint8_t *ref,
		       uint32_t row0, uint32_t col0)
{
	for (uint32_t r = row0; r < dc->gc.spec.m && r < row0 + H.rows; r++) {
		size_t len, off = tile_row_span(dc, r, col0, &len);

		if (memcmp(buf + off, ref + off, len))
			return false;
	}
	return true;
}

static bool tile_valid(const struct dev_case *dc, uint32_t row0, uint32_t col0)
{
	return row0 < dc->gc.spec.m && col0 < dc->gc.spec.n && row0 % H.rows == 0 &&
	       col0 % H.cols == 0;
}

/* ---- directed cases ------------------------------------------------------------------ */

static struct gemm_spec int8_spec(uint32_t m, uint32_t n, uint32_t k)
{
	return (struct gemm_spec){ .a = FPQ_FMT_INT8, .b = FPQ_FMT_INT8, .c = FPQ_FMT_INT32,
				   .m = m, .n = n, .k = k };
}

static void test_registers(void)
{
	CHECK(host_reg_read(&H, FPQ_REG_CAP_FEATURES) & FPQ_REG_CAP_FEATURES_ABFT_MASK,
	      "CAP_FEATURES.ABFT");
	CHECK(host_reg_read(&H, FPQ_REG_CAP_FEATURES) & FPQ_REG_CAP_FEATURES_FAULT_INJECT_MASK,
	      "CAP_FEATURES.FAULT_INJECT");
	host_reg_write(&H, FPQ_REG_FAULT_PE, 0xffffffffu);
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_FAULT_PE), 0x03ffffffu, "FAULT_PE keeps its fields");
	host_reg_write(&H, FPQ_REG_FAULT_PE_CYCLE, 0x12345678u);
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_FAULT_PE_CYCLE), 0x12345678u, "FAULT_PE_CYCLE");
	host_reg_write(&H, FPQ_REG_FAULT_PE, 0);
	/* CONTROL.ABFT reads back, apart from ENABLE */
	set_abft(true);
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_CONTROL),
		   FPQ_REG_CONTROL_ENABLE_MASK | FPQ_REG_CONTROL_ABFT_MASK, "CONTROL");
	set_abft(false);
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_CONTROL), FPQ_REG_CONTROL_ENABLE_MASK, "CONTROL");
}

/*
 * A stuck accumulator bit of PE (1, 2) over a 2 x 2-tile job: ERR_CHECKSUM naming the
 * first tile, left as it was; with ABFT off the job "succeeds" with that tile wrong.
 */
static void test_stuck_accumulator(void)
{
	struct gemm_spec s = int8_spec(2 * H.rows, 2 * H.cols - 1, 70);
	struct fault f = { .row = 1, .col = 2, .bit = 5, .target = T_ACC, .stuck = true,
			   .value = true, .cycle = 0 };
	struct dev_case dc;

	dev_case_init(&dc, &s);
	set_abft(true);
	if (golden_run(&dc, "fault-free, ABFT on"))
		goto out;
	uint64_t e0 = perf64(FPQ_REG_PERF_ABFT_ERRORS_LO);
	uint64_t t0 = perf64(FPQ_REG_PERF_ABFT_TILES_LO);

	arm(&f);
	uint32_t st = run_once(&dc, NULL);
	uint32_t addr = host_reg_read(&H, FPQ_REG_ERR_ADDR_LO);

	CHECK_EQ_U(st, FPQ_HW_ERR_CHECKSUM, "status with a stuck accumulator bit");
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_ERR_CAUSE), FPQ_HW_ERR_CHECKSUM, "ERR_CAUSE");
	CHECK_EQ_U(addr, 0, "ERR_ADDR: the first tile, (0, 0)");
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_ERR_ADDR_HI), 0, "ERR_ADDR_HI");
	CHECK(tile_equal(&dc, dc.out, dc.init, 0, 0), "the failed tile was written");
	CHECK(perf64(FPQ_REG_PERF_ABFT_ERRORS_LO) == e0 + 1, "PERF_ABFT_ERRORS did not count");
	CHECK(perf64(FPQ_REG_PERF_ABFT_TILES_LO) == t0 + 1, "PERF_ABFT_TILES: the failed tile");
	CHECK_EQ_U(host_reg_read(&H, FPQ_REG_FAULT_INJECT), 0, "FAULT_INJECT.PE cleared");
	host_reg_write(&H, FPQ_REG_INT_STATUS, 3);

	/* the next job (not armed) is exact and checked: 4 tiles */
	t0 = perf64(FPQ_REG_PERF_ABFT_TILES_LO);
	golden_run(&dc, "the job after ERR_CHECKSUM");
	CHECK(perf64(FPQ_REG_PERF_ABFT_TILES_LO) == t0 + 4, "4 tiles checked");

	/* ABFT off: the same fault goes through, and tile (0, 0) is wrong */
	set_abft(false);
	arm(&f);
	st = run_once(&dc, NULL);
	CHECK_EQ_U(st, FPQ_HW_ERR_OK, "unchecked job with the fault");
	CHECK(!tile_equal(&dc, dc.out, dc.golden, 0, 0), "the injected fault changed nothing");
	set_abft(true);
out:
	dev_case_free(&dc);
}

/* One flip at a time into the accumulator of every PE of a one-tile job, at the middle of
 * the compute: each one caught, in tile (0, 0). */
static void test_flip_each_pe(void)
{
	struct gemm_spec s = int8_spec(H.rows, H.cols, 64);
	struct dev_case dc;
	unsigned int caught = 0, n = 0;

	dev_case_init(&dc, &s);
	set_abft(true);
	if (golden_run(&dc, "one tile"))
		goto out;
	for (unsigned int r = 0; r < H.rows; r += 3) {
		for (unsigned int c = 0; c < H.cols; c += 3) {
			/* stuck for the job: the flip's cycle need not be known */
			struct fault f = { .row = r, .col = c, .bit = (r + c) % 31,
					   .target = T_ACC, .stuck = true,
					   .value = (r + c) % 2, .cycle = 0 };

			arm(&f);
			uint32_t st = run_once(&dc, NULL);

			n++;
			if (st == FPQ_HW_ERR_CHECKSUM &&
			    host_reg_read(&H, FPQ_REG_ERR_ADDR_LO) == 0 &&
			    tile_equal(&dc, dc.out, dc.init, 0, 0))
				caught++;
			else
				CHECK(0, "PE (%u, %u): status %u", r, c, st);
			host_reg_write(&H, FPQ_REG_INT_STATUS, 3);
		}
	}
	printf("  %u of %u stuck accumulator bits caught\n", caught, n);
out:
	dev_case_free(&dc);
}

/* A PE below an edge tile's valid rows, and B operand faults there: C is exact, no error. */
static void test_fault_outside_valid_rows(void)
{
	struct gemm_spec s = int8_spec(H.rows / 2, H.cols, 40);
	struct fault f = { .row = H.rows - 1, .col = 0, .bit = 2, .target = T_ACC,
			   .stuck = true, .value = true };
	struct dev_case dc;

	dev_case_init(&dc, &s);
	set_abft(true);
	if (golden_run(&dc, "half a tile"))
		goto out;
	for (unsigned int t = T_ACC; t <= T_B; t++) {
		f.target = t;
		arm(&f);
		uint32_t st = run_once(&dc, NULL);

		CHECK_EQ_U(st, FPQ_HW_ERR_OK, "fault in a row that is not written");
		CHECK(!memcmp(dc.out, dc.golden, dc.dev.c_bytes), "C changed (%s)", target_name[t]);
	}
out:
	dev_case_free(&dc);
}

/* Float operations pass unchecked: the tile counter stays; a fault goes through. */
static void test_float_not_checked(void)
{
	struct gemm_spec s = { .a = FPQ_FMT_E4M3, .b = FPQ_FMT_E4M3, .c = FPQ_FMT_FP32,
			       .m = H.rows, .n = H.cols, .k = 64 };
	struct fault f = { .row = 0, .col = 0, .bit = 20, .target = T_ACC, .stuck = true,
			   .value = true };
	struct dev_case dc;

	dev_case_init(&dc, &s);
	set_abft(true);
	uint64_t t0 = perf64(FPQ_REG_PERF_ABFT_TILES_LO);

	if (golden_run(&dc, "e4m3, ABFT on"))
		goto out;
	CHECK(perf64(FPQ_REG_PERF_ABFT_TILES_LO) == t0, "a float tile was counted as checked");
	arm(&f);
	CHECK_EQ_U(run_once(&dc, NULL), FPQ_HW_ERR_OK, "float job with a fault");
	CHECK(memcmp(dc.out, dc.golden, dc.dev.c_bytes), "the fault changed nothing");
out:
	dev_case_free(&dc);
}

/* ---- the coverage campaign ----------------------------------------------------------- */

struct tally {
	unsigned long faults, changed, unchanged, detected, missed, false_reports;
	unsigned long by_target[3][2];   /* [target][changed] */
	unsigned long det_target[3];
};

static struct fault random_fault(const struct dev_case *dc)
{
	struct fault f;

	f.row = rng_below(&R, H.rows);
	f.col = rng_below(&R, H.cols);
	f.target = rng_below(&R, 3);
	/* accumulators: the 6 bits FAULT_PE.BIT reaches; operands: their 17 bits and some
	 * beyond (no effect) */
	f.bit = f.target == T_ACC ? rng_below(&R, 64) : rng_below(&R, 24);
	f.stuck = rng_below(&R, 2);
	f.value = rng_below(&R, 2);
	f.cycle = rng_below(&R, dc->busy);
	return f;
}

static void describe(const struct fault *f, char *buf, size_t len)
{
	snprintf(buf, len, "PE (%u, %u) %s bit %u %s at cycle %u", f->row, f->col,
		 target_name[f->target], f->bit,
		 f->stuck ? (f->value ? "stuck at 1" : "stuck at 0") : "flipped", f->cycle);
}

static void campaign_one(struct dev_case *dc, struct tally *t)
{
	struct fault f = random_fault(dc);
	char what[128];

	describe(&f, what, sizeof(what));
	t->faults++;
	set_abft(true);
	arm(&f);
	uint32_t st = run_once(dc, NULL);

	if (st == FPQ_HW_ERR_OK) {
		bool changed = memcmp(dc->out, dc->golden, dc->dev.c_bytes) != 0;

		t->by_target[f.target][changed]++;
		if (changed) {
			t->changed++;
			t->missed++;
			printf("  missed: %s\n", what);
		} else {
			t->unchanged++;
		}
		return;
	}
	CHECK_EQ_U(st, FPQ_HW_ERR_CHECKSUM, "%s: status", what);
	uint32_t addr = host_reg_read(&H, FPQ_REG_ERR_ADDR_LO);
	uint32_t row0 = addr & 0xffff, col0 = addr >> 16;

	host_reg_write(&H, FPQ_REG_INT_STATUS, 3);
	CHECK(tile_valid(dc, row0, col0), "%s: ERR_ADDR 0x%x is no tile", what, addr);
	CHECK(tile_equal(dc, dc->out, dc->init, row0, col0), "%s: failed tile written", what);
	/* the same fault unchecked: does it change C, and in that tile? */
	set_abft(false);
	arm(&f);
	st = run_once(dc, NULL);
	CHECK_EQ_U(st, FPQ_HW_ERR_OK, "%s: unchecked status", what);
	bool changed = memcmp(dc->out, dc->golden, dc->dev.c_bytes) != 0;

	t->by_target[f.target][changed]++;
	t->det_target[f.target]++;
	if (changed) {
		t->changed++;
		t->detected++;
		CHECK(!tile_equal(dc, dc->out, dc->golden, row0, col0),
		      "%s: ERR_ADDR names tile (%u, %u), which it left alone", what, row0, col0);
	} else {
		t->unchanged++;
		t->false_reports++;
		printf("  reported, but C unchanged: %s\n", what);
	}
}

static void test_campaign(unsigned long n)
{
	/* a few INT8 GEMMs: whole and edge tiles, K over several blocks, a zero point */
	const uint32_t shapes[][3] = {
		{ H.rows, H.cols, 64 },
		{ H.rows + H.rows / 2, H.cols + 3, 40 },
		{ 2 * H.rows, H.cols, 33 },
		{ H.rows - 1, 2 * H.cols - 2, 96 },
	};
	const unsigned int n_shapes = sizeof(shapes) / sizeof(shapes[0]);
	struct tally t;
	uint64_t e0 = perf64(FPQ_REG_PERF_ABFT_ERRORS_LO);

	memset(&t, 0, sizeof(t));
	for (unsigned int s = 0; s < n_shapes && t.faults < n; s++) {
		struct gemm_spec spec = int8_spec(shapes[s][0], shapes[s][1], shapes[s][2]);
		struct dev_case dc;
		unsigned long quota = (n * (s + 1)) / n_shapes;

		dev_case_init(&dc, &spec);
		set_abft(true);
		if (!golden_run(&dc, dc.gc.name)) {
			printf("  %s: %u busy cycles\n", dc.gc.name, dc.busy);
			while (t.faults < quota && harness.case_failures == 0)
				campaign_one(&dc, &t);
		}
		dev_case_free(&dc);
	}
	uint64_t errors = perf64(FPQ_REG_PERF_ABFT_ERRORS_LO) - e0;

	printf("ABFT coverage, %ux%u array: %lu single faults: %lu change C, %lu do not\n",
	       H.rows, H.cols, t.faults, t.changed, t.unchanged);
	for (unsigned int i = 0; i < 3; i++)
		printf("  %-11s: %5lu change C, %5lu do not, %5lu reported\n", target_name[i],
		       t.by_target[i][1], t.by_target[i][0], t.det_target[i]);
	double cov = t.changed ? 100.0 * (double)t.detected / (double)t.changed : 0.0;

	printf("  detected %lu of %lu output-changing faults (%.2f %%), missed %lu; "
	       "reported %lu of %lu faults that leave C alone\n", t.detected, t.changed, cov,
	       t.missed, t.false_reports, t.unchanged);
	CHECK(t.faults == n, "%lu of %lu faults run", t.faults, n);
	CHECK(t.changed >= n / 10, "only %lu faults changed C: the campaign tests little",
	      t.changed);
	CHECK(cov >= 99.0, "coverage %.2f %% < 99 %%", cov);
	CHECK(t.false_reports == 0, "%lu faults reported that leave C alone", t.false_reports);
	CHECK(errors == t.detected + t.false_reports, "PERF_ABFT_ERRORS %llu, reports %lu",
	      (unsigned long long)errors, t.detected + t.false_reports);
}

static void no_rtl_errors(void)
{
	struct fpq_card_model_stats st;

	fpq_card_model_stats(H.card, &st);
	check_no_new_rtl_errors(st.rtl_errors);
	CHECK(st.protocol_errors == 0, "AXI protocol violations: %llu (%s)",
	      (unsigned long long)st.protocol_errors, fpq_card_model_last_error(H.card));
}

static unsigned long campaign_n;
static void test_campaign_n(void)
{
	test_campaign(campaign_n);
}

int main(int argc, char **argv)
{
	struct fpq_card_model_opts opts = { 0 };
	uint64_t seed = 18;

	opts.stall_percent = 0;
	opts.read_latency = 24;
	opts.write_latency = 8;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--campaign"))
			campaign_n = strtoul(argv[i + 1], NULL, 0);
	}
	opts.seed = seed;
	R = rng_seeded(seed * 131 + 7);
	if (host_init(&H, &opts, seed + 5)) {
		fprintf(stderr, "card_abft_test: cannot create the card model\n");
		return 1;
	}
	printf("card_abft_test: %ux%u array, seed %llu%s\n", H.rows, H.cols,
	       (unsigned long long)seed, campaign_n ? ", coverage campaign" : "");
	harness.after_case = no_rtl_errors;
	host_start(&H, 4);
	if (campaign_n) {
		RUN(test_campaign_n);
	} else {
		RUN(test_registers);
		RUN(test_stuck_accumulator);
		RUN(test_flip_each_pe);
		RUN(test_fault_outside_valid_rows);
		RUN(test_float_not_checked);
	}
	host_fini(&H);
	return harness_report();
}
