/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Value syntaxes compose files borrow from Go and the shell: durations as
 * Go's time.ParseDuration reads them and time.Duration.String writes them,
 * and command strings split into words as compose-go's shellwords does.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "compose/compose-internal.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/env.h"
#include "core/fs.h"
#include "core/strv.h"
#include "core/units.h"

void berth_compose_warn(char ***warnings, const char *fmt, ...)
{
	if (!warnings)
		return;
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	berth_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	berth_strv_consume(warnings, berth_buf_detach(&b, NULL));
}

/* One Go duration syntax for run's flags and compose files: core/units. */
int berth_compose_parse_duration(const char *s, int64_t *ret)
{
	return berth_parse_duration(s, ret, NULL);
}

void berth_compose_format_duration(int64_t ns, struct berth_buf *out)
{
	char buf[40];
	berth_buf_addstr(out, berth_format_duration(ns, buf, sizeof(buf)));
}

int berth_compose_shell_split(const char *s, char ***ret)
{
	_cleanup_strv_free_ char **words = NULL;
	_cleanup_buf_ struct berth_buf w = BERTH_BUF_INIT;
	bool in_word = false;
	char quote = 0;
	for (const char *p = s; *p; p++) {
		if (quote == '\'') {
			if (*p == '\'')
				quote = 0;
			else
				berth_buf_addch(&w, *p);
		} else if (quote == '"') {
			if (*p == '"')
				quote = 0;
			else if (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == '$'))
				berth_buf_addch(&w, *++p);
			else
				berth_buf_addch(&w, *p);
		} else if (*p == ' ' || *p == '\t' || *p == '\n') {
			if (in_word)
				berth_strv_consume(&words, berth_buf_detach(&w, NULL));
			in_word = false;
		} else {
			in_word = true;
			if (*p == '\'' || *p == '"')
				quote = *p;
			else if (*p == '\\' && p[1])
				berth_buf_addch(&w, *++p);
			else
				berth_buf_addch(&w, *p);
		}
	}
	if (quote)
		return -EINVAL;
	if (in_word)
		berth_strv_consume(&words, berth_buf_detach(&w, NULL));
	if (!words)
		words = berth_xcalloc(1, sizeof(char *));
	*ret = TAKE_PTR(words);
	return 0;
}

/* The value after '=': quoted ('...' literal, "..." with \n \t \\ \" escapes) or bare. */
static int env_value(const char *p, const char *end, struct berth_buf *out)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p < end && (*p == '\'' || *p == '"')) {
		char q = *p++;
		for (; p < end && *p != q; p++) {
			if (q == '"' && *p == '\\' && p + 1 < end) {
				p++;
				berth_buf_addch(out, *p == 'n' ? '\n' : *p == 't' ? '\t' : *p);
			} else {
				berth_buf_addch(out, *p);
			}
		}
		return p < end ? 0 : -EINVAL;
	}
	/* a bare value ends at " #" (a comment) and loses trailing blanks */
	const char *stop = end;
	for (const char *c = p; c < end; c++)
		if (*c == '#' && c > p && (c[-1] == ' ' || c[-1] == '\t')) {
			stop = c;
			break;
		}
	while (stop > p && (stop[-1] == ' ' || stop[-1] == '\t' || stop[-1] == '\r'))
		stop--;
	berth_buf_add(out, p, (size_t)(stop - p));
	return 0;
}

int berth_compose_parse_env(const char *data, size_t len, const char *file, char ***ret,
			    struct berth_error **err)
{
	_cleanup_strv_free_ char **out = berth_xcalloc(1, sizeof(char *));
	const char *end = data + len;
	int line = 0;
	for (const char *p = data; p < end;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		line++;
		const char *s = p;
		p = eol + 1;
		while (s < eol && (*s == ' ' || *s == '\t'))
			s++;
		if (s == eol || *s == '#' || (eol - s == 1 && *s == '\r'))
			continue;
		if (eol - s > 7 && strncmp(s, "export ", 7) == 0)
			s += 7;
		const char *k = s;
		while (s < eol && *s != '=' && *s != ' ' && *s != '\t' && *s != '\r')
			s++;
		if (s == k || memchr(k, 0, (size_t)(s - k)))
			return berth_error_set(err, EINVAL, "%s:%d: a line must be KEY=VALUE", file,
					       line);
		_cleanup_buf_ struct berth_buf kv = BERTH_BUF_INIT;
		berth_buf_add(&kv, k, (size_t)(s - k));
		while (s < eol && (*s == ' ' || *s == '\t' || *s == '\r'))
			s++;
		if (s < eol && *s == '=') {
			berth_buf_addch(&kv, '=');
			if (env_value(s + 1, eol, &kv) < 0)
				return berth_error_set(err, EINVAL, "%s:%d: unterminated quote",
						       file, line);
		} else if (s < eol) {
			return berth_error_set(err, EINVAL, "%s:%d: a line must be KEY=VALUE", file,
					       line);
		}
		if (strlen(kv.buf) != kv.len)
			return berth_error_set(err, EINVAL, "%s:%d: NUL byte", file, line);
		berth_env_set(&out, kv.buf);
	}
	*ret = TAKE_PTR(out);
	return 0;
}

int berth_compose_read_env_file(const char *path, char ***ret, struct berth_error **err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = berth_read_file_at(AT_FDCWD, path, 4 * 1024 * 1024, &data, &len, err);
	if (r < 0)
		return r == -ENOENT ? berth_error_set(err, ENOENT, "env file '%s' not found", path)
				    : berth_error_prefix(err, "env file '%s'", path);
	return berth_compose_parse_env(data, len, path, ret, err);
}
