// SPDX-License-Identifier: MIT
/*
 * card_gemm.c - GEMM cases on the card (see card_gemm.h).
 */
#include "card_gemm.h"

#include <stdio.h>
#include <stdlib.h>

void card_case_make(struct gemm_case *gc, const struct gemm_spec *s, struct rng *r)
{
	struct gemm_spec spec = *s;

	spec.a_data = spec.b_data = DATA_FINITE;
	spec.a_scale_data = spec.b_scale_data = SCALES_NEAR;
	spec.broadcast = GEMM_BROADCAST_SOMETIMES;
	if (gemm_case_make(gc, &spec, r))
		abort();
}

unsigned int card_case_check(struct vspace *vs, const struct dev_op *d,
			     const struct gemm_case *gc, const char *what)
{
	uint8_t *c = malloc(d->c_bytes), *sc = d->sc_bytes ? malloc(d->sc_bytes) : NULL;
	unsigned int bad;

	vs_read(vs, d->c_va, c, d->c_bytes);
	if (sc)
		vs_read(vs, d->sc_va, sc, d->sc_bytes);
	bad = gemm_case_compare(gc, c, sc, what);
	free(c);
	free(sc);
	return bad;
}

unsigned int card_status_check(const struct fpq_hw_op_status *s, const struct gemm_case *gc,
			       const char *what)
{
	const struct fpq_gemm_status got = { .clamped = s->clamped, .saturated = s->saturated,
					     .nan_to_zero = s->nan_to_zero,
					     .overflowed = s->overflowed };
	const uint64_t macs = (uint64_t)gc->op.a.rows * gc->op.b.rows * gc->op.a.cols;
	unsigned int bad = gemm_case_compare_counts(gc, &got, what);

	if (s->macs != macs || s->cycles == 0) {
		printf("  %s: %s: %llu MACs in %llu cycles, M*N*K = %llu\n", what, gc->name,
		       (unsigned long long)s->macs, (unsigned long long)s->cycles,
		       (unsigned long long)macs);
		bad = 1;
	}
	return bad;
}
