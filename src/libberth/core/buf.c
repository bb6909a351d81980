/* SPDX-License-Identifier: Apache-2.0 */
#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

char berth_buf_empty[1];

void berth_buf_init(struct berth_buf *b, size_t hint)
{
	b->alloc = 0;
	b->len = 0;
	b->buf = berth_buf_empty;
	if (hint)
		berth_buf_grow(b, hint);
}

void berth_buf_release(struct berth_buf *b)
{
	if (b->alloc)
		free(b->buf);
	berth_buf_init(b, 0);
}

char *berth_buf_detach(struct berth_buf *b, size_t *ret_len)
{
	if (ret_len)
		*ret_len = b->len;
	char *s = b->alloc ? b->buf : berth_xstrdup("");
	berth_buf_init(b, 0);
	return s;
}

void berth_buf_grow(struct berth_buf *b, size_t extra)
{
	size_t need;
	if (!berth_size_add(b->len, extra, &need) || !berth_size_add(need, 1, &need))
		berth_oom();
	if (need <= b->alloc)
		return;
	size_t n = b->alloc ? b->alloc : 64;
	while (n < need) {
		if (!berth_size_mul(n, 2, &n))
			berth_oom();
	}
	if (!b->alloc) {
		b->buf = berth_xmalloc(n);
		b->buf[0] = '\0';
	} else {
		b->buf = berth_xrealloc(b->buf, n);
	}
	b->alloc = n;
}

void berth_buf_setlen(struct berth_buf *b, size_t len)
{
	if (!b->alloc) {
		if (len == 0)
			return;
		berth_buf_grow(b, len);
	}
	if (len >= b->alloc)
		berth_oom();
	b->len = len;
	b->buf[len] = '\0';
}

void berth_buf_add(struct berth_buf *b, const void *data, size_t len)
{
	if (!len)
		return;
	berth_buf_grow(b, len);
	memcpy(b->buf + b->len, data, len);
	berth_buf_setlen(b, b->len + len);
}

void berth_buf_addstr(struct berth_buf *b, const char *s)
{
	berth_buf_add(b, s, strlen(s));
}

void berth_buf_addch(struct berth_buf *b, char c)
{
	berth_buf_add(b, &c, 1);
}

void berth_buf_vaddf(struct berth_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		berth_oom();
	berth_buf_grow(b, (size_t)n);
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	berth_buf_setlen(b, b->len + (size_t)n);
}

void berth_buf_addf(struct berth_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	berth_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

bool berth_buf_ends_with(const struct berth_buf *b, const char *suffix)
{
	size_t n = strlen(suffix);
	return n <= b->len && memcmp(b->buf + b->len - n, suffix, n) == 0;
}
