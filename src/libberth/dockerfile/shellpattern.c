/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The glob patterns of ${V#pat}, ${V%pat} and ${V/pat/repl}: compiled to
 * tokens that match as BuildKit's RE2 translation does, and the trims and
 * replacements made with them (shell.c's lexer calls them).
 */
#include "dockerfile/shell.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/utf8.h"
#include "dockerfile/shell-internal.h"

enum pat_kind {
	PAT_LIT,
	PAT_ANY,
	PAT_STAR
};

struct pat_tok {
	enum pat_kind kind;
	uint32_t cp;
};

struct pattern {
	struct pat_tok *toks;
	size_t n;
	bool greedy;
};

static void pattern_release(struct pattern *p)
{
	free(p->toks);
	p->toks = NULL;
	p->n = 0;
}

/*
 * BuildKit turns the pattern into an RE2 expression: '*' is ".*" (".*?" when
 * not greedy), '?' is ".", "\*" "\?" "\\" are literals, "\}" and "\/" drop
 * the backslash (it only protected the ${} syntax), any other escape is an
 * error. The tokens here are that expression; match_at() runs it.
 */
static int pattern_compile(const char *pattern, bool greedy, struct pattern *ret,
			   struct berth_error **err)
{
	struct scanner sc;
	struct pattern p = {.greedy = greedy};
	size_t len = strlen(pattern);

	p.toks = berth_xreallocarray(NULL, len + 1, sizeof(*p.toks));
	scanner_init(&sc, pattern, len);
	for (int32_t tok = sc_next(&sc); tok != SC_EOF; tok = sc_next(&sc)) {
		if (tok == '*') {
			p.toks[p.n++] = (struct pat_tok){.kind = PAT_STAR};
			continue;
		}
		if (tok == '?') {
			p.toks[p.n++] = (struct pat_tok){.kind = PAT_ANY};
			continue;
		}
		if (tok == '\\') {
			int32_t c = sc_peek(&sc);
			if (c == '}' || c == '/')
				continue;
			tok = sc_next(&sc);
			if (tok != '*' && tok != '?' && tok != '\\') {
				struct berth_buf b = BERTH_BUF_INIT;
				buf_add_cp(&b, tok);
				berth_error_set(err, EINVAL, "invalid escape '\\%s'", b.buf);
				berth_buf_release(&b);
				pattern_release(&p);
				return -EINVAL;
			}
		}
		p.toks[p.n++] = (struct pat_tok){.kind = PAT_LIT, .cp = (uint32_t)tok};
	}
	*ret = p;
	return 0;
}

struct subject {
	const char *s;
	size_t len;
	uint8_t *failed; /* memo of (token, position) pairs known not to match */
};

/*
 * Backtracking in RE2's leftmost-first preference order (longest first for
 * greedy stars, shortest first otherwise), so the end found is the one Go's
 * regexp reports. "." does not match '\n', as in RE2 without the s flag.
 * Failures are memoised per (token, position) so hostile patterns stay
 * polynomial.
 */
static bool memo_failed(const struct subject *subj, size_t ti, size_t pos)
{
	size_t bit = ti * (subj->len + 1) + pos;
	return subj->failed[bit / 8] & (1u << (bit % 8));
}

static void memo_set(struct subject *subj, size_t ti, size_t pos)
{
	size_t bit = ti * (subj->len + 1) + pos;
	subj->failed[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

static bool match_at(const struct pattern *p, struct subject *subj, size_t ti, size_t pos,
		     size_t *ret_end)
{
	uint32_t cp;
	size_t w;

	if (ti == p->n) {
		*ret_end = pos;
		return true;
	}
	if (memo_failed(subj, ti, pos))
		return false;

	const struct pat_tok *t = &p->toks[ti];
	switch (t->kind) {
	case PAT_LIT:
	case PAT_ANY:
		if (pos >= subj->len)
			break;
		w = berth_utf8_decode(subj->s + pos, subj->len - pos, &cp);
		if (t->kind == PAT_LIT ? cp != t->cp : cp == '\n')
			break;
		if (match_at(p, subj, ti + 1, pos + w, ret_end))
			return true;
		break;
	case PAT_STAR: {
		/*
		 * The star may stop at each code point start from pos up to the
		 * first '\n'. A position where this star is already known to
		 * fail ends the list (it fails from every later position too);
		 * when all fail, every listed position is marked, so each
		 * (token, position) pair is worked on once.
		 */
		size_t n = 0, alloc = 16;
		size_t *starts = berth_xreallocarray(NULL, alloc, sizeof(size_t));
		bool ok = false;
		for (size_t q = pos;;) {
			if (n == alloc) {
				alloc *= 2;
				starts = berth_xreallocarray(starts, alloc, sizeof(size_t));
			}
			starts[n++] = q;
			if (q >= subj->len || subj->s[q] == '\n')
				break;
			q += berth_utf8_decode(subj->s + q, subj->len - q, &cp);
			if (memo_failed(subj, ti, q))
				break;
		}
		if (p->greedy) {
			for (size_t k = n; k-- > 0 && !ok;)
				ok = match_at(p, subj, ti + 1, starts[k], ret_end);
		} else {
			for (size_t k = 0; k < n && !ok; k++)
				ok = match_at(p, subj, ti + 1, starts[k], ret_end);
		}
		if (!ok)
			for (size_t k = 1; k < n; k++)
				memo_set(subj, ti, starts[k]);
		free(starts);
		if (ok)
			return true;
		break;
	}
	}
	memo_set(subj, ti, pos);
	return false;
}

/* The memo for matching p against len bytes, or NULL when it would be unreasonably big. */
static uint8_t *memo_alloc(const struct pattern *p, size_t len)
{
	size_t bits, bytes;
	if (!berth_size_add(len, 1, &bits) || !berth_size_mul(bits, p->n + 1, &bits) ||
	    bits > MAX_MEMO_BITS)
		return NULL;
	bytes = bits / 8 + 1;
	return berth_xcalloc(bytes, 1);
}

static int too_complex(struct berth_error **err)
{
	return berth_error_set(err, E2BIG, "pattern too long for a value this long");
}

/* Finds the leftmost match starting at or after from; false when none. */
static bool pattern_find(const struct pattern *p, struct subject *subj, size_t from,
			 size_t *ret_start, size_t *ret_end)
{
	uint32_t cp;

	for (size_t start = from;;) {
		if (match_at(p, subj, 0, start, ret_end)) {
			*ret_start = start;
			return true;
		}
		if (start >= subj->len)
			return false;
		start += berth_utf8_decode(subj->s + start, subj->len - start, &cp);
	}
}

static char *reverse_string_n(const char *s, size_t len)
{
	uint32_t *cps = berth_xreallocarray(NULL, len + 1, sizeof(uint32_t));
	struct berth_buf b = BERTH_BUF_INIT;
	size_t n = 0;

	for (size_t i = 0; i < len;)
		i += berth_utf8_decode(s + i, len - i, &cps[n++]);
	berth_buf_grow(&b, len);
	while (n > 0)
		buf_add_cp(&b, (int32_t)cps[--n]);
	free(cps);
	return berth_buf_detach(&b, NULL);
}

char *berth_shell_reverse_string(const char *s)
{
	return reverse_string_n(s, strlen(s));
}

char *berth_shell_reverse_pattern(const char *pattern)
{
	size_t len = strlen(pattern), n = 0;
	uint32_t *cps = berth_xreallocarray(NULL, len + 1, sizeof(uint32_t));
	uint32_t *out = berth_xreallocarray(NULL, len + 1, sizeof(uint32_t));
	struct berth_buf b = BERTH_BUF_INIT;

	for (size_t i = 0; i < len;)
		i += berth_utf8_decode(pattern + i, len - i, &cps[n++]);
	for (size_t i = 0; i < n;) {
		size_t o = n - 1 - i;
		if (cps[i] == '\\' && i != n - 1) {
			out[o - 1] = cps[i];
			out[o] = cps[i + 1];
			i += 2;
		} else {
			out[o] = cps[i];
			i++;
		}
	}
	for (size_t i = 0; i < n; i++)
		buf_add_cp(&b, (int32_t)out[i]);
	free(cps);
	free(out);
	return berth_buf_detach(&b, NULL);
}

int berth_shell_pattern_to_regex(const char *pattern, bool greedy, bool anchored, char **ret,
				 struct berth_error **err)
{
	struct pattern p;
	struct berth_buf b = BERTH_BUF_INIT;
	int r;

	r = pattern_compile(pattern, greedy, &p, err);
	if (r < 0)
		return r;
	if (anchored)
		berth_buf_addch(&b, '^');
	for (size_t i = 0; i < p.n; i++) {
		switch (p.toks[i].kind) {
		case PAT_STAR:
			berth_buf_addstr(&b, greedy ? ".*" : ".*?");
			break;
		case PAT_ANY:
			berth_buf_addch(&b, '.');
			break;
		case PAT_LIT:
			if (p.toks[i].cp < 0x80 && strchr("*?\\[]{}.+()|^$", (int)p.toks[i].cp))
				berth_buf_addch(&b, '\\');
			buf_add_cp(&b, (int32_t)p.toks[i].cp);
			break;
		}
	}
	pattern_release(&p);
	*ret = berth_buf_detach(&b, NULL);
	return 0;
}

/* ${V#pat} and ${V##pat}: value without its shortest (longest) matching prefix. */
int shell_trim_prefix(const char *pat, const char *value, size_t value_len, bool greedy,
		      struct berth_buf *out, struct berth_error **err)
{
	struct pattern p;
	size_t start, end = 0;
	int r;

	r = pattern_compile(pat, greedy, &p, err);
	if (r < 0)
		return berth_error_prefix(err, "invalid pattern (%s) in substitution", pat);
	_cleanup_free_ uint8_t *failed = memo_alloc(&p, value_len);
	struct subject subj = {.s = value, .len = value_len, .failed = failed};
	start = match_at(&p, &subj, 0, 0, &end) ? end : 0;
	pattern_release(&p);
	berth_buf_add(out, value + start, value_len - start);
	return 0;
}

/*
 * ${V%pat} and ${V%%pat}: as BuildKit does, reverse the pattern and the
 * value, trim a prefix, reverse back (a regexp cannot search for the
 * shortest rightmost match directly).
 */
int shell_trim_suffix(const char *pat, const char *value, bool greedy, struct berth_buf *out,
		      struct berth_error **err)
{
	_cleanup_free_ char *rpat = berth_shell_reverse_pattern(pat);
	_cleanup_free_ char *rval = berth_shell_reverse_string(value);
	struct berth_buf tmp = BERTH_BUF_INIT;
	int r;

	r = shell_trim_prefix(rpat, rval, strlen(rval), greedy, &tmp, err);
	if (r < 0) {
		berth_buf_release(&tmp);
		return r;
	}
	_cleanup_free_ char *back = reverse_string_n(tmp.buf, tmp.len);
	berth_buf_release(&tmp);
	berth_buf_addstr(out, back);
	return 0;
}

/*
 * Go's Regexp.ReplaceAllString template: "$$" is '$', "$name" / "${name}"
 * is a capture group. BuildKit's expressions have no groups, so "$0" is the
 * whole match and every other valid reference is empty; a '$' not followed
 * by a valid reference is kept.
 */
static void expand_template(struct berth_buf *out, const char *tmpl, const char *m, size_t mlen)
{
	while (*tmpl) {
		const char *d = strchr(tmpl, '$');
		if (!d) {
			berth_buf_addstr(out, tmpl);
			return;
		}
		berth_buf_add(out, tmpl, (size_t)(d - tmpl));
		tmpl = d + 1;
		if (*tmpl == '$') {
			berth_buf_addch(out, '$');
			tmpl++;
			continue;
		}
		const char *q = tmpl;
		bool brace = *q == '{';
		if (brace)
			q++;
		const char *name = q;
		for (;;) {
			uint32_t cp;
			size_t w;
			if (!*q)
				break;
			w = berth_utf8_decode(q, strlen(q), &cp);
			if (!berth_unicode_is_alnum(cp) && cp != '_')
				break;
			q += w;
		}
		size_t nlen = (size_t)(q - name);
		if (nlen == 0 || (brace && *q != '}')) {
			berth_buf_addch(out, '$');
			continue;
		}
		if (brace)
			q++;
		if (nlen == 1 && name[0] == '0')
			berth_buf_add(out, m, mlen);
		tmpl = q;
	}
}

int shell_too_large(struct berth_error **err)
{
	return berth_error_set(err, E2BIG, "expansion is longer than %u bytes", MAX_WORD);
}

int shell_replace(const char *pat, const char *repl, bool all, const char *value, size_t *budget,
		  struct berth_buf *out, struct berth_error **err)
{
	struct pattern p;
	size_t len = strlen(value), last = 0, search = 0, s, e;
	int r;

	r = pattern_compile(pat, true, &p, err);
	if (r < 0)
		return berth_error_prefix(err, "invalid pattern (%s) in substitution", pat);
	_cleanup_free_ uint8_t *failed = memo_alloc(&p, len);
	if (!failed) {
		pattern_release(&p);
		return too_complex(err);
	}
	struct subject subj = {.s = value, .len = len, .failed = failed};
	if (!all) {
		if (pattern_find(&p, &subj, 0, &s, &e)) {
			berth_buf_add(out, value, s);
			berth_buf_addstr(out, repl);
			berth_buf_addstr(out, value + e);
		} else {
			berth_buf_addstr(out, value);
		}
		pattern_release(&p);
		return 0;
	}
	/* Regexp.ReplaceAllString: no replacement for an empty match right after a match. */
	while (search <= len) {
		uint32_t cp;
		size_t w = 0;
		if (!pattern_find(&p, &subj, search, &s, &e))
			break;
		berth_buf_add(out, value + last, s - last);
		if (e > last || s == 0) {
			size_t before = out->len;
			expand_template(out, repl, value + s, e - s);
			if (out->len - before > *budget || out->len > MAX_WORD) {
				pattern_release(&p);
				return shell_too_large(err);
			}
			*budget -= out->len - before;
		}
		last = e;
		if (search < len)
			w = berth_utf8_decode(value + search, len - search, &cp);
		if (search + w > e)
			search += w;
		else if (search + 1 > e)
			search++;
		else
			search = e;
	}
	berth_buf_addstr(out, value + last);
	pattern_release(&p);
	return 0;
}
