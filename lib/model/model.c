// SPDX-License-Identifier: MIT
/*
 * model.c - the public model API (fpq_model.h): loading (the pipeline of pipeline.h),
 * describing, running synchronously and as jobs on a per-model worker thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <fenv.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "pipeline.h"

#define MODEL_DEFAULT_MEMORY ((size_t)2 << 30)

struct fpq_model_job {
	struct fpq_model *model;
	struct fpq_tensor *inputs;
	struct fpq_tensor *outputs;
	struct fpq_layer_stats *stats;
	int n_layers;
	int err;
	char msg[256];              /* the worker's error text, for the waiter's thread */
	bool done;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct fpq_model_job *next;
};

struct fpq_model {
	struct mg_graph g;
	struct mg_plan plan;
	pthread_mutex_t run_lock;   /* one run at a time */
	int n_layers;
	int *layer_node;            /* layer -> node */
	/* Jobs: a FIFO served by one worker thread. */
	pthread_mutex_t q_lock;
	pthread_cond_t q_cond;
	struct fpq_model_job *head, *tail;
	unsigned int pending;       /* queued or running */
	pthread_cond_t idle_cond;
	bool worker_started, stopping;
	pthread_t worker;
};

const char *fpq_dtype_name(enum fpq_dtype t)
{
	switch (t) {
	case FPQ_DTYPE_FLOAT: return "float32";
	case FPQ_DTYPE_UINT8: return "uint8";
	case FPQ_DTYPE_INT8: return "int8";
	case FPQ_DTYPE_INT32: return "int32";
	case FPQ_DTYPE_INT64: return "int64";
	case FPQ_DTYPE_BOOL: return "bool";
	default: return "undefined";
	}
}

size_t fpq_dtype_size(enum fpq_dtype t)
{
	return mg_dtype_size(t);
}

/*
 * The model's own float arithmetic (folding, tables, float ops) must not depend on the
 * caller's rounding mode or flush-to-zero settings: every entry point that computes
 * runs in the default environment and gives the caller's back.
 */
struct fp_guard {
	fenv_t saved;
};

static void fp_enter(struct fp_guard *f)
{
	fegetenv(&f->saved);
	fesetenv(FE_DFL_ENV);
#if defined(__x86_64__) || defined(__i386__)
	/* FE_DFL_ENV leaves MXCSR's FTZ and DAZ as glibc's default (clear); make sure. */
	__builtin_ia32_ldmxcsr(__builtin_ia32_stmxcsr() & ~0x8040u);
#endif
}

static void fp_leave(struct fp_guard *f)
{
	fesetenv(&f->saved);
}

static int build_layers(struct fpq_model *m)
{
	struct mg_graph *g = &m->g;

	m->layer_node = mg_calloc(g, (size_t)g->n_order + 1, sizeof(int));
	if (!m->layer_node)
		return -E2BIG;
	m->n_layers = 0;
	for (int i = 0; i < g->n_nodes; i++)
		g->nodes[i].layer = -1;
	for (int k = 0; k < g->n_order; k++) {
		g->nodes[g->order[k]].layer = m->n_layers;
		m->layer_node[m->n_layers++] = g->order[k];
	}
	return 0;
}

static bool inputs_static(const struct mg_graph *g)
{
	for (int i = 0; i < g->n_inputs; i++) {
		const struct mg_value *v = &g->values[g->inputs[i]];

		for (int d = 0; d < v->rank; d++)
			if (v->decl_dims[d] < 0)
				return false;
	}
	return true;
}

static int build(struct fpq_model *m, const void *data, size_t size)
{
	struct mg_graph *g = &m->g;
	int err;

	err = mg_read_onnx(g, data, size);
	if (!err)
		err = mg_parse_nodes(g);
	if (!err)
		err = mg_graph_update(g);
	if (!err)
		err = mg_pass_constants(g);
	if (!err)
		err = mg_infer_shapes(g, false);
	if (!err)
		err = mg_pass_fold(g, true);
	if (!err)
		err = mg_pass_batchnorm(g);
	if (!err)
		err = mg_pass_qdq(g);
	if (!err)
		err = mg_pass_fold(g, false);
	if (!err)
		err = mg_pass_layout(g);
	if (!err)
		err = mg_graph_update(g);
	if (!err)
		err = mg_infer_shapes(g, false);
	if (!err)
		err = mg_pack_nodes(g);
	if (!err)
		err = build_layers(m);
	if (!err && inputs_static(g)) {
		/* Fixed shapes: plan now, so that the load reports any problem. */
		struct fpq_tensor *in = calloc((size_t)g->n_inputs + 1, sizeof(*in));

		if (!in)
			return fpq_error(-ENOMEM, "model: out of memory");
		for (int i = 0; i < g->n_inputs; i++) {
			const struct mg_value *v = &g->values[g->inputs[i]];

			in[i].dtype = v->dtype;
			in[i].ndim = (unsigned int)v->rank;
			for (int d = 0; d < v->rank; d++)
				in[i].dims[d] = v->decl_dims[d];
			in[i].size = SIZE_MAX;
			in[i].data = (void *)in; /* not read by prepare */
		}
		err = mg_prepare(g, &m->plan, in);
		free(in);
	}
	return err;
}

int fpq_model_load_memory(struct fpq_context *ctx, const void *data, size_t size,
			  const struct fpq_model_opts *opts, struct fpq_model **out)
{
	struct fpq_model *m;
	struct fp_guard fp;
	size_t limit = MODEL_DEFAULT_MEMORY;
	int err;

	if (!out)
		return fpq_error(-EFAULT, "model: NULL model pointer");
	*out = NULL;
	if (!ctx || (!data && size))
		return fpq_error(-EFAULT, "model: NULL context or data");
	if (opts && opts->flags)
		return fpq_error(-EINVAL, "model: unknown flags 0x%x", opts->flags);
	if (opts && opts->max_memory)
		limit = opts->max_memory;
	m = calloc(1, sizeof(*m));
	if (!m)
		return fpq_error(-ENOMEM, "model: out of memory");
	mg_graph_init(&m->g, limit);
	m->g.ctx = ctx;
	pthread_mutex_init(&m->run_lock, NULL);
	pthread_mutex_init(&m->q_lock, NULL);
	pthread_cond_init(&m->q_cond, NULL);
	pthread_cond_init(&m->idle_cond, NULL);
	fp_enter(&fp);
	err = build(m, data, size);
	fp_leave(&fp);
	if (err) {
		/* Keep the message of the failure: freeing does not touch it. */
		mg_plan_free(&m->g, &m->plan);
		mg_free(&m->g, m->layer_node);
		mg_graph_destroy(&m->g);
		pthread_mutex_destroy(&m->run_lock);
		pthread_mutex_destroy(&m->q_lock);
		pthread_cond_destroy(&m->q_cond);
		pthread_cond_destroy(&m->idle_cond);
		free(m);
		return err;
	}
	*out = m;
	return 0;
}

int fpq_model_load(struct fpq_context *ctx, const char *path,
		   const struct fpq_model_opts *opts, struct fpq_model **out)
{
	size_t limit = opts && opts->max_memory ? opts->max_memory : MODEL_DEFAULT_MEMORY;
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	int fd, err;

	if (!out)
		return fpq_error(-EFAULT, "model: NULL model pointer");
	*out = NULL;
	if (!path)
		return fpq_error(-EFAULT, "model: NULL path");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		return fpq_error(err, "model: cannot open '%.200s': %s", path, strerror(-err));
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return fpq_error(-EINVAL, "model: '%.200s' is not a regular file", path);
	}
	if ((uint64_t)st.st_size > limit || (uint64_t)st.st_size > ((uint64_t)2 << 30)) {
		close(fd);
		return fpq_error(-E2BIG, "model: '%.200s' is %lld bytes, beyond the memory limit",
				 path, (long long)st.st_size);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return fpq_error(-ENOMEM, "model: out of memory reading '%.200s'", path);
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = r < 0 ? -errno : -EIO;
			close(fd);
			free(buf);
			return fpq_error(err, "model: reading '%.200s' failed", path);
		}
		got += (size_t)r;
	}
	close(fd);
	err = fpq_model_load_memory(ctx, buf, got, opts, out);
	free(buf);
	return err;
}

static void stop_worker(struct fpq_model *m)
{
	pthread_mutex_lock(&m->q_lock);
	while (m->pending)
		pthread_cond_wait(&m->idle_cond, &m->q_lock);
	m->stopping = true;
	pthread_cond_broadcast(&m->q_cond);
	pthread_mutex_unlock(&m->q_lock);
	if (m->worker_started)
		pthread_join(m->worker, NULL);
}

void fpq_model_free(struct fpq_model *m)
{
	if (!m)
		return;
	stop_worker(m);
	mg_plan_free(&m->g, &m->plan);
	mg_free(&m->g, m->layer_node);
	mg_graph_destroy(&m->g);
	pthread_mutex_destroy(&m->run_lock);
	pthread_mutex_destroy(&m->q_lock);
	pthread_cond_destroy(&m->q_cond);
	pthread_cond_destroy(&m->idle_cond);
	free(m);
}

unsigned int fpq_model_num_inputs(const struct fpq_model *m)
{
	return m ? (unsigned int)m->g.n_inputs : 0;
}

unsigned int fpq_model_num_outputs(const struct fpq_model *m)
{
	return m ? (unsigned int)m->g.n_outputs : 0;
}

static void describe(const struct mg_value *v, bool use_current, struct fpq_tensor_info *info)
{
	memset(info, 0, sizeof(*info));
	info->name = v->name;
	info->dtype = v->dtype;
	info->ndim = (unsigned int)(use_current || v->decl_rank < 0 ? v->rank : v->decl_rank);
	if (v->rank < 0 && v->decl_rank < 0)
		info->ndim = 0;
	for (unsigned int d = 0; d < info->ndim && d < MG_MAX_DIMS; d++) {
		info->dims[d] = use_current ? v->dims[d] : v->decl_dims[d];
		if (info->dims[d] < 0)
			info->dims[d] = -1;
		info->dim_names[d] = info->dims[d] < 0 ? v->dim_param[d] : NULL;
	}
}

int fpq_model_input(const struct fpq_model *m, unsigned int index, struct fpq_tensor_info *info)
{
	if (!m || !info)
		return fpq_error(-EFAULT, "model: NULL model or info");
	if (index >= (unsigned int)m->g.n_inputs)
		return fpq_error(-EINVAL, "model: input %u of %d", index, m->g.n_inputs);
	describe(&m->g.values[m->g.inputs[index]], false, info);
	return 0;
}

int fpq_model_output(const struct fpq_model *m, unsigned int index,
		     struct fpq_tensor_info *info)
{
	const struct mg_value *v;

	if (!m || !info)
		return fpq_error(-EFAULT, "model: NULL model or info");
	if (index >= (unsigned int)m->g.n_outputs)
		return fpq_error(-EINVAL, "model: output %u of %d", index, m->g.n_outputs);
	v = &m->g.values[m->g.outputs[index]];
	/* The inferred shape (of the last run when dynamic) is the better description. */
	describe(v, v->rank >= 0, info);
	return 0;
}

unsigned int fpq_model_num_layers(const struct fpq_model *m)
{
	return m ? (unsigned int)m->n_layers : 0;
}

int fpq_model_layer(const struct fpq_model *m, unsigned int index, struct fpq_layer_info *info)
{
	const struct mg_node *n;
	int node;

	if (!m || !info)
		return fpq_error(-EFAULT, "model: NULL model or info");
	if (index >= (unsigned int)m->n_layers)
		return fpq_error(-EINVAL, "model: layer %u of %d", index, m->n_layers);
	node = m->layer_node[index];
	n = &m->g.nodes[node];
	info->name = n->name;
	info->op = n->op_type;
	if (m->plan.valid && m->plan.shape_time && m->plan.shape_time[node])
		info->kernel = "shape";
	else
		info->kernel = n->op->flags & MG_OP_GEMM ? "gemm" : "cpu";
	return 0;
}

static int check_run_args(struct fpq_model *m, const struct fpq_tensor *inputs,
			  unsigned int n_inputs, struct fpq_tensor *outputs, unsigned int n_outputs)
{
	if (!m)
		return fpq_error(-EFAULT, "run: NULL model");
	if (n_inputs != (unsigned int)m->g.n_inputs)
		return fpq_error(-EINVAL, "run: %u inputs given, the model takes %d", n_inputs,
				 m->g.n_inputs);
	if (n_outputs != (unsigned int)m->g.n_outputs)
		return fpq_error(-EINVAL, "run: %u outputs given, the model has %d", n_outputs,
				 m->g.n_outputs);
	if ((n_inputs && !inputs) || !outputs)
		return fpq_error(-EFAULT, "run: NULL inputs or outputs");
	return 0;
}

static int run_locked(struct fpq_model *m, const struct fpq_tensor *inputs,
		      struct fpq_tensor *outputs, struct fpq_layer_stats *stats)
{
	struct fp_guard fp;
	int err;

	pthread_mutex_lock(&m->run_lock);
	fp_enter(&fp);
	err = mg_prepare(&m->g, &m->plan, inputs);
	if (!err)
		err = mg_execute(&m->g, &m->plan, inputs, outputs, stats, m->n_layers);
	fp_leave(&fp);
	pthread_mutex_unlock(&m->run_lock);
	return err;
}

int fpq_model_run(struct fpq_model *m, const struct fpq_tensor *inputs, unsigned int n_inputs,
		  struct fpq_tensor *outputs, unsigned int n_outputs,
		  struct fpq_layer_stats *stats)
{
	int err = check_run_args(m, inputs, n_inputs, outputs, n_outputs);

	if (err)
		return err;
	return run_locked(m, inputs, outputs, stats);
}

static void *worker_main(void *arg)
{
	struct fpq_model *m = arg;

	pthread_mutex_lock(&m->q_lock);
	for (;;) {
		struct fpq_model_job *job;
		int err;

		while (!m->head && !m->stopping)
			pthread_cond_wait(&m->q_cond, &m->q_lock);
		if (!m->head)
			break;
		job = m->head;
		m->head = job->next;
		if (!m->head)
			m->tail = NULL;
		pthread_mutex_unlock(&m->q_lock);

		err = run_locked(m, job->inputs, job->outputs, job->stats);
		/* The message belongs to this thread: the waiter gets a copy. */
		pthread_mutex_lock(&job->lock);
		if (err)
			snprintf(job->msg, sizeof(job->msg), "%s", fpq_strerror(err));
		job->err = err;
		job->done = true;
		job->model = NULL;
		pthread_cond_broadcast(&job->cond);
		pthread_mutex_unlock(&job->lock);

		pthread_mutex_lock(&m->q_lock);
		if (--m->pending == 0)
			pthread_cond_broadcast(&m->idle_cond);
	}
	pthread_mutex_unlock(&m->q_lock);
	return NULL;
}

static void job_destroy(struct fpq_model_job *job)
{
	pthread_mutex_destroy(&job->lock);
	pthread_cond_destroy(&job->cond);
	free(job->inputs);
	free(job->stats);
	free(job);
}

int fpq_model_submit(struct fpq_model *m, const struct fpq_tensor *inputs,
		     unsigned int n_inputs, struct fpq_tensor *outputs, unsigned int n_outputs,
		     struct fpq_model_job **out)
{
	struct fpq_model_job *job;
	pthread_condattr_t attr;
	int err;

	if (!out)
		return fpq_error(-EFAULT, "submit: NULL job pointer");
	*out = NULL;
	err = check_run_args(m, inputs, n_inputs, outputs, n_outputs);
	if (err)
		return err;
	job = calloc(1, sizeof(*job));
	if (!job)
		return fpq_error(-ENOMEM, "submit: out of memory");
	job->inputs = calloc((size_t)n_inputs + 1, sizeof(*inputs));
	job->stats = calloc((size_t)m->n_layers + 1, sizeof(*job->stats));
	if (!job->inputs || !job->stats) {
		free(job->inputs);
		free(job->stats);
		free(job);
		return fpq_error(-ENOMEM, "submit: out of memory");
	}
	if (n_inputs)
		memcpy(job->inputs, inputs, sizeof(*inputs) * n_inputs);
	job->outputs = outputs;
	job->model = m;
	job->n_layers = m->n_layers;
	pthread_mutex_init(&job->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&job->cond, &attr);
	pthread_condattr_destroy(&attr);

	pthread_mutex_lock(&m->q_lock);
	if (!m->worker_started) {
		err = pthread_create(&m->worker, NULL, worker_main, m);
		if (err) {
			pthread_mutex_unlock(&m->q_lock);
			job_destroy(job);
			return fpq_error(-err, "submit: cannot start the model's worker thread");
		}
		m->worker_started = true;
	}
	if (m->tail)
		m->tail->next = job;
	else
		m->head = job;
	m->tail = job;
	m->pending++;
	pthread_cond_signal(&m->q_cond);
	pthread_mutex_unlock(&m->q_lock);
	*out = job;
	return 0;
}

int fpq_model_job_wait(struct fpq_model_job *job, int64_t timeout_ns,
		       struct fpq_layer_stats *stats)
{
	struct timespec deadline;
	int err;

	if (!job)
		return fpq_error(-EFAULT, "wait: job is NULL");
	if (timeout_ns >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += timeout_ns / 1000000000;
		deadline.tv_nsec += timeout_ns % 1000000000;
		if (deadline.tv_nsec >= 1000000000) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000;
		}
	}
	pthread_mutex_lock(&job->lock);
	while (!job->done) {
		if (timeout_ns < 0)
			pthread_cond_wait(&job->cond, &job->lock);
		else if (pthread_cond_timedwait(&job->cond, &job->lock, &deadline) == ETIMEDOUT)
			break;
	}
	if (!job->done) {
		pthread_mutex_unlock(&job->lock);
		return fpq_error(-ETIMEDOUT, "wait: model job still running after %lld ns",
				 (long long)timeout_ns);
	}
	err = job->err;
	pthread_mutex_unlock(&job->lock);
	if (err)
		return fpq_error(err, "%s", job->msg);
	if (stats)
		memcpy(stats, job->stats, sizeof(*stats) * (size_t)job->n_layers);
	return 0;
}

void fpq_model_job_free(struct fpq_model_job *job)
{
	if (!job)
		return;
	fpq_model_job_wait(job, -1, NULL);
	job_destroy(job);
}
