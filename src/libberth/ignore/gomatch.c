/* SPDX-License-Identifier: Apache-2.0 */
/* Go's path/filepath.Match, which patternmatcher's New uses only for its syntax check. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/sort.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/utf8.h"
#include "ignore/internal.h"

/* Decodes one rune as Go's utf8.DecodeRuneInString; *n is 0 at the end. */
static uint32_t decode(const char *s, size_t len, size_t *n)
{
	uint32_t cp = 0;
	*n = len ? berth_utf8_decode(s, len, &cp) : 0;
	return len ? cp : BERTH_UTF8_REPLACEMENT;
}

static int get_esc(const char **chunk, size_t *clen, uint32_t *ret)
{
	const char *c = *chunk;
	size_t len = *clen, n;
	uint32_t r;

	if (len == 0 || c[0] == '-' || c[0] == ']')
		return -EINVAL;
	if (c[0] == '\\') {
		c++;
		len--;
		if (len == 0)
			return -EINVAL;
	}
	r = decode(c, len, &n);
	if (r == BERTH_UTF8_REPLACEMENT && n == 1)
		return -EINVAL;
	c += n;
	len -= n;
	if (len == 0)
		return -EINVAL;
	*chunk = c;
	*clen = len;
	*ret = r;
	return 0;
}

/* matchChunk: *ret_rest is the offset in s after the chunk, *ret_ok whether it matched. */
static int match_chunk(const char *chunk, size_t clen, const char *s, size_t slen, size_t *ret_rest,
		       bool *ret_ok)
{
	bool failed = false;
	size_t si = 0, n;
	int r;

	*ret_ok = false;
	*ret_rest = 0;
	while (clen > 0) {
		if (!failed && si == slen)
			failed = true;
		switch (chunk[0]) {
		case '[': {
			uint32_t ch = 0, lo, hi;
			bool negated = false, match = false;
			int nrange = 0;
			if (!failed) {
				ch = decode(s + si, slen - si, &n);
				si += n;
			}
			chunk++;
			clen--;
			if (clen > 0 && chunk[0] == '^') {
				negated = true;
				chunk++;
				clen--;
			}
			for (;;) {
				if (clen > 0 && chunk[0] == ']' && nrange > 0) {
					chunk++;
					clen--;
					break;
				}
				r = get_esc(&chunk, &clen, &lo);
				if (r < 0)
					return r;
				hi = lo;
				if (chunk[0] == '-') {
					chunk++;
					clen--;
					r = get_esc(&chunk, &clen, &hi);
					if (r < 0)
						return r;
				}
				if (lo <= ch && ch <= hi)
					match = true;
				nrange++;
			}
			if (match == negated)
				failed = true;
			break;
		}
		case '?':
			if (!failed) {
				if (s[si] == '/')
					failed = true;
				decode(s + si, slen - si, &n);
				si += n;
			}
			chunk++;
			clen--;
			break;
		case '\\':
			chunk++;
			clen--;
			if (clen == 0)
				return -EINVAL;
			/* fallthrough */
		default:
			if (!failed) {
				if (chunk[0] != s[si])
					failed = true;
				si++;
			}
			chunk++;
			clen--;
			break;
		}
	}
	*ret_ok = !failed;
	*ret_rest = failed ? 0 : si;
	return 0;
}

static void scan_chunk(const char **pattern, size_t *plen, bool *star, const char **chunk,
		       size_t *clen)
{
	const char *p = *pattern;
	size_t len = *plen, i;
	bool inrange = false;

	*star = false;
	while (len > 0 && p[0] == '*') {
		p++;
		len--;
		*star = true;
	}
	for (i = 0; i < len; i++) {
		if (p[i] == '\\') {
			if (i + 1 < len)
				i++;
		} else if (p[i] == '[') {
			inrange = true;
		} else if (p[i] == ']') {
			inrange = false;
		} else if (p[i] == '*' && !inrange) {
			break;
		}
	}
	*chunk = p;
	*clen = i;
	*pattern = p + i;
	*plen = len - i;
}

int berth_ignore_go_match(const char *pattern, const char *name)
{
	size_t plen = strlen(pattern), nlen = strlen(name);
	const char *chunk;
	size_t clen, rest;
	bool star, ok;
	int r;

next_chunk:
	while (plen > 0) {
		scan_chunk(&pattern, &plen, &star, &chunk, &clen);
		if (star && clen == 0)
			return memchr(name, '/', nlen) ? 0 : 1;
		r = match_chunk(chunk, clen, name, nlen, &rest, &ok);
		if (ok && (rest == nlen || plen > 0)) {
			name += rest;
			nlen -= rest;
			continue;
		}
		if (r < 0)
			return r;
		if (star) {
			for (size_t i = 0; i < nlen && name[i] != '/'; i++) {
				r = match_chunk(chunk, clen, name + i + 1, nlen - i - 1, &rest,
						&ok);
				if (ok) {
					if (plen == 0 && rest != nlen - i - 1)
						continue;
					name += i + 1 + rest;
					nlen -= i + 1 + rest;
					goto next_chunk;
				}
				if (r < 0)
					return r;
			}
		}
		/* before answering no, check that the rest of the pattern is well formed */
		while (plen > 0) {
			scan_chunk(&pattern, &plen, &star, &chunk, &clen);
			r = match_chunk(chunk, clen, "", 0, &rest, &ok);
			if (r < 0)
				return r;
		}
		return 0;
	}
	return nlen == 0;
}
