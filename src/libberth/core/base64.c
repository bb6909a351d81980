/* SPDX-License-Identifier: Apache-2.0 */
#include "core/base64.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *berth_base64_encode(const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t n;
	if (!berth_size_mul((len + 2) / 3, 4, &n) || !berth_size_add(n, 1, &n))
		berth_oom();
	char *out = berth_xmalloc(n), *o = out;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		*o++ = alphabet[(v >> 18) & 63];
		*o++ = alphabet[(v >> 12) & 63];
		*o++ = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		*o++ = i + 2 < len ? alphabet[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

/* The 6-bit value of c, -1 when c is not in mode's alphabet ('=' included). */
static int value_of(unsigned char c, enum berth_base64_mode mode)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || (mode == BERTH_BASE64_LENIENT && c == '-'))
		return 62;
	if (c == '/' || (mode == BERTH_BASE64_LENIENT && c == '_'))
		return 63;
	return -1;
}

/*
 * The scan: q data characters in the current group of four, pad '='
 * after them. A '=' needs two or three data characters before it in its
 * group and ends the data; the group must then be filled with '='.
 */
static size_t decode_into(const char *s, size_t len, enum berth_base64_mode mode, char *out,
			  size_t *ret_len)
{
	uint32_t acc = 0;
	size_t o = 0, q = 0, pad = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (mode == BERTH_BASE64_STRICT && (c == '\r' || c == '\n'))
			continue;
		if (c == '=') {
			if (q < 2 || q + ++pad > 4)
				return i;
			continue;
		}
		int v = pad ? -1 : value_of(c, mode);
		if (v < 0)
			return i;
		acc = acc << 6 | (uint32_t)v;
		if (q > 0)
			out[o++] = (char)(acc >> (6 - 2 * q) & 0xff);
		q = (q + 1) % 4;
	}
	bool ends_early = pad ? q + pad != 4 : q == 1 || (mode == BERTH_BASE64_STRICT && q);
	if (ends_early)
		return len;
	*ret_len = o;
	return SIZE_MAX;
}

int berth_base64_decode(const char *s, size_t len, enum berth_base64_mode mode, char **ret,
			size_t *ret_len, size_t *ret_bad)
{
	/* 3 bytes per 4 characters, and at most 2 from a last partial group */
	char *out = berth_xmalloc(len / 4 * 3 + 3);
	size_t n = 0, bad = decode_into(s, len, mode, out, &n);
	if (bad != SIZE_MAX) {
		explicit_bzero(out, len / 4 * 3 + 3);
		free(out);
		if (ret_bad)
			*ret_bad = bad;
		return -EINVAL;
	}
	out[n] = '\0';
	*ret = out;
	if (ret_len)
		*ret_len = n;
	return 0;
}
