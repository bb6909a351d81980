/* SPDX-License-Identifier: Apache-2.0 */
#include "core/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void berth_oom(void)
{
	static const char msg[] = "berth: out of memory\n";
	ssize_t r = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)r;
	abort();
}

void *berth_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		berth_oom();
	return p;
}

void *berth_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		berth_oom();
	return p;
}

void *berth_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		berth_oom();
	return q;
}

void *berth_xreallocarray(void *p, size_t nmemb, size_t size)
{
	size_t n;
	if (!berth_size_mul(nmemb, size, &n))
		berth_oom();
	return berth_xrealloc(p, n);
}

char *berth_xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		berth_oom();
	return p;
}

char *berth_xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		berth_oom();
	return p;
}

void *berth_xmemdup(const void *p, size_t n)
{
	void *q = berth_xmalloc(n);
	if (n)
		memcpy(q, p, n);
	return q;
}

char *berth_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		berth_oom();
	va_end(ap);
	return s;
}
