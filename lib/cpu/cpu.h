/* SPDX-License-Identifier: MIT */
/*
 * cpu.h - what the files of the fast CPU backend (lib/cpu/) share.
 *
 * The backend splits a GEMM into three independent pieces, as oneDNN and ggml do:
 *   packing   - B (weights) and A (activations) are decoded into the layout of one
 *               kernel class (pack.c, plus vectorised row decoders per ISA);
 *   kernels   - micro-kernels per ISA compute one register tile (kern_*.c);
 *   driver    - tiling, threads and epilogues (gemm.c, pool.c).
 *
 * Every kernel class computes exactly what Documentation/numerics.rst says; the ISA
 * only changes how fast. Classes by operand pair (rank: int-like 0, e3m2 1, e4m3 2,
 * e5m2 3; the higher rank decides):
 *   CPU_CLASS_I8   INT8 path, and MX pairs of e2m3/e2m1/mxint8: int8 values, u8 x s8
 *                  dot products (MX: A stored as value + 128, corrected with B's block
 *                  sums; INT8 path: B stored as b + 128, corrected with A's row sums).
 *   CPU_CLASS_I16  pairs with e3m2 (and no e4m3/e5m2): int16 values, s16 x s16 dots.
 *   CPU_CLASS_F64  pairs with e4m3 or e5m2: binary64 FMA on values prescaled by their
 *                  block's power of two, exact because every partial sum fits 53 bits;
 *                  when a pair would need more (e5m2 with e4m3/e5m2), A is split into two
 *                  16-bit pieces and the two exact sums are rounded together once.
 *   CPU_CLASS_I16W e4m3 B with an A of e4m3 or a narrower format, on kernel sets that
 *                  have it: B as int16 windows (each channel's block shifted right by
 *                  its own sh, chosen so that most elements fit 15 bits exactly; the
 *                  rest kept as a sparse list of exact corrections), A as int16 (e4m3:
 *                  two pieces, sign * (|a| mod 2^9) and sign * (|a| >> 9)). s16 x s16
 *                  dots give exact sums, recombined in binary64 and rounded once. When
 *                  B has too many corrections to pay (wide-ranging blocks) it is packed
 *                  in CPU_CLASS_F64 instead: the class depends on B's data.
 */
#ifndef FPQ_CPU_H
#define FPQ_CPU_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

#include "internal.h"

/* Panel width: every packed B layout groups 16 output channels. */
#define CPU_PANEL 16u
/* Panels are stored interleaved by quads (4 panels, 64 channels), k step by k step, so
 * a kernel reading up to four panels of a quad reads one sequential stream. */
#define CPU_QUAD 4u
/* Packed K is a whole number of MX blocks (zero padded). */
#define CPU_KALIGN 32u

enum cpu_isa {
	CPU_ISA_SCALAR,
	CPU_ISA_AVX2,       /* AVX2 + FMA */
	CPU_ISA_AVXVNNI,    /* AVX2 + FMA + AVX-VNNI (VEX vpdpbusd/vpdpwssd) */
	CPU_ISA_AVX512,     /* AVX-512 F/BW/VL/DQ + VNNI + VBMI */
	CPU_ISA_COUNT
};

enum cpu_class { CPU_CLASS_I8, CPU_CLASS_I16, CPU_CLASS_F64, CPU_CLASS_I16W };

/* ---- packed B ---------------------------------------------------------------------- */

/*
 * B decoded for one class. Panel p holds channels 16p..16p+15 (missing channels are
 * zero); one k step of a panel is
 *   I8:  [16][4] int8    (4 consecutive k of one channel per dword), 64 bytes; on
 *        the INT8 path uint8 b + 128 (A is the signed operand there)
 *   I16: [16][2] int16   (2 consecutive k), 64 bytes
 *   F64: [16]    double, prescaled by the channel's block scale 2^xb, 128 bytes
 *   I16W: as I16, the value shifted right by the block's window shift sh (exact), or 0
 *        for an element outside the window (then in the correction list)
 * and the steps of the four panels of a quad alternate: [n16/4][kpad/step_k][4][step].
 * Per (panel, block, lane) metadata is laid out [n16][nblk][16]. B is packed without
 * knowing A's format, so its exponent data is xb alone; A carries both lsb terms.
 */
struct cpu_bpack {
	enum cpu_class cls;
	enum fpq_format format;      /* B's element format */
	uint32_t n, k, n16, kpad, nblk;
	int scaled;                  /* B had MX scales */
	size_t step_bytes;           /* one k step of one panel: 64 or 128 */
	uint32_t step_k;             /* k per step: 4, 2 or 1 */
	size_t quad_bytes;           /* one quad of panels over all of K */
	uint8_t *data;               /* ceil(n16 / 4) quads, 64-byte aligned */
	int32_t *colsum;             /* INT8 path: sum over K of b, per channel (n16*16) */
	int32_t *bcorr;              /* I8 MX: -128 * block sum of b */
	float *bexp;                 /* I8/I16 MX: xb as a float (scalef operand) */
	float *bfac;                 /* I8/I16 MX: 2^xb as a float (exact, >= 2^-127) */
	uint8_t *special;            /* [n][nblk]: NaN scale or a NaN/Inf element */
	uint8_t *pspecial;           /* [n16][nblk]: OR of special over the panel */
	int16_t *pemin, *pemax;      /* [n16][nblk]: range of xb over the panel */
	int any_special;
	/* I16W */
	double *bwfac;               /* 2^(sh + xb) per (panel, block, lane) as bexp */
	uint32_t *corr_off;          /* [n16][nblk + 1]: panel p's block t corrections are
				      * corr[p][corr_off[p * (nblk + 1) + t] ...  t + 1] */
	struct cpu_bcorr **corr;     /* [n16]: per panel, in block order (NULL: none) */
	size_t ncorr;                /* all corrections (set by cpu_bpack_finish) */
};

/* An element of an I16W block outside its channel's window: its exact value. */
struct cpu_bcorr {
	double v;                    /* integer value (units of B's lsb) times 2^xb */
	uint8_t k;                   /* position in the block, 0..31 */
	uint8_t lane;                /* channel within the panel */
};

/* Appends a correction to a panel's growing list (aborts when out of memory, as the
 * packers do for their small buffers). */
void cpu_bcorr_push(struct cpu_bcorr **list, size_t *count, size_t *cap, double v, uint32_t k,
		    uint32_t lane);

/*
 * I16W is used only while the corrections cost less than the binary64 class would:
 * at most this many per panel and block on average. Measured at 1024^3, one thread
 * (performance.rst): 0 -> 1.3x the binary64 class's speed, 1 -> 1.05x, 2 -> 1.0x.
 */
#define CPU_I16W_MAX_CORR 2u

/*
 * 2^x built from its bits, equal to ldexp(1.0, x) and ldexpf(1.0f, x): the packers need
 * one per (row or channel, block), and at small M the libm calls were a fifth of a call.
 */
static inline double cpu_pow2(int x)
{
	union { uint64_t u; double d; } v;

	if (x < -1022 || x > 1023)
		return x < 0 ? 0x1p-1022 * cpu_pow2(x + 1022) : __builtin_inf();
	v.u = (uint64_t)(x + 1023) << 52;
	return v.d;
}

static inline float cpu_pow2f(int x)
{
	union { uint32_t u; float f; } v;

	if (x > 127)
		return __builtin_inff();
	if (x < -149)
		return 0.0f;
	/* Below 2^-126 the subnormals: a single bit of the significand. */
	v.u = x >= -126 ? (uint32_t)(x + 127) << 23 : 1u << (x + 149);
	return v.f;
}

/* Address of k step `step` of panel p. */
static inline uint8_t *cpu_bpack_at(const struct cpu_bpack *bp, uint32_t p, uint32_t step)
{
	return bp->data + (size_t)(p / CPU_QUAD) * bp->quad_bytes +
	       ((size_t)step * CPU_QUAD + p % CPU_QUAD) * bp->step_bytes;
}

/* Pack all of B (or panels [p0, p1)) for cls; pack_alloc sizes and allocates. */
int cpu_bpack_alloc(struct cpu_bpack *bp, const struct fpq_matrix *b, enum cpu_class cls,
		    int int8_path);
struct cpu_kernels;
void cpu_bpack_panels(const struct cpu_kernels *kern, struct cpu_bpack *bp,
		      const struct fpq_matrix *b, uint32_t p0, uint32_t p1);
/* After the panels: the summary flags. */
void cpu_bpack_finish(struct cpu_bpack *bp);
void cpu_bpack_free(struct cpu_bpack *bp);

/* The class a pair of operand formats runs in (INT8 x INT8 is CPU_CLASS_I8). */
enum cpu_class cpu_class_of(enum fpq_format fa, enum fpq_format fb);
/* F64 class: 2 when A must be split into two 16-bit pieces, else 1. */
unsigned int cpu_f64_pieces(enum fpq_format fa, enum fpq_format fb);
/* Whether the pair may run in I16W on kern (B e4m3, A not e5m2, the kernel exists). */
int cpu_i16w_applies(const struct cpu_kernels *kern, enum fpq_format fa, enum fpq_format fb);
/* I16W: 2 when A is split into two pieces (e4m3), else 1. */
unsigned int cpu_i16w_pieces(enum fpq_format fa);
/* I16W: whether packed B has few enough corrections to be worth its class. */
int cpu_i16w_pays(const struct cpu_bpack *bp);

/* ---- packed A ---------------------------------------------------------------------- */

/*
 * A decoded per call, one row of kpad elements per matrix row:
 *   I8:  uint8 value + 128; on the INT8 path the int8 codes themselves (then B holds
 *        b + 128 and rowsum[] corrects): when K is a whole number of blocks the
 *        kernels read A where it is (data is NULL, the rows are the caller's)
 *   I16: int16 value
 *   F64: pieces rows of double, value * 2^(xa + lsb_a + lsb_b) (piece 1: high 16 bits
 *        of the integer value, times 2^16 more)
 *   I16W: pieces rows of int16: the integer value; two pieces (e4m3, |a| < 2^18):
 *        sign * (|a| mod 2^9), then sign * (|a| >> 9), so a = a0 + 2^9 a1
 * Per (row, block): aexp = xa + lsb_a + lsb_b (float), afac = 2^aexp, special flag;
 * I16W also adfac = 2^aexp as a double (the exponent can be below binary32's range).
 */
struct cpu_apack {
	enum cpu_class cls;
	uint32_t m, k, kpad, nblk;
	unsigned int pieces;
	size_t row_bytes;            /* bytes from one packed row to the next */
	uint8_t *data;
	int32_t *rowcorr;            /* INT8 path, I8: -128 * sum over k of a, per row */
	float *aexp, *afac;          /* [m][nblk] */
	double *adfac;               /* I16W: [m][nblk] */
	uint8_t *special;            /* [m][nblk] */
	int any_special;
};

/* The data of A's (row, block) e: its special flag and its exponent x = xa + lsbs. */
static inline void cpu_apack_block(struct cpu_apack *ap, size_t e, int special, int x)
{
	ap->special[e] = (uint8_t)special;
	ap->aexp[e] = special ? 0.0f : (float)x;
	ap->afac[e] = special ? 1.0f : cpu_pow2f(x);
	if (ap->adfac)
		ap->adfac[e] = special ? 1.0 : cpu_pow2(x);
}

/* Decode rows [r0, r1) of a (the per-ISA decoder when it has one). */
typedef void (*cpu_pack_a_fn)(struct cpu_apack *ap, const struct fpq_matrix *a,
			      enum fpq_format fb, uint32_t r0, uint32_t r1);
void cpu_pack_a_rows_generic(struct cpu_apack *ap, const struct fpq_matrix *a,
			     enum fpq_format fb, uint32_t r0, uint32_t r1);

/* Element codes of row r, one byte each, from any storage (8, 6 or 4 bits). */
void cpu_unpack_codes(const struct fpq_matrix *m, uint32_t r, uint8_t *codes);

/* Per-format decode tables: exact integer value (sig) and class of every code. */
struct cpu_codec {
	double sig[256];
	int32_t isig[256];           /* valid for every format but e5m2 */
	uint8_t special[256];        /* NaN or Inf */
};
const struct cpu_codec *cpu_codec(enum fpq_format fmt);

/* ---- kernels ----------------------------------------------------------------------- */

struct cpu_fix;

/*
 * One register tile: mr rows of A times np panels of B. c receives int32 (INT8 path) or
 * float (MX paths) accumulators, row r at c + r * c_stride elements, np * 16 columns.
 */
struct cpu_tile {
	const uint8_t *a;            /* packed A, first row of the tile */
	size_t a_stride;             /* bytes between packed rows */
	const uint8_t *b;            /* packed B, first panel of the tile, first k step */
	size_t b_panel;              /* bytes between the tile's panels (same quad) */
	size_t b_step;               /* bytes between k steps of a panel */
	uint32_t kpad, nblk;         /* this K chunk: length (multiple of 32), blocks */
	uint32_t blk0;               /* index of the chunk's first block (for fix()) */
	int first;                   /* first chunk: start from init (or 0), else from c */
	unsigned int mr, np;
	void *c;
	size_t c_stride;
	/* When set, the last K chunk stores the finished tile into C itself (out_stride
	 * elements per row) instead of into c: INT8 path with int32 output, and (kernel
	 * sets with fp32_out) float paths with binary32 output, where the kernel applies
	 * the epilogue - fmaf with op's alpha and beta of columns j0.., the activation,
	 * clamps counted in *clamped - exactly as epilogue.c. */
	void *out;
	size_t out_stride;
	const struct fpq_gemm_op *op;
	uint32_t j0;
	uint64_t *clamped;
	/* When set (INT8 path, int8 output in the FPQ_GEMM_REQUANT_FP32 mode), the last K
	 * chunk requantizes the finished tile straight into C, so the int32 tile never goes
	 * back to memory: out8 is C at the tile's first row and column j0, out8_stride bytes
	 * per row; only the first ncols columns are stored (the rest is past N). The
	 * formula is epilogue.c's fpq_requant_fp32() with the columns' scales (q_scale, or
	 * q_scale[0] for all when q_scale_bc), the range q_lo..q_hi (act_min and act_max
	 * minus the zero point) and the zero point q_zero; clamps counted in *clamped. */
	uint8_t *out8;
	size_t out8_stride;
	unsigned int ncols;
	const float *q_scale;
	int q_scale_bc;
	int32_t q_lo, q_hi, q_zero;
	/* INT8 path */
	const int32_t *init;         /* per column: bias - zp * colsum */
	const int32_t *rowcorr;      /* per row of the tile: -128 * sum of a (I8) */
	/* MX paths, per block */
	const float *aexp;           /* row r, block t at aexp[r * aexp_stride + t] */
	const float *afac;
	size_t aexp_stride;
	const float *bexp;           /* panel p, block t, lane l at [p * bmeta_panel + t*16 + l] */
	const float *bfac;
	const int32_t *bcorr;
	size_t bmeta_panel;
	const uint8_t *slow;         /* per block: nonzero sends the block through fix() */
	unsigned int pieces;         /* F64, I16W */
	/* I16W: 2^(xa + lsbs) per row (as aexp), 2^(sh + xb) per lane (as bexp); the
	 * corrections of panel p, block t (from the chunk's first) are
	 * corr[p][corr_off[p * corr_panel + t] ... + 1]. */
	const double *adfac;
	const double *bwfac;
	const uint32_t *corr_off;
	size_t corr_panel;
	struct cpu_bcorr *const *corr;
	/* Exact P of a flagged block (blk counts from the start of K): s holds the block
	 * sums (int32 after correction, or double per piece as [pieces][mr][np*16]; I16W: the
 * exact S * 2^(ea + eb) as one double per output, [mr][np*16]), p
	 * receives P, both [mr][np*16]. */
	void (*fix)(const struct cpu_fix *fx, uint32_t blk, const void *s, float *p);
	const struct cpu_fix *fx;
};

typedef void (*cpu_kernel_fn)(const struct cpu_tile *t);

/*
 * I16W: the corrections of block blk of a tile (elements of B outside their channel's
 * window): their exact products with A, times 2^(ea + eb), into cb[r * NP * 16 + column]
 * (zeroed first). Returns 0, cb untouched, when the block has none. For the kernels
 * (MR, NP and PIECES constant there).
 */
static inline __attribute__((always_inline)) int
cpu_window_corrections(const struct cpu_tile *t, uint32_t blk, double *cb, const unsigned int MR,
		       const unsigned int NP, const unsigned int PIECES)
{
	const size_t piece = t->a_stride / 2 / PIECES;
	double ad[6];
	const int16_t *arow[6];
	int any = 0;

	for (unsigned int p = 0; p < NP; p++) {
		const uint32_t *off = t->corr_off + p * t->corr_panel + blk;

		any |= off[1] != off[0];
	}
	if (__builtin_expect(!any, 1))
		return 0;
	for (unsigned int r = 0; r < MR; r++) {
		ad[r] = t->adfac[r * t->aexp_stride + blk];
		arow[r] = (const int16_t *)(t->a + r * t->a_stride) + (size_t)blk * CPU_KALIGN;
		for (unsigned int c = 0; c < NP * CPU_PANEL; c++)
			cb[r * NP * CPU_PANEL + c] = 0.0;
	}
	for (unsigned int p = 0; p < NP; p++) {
		const uint32_t *off = t->corr_off + p * t->corr_panel + blk;

		for (uint32_t e = off[0]; e < off[1]; e++) {
			const struct cpu_bcorr c = t->corr[p][e];

			for (unsigned int r = 0; r < MR; r++) {
				const int16_t *a = arow[r];
				const int32_t v = PIECES == 2 ? a[c.k] + 512 * a[piece + c.k] : a[c.k];

				/* |a b| < 2^36 and at most 32 terms: exact. */
				cb[(r * NP + p) * CPU_PANEL + c.lane] += (double)v * ad[r] * c.v;
			}
		}
	}
	return 1;
}

/*
 * INT8 path without packing B, for a few rows of A (gemv.c): a holds A's rows as
 * a + 128 (m rows of k bytes, row stride a_stride), b the caller's int8 weights. The
 * kernel writes acc[i * acc_stride + j] = bias[j] + sum_k (a_ik - zp) b_jk (wrapping
 * int32, as the reference) for the rows i < m and the channels j0 <= j < j1.
 */
struct cpu_gemv {
	const uint8_t *a;
	size_t a_stride;
	uint32_t m, k;
	const int8_t *b;
	size_t b_stride;
	int32_t zero_point;
	const int32_t *bias;             /* NULL: none */
	int32_t *acc;
	size_t acc_stride;
};
typedef void (*cpu_gemv_fn)(const struct cpu_gemv *gv, uint32_t j0, uint32_t j1);
/* At most this many rows take the unpacked path. */
#define CPU_GEMV_MAX_M 4u
/*
 * Epilogue of rows [row0, row0 + rows) and columns [j0, j0 + n) (see epilogue.c): acc
 * holds the accumulators of (row0, j0) onwards, acc_stride elements per row.
 */
typedef void (*cpu_epi_float_fn)(const struct fpq_gemm_op *op, uint32_t row0, unsigned int rows,
				 uint32_t j0, uint32_t n, const float *acc, size_t acc_stride,
				 struct fpq_gemm_status *st);
typedef void (*cpu_epi_int8_fn)(const struct fpq_gemm_op *op, uint32_t row0, unsigned int rows,
				uint32_t j0, uint32_t n, const int32_t *acc, size_t acc_stride,
				struct fpq_gemm_status *st);

/* A kernel set: one per ISA. */
struct cpu_kernels {
	const char *name;
	enum cpu_isa isa;
	unsigned int mr_i8, np_i8;       /* INT8 path tile */
	unsigned int mr_mx, np_mx;       /* I8/I16 MX tiles */
	unsigned int mr_f64, np_f64;     /* F64 tile (1 piece; 2 pieces use np_f64 / 2) */
	unsigned int mr_w, np_w;         /* I16W tile */
	int exp_guard;                   /* MX I8/I16 kernels need 2^(ea+eb) representable */
	cpu_kernel_fn i8_int, i16_int;   /* INT8 path (i16_int when there is no int8 dot) */
	cpu_kernel_fn i8_mx, i16_mx, f64_mx;
	cpu_kernel_fn i16w_mx;           /* NULL: the set has no I16W class */
	int has_i8_dot;                  /* 0: the INT8 path and I8 class run as I16 */
	int i8_requant;                  /* the INT8 path kernels take out8 (cpu_tile) */
	int fp32_out;                    /* MX kernels can finish binary32 output tiles */
	cpu_epi_float_fn epi_float;
	cpu_epi_int8_fn epi_int8;
	cpu_pack_a_fn pack_a;
	/* Optional: packs panel p of B (returns 1) or leaves it to the portable packer. */
	int (*pack_b_panel)(struct cpu_bpack *bp, const struct fpq_matrix *b, uint32_t p);
	/* Optional: the INT8 path for M <= CPU_GEMV_MAX_M and B not pre-packed. */
	cpu_gemv_fn gemv_int8;
};

extern const struct cpu_kernels cpu_kernels_scalar;
extern const struct cpu_kernels cpu_kernels_avx2;
extern const struct cpu_kernels cpu_kernels_avxvnni;
extern const struct cpu_kernels cpu_kernels_avx512;

/* ---- ISA selection (isa.c) ----------------------------------------------------------- */

int cpu_isa_supported(enum cpu_isa isa);
/* Best supported ISA, or the one FPQ_CPU_ISA names (error if unknown/unsupported). */
int cpu_isa_select(enum cpu_isa *out);
const struct cpu_kernels *cpu_kernels_for(enum cpu_isa isa);

/* ---- scalar epilogue helpers (shared by every ISA for the cases they do not
 * vectorise): columns [j0, j0 + n) through lib/epilogue.c ---- */
void cpu_epi_float_scalar(const struct fpq_gemm_op *op, uint32_t row0, unsigned int rows,
			  uint32_t j0, uint32_t n, const float *acc, size_t acc_stride,
			  struct fpq_gemm_status *st);
void cpu_epi_int8_scalar(const struct fpq_gemm_op *op, uint32_t row0, unsigned int rows,
			 uint32_t j0, uint32_t n, const int32_t *acc, size_t acc_stride,
			 struct fpq_gemm_status *st);

/* ---- exact helpers (exact.c) -------------------------------------------------------- */

/* RNE_fp32(x + y) for two binary64 values whose exact sum is what must be rounded. */
float cpu_round_sum2(double x, double y);

/* What the fixer needs to know about the operation. */
struct cpu_fix {
	const struct fpq_gemm_op *op;
	const struct fpq_matrix *b;      /* B's elements (op->b or the weights' copy) */
	const struct cpu_apack *ap;
	const struct cpu_bpack *bp;
	uint32_t i0, j0;                 /* tile origin */
	unsigned int mr, ncols;          /* ncols = np * 16 */
};
void cpu_fix_block(const struct cpu_fix *fx, uint32_t blk, const void *s, float *p);

/* ---- threads (pool.c) -------------------------------------------------------------- */

struct cpu_pool;
int cpu_pool_create(unsigned int threads, struct cpu_pool **out);
void cpu_pool_destroy(struct cpu_pool *pool);
unsigned int cpu_pool_threads(const struct cpu_pool *pool);
/* Run fn(arg, task, worker) for task = 0..ntasks-1 on the pool's threads (the caller is
 * worker 0); returns when all are done. */
void cpu_pool_run(struct cpu_pool *pool, void (*fn)(void *arg, uint32_t task,
						   unsigned int worker),
		  void *arg, uint32_t ntasks);

/* ---- the backend state kept in a context (backend_cpu.c) --------------------------- */

#define CPU_SCRATCH_SLOTS 40

struct cpu_state {
	const struct cpu_kernels *kern;
	struct cpu_pool *pool;
	pthread_mutex_t lock;            /* one operation at a time on the pool */
	/* Buffers kept from one operation to the next (no page faults per call). */
	void *scratch[CPU_SCRATCH_SLOTS];
	size_t scratch_bytes[CPU_SCRATCH_SLOTS];
};

/*
 * The kernels compute in IEEE binary32/binary64 with round-to-nearest-even and gradual
 * underflow. The caller's thread (and the workers, which inherit it) may have other
 * settings (flush-to-zero, denormals-are-zero, another rounding mode): every task runs
 * between fpq_fp_enter() and fpq_fp_leave() (lib/fp_env.h; its work reads its inputs
 * from memory and stores its results there, or is an indirect call).
 */

/* Adds the counts of from (a worker's) to st. */
static inline void cpu_status_add(struct fpq_gemm_status *st,
				  const struct fpq_gemm_status *from)
{
	st->clamped += from->clamped;
	st->saturated += from->saturated;
	st->nan_to_zero += from->nan_to_zero;
	st->overflowed += from->overflowed;
}

/* Scratch slots of struct cpu_state. */
enum {
	SLOT_A, SLOT_AEXP, SLOT_AFAC, SLOT_ASPECIAL, SLOT_INIT, SLOT_ACC, SLOT_SLOW, SLOT_INFO,
	SLOT_ROWCORR, SLOT_GEMV_A, SLOT_GEMV_ACC, SLOT_ADFAC
};

/* A 64-byte aligned buffer of at least bytes for slot (contents undefined), or NULL. */
void *cpu_scratch(struct cpu_state *cs, unsigned int slot, size_t bytes);
void cpu_scratch_free(struct cpu_state *cs);

int cpu_gemm(struct cpu_state *cs, const struct fpq_gemm_op *op, struct fpq_gemm_status *st);
/* The unpacked INT8 path for a few rows (gemv.c), when the kernel set has one. */
int cpu_gemv_applies(const struct cpu_kernels *kern, const struct fpq_gemm_op *op);
int cpu_gemv_int8(struct cpu_state *cs, const struct fpq_gemm_op *op,
		  struct fpq_gemm_status *st);
int cpu_weights_pack(const struct cpu_kernels *kern, const struct fpq_matrix *b,
		     struct cpu_bpack **out);

/* 64-byte aligned allocation (zeroed), freed with free(). */
void *cpu_alloc(size_t bytes);
/* The same, not zeroed. */
void *cpu_alloc_raw(size_t bytes);

#endif /* FPQ_CPU_H */
