/* SPDX-License-Identifier: Apache-2.0 */
#include "dockerfile/gostr.h"

#include <string.h>

#include "dockerfile/dockerfile.h"
#include "core/utf8.h"

#include "dockerfile/unicode-tables.h"

uint32_t go_decode_rune(const char *s, size_t len, size_t *ret_size)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char c = p[0];
	uint32_t r;
	size_t n;

	*ret_size = 1;
	if (c < 0x80)
		return c;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		r = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		r = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		r = c & 0x07;
	} else
		return GO_RUNE_ERROR;
	if (len < n)
		return GO_RUNE_ERROR;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return GO_RUNE_ERROR;
		r = (r << 6) | (p[i] & 0x3F);
	}
	/* Overlong forms, surrogates and code points past U+10FFFF are invalid. */
	if ((n == 3 && r < 0x800) || (n == 4 && r < 0x10000) || r > 0x10FFFF ||
	    (r >= 0xD800 && r <= 0xDFFF))
		return GO_RUNE_ERROR;
	*ret_size = n;
	return r;
}

void go_buf_add_rune(struct berth_buf *b, uint32_t r)
{
	char s[4];

	if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
		r = GO_RUNE_ERROR;
	if (r < 0x80) {
		berth_buf_addch(b, (char)r);
	} else if (r < 0x800) {
		s[0] = (char)(0xC0 | (r >> 6));
		s[1] = (char)(0x80 | (r & 0x3F));
		berth_buf_add(b, s, 2);
	} else if (r < 0x10000) {
		s[0] = (char)(0xE0 | (r >> 12));
		s[1] = (char)(0x80 | ((r >> 6) & 0x3F));
		s[2] = (char)(0x80 | (r & 0x3F));
		berth_buf_add(b, s, 3);
	} else {
		s[0] = (char)(0xF0 | (r >> 18));
		s[1] = (char)(0x80 | ((r >> 12) & 0x3F));
		s[2] = (char)(0x80 | ((r >> 6) & 0x3F));
		s[3] = (char)(0x80 | (r & 0x3F));
		berth_buf_add(b, s, 4);
	}
}

/* unicode.IsSpace: the same set core/utf8 already knows */
bool go_is_space(uint32_t r)
{
	return berth_unicode_is_space(r);
}

bool go_is_space_byte(unsigned char c)
{
	return go_is_space(c);
}

bool go_is_print(uint32_t r)
{
	size_t lo = 0, hi = ELEMENTSOF(unicode_print_ranges);

	if (r < 0x80)
		return r >= 0x20 && r < 0x7F;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r < unicode_print_ranges[mid][0])
			hi = mid;
		else if (r > unicode_print_ranges[mid][1])
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

uint32_t go_to_lower(uint32_t r)
{
	size_t lo = 0, hi = ELEMENTSOF(unicode_lower_map);

	if (r < 0x80)
		return (r >= 'A' && r <= 'Z') ? r + ('a' - 'A') : r;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r < unicode_lower_map[mid][0])
			hi = mid;
		else if (r > unicode_lower_map[mid][0])
			lo = mid + 1;
		else
			return unicode_lower_map[mid][1];
	}
	return r;
}

size_t go_space_prefix(const char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		uint32_t r = go_decode_rune(s + i, len - i, &n);
		if (!go_is_space(r))
			break;
		i += n;
	}
	return i;
}

/* The start of the rune that ends at s[end] (utf8.DecodeLastRune). */
static uint32_t decode_last_rune(const char *s, size_t end, size_t *ret_size)
{
	size_t start = end - 1, lim = end >= 4 ? end - 4 : 0, n;
	uint32_t r;

	while (start > lim && ((unsigned char)s[start] & 0xC0) == 0x80)
		start--;
	r = go_decode_rune(s + start, end - start, &n);
	if (start + n != end) {
		*ret_size = 1;
		return GO_RUNE_ERROR;
	}
	*ret_size = n;
	return r;
}

size_t go_space_suffix(const char *s, size_t len)
{
	size_t end = len, n;

	while (end > 0) {
		uint32_t r = decode_last_rune(s, end, &n);
		if (!go_is_space(r))
			break;
		end -= n;
	}
	return len - end;
}

void go_trim_space(const char **s, size_t *len)
{
	size_t pre = go_space_prefix(*s, *len);

	*s += pre;
	*len -= pre;
	*len -= go_space_suffix(*s, *len);
}

void go_buf_add_lower(struct berth_buf *b, const char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		uint32_t r = go_decode_rune(s + i, len - i, &n);
		go_buf_add_rune(b, go_to_lower(r));
		i += n;
	}
}

/* Appends the escape strconv.Quote writes for the unprintable rune r. */
static void add_escape(struct berth_buf *b, uint32_t r)
{
	static const char hex[] = "0123456789abcdef";

	switch (r) {
	case '\a':
		berth_buf_addstr(b, "\\a");
		break;
	case '\b':
		berth_buf_addstr(b, "\\b");
		break;
	case '\f':
		berth_buf_addstr(b, "\\f");
		break;
	case '\n':
		berth_buf_addstr(b, "\\n");
		break;
	case '\r':
		berth_buf_addstr(b, "\\r");
		break;
	case '\t':
		berth_buf_addstr(b, "\\t");
		break;
	case '\v':
		berth_buf_addstr(b, "\\v");
		break;
	default:
		if (r < ' ' || r == 0x7F)
			berth_buf_addf(b, "\\x%c%c", hex[r >> 4], hex[r & 0xF]);
		else if (r < 0x10000)
			berth_buf_addf(b, "\\u%04x", (unsigned)r);
		else
			berth_buf_addf(b, "\\U%08x", (unsigned)r);
	}
}

void go_buf_add_quoted(struct berth_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, n;

	berth_buf_addch(b, '"');
	while (i < len) {
		uint32_t r = go_decode_rune(s + i, len - i, &n);

		if (r == GO_RUNE_ERROR && n == 1) {
			unsigned char c = (unsigned char)s[i];
			berth_buf_addstr(b, "\\x");
			berth_buf_addch(b, hex[c >> 4]);
			berth_buf_addch(b, hex[c & 0xF]);
			i++;
			continue;
		}
		i += n;
		if (r == '"' || r == '\\') {
			berth_buf_addch(b, '\\');
			berth_buf_addch(b, (char)r);
			continue;
		}
		if (go_is_print(r))
			berth_buf_add(b, s + i - n, n);
		else
			add_escape(b, r);
	}
	berth_buf_addch(b, '"');
}

void go_buf_add_quoted_rune(struct berth_buf *b, int64_t v)
{
	/* fmt's %q of an integer: beyond the rune range is U+FFFD */
	uint32_t r =
		v < 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) ? GO_RUNE_ERROR : (uint32_t)v;

	berth_buf_addch(b, '\'');
	if (r == '\'' || r == '\\') {
		berth_buf_addch(b, '\\');
		berth_buf_addch(b, (char)r);
	} else if (go_is_print(r)) {
		go_buf_add_rune(b, r);
	} else {
		add_escape(b, r);
	}
	berth_buf_addch(b, '\'');
}

void berth_dockerfile_go_quote(struct berth_buf *b, const char *s)
{
	go_buf_add_quoted(b, s, strlen(s));
}

void berth_dockerfile_go_quote_rune(struct berth_buf *b, int64_t v)
{
	go_buf_add_quoted_rune(b, v);
}
