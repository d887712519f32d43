/* SPDX-License-Identifier: MIT */
/*
 * cpubench_ggml.h - ggml as a peer of fpq-cpubench, loaded at run time when present
 * (tools/get-ggml.sh fetches a prebuilt copy): its block-scaled q8_0 and mxfp4 dot
 * products, timed on the same data shapes as libfpq's MX formats.
 */
#ifndef FPQ_CPUBENCH_GGML_H
#define FPQ_CPUBENCH_GGML_H

/* ggml's two formats measured, with libfpq's nearest MX counterparts. */
enum ggml_peer_format { GGML_PEER_Q8_0, GGML_PEER_MXFP4, GGML_PEER_FORMATS };

struct ggml_peer;

/*
 * Load ggml's base and CPU libraries from dir (the best CPU variant this machine runs);
 * NULL, with the reason in why, when they are not there or do not load.
 */
struct ggml_peer *ggml_peer_open(const char *dir, char *why, size_t why_len);
/* Name of the CPU variant loaded ("zen4", ...). */
const char *ggml_peer_variant(const struct ggml_peer *g);
/*
 * Seconds per M x N x K product (one thread, best of rounds of at least min_secs):
 * A quantized to ggml's activation type for the format (q8_0), B to the format, each
 * output one call of ggml's row dot product over 16 x 16 output blocks as ggml_mul_mat
 * does on x86 without its repacked layouts. Negative on failure.
 */
double ggml_peer_time(struct ggml_peer *g, enum ggml_peer_format f, unsigned int m,
		      unsigned int n, unsigned int k, int rounds, double min_secs);
const char *ggml_peer_format_name(enum ggml_peer_format f);
void ggml_peer_close(struct ggml_peer *g);

#endif /* FPQ_CPUBENCH_GGML_H */
