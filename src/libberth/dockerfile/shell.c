/* SPDX-License-Identifier: Apache-2.0 */
#include "dockerfile/shell.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/strv.h"
#include "core/utf8.h"

#define SC_EOF (-1)

/*
 * ${V//pat/repl} can multiply the length of a word, and nested ones
 * multiply again. BuildKit has no bound; berth refuses a word longer than
 * MAX_WORD and stops after MAX_REPLACE bytes produced by replacements in
 * one expansion, so a hostile Dockerfile cannot exhaust memory or time.
 */
#define MAX_WORD    (1u << 20)
#define MAX_REPLACE (8u << 20)
/* The failure memo of one pattern match: (tokens + 1) x (value length + 1) bits. */
#define MAX_MEMO_BITS (256u << 20)

/*
 * A code-point reader with Go text/scanner's behaviour where it shows in
 * results: a leading byte-order mark is skipped and an invalid byte reads
 * as U+FFFD.
 */
struct scanner {
	const char *s;
	size_t len;
	size_t pos;
};

static void scanner_init(struct scanner *sc, const char *s, size_t len)
{
	sc->s = s;
	sc->len = len;
	sc->pos = 0;
	if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		sc->pos = 3;
}

static int32_t sc_peek(const struct scanner *sc)
{
	uint32_t cp;
	if (sc->pos >= sc->len)
		return SC_EOF;
	berth_utf8_decode(sc->s + sc->pos, sc->len - sc->pos, &cp);
	return (int32_t)cp;
}

static int32_t sc_next(struct scanner *sc)
{
	uint32_t cp;
	if (sc->pos >= sc->len)
		return SC_EOF;
	sc->pos += berth_utf8_decode(sc->s + sc->pos, sc->len - sc->pos, &cp);
	return (int32_t)cp;
}

static void buf_add_cp(struct berth_buf *b, int32_t cp)
{
	char tmp[4];
	/* Go's string(rune(-1)) is U+FFFD; only error messages see it. */
	size_t n = berth_utf8_encode(cp < 0 ? BERTH_UTF8_REPLACEMENT : (uint32_t)cp, tmp);
	berth_buf_add(b, tmp, n);
}

/* ---- glob patterns of ${V#pat}, ${V%pat}, ${V/pat/repl} ---- */

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
static int trim_prefix(const char *pat, const char *value, size_t value_len, bool greedy,
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
static int trim_suffix(const char *pat, const char *value, bool greedy, struct berth_buf *out,
		       struct berth_error **err)
{
	_cleanup_free_ char *rpat = berth_shell_reverse_pattern(pat);
	_cleanup_free_ char *rval = berth_shell_reverse_string(value);
	struct berth_buf tmp = BERTH_BUF_INIT;
	int r;

	r = trim_prefix(rpat, rval, strlen(rval), greedy, &tmp, err);
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

static int too_large(struct berth_error **err)
{
	return berth_error_set(err, E2BIG, "expansion is longer than %u bytes", MAX_WORD);
}

static int replace(const char *pat, const char *repl, bool all, const char *value, size_t *budget,
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
				return too_large(err);
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

/* ---- the lexer ---- */

struct lexer {
	struct scanner sc;
	int32_t escape;
	unsigned flags;
	bool raw_escapes;
	char *const *env;
	char **matched;
	char **unmatched;
	size_t budget; /* bytes replacements may still produce */
};

/* Word splitting as BuildKit's wordsStruct: unquoted whitespace separates words. */
struct words {
	struct berth_buf buf;
	char **v;
	size_t n, alloc;
	bool in_word;
};

static void words_push(struct words *w)
{
	if (w->n + 1 >= w->alloc) {
		w->alloc = w->alloc ? w->alloc * 2 : 8;
		w->v = berth_xreallocarray(w->v, w->alloc, sizeof(char *));
	}
	w->v[w->n++] = berth_buf_detach(&w->buf, NULL);
	w->v[w->n] = NULL;
}

static void words_add_raw_char(struct words *w, int32_t cp)
{
	if (!w)
		return;
	buf_add_cp(&w->buf, cp);
	w->in_word = true;
}

static void words_add_char(struct words *w, int32_t cp)
{
	if (!w)
		return;
	if (berth_unicode_is_space((uint32_t)cp)) {
		if (w->in_word && w->buf.len != 0) {
			words_push(w);
			w->in_word = false;
		}
		return;
	}
	words_add_raw_char(w, cp);
}

static void words_add_string(struct words *w, const char *s, size_t len)
{
	uint32_t cp;
	if (!w)
		return;
	for (size_t i = 0; i < len;) {
		i += berth_utf8_decode(s + i, len - i, &cp);
		words_add_char(w, (int32_t)cp);
	}
}

static void words_add_raw_string(struct words *w, const char *s, size_t len)
{
	if (!w)
		return;
	berth_buf_add(&w->buf, s, len);
	w->in_word = true;
}

static void words_finish(struct words *w)
{
	if (w->buf.len > 0)
		words_push(w);
	berth_buf_release(&w->buf);
	w->in_word = false;
}

static bool env_lookup(struct lexer *lx, const char *name, const char **ret_value)
{
	if (berth_shell_getenv(lx->env, name, ret_value)) {
		if (!berth_strv_contains(lx->matched, name))
			berth_strv_push(&lx->matched, name);
		return true;
	}
	if (!berth_strv_contains(lx->unmatched, name))
		berth_strv_push(&lx->unmatched, name);
	*ret_value = "";
	return false;
}

static bool is_special_param(int32_t c)
{
	return c == '@' || c == '*' || c == '#' || c == '?' || c == '-' || c == '$' || c == '!' ||
	       c == '0';
}

/* A name: letters, digits and '_'; or a run of digits; or one special parameter. */
static void process_name(struct lexer *lx, struct berth_buf *name)
{
	int32_t c;
	while ((c = sc_peek(&lx->sc)) != SC_EOF) {
		if (name->len == 0 && berth_unicode_is_ascii_digit((uint32_t)c)) {
			while ((c = sc_peek(&lx->sc)) != SC_EOF &&
			       berth_unicode_is_ascii_digit((uint32_t)c))
				buf_add_cp(name, sc_next(&lx->sc));
			return;
		}
		if (name->len == 0 && is_special_param(c)) {
			buf_add_cp(name, sc_next(&lx->sc));
			return;
		}
		if (!berth_unicode_is_alnum((uint32_t)c) && c != '_')
			return;
		buf_add_cp(name, sc_next(&lx->sc));
	}
}

static int process_stop_on(struct lexer *lx, int32_t stop, bool raw_escapes,
			   struct berth_buf *result, struct words *w, struct berth_error **err);

static int missing_brace(struct berth_error **err)
{
	return berth_error_set(err, EINVAL, "syntax error: missing '}'");
}

static int process_modifier(struct lexer *lx, const char *name, int32_t op, bool null_is_unset,
			    const char *chs, struct berth_buf *out, struct berth_error **err)
{
	_cleanup_buf_ struct berth_buf word = BERTH_BUF_INIT;
	bool raw = op == '#' || op == '%';
	const char *value;
	bool set;
	int r;

	if (null_is_unset && raw)
		return berth_error_set(err, EINVAL, "unsupported modifier (%s) in substitution",
				       chs);
	r = process_stop_on(lx, '}', raw, &word, NULL, err);
	if (r < 0) {
		if (sc_peek(&lx->sc) == SC_EOF)
			return missing_brace(err);
		return r;
	}
	set = env_lookup(lx, name, &value);
	if ((lx->flags & BERTH_SHELL_SKIP_UNSET_ENV) && !set) {
		berth_buf_addf(out, "${%s%s%s}", name, chs, word.buf);
		return 0;
	}
	switch (op) {
	case '-':
		berth_buf_addstr(out, !set || (null_is_unset && !*value) ? word.buf : value);
		return 0;
	case '+':
		if (set && !(null_is_unset && !*value))
			berth_buf_addstr(out, word.buf);
		return 0;
	case '?':
		if (!set)
			return berth_error_set(err, EINVAL, "%s: %s", name,
					       word.len ? word.buf : "is not allowed to be unset");
		if (null_is_unset && !*value)
			return berth_error_set(err, EINVAL, "%s: %s", name,
					       word.len ? word.buf : "is not allowed to be empty");
		berth_buf_addstr(out, value);
		return 0;
	case '%':
	case '#': {
		const char *pat = word.buf;
		bool greedy = false;
		if (pat[0] == (char)op) {
			greedy = true;
			pat++;
		}
		if (op == '%')
			return trim_suffix(pat, value, greedy, out, err);
		return trim_prefix(pat, value, strlen(value), greedy, out, err);
	}
	}
	return berth_error_set(err, EINVAL, "unsupported modifier (%s) in substitution", chs);
}

static int process_replace(struct lexer *lx, const char *name, struct berth_buf *out,
			   struct berth_error **err)
{
	_cleanup_buf_ struct berth_buf pat = BERTH_BUF_INIT;
	_cleanup_buf_ struct berth_buf repl = BERTH_BUF_INIT;
	bool all = sc_peek(&lx->sc) == '/';
	const char *value;
	bool set;
	int r;

	if (all)
		sc_next(&lx->sc);
	r = process_stop_on(lx, '/', true, &pat, NULL, err);
	if (r < 0) {
		if (sc_peek(&lx->sc) == SC_EOF)
			return berth_error_set(err, EINVAL, "syntax error: missing '/' in ${}");
		return r;
	}
	r = process_stop_on(lx, '}', true, &repl, NULL, err);
	if (r < 0) {
		if (sc_peek(&lx->sc) == SC_EOF)
			return missing_brace(err);
		return r;
	}
	set = env_lookup(lx, name, &value);
	if ((lx->flags & BERTH_SHELL_SKIP_UNSET_ENV) && !set) {
		berth_buf_addf(out, "${%s/%s/%s}", name, pat.buf, repl.buf);
		return 0;
	}
	return replace(pat.buf, repl.buf, all, value, &lx->budget, out, err);
}

static int process_dollar(struct lexer *lx, struct berth_buf *out, struct berth_error **err)
{
	_cleanup_buf_ struct berth_buf name = BERTH_BUF_INIT;
	_cleanup_buf_ struct berth_buf chs = BERTH_BUF_INIT;
	const char *value;
	bool set;
	int32_t c;

	sc_next(&lx->sc);
	if (sc_peek(&lx->sc) != '{') {
		process_name(lx, &name);
		if (name.len == 0) {
			berth_buf_addch(out, '$');
			return 0;
		}
		set = env_lookup(lx, name.buf, &value);
		if (!set && (lx->flags & BERTH_SHELL_SKIP_UNSET_ENV))
			berth_buf_addf(out, "$%s", name.buf);
		else
			berth_buf_addstr(out, value);
		return 0;
	}

	sc_next(&lx->sc);
	c = sc_peek(&lx->sc);
	if (c == SC_EOF)
		return missing_brace(err);
	if (c == '{' || c == '}' || c == ':')
		return berth_error_set(err, EINVAL, "syntax error: bad substitution");
	process_name(lx, &name);
	c = sc_next(&lx->sc);
	buf_add_cp(&chs, c);
	switch (c) {
	case '}':
		set = env_lookup(lx, name.buf, &value);
		if (!set && (lx->flags & BERTH_SHELL_SKIP_UNSET_ENV))
			berth_buf_addf(out, "${%s}", name.buf);
		else
			berth_buf_addstr(out, value);
		return 0;
	case ':':
		c = sc_next(&lx->sc);
		buf_add_cp(&chs, c);
		return process_modifier(lx, name.buf, c, true, chs.buf, out, err);
	case '+':
	case '-':
	case '?':
	case '#':
	case '%':
		return process_modifier(lx, name.buf, c, false, chs.buf, out, err);
	case '/':
		return process_replace(lx, name.buf, out, err);
	}
	return berth_error_set(err, EINVAL, "unsupported modifier (%s) in substitution", chs.buf);
}

/* Everything between single quotes is literal; a single quote cannot be escaped. */
static int process_single_quote(struct lexer *lx, struct berth_buf *out, struct berth_error **err)
{
	int32_t c = sc_next(&lx->sc);
	if (lx->flags & BERTH_SHELL_RAW_QUOTES)
		buf_add_cp(out, c);
	for (;;) {
		c = sc_next(&lx->sc);
		if (c == SC_EOF)
			return berth_error_set(err, EINVAL,
					       "unexpected end of statement while looking for "
					       "matching single-quote");
		if (c == '\'') {
			if (lx->flags & BERTH_SHELL_RAW_QUOTES)
				buf_add_cp(out, c);
			return 0;
		}
		buf_add_cp(out, c);
	}
}

/*
 * Inside double quotes '$' expands and the escape character escapes only
 * '"', '$' and itself; before anything else it stays literal.
 */
static int process_double_quote(struct lexer *lx, struct berth_buf *out, struct berth_error **err)
{
	int32_t c = sc_next(&lx->sc);
	int r;

	if (lx->flags & BERTH_SHELL_RAW_QUOTES)
		buf_add_cp(out, c);
	for (;;) {
		c = sc_peek(&lx->sc);
		if (c == SC_EOF)
			return berth_error_set(err, EINVAL,
					       "unexpected end of statement while looking for "
					       "matching double-quote");
		if (c == '"') {
			sc_next(&lx->sc);
			if (lx->flags & BERTH_SHELL_RAW_QUOTES)
				buf_add_cp(out, c);
			return 0;
		}
		if (c == '$') {
			r = process_dollar(lx, out, err);
			if (r < 0)
				return r;
			continue;
		}
		c = sc_next(&lx->sc);
		if (c == lx->escape) {
			int32_t n;
			if (lx->raw_escapes)
				buf_add_cp(out, c);
			n = sc_peek(&lx->sc);
			if (n == SC_EOF)
				continue;
			if (n == '"' || n == '$' || n == lx->escape)
				c = sc_next(&lx->sc);
		}
		buf_add_cp(out, c);
	}
}

/* "<<" and the blanks after it stay together so a heredoc marker is one word. */
static void process_possible_heredoc(struct lexer *lx, struct berth_buf *out)
{
	int32_t c;
	sc_next(&lx->sc);
	if (sc_peek(&lx->sc) != '<') {
		berth_buf_addch(out, '<');
		return;
	}
	sc_next(&lx->sc);
	berth_buf_addstr(out, "<<");
	while ((c = sc_peek(&lx->sc)) == '\t' || c == '\r' || c == ' ')
		buf_add_cp(out, sc_next(&lx->sc));
}

static int process_stop_on(struct lexer *lx, int32_t stop, bool raw_escapes,
			   struct berth_buf *result, struct words *w, struct berth_error **err)
{
	bool saved_raw = lx->raw_escapes;
	bool quotes = !(lx->flags & BERTH_SHELL_SKIP_PROCESS_QUOTES);
	int32_t c;
	int r = 0;

	lx->raw_escapes = raw_escapes;
	while ((c = sc_peek(&lx->sc)) != SC_EOF) {
		if (stop != SC_EOF && c == stop) {
			sc_next(&lx->sc);
			goto out;
		}
		if (c == '$' || c == '<' || (quotes && (c == '\'' || c == '"'))) {
			_cleanup_buf_ struct berth_buf tmp = BERTH_BUF_INIT;
			if (c == '$')
				r = process_dollar(lx, &tmp, err);
			else if (c == '<')
				process_possible_heredoc(lx, &tmp);
			else if (c == '\'')
				r = process_single_quote(lx, &tmp, err);
			else
				r = process_double_quote(lx, &tmp, err);
			if (r < 0)
				goto out;
			if (result->len + tmp.len > MAX_WORD) {
				r = too_large(err);
				goto out;
			}
			berth_buf_add(result, tmp.buf, tmp.len);
			if (c == '$')
				words_add_string(w, tmp.buf, tmp.len);
			else
				words_add_raw_string(w, tmp.buf, tmp.len);
			continue;
		}
		c = sc_next(&lx->sc);
		if (c == lx->escape) {
			if (lx->raw_escapes) {
				words_add_raw_char(w, c);
				buf_add_cp(result, c);
			}
			/* the escape character escapes the next one, except at the end */
			c = sc_next(&lx->sc);
			if (c == SC_EOF)
				break;
			words_add_raw_char(w, c);
		} else {
			words_add_char(w, c);
		}
		buf_add_cp(result, c);
	}
	if (stop != SC_EOF) {
		struct berth_buf s = BERTH_BUF_INIT;
		buf_add_cp(&s, stop);
		r = berth_error_set(err, EINVAL,
				    "unexpected end of statement while looking for matching %s",
				    s.buf);
		berth_buf_release(&s);
	}
out:
	lx->raw_escapes = saved_raw;
	return r;
}

bool berth_shell_getenv(char *const *env, const char *name, const char **ret_value)
{
	const char *found = NULL;
	size_t n = strlen(name);

	BERTH_STRV_FOREACH (e, env) {
		const char *eq = strchr(*e, '=');
		size_t klen = eq ? (size_t)(eq - *e) : strlen(*e);
		if (klen == n && memcmp(*e, name, n) == 0)
			found = eq ? eq + 1 : "";
	}
	if (!found)
		return false;
	if (ret_value)
		*ret_value = found;
	return true;
}

void berth_shell_result_release(struct berth_shell_result *r)
{
	free(r->word);
	berth_strv_free(r->words);
	berth_strv_free(r->matched);
	berth_strv_free(r->unmatched);
	*r = (struct berth_shell_result){0};
}

static void quote_source(struct berth_buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\'' || c == '\\')
			berth_buf_addf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			berth_buf_addf(b, "\\x%02x", c);
		else
			berth_buf_addch(b, (char)c);
	}
}

int berth_shell_process(const char *word, char *const *env, char escape, unsigned flags,
			struct berth_shell_result *ret, struct berth_error **err)
{
	struct lexer lx = {
		.escape = (unsigned char)escape,
		.flags = flags,
		.raw_escapes = flags & BERTH_SHELL_RAW_ESCAPES,
		.env = env,
		.budget = MAX_REPLACE,
	};
	struct words w = {.buf = BERTH_BUF_INIT};
	struct berth_buf result = BERTH_BUF_INIT;
	int r;

	scanner_init(&lx.sc, word, strlen(word));
	r = process_stop_on(&lx, SC_EOF, lx.raw_escapes, &result, &w, err);
	words_finish(&w);
	if (r < 0) {
		_cleanup_buf_ struct berth_buf q = BERTH_BUF_INIT;
		quote_source(&q, word);
		berth_buf_release(&result);
		berth_strv_free(w.v);
		berth_strv_free(lx.matched);
		berth_strv_free(lx.unmatched);
		return berth_error_prefix(err, "failed to process '%s'", q.buf);
	}
	if (!w.v)
		w.v = berth_xcalloc(1, sizeof(char *));
	if (!lx.matched)
		lx.matched = berth_xcalloc(1, sizeof(char *));
	if (!lx.unmatched)
		lx.unmatched = berth_xcalloc(1, sizeof(char *));
	berth_strv_sort(lx.matched);
	berth_strv_sort(lx.unmatched);
	*ret = (struct berth_shell_result){
		.word = berth_buf_detach(&result, NULL),
		.words = w.v,
		.matched = lx.matched,
		.unmatched = lx.unmatched,
	};
	return 0;
}

int berth_shell_expand_word(const char *word, char *const *env, char escape, char **ret,
			    struct berth_error **err)
{
	struct berth_shell_result res;
	int r = berth_shell_process(word, env, escape, 0, &res, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(res.word);
	berth_shell_result_release(&res);
	return 0;
}

int berth_shell_expand_words(const char *word, char *const *env, char escape, char ***ret,
			     struct berth_error **err)
{
	struct berth_shell_result res;
	int r = berth_shell_process(word, env, escape, 0, &res, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(res.words);
	berth_shell_result_release(&res);
	return 0;
}
