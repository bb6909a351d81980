/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dockerfile/dockerfile-internal.h"
#include "dockerfile/gostr.h"

#include "core/alloc.h"
#include "core/buf.h"

/*
 * The exec form of an instruction, decoded as Go's json.Unmarshal into a
 * []any decodes it, because the choice between exec and shell form hangs on
 * exactly when that fails: any syntax error (Go's checkValid, nesting deeper
 * than 10000) or a number out of float64 range anywhere means "not JSON", and
 * the line is taken as shell form; valid JSON whose top-level elements are not
 * all strings is an error. Strings decode as Go decodes them: invalid UTF-8
 * and lone surrogates become U+FFFD.
 */

#define JSON_MAX_DEPTH 10000

struct scan {
	const char *s;
	size_t len;
	size_t pos;
};

static bool at_end(const struct scan *sc)
{
	return sc->pos >= sc->len;
}

static void skip_ws(struct scan *sc)
{
	while (!at_end(sc)) {
		char c = sc->s[sc->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		sc->pos++;
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int read_hex4(const char *s, size_t avail, uint32_t *ret)
{
	uint32_t v = 0;

	if (avail < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int h = hexval(s[i]);
		if (h < 0)
			return -1;
		v = (v << 4) | (uint32_t)h;
	}
	*ret = v;
	return 0;
}

/*
 * Scans a string starting at its opening quote; when out is not NULL,
 * appends the decoded bytes. Returns false on a syntax error.
 */
static bool scan_string(struct scan *sc, struct berth_buf *out)
{
	sc->pos++; /* the opening quote */
	while (!at_end(sc)) {
		unsigned char c = (unsigned char)sc->s[sc->pos];
		if (c == '"') {
			sc->pos++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c == '\\') {
			uint32_t r, r2;
			if (sc->pos + 1 >= sc->len)
				return false;
			char e = sc->s[sc->pos + 1];
			sc->pos += 2;
			switch (e) {
			case '"':
			case '\\':
			case '/':
				if (out)
					berth_buf_addch(out, e);
				continue;
			case 'b':
				if (out)
					berth_buf_addch(out, '\b');
				continue;
			case 'f':
				if (out)
					berth_buf_addch(out, '\f');
				continue;
			case 'n':
				if (out)
					berth_buf_addch(out, '\n');
				continue;
			case 'r':
				if (out)
					berth_buf_addch(out, '\r');
				continue;
			case 't':
				if (out)
					berth_buf_addch(out, '\t');
				continue;
			case 'u':
				if (read_hex4(sc->s + sc->pos, sc->len - sc->pos, &r) < 0)
					return false;
				sc->pos += 4;
				if (r >= 0xD800 && r < 0xDC00 && sc->pos + 6 <= sc->len &&
				    sc->s[sc->pos] == '\\' && sc->s[sc->pos + 1] == 'u' &&
				    read_hex4(sc->s + sc->pos + 2, sc->len - sc->pos - 2, &r2) ==
					    0 &&
				    r2 >= 0xDC00 && r2 < 0xE000) {
					/* A surrogate pair. */
					sc->pos += 6;
					r = 0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00);
				} else if (r >= 0xD800 && r < 0xE000)
					r = GO_RUNE_ERROR;
				if (out)
					go_buf_add_rune(out, r);
				continue;
			default:
				return false;
			}
		}
		size_t n;
		uint32_t r = go_decode_rune(sc->s + sc->pos, sc->len - sc->pos, &n);
		if (out) {
			if (r == GO_RUNE_ERROR && n == 1)
				go_buf_add_rune(out, GO_RUNE_ERROR);
			else
				berth_buf_add(out, sc->s + sc->pos, n);
		}
		sc->pos += n;
	}
	return false;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Scans a number; *overflow set when it does not fit a float64 (Go's ParseFloat range error). */
static bool scan_number(struct scan *sc, bool *overflow)
{
	static locale_t c_locale;
	size_t start = sc->pos;

	if (sc->s[sc->pos] == '-')
		sc->pos++;
	if (at_end(sc))
		return false;
	if (sc->s[sc->pos] == '0')
		sc->pos++;
	else if (is_digit(sc->s[sc->pos]) && sc->s[sc->pos] != '0')
		while (!at_end(sc) && is_digit(sc->s[sc->pos]))
			sc->pos++;
	else
		return false;
	if (!at_end(sc) && sc->s[sc->pos] == '.') {
		sc->pos++;
		if (at_end(sc) || !is_digit(sc->s[sc->pos]))
			return false;
		while (!at_end(sc) && is_digit(sc->s[sc->pos]))
			sc->pos++;
	}
	if (!at_end(sc) && (sc->s[sc->pos] == 'e' || sc->s[sc->pos] == 'E')) {
		sc->pos++;
		if (!at_end(sc) && (sc->s[sc->pos] == '+' || sc->s[sc->pos] == '-'))
			sc->pos++;
		if (at_end(sc) || !is_digit(sc->s[sc->pos]))
			return false;
		while (!at_end(sc) && is_digit(sc->s[sc->pos]))
			sc->pos++;
	}

	if (!c_locale)
		c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	_cleanup_free_ char *num = berth_xstrndup(sc->s + start, sc->pos - start);
	double d = c_locale ? strtod_l(num, NULL, c_locale) : strtod(num, NULL);
	if (isinf(d))
		*overflow = true;
	return true;
}

static bool scan_literal(struct scan *sc, const char *lit)
{
	size_t n = strlen(lit);

	if (sc->len - sc->pos < n || memcmp(sc->s + sc->pos, lit, n) != 0)
		return false;
	sc->pos += n;
	return true;
}

/*
 * Validates the whole text as one JSON value with trailing whitespace only,
 * iteratively (the nesting can be 10000 deep). *overflow set as above.
 */
static bool json_valid(const char *s, size_t len, bool *overflow)
{
	struct scan sc = {.s = s, .len = len};
	_cleanup_free_ char *stack = berth_xmalloc(JSON_MAX_DEPTH + 1);
	size_t depth = 0;

	for (;;) {
		/* Expect a value. */
		skip_ws(&sc);
		if (at_end(&sc))
			return false;
		char c = sc.s[sc.pos];
		if (c == '[' || c == '{') {
			if (depth >= JSON_MAX_DEPTH)
				return false;
			stack[depth++] = c;
			sc.pos++;
			skip_ws(&sc);
			if (at_end(&sc))
				return false;
			if ((c == '[' && sc.s[sc.pos] == ']') ||
			    (c == '{' && sc.s[sc.pos] == '}')) {
				sc.pos++;
				depth--;
				goto after_value;
			}
			if (c == '{') {
				if (sc.s[sc.pos] != '"' || !scan_string(&sc, NULL))
					return false;
				skip_ws(&sc);
				if (at_end(&sc) || sc.s[sc.pos] != ':')
					return false;
				sc.pos++;
			}
			continue;
		} else if (c == '"') {
			if (!scan_string(&sc, NULL))
				return false;
		} else if (c == '-' || is_digit(c)) {
			if (!scan_number(&sc, overflow))
				return false;
		} else if (c == 't') {
			if (!scan_literal(&sc, "true"))
				return false;
		} else if (c == 'f') {
			if (!scan_literal(&sc, "false"))
				return false;
		} else if (c == 'n') {
			if (!scan_literal(&sc, "null"))
				return false;
		} else
			return false;

	after_value:
		for (;;) {
			skip_ws(&sc);
			if (depth == 0)
				return at_end(&sc);
			if (at_end(&sc))
				return false;
			c = sc.s[sc.pos];
			char open = stack[depth - 1];
			if ((open == '[' && c == ']') || (open == '{' && c == '}')) {
				sc.pos++;
				depth--;
				continue;
			}
			if (c != ',')
				return false;
			sc.pos++;
			if (open == '{') {
				skip_ws(&sc);
				if (at_end(&sc) || sc.s[sc.pos] != '"' || !scan_string(&sc, NULL))
					return false;
				skip_ws(&sc);
				if (at_end(&sc) || sc.s[sc.pos] != ':')
					return false;
				sc.pos++;
			}
			break;
		}
	}
}

/* Skips one valid value (json_valid() said so) at sc->pos. */
static void skip_value(struct scan *sc)
{
	size_t depth = 0;

	do {
		skip_ws(sc);
		char c = sc->s[sc->pos];
		if (c == '"') {
			scan_string(sc, NULL);
		} else if (c == '[' || c == '{') {
			depth++;
			sc->pos++;
		} else if (c == ']' || c == '}') {
			depth--;
			sc->pos++;
		} else if (c == ',' || c == ':') {
			sc->pos++;
		} else {
			while (!at_end(sc) && !strchr(",:]} \t\r\n", sc->s[sc->pos]))
				sc->pos++;
		}
	} while (depth > 0);
}

int dockerfile_json_args(const char *s, size_t len, char ***ret_args, size_t **ret_lens,
			 size_t *ret_n)
{
	struct scan sc = {.s = s, .len = len};
	bool overflow = false;
	char **args = NULL;
	size_t *lens = NULL, n = 0;
	bool all_strings = true;

	if (len == 0 || s[0] != '[')
		return -ENOMSG;
	if (!json_valid(s, len, &overflow) || overflow)
		return -ENOMSG;

	sc.pos = 1;
	args = berth_xcalloc(1, sizeof(char *));
	for (;;) {
		skip_ws(&sc);
		if (sc.s[sc.pos] == ']')
			break;
		if (sc.s[sc.pos] == ',') {
			sc.pos++;
			skip_ws(&sc);
		}
		if (sc.s[sc.pos] != '"') {
			all_strings = false;
			skip_value(&sc);
			continue;
		}
		struct berth_buf b = BERTH_BUF_INIT;
		scan_string(&sc, &b);
		args = berth_xreallocarray(args, n + 2, sizeof(char *));
		lens = berth_xreallocarray(lens, n + 1, sizeof(size_t));
		lens[n] = b.len;
		args[n] = berth_buf_detach(&b, NULL);
		args[++n] = NULL;
	}
	if (!all_strings) {
		berth_strv_free(args);
		free(lens);
		return -EINVAL;
	}
	*ret_args = args;
	*ret_lens = lens;
	*ret_n = n;
	return 0;
}
