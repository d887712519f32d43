/* SPDX-License-Identifier: MIT */
/*
 * fifo_sim.h - C interface of the Verilated fpq_fifo (rtl/fpq_fifo.sv), for its bench
 * and for the checks that its assertions fire (make check-assertions).
 *
 * The width and depth come from the build (FIFO_WIDTH, FIFO_DEPTH); fifo_sim_config()
 * reports them. The outputs depend on the FIFO's state only, so a driver reads them
 * (fifo_sim_peek) before it decides what to push and pop in the same cycle.
 */
#ifndef FPQ_FIFO_SIM_H
#define FPQ_FIFO_SIM_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fifo_sim_config {
	unsigned int width;
	unsigned int depth;
};

struct fifo_sim_out {
	bool full;
	bool empty;
	unsigned int count;
	uint32_t rdata;        /* the head word (meaningful when not empty) */
};

struct fifo_sim;

const struct fifo_sim_config *fifo_sim_config(void);
/* A new model with random initial state drawn from @seed, then held in reset. */
struct fifo_sim *fifo_sim_create(uint64_t seed);
void fifo_sim_destroy(struct fifo_sim *sim);
/* The outputs in the current cycle. */
void fifo_sim_peek(struct fifo_sim *sim, struct fifo_sim_out *out);
/* Present the inputs and take the rising edge that ends the cycle. */
void fifo_sim_step(struct fifo_sim *sim, bool flush, bool push, uint32_t wdata, bool pop);
/* Failed RTL assertions since creation (verilator/model/rtl_errors.h). */
uint64_t fifo_sim_rtl_errors(const struct fifo_sim *sim);

#ifdef __cplusplus
}
#endif

#endif /* FPQ_FIFO_SIM_H */
