// SPDX-License-Identifier: MIT
/*
 * gemm.c - the CPU GEMM driver: picks the kernel class, packs what is not packed yet
 * (in parallel), tiles the output and runs the micro-kernels on the context's threads,
 * then the epilogue.
 *
 * Tasks are blocks of the output (MC rows x NC columns); a task computes its outputs
 * over the whole of K (in KC chunks whose MX blocks stay in K order) and applies the
 * epilogue itself. No output is ever split between tasks, and a kernel computes each
 * output with the same operations whatever tile it falls in, so the results do not
 * depend on the thread count or on which thread ran which task.
 *
 * Loop order inside a task (GotoBLAS/BLIS style): for each K chunk, for each panel group
 * (np x 16 columns, kept in L1), for each row tile (mr rows of A streamed from L2).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"

struct blkinfo;

/* Everything the tasks of one operation share. */
struct gemm_run {
	const struct fpq_gemm_op *op;
	const struct cpu_kernels *kern;
	enum cpu_class cls;
	int int8_path;
	cpu_kernel_fn kfn;
	unsigned int mr, np;
	uint32_t m, n, kc;
	uint32_t mc, nc, mtasks, ntasks;

	struct cpu_apack ap;
	const struct cpu_bpack *bp;
	struct cpu_bpack bp_local;
	const struct fpq_matrix *bsrc;    /* B's elements, for packing and exact blocks */
	int pack_b;
	uint32_t a_chunks, b_chunks, a_rows_per, b_panels_per;

	int32_t *init;                    /* INT8 path, per column */
	int need_flags;                   /* some block may need the exact path */
	int direct_c;                     /* finished tiles go straight into C (int32 or fp32) */
	int direct_q8;                    /* finished tiles are requantized into C (int8) */
	size_t c_stride;                  /* C's row stride in bytes */
	unsigned int threads;
	struct worker {
		void *acc;                /* mc x nc accumulators */
		uint8_t *slow;            /* per block of a chunk */
		struct blkinfo *rinfo;    /* per row tile and block of a chunk */
		struct blkinfo *cinfo;    /* per block of a chunk, current panel group */
		struct fpq_gemm_status st;
	} *w;
};

static uint32_t div_up(uint32_t a, uint32_t b)
{
	return (a + b - 1) / b;
}

/* ---- phase 1: packing ---- */

static void pack_task(void *arg, uint32_t task, unsigned int worker)
{
	struct gemm_run *g = arg;
	struct fpq_fp_env env = fpq_fp_enter();

	(void)worker;
	if (task < g->a_chunks) {
		uint32_t r0 = task * g->a_rows_per;
		uint32_t r1 = r0 + g->a_rows_per < g->m ? r0 + g->a_rows_per : g->m;

		g->kern->pack_a(&g->ap, &g->op->a, g->op->b.format, r0, r1);
	} else {
		uint32_t p0 = (task - g->a_chunks) * g->b_panels_per;
		uint32_t p1 = p0 + g->b_panels_per < g->bp_local.n16 ? p0 + g->b_panels_per
								     : g->bp_local.n16;

		cpu_bpack_panels(g->kern, &g->bp_local, g->bsrc, p0, p1);
	}
	fpq_fp_leave(env);
}

static int apack_alloc(struct gemm_run *g, struct cpu_state *cs)
{
	struct cpu_apack *ap = &g->ap;
	const struct fpq_matrix *a = &g->op->a;

	memset(ap, 0, sizeof(*ap));
	ap->cls = g->cls;
	ap->m = a->rows;
	ap->k = a->cols;
	ap->kpad = div_up(a->cols, CPU_KALIGN) * CPU_KALIGN;
	ap->nblk = ap->kpad / CPU_KALIGN;
	ap->pieces = g->cls == CPU_CLASS_F64 ? cpu_f64_pieces(a->format, g->op->b.format)
		     : g->cls == CPU_CLASS_I16W ? cpu_i16w_pieces(a->format) : 1;
	ap->row_bytes = (size_t)ap->kpad * (g->cls == CPU_CLASS_I8 ? 1 : g->cls == CPU_CLASS_F64
					    ? 8 * ap->pieces : 2 * ap->pieces);
	if (g->int8_path && g->cls == CPU_CLASS_I8) {
		/* The int8 codes are the kernel's operand: read A in place when its rows
		 * hold whole blocks, and only sum them per row. */
		ap->rowcorr = cpu_scratch(cs, SLOT_ROWCORR, sizeof(int32_t) * ap->m);
		if (!ap->rowcorr)
			return -ENOMEM;
		if (ap->kpad == ap->k)
			return 0;
	}
	ap->data = cpu_scratch(cs, SLOT_A, ap->row_bytes * ap->m);
	if (!ap->data)
		return -ENOMEM;
	if (g->int8_path)
		return 0;
	ap->aexp = cpu_scratch(cs, SLOT_AEXP, sizeof(float) * ap->m * ap->nblk);
	ap->afac = cpu_scratch(cs, SLOT_AFAC, sizeof(float) * ap->m * ap->nblk);
	ap->special = cpu_scratch(cs, SLOT_ASPECIAL, (size_t)ap->m * ap->nblk);
	if (g->cls == CPU_CLASS_I16W) {
		ap->adfac = cpu_scratch(cs, SLOT_ADFAC, sizeof(double) * ap->m * ap->nblk);
		if (!ap->adfac)
			return -ENOMEM;
	}
	return ap->aexp && ap->afac && ap->special ? 0 : -ENOMEM;
}

/* ---- phase 2: tiles ---- */

/*
 * Which blocks of a tile go through the exact path (cpu_fix_block): those where a row or
 * a channel has a special value or NaN scale and, for kernel sets without a scale
 * instruction, those where 2^(ea + eb) may leave binary32's range. The row and the
 * column halves are summarised once per row tile and per panel group.
 */
struct blkinfo {
	int16_t lo, hi;              /* range of the block exponents (empty: lo > hi) */
	uint8_t special;
};

static void row_tile_info(const struct gemm_run *g, uint32_t i0, unsigned int mr,
			  uint32_t blk0, uint32_t nblk, struct blkinfo *out)
{
	const struct cpu_apack *ap = &g->ap;

	for (uint32_t t = 0; t < nblk; t++) {
		struct blkinfo bi = { INT16_MAX / 2, INT16_MIN / 2, 0 };

		for (unsigned int r = 0; r < mr; r++) {
			size_t e = (size_t)(i0 + r) * ap->nblk + blk0 + t;

			if (ap->special[e]) {
				bi.special = 1;
			} else {
				int16_t x = (int16_t)ap->aexp[e];

				bi.lo = x < bi.lo ? x : bi.lo;
				bi.hi = x > bi.hi ? x : bi.hi;
			}
		}
		out[t] = bi;
	}
}

static void group_info(const struct gemm_run *g, uint32_t p0, unsigned int np, uint32_t blk0,
		       uint32_t nblk, struct blkinfo *out)
{
	const struct cpu_bpack *bp = g->bp;

	for (uint32_t t = 0; t < nblk; t++) {
		struct blkinfo bi = { INT16_MAX / 2, INT16_MIN / 2, 0 };

		for (unsigned int p = 0; p < np; p++) {
			size_t e = (size_t)(p0 + p) * bp->nblk + blk0 + t;

			bi.special |= bp->pspecial[e];
			bi.lo = bp->pemin[e] < bi.lo ? bp->pemin[e] : bi.lo;
			bi.hi = bp->pemax[e] > bi.hi ? bp->pemax[e] : bi.hi;
		}
		out[t] = bi;
	}
}

static void tile_slow_flags(const struct gemm_run *g, const struct blkinfo *ri,
			    const struct blkinfo *ci, uint32_t nblk, uint8_t *slow)
{
	/* The binary64 classes scale in binary64: always in range. */
	const int guard = g->kern->exp_guard && g->cls != CPU_CLASS_F64 &&
			  g->cls != CPU_CLASS_I16W;

	for (uint32_t t = 0; t < nblk; t++) {
		/* Empty ranges are +-16383: their sums never fail the test. */
		int out = guard && (ri[t].lo + ci[t].lo < -149 || ri[t].hi + ci[t].hi > 127);

		slow[t] = (uint8_t)(ri[t].special | ci[t].special | out);
	}
}

/* Epilogue of rows [i, i + rows) and columns [j0, j1); acc points at (i, j0). */
static void epilogue(const struct gemm_run *g, struct worker *w, const void *acc, uint32_t i,
		     unsigned int rows, uint32_t j0, uint32_t j1)
{
	if (g->int8_path)
		g->kern->epi_int8(g->op, i, rows, j0, j1 - j0, acc, g->nc, &w->st);
	else
		g->kern->epi_float(g->op, i, rows, j0, j1 - j0, acc, g->nc, &w->st);
}

static void compute_task(void *arg, uint32_t task, unsigned int worker)
{
	struct gemm_run *g = arg;
	struct worker *w = &g->w[worker];
	/* Column blocks outermost: a worker's contiguous range of tasks covers the same
	 * columns of B from one call to the next. */
	const uint32_t nb = task / g->mtasks, mb = task % g->mtasks;
	const uint32_t i_start = mb * g->mc, j_start = nb * g->nc;
	const uint32_t i_end = i_start + g->mc < g->m ? i_start + g->mc : g->m;
	const uint32_t j_end = j_start + g->nc < g->n ? j_start + g->nc : g->n;
	const uint32_t p_start = j_start / CPU_PANEL, p_end = div_up(j_end, CPU_PANEL);
	const size_t ldc = (size_t)g->nc;       /* accumulator row stride, elements */
	const struct cpu_apack *ap = &g->ap;
	const struct cpu_bpack *bp = g->bp;
	struct cpu_fix fx = { g->op, g->bsrc, ap, bp, 0, 0, 0, 0 };
	struct fpq_fp_env env = fpq_fp_enter();

	const size_t a_esz = g->cls == CPU_CLASS_I8 ? 1 : g->cls == CPU_CLASS_F64 ? 8 : 2;
	const size_t bmeta = (size_t)bp->nblk * CPU_PANEL;
	struct cpu_tile t;

	/* What does not change from tile to tile is set once. */
	/* A in place (INT8 path): the caller's rows. */
	const uint8_t *a_rows = ap->data ? ap->data : (const uint8_t *)g->op->a.data;
	const size_t a_stride = ap->data ? ap->row_bytes : fpq_matrix_stride(&g->op->a);

	memset(&t, 0, sizeof(t));
	t.a_stride = a_stride;
	t.b_panel = bp->step_bytes;
	t.b_step = bp->step_bytes * CPU_QUAD;
	t.c_stride = ldc;
	if (!g->int8_path) {
		t.aexp_stride = ap->nblk;
		t.bmeta_panel = bmeta;
		t.pieces = ap->pieces;
		t.slow = w->slow;
		t.fix = cpu_fix_block;
		t.fx = &fx;
	}
	t.op = g->op;
	t.clamped = &w->st.clamped;
	t.out_stride = g->c_stride / 4;
	if (g->direct_q8) {
		t.out8_stride = g->c_stride;
		t.q_scale_bc = (g->op->flags & FPQ_GEMM_SCALE_BROADCAST) != 0;
		t.q_lo = g->op->act_min - g->op->out_zero;
		t.q_hi = g->op->act_max - g->op->out_zero;
		t.q_zero = g->op->out_zero;
	}

	for (uint32_t k0 = 0; k0 < ap->kpad; k0 += g->kc) {
		const uint32_t klen = ap->kpad - k0 < g->kc ? ap->kpad - k0 : g->kc;
		const uint32_t blk0 = k0 / CPU_KALIGN, nblk = klen / CPU_KALIGN;
		const int last = k0 + klen == ap->kpad;

		t.kpad = klen;
		t.nblk = nblk;
		t.blk0 = blk0;
		t.first = k0 == 0;
		if (g->need_flags)
			for (uint32_t i = i_start, it = 0; i < i_end; i += g->mr, it++)
				row_tile_info(g, i, i_end - i < g->mr ? i_end - i : g->mr, blk0,
					      nblk, w->rinfo + (size_t)it * nblk);
		for (uint32_t p = p_start; p < p_end; p += g->np) {
			const unsigned int np = p_end - p < g->np ? p_end - p : g->np;
			/* A finished tile goes straight to C (int32 output, or binary32 from
			 * kernels that apply the epilogue) unless it overhangs N. */
			const int direct = g->direct_c && last && (p + np) * CPU_PANEL <= j_end;
			/* Requantized into C: any group, its columns past N not stored. */
			const int direct8 = g->direct_q8 && last;

			t.np = np;
			if (direct8) {
				t.ncols = j_end - p * CPU_PANEL < np * CPU_PANEL ? j_end - p * CPU_PANEL
										 : np * CPU_PANEL;
				t.q_scale = g->op->out_scale + (t.q_scale_bc ? 0 : p * CPU_PANEL);
			}
			t.b = cpu_bpack_at(bp, p, k0 / bp->step_k);
			t.j0 = p * CPU_PANEL;
			if (g->int8_path) {
				t.init = g->init + (size_t)p * CPU_PANEL;
			} else {
				size_t off = (size_t)p * bmeta + blk0 * CPU_PANEL;

				t.bexp = bp->bexp ? bp->bexp + off : NULL;
				t.bfac = bp->bfac ? bp->bfac + off : NULL;
				t.bcorr = bp->bcorr ? bp->bcorr + off : NULL;
				if (bp->corr) {
					t.bwfac = bp->bwfac + off;
					t.corr = bp->corr + p;
					t.corr_off = bp->corr_off + (size_t)p * (bp->nblk + 1) + blk0;
					t.corr_panel = bp->nblk + 1;
				}
				if (g->need_flags)
					group_info(g, p, np, blk0, nblk, w->cinfo);
				fx.j0 = p * CPU_PANEL;
				fx.ncols = np * CPU_PANEL;
			}
			for (uint32_t i = i_start, it = 0; i < i_end; i += g->mr, it++) {
				const unsigned int mr = i_end - i < g->mr ? i_end - i : g->mr;

				t.mr = mr;
				t.a = a_rows + (size_t)i * a_stride + k0 * a_esz;
				t.rowcorr = ap->rowcorr ? ap->rowcorr + i : NULL;
				t.c = (uint8_t *)w->acc + ((size_t)(i - i_start) * ldc +
							   (p - p_start) * CPU_PANEL) * 4;
				t.out = direct ? (uint8_t *)g->op->c.data + (size_t)i * g->c_stride +
						 (size_t)p * CPU_PANEL * 4 : NULL;
				t.out8 = direct8 ? (uint8_t *)g->op->c.data + (size_t)i * g->c_stride +
						   (size_t)p * CPU_PANEL : NULL;
				if (!g->int8_path) {
					t.aexp = ap->aexp + (size_t)i * ap->nblk + blk0;
					t.afac = ap->afac + (size_t)i * ap->nblk + blk0;
					t.adfac = ap->adfac ? ap->adfac + (size_t)i * ap->nblk + blk0
							    : NULL;
					if (g->need_flags)
						tile_slow_flags(g, w->rinfo + (size_t)it * nblk,
								w->cinfo, nblk, w->slow);
					fx.i0 = i;
					fx.mr = mr;
				}
				g->kfn(&t);
			}
		}
	}

	/* The epilogue of the whole block once it is complete (running it per tile as
	 * soon as its last chunk is done measured slower: C's stores then compete with
	 * the kernels for the caches). */
	if (g->direct_q8) {
		/* every tile was requantized into C by the kernel */
	} else if (!g->direct_c) {
		epilogue(g, w, w->acc, i_start, i_end - i_start, j_start, j_end);
	} else {
		/* Only a last group with a partial panel is left in the accumulators. */
		uint32_t j_direct = j_start;

		for (uint32_t p = p_start; p < p_end; p += g->np) {
			const unsigned int np = p_end - p < g->np ? p_end - p : g->np;

			if ((p + np) * CPU_PANEL <= j_end)
				j_direct = (p + np) * CPU_PANEL;
		}

		if (j_direct < j_end)
			epilogue(g, w, (const uint8_t *)w->acc + (size_t)(j_direct - j_start) * 4,
				 i_start, i_end - i_start, j_direct, j_end);
	}
	fpq_fp_leave(env);
}

/* ---- set-up ---- */

/*
 * Cache blocking. A K chunk keeps one panel group of B in L1 (about 32 KB; for the INT8
 * path 128 KB, in L2); a task's block of A for one chunk stays in L2 (about 256 KB), and
 * B is streamed from memory once per task row block. Columns per task split the work
 * into about four tasks per thread.
 */
static void choose_blocking(struct gemm_run *g)
{
	const uint32_t group = g->np * CPU_PANEL, ngroups = div_up(g->n, group);
	const size_t b_bytes_per_k = g->bp->step_bytes / g->bp->step_k * g->np;
	const size_t a_bytes_per_k = g->ap.row_bytes / g->ap.kpad;
	/* The INT8 path keeps its accumulators in registers over longer chunks (each
	 * chunk costs a store and a reload of the tile): measured faster with the panel
	 * group in L2 (up to 128 KB) than with more chunks of an L1-sized group. */
	const size_t b_budget = g->int8_path ? 131072 : 32768;
	uint32_t kc = (uint32_t)(b_budget / b_bytes_per_k) / CPU_KALIGN * CPU_KALIGN;
	uint32_t mc, groups_per_task, nsplit, want_tasks = 4 * g->threads;

	if (kc < CPU_KALIGN)
		kc = CPU_KALIGN;
	/* One row tile (latency-bound inference): B is used once, so it need not stay in
	 * L1; read each panel quad as one sequential stream. */
	if (g->m <= g->mr)
		kc = g->ap.kpad;
	if (kc > g->ap.kpad)
		kc = g->ap.kpad;
	g->kc = kc;

	mc = (uint32_t)((256u * 1024u) / (kc * a_bytes_per_k)) / g->mr * g->mr;
	if (mc < g->mr)
		mc = g->mr;
	if (mc > div_up(g->m, g->mr) * g->mr)
		mc = div_up(g->m, g->mr) * g->mr;
	g->mc = mc;
	g->mtasks = div_up(g->m, mc);

	nsplit = g->mtasks >= want_tasks ? 1 : div_up(want_tasks, g->mtasks);
	groups_per_task = div_up(ngroups, nsplit);
	/* The task's accumulators (mc x nc) stay within about 512 KB. */
	while (groups_per_task > 1 && (size_t)mc * groups_per_task * group * 4 > 512u * 1024u)
		groups_per_task--;
	/* Task columns start on multiples of 64: whole packing groups of C and whole MX
	 * output blocks (the group is 16, 32 or 64 columns). */
	while (groups_per_task * group % 64)
		groups_per_task++;
	g->nc = groups_per_task * group;
	g->ntasks = div_up(g->n, g->nc);
}

static void run_free(struct gemm_run *g)
{
	cpu_bpack_free(&g->bp_local);
	free(g->w);
}

int cpu_gemm(struct cpu_state *cs, const struct fpq_gemm_op *op, struct fpq_gemm_status *st)
{
	const struct cpu_kernels *kern = cs->kern;
	struct gemm_run g;
	const struct fpq_weights *wt = op->b_packed;
	int err = -ENOMEM;

	if (cpu_gemv_applies(kern, op))
		return cpu_gemv_int8(cs, op, st);

	memset(&g, 0, sizeof(g));
	g.op = op;
	g.kern = kern;
	g.m = op->a.rows;
	g.n = op->b.rows;
	g.int8_path = op->a.format == FPQ_FMT_INT8;
	g.cls = cpu_class_of(op->a.format, op->b.format);
	if (g.cls == CPU_CLASS_I8 && !kern->has_i8_dot)
		g.cls = CPU_CLASS_I16;
	if (cpu_i16w_applies(kern, op->a.format, op->b.format))
		g.cls = CPU_CLASS_I16W;
	g.threads = cpu_pool_threads(cs->pool);

	/* B: the pre-packed weights when they are in this class's layout, else per call. */
	g.bsrc = wt ? fpq_weights_matrix(wt) : &op->b;
	g.bp = wt ? fpq_weights_cpu_pack(wt) : NULL;
	/* Weights whose data did not pay for I16W were packed for F64, which serves. */
	if (g.bp && g.cls == CPU_CLASS_I16W && g.bp->cls == CPU_CLASS_F64)
		g.cls = CPU_CLASS_F64;
	if (g.bp && (g.bp->cls != g.cls || (g.bp->colsum != NULL) != g.int8_path))
		g.bp = NULL;
	if (!g.bp) {
		if ((err = cpu_bpack_alloc(&g.bp_local, g.bsrc, g.cls, g.int8_path)))
			goto out;
		g.bp = &g.bp_local;
		g.pack_b = 1;
		g.b_panels_per = div_up(g.bp_local.n16, 4 * g.threads);
		g.b_chunks = div_up(g.bp_local.n16, g.b_panels_per);
	}
	if (g.pack_b && g.cls == CPU_CLASS_I16W) {
		/* Whether I16W pays depends on B's data: pack B first, and fall back to
		 * F64 when it has too many corrections. */
		cpu_pool_run(cs->pool, pack_task, &g, g.b_chunks);
		cpu_bpack_finish(&g.bp_local);
		g.b_chunks = 0;
		if (!cpu_i16w_pays(&g.bp_local)) {
			cpu_bpack_free(&g.bp_local);
			g.cls = CPU_CLASS_F64;
			if ((err = cpu_bpack_alloc(&g.bp_local, g.bsrc, g.cls, 0)))
				goto out;
			g.b_chunks = div_up(g.bp_local.n16, g.b_panels_per);
		}
	}
	if (g.int8_path) {
		g.kfn = g.cls == CPU_CLASS_I8 ? kern->i8_int : kern->i16_int;
		g.mr = kern->mr_i8;
		g.np = kern->np_i8;
	} else if (g.cls == CPU_CLASS_F64) {
		g.kfn = kern->f64_mx;
		g.mr = kern->mr_f64;
		g.np = kern->np_f64;
		if (cpu_f64_pieces(op->a.format, op->b.format) == 2 && g.np > 1)
			g.np /= 2;
	} else if (g.cls == CPU_CLASS_I16W) {
		g.kfn = kern->i16w_mx;
		g.mr = kern->mr_w;
		g.np = kern->np_w;
	} else {
		g.kfn = g.cls == CPU_CLASS_I8 ? kern->i8_mx : kern->i16_mx;
		g.mr = kern->mr_mx;
		g.np = kern->np_mx;
	}
	err = -ENOMEM;
	if (apack_alloc(&g, cs))
		goto out_nomem;

	/* Phase 1: decode A (and B when needed) on all threads; a small A in one piece
	 * (waking the workers would cost more than decoding it). */
	if ((size_t)g.m * g.ap.kpad <= 65536)
		g.a_rows_per = g.m;
	else
		g.a_rows_per = div_up(g.m, 4 * g.threads) < 4 ? 4 : div_up(g.m, 4 * g.threads);
	g.a_chunks = div_up(g.m, g.a_rows_per);
	cpu_pool_run(cs->pool, pack_task, &g, g.a_chunks + g.b_chunks);
	if (g.b_chunks)
		cpu_bpack_finish(&g.bp_local);
	if (!g.int8_path) {
		for (size_t e = 0; e < (size_t)g.ap.m * g.ap.nblk; e++)
			g.ap.any_special |= g.ap.special[e];
		g.need_flags = g.ap.any_special || g.bp->any_special ||
			       (kern->exp_guard && g.cls != CPU_CLASS_F64 &&
				g.cls != CPU_CLASS_I16W);
	}

	if (g.int8_path) {
		const struct cpu_bpack *bp = g.bp;
		/* I8: bias - zp * colsum (and -128 * rowsum per row, in the kernel); I16: A
		 * holds a - zp already. */
		const uint32_t corr = g.cls == CPU_CLASS_I8 ? (uint32_t)op->a.zero_point : 0;

		g.init = cpu_scratch(cs, SLOT_INIT, sizeof(int32_t) * bp->n16 * CPU_PANEL);
		if (!g.init)
			goto out_nomem;
		/* In wrapping arithmetic like the reference. */
		const uint32_t *restrict cs32 = (const uint32_t *)bp->colsum;
		uint32_t *restrict init = (uint32_t *)g.init;
		const uint32_t n = g.n, npad = bp->n16 * CPU_PANEL;

		const uint32_t *restrict bias = (const uint32_t *)op->bias;
		uint32_t j = 0;

		/* Whole panels in fixed-length loops, which the compiler vectorises. */
		for (; j + CPU_PANEL <= n; j += CPU_PANEL) {
			if (bias)
				for (uint32_t l = 0; l < CPU_PANEL; l++)
					init[j + l] = bias[j + l] - corr * cs32[j + l];
			else
				for (uint32_t l = 0; l < CPU_PANEL; l++)
					init[j + l] = 0u - corr * cs32[j + l];
		}
		for (; j < npad; j++)
			init[j] = j < n ? (bias ? bias[j] : 0u) - corr * cs32[j] : 0u;
	}

	choose_blocking(&g);
	g.c_stride = fpq_matrix_stride(&op->c);
	g.direct_c = (g.int8_path && op->c.format == FPQ_FMT_INT32) ||
		     (!g.int8_path && op->c.format == FPQ_FMT_FP32 && kern->fp32_out);
	g.direct_q8 = g.int8_path && op->c.format == FPQ_FMT_INT8 &&
		      (op->flags & FPQ_GEMM_REQUANT_FP32) && kern->i8_requant;
	g.w = calloc(g.threads, sizeof(*g.w));
	if (!g.w)
		goto out_nomem;
	const size_t acc_bytes = ((size_t)g.mc * g.nc * 4 + 63) & ~(size_t)63;
	const size_t slow_bytes = (g.kc / CPU_KALIGN + 64) & ~(size_t)63;
	uint8_t *acc = cpu_scratch(cs, SLOT_ACC, acc_bytes * g.threads);
	uint8_t *slow = cpu_scratch(cs, SLOT_SLOW, slow_bytes * g.threads);

	const uint32_t kblk = g.kc / CPU_KALIGN;
	const size_t info_count = (size_t)(div_up(g.mc, g.mr) + 1) * kblk;
	struct blkinfo *info = cpu_scratch(cs, SLOT_INFO,
					   sizeof(struct blkinfo) * info_count * g.threads);

	if (!acc || !slow || !info)
		goto out_nomem;
	/* Without special values or range limits no block is ever flagged. */
	memset(slow, 0, slow_bytes * g.threads);
	for (unsigned int i = 0; i < g.threads; i++) {
		g.w[i].acc = acc + i * acc_bytes;
		g.w[i].slow = slow + i * slow_bytes;
		g.w[i].rinfo = info + i * info_count;
		g.w[i].cinfo = g.w[i].rinfo + (size_t)div_up(g.mc, g.mr) * kblk;
	}
	cpu_pool_run(cs->pool, compute_task, &g, g.mtasks * g.ntasks);
	for (unsigned int i = 0; i < g.threads; i++)
		cpu_status_add(st, &g.w[i].st);
	err = 0;
	goto out;
out_nomem:
	err = fpq_error(-ENOMEM, "gemm: out of memory for the CPU kernels' buffers");
out:
	run_free(&g);
	return err;
}

int cpu_weights_pack(const struct cpu_kernels *kern, const struct fpq_matrix *b,
		     struct cpu_bpack **out)
{
	const int int8_path = b->format == FPQ_FMT_INT8;
	enum cpu_class cls = cpu_class_of(b->format, b->format);
	struct cpu_bpack *bp = calloc(1, sizeof(*bp));
	int err;

	*out = NULL;
	if (!bp)
		return fpq_error(-ENOMEM, "weights: out of memory");
	/* B's own class: an A of a higher rank will repack per call (see cpu_class_of). */
	if (cls == CPU_CLASS_I8 && !kern->has_i8_dot)
		cls = CPU_CLASS_I16;
	/* e4m3 weights: I16W (any A but e5m2 uses it) when their data pays for it. */
	if (cpu_i16w_applies(kern, b->format, b->format))
		cls = CPU_CLASS_I16W;
	struct fpq_fp_env env = fpq_fp_enter();

	for (;;) {
		err = cpu_bpack_alloc(bp, b, cls, int8_path);
		if (err)
			break;
		cpu_bpack_panels(kern, bp, b, 0, bp->n16);
		cpu_bpack_finish(bp);
		if (cls != CPU_CLASS_I16W || cpu_i16w_pays(bp))
			break;
		cpu_bpack_free(bp);
		cls = CPU_CLASS_F64;
	}
	fpq_fp_leave(env);
	if (err) {
		free(bp);
		return err;
	}
	*out = bp;
	return 0;
}
