/* SPDX-License-Identifier: Apache-2.0 */
#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

int(berth_error_setv)(struct berth_error **err, int code, const char *fmt, va_list ap)
{
	if (code <= 0)
		code = EIO;
	if (!err)
		return -code;
	berth_error_free(err);
	struct berth_error *e = berth_xmalloc(sizeof(*e));
	e->code = code;
	if (vasprintf(&e->msg, fmt, ap) < 0)
		berth_oom();
	*err = e;
	return -code;
}

int(berth_error_set)(struct berth_error **err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = berth_error_setv(err, code, fmt, ap);
	va_end(ap);
	return r;
}

int(berth_error_syscall)(struct berth_error **err, int code, const char *fmt, ...)
{
	if (code <= 0)
		code = EIO;
	if (!err)
		return -code;
	va_list ap;
	va_start(ap, fmt);
	berth_error_setv(err, code, fmt, ap);
	va_end(ap);
	char *m = berth_xasprintf("%s: %s", (*err)->msg, strerror(code));
	free((*err)->msg);
	(*err)->msg = m;
	return -code;
}

int(berth_error_prefix)(struct berth_error **err, const char *fmt, ...)
{
	if (!err)
		return -EIO;
	va_list ap;
	va_start(ap, fmt);
	char *p;
	if (vasprintf(&p, fmt, ap) < 0)
		berth_oom();
	va_end(ap);
	if (!*err) {
		struct berth_error *e = berth_xmalloc(sizeof(*e));
		e->code = EIO;
		e->msg = p;
		*err = e;
		return -EIO;
	}
	char *m = berth_xasprintf("%s: %s", p, (*err)->msg);
	free(p);
	free((*err)->msg);
	(*err)->msg = m;
	return -(*err)->code;
}

int berth_error_code(const struct berth_error *err)
{
	return err ? err->code : 0;
}

const char *berth_error_msg(const struct berth_error *err)
{
	return err ? err->msg : "";
}

void berth_error_free(struct berth_error **err)
{
	if (!err || !*err)
		return;
	free((*err)->msg);
	free(*err);
	*err = NULL;
}

bool berth_error_is_user(int code)
{
	switch (code) {
	case EINVAL:
	case ENOENT:
	case EBADMSG:
	case EXDEV:
	case EEXIST:
	case ENOTSUP:
	case ENOTDIR:
	case EISDIR:
	case EACCES:
	case EPERM:
	case ELOOP:
	case ENAMETOOLONG:
	case E2BIG:
	case EBUSY:
	case ENOEXEC:
	case EPROTO:
		return true;
	default:
		return false;
	}
}
