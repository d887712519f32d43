/* SPDX-License-Identifier: MIT */
/*
 * array_sim.h - C interface of the Verilated fpq_array (rtl/fpq_array.sv), so benches
 * and tests drive the array from C one clock cycle at a time.
 *
 * One model is built per configuration (ROWS, COLS, FORMATS); array_sim_config() says
 * which one a program was linked with.
 */
#ifndef FPQ_ARRAY_SIM_H
#define FPQ_ARRAY_SIM_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ARRAY_SIM_MAX_DIM 64

/* The build parameters of the linked model. */
struct array_sim_config {
	unsigned int rows;
	unsigned int cols;
	uint16_t formats;    /* bit f: enum fpq_format f is built */
	const char *name;    /* "4x4", "8x8-noe5m2", ... */
};

/* One operand beat (element k of every row of A and every column of B). */
struct array_sim_beat {
	bool valid;
	bool block_last;
	bool tile_last;
	uint8_t fmt_a;                          /* enum fpq_format */
	uint8_t fmt_b;
	int8_t zero_point;                      /* INT8 A zero point */
	uint8_t a[ARRAY_SIM_MAX_DIM];           /* rows entries: element codes */
	uint8_t b[ARRAY_SIM_MAX_DIM];           /* cols entries */
	uint8_t scale_a[ARRAY_SIM_MAX_DIM];     /* E8M0, sampled on block_last */
	uint8_t scale_b[ARRAY_SIM_MAX_DIM];
};

/* One result beat: column j of the output tile, rows entries. */
struct array_sim_result {
	bool valid;
	bool last;
	uint32_t c[ARRAY_SIM_MAX_DIM];
};

struct array_sim;

/* The configuration this program was built with. */
const struct array_sim_config *array_sim_config(void);

/*
 * array_sim_create() - a new model. Every register and memory starts from values drawn
 * from @seed (Verilator's random reset), so a missing reset shows up; the model is then
 * held in reset for a few cycles. NULL on allocation failure.
 */
struct array_sim *array_sim_create(uint64_t seed);
void array_sim_destroy(struct array_sim *sim);

/* Assert rst_ni for @cycles cycles (inputs idle), then run the one cycle after reset in
 * which the array takes no beat. */
void array_sim_reset(struct array_sim *sim, unsigned int cycles);

/*
 * array_sim_cycle() - one clock cycle: present @in (NULL: nothing valid), sample
 * in_ready and the result outputs, then the rising edge. Returns whether the beat was
 * accepted (valid and ready); @out (may be NULL) receives the result beat of the cycle.
 */
bool array_sim_cycle(struct array_sim *sim, const struct array_sim_beat *in,
		     struct array_sim_result *out);

/* Cycles simulated since creation (reset cycles included). */
uint64_t array_sim_cycles(const struct array_sim *sim);

/* Failed RTL assertions since creation (verilator/model/rtl_errors.h); 0 on a correct
 * array driven by its rules. */
uint64_t array_sim_rtl_errors(const struct array_sim *sim);

#ifdef __cplusplus
}
#endif

#endif /* FPQ_ARRAY_SIM_H */
