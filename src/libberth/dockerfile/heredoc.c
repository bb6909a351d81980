/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "dockerfile/dockerfile-internal.h"
#include "dockerfile/gostr.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/strv.h"
#include "core/utf8.h"

/*
 * Heredoc markers are found the way BuildKit finds them: the instruction
 * line is split into words by its shell lexer (with quotes and escapes kept,
 * unset variables left as written, and `<<` followed by blanks kept in one
 * word), and each word is matched against `^(\d*)<<(-?)\s*([^<]*)$`. The
 * lexer below is the subset of that shell lexer this needs, with an empty
 * environment; it keeps the lexer's quirks that change which words come
 * out, e.g. a `${x:-…}` expansion dropping the part of the word before it.
 */

struct lex {
	const char *s;
	size_t len;
	size_t pos;
	bool raw_quotes;
	bool raw_escapes;
	/* The words buffer, shared by nested calls as in BuildKit. */
	struct berth_buf wbuf;
};

struct words {
	struct berth_buf *buf;
	struct dockerfile_strvec v;
	bool in_word;
};

#define LEX_EOF (-1)

static int peek(struct lex *lx)
{
	size_t n;

	if (lx->pos >= lx->len)
		return LEX_EOF;
	return (int)go_decode_rune(lx->s + lx->pos, lx->len - lx->pos, &n);
}

/* Consumes one rune; its bytes are s[*start, *start + *n). */
static int next_rune(struct lex *lx, size_t *start, size_t *n)
{
	int r;

	if (lx->pos >= lx->len) {
		*start = lx->pos;
		*n = 0;
		return LEX_EOF;
	}
	r = (int)go_decode_rune(lx->s + lx->pos, lx->len - lx->pos, n);
	*start = lx->pos;
	lx->pos += *n;
	return r;
}

static void words_push(struct words *w)
{
	dockerfile_strvec_push(&w->v, w->buf->buf, w->buf->len);
	berth_buf_reset(w->buf);
	w->in_word = false;
}

static void words_add_raw(struct words *w, const char *s, size_t n)
{
	berth_buf_add(w->buf, s, n);
	w->in_word = true;
}

static void words_add_char(struct words *w, uint32_t r, const char *s, size_t n)
{
	if (go_is_space(r)) {
		if (w->in_word && w->buf->len > 0)
			words_push(w);
	} else
		words_add_raw(w, s, n);
}

static void words_add_string(struct words *w, const char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		uint32_t r = go_decode_rune(s + i, len - i, &n);
		words_add_char(w, r, s + i, n);
		i += n;
	}
}

static char **words_get(struct words *w)
{
	if (w->buf->len > 0)
		words_push(w);
	return dockerfile_strvec_steal(&w->v);
}

static int process_stop_on(struct lex *lx, int stop, bool raw_escapes, struct berth_buf *result,
			   char ***ret_words);

static bool is_special_param(int r)
{
	return r == '@' || r == '*' || r == '#' || r == '?' || r == '-' || r == '$' || r == '!' ||
	       r == '0';
}

static bool is_name_rune(int r)
{
	/* unicode.IsLetter || unicode.IsDigit || '_' */
	return r == '_' || berth_unicode_is_alnum((uint32_t)r);
}

static void process_name(struct lex *lx, struct berth_buf *name)
{
	size_t start, n;

	while (peek(lx) != LEX_EOF) {
		int r = peek(lx);
		if (name->len == 0 && r >= '0' && r <= '9') {
			while (peek(lx) >= '0' && peek(lx) <= '9') {
				next_rune(lx, &start, &n);
				berth_buf_add(name, lx->s + start, n);
			}
			return;
		}
		if (name->len == 0 && is_special_param(r)) {
			next_rune(lx, &start, &n);
			berth_buf_add(name, lx->s + start, n);
			return;
		}
		if (!is_name_rune(r))
			return;
		next_rune(lx, &start, &n);
		berth_buf_add(name, lx->s + start, n);
	}
}

/* $… with an empty environment: every variable is unset and stays as written. */
static int process_dollar(struct lex *lx, struct berth_buf *out)
{
	_cleanup_buf_ struct berth_buf name = BERTH_BUF_INIT;
	_cleanup_buf_ struct berth_buf word = BERTH_BUF_INIT;
	_cleanup_strv_free_ char **ignored = NULL;
	size_t start, n;
	int r;

	next_rune(lx, &start, &n); /* $ */
	if (peek(lx) != '{') {
		process_name(lx, &name);
		berth_buf_addch(out, '$');
		berth_buf_add(out, name.buf, name.len);
		return 0;
	}
	next_rune(lx, &start, &n); /* { */
	r = peek(lx);
	if (r == LEX_EOF || r == '{' || r == '}' || r == ':')
		return -EINVAL;
	process_name(lx, &name);
	r = next_rune(lx, &start, &n);
	size_t mod_start = start, mod_len = n;
	switch (r) {
	case '}':
		berth_buf_addf(out, "${%s}", name.buf);
		return 0;
	case ':':
	case '+':
	case '-':
	case '?':
	case '#':
	case '%': {
		bool null_is_unset = r == ':';
		if (null_is_unset) {
			r = next_rune(lx, &start, &n);
			mod_len += n;
		}
		bool raw = r == '#' || r == '%';
		if (null_is_unset && raw)
			return -EINVAL;
		if (process_stop_on(lx, '}', raw, &word, &ignored) < 0)
			return -EINVAL;
		berth_buf_addf(out, "${%s", name.buf);
		if (r == LEX_EOF)
			berth_buf_add(out, lx->s + mod_start, mod_len);
		else
			berth_buf_add(out, lx->s + mod_start, mod_len);
		berth_buf_add(out, word.buf, word.len);
		berth_buf_addch(out, '}');
		return 0;
	}
	case '/': {
		_cleanup_buf_ struct berth_buf pattern = BERTH_BUF_INIT;
		_cleanup_strv_free_ char **ignored2 = NULL;
		if (peek(lx) == '/')
			next_rune(lx, &start, &n);
		if (process_stop_on(lx, '/', true, &pattern, &ignored) < 0)
			return -EINVAL;
		if (process_stop_on(lx, '}', true, &word, &ignored2) < 0)
			return -EINVAL;
		berth_buf_addf(out, "${%s/", name.buf);
		berth_buf_add(out, pattern.buf, pattern.len);
		berth_buf_addch(out, '/');
		berth_buf_add(out, word.buf, word.len);
		berth_buf_addch(out, '}');
		return 0;
	}
	default:
		return -EINVAL;
	}
}

static int process_single_quote(struct lex *lx, struct berth_buf *out)
{
	size_t start, n;
	int r;

	next_rune(lx, &start, &n);
	if (lx->raw_quotes)
		berth_buf_add(out, lx->s + start, n);
	for (;;) {
		r = next_rune(lx, &start, &n);
		if (r == LEX_EOF)
			return -EINVAL;
		if (r == '\'') {
			if (lx->raw_quotes)
				berth_buf_add(out, lx->s + start, n);
			return 0;
		}
		berth_buf_add(out, lx->s + start, n);
	}
}

static int process_double_quote(struct lex *lx, struct berth_buf *out)
{
	size_t start, n;
	int r;

	next_rune(lx, &start, &n);
	if (lx->raw_quotes)
		berth_buf_add(out, lx->s + start, n);
	for (;;) {
		r = peek(lx);
		if (r == LEX_EOF)
			return -EINVAL;
		if (r == '"') {
			next_rune(lx, &start, &n);
			if (lx->raw_quotes)
				berth_buf_add(out, lx->s + start, n);
			return 0;
		}
		if (r == '$') {
			if (process_dollar(lx, out) < 0)
				return -EINVAL;
			continue;
		}
		r = next_rune(lx, &start, &n);
		if (r == '\\') {
			if (lx->raw_escapes)
				berth_buf_addch(out, '\\');
			int p = peek(lx);
			if (p == LEX_EOF)
				continue;
			if (p == '"' || p == '$' || p == '\\')
				next_rune(lx, &start, &n);
		}
		berth_buf_add(out, lx->s + start, n);
	}
}

static void process_possible_heredoc(struct lex *lx, struct berth_buf *out)
{
	size_t start, n;

	next_rune(lx, &start, &n);
	if (peek(lx) != '<') {
		berth_buf_addch(out, '<');
		return;
	}
	next_rune(lx, &start, &n);
	berth_buf_addstr(out, "<<");
	while (peek(lx) == ' ' || peek(lx) == '\t' || peek(lx) == '\r') {
		next_rune(lx, &start, &n);
		berth_buf_add(out, lx->s + start, n);
	}
}

static int process_stop_on(struct lex *lx, int stop, bool raw_escapes, struct berth_buf *result,
			   char ***ret_words)
{
	struct words w = {.buf = &lx->wbuf};
	bool saved_raw = lx->raw_escapes;
	int r = 0;

	berth_buf_reset(&lx->wbuf);
	lx->raw_escapes = raw_escapes;
	while (peek(lx) != LEX_EOF) {
		int ch = peek(lx);
		size_t start, n;

		if (stop != LEX_EOF && ch == stop) {
			next_rune(lx, &start, &n);
			*ret_words = words_get(&w);
			goto out;
		}
		if (ch == '$' || ch == '<' || ch == '\'' || ch == '"') {
			_cleanup_buf_ struct berth_buf tmp = BERTH_BUF_INIT;
			if (ch == '$')
				r = process_dollar(lx, &tmp);
			else if (ch == '<')
				process_possible_heredoc(lx, &tmp);
			else if (ch == '\'')
				r = process_single_quote(lx, &tmp);
			else
				r = process_double_quote(lx, &tmp);
			if (r < 0)
				goto fail;
			berth_buf_add(result, tmp.buf, tmp.len);
			if (ch == '$')
				words_add_string(&w, tmp.buf, tmp.len);
			else
				words_add_raw(&w, tmp.buf, tmp.len);
			continue;
		}
		ch = next_rune(lx, &start, &n);
		if (ch == '\\') {
			if (lx->raw_escapes) {
				words_add_raw(&w, "\\", 1);
				berth_buf_addch(result, '\\');
			}
			ch = next_rune(lx, &start, &n);
			if (ch == LEX_EOF)
				break;
			words_add_raw(&w, lx->s + start, n);
		} else
			words_add_char(&w, (uint32_t)ch, lx->s + start, n);
		berth_buf_add(result, lx->s + start, n);
	}
	if (stop != LEX_EOF) {
		r = -EINVAL;
		goto fail;
	}
	*ret_words = words_get(&w);
out:
	lx->raw_escapes = saved_raw;
	return 0;
fail:
	berth_strv_free(dockerfile_strvec_steal(&w.v));
	lx->raw_escapes = saved_raw;
	return r;
}

/* ProcessWords of BuildKit's lexer with escape '\\', SkipUnsetEnv and an empty environment. */
static int lex_words(const char *s, size_t len, bool raw_quotes, bool raw_escapes,
		     char ***ret_words)
{
	_cleanup_buf_ struct berth_buf result = BERTH_BUF_INIT;
	struct lex lx = {
		.s = s,
		.len = len,
		.raw_quotes = raw_quotes,
		.raw_escapes = raw_escapes,
		.wbuf = BERTH_BUF_INIT,
	};
	int r;

	r = process_stop_on(&lx, LEX_EOF, raw_escapes, &result, ret_words);
	berth_buf_release(&lx.wbuf);
	return r;
}

static size_t count_quotes(const char *s)
{
	size_t c = 0;

	for (; *s; s++)
		if (*s == '\'' || *s == '"')
			c++;
	return c;
}

static bool is_regex_space(char c)
{
	/* \s of Go's regexp: [\t\n\f\r ] */
	return c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

int dockerfile_parse_heredoc(const char *word, size_t len, struct berth_dockerfile_heredoc *ret,
			     struct berth_error **err)
{
	_cleanup_strv_free_ char **words = NULL;
	_cleanup_strv_free_ char **raw = NULL;
	size_t i = 0, digits;
	unsigned long long fd = 0;
	bool chomp = false, fd_overflow = false;

	while (i < len && word[i] >= '0' && word[i] <= '9') {
		unsigned d = (unsigned)(word[i] - '0');
		if (fd > (ULLONG_MAX - d) / 10)
			fd_overflow = true;
		else
			fd = fd * 10 + d;
		i++;
	}
	digits = i;
	if (len - i < 2 || word[i] != '<' || word[i + 1] != '<')
		return 0;
	i += 2;
	if (i < len && word[i] == '-') {
		chomp = true;
		i++;
	}
	while (i < len && is_regex_space(word[i]))
		i++;
	if (memchr(word + i, '<', len - i))
		return 0;
	if (i == len)
		return 0;
	(void)digits;

	if (lex_words(word + i, len - i, false, false, &words) < 0 ||
	    lex_words(word + i, len - i, true, false, &raw) < 0)
		return berth_error_set(err, EINVAL, "failed to process '%.*s': unterminated quote",
				       (int)(len - i), word + i);
	if (berth_strv_len(words) != 1)
		return 0;
	if (berth_strv_len(raw) != 1)
		return berth_error_set(
			err, EINVAL,
			"internal lexing of heredoc produced inconsistent results: %.*s",
			(int)(len - i), word + i);

	*ret = (struct berth_dockerfile_heredoc){
		.name = berth_xstrdup(words[0]),
		.content = berth_xstrdup(""),
		.fd = fd_overflow || fd > UINT_MAX ? UINT_MAX : (unsigned)fd,
		.expand = count_quotes(words[0]) == count_quotes(raw[0]),
		.chomp = chomp,
	};
	return 1;
}

int dockerfile_heredocs_from_line(const char *line, size_t len,
				  struct berth_dockerfile_heredoc **ret, size_t *ret_n,
				  struct berth_error **err)
{
	_cleanup_strv_free_ char **words = NULL;
	struct berth_dockerfile_heredoc *docs = NULL;
	size_t n = 0;
	int r;

	/* A line the lexer cannot split has no heredocs, as in BuildKit. */
	if (lex_words(line, len, true, true, &words) < 0)
		words = NULL;
	BERTH_STRV_FOREACH (w, words) {
		struct berth_dockerfile_heredoc h;
		r = dockerfile_parse_heredoc(*w, strlen(*w), &h, err);
		if (r < 0) {
			for (size_t i = 0; i < n; i++)
				dockerfile_heredoc_release(&docs[i]);
			free(docs);
			return r;
		}
		if (r == 0)
			continue;
		docs = berth_xreallocarray(docs, n + 1, sizeof(*docs));
		docs[n++] = h;
	}
	*ret = docs;
	*ret_n = n;
	return 0;
}

void dockerfile_heredoc_release(struct berth_dockerfile_heredoc *h)
{
	free(h->name);
	free(h->content);
	*h = (struct berth_dockerfile_heredoc){0};
}

char *berth_dockerfile_heredoc_chomp(const char *content, size_t len, size_t *ret_len)
{
	struct berth_buf b = BERTH_BUF_INIT;
	bool line_start = true;

	for (size_t i = 0; i < len; i++) {
		if (line_start && content[i] == '\t')
			continue;
		line_start = content[i] == '\n';
		berth_buf_addch(&b, content[i]);
	}
	return berth_buf_detach(&b, ret_len);
}
