// SPDX-License-Identifier: MIT
/*
 * fpq-quantize - quantize a float ONNX model to INT8 (QDQ form, as ONNX Runtime's
 * quantize_static does by default) with calibration inputs in .npy files, and report
 * per tensor what it chose. The work is fpq_model_quantize()'s (fpq_model.h);
 * Documentation/models.rst, "Quantizing", and fpq-quantize(1) describe it.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fpq_model.h"
#include "npy.h"
#include "npy_model.h"

#define MAX_SETS 4096
#define MAX_LAYERS 256

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fpq-quantize MODEL.onnx --calibration FILE.npy|DIR [...] -o OUT.onnx\n"
		"                    [--per-channel] [--weights FORMAT] [--activations FORMAT]\n"
		"                    [--layer-formats FILE] [--budget POINTS] [--report FILE]\n"
		"                    [--layer NODE=uint8|int8 ...] [--batch N] [--json] [--quiet]\n");
}

static int fail(int err, const char *what)
{
	fprintf(stderr, "fpq-quantize: %s (%s)\n", what, strerror(-err));
	return 1;
}

static int read_file(const char *path, void **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	void *buf;

	if (!f)
		return -errno;
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode) || st.st_size <= 0) {
		fclose(f);
		return -EINVAL;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf || fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		free(buf);
		fclose(f);
		return buf ? -EIO : -ENOMEM;
	}
	fclose(f);
	*data = buf;
	*size = (size_t)st.st_size;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* FILE.npy, or every *.npy of a directory in name order. */
static int add_calibration(const char *path, char **files, unsigned int *n)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	unsigned int first = *n;

	if (stat(path, &st)) {
		fprintf(stderr, "fpq-quantize: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (*n == MAX_SETS)
			return -E2BIG;
		files[(*n)++] = strdup(path);
		return files[*n - 1] ? 0 : -ENOMEM;
	}
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char *p;

		if (len < 5 || strcmp(e->d_name + len - 4, ".npy"))
			continue;
		if (*n == MAX_SETS) {
			closedir(d);
			return -E2BIG;
		}
		p = malloc(strlen(path) + len + 2);
		if (!p) {
			closedir(d);
			return -ENOMEM;
		}
		sprintf(p, "%s/%s", path, e->d_name);
		files[(*n)++] = p;
	}
	closedir(d);
	if (*n == first) {
		fprintf(stderr, "fpq-quantize: %s: no .npy files in the directory\n", path);
		return -ENOENT;
	}
	qsort(files + first, *n - first, sizeof(*files), name_cmp);
	return 0;
}

static int parse_format(const char *s, enum fpq_quant_format *f)
{
	*f = fpq_quant_format_from_name(s);
	return *f == FPQ_QUANT_DEFAULT ? -EINVAL : 0;
}

/* --layer-formats FILE: lines "NODE FORMAT [ACTIVATIONS]" ('#' starts a comment). */
static int read_layer_formats(const char *path, struct fpq_quant_layer_format *layers,
			      unsigned int *n, unsigned int max)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	unsigned int lineno = 0;

	if (!f) {
		fprintf(stderr, "fpq-quantize: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		char node[512], wf[32], af[32];
		char *hash = strchr(line, '#');
		int got;

		lineno++;
		if (hash)
			*hash = 0;
		got = sscanf(line, "%511s %31s %31s", node, wf, af);
		if (got <= 0)
			continue;
		if (got < 2 || *n == max || parse_format(wf, &layers[*n].weights) ||
		    (got == 3 && parse_format(af, &layers[*n].activations))) {
			fprintf(stderr, "fpq-quantize: %s:%u: expected NODE WEIGHT-FORMAT "
				"[ACTIVATION-FORMAT] (formats: int8, uint8, e4m3, e5m2, e3m2, e2m3, "
				"e2m1, mxint8, fp32)\n", path, lineno);
			fclose(f);
			return -EINVAL;
		}
		layers[*n].node = strdup(node);
		if (!layers[(*n)++].node) {
			fclose(f);
			return -ENOMEM;
		}
	}
	fclose(f);
	return 0;
}

static const char *role_name(enum fpq_quant_role r)
{
	return r == FPQ_QUANT_ROLE_WEIGHT ? "weight" : r == FPQ_QUANT_ROLE_BIAS ? "bias" :
										   "activation";
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void print_text(const struct fpq_quant_report *r, const char *out, size_t out_size)
{
	printf("%-34s %-10s %-6s %3s %-13s %4s %11s %11s %8s %8s\n", "tensor", "role", "format",
	       "ch", "scale", "zp", "min", "max", "fp32 B", "bytes");
	for (unsigned int i = 0; i < r->n_tensors; i++) {
		const struct fpq_quant_tensor *t = &r->tensors[i];

		printf("%-34s %-10s %-6s %3u %-13.7g %4" PRId32 " %11.5g %11.5g", t->name,
		       role_name(t->role), t->format ? t->format : fpq_dtype_name(t->dtype),
		       t->channels, (double)t->scale,
		       t->zero_point, (double)t->min, (double)t->max);
		if (t->role == FPQ_QUANT_ROLE_ACTIVATION)
			printf(" %8s %8s%s%s\n", "-", "-", t->shared_with ? "  = " : "",
			       t->shared_with ? t->shared_with : "");
		else
			printf(" %8" PRIu64 " %8" PRIu64 "\n", t->float_bytes, t->quant_bytes);
	}
	printf("\n%-34s %-18s %-7s %9s %9s %10s %10s\n", "layer (quantized model)", "op", "format",
	       "weight B", "SQNR dB", "clamped", "saturated");
	for (unsigned int l = 0; l < r->n_layers; l++) {
		const struct fpq_quant_layer *y = &r->layers[l];

		printf("%-34s %-18s %-7s", y->name, y->op, y->format ? y->format : "-");
		if (y->format)
			printf(" %9" PRIu64, y->weight_bytes);
		else
			printf(" %9s", "-");
		if (isnan(y->sqnr_db))
			printf(" %9s", "-");
		else
			printf(" %9.2f", y->sqnr_db);
		printf(" %10" PRIu64 " %10" PRIu64 "\n", y->clamped, y->saturated);
	}
	printf("\ncalibration samples: %" PRIu64 "\n", r->samples);
	printf("weight bytes: %" PRIu64 " fp32, %" PRIu64 " quantized (%.1f %%)\n",
	       r->float_weight_bytes, r->quant_weight_bytes,
	       r->float_weight_bytes ? 100.0 * (double)r->quant_weight_bytes /
				       (double)r->float_weight_bytes : 0.0);
	printf("wrote %s (%zu bytes)\n", out, out_size);
}

static void json_number(FILE *f, double v)
{
	if (isnan(v))
		fprintf(f, "null");
	else if (isinf(v))
		fprintf(f, "%s", v > 0 ? "1e999" : "-1e999");
	else
		fprintf(f, "%.4f", v);
}

static void print_json(FILE *f, const struct fpq_quant_report *r, const char *out, size_t out_size)
{
	fprintf(f, "{\"output\": ");
	json_string(f, out);
	fprintf(f, ", \"bytes\": %zu, \"samples\": %" PRIu64 ", \"float_weight_bytes\": %" PRIu64
	       ", \"quant_weight_bytes\": %" PRIu64 ",\n \"tensors\": [", out_size, r->samples,
	       r->float_weight_bytes, r->quant_weight_bytes);
	for (unsigned int i = 0; i < r->n_tensors; i++) {
		const struct fpq_quant_tensor *t = &r->tensors[i];

		fprintf(f, "%s\n  {\"name\": ", i ? "," : "");
		json_string(f, t->name);
		fprintf(f, ", \"node\": ");
		json_string(f, t->node);
		fprintf(f, ", \"role\": \"%s\", \"dtype\": \"%s\", \"channels\": %u, \"scale\": %.9g, "
		       "\"scale_max\": %.9g, \"zero_point\": %" PRId32 ", \"min\": %.9g, "
		       "\"max\": %.9g, \"elements\": %" PRIu64 ", \"float_bytes\": %" PRIu64
		       ", \"quant_bytes\": %" PRIu64 ", \"shared_with\": ", role_name(t->role),
		       fpq_dtype_name(t->dtype), t->channels, (double)t->scale,
		       (double)t->scale_max, t->zero_point, (double)t->min, (double)t->max,
		       t->elements, t->float_bytes, t->quant_bytes);
		if (t->shared_with)
			json_string(f, t->shared_with);
		else
			fprintf(f, "null");
		fprintf(f, ", \"format\": ");
		json_string(f, t->format ? t->format : "");
		fprintf(f, "}");
	}
	fprintf(f, "],\n \"layers\": [");
	for (unsigned int l = 0; l < r->n_layers; l++) {
		fprintf(f, "%s\n  {\"name\": ", l ? "," : "");
		json_string(f, r->layers[l].name);
		fprintf(f, ", \"op\": ");
		json_string(f, r->layers[l].op);
		fprintf(f, ", \"clamped\": %" PRIu64 ", \"saturated\": %" PRIu64 ", \"format\": ",
			r->layers[l].clamped, r->layers[l].saturated);
		if (r->layers[l].format)
			json_string(f, r->layers[l].format);
		else
			fprintf(f, "null");
		fprintf(f, ", \"weight_bytes\": %" PRIu64 ", \"sqnr_db\": ", r->layers[l].weight_bytes);
		json_number(f, r->layers[l].sqnr_db);
		fprintf(f, "}");
	}
	fprintf(f, "]}\n");
}

int main(int argc, char **argv)
{
	struct fpq_quantize_opts opts = { 0 };
	struct fpq_context_opts copts = { .backend = FPQ_BACKEND_CPU };
	static struct fpq_quant_layer_format layers[MAX_LAYERS];
	static char *files[MAX_SETS];
	struct npy_array *arrays = NULL;
	struct fpq_tensor *sets = NULL;
	struct fpq_quant_report *report = NULL;
	struct fpq_context *ctx = NULL;
	const char *model_path = NULL, *out_path = NULL, *report_path = NULL;
	unsigned int n_files = 0, n_layers = 0;
	bool json = false, quiet = false;
	void *model = NULL, *out = NULL;
	size_t model_size = 0, out_size = 0;
	char msg[512];
	int err, status = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if ((!strcmp(a, "--calibration") || !strcmp(a, "-c")) && i + 1 < argc) {
			err = add_calibration(argv[++i], files, &n_files);
			if (err)
				return fail(err, "cannot read the calibration inputs");
		} else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && i + 1 < argc) {
			out_path = argv[++i];
		} else if (!strcmp(a, "--per-channel")) {
			opts.flags |= FPQ_QUANTIZE_PER_CHANNEL;
		} else if (!strcmp(a, "--activations") && i + 1 < argc) {
			if (parse_format(argv[++i], &opts.activations))
				return fail(-EINVAL, "--activations takes uint8, int8 or an MX format "
					    "(e4m3, e5m2, e3m2, e2m3, e2m1, mxint8)");
		} else if (!strcmp(a, "--weights") && i + 1 < argc) {
			if (parse_format(argv[++i], &opts.weights))
				return fail(-EINVAL, "--weights takes int8, e4m3, e5m2, e3m2, e2m3, "
					    "e2m1 or mxint8");
		} else if (!strcmp(a, "--layer-formats") && i + 1 < argc) {
			err = read_layer_formats(argv[++i], layers, &n_layers, MAX_LAYERS);
			if (err)
				return fail(err, "cannot read the per-layer formats");
		} else if (!strcmp(a, "--layer") && i + 1 < argc) {
			char *eq = strchr(argv[++i], '=');

			if (!eq || n_layers == MAX_LAYERS ||
			    parse_format(eq + 1, &layers[n_layers].activations))
				return fail(-EINVAL, "--layer takes NODE=uint8 or NODE=int8");
			*eq = 0;
			layers[n_layers++].node = argv[i];
		} else if (!strcmp(a, "--batch") && i + 1 < argc) {
			opts.batch = (unsigned int)strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(a, "--budget") && i + 1 < argc) {
			char *end;

			opts.budget = strtod(argv[++i], &end);
			if (*end || !(opts.budget > 0) || opts.budget > 100)
				return fail(-EINVAL, "--budget takes points of top-1 disagreement, "
					    "above 0 and at most 100");
		} else if (!strcmp(a, "--report") && i + 1 < argc) {
			report_path = argv[++i];
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--quiet")) {
			quiet = true;
		} else if (a[0] != '-' && !model_path) {
			model_path = a;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!model_path || !out_path || !n_files) {
		usage(stderr);
		return 2;
	}
	opts.layers = n_layers ? layers : NULL;
	opts.n_layers = n_layers;
	opts.set_names = (const char *const *)files;
	err = read_file(model_path, &model, &model_size);
	if (err) {
		snprintf(msg, sizeof(msg), "%s: cannot read the model", model_path);
		fail(err, msg);
		goto out;
	}
	arrays = calloc(n_files, sizeof(*arrays));
	sets = calloc(n_files, sizeof(*sets));
	if (!arrays || !sets) {
		fail(-ENOMEM, "out of memory");
		goto out;
	}
	/* One input per set: the tool takes single-input models. */
	for (unsigned int s = 0; s < n_files; s++) {
		err = npy_read_msg(files[s], &arrays[s], msg, sizeof(msg));
		if (err) {
			fail(err, msg);
			goto out;
		}
		sets[s].dtype = npy_to_model_dtype(arrays[s].dtype);
		if (sets[s].dtype == FPQ_DTYPE_UNDEFINED) {
			snprintf(msg, sizeof(msg), "%s: dtype %s is not a model input type",
				 files[s], arrays[s].dtype);
			fail(-EINVAL, msg);
			goto out;
		}
		sets[s].ndim = arrays[s].ndim;
		for (unsigned int d = 0; d < arrays[s].ndim; d++)
			sets[s].dims[d] = (int64_t)arrays[s].shape[d];
		sets[s].data = arrays[s].data;
		sets[s].size = arrays[s].nbytes;
	}
	err = fpq_context_create(&copts, &ctx);
	if (err) {
		fail(err, fpq_strerror(err));
		goto out;
	}
	err = fpq_model_quantize(ctx, model, model_size, sets, n_files, &opts, &out, &out_size,
				 &report);
	if (err) {
		fprintf(stderr, "fpq-quantize: %s: %s (%s)\n", model_path, fpq_strerror(err),
			strerror(-err));
		goto out;
	}
	{
		FILE *f = fopen(out_path, "wb");

		if (!f || fwrite(out, 1, out_size, f) != out_size || fclose(f)) {
			snprintf(msg, sizeof(msg), "%s: cannot write the model", out_path);
			fail(-errno, msg);
			goto out;
		}
	}
	if (report_path) {
		FILE *f = fopen(report_path, "w");

		if (f)
			print_json(f, report, out_path, out_size);
		if (!f || fclose(f)) {
			snprintf(msg, sizeof(msg), "%s: cannot write the report", report_path);
			fail(-errno, msg);
			goto out;
		}
	}
	if (json)
		print_json(stdout, report, out_path, out_size);
	else if (!quiet)
		print_text(report, out_path, out_size);
	status = 0;
out:
	fpq_quant_report_free(report);
	free(out);
	fpq_context_destroy(ctx);
	for (unsigned int s = 0; s < n_files; s++) {
		if (arrays)
			npy_free(&arrays[s]);
		free(files[s]);
	}
	free(arrays);
	free(sets);
	free(model);
	return status;
}
