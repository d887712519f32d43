// SPDX-License-Identifier: MIT
/*
 * fpq-run - run an ONNX model with libfpq on NumPy .npy inputs, write one .npy per
 * output, and optionally print the per-layer profile.
 *
 *   fpq-run MODEL [--input NAME=FILE.npy ...] [--output-dir DIR] [--device cpu|card]
 *           [--profile] [--json] [--repeat N] [--threads T] [--time N]
 *
 * Output NAME is written to DIR/NAME.npy (a '/' in a name becomes '_'). The progress
 * line goes to a terminal on stderr only; --json prints a machine-readable summary on
 * stdout instead of the text profile. The man page is Documentation/man/man1/fpq-run.1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fpq_model.h"
#include "npy.h"
#include "npy_model.h"

#define MAX_INPUTS 64

struct named_input {
	const char *name;
	const char *file;
	struct npy_array a;
	bool used;
};

static bool progress;

static void usage(FILE *f)
{
	fprintf(f, "usage: fpq-run MODEL [--input NAME=FILE.npy ...] [--output-dir DIR]\n"
		   "               [--device cpu|card] [--profile] [--json] [--repeat N]\n"
		   "               [--threads T] [--time N]\n");
}

static void say(const char *what)
{
	if (progress) {
		fprintf(stderr, "\r\033[Kfpq-run: %s", what);
		fflush(stderr);
	}
}

static void say_done(void)
{
	if (progress)
		fprintf(stderr, "\r\033[K");
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print_profile(struct fpq_model *m, const struct fpq_layer_stats *st, double run_ms)
{
	unsigned int n = fpq_model_num_layers(m);
	uint64_t total = 0;

	for (unsigned int i = 0; i < n; i++)
		total += st[i].time_ns;
	printf("%4s  %-32s %-26s %-6s %10s %6s %9s %9s %6s %12s\n", "#", "layer", "op", "kernel",
	       "time ms", "%", "clamped", "saturated", "gemms", "card cycles");
	for (unsigned int i = 0; i < n; i++) {
		struct fpq_layer_info li;

		if (fpq_model_layer(m, i, &li))
			continue;
		printf("%4u  %-32.32s %-26.26s %-6s %10.3f %6.1f %9" PRIu64 " %9" PRIu64 " %6" PRIu64
		       " %12" PRIu64 "\n", i, li.name, li.op, li.kernel, (double)st[i].time_ns / 1e6,
		       total ? 100.0 * (double)st[i].time_ns / (double)total : 0.0, st[i].clamped,
		       st[i].saturated, st[i].gemm_calls, st[i].device_cycles);
	}
	printf("      %-32s %-26s %-6s %10.3f  (run %.3f ms)\n", "total", "", "",
	       (double)total / 1e6, run_ms);
}

static void print_json(struct fpq_model *m, struct fpq_context *ctx, const char *model,
		       const struct fpq_tensor *outs, char (*files)[4096],
		       const struct fpq_layer_stats *st, double run_ms, bool profile)
{
	unsigned int no = fpq_model_num_outputs(m), nl = fpq_model_num_layers(m);

	printf("{\"model\": ");
	json_string(model);
	printf(", \"backend\": \"%s\", \"run_ms\": %.6f, \"outputs\": [",
	       fpq_backend_name(fpq_context_backend(ctx)), run_ms);
	for (unsigned int i = 0; i < no; i++) {
		struct fpq_tensor_info ti;

		fpq_model_output(m, i, &ti);
		printf("%s{\"name\": ", i ? ", " : "");
		json_string(ti.name);
		printf(", \"dtype\": \"%s\", \"shape\": [", fpq_dtype_name(outs[i].dtype));
		for (unsigned int d = 0; d < outs[i].ndim; d++)
			printf("%s%" PRId64, d ? ", " : "", outs[i].dims[d]);
		printf("], \"file\": ");
		json_string(files[i]);
		printf("}");
	}
	printf("]");
	if (profile) {
		printf(", \"layers\": [");
		for (unsigned int i = 0; i < nl; i++) {
			struct fpq_layer_info li;

			fpq_model_layer(m, i, &li);
			printf("%s{\"name\": ", i ? ", " : "");
			json_string(li.name);
			printf(", \"op\": ");
			json_string(li.op);
			printf(", \"kernel\": \"%s\", \"time_ns\": %" PRIu64 ", \"clamped\": %" PRIu64
			       ", \"saturated\": %" PRIu64 ", \"gemm_calls\": %" PRIu64
			       ", \"device_cycles\": %" PRIu64 "}", li.kernel, st[i].time_ns,
			       st[i].clamped, st[i].saturated, st[i].gemm_calls, st[i].device_cycles);
		}
		printf("]");
	}
	printf("}\n");
}

int main(int argc, char **argv)
{
	struct named_input inputs[MAX_INPUTS];
	int n_named = 0, repeat = 1, timed = 0, err, rc = 1;
	const char *model = NULL, *out_dir = ".", *device = NULL;
	bool profile = false, json = false;
	struct fpq_context_opts copts = { .backend = FPQ_BACKEND_AUTO };
	struct fpq_context *ctx = NULL;
	struct fpq_model *m = NULL;
	struct fpq_tensor *in = NULL, *outs = NULL;
	struct fpq_layer_stats *st = NULL;
	char (*files)[4096] = NULL;
	unsigned int ni = 0, no = 0;
	double run_ms = 0;

	progress = isatty(2);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--input") && i + 1 < argc) {
			char *eq = strchr(argv[++i], '=');

			if (!eq || eq == argv[i] || n_named == MAX_INPUTS) {
				fprintf(stderr, "fpq-run: --input takes NAME=FILE.npy\n");
				return 2;
			}
			*eq = 0;
			memset(&inputs[n_named], 0, sizeof(inputs[n_named]));
			inputs[n_named].name = argv[i];
			inputs[n_named].file = eq + 1;
			n_named++;
		} else if (!strcmp(a, "--output-dir") && i + 1 < argc) {
			out_dir = argv[++i];
		} else if (!strcmp(a, "--device") && i + 1 < argc) {
			device = argv[++i];
		} else if (!strcmp(a, "--repeat") && i + 1 < argc) {
			repeat = atoi(argv[++i]);
			if (repeat < 1) {
				fprintf(stderr, "fpq-run: --repeat takes a positive count\n");
				return 2;
			}
		} else if (!strcmp(a, "--threads") && i + 1 < argc) {
			int t = atoi(argv[++i]);

			if (t < 1) {
				fprintf(stderr, "fpq-run: --threads takes a positive count\n");
				return 2;
			}
			copts.num_threads = (unsigned int)t;
		} else if (!strcmp(a, "--time") && i + 1 < argc) {
			timed = atoi(argv[++i]);
			if (timed < 1) {
				fprintf(stderr, "fpq-run: --time takes a positive count\n");
				return 2;
			}
		} else if (!strcmp(a, "--profile")) {
			profile = true;
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (a[0] == '-' || model) {
			fprintf(stderr, "fpq-run: unexpected argument '%s'\n", a);
			usage(stderr);
			return 2;
		} else {
			model = a;
		}
	}
	if (!model) {
		usage(stderr);
		return 2;
	}
	if (device) {
		if (!strcmp(device, "cpu")) {
			copts.backend = FPQ_BACKEND_CPU;
		} else if (!strcmp(device, "card")) {
			copts.backend = FPQ_BACKEND_CARD;
		} else {
			fprintf(stderr, "fpq-run: --device takes cpu or card, not '%s'\n", device);
			return 2;
		}
	}
	err = fpq_context_create(&copts, &ctx);
	if (err) {
		fprintf(stderr, "fpq-run: no %s context: %s\n", device ? device : "default",
			fpq_strerror(err));
		return 1;
	}
	say("loading the model");
	err = fpq_model_load(ctx, model, NULL, &m);
	if (err) {
		say_done();
		fprintf(stderr, "fpq-run: %s: %s\n", model, fpq_strerror(err));
		goto out;
	}
	ni = fpq_model_num_inputs(m);
	no = fpq_model_num_outputs(m);
	in = calloc(ni + 1, sizeof(*in));
	outs = calloc(no + 1, sizeof(*outs));
	st = calloc(fpq_model_num_layers(m) + 1, sizeof(*st));
	files = calloc(no + 1, sizeof(*files));
	if (!in || !outs || !st || !files) {
		fprintf(stderr, "fpq-run: out of memory\n");
		goto out;
	}
	say("reading the inputs");
	for (unsigned int i = 0; i < ni; i++) {
		struct fpq_tensor_info ti;
		struct named_input *ni_ = NULL;
		char msg[256];

		fpq_model_input(m, i, &ti);
		for (int k = 0; k < n_named; k++)
			if (!strcmp(inputs[k].name, ti.name))
				ni_ = &inputs[k];
		if (!ni_) {
			say_done();
			fprintf(stderr, "fpq-run: the model's input '%s' (%s) is not given "
				"(--input %s=FILE.npy)\n", ti.name, fpq_dtype_name(ti.dtype), ti.name);
			goto out;
		}
		err = npy_read_msg(ni_->file, &ni_->a, msg, sizeof(msg));
		if (err) {
			say_done();
			fprintf(stderr, "fpq-run: %s\n", msg);
			goto out;
		}
		ni_->used = true;
		in[i].dtype = npy_to_model_dtype(ni_->a.dtype);
		if (in[i].dtype == FPQ_DTYPE_UNDEFINED) {
			say_done();
			fprintf(stderr, "fpq-run: %s: dtype %s is not a model type\n", ni_->file,
				ni_->a.dtype);
			goto out;
		}
		in[i].ndim = ni_->a.ndim;
		for (unsigned int d = 0; d < ni_->a.ndim; d++)
			in[i].dims[d] = (int64_t)ni_->a.shape[d];
		in[i].data = ni_->a.data;
		in[i].size = ni_->a.nbytes;
	}
	for (int k = 0; k < n_named; k++)
		if (!inputs[k].used) {
			say_done();
			fprintf(stderr, "fpq-run: the model has no input '%s'\n", inputs[k].name);
			goto out;
		}
	for (int r = 0; r < repeat; r++) {
		double t0;

		say("running");
		for (unsigned int i = 0; i < no; i++) {
			free(outs[i].data);
			memset(&outs[i], 0, sizeof(outs[i]));
		}
		t0 = now_ms();
		err = fpq_model_run(m, in, ni, outs, no, st);
		run_ms = now_ms() - t0;
		if (err) {
			say_done();
			fprintf(stderr, "fpq-run: %s\n", fpq_strerror(err));
			goto out;
		}
	}
	if (timed) {
		double *ms = calloc((size_t)timed, sizeof(double));

		if (!ms) {
			fprintf(stderr, "fpq-run: out of memory\n");
			goto out;
		}
		say("timing");
		for (int r = 0; r < timed && !err; r++) {
			double t0 = now_ms();

			err = fpq_model_run(m, in, ni, outs, no, st);
			ms[r] = now_ms() - t0;
		}
		say_done();
		if (err) {
			free(ms);
			fprintf(stderr, "fpq-run: %s\n", fpq_strerror(err));
			goto out;
		}
		/* insertion sort: N is small */
		for (int a = 1; a < timed; a++)
			for (int b = a; b > 0 && ms[b] < ms[b - 1]; b--) {
				double t = ms[b];

				ms[b] = ms[b - 1];
				ms[b - 1] = t;
			}
		printf("latency over %d runs: median %.3f ms (min %.3f, max %.3f)\n", timed,
		       ms[timed / 2], ms[0], ms[timed - 1]);
		run_ms = ms[timed / 2];
		free(ms);
	}
	say("writing the outputs");
	if (mkdir(out_dir, 0777) && errno != EEXIST) {
		say_done();
		fprintf(stderr, "fpq-run: cannot create '%s': %s\n", out_dir, strerror(errno));
		goto out;
	}
	for (unsigned int i = 0; i < no; i++) {
		struct fpq_tensor_info ti;
		struct npy_array a;
		char name[1024], msg[256];
		const char *dt = model_dtype_to_npy(outs[i].dtype);

		memset(&a, 0, sizeof(a));

		fpq_model_output(m, i, &ti);
		snprintf(name, sizeof(name), "%s", ti.name);
		for (char *c = name; *c; c++)
			if (*c == '/')
				*c = '_';
		snprintf(files[i], sizeof(files[i]), "%s/%s.npy", out_dir, name);
		if (!dt) {
			say_done();
			fprintf(stderr, "fpq-run: output '%s' has type %s\n", ti.name,
				fpq_dtype_name(outs[i].dtype));
			goto out;
		}
		memcpy(a.dtype, dt, 3);
		a.ndim = outs[i].ndim;
		for (unsigned int d = 0; d < a.ndim; d++)
			a.shape[d] = (uint64_t)outs[i].dims[d];
		a.data = outs[i].data;
		a.nbytes = outs[i].size;
		err = npy_write_msg(files[i], &a, msg, sizeof(msg));
		if (err) {
			say_done();
			fprintf(stderr, "fpq-run: %s\n", msg);
			goto out;
		}
	}
	say_done();
	if (json)
		print_json(m, ctx, model, outs, files, st, run_ms, profile);
	else if (profile)
		print_profile(m, st, run_ms);
	rc = 0;
out:
	for (int k = 0; k < n_named; k++)
		if (inputs[k].used)
			npy_free(&inputs[k].a);
	for (unsigned int i = 0; outs && i < no; i++)
		free(outs[i].data);
	free(in);
	free(outs);
	free(st);
	free(files);
	fpq_model_free(m);
	fpq_context_destroy(ctx);
	return rc;
}
