// SPDX-License-Identifier: MIT
/*
 * npy_test.c - tools/npy.c against files numpy wrote and against malformed ones.
 *
 * $FPQ_NPY_CASES names a directory tests/model/npy_cases.py filled (every dtype, shape
 * and format version numpy writes, and the files numpy writes that npy.c must refuse);
 * without it those cases are skipped. The malformed headers, truncations and byte
 * mutations are built here.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "npy.h"

static char tmpdir[] = "/tmp/npy_test.XXXXXX";

/* The data formula of npy_cases.py. */
static unsigned char case_byte(const char *dtype, size_t k)
{
	if (strcmp(dtype, "b1") == 0)
		return k % 3 == 0;
	return (unsigned char)((131 * k + 7) % 256);
}

static const char *cases_dir(void)
{
	const char *dir = getenv("FPQ_NPY_CASES");

	if (!dir || !*dir) {
		harness_skip("FPQ_NPY_CASES is not set (the numpy-written files are made by "
			     "tests/model/npy_cases.py)");
		return NULL;
	}
	return dir;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static int write_bytes(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(buf, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* One line of the manifest, split into words (it is written by our own script). */
struct manifest_line {
	char kind[8], file[128], a[32], b[8];
	unsigned ndim;
	uint64_t shape[NPY_MAX_DIMS];
	char text[128];
};

static int next_line(FILE *f, struct manifest_line *m)
{
	char line[512];
	int used = 0;

	if (!fgets(line, sizeof(line), f))
		return 0;
	line[strcspn(line, "\n")] = '\0';
	memset(m, 0, sizeof(*m));
	if (sscanf(line, "%7s %127s %31s%n", m->kind, m->file, m->a, &used) != 3)
		return -1;
	if (strcmp(m->kind, "ok") == 0) {
		const char *p = line + used;
		int n;

		if (sscanf(p, " %7s %u%n", m->b, &m->ndim, &n) != 2 || m->ndim > NPY_MAX_DIMS)
			return -1;
		p += n;
		for (unsigned i = 0; i < m->ndim; i++) {
			unsigned long long d;

			if (sscanf(p, " %llu%n", &d, &n) != 1)
				return -1;
			m->shape[i] = d;
			p += n;
		}
	} else {
		snprintf(m->text, sizeof(m->text), "%s", line + used + (line[used] == ' '));
	}
	return 1;
}

static FILE *open_manifest(const char *dir)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/manifest.txt", dir);
	f = fopen(path, "r");
	CHECK(f != NULL, "no %s", path);
	return f;
}

static void numpy_files_read(void)
{
	const char *dir = cases_dir();
	struct manifest_line m;
	int files = 0, r;
	FILE *f;

	if (!dir || !(f = open_manifest(dir)))
		return;
	while ((r = next_line(f, &m)) > 0) {
		char path[512], msg[256];
		struct npy_array a;
		size_t bad = 0;
		int err;

		if (strcmp(m.kind, "ok") != 0)
			continue;
		files++;
		snprintf(path, sizeof(path), "%s/%s", dir, m.file);
		err = npy_read_msg(path, &a, msg, sizeof(msg));
		CHECK(err == 0, "%s: %d %s", m.file, err, msg);
		if (err)
			continue;
		CHECK(strcmp(a.dtype, m.b) == 0, "%s: dtype %s", m.file, a.dtype);
		CHECK(a.ndim == m.ndim, "%s: ndim %u", m.file, a.ndim);
		for (unsigned i = 0; i < m.ndim && i < a.ndim; i++)
			CHECK_EQ_U(a.shape[i], m.shape[i], "%s: dimension %u", m.file, i);
		CHECK_EQ_U(a.nbytes, npy_count(&a) * npy_dtype_size(a.dtype), "%s", m.file);
		CHECK(a.data != NULL, "%s: no data", m.file);
		for (size_t k = 0; a.data && k < a.nbytes; k++)
			bad += ((unsigned char *)a.data)[k] != case_byte(a.dtype, k);
		CHECK(bad == 0, "%s: %zu of %zu data bytes differ", m.file, bad, a.nbytes);
		npy_free(&a);
	}
	CHECK(r == 0, "malformed manifest line");
	fclose(f);
	CHECK(files >= 100, "only %d good files in the manifest", files);
	printf("  %d files numpy wrote read back byte for byte\n", files);
}

static void numpy_files_refused(void)
{
	const char *dir = cases_dir();
	struct manifest_line m;
	int files = 0, r;
	FILE *f;

	if (!dir || !(f = open_manifest(dir)))
		return;
	while ((r = next_line(f, &m)) > 0) {
		char path[512], msg[256];
		struct npy_array a;
		int want, err;

		if (strcmp(m.kind, "bad") != 0)
			continue;
		files++;
		want = strcmp(m.a, "EOVERFLOW") == 0 ? -EOVERFLOW : -EINVAL;
		snprintf(path, sizeof(path), "%s/%s", dir, m.file);
		err = npy_read_msg(path, &a, msg, sizeof(msg));
		CHECK(err == want, "%s: returned %d, expected %d (%s)", m.file, err, want, msg);
		CHECK(strstr(msg, m.text) != NULL, "%s: message '%s' lacks '%s'", m.file, msg, m.text);
		CHECK(strstr(msg, m.file) != NULL, "%s: message '%s' does not name the file", m.file, msg);
		CHECK(a.data == NULL && a.nbytes == 0, "%s: refused but filled", m.file);
		if (!err)
			npy_free(&a);
		else
			printf("  %s: %s\n", m.file, msg);
	}
	CHECK(r == 0, "malformed manifest line");
	fclose(f);
	CHECK(files >= 7, "only %d refused files in the manifest", files);
}

static void write_matches_numpy(void)
{
	const char *dir = cases_dir();
	struct manifest_line m;
	int files = 0, r;
	FILE *f;

	if (!dir || !(f = open_manifest(dir)))
		return;
	while ((r = next_line(f, &m)) > 0) {
		char path[512], mine[512];
		struct npy_array a = { .ndim = m.ndim };
		size_t nlen = 0, mlen = 0;
		char *theirs, *ours;
		int err;

		/* numpy.save() writes version 1.0: the other versions are read-only cases. */
		if (strcmp(m.kind, "ok") != 0 || strcmp(m.a, "1") != 0)
			continue;
		files++;
		memcpy(a.dtype, m.b, 3);
		memcpy(a.shape, m.shape, sizeof(a.shape));
		a.nbytes = npy_count(&a) * npy_dtype_size(a.dtype);
		a.data = malloc(a.nbytes ? a.nbytes : 1);
		for (size_t k = 0; k < a.nbytes; k++)
			((unsigned char *)a.data)[k] = case_byte(a.dtype, k);
		snprintf(path, sizeof(path), "%s/%s", dir, m.file);
		snprintf(mine, sizeof(mine), "%s/%s", tmpdir, m.file);
		err = npy_write(mine, &a);
		CHECK(err == 0, "%s: npy_write returned %d", m.file, err);
		theirs = slurp(path, &nlen);
		ours = slurp(mine, &mlen);
		CHECK(theirs && ours && nlen == mlen && memcmp(theirs, ours, nlen) == 0,
		      "%s: %zu bytes written, numpy wrote %zu (or they differ)", m.file, mlen, nlen);
		free(theirs);
		free(ours);
		free(a.data);
		unlink(mine);
	}
	CHECK(r == 0, "malformed manifest line");
	fclose(f);
	CHECK(files >= 80, "only %d version 1.0 files", files);
	printf("  %d files written byte-identical to numpy.save()\n", files);
}

static void round_trip(void)
{
	static const char *const dtypes[] = { "u1", "i1", "b1", "u2", "i2", "f2",
					      "u4", "i4", "f4", "u8", "i8", "f8" };
	static const uint64_t shapes[][3] = { { 0 }, { 1, 9 }, { 3, 4, 5 }, { 2, 0, 3 } };
	static const unsigned ndims[] = { 0, 2, 3, 3 };
	char path[512];

	snprintf(path, sizeof(path), "%s/round.npy", tmpdir);
	for (size_t d = 0; d < sizeof(dtypes) / sizeof(dtypes[0]); d++) {
		for (size_t s = 0; s < sizeof(ndims) / sizeof(ndims[0]); s++) {
			struct npy_array a = { .ndim = ndims[s] }, b;
			int err;

			memcpy(a.dtype, dtypes[d], 3);
			memcpy(a.shape, shapes[s], sizeof(shapes[s]));
			a.nbytes = npy_count(&a) * npy_dtype_size(a.dtype);
			a.data = malloc(a.nbytes ? a.nbytes : 1);
			for (size_t k = 0; k < a.nbytes; k++)
				((unsigned char *)a.data)[k] = case_byte(a.dtype, k * 7 + s);
			err = npy_write(path, &a);
			CHECK(err == 0, "%s shape %zu: write %d", dtypes[d], s, err);
			err = npy_read(path, &b);
			CHECK(err == 0, "%s shape %zu: read %d", dtypes[d], s, err);
			if (!err) {
				CHECK(strcmp(a.dtype, b.dtype) == 0 && a.ndim == b.ndim &&
				      memcmp(a.shape, b.shape, a.ndim * sizeof(a.shape[0])) == 0 &&
				      a.nbytes == b.nbytes && memcmp(a.data, b.data, a.nbytes) == 0,
				      "%s shape %zu: read back differs", dtypes[d], s);
				npy_free(&b);
			}
			free(a.data);
		}
	}
	unlink(path);
}

/* A version 1.0 file of HEADER (padded as given) followed by DATALEN bytes. */
static size_t make_file(unsigned char *out, size_t outlen, const char *header, size_t datalen)
{
	size_t hlen = strlen(header), n = 10 + hlen + datalen;

	if (n > outlen)
		return 0;
	memcpy(out, "\x93NUMPY\x01\x00", 8);
	out[8] = (unsigned char)hlen;
	out[9] = (unsigned char)(hlen >> 8);
	memcpy(out + 10, header, hlen);
	for (size_t k = 0; k < datalen; k++)
		out[10 + hlen + k] = (unsigned char)k;
	return n;
}

struct malformed {
	const char *what, *header;
	size_t datalen;
	int err;
	const char *text;
};

static const struct malformed malformed_headers[] = {
	{ "good, for contrast", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n", 24, 0, "" },
	{ "keys in another order", "{'shape': (3,), 'descr': '<i2', 'fortran_order': False}", 6, 0, "" },
	{ "Python 2 long", "{'descr': '<i2', 'fortran_order': False, 'shape': (3L,), }", 6, 0, "" },
	{ "double quotes", "{\"descr\": \"|u1\", \"fortran_order\": False, \"shape\": (2,)}", 2, 0, "" },
	{ "big-endian", "{'descr': '>i4', 'fortran_order': False, 'shape': (1,), }", 4, -EINVAL, "big-endian" },
	{ "no byte order", "{'descr': 'i4', 'fortran_order': False, 'shape': (1,), }", 4, -EINVAL, "little-endian" },
	{ "Fortran", "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", 4, -EINVAL, "Fortran" },
	{ "pickle", "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", 8, -EINVAL, "pickled" },
	{ "structured", "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", 4, -EINVAL, "structured" },
	{ "unknown dtype", "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", 8, -EINVAL, "not supported" },
	{ "bad order word", "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }", 4, -EINVAL, "True or False" },
	{ "negative dimension", "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", 4, -EINVAL, "non-negative" },
	{ "float dimension", "{'descr': '<f4', 'fortran_order': False, 'shape': (1.5,), }", 4, -EINVAL, "tuple of integers" },
	{ "list shape", "{'descr': '<f4', 'fortran_order': False, 'shape': [1], }", 4, -EINVAL, "not a tuple" },
	{ "nine dimensions", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", 4, -EINVAL, "dimensions" },
	{ "dimension overflows", "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", 4, -EOVERFLOW, "overflows" },
	{ "size overflows", "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 8, -EOVERFLOW, "overflows" },
	{ "huge shape, small file", "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776,), }", 16, -EINVAL, "data bytes" },
	{ "data short", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 23, -EINVAL, "data bytes" },
	{ "data long", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 25, -EINVAL, "data bytes" },
	{ "missing shape", "{'descr': '<f4', 'fortran_order': False, }", 4, -EINVAL, "lacks 'shape'" },
	{ "repeated key", "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", 4, -EINVAL, "repeated" },
	{ "extra key", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", 4, -EINVAL, "unexpected" },
	{ "no closing brace", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), ", 4, -EINVAL, "header" },
	{ "unterminated string", "{'descr': '<f4", 0, -EINVAL, "not a dtype string" },
	{ "not a dict", "('descr', '<f4')", 4, -EINVAL, "not a dict" },
	{ "bytes after the dict", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x", 4, -EINVAL, "after its dict" },
	{ "escape in string", "{'descr': '<f\\4', 'fortran_order': False, 'shape': (1,)}", 4, -EINVAL, "not a dtype string" },
	{ "empty header", "", 0, -EINVAL, "not a dict" },
};

static void malformed(void)
{
	unsigned char buf[4096];
	char path[512];

	snprintf(path, sizeof(path), "%s/malformed.npy", tmpdir);
	for (size_t i = 0; i < sizeof(malformed_headers) / sizeof(malformed_headers[0]); i++) {
		const struct malformed *t = &malformed_headers[i];
		size_t n = make_file(buf, sizeof(buf), t->header, t->datalen);
		struct npy_array a;
		char msg[256] = "";
		int err;

		CHECK(n > 0, "%s: does not fit", t->what);
		/* In memory and through a file: the two paths must agree. */
		err = npy_parse(buf, n, &a, msg, sizeof(msg));
		CHECK(err == t->err, "%s: npy_parse returned %d, expected %d (%s)", t->what, err,
		      t->err, msg);
		CHECK(strstr(msg, t->text) != NULL, "%s: message '%s' lacks '%s'", t->what, msg, t->text);
		if (!err)
			npy_free(&a);
		CHECK(write_bytes(path, buf, n) == 0, "%s: cannot write", t->what);
		err = npy_read_msg(path, &a, msg, sizeof(msg));
		CHECK(err == t->err, "%s: npy_read returned %d, expected %d (%s)", t->what, err,
		      t->err, msg);
		CHECK(strstr(msg, t->text) != NULL, "%s: message '%s' lacks '%s'", t->what, msg, t->text);
		if (!err)
			npy_free(&a);
		else
			CHECK(a.data == NULL, "%s: refused but filled", t->what);
	}
	unlink(path);
}

static void bad_prelude(void)
{
	static const struct {
		const char *what;
		unsigned char bytes[12];
		size_t len;
		const char *text;
	} cases[] = {
		{ "empty", { 0 }, 0, "truncated" },
		{ "magic only", { 0x93, 'N', 'U', 'M', 'P', 'Y' }, 6, "truncated" },
		{ "wrong magic", { 0x93, 'N', 'U', 'M', 'P', 'X', 1, 0, 0, 0 }, 10, "magic" },
		{ "version 4", { 0x93, 'N', 'U', 'M', 'P', 'Y', 4, 0, 0, 0 }, 10, "version 4.0" },
		{ "version 1.1", { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 1, 0, 0 }, 10, "version 1.1" },
		{ "v2 length cut", { 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0, 0 }, 10, "truncated" },
		{ "header past the end", { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 200, 0 }, 10, "truncated" },
		{ "header too long", { 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0, 0, 0, 1 }, 12, "at most" },
	};
	char path[512];

	snprintf(path, sizeof(path), "%s/prelude.npy", tmpdir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct npy_array a;
		char msg[256] = "";
		int err;

		err = npy_parse(cases[i].bytes, cases[i].len, &a, msg, sizeof(msg));
		CHECK(err == -EINVAL && strstr(msg, cases[i].text), "%s: npy_parse %d '%s'",
		      cases[i].what, err, msg);
		CHECK(write_bytes(path, cases[i].bytes, cases[i].len) == 0, "cannot write");
		err = npy_read_msg(path, &a, msg, sizeof(msg));
		CHECK(err == -EINVAL && strstr(msg, cases[i].text), "%s: npy_read %d '%s'",
		      cases[i].what, err, msg);
	}
	unlink(path);
}

/* Every prefix of a good file is refused; every one-byte change is read or refused. */
static void truncations_and_mutations(void)
{
	unsigned char buf[256], mutated[256];
	const char *header = "{'descr': '<i2', 'fortran_order': False, 'shape': (3, 2), }    \n";
	size_t n = make_file(buf, sizeof(buf), header, 12);
	char path[512];
	int accepted = 0;

	snprintf(path, sizeof(path), "%s/cut.npy", tmpdir);
	for (size_t len = 0; len < n; len++) {
		struct npy_array a;
		char msg[256];
		int err = npy_parse(buf, len, &a, msg, sizeof(msg));

		CHECK(err == -EINVAL, "prefix of %zu bytes: npy_parse returned %d", len, err);
		if (len % 7 == 0 || len + 1 == n) {
			CHECK(write_bytes(path, buf, len) == 0, "cannot write");
			err = npy_read_msg(path, &a, msg, sizeof(msg));
			CHECK(err == -EINVAL, "prefix of %zu bytes: npy_read returned %d", len, err);
		}
	}
	for (size_t pos = 0; pos < n - 12; pos++) {
		for (unsigned v = 0; v < 256; v += 17) {
			struct npy_array a;
			int err;

			memcpy(mutated, buf, n);
			mutated[pos] = (unsigned char)v;
			err = npy_parse(mutated, n, &a, NULL, 0);
			CHECK(err == 0 || err == -EINVAL || err == -EOVERFLOW,
			      "byte %zu = %u: returned %d", pos, v, err);
			if (!err) {
				accepted++;
				npy_free(&a);
			}
		}
	}
	CHECK(accepted > 0, "no mutation was harmless: the good file is refused");
	unlink(path);
}

static void bool_values(void)
{
	unsigned char buf[256];
	size_t n = make_file(buf, sizeof(buf), "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }",
			     3);
	struct npy_array a;
	char msg[256];
	int err;

	buf[n - 3] = 0;
	buf[n - 2] = 1;
	buf[n - 1] = 1;
	err = npy_parse(buf, n, &a, msg, sizeof(msg));
	CHECK(err == 0, "bools 0 1 1 refused: %s", msg);
	if (!err)
		npy_free(&a);
	buf[n - 1] = 2;
	err = npy_parse(buf, n, &a, msg, sizeof(msg));
	CHECK(err == -EINVAL && strstr(msg, "bool element 2"), "bool 2: %d '%s'", err, msg);
}

static void write_refuses(void)
{
	unsigned char data[24] = { 0 };
	struct npy_array a = { .dtype = "f4", .ndim = 2, .shape = { 2, 3 }, .data = data, .nbytes = 24 };
	char path[512], msg[256];
	int err;

	snprintf(path, sizeof(path), "%s/w.npy", tmpdir);
	a.nbytes = 20;
	err = npy_write_msg(path, &a, msg, sizeof(msg));
	CHECK(err == -EINVAL && strstr(msg, "data bytes"), "nbytes mismatch: %d '%s'", err, msg);
	a.nbytes = 24;
	memcpy(a.dtype, "c8", 3);
	err = npy_write_msg(path, &a, msg, sizeof(msg));
	CHECK(err == -EINVAL && strstr(msg, "not supported"), "dtype c8: %d '%s'", err, msg);
	memcpy(a.dtype, "f4", 3);
	a.ndim = 9;
	err = npy_write_msg(path, &a, msg, sizeof(msg));
	CHECK(err == -EINVAL && strstr(msg, "dimensions"), "9 dims: %d '%s'", err, msg);
	a.ndim = 2;
	a.data = NULL;
	err = npy_write_msg(path, &a, msg, sizeof(msg));
	CHECK(err == -EINVAL, "NULL data: %d '%s'", err, msg);
	a.data = data;
	a.shape[0] = UINT64_MAX;
	err = npy_write_msg(path, &a, msg, sizeof(msg));
	CHECK(err == -EOVERFLOW, "overflowing shape: %d '%s'", err, msg);
	a.shape[0] = 2;
	snprintf(path, sizeof(path), "%s/no/such/dir.npy", tmpdir);
	err = npy_write_msg(path, &a, msg, sizeof(msg));
	CHECK(err == -ENOENT && strstr(msg, path), "missing directory: %d '%s'", err, msg);
	err = npy_read_msg(path, &a, msg, sizeof(msg));
	CHECK(err == -ENOENT && strstr(msg, path), "read of a missing file: %d '%s'", err, msg);
	err = npy_read_msg(tmpdir, &a, msg, sizeof(msg));
	CHECK(err == -EINVAL && strstr(msg, "regular file"), "read of a directory: %d '%s'", err, msg);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(numpy_files_read);
	RUN(numpy_files_refused);
	RUN(write_matches_numpy);
	RUN(round_trip);
	RUN(malformed);
	RUN(bad_prelude);
	RUN(truncations_and_mutations);
	RUN(bool_values);
	RUN(write_refuses);
	rmdir(tmpdir);
	return harness_report();
}
