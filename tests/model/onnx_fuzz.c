// SPDX-License-Identifier: MIT
/*
 * onnx_fuzz.c - libFuzzer entry point on the model loader: every input is a candidate
 * ONNX file for fpq_model_load_memory(); one that loads is also run once (zero-filled
 * inputs) when it is small. Sanitizers turn any memory or UB error into a crash; the
 * load's memory limit keeps allocations under the fuzzer's RSS limit.
 * Built by lib/model.mk with clang -fsanitize=fuzzer,address,undefined; the seed corpus
 * is tests/model/corpus/ (scripts/check-model-fuzz.sh).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fpq_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fpq_context *ctx;

/* Small enough to run: every dimension fixed or made 1, a few thousand elements. */
static int run_small(struct fpq_model *m)
{
	unsigned int ni = fpq_model_num_inputs(m), no = fpq_model_num_outputs(m);
	struct fpq_tensor in[8], out[8];
	void *bufs[8] = { NULL };
	int err = 0;

	if (ni > 8 || no > 8 || fpq_model_num_layers(m) > 64)
		return 0;
	memset(in, 0, sizeof(in));
	memset(out, 0, sizeof(out));
	for (unsigned int i = 0; i < ni; i++) {
		struct fpq_tensor_info ti;
		size_t count = 1, es;

		if (fpq_model_input(m, i, &ti))
			goto out;
		es = fpq_dtype_size(ti.dtype);
		in[i].dtype = ti.dtype;
		in[i].ndim = ti.ndim;
		for (unsigned int d = 0; d < ti.ndim; d++) {
			in[i].dims[d] = ti.dims[d] < 0 ? 1 : ti.dims[d];
			if (in[i].dims[d] > 4096 || (count *= (size_t)in[i].dims[d]) > 4096)
				goto out;
		}
		bufs[i] = calloc(count ? count : 1, es ? es : 1);
		if (!bufs[i])
			goto out;
		in[i].data = bufs[i];
		in[i].size = count * es;
	}
	err = fpq_model_run(m, in, ni, out, no, NULL);
	for (unsigned int i = 0; i < no; i++)
		free(out[i].data);
out:
	for (unsigned int i = 0; i < ni; i++)
		free(bufs[i]);
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fpq_model_opts opts = { .max_memory = 256u << 20 };
	struct fpq_model *m = NULL;

	if (!ctx) {
		struct fpq_context_opts o = { .backend = FPQ_BACKEND_CPU, .num_threads = 1 };

		if (fpq_context_create(&o, &ctx))
			abort();
	}
	if (fpq_model_load_memory(ctx, data, size, &opts, &m) == 0) {
		if (run_small(m) > 0)
			abort(); /* errors are negative */
		fpq_model_free(m);
	}
	return 0;
}
