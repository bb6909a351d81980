/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jansson reads a character at a time through a stream that checks UTF-8,
 * saves every token in a buffer, copies each string twice and, with
 * JSON_REJECT_DUPLICATES, hashes each key twice: about 180 instructions a
 * byte of a container summary. This walks the bytes in place, hands jansson
 * each string once (json_stringn_nocheck: validated here) and learns of a
 * duplicate key from the object's size. Numbers with a fraction or an
 * exponent (none in berth's records) are handed to jansson itself, so that
 * their value is jansson's to the last bit.
 */
#include "core/json-fast.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/utf8.h"

struct reader {
	const unsigned char *p, *end;
	const unsigned char *start;
	unsigned depth;
	struct berth_buf scratch; /* a string with escapes, decoded */
};

static void skip_ws(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
		r->p++;
}

static bool is_digit(const struct reader *r)
{
	return r->p < r->end && *r->p >= '0' && *r->p <= '9';
}

/* One or more digits. */
static int digits(struct reader *r)
{
	if (!is_digit(r))
		return -1;
	while (is_digit(r))
		r->p++;
	return 0;
}

static int hex4(struct reader *r, unsigned *ret)
{
	if (r->end - r->p < 4)
		return -1;
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned c = r->p[i];
		if (c >= '0' && c <= '9')
			v = v * 16 + (c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			v = v * 16 + ((c | 0x20) - 'a' + 10);
		else
			return -1;
	}
	r->p += 4;
	*ret = v;
	return 0;
}

/* \uXXXX (the "\u" read), a surrogate pair whole; never U+0000 (jansson's without JSON_ALLOW_NUL). */
static int unicode_escape(struct reader *r)
{
	unsigned cp, lo;
	if (hex4(r, &cp) < 0)
		return -1;
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return -1;
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
			return -1;
		r->p += 2;
		if (hex4(r, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
			return -1;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	}
	if (cp == 0)
		return -1;
	char out[4];
	berth_buf_add(&r->scratch, out, berth_utf8_encode(cp, out));
	return 0;
}

/* One escape (the backslash read) into the scratch buffer. */
static int escape(struct reader *r)
{
	if (r->p >= r->end)
		return -1;
	char c = (char)*r->p++;
	switch (c) {
	case '"':
	case '\\':
	case '/':
		break;
	case 'b':
		c = '\b';
		break;
	case 'f':
		c = '\f';
		break;
	case 'n':
		c = '\n';
		break;
	case 'r':
		c = '\r';
		break;
	case 't':
		c = '\t';
		break;
	case 'u':
		return unicode_escape(r);
	default:
		return -1;
	}
	berth_buf_addch(&r->scratch, c);
	return 0;
}

/* One strictly valid UTF-8 sequence of 2 to 4 bytes at r->p. */
static int utf8_sequence(struct reader *r)
{
	uint32_t cp;
	size_t n = berth_utf8_decode((const char *)r->p, (size_t)(r->end - r->p), &cp);
	if (n == 1)
		return -1; /* a lone byte >= 0x80 decodes as U+FFFD in one byte: invalid */
	r->p += n;
	return 0;
}

/* The bytes a string holds as they are: printable ASCII but the quote and the backslash. */
static const bool plain[256] = {
	[0x20 ... 0x21] = true, [0x23 ... 0x5b] = true, [0x5d ... 0x7f] = true};

/*
 * A string (the opening quote at r->p): *ret_s points into the input when
 * it has no escape, else into the scratch buffer (valid until the next
 * string). Runs of plain bytes are skipped a table lookup a byte.
 */
static int string(struct reader *r, const char **ret_s, size_t *ret_len)
{
	const unsigned char *s = ++r->p;
	bool escaped = false;
	for (;;) {
		const unsigned char *run = r->p;
		while (r->p < r->end && plain[*r->p])
			r->p++;
		if (escaped)
			berth_buf_add(&r->scratch, run, (size_t)(r->p - run));
		if (r->p >= r->end)
			return -1;
		unsigned char c = *r->p;
		if (c == '"')
			break;
		if (c == '\\') {
			if (!escaped) {
				berth_buf_reset(&r->scratch);
				berth_buf_add(&r->scratch, s, (size_t)(r->p - s));
				escaped = true;
			}
			r->p++;
			if (escape(r) < 0)
				return -1;
		} else if (c >= 0x80) {
			const unsigned char *at = r->p;
			if (utf8_sequence(r) < 0)
				return -1;
			if (escaped)
				berth_buf_add(&r->scratch, at, (size_t)(r->p - at));
		} else {
			return -1; /* a control character */
		}
	}
	if (escaped) {
		*ret_s = r->scratch.buf;
		*ret_len = r->scratch.len;
	} else {
		*ret_s = (const char *)s;
		*ret_len = (size_t)(r->p - s);
	}
	r->p++;
	return 0;
}

/* A number: an integer as strtoll reads it (out of range is invalid), the rest as jansson reads it. */
static json_t *number(struct reader *r)
{
	const unsigned char *s = r->p;
	bool integer = true;
	if (*r->p == '-')
		r->p++;
	if (r->p < r->end && *r->p == '0') {
		r->p++;
		if (is_digit(r))
			return NULL;
	} else if (digits(r) < 0) {
		return NULL;
	}
	if (r->p < r->end && *r->p == '.') {
		r->p++;
		if (digits(r) < 0)
			return NULL;
		integer = false;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (digits(r) < 0)
			return NULL;
		integer = false;
	}
	size_t n = (size_t)(r->p - s);
	if (!integer)
		return json_loadb((const char *)s, n, JSON_DECODE_ANY, NULL);
	char buf[24]; /* "-9223372036854775808" and its NUL; anything longer is out of range */
	if (n >= sizeof(buf))
		return NULL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	long long v = strtoll(buf, NULL, 10);
	if (errno == ERANGE)
		return NULL;
	return json_integer(v);
}

static json_t *literal(struct reader *r, const char *word, size_t n, json_t *value)
{
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return NULL;
	r->p += n;
	return value;
}

static json_t *value(struct reader *r);

/* One element of array a, at r->p. */
static int element(struct reader *r, json_t *a)
{
	json_t *v = value(r);
	return v && json_array_append_new(a, v) == 0 ? 0 : -1;
}

/* One member "key": value of o, the key's quote at r->p. */
static int member(struct reader *r, json_t *o)
{
	const char *k;
	size_t klen;
	if (r->p >= r->end || *r->p != '"' || string(r, &k, &klen) < 0)
		return -1;
	/* a key in the scratch buffer would be overwritten by the value's strings */
	_cleanup_free_ char *copy = NULL;
	if (k == r->scratch.buf) {
		copy = berth_xstrndup(k, klen);
		k = copy;
	}
	skip_ws(r);
	if (r->p >= r->end || *r->p != ':')
		return -1;
	r->p++;
	skip_ws(r);
	json_t *v = value(r);
	if (!v)
		return -1;
	size_t before = json_object_size(o);
	/* a key already there is replaced, and the size tells: a duplicate */
	if (json_object_setn_new_nocheck(o, k, klen, v) < 0 || json_object_size(o) == before)
		return -1;
	return 0;
}

/*
 * An array or an object c (new reference, taken), its opening bracket at
 * r->p: add() each element or member up to close.
 */
static json_t *members(struct reader *r, json_t *c, char close,
		       int (*add)(struct reader *, json_t *))
{
	_cleanup_json_ json_t *ref = c;
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return TAKE_PTR(ref);
	}
	for (;;) {
		if (add(r, c) < 0)
			return NULL;
		skip_ws(r);
		if (r->p >= r->end)
			return NULL;
		if (*r->p == close)
			break;
		if (*r->p != ',')
			return NULL;
		r->p++;
		skip_ws(r);
	}
	r->p++;
	return TAKE_PTR(ref);
}

static json_t *nested(struct reader *r, bool object)
{
	if (++r->depth > JSON_PARSER_MAX_DEPTH)
		return NULL;
	json_t *v = object ? members(r, json_object(), '}', member)
			   : members(r, json_array(), ']', element);
	r->depth--;
	return v;
}

/* A value at r->p (no whitespace before it); NULL when invalid. */
static json_t *value(struct reader *r)
{
	if (r->p >= r->end)
		return NULL;
	switch (*r->p) {
	case '{':
		return nested(r, true);
	case '[':
		return nested(r, false);
	case '"': {
		const char *s;
		size_t n;
		if (string(r, &s, &n) < 0)
			return NULL;
		return json_stringn_nocheck(s, n);
	}
	case 't':
		return literal(r, "true", 4, json_true());
	case 'f':
		return literal(r, "false", 5, json_false());
	case 'n':
		return literal(r, "null", 4, json_null());
	default:
		return number(r);
	}
}

int berth_json_parse_fast(const char *data, size_t len, json_t **ret, struct berth_error **err)
{
	struct reader r = {.p = (const unsigned char *)data,
			   .end = (const unsigned char *)data + len,
			   .start = (const unsigned char *)data,
			   .scratch = BERTH_BUF_INIT};
	json_t *j = NULL;
	skip_ws(&r);
	/* jansson without JSON_DECODE_ANY: an object or an array */
	if (r.p < r.end && (*r.p == '{' || *r.p == '['))
		j = value(&r);
	skip_ws(&r);
	berth_buf_release(&r.scratch);
	if (!j || r.p != r.end) {
		if (j)
			json_decref(j);
		return berth_error_set(err, EINVAL, "invalid JSON at byte %zu",
				       (size_t)(r.p - r.start));
	}
	*ret = j;
	return 0;
}
