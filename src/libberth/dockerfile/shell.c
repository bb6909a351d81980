/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The lexer of shell words as BuildKit's shell/lex.go: quotes, escapes and
 * $VAR / ${VAR...} expansion against an environment, into one word or a
 * list of words; the glob patterns of its ${V#pat} family are
 * shellpattern.c.
 */
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
#include "dockerfile/shell-internal.h"

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
			return shell_trim_suffix(pat, value, greedy, out, err);
		return shell_trim_prefix(pat, value, strlen(value), greedy, out, err);
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
	return shell_replace(pat.buf, repl.buf, all, value, &lx->budget, out, err);
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
				r = shell_too_large(err);
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
