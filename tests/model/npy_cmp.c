// SPDX-License-Identifier: MIT
/*
 * npy_cmp.c - compare two .npy files byte for byte: same dtype, same shape, same data.
 * The model suite's comparison where there is no Python (in the co-simulation VM's
 * guest, against ONNX Runtime's outputs computed on the host).
 *
 *   npy_cmp GOT.npy WANT.npy
 *
 * Exit 0 when equal, 1 when they differ (the count and the first differing elements
 * are printed), 2 when a file cannot be read.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "npy.h"

static void print_shape(const struct npy_array *a)
{
	printf("(");
	for (unsigned i = 0; i < a->ndim; i++)
		printf("%s%" PRIu64, i ? ", " : "", a->shape[i]);
	printf(")");
}

int main(int argc, char **argv)
{
	struct npy_array got, want;
	size_t item, count, differ = 0;
	int same_shape;

	if (argc != 3) {
		fprintf(stderr, "usage: npy_cmp GOT.npy WANT.npy\n");
		return 2;
	}
	if (npy_read(argv[1], &got))
		return 2;
	if (npy_read(argv[2], &want)) {
		npy_free(&got);
		return 2;
	}
	same_shape = got.ndim == want.ndim &&
		     memcmp(got.shape, want.shape, got.ndim * sizeof(got.shape[0])) == 0;
	if (strcmp(got.dtype, want.dtype) != 0 || !same_shape) {
		printf("%s: %s ", argv[1], got.dtype);
		print_shape(&got);
		printf(", expected %s ", want.dtype);
		print_shape(&want);
		printf("\n");
		npy_free(&got);
		npy_free(&want);
		return 1;
	}
	item = npy_dtype_size(got.dtype);
	count = got.nbytes / item;
	for (size_t i = 0; i < count; i++) {
		const unsigned char *g = (const unsigned char *)got.data + i * item;
		const unsigned char *w = (const unsigned char *)want.data + i * item;

		if (memcmp(g, w, item) == 0)
			continue;
		if (differ++ < 5) {
			printf("%s: element %zu:", argv[1], i);
			for (size_t b = item; b-- > 0;)
				printf(" %02x", g[b]);
			printf(", expected");
			for (size_t b = item; b-- > 0;)
				printf(" %02x", w[b]);
			printf(" (bytes, most significant first)\n");
		}
	}
	if (differ)
		printf("%s: %zu of %zu elements differ from %s\n", argv[1], differ, count, argv[2]);
	npy_free(&got);
	npy_free(&want);
	return differ ? 1 : 0;
}
