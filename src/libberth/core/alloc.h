/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Allocation that never returns NULL: berth treats running out of memory as
 * fatal (as git does), so callers do not carry an error path for it.
 * Size arithmetic that could overflow goes through berth_size_mul/add.
 */

#include <stdbool.h>
#include <stddef.h>

_Noreturn void berth_oom(void);
void *berth_xmalloc(size_t n);
void *berth_xcalloc(size_t nmemb, size_t size);
void *berth_xrealloc(void *p, size_t n);
void *berth_xreallocarray(void *p, size_t nmemb, size_t size);
char *berth_xstrdup(const char *s);
char *berth_xstrndup(const char *s, size_t n);
void *berth_xmemdup(const void *p, size_t n);
char *berth_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Overflow-checked arithmetic: false on overflow, *ret untouched then. */
static inline bool berth_size_mul(size_t a, size_t b, size_t *ret)
{
	size_t r;
	if (__builtin_mul_overflow(a, b, &r))
		return false;
	*ret = r;
	return true;
}
static inline bool berth_size_add(size_t a, size_t b, size_t *ret)
{
	size_t r;
	if (__builtin_add_overflow(a, b, &r))
		return false;
	*ret = r;
	return true;
}
