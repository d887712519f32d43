// SPDX-License-Identifier: MIT
/*
 * npy.c - NumPy .npy reader and writer (see npy.h).
 *
 * A file is a 6-byte magic "\x93NUMPY", a major and minor version byte, the header's
 * length (2 bytes little-endian in 1.0, 4 bytes in 2.0 and 3.0), the header - a Python
 * dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with
 * spaces and a newline - and then the data. The header is parsed here by a small
 * grammar of its own (strings, True/False, tuples of integers), never evaluated.
 */
#include "npy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char npy_magic[6] = { '\x93', 'N', 'U', 'M', 'P', 'Y' };

/* numpy pads the header so that the data starts at a multiple of this. */
#define NPY_ALIGN 64
/* numpy leaves room in the header for the first dimension to grow to this many digits. */
#define NPY_GROWTH_DIGITS 21

static const char *const npy_dtypes[] = {
	"u1", "i1", "b1", "u2", "i2", "f2", "u4", "i4", "f4", "u8", "i8", "f8",
};

static int set_msg(char *msg, size_t msglen, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int set_msg(char *msg, size_t msglen, int err, const char *fmt, ...)
{
	va_list ap;

	if (msg && msglen) {
		va_start(ap, fmt);
		vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}
	return err;
}

size_t npy_dtype_size(const char *dtype)
{
	for (size_t i = 0; i < sizeof(npy_dtypes) / sizeof(npy_dtypes[0]); i++)
		if (dtype && strcmp(dtype, npy_dtypes[i]) == 0)
			return (size_t)(dtype[1] - '0');
	return 0;
}

uint64_t npy_count(const struct npy_array *a)
{
	uint64_t n = 1;

	for (unsigned i = 0; i < a->ndim && i < NPY_MAX_DIMS; i++)
		n *= a->shape[i];
	return n;
}

void npy_free(struct npy_array *a)
{
	free(a->data);
	memset(a, 0, sizeof(*a));
}

/* The shape's byte size, or -EOVERFLOW when it does not fit a size_t. */
static int shape_bytes(const uint64_t *shape, unsigned ndim, size_t item, size_t *out)
{
	uint64_t n = item;

	for (unsigned i = 0; i < ndim; i++) {
		if (shape[i] && n > SIZE_MAX / shape[i])
			return -EOVERFLOW;
		n *= shape[i];
	}
	*out = (size_t)n;
	return 0;
}

/* The header's parser: a cursor over its bytes. */
struct cursor {
	const char *p, *end;
};

static void skip_space(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int accept(struct cursor *c, char ch)
{
	skip_space(c);
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return 1;
	}
	return 0;
}

/* A quoted string without escapes (numpy writes none in the keys and dtypes it knows). */
static int parse_string(struct cursor *c, char *out, size_t outlen)
{
	char quote;
	size_t n = 0;

	skip_space(c);
	if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
		return -1;
	quote = *c->p++;
	while (c->p < c->end && *c->p != quote) {
		if (*c->p == '\\' || *c->p == '\0' || n + 1 >= outlen)
			return -1;
		out[n++] = *c->p++;
	}
	if (c->p >= c->end)
		return -1;
	c->p++;
	out[n] = '\0';
	return 0;
}

static int parse_word(struct cursor *c, const char *word)
{
	size_t n = strlen(word);

	skip_space(c);
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
		return 0;
	c->p += n;
	return 1;
}

/* (d0, d1, ...) with an optional trailing comma; Python 2's "3L" is accepted. */
static int parse_shape(struct cursor *c, struct npy_array *a, char *msg, size_t msglen)
{
	a->ndim = 0;
	if (!accept(c, '('))
		return set_msg(msg, msglen, -EINVAL, "'shape' is not a tuple");
	if (accept(c, ')'))
		return 0;
	for (;;) {
		uint64_t v = 0;
		int digits = 0;

		skip_space(c);
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
			unsigned d = (unsigned)(*c->p++ - '0');

			if (v > (UINT64_MAX - d) / 10)
				return set_msg(msg, msglen, -EOVERFLOW, "a dimension of 'shape' overflows");
			v = v * 10 + d;
			digits++;
		}
		if (!digits)
			return set_msg(msg, msglen, -EINVAL,
				       "'shape' holds something other than non-negative integers");
		if (c->p < c->end && *c->p == 'L')
			c->p++;
		if (a->ndim == NPY_MAX_DIMS)
			return set_msg(msg, msglen, -EINVAL, "more than %d dimensions", NPY_MAX_DIMS);
		a->shape[a->ndim++] = v;
		if (accept(c, ')'))
			return 0;
		if (!accept(c, ','))
			return set_msg(msg, msglen, -EINVAL, "'shape' is not a tuple of integers");
		if (accept(c, ')'))
			return 0;
	}
}

static int parse_descr(const char *descr, struct npy_array *a, char *msg, size_t msglen)
{
	const char *type = descr;

	if (*type == '<' || *type == '|')
		type++;
	else if (*type == '>')
		return set_msg(msg, msglen, -EINVAL, "big-endian dtype '%s' is not supported", descr);
	if (strcmp(type, "O") == 0)
		return set_msg(msg, msglen, -EINVAL, "dtype 'O' (pickled Python objects) is refused");
	if (!npy_dtype_size(type))
		return set_msg(msg, msglen, -EINVAL, "dtype '%s' is not supported", descr);
	/* Byte order means nothing for one-byte items; for wider ones it must be '<'. */
	if (type[1] != '1' && descr[0] != '<')
		return set_msg(msg, msglen, -EINVAL, "dtype '%s' has no little-endian mark", descr);
	memcpy(a->dtype, type, 3);
	return 0;
}

/* The dict literal: exactly the three keys, in any order. */
static int parse_header(const char *hdr, size_t len, struct npy_array *a, char *msg, size_t msglen)
{
	struct cursor c = { hdr, hdr + len };
	int have_descr = 0, have_order = 0, have_shape = 0;
	char key[32], descr[32];
	int err;

	if (memchr(hdr, '\0', len))
		return set_msg(msg, msglen, -EINVAL, "the header holds a NUL byte");
	if (!accept(&c, '{'))
		return set_msg(msg, msglen, -EINVAL, "the header is not a dict");
	while (!accept(&c, '}')) {
		if (parse_string(&c, key, sizeof(key)) || !accept(&c, ':'))
			return set_msg(msg, msglen, -EINVAL, "the header is not a dict of 'key': value");
		if (strcmp(key, "descr") == 0 && !have_descr) {
			if (parse_string(&c, descr, sizeof(descr))) {
				skip_space(&c);
				if (c.p < c.end && *c.p == '[')
					return set_msg(msg, msglen, -EINVAL,
						       "structured dtypes are not supported");
				return set_msg(msg, msglen, -EINVAL, "'descr' is not a dtype string");
			}
			err = parse_descr(descr, a, msg, msglen);
			if (err)
				return err;
			have_descr = 1;
		} else if (strcmp(key, "fortran_order") == 0 && !have_order) {
			if (parse_word(&c, "True"))
				return set_msg(msg, msglen, -EINVAL, "Fortran-order arrays are not supported");
			if (!parse_word(&c, "False"))
				return set_msg(msg, msglen, -EINVAL, "'fortran_order' is not True or False");
			have_order = 1;
		} else if (strcmp(key, "shape") == 0 && !have_shape) {
			err = parse_shape(&c, a, msg, msglen);
			if (err)
				return err;
			have_shape = 1;
		} else {
			return set_msg(msg, msglen, -EINVAL, "unexpected or repeated header key '%s'", key);
		}
		if (accept(&c, '}'))
			break;
		if (!accept(&c, ','))
			return set_msg(msg, msglen, -EINVAL, "the header dict is malformed after '%s'", key);
	}
	skip_space(&c);
	if (c.p != c.end)
		return set_msg(msg, msglen, -EINVAL, "the header has bytes after its dict");
	if (!have_descr || !have_order || !have_shape)
		return set_msg(msg, msglen, -EINVAL, "the header lacks '%s'",
			       !have_descr ? "descr" : !have_order ? "fortran_order" : "shape");
	return 0;
}

/* Magic and version: how long the prelude is; -EAGAIN when more bytes are needed. */
static int parse_prelude(const unsigned char *p, size_t avail, size_t *prelude, size_t *hlen,
			 char *msg, size_t msglen)
{
	if (avail < 8)
		return avail >= sizeof(npy_magic) && memcmp(p, npy_magic, sizeof(npy_magic)) != 0 ?
			set_msg(msg, msglen, -EINVAL, "not a .npy file (no \\x93NUMPY magic)") :
			set_msg(msg, msglen, -EAGAIN, "truncated before the header");
	if (memcmp(p, npy_magic, sizeof(npy_magic)) != 0)
		return set_msg(msg, msglen, -EINVAL, "not a .npy file (no \\x93NUMPY magic)");
	if (p[6] < 1 || p[6] > 3 || p[7] != 0)
		return set_msg(msg, msglen, -EINVAL, "format version %u.%u is not supported", p[6], p[7]);
	*prelude = p[6] == 1 ? 10 : 12;
	if (avail < *prelude)
		return set_msg(msg, msglen, -EAGAIN, "truncated before the header");
	*hlen = p[6] == 1 ? (size_t)p[8] | (size_t)p[9] << 8 :
		(size_t)p[8] | (size_t)p[9] << 8 | (size_t)p[10] << 16 | (size_t)p[11] << 24;
	if (*hlen > NPY_MAX_HEADER)
		return set_msg(msg, msglen, -EINVAL, "a header of %zu bytes (at most %d here)",
			       *hlen, NPY_MAX_HEADER);
	return 0;
}

static int check_bool(const struct npy_array *a, char *msg, size_t msglen)
{
	const unsigned char *b = a->data;

	if (strcmp(a->dtype, "b1") != 0)
		return 0;
	for (size_t i = 0; i < a->nbytes; i++)
		if (b[i] > 1)
			return set_msg(msg, msglen, -EINVAL, "bool element %zu is %u, not 0 or 1", i, b[i]);
	return 0;
}

/* The header parsed into META; the data size it promises, checked against AVAIL. */
static int parse_meta(const char *hdr, size_t hlen, size_t avail, struct npy_array *meta,
		      char *msg, size_t msglen)
{
	int err;

	memset(meta, 0, sizeof(*meta));
	err = parse_header(hdr, hlen, meta, msg, msglen);
	if (err)
		return err;
	if (shape_bytes(meta->shape, meta->ndim, npy_dtype_size(meta->dtype), &meta->nbytes))
		return set_msg(msg, msglen, -EOVERFLOW, "the shape's size overflows");
	if (avail != meta->nbytes)
		return set_msg(msg, msglen, -EINVAL, "%zu data bytes where the shape needs %zu",
			       avail, meta->nbytes);
	return 0;
}

int npy_parse(const void *buf, size_t len, struct npy_array *out, char *msg, size_t msglen)
{
	const unsigned char *p = buf;
	struct npy_array a;
	size_t prelude = 0, hlen = 0;
	int err;

	memset(out, 0, sizeof(*out));
	err = parse_prelude(p, len, &prelude, &hlen, msg, msglen);
	if (err == -EAGAIN)
		return -EINVAL;
	if (err)
		return err;
	if (len - prelude < hlen)
		return set_msg(msg, msglen, -EINVAL, "truncated in the header");
	err = parse_meta((const char *)p + prelude, hlen, len - prelude - hlen, &a, msg, msglen);
	if (err)
		return err;
	a.data = malloc(a.nbytes ? a.nbytes : 1);
	if (!a.data)
		return set_msg(msg, msglen, -ENOMEM, "no memory for %zu bytes", a.nbytes);
	memcpy(a.data, p + prelude + hlen, a.nbytes);
	err = check_bool(&a, msg, msglen);
	if (err) {
		npy_free(&a);
		return err;
	}
	*out = a;
	return 0;
}

static int read_full(int fd, void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_fd(int fd, const char *path, struct npy_array *out, char *msg, size_t msglen)
{
	unsigned char pre[12];
	char *hdr = NULL;
	struct npy_array a;
	struct stat st;
	size_t prelude = 0, hlen = 0, size;
	int err;

	if (fstat(fd, &st))
		return set_msg(msg, msglen, -errno, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return set_msg(msg, msglen, -EINVAL, "%s: not a regular file", path);
	size = (size_t)st.st_size;
	err = read_full(fd, pre, size < sizeof(pre) ? size : sizeof(pre));
	if (err)
		return set_msg(msg, msglen, err, "%s: %s", path, strerror(-err));
	err = parse_prelude(pre, size < sizeof(pre) ? size : sizeof(pre), &prelude, &hlen, msg, msglen);
	if (err == -EAGAIN)
		err = -EINVAL;
	if (!err && size - prelude < hlen)
		err = set_msg(msg, msglen, -EINVAL, "truncated in the header");
	if (err)
		goto prefix;
	hdr = malloc(hlen ? hlen : 1);
	if (!hdr)
		return set_msg(msg, msglen, -ENOMEM, "%s: no memory for the header", path);
	/* The header's first bytes may already be in pre[] (version 1.0's is 2 bytes shorter). */
	memcpy(hdr, pre + prelude, sizeof(pre) - prelude < hlen ? sizeof(pre) - prelude : hlen);
	if (hlen > sizeof(pre) - prelude) {
		err = read_full(fd, hdr + (sizeof(pre) - prelude), hlen - (sizeof(pre) - prelude));
		if (err) {
			free(hdr);
			return set_msg(msg, msglen, err, "%s: %s", path, strerror(-err));
		}
	}
	err = parse_meta(hdr, hlen, size - prelude - hlen, &a, msg, msglen);
	free(hdr);
	if (err)
		goto prefix;
	a.data = malloc(a.nbytes ? a.nbytes : 1);
	if (!a.data)
		return set_msg(msg, msglen, -ENOMEM, "%s: no memory for %zu bytes", path, a.nbytes);
	if (lseek(fd, (off_t)(prelude + hlen), SEEK_SET) < 0)
		err = -errno;
	else
		err = read_full(fd, a.data, a.nbytes);
	if (err) {
		npy_free(&a);
		return set_msg(msg, msglen, err, "%s: %s", path, strerror(-err));
	}
	err = check_bool(&a, msg, msglen);
	if (err) {
		npy_free(&a);
		goto prefix;
	}
	*out = a;
	return 0;

prefix:
	/* Put the file's name in front of the parser's message. */
	if (msg && msglen) {
		char *why = strdup(msg);

		set_msg(msg, msglen, err, "%s: %s", path, why ? why : "invalid");
		free(why);
	}
	return err;
}

int npy_read_msg(const char *path, struct npy_array *out, char *msg, size_t msglen)
{
	int fd, err;

	memset(out, 0, sizeof(*out));
	if (msg && msglen)
		msg[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return set_msg(msg, msglen, -errno, "%s: %s", path, strerror(errno));
	err = read_fd(fd, path, out, msg, msglen);
	close(fd);
	return err;
}

int npy_read(const char *path, struct npy_array *out)
{
	char msg[512];
	int err = npy_read_msg(path, out, msg, sizeof(msg));

	if (err)
		fprintf(stderr, "npy: %s\n", msg);
	return err;
}

/*
 * The header numpy.save() writes: sorted keys, room for the first dimension to grow,
 * padded so that the data starts at a multiple of NPY_ALIGN after the 10-byte prelude of
 * version 1.0 (NPY_MAX_DIMS dimensions always fit its 16-bit length).
 */
static int format_header(const struct npy_array *a, char *out, size_t outlen, size_t *len)
{
	char shape[NPY_MAX_DIMS * 22 + 4];
	size_t n = 0;
	int w;

	n += (size_t)snprintf(shape + n, sizeof(shape) - n, "(");
	for (unsigned i = 0; i < a->ndim; i++)
		n += (size_t)snprintf(shape + n, sizeof(shape) - n, "%s%llu", i ? ", " : "",
				      (unsigned long long)a->shape[i]);
	snprintf(shape + n, sizeof(shape) - n, a->ndim == 1 ? ",)" : ")");
	w = snprintf(out, outlen, "{'descr': '%c%s', 'fortran_order': False, 'shape': %s, }",
		     a->dtype[1] == '1' ? '|' : '<', a->dtype, shape);
	if (w < 0 || (size_t)w >= outlen)
		return -EINVAL;
	n = (size_t)w;
	if (a->ndim) {
		int digits = snprintf(NULL, 0, "%llu", (unsigned long long)a->shape[0]);

		for (int i = digits; i < NPY_GROWTH_DIGITS && n + 1 < outlen; i++)
			out[n++] = ' ';
	}
	do {
		if (n + 1 >= outlen)
			return -EINVAL;
		out[n++] = ' ';
	} while ((10 + n + 1) % NPY_ALIGN);
	out[n++] = '\n';
	*len = n;
	return 0;
}

int npy_write_msg(const char *path, const struct npy_array *a, char *msg, size_t msglen)
{
	char hdr[1024];
	unsigned char pre[10];
	size_t hlen, want;
	int err = 0;
	FILE *f;

	if (msg && msglen)
		msg[0] = '\0';
	if (!npy_dtype_size(a->dtype))
		return set_msg(msg, msglen, -EINVAL, "%s: dtype '%.3s' is not supported", path, a->dtype);
	if (a->ndim > NPY_MAX_DIMS)
		return set_msg(msg, msglen, -EINVAL, "%s: %u dimensions (at most %d)", path, a->ndim,
			       NPY_MAX_DIMS);
	if (shape_bytes(a->shape, a->ndim, npy_dtype_size(a->dtype), &want))
		return set_msg(msg, msglen, -EOVERFLOW, "%s: the shape's size overflows", path);
	if (a->nbytes != want || (want && !a->data))
		return set_msg(msg, msglen, -EINVAL, "%s: %zu data bytes where the shape needs %zu",
			       path, a->data ? a->nbytes : 0, want);
	if (format_header(a, hdr, sizeof(hdr), &hlen))
		return set_msg(msg, msglen, -EINVAL, "%s: the header does not fit", path);
	memcpy(pre, npy_magic, sizeof(npy_magic));
	pre[6] = 1;
	pre[7] = 0;
	pre[8] = (unsigned char)hlen;
	pre[9] = (unsigned char)(hlen >> 8);

	f = fopen(path, "wb");
	if (!f)
		return set_msg(msg, msglen, -errno, "%s: %s", path, strerror(errno));
	if (fwrite(pre, 1, sizeof(pre), f) != sizeof(pre) || fwrite(hdr, 1, hlen, f) != hlen ||
	    (a->nbytes && fwrite(a->data, 1, a->nbytes, f) != a->nbytes))
		err = errno ? -errno : -EIO;
	if (fclose(f) && !err)
		err = errno ? -errno : -EIO;
	if (err) {
		unlink(path);
		return set_msg(msg, msglen, err, "%s: %s", path, strerror(-err));
	}
	return 0;
}

int npy_write(const char *path, const struct npy_array *a)
{
	char msg[512];
	int err = npy_write_msg(path, a, msg, sizeof(msg));

	if (err)
		fprintf(stderr, "npy: %s\n", msg);
	return err;
}
