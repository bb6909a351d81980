/* SPDX-License-Identifier: Apache-2.0 */
#include "ignore/ignore.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/sort.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/utf8.h"
#include "ignore/internal.h"

/*
 * patternmatcher turns each pattern into a Go RE2 expression and lets the
 * regexp package match it. Some pattern characters reach that expression
 * unescaped ('^', '[', ']' and whatever follows a backslash), so what a
 * pattern means in Docker is what RE2 makes of that text. berth builds the
 * same expression text and runs it with the small RE2 subset of regex.c, which
 * covers everything such an expression can contain; the few RE2 features
 * it lacks (\p{..} classes, \C) are reported as bad patterns.
 */

#define BAD_PATTERN "syntax error in pattern"

enum match_type {
	MATCH_EXACT,
	MATCH_PREFIX,
	MATCH_SUFFIX,
	MATCH_REGEXP,
	MATCH_BAD
};

struct pattern {
	char *text; /* cleaned, without the '!' */
	size_t len;
	size_t ndirs; /* components of text */
	bool exception;
	enum match_type type;
	struct rx rx;
	int bad; /* why the expression could not be built, when type is MATCH_BAD */
};

struct berth_ignore {
	struct pattern *p;
	size_t n;
	bool exceptions;
	/* BuildKit's onlyPrefixExcludeExceptions: no exception pattern has wildcards */
	bool plain_exceptions;
};

static bool should_escape(uint32_t c)
{
	return c < 0x80 && strchr(".+()|{}$", (int)c) && c != 0;
}

/*
 * patternmatcher's compile(): the match type, and for MATCH_REGEXP the
 * expression text, built exactly as Docker builds it.
 */
static void pattern_compile(struct pattern *p)
{
	struct berth_buf re = BERTH_BUF_INIT;
	enum match_type type = MATCH_EXACT;
	size_t pos = 0, i = 0;
	const char *s = p->text;
	size_t len = p->len;
	uint32_t ch;
	char tmp[4];

	berth_buf_addch(&re, '^');
	/* Go's scanner skips a leading byte-order mark */
	if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	for (; pos < len; i++) {
		pos += berth_utf8_decode(s + pos, len - pos, &ch);
		if (ch == '*') {
			if (pos < len && s[pos] == '*') {
				pos++;
				if (pos < len && s[pos] == '/')
					pos++;
				if (pos >= len) {
					if (type == MATCH_EXACT) {
						type = MATCH_PREFIX;
					} else {
						berth_buf_addstr(&re, ".*");
						type = MATCH_REGEXP;
					}
				} else {
					berth_buf_addstr(&re, "(.*/)?");
					type = MATCH_REGEXP;
				}
				if (i == 0)
					type = MATCH_SUFFIX;
			} else {
				berth_buf_addstr(&re, "[^/]*");
				type = MATCH_REGEXP;
			}
		} else if (ch == '?') {
			berth_buf_addstr(&re, "[^/]");
			type = MATCH_REGEXP;
		} else if (should_escape(ch)) {
			berth_buf_addch(&re, '\\');
			berth_buf_addch(&re, (char)ch);
		} else if (ch == '\\') {
			if (pos < len) {
				berth_buf_addch(&re, '\\');
				pos += berth_utf8_decode(s + pos, len - pos, &ch);
				berth_buf_add(&re, tmp, berth_utf8_encode(ch, tmp));
				type = MATCH_REGEXP;
			} else {
				berth_buf_addch(&re, '\\');
			}
		} else if (ch == '[' || ch == ']') {
			berth_buf_addch(&re, (char)ch);
			type = MATCH_REGEXP;
		} else {
			berth_buf_add(&re, tmp, berth_utf8_encode(ch, tmp));
		}
	}
	if (type == MATCH_REGEXP) {
		berth_buf_addch(&re, '$');
		int r = berth_ignore_rx_parse(re.buf, re.len, &p->rx);
		if (r < 0) {
			berth_ignore_rx_release(&p->rx);
			p->bad = r;
			type = MATCH_BAD;
		} else {
			berth_ignore_rx_optimise(&p->rx);
		}
	}
	p->type = type;
	berth_buf_release(&re);
}

static int bad_pattern(const struct pattern *p, int r, struct berth_error **err)
{
	if (r == -E2BIG)
		return berth_error_set(
			err, E2BIG, "pattern '%s' is too long to match a path this long", p->text);
	if (p->bad == -ENOTSUP)
		return berth_error_set(err, EINVAL,
				       "%s: '%s' uses a regular expression feature berth does not "
				       "support",
				       BAD_PATTERN, p->text);
	return berth_error_set(err, EINVAL, "%s: '%s'", BAD_PATTERN, p->text);
}

/* Pattern.match(): 1, 0, or -EINVAL when its expression could not be built. */
static int pattern_match(const struct pattern *p, const char *path, size_t len)
{
	switch (p->type) {
	case MATCH_EXACT:
		return len == p->len && memcmp(path, p->text, len) == 0;
	case MATCH_PREFIX:
		return len >= p->len - 2 && memcmp(path, p->text, p->len - 2) == 0;
	case MATCH_SUFFIX: {
		const char *suffix = p->text + 2;
		size_t slen = p->len - 2;
		if (len >= slen && memcmp(path + len - slen, suffix, slen) == 0)
			return 1;
		/* "**\/foo" matches "foo" */
		return slen > 0 && suffix[0] == '/' && len == slen - 1 &&
		       memcmp(path, suffix + 1, len) == 0;
	}
	case MATCH_REGEXP:
		return berth_ignore_rx_match(&p->rx, path, len);
	case MATCH_BAD:
		break;
	}
	return -EINVAL;
}

/* Strips a trailing slash-star-star or slash-star, as fsutil's patternWithoutTrailingGlob. */
static size_t without_trailing_glob(const struct pattern *p)
{
	size_t n = p->len;
	if (n >= 3 && memcmp(p->text + n - 3, "/**", 3) == 0)
		n -= 3;
	if (n >= 2 && memcmp(p->text + n - 2, "/*", 2) == 0)
		n -= 2;
	return n;
}

void berth_ignore_free(struct berth_ignore *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->p[i].text);
		berth_ignore_rx_release(&m->p[i].rx);
	}
	free(m->p);
	free(m);
}

int berth_ignore_new(char *const *patterns, struct berth_ignore **ret, struct berth_error **err)
{
	_cleanup_(berth_ignore_freep) struct berth_ignore *m = berth_xcalloc(1, sizeof(*m));
	size_t n = 0;

	while (patterns && patterns[n])
		n++;
	m->p = berth_xcalloc(n ? n : 1, sizeof(*m->p));
	m->plain_exceptions = true;
	for (size_t k = 0; k < n; k++) {
		size_t len = strlen(patterns[k]);
		const char *t = berth_ignore_trim_space(patterns[k], &len);
		if (len == 0)
			continue;
		_cleanup_free_ char *raw = berth_xstrndup(t, len);
		_cleanup_free_ char *clean = berth_ignore_clean(raw);
		const char *text = clean;
		bool exception = false;
		if (text[0] == '!') {
			if (text[1] == '\0')
				return berth_error_set(err, EINVAL,
						       "illegal exclusion pattern: '!'");
			exception = true;
			text++;
			m->exceptions = true;
		}
		int r = berth_ignore_go_match(text, ".");
		if (r < 0)
			return berth_error_set(err, EINVAL, "%s: '%s'", BAD_PATTERN, text);

		struct pattern *p = &m->p[m->n++];
		p->text = berth_xstrdup(text);
		p->len = strlen(text);
		p->exception = exception;
		p->ndirs = 1;
		for (const char *c = text; *c; c++)
			p->ndirs += *c == '/';
		pattern_compile(p);
		if (exception) {
			size_t plain = without_trailing_glob(p);
			for (size_t i = 0; i < plain; i++)
				if (strchr("*[]?^\\", p->text[i]))
					m->plain_exceptions = false;
		}
	}
	*ret = TAKE_PTR(m);
	return 0;
}

size_t berth_ignore_count(const struct berth_ignore *m)
{
	return m->n;
}

const char *berth_ignore_pattern(const struct berth_ignore *m, size_t i, bool *ret_exception)
{
	if (i >= m->n)
		return NULL;
	if (ret_exception)
		*ret_exception = m->p[i].exception;
	return m->p[i].text;
}

bool berth_ignore_has_exceptions(const struct berth_ignore *m)
{
	return m->exceptions;
}

/* The length of Go's filepath.Dir(path), which is path[0..n) cleaned; ret is owned. */
static char *go_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *head = berth_xstrndup(path, slash ? (size_t)(slash - path + 1) : 0);
	return berth_ignore_clean(head);
}

/*
 * Whether p matches one of the ancestors of a path whose filepath.Dir is
 * parent: "a", "a/b", ... in turn, as strings.Split/Join of parent.
 */
static bool parent_matches(const struct pattern *p, const char *parent)
{
	size_t len = strlen(parent);
	for (size_t i = 0; i <= len; i++) {
		if (i == len || parent[i] == '/') {
			if (pattern_match(p, parent, i) == 1)
				return true;
		}
	}
	return false;
}

int berth_ignore_matches(const struct berth_ignore *m, const char *path, struct berth_error **err)
{
	_cleanup_free_ char *parent = go_dir(path);
	bool matched = false, has_parent = strcmp(parent, ".") != 0;
	size_t len = strlen(path);

	for (size_t i = 0; i < m->n; i++) {
		const struct pattern *p = &m->p[i];
		if (p->exception != matched)
			continue;
		int r = pattern_match(p, path, len);
		if (r < 0)
			return bad_pattern(p, r, err);
		if (!r && has_parent)
			r = parent_matches(p, parent);
		if (r)
			matched = !p->exception;
	}
	return matched;
}

int berth_ignore_matches_in_walk(const struct berth_ignore *m, const char *path,
				 const bool *parent_info, bool *ret_info, struct berth_error **err)
{
	_cleanup_free_ char *parent = NULL;
	bool matched = false;
	size_t len = strlen(path);

	if (ret_info)
		memset(ret_info, 0, m->n * sizeof(bool));
	for (size_t i = 0; i < m->n; i++) {
		const struct pattern *p = &m->p[i];
		int r = parent_info ? parent_info[i] : 0;
		if (!r) {
			if (p->exception != matched)
				continue;
			r = pattern_match(p, path, len);
			if (r < 0)
				return bad_pattern(p, r, err);
			if (!r && !parent_info) {
				if (!parent)
					parent = go_dir(path);
				if (strcmp(parent, ".") != 0)
					r = parent_matches(p, parent);
			}
		}
		if (ret_info)
			ret_info[i] = r;
		if (r)
			matched = !p->exception;
	}
	return matched;
}

bool berth_ignore_must_descend(const struct berth_ignore *m, const char *dir)
{
	size_t dlen = strlen(dir);

	if (!m->plain_exceptions)
		return true;
	if (!m->exceptions)
		return false;
	for (size_t i = 0; i < m->n; i++) {
		const struct pattern *p = &m->p[i];
		if (!p->exception)
			continue;
		/* (pattern + "/") starts with (dir + "/") */
		size_t plen = without_trailing_glob(p);
		if (plen + 1 >= dlen + 1 && memcmp(p->text, dir, dlen) == 0 &&
		    (plen == dlen || p->text[dlen] == '/'))
			return true;
	}
	return false;
}

int berth_ignore_matches_legacy(char *const *patterns, const char *path, struct berth_error **err)
{
	_cleanup_(berth_ignore_freep) struct berth_ignore *m = NULL;
	int r;

	r = berth_ignore_new(patterns, &m, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *file = berth_ignore_clean(path);
	if (strcmp(file, ".") == 0)
		return 0;

	_cleanup_free_ char *parent = go_dir(file);
	size_t nparent = 1, len = strlen(file);
	for (const char *c = parent; *c; c++)
		nparent += *c == '/';
	bool matched = false;
	for (size_t i = 0; i < m->n; i++) {
		const struct pattern *p = &m->p[i];
		if (p->exception != matched)
			continue;
		r = pattern_match(p, file, len);
		if (r < 0)
			return bad_pattern(p, r, err);
		if (!r && strcmp(parent, ".") != 0 && p->ndirs <= nparent) {
			/* only the ancestor with as many components as the pattern */
			size_t cut = 0, seen = 0;
			while (parent[cut] && !(parent[cut] == '/' && ++seen == p->ndirs))
				cut++;
			r = pattern_match(p, parent, cut) == 1;
		}
		if (r)
			matched = !p->exception;
	}
	return matched;
}
