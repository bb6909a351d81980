/* SPDX-License-Identifier: Apache-2.0 */
#include "core/sort.h"
#include "core/strv.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

void berth_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

size_t berth_strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

bool berth_strv_pop(char **v)
{
	size_t n = berth_strv_len(v);
	if (n == 0)
		return false;
	free(v[n - 1]);
	v[n - 1] = NULL;
	return true;
}

void berth_strv_consume(char ***v, char *s)
{
	size_t n = berth_strv_len(*v);
	*v = berth_xreallocarray(*v, n + 2, sizeof(char *));
	(*v)[n] = s;
	(*v)[n + 1] = NULL;
}

void berth_strv_push(char ***v, const char *s)
{
	berth_strv_consume(v, berth_xstrdup(s));
}

char **berth_strv_copy(char *const *v)
{
	size_t n = berth_strv_len(v);
	char **c = berth_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		c[i] = berth_xstrdup(v[i]);
	return c;
}

bool berth_strv_contains(char *const *v, const char *s)
{
	BERTH_STRV_FOREACH (p, v)
		if (strcmp(*p, s) == 0)
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void berth_strv_sort(char **v)
{
	berth_qsort(v, berth_strv_len(v), sizeof(char *), cmp_str);
}
