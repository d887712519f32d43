/* SPDX-License-Identifier: MIT */
/*
 * fifo_test.c - fpq_fifo under Verilator against a reference queue: every cycle its
 * flags, count and head word must match, under random pushes, pops and flushes, at the
 * edges (full, empty, push and pop together) and after a flush. A producer that honours
 * full and a consumer that honours empty are the FIFO's rules, and its assertions check
 * them; --producer-ignores-full breaks the producer's rule on purpose (the FIFO still
 * drops those pushes, so only the assertion can tell) for make check-assertions.
 *   fifo_test [--seed N] [--producer-ignores-full]
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fifo_sim.h"
#include "harness.h"
#include "rng.h"
#include "rtl_errors_check.h"

#define MAX_DEPTH 64

static struct fifo_sim *sim;
static const struct fifo_sim_config *cfg;
static struct rng R;
static bool ignore_full;

/* The reference: what the FIFO holds. */
static struct {
	uint32_t word[MAX_DEPTH];
	unsigned int head, n;
} ref;

static uint32_t word_mask(void)
{
	return cfg->width >= 32 ? 0xFFFFFFFFu : (1u << cfg->width) - 1u;
}

/* Compare the model's outputs with the reference (a case goes on after a mismatch, so
 * that the assertions see what follows). */
static void outputs_match(unsigned long long cycle)
{
	struct fifo_sim_out o;
	bool ok;

	fifo_sim_peek(sim, &o);
	ok = o.empty == (ref.n == 0) && o.full == (ref.n == cfg->depth) && o.count == ref.n &&
	     (ref.n == 0 || o.rdata == ref.word[ref.head]);
	CHECK(ok, "cycle %llu: full %d empty %d count %u head 0x%x, expected %u words, head 0x%x",
	      cycle, o.full, o.empty, o.count, o.rdata, ref.n, ref.n ? ref.word[ref.head] : 0);
}

/* One cycle of the bench: the producer pushes when asked and allowed, the consumer pops
 * when asked and allowed. */
static void step(bool flush, bool want_push, uint32_t wdata, bool want_pop)
{
	bool full = ref.n == cfg->depth, empty = ref.n == 0;
	bool push = want_push && (ignore_full || !full);
	bool pop = want_pop && !empty;

	wdata &= word_mask();
	fifo_sim_step(sim, flush, push, wdata, pop);
	if (flush) {
		ref.head = 0;
		ref.n = 0;
		return;
	}
	/* what the RTL does: a push into a full FIFO is dropped */
	bool pushed = push && !full;

	if (pop) {
		ref.head = (ref.head + 1) % cfg->depth;
		ref.n--;
	}
	if (pushed) {
		ref.word[(ref.head + ref.n) % cfg->depth] = wdata;
		ref.n++;
	}
}

static void flush_all(void)
{
	step(true, false, 0, false);
}

static void fill_and_drain(void)
{
	unsigned long long c = 0;

	flush_all();
	for (unsigned int i = 0; i <= cfg->depth; i++) {
		outputs_match(c++);
		/* one push more than the depth: the producer must wait for full */
		step(false, true, 0x100u + i, false);
	}
	for (unsigned int i = 0; i <= cfg->depth; i++) {
		outputs_match(c++);
		step(false, false, 0, true);
	}
	outputs_match(c);
}

static void push_pop_together(void)
{
	unsigned long long c = 0;

	flush_all();
	for (unsigned int i = 0; i < 4 * cfg->depth; i++) {
		outputs_match(c++);
		/* first to one below full, then push and pop in the same cycle */
		step(false, true, 0x200u + i, ref.n + 1 >= cfg->depth);
	}
	outputs_match(c);
}

static void flush_while_busy(void)
{
	unsigned long long c = 0;

	for (unsigned int round = 0; round < 50; round++) {
		unsigned int fill = rng_below(&R, cfg->depth + 1);

		for (unsigned int i = 0; i < fill; i++)
			step(false, true, rng_u32(&R), false);
		outputs_match(c++);
		/* a flush wins over a push and a pop in the same cycle */
		step(true, true, rng_u32(&R), true);
		outputs_match(c++);
	}
}

static void random_traffic(void)
{
	flush_all();
	for (unsigned long long c = 0; c < 20000; c++) {
		unsigned int mode = (unsigned int)(c / 2000) % 3;   /* mostly pushing, popping, even */
		unsigned int p_push = mode == 0 ? 80 : mode == 1 ? 30 : 55;
		unsigned int p_pop = mode == 0 ? 30 : mode == 1 ? 80 : 55;

		outputs_match(c);
		step(rng_below(&R, 1000) == 0, rng_below(&R, 100) < p_push, rng_u32(&R),
		     rng_below(&R, 100) < p_pop);
	}
}

/* Every case: no assertion of the FIFO failed (rtl/fpq_assert.svh). */
static void no_rtl_errors(void)
{
	check_no_new_rtl_errors(fifo_sim_rtl_errors(sim));
}

int main(int argc, char **argv)
{
	uint64_t seed = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--producer-ignores-full"))
			ignore_full = true;
		else {
			fprintf(stderr, "usage: fifo_test [--seed N] [--producer-ignores-full]\n");
			return 2;
		}
	}
	cfg = fifo_sim_config();
	if (cfg->depth > MAX_DEPTH) {
		printf("fifo_test: depth %u larger than the reference (%u)\n", cfg->depth, MAX_DEPTH);
		return 1;
	}
	printf("fpq_fifo %u x %u bits, seed %llu%s\n", cfg->depth, cfg->width,
	       (unsigned long long)seed, ignore_full ? ", the producer ignores full" : "");
	R = rng_seeded(seed);
	sim = fifo_sim_create(seed);
	if (!sim) {
		printf("cannot create the model\n");
		return 1;
	}
	harness.after_case = no_rtl_errors;
	RUN(fill_and_drain);
	RUN(push_pop_together);
	RUN(flush_while_busy);
	RUN(random_traffic);
	fifo_sim_destroy(sim);
	return harness_report();
}
