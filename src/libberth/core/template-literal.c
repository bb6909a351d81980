/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Go's literals in templates: quoted and raw strings with Go's escapes,
 * character constants and numbers (decimal, 0x, 0o, 0b, leading-0 octal,
 * underscores, floats). Complex and hex-float constants are refused.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/template-internal.h"
#include "core/utf8.h"

#include "core/banned.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One escape after a backslash at s[*i]; appends its bytes. */
static bool unescape_one(const char *s, size_t end, size_t *i, struct berth_buf *b)
{
	static const char simple[] = "a\ab\bf\fn\nr\rt\tv\v\\\\\"\"''";
	char c = s[*i];
	const char *m = strchr(simple, c);
	if (c && m && (m - simple) % 2 == 0) {
		berth_buf_addch(b, m[1]);
		(*i)++;
		return true;
	}
	int digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : (c >= '0' && c <= '7') ? 3 : 0;
	int base = (c >= '0' && c <= '7') ? 8 : 16;
	uint32_t v = 0;
	size_t j = base == 8 ? *i : *i + 1;
	if (!digits || j + (size_t)digits > end)
		return false;
	for (int k = 0; k < digits; k++) {
		int d = hexval(s[j + (size_t)k]);
		if (d < 0 || d >= base)
			return false;
		v = v * (uint32_t)base + (uint32_t)d;
	}
	*i = j + (size_t)digits;
	if (c == 'x' || base == 8) {
		if (v > 255)
			return false;
		berth_buf_addch(b, (char)v);
		return true;
	}
	char out[4];
	if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000))
		return false;
	berth_buf_add(b, out, berth_utf8_encode(v, out));
	return true;
}

bool tmpl_unquote(const char *s, size_t len, struct berth_buf *b)
{
	if (s[0] == '`') {
		berth_buf_add(b, s + 1, len - 2);
		return true;
	}
	for (size_t i = 1; i + 1 < len;) {
		if (s[i] != '\\') {
			berth_buf_addch(b, s[i++]);
			continue;
		}
		i++;
		if (!unescape_one(s, len - 1, &i, b))
			return false;
	}
	return true;
}

json_t *tmpl_parse_char(const char *s, size_t len)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	uint32_t cp = 0;
	if (len < 3 || !tmpl_unquote(s, len, &b) || b.len == 0)
		return NULL;
	size_t n = berth_utf8_decode(b.buf, b.len, &cp);
	if (b.len == 1)
		cp = (unsigned char)b.buf[0];
	else if (n != b.len)
		return NULL;
	return json_integer(cp);
}

json_t *tmpl_parse_number(const char *s, size_t len)
{
	char num[128];
	size_t n = 0;
	bool is_float = false, is_hex = len > 2 && s[s[0] == '-' || s[0] == '+'] == '0' &&
					(s[(s[0] == '-' || s[0] == '+') + 1] | 0x20) == 'x';
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '_')
			continue;
		if (n + 1 >= sizeof(num) || (s[i] | 0x20) == 'i' || (s[i] | 0x20) == 'p')
			return NULL; /* complex and hex-float constants are not supported */
		is_float |= s[i] == '.' || (!is_hex && (s[i] | 0x20) == 'e');
		num[n++] = s[i];
	}
	num[n] = '\0';
	char *end = NULL;
	if (!is_float) {
		const char *d = num + (num[0] == '-' || num[0] == '+');
		int base = d[0] != '0' || !d[1]	  ? 10
			   : (d[1] | 0x20) == 'x' ? 16
			   : (d[1] | 0x20) == 'b' ? 2
						  : 8;
		const char *digits = base == 10				 ? d
				     : (d[1] | 0x20) == 'o' || base != 8 ? d + 2
									 : d + 1;
		errno = 0;
		unsigned long long v = strtoull(digits, &end, base);
		if (*digits && !*end && errno == 0 && *digits != '-' && *digits != '+' &&
		    v <= (num[0] == '-' ? (unsigned long long)LLONG_MAX + 1
					: (unsigned long long)LLONG_MAX))
			return json_integer(num[0] == '-' ? (json_int_t)(0 - v) : (json_int_t)v);
		if (*digits && !*end && errno == ERANGE && base == 10)
			return json_real(strtod(num, NULL));
		return NULL;
	}
	double d = strtod(num, &end);
	return *end ? NULL : json_real(d);
}
