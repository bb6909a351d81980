/* SPDX-License-Identifier: Apache-2.0 */
/*
 * .dockerignore files come with the build context. Input: the file, then
 * after a NUL byte the paths to match, one per line.
 */
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/strv.h"
#include "ignore/ignore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 8192)
		return 0;
	const char *s = (const char *)data;
	const char *nul = memchr(s, '\0', size);
	size_t flen = nul ? (size_t)(nul - s) : size;
	_cleanup_strv_free_ char **patterns = NULL;
	_cleanup_(berth_ignore_freep) struct berth_ignore *m = NULL;
	struct berth_error *err = NULL;

	if (berth_ignore_parse(s, flen, &patterns, &err) < 0 ||
	    berth_ignore_new(patterns, &m, &err) < 0) {
		berth_error_free(&err);
		return 0;
	}
	if (!nul)
		return 0;
	for (const char *p = nul + 1, *end = s + size; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		_cleanup_free_ char *path = berth_xstrndup(p, n);
		p += n + 1;

		int a = berth_ignore_matches(m, path, &err);
		berth_error_free(&err);
		int b = berth_ignore_matches_in_walk(m, path, NULL, NULL, &err);
		berth_error_free(&err);
		/* MatchesUsingParentResults without parent results is MatchesOrParentMatches */
		if (a != b)
			__builtin_trap();
		if (a == 1)
			(void)berth_ignore_must_descend(m, path);
		(void)berth_ignore_matches_legacy(patterns, path, &err);
		berth_error_free(&err);
	}
	return 0;
}
