/* SPDX-License-Identifier: MIT */
/*
 * arith_sim.h - C interface of the Verilated fpq_arith_bench: the array's binary32 adder
 * and its block rounding, one vector per call or a stream of them.
 */
#ifndef FPQ_ARITH_SIM_H
#define FPQ_ARITH_SIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct arith_sim;

struct arith_sim *arith_sim_create(uint64_t seed);
void arith_sim_destroy(struct arith_sim *sim);

/* Failed RTL assertions since creation (verilator/model/rtl_errors.h). */
uint64_t arith_sim_rtl_errors(const struct arith_sim *sim);

/* out[i] = fpq_fp32_add(x[i], y[i]) for n pairs, streamed one per cycle. */
void arith_sim_add(struct arith_sim *sim, const uint32_t *x, const uint32_t *y,
		   uint32_t *out, size_t n);

/* fpq_fp32_round of (-1)^negative * mag * 2^exp, mag < 2^70 given as mag_hi:mag_lo. */
uint32_t arith_sim_round(struct arith_sim *sim, int negative, uint64_t mag_hi,
			 uint64_t mag_lo, int exp);

#ifdef __cplusplus
}
#endif

#endif /* FPQ_ARITH_SIM_H */
