/* SPDX-License-Identifier: MIT */
/*
 * conv_geom.h - the geometry of a 2-D convolution or pooling window (kernel, strides,
 * pads, dilations, auto_pad), shared by the convolution and pooling ops, and the NHWC
 * im2col that lowers a convolution to a GEMM.
 */
#ifndef FPQ_MODEL_CONV_GEOM_H
#define FPQ_MODEL_CONV_GEOM_H

#include <stdbool.h>
#include <stdint.h>

#include "graph.h"

enum mg_auto_pad { MG_PAD_NOTSET, MG_PAD_SAME_UPPER, MG_PAD_SAME_LOWER, MG_PAD_VALID };

struct mg_window {
	int nd;                 /* spatial dimensions: 2 (1 is treated as H = 1) */
	int64_t k[2], s[2], d[2];
	int64_t pads[4];        /* begin h, begin w, end h, end w (as given) */
	enum mg_auto_pad auto_pad;
	bool ceil_mode;
	bool kernel_given;
};

/* A window applied to an input: everything a kernel needs. */
struct mg_geom {
	int64_t n, h, w, c;      /* input (logical N, C, H, W) */
	int64_t oh, ow;          /* output spatial size */
	int64_t pt, pl, pb, pr;  /* effective pads */
	int64_t kh, kw, sh, sw, dh, dw;
};

/* Read kernel_shape (required unless has_weights), strides, pads, dilations,
 * auto_pad and (for pools) ceil_mode. */
int mg_window_parse(struct mg_graph *g, struct mg_node *n, struct mg_window *win,
		    bool pool);
/* Output size and effective pads for input dims (rank 3 or 4, NCHW logical). */
int mg_window_apply(const struct mg_node *n, const struct mg_window *win, const int64_t *in,
		    int rank, struct mg_geom *geo);

/*
 * Rows [row0, row0 + rows) of the im2col matrix of an NHWC input x (element size es):
 * row p is output pixel p (n, oy, ox) and holds, for each (ky, kx) in order, the cg
 * channels [c0, c0 + cg) of the input pixel it reads, or pad (es bytes) where the
 * window leaves the image. Rows are row_bytes apart; the bytes after a row's elements
 * (es == 1 only) hold pad too.
 */
void mg_im2col(const uint8_t *x, int es, const struct mg_geom *geo, int64_t c0, int64_t cg,
	       int64_t row0, int64_t rows, const void *pad, uint8_t *out, size_t row_bytes);

/*
 * The constant inputs of a convolution (Conv, QLinearConv, ConvTranspose): the weights
 * (input wi) must be constant, and so must the bias (input bi, optional) with m
 * elements; the bias is copied into *bias (m elements of esize bytes, from the graph's
 * allocator), zeros when the node has none if zero_fill, else *bias = NULL then.
 */
int mg_conv_constants(struct mg_graph *g, struct mg_node *n, int wi, int bi, int64_t m,
		      size_t esize, bool zero_fill, void **bias);

#endif /* FPQ_MODEL_CONV_GEOM_H */
