/* SPDX-License-Identifier: MIT */
/*
 * cpubench_ggml.h - ggml as a peer of fpq-cpubench, loaded at run time when present
 * (tools/get-ggml.sh fetches a prebuilt copy): its block-scaled q8_0 and mxfp4 dot
 * products, on the same kind of data as libfpq's MX formats; fpq-cpubench times them.
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
 * One M x N x K product: A (m rows of k floats) quantized to ggml's activation type for
 * the format (q8_0), B (n rows) to the format; each run computes every output with one
 * call of ggml's row dot product, in 16 x 16 output blocks, as ggml_mul_mat does on x86
 * without its repacked layouts. NULL when out of memory or without a dot product.
 */
struct ggml_peer_product;
struct ggml_peer_product *ggml_peer_product_new(struct ggml_peer *g, enum ggml_peer_format f,
						unsigned int m, unsigned int n, unsigned int k,
						const float *a_src, const float *b_src);
/* Runs the product once (arg: the product; the form a timing loop calls). */
void ggml_peer_product_run(void *arg);
void ggml_peer_product_free(struct ggml_peer_product *p);
const char *ggml_peer_format_name(enum ggml_peer_format f);
void ggml_peer_close(struct ggml_peer *g);

#endif /* FPQ_CPUBENCH_GGML_H */
