// SPDX-License-Identifier: MIT
/*
 * error.c - negative errno values with a per-thread detail of the last failure.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static _Thread_local int last_err;
static _Thread_local char last_msg[256];
static _Thread_local char unknown_msg[48];

int fpq_error(int err, const char *fmt, ...)
{
	char msg[sizeof(last_msg)];
	va_list ap;

	/* Format first: the arguments may include the previous message. */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(last_msg, msg, sizeof(msg));
	last_err = err;
	return err;
}

static const char *errno_text(int e)
{
	switch (e) {
	case EINVAL: return "invalid argument";
	case EFAULT: return "bad address (NULL pointer)";
	case EOVERFLOW: return "size overflows";
	case ENOMEM: return "out of memory";
	case ENODEV: return "no such device";
	case ENOENT: return "no such object";
	case ETIMEDOUT: return "timed out";
	case EIO: return "device I/O error";
	case EBUSY: return "busy";
	case ENOTSUP: return "not supported";
	case ERANGE: return "value out of range";
	case EAGAIN: return "try again";
	default: return NULL;
	}
}

const char *fpq_strerror(int err)
{
	const char *text;

	if (err == 0)
		return "success";
	if (err == last_err && last_msg[0])
		return last_msg;
	text = errno_text(err < 0 ? -err : err);
	if (text)
		return text;
	snprintf(unknown_msg, sizeof(unknown_msg), "error %d", err);
	return unknown_msg;
}
