/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A growable byte string (git's strbuf). buf is never NULL and always
 * NUL-terminated, so it can be handed to C string functions; it may also
 * hold binary data (len counts bytes, not up to the first NUL).
 * Lifecycle: BERTH_BUF_INIT or berth_buf_init(); berth_buf_release() frees
 * the contents and re-initialises; berth_buf_detach() hands the string over.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct berth_buf {
	size_t alloc;
	size_t len;
	char *buf;
};

extern char berth_buf_empty[];
#define BERTH_BUF_INIT                                                                             \
	{                                                                                          \
		.alloc = 0, .len = 0, .buf = berth_buf_empty                                       \
	}

void berth_buf_init(struct berth_buf *b, size_t hint);
void berth_buf_release(struct berth_buf *b);
char *berth_buf_detach(struct berth_buf *b, size_t *ret_len);
void berth_buf_grow(struct berth_buf *b, size_t extra);
void berth_buf_setlen(struct berth_buf *b, size_t len);
static inline void berth_buf_reset(struct berth_buf *b)
{
	berth_buf_setlen(b, 0);
}
void berth_buf_add(struct berth_buf *b, const void *data, size_t len);
void berth_buf_addstr(struct berth_buf *b, const char *s);
void berth_buf_addch(struct berth_buf *b, char c);
void berth_buf_addf(struct berth_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void berth_buf_vaddf(struct berth_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
bool berth_buf_ends_with(const struct berth_buf *b, const char *suffix);

static inline void berth_buf_releasep(struct berth_buf *b)
{
	berth_buf_release(b);
}
#define _cleanup_buf_ __attribute__((cleanup(berth_buf_releasep)))
