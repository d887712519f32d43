/* SPDX-License-Identifier: MIT */
/*
 * npy.h - read and write NumPy .npy files (format versions 1.0, 2.0 and 3.0), the
 * tensors fpq's model tools take and give.
 *
 * Little-endian, C-order arrays of one plain dtype only: u1 i1 u2 i2 u4 i4 u8 i8 f2 f4
 * f8 b1. A file is untrusted input: Fortran order, big-endian or structured dtypes,
 * pickled objects, more than NPY_MAX_DIMS dimensions, a header over NPY_MAX_HEADER bytes
 * and a data size other than the shape's are refused with -EINVAL (or -EOVERFLOW for a
 * shape whose size overflows) and a message, before anything is allocated for the data:
 * a reader never allocates more than the file holds.
 */
#ifndef FPQ_TOOLS_NPY_H
#define FPQ_TOOLS_NPY_H

#include <stddef.h>
#include <stdint.h>

#define NPY_MAX_DIMS 8
#define NPY_MAX_HEADER 65536

struct npy_array {
	char dtype[4];                  /* "u1", "f4", ...: kind letter and item size */
	unsigned ndim;                  /* 0 for a scalar */
	uint64_t shape[NPY_MAX_DIMS];
	void *data;                     /* C order; never NULL after a successful read */
	size_t nbytes;                  /* element count x item size */
};

/*
 * npy_read() - read PATH into OUT (free it with npy_free()). Returns 0, or a negative
 * errno with a message on stderr naming the file. npy_read_msg() puts the message into
 * MSG (MSGLEN bytes, may be 0) instead of printing it.
 */
int npy_read(const char *path, struct npy_array *out);
int npy_read_msg(const char *path, struct npy_array *out, char *msg, size_t msglen);

/* npy_parse() - the same from a file's bytes in memory. */
int npy_parse(const void *buf, size_t len, struct npy_array *out, char *msg, size_t msglen);

/*
 * npy_write() - write A to PATH as a version 1.0 file, the bytes numpy.save() writes for
 * the same array. Returns 0 or a negative errno, with a
 * message on stderr (npy_write_msg(): into MSG).
 */
int npy_write(const char *path, const struct npy_array *a);
int npy_write_msg(const char *path, const struct npy_array *a, char *msg, size_t msglen);

/* npy_free() - free what npy_read() allocated; A is left empty. */
void npy_free(struct npy_array *a);

/* npy_dtype_size() - the item size of DTYPE ("f4" -> 4), 0 if it is not supported. */
size_t npy_dtype_size(const char *dtype);

/* npy_count() - the number of elements of A's shape (1 for a scalar). */
uint64_t npy_count(const struct npy_array *a);

#endif /* FPQ_TOOLS_NPY_H */
