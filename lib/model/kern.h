/* SPDX-License-Identifier: MIT */
/*
 * kern.h - the model layer's CPU kernels (the elementwise and window work that does not
 * go through the GEMM), built once per instruction set from kern_tmpl.h. Every build
 * computes the same bits: the arithmetic is written out operation by operation (fmaf
 * where ONNX Runtime fuses, no contraction elsewhere), only the vector width differs.
 */
#ifndef FPQ_MODEL_KERN_H
#define FPQ_MODEL_KERN_H

#include <stdbool.h>
#include <stdint.h>

struct fpq_context;

/* QLinearAdd's constants (op_binary.c's formula) in the code domain. */
struct mg_qadd {
	float ra, rb, fixed;
	int32_t off;            /* 128 for uint8: code = stored + off */
	float lo, hi;           /* the type's range (codes) */
	float qlo, qhi;         /* the fused output range (codes) */
	int side;               /* 0 both spans, 1 A is the span's scalar, 2 B is */
};

/* QLinearMul's constants (op_binary.c's formula) in the code domain. */
struct mg_qmul {
	int32_t za, zb;         /* the inputs' zero points (stored domain) */
	float r;                /* sa * sb / sc */
	uint32_t zadd;          /* zc + off, added wrapping as ORT's SSE2 kernel does */
	int32_t off;            /* 128 for uint8 */
	int32_t lo, hi;         /* the type's range (codes) */
	int32_t qlo, qhi;       /* the fused output range (codes) */
};

struct mg_counts {
	uint64_t clamped, saturated;
};

/* One output row of a depthwise convolution (one input channel per output channel). */
struct mg_dw {
	const int8_t *x;        /* the image, NHWC */
	int64_t h, w, c;        /* its dimensions (c == m) */
	int64_t ow, kh, kw, sh, sw, pt, pl, dh, dw;
	const int8_t *wt;       /* kh * kw x c weights */
	const int32_t *bias;    /* c, or NULL */
	const float *scale;     /* c requantization scales */
	int32_t x_zero, y_zero, qmin, qmax;
};

struct mg_kernels {
	const char *name;
	/* y[j] = requant(acc[j]) (requant.c's formula); scale[j], or scale[0] */
	void (*requant)(const int32_t *acc, int8_t *y, int64_t n, const float *scale,
			bool per_tensor, int32_t zp, int32_t qmin, int32_t qmax,
			struct mg_counts *c);
	/* output row oy of a depthwise convolution into y (ow x c); acc: c scratch */
	void (*dw_row)(const struct mg_dw *d, int64_t oy, int8_t *y, int32_t *acc,
		       struct mg_counts *c);
	/* QLinearAdd over n elements; sa, sb: 1 for a run, 0 for one value */
	void (*qadd)(const int8_t *a, int sa, const int8_t *b, int sb, int8_t *y, int64_t n,
		     const struct mg_qadd *p, struct mg_counts *c);
	/* QLinearMul over n elements (sa, sb as for qadd) */
	void (*qmul)(const int8_t *a, int sa, const int8_t *b, int sb, int8_t *y, int64_t n,
		     const struct mg_qmul *p, struct mg_counts *c);
	/* QuantizeLinear of n values (stored domain) */
	void (*quantize)(const float *x, int8_t *y, int64_t n, float scale, int32_t zp,
			 uint64_t *clamped);
	/* DequantizeLinear: y = fp32(x - zp) * scale */
	void (*dequantize)(const int8_t *x, float *y, int64_t n, float scale, int32_t zp);
	/* y[j] = max(y[j], x[j]) */
	void (*max8)(int8_t *y, const int8_t *x, int64_t n);
	/* acc[j] += x[j] */
	void (*sum8)(int32_t *acc, const int8_t *x, int64_t n);
	/* acc[j] += scale * fp32(x[j] - zp) (QLinearAveragePool's dequantized sum) */
	void (*dqsum8)(float *acc, const int8_t *x, int64_t n, float scale, int32_t zp);
	/* y[j] = table[(uint8_t)x[j]] */
	void (*lut)(int8_t *y, const int8_t *x, int64_t n, const int8_t *table);
	/* One image's bytes NCHW -> NHWC with c = 2, 3 or 4 channels (a network's input:
	 * the generic tiles move a byte at a time there) */
	void (*nhwc8_few)(const uint8_t *x, uint8_t *y, int64_t hw, int64_t c);
};

extern const struct mg_kernels mg_kernels_generic;
extern const struct mg_kernels mg_kernels_avx2;
extern const struct mg_kernels mg_kernels_avx512;
/* the same with the VBMI table lookup */
extern const struct mg_kernels mg_kernels_vbmi_avx512;

/* The kernel set for a context: the CPU backend's choice (FPQ_CPU_ISA included) when it
 * is a CPU context, else the best the CPU runs. */
const struct mg_kernels *mg_kernels_for(struct fpq_context *ctx);

#endif /* FPQ_MODEL_KERN_H */
