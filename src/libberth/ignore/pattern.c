/* SPDX-License-Identifier: Apache-2.0 */
#include "ignore/ignore.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/sort.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/utf8.h"
#include "ignore/internal.h"

/*
 * patternmatcher turns each pattern into a Go RE2 expression and lets the
 * regexp package match it. Some pattern characters reach that expression
 * unescaped ('^', '[', ']' and whatever follows a backslash), so what a
 * pattern means in Docker is what RE2 makes of that text. berth builds the
 * same expression text and runs it with the small RE2 subset below, which
 * covers everything such an expression can contain; the few RE2 features
 * it lacks (\p{..} classes, \C) are reported as bad patterns.
 */

#define BAD_PATTERN "syntax error in pattern"

/* ---- Go's path/filepath.Match, used by New only for its syntax check ---- */

/* Decodes one rune as Go's utf8.DecodeRuneInString; *n is 0 at the end. */
static uint32_t decode(const char *s, size_t len, size_t *n)
{
	uint32_t cp = 0;
	*n = len ? berth_utf8_decode(s, len, &cp) : 0;
	return len ? cp : BERTH_UTF8_REPLACEMENT;
}

static int get_esc(const char **chunk, size_t *clen, uint32_t *ret)
{
	const char *c = *chunk;
	size_t len = *clen, n;
	uint32_t r;

	if (len == 0 || c[0] == '-' || c[0] == ']')
		return -EINVAL;
	if (c[0] == '\\') {
		c++;
		len--;
		if (len == 0)
			return -EINVAL;
	}
	r = decode(c, len, &n);
	if (r == BERTH_UTF8_REPLACEMENT && n == 1)
		return -EINVAL;
	c += n;
	len -= n;
	if (len == 0)
		return -EINVAL;
	*chunk = c;
	*clen = len;
	*ret = r;
	return 0;
}

/* matchChunk: *ret_rest is the offset in s after the chunk, *ret_ok whether it matched. */
static int match_chunk(const char *chunk, size_t clen, const char *s, size_t slen, size_t *ret_rest,
		       bool *ret_ok)
{
	bool failed = false;
	size_t si = 0, n;
	int r;

	*ret_ok = false;
	*ret_rest = 0;
	while (clen > 0) {
		if (!failed && si == slen)
			failed = true;
		switch (chunk[0]) {
		case '[': {
			uint32_t ch = 0, lo, hi;
			bool negated = false, match = false;
			int nrange = 0;
			if (!failed) {
				ch = decode(s + si, slen - si, &n);
				si += n;
			}
			chunk++;
			clen--;
			if (clen > 0 && chunk[0] == '^') {
				negated = true;
				chunk++;
				clen--;
			}
			for (;;) {
				if (clen > 0 && chunk[0] == ']' && nrange > 0) {
					chunk++;
					clen--;
					break;
				}
				r = get_esc(&chunk, &clen, &lo);
				if (r < 0)
					return r;
				hi = lo;
				if (chunk[0] == '-') {
					chunk++;
					clen--;
					r = get_esc(&chunk, &clen, &hi);
					if (r < 0)
						return r;
				}
				if (lo <= ch && ch <= hi)
					match = true;
				nrange++;
			}
			if (match == negated)
				failed = true;
			break;
		}
		case '?':
			if (!failed) {
				if (s[si] == '/')
					failed = true;
				decode(s + si, slen - si, &n);
				si += n;
			}
			chunk++;
			clen--;
			break;
		case '\\':
			chunk++;
			clen--;
			if (clen == 0)
				return -EINVAL;
			/* fallthrough */
		default:
			if (!failed) {
				if (chunk[0] != s[si])
					failed = true;
				si++;
			}
			chunk++;
			clen--;
			break;
		}
	}
	*ret_ok = !failed;
	*ret_rest = failed ? 0 : si;
	return 0;
}

static void scan_chunk(const char **pattern, size_t *plen, bool *star, const char **chunk,
		       size_t *clen)
{
	const char *p = *pattern;
	size_t len = *plen, i;
	bool inrange = false;

	*star = false;
	while (len > 0 && p[0] == '*') {
		p++;
		len--;
		*star = true;
	}
	for (i = 0; i < len; i++) {
		if (p[i] == '\\') {
			if (i + 1 < len)
				i++;
		} else if (p[i] == '[') {
			inrange = true;
		} else if (p[i] == ']') {
			inrange = false;
		} else if (p[i] == '*' && !inrange) {
			break;
		}
	}
	*chunk = p;
	*clen = i;
	*pattern = p + i;
	*plen = len - i;
}

int berth_ignore_go_match(const char *pattern, const char *name)
{
	size_t plen = strlen(pattern), nlen = strlen(name);
	const char *chunk;
	size_t clen, rest;
	bool star, ok;
	int r;

next_chunk:
	while (plen > 0) {
		scan_chunk(&pattern, &plen, &star, &chunk, &clen);
		if (star && clen == 0)
			return memchr(name, '/', nlen) ? 0 : 1;
		r = match_chunk(chunk, clen, name, nlen, &rest, &ok);
		if (ok && (rest == nlen || plen > 0)) {
			name += rest;
			nlen -= rest;
			continue;
		}
		if (r < 0)
			return r;
		if (star) {
			for (size_t i = 0; i < nlen && name[i] != '/'; i++) {
				r = match_chunk(chunk, clen, name + i + 1, nlen - i - 1, &rest,
						&ok);
				if (ok) {
					if (plen == 0 && rest != nlen - i - 1)
						continue;
					name += i + 1 + rest;
					nlen -= i + 1 + rest;
					goto next_chunk;
				}
				if (r < 0)
					return r;
			}
		}
		/* before answering no, check that the rest of the pattern is well formed */
		while (plen > 0) {
			scan_chunk(&pattern, &plen, &star, &chunk, &clen);
			r = match_chunk(chunk, clen, "", 0, &rest, &ok);
			if (r < 0)
				return r;
		}
		return 0;
	}
	return nlen == 0;
}

/* ---- the RE2 subset ---- */

enum rx_kind {
	RX_CHAR,
	RX_ANY,
	RX_CLASS,
	RX_DSTAR_DIR,
	RX_BOT,
	RX_EOT,
	RX_WORDB,
	RX_NWORDB
};

struct rx_item {
	enum rx_kind kind;
	char rep;    /* 0, '*', '+' or '?' */
	size_t slot; /* memo slot of a repeating item */
	uint32_t cp;
	size_t cls, ncls; /* ranges[cls .. cls+ncls) */
};

struct rx {
	struct rx_item *items;
	size_t n, alloc;
	/* literal bytes every match starts / ends with, for a quick reject */
	char *prefix, *suffix;
	size_t prefix_len, suffix_len;
	/*
	 * With more than one item that can repeat, failures are memoised per
	 * (repeating item, position) so matching stays polynomial; nslots is
	 * the number of such items and each has its slot.
	 */
	bool memo;
	size_t nslots;
	uint32_t (*ranges)[2];
	size_t nranges, ranges_alloc;
};

static void rx_release(struct rx *rx)
{
	free(rx->items);
	free(rx->ranges);
	free(rx->prefix);
	free(rx->suffix);
	*rx = (struct rx){0};
}

static struct rx_item *rx_push(struct rx *rx, enum rx_kind kind)
{
	if (rx->n == rx->alloc) {
		rx->alloc = rx->alloc ? rx->alloc * 2 : 16;
		rx->items = berth_xreallocarray(rx->items, rx->alloc, sizeof(*rx->items));
	}
	rx->items[rx->n] = (struct rx_item){.kind = kind};
	return &rx->items[rx->n++];
}

static void rx_range(struct rx *rx, uint32_t lo, uint32_t hi)
{
	if (rx->nranges == rx->ranges_alloc) {
		rx->ranges_alloc = rx->ranges_alloc ? rx->ranges_alloc * 2 : 16;
		rx->ranges = berth_xreallocarray(rx->ranges, rx->ranges_alloc, sizeof(*rx->ranges));
	}
	rx->ranges[rx->nranges][0] = lo;
	rx->ranges[rx->nranges][1] = hi;
	rx->nranges++;
}

static int cmp_range(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;
	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Replaces ranges[from..] by their complement over all code points. */
static void rx_negate_from(struct rx *rx, size_t from)
{
	size_t n = rx->nranges - from;
	uint32_t(*tmp)[2] = berth_xmemdup(rx->ranges + from, (n ? n : 1) * sizeof(*tmp));
	uint32_t next = 0;

	berth_qsort(tmp, n, sizeof(*tmp), cmp_range);
	rx->nranges = from;
	for (size_t i = 0; i < n; i++) {
		if (tmp[i][0] > next)
			rx_range(rx, next, tmp[i][0] - 1);
		if (tmp[i][1] + 1 > next)
			next = tmp[i][1] + 1;
	}
	if (next <= 0x10FFFF)
		rx_range(rx, next, 0x10FFFF);
	free(tmp);
}

struct rx_src {
	const char *s;
	size_t len, pos;
};

static bool src_peek_is(const struct rx_src *t, size_t off, char c)
{
	return t->pos + off < t->len && t->s[t->pos + off] == c;
}

static uint32_t src_next(struct rx_src *t)
{
	uint32_t cp;
	t->pos += berth_utf8_decode(t->s + t->pos, t->len - t->pos, &cp);
	return cp;
}

static int unhex(uint32_t c)
{
	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (int)((c | 0x20) - 'a' + 10);
	return -1;
}

static bool is_ascii_alnum(uint32_t c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* RE2's parseEscape: t is just after the backslash. */
static int parse_escape(struct rx_src *t, uint32_t *ret)
{
	uint32_t c, r;

	if (t->pos >= t->len)
		return -EINVAL; /* trailing backslash */
	c = src_next(t);
	if (c < 0x80 && !is_ascii_alnum(c)) {
		*ret = c;
		return 0;
	}
	switch (c) {
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
		if (t->pos >= t->len || t->s[t->pos] < '0' || t->s[t->pos] > '7')
			return -EINVAL; /* a backreference */
					/* fallthrough */
	case '0':
		r = c - '0';
		for (int i = 1; i < 3; i++) {
			if (t->pos >= t->len || t->s[t->pos] < '0' || t->s[t->pos] > '7')
				break;
			r = r * 8 + (uint32_t)(t->s[t->pos++] - '0');
		}
		*ret = r;
		return 0;
	case 'x':
		if (t->pos >= t->len)
			return -EINVAL;
		c = src_next(t);
		if (c == '{') {
			int nhex = 0;
			r = 0;
			for (;;) {
				int v;
				if (t->pos >= t->len)
					return -EINVAL;
				c = src_next(t);
				if (c == '}')
					break;
				v = unhex(c);
				if (v < 0)
					return -EINVAL;
				r = r * 16 + (uint32_t)v;
				if (r > 0x10FFFF)
					return -EINVAL;
				nhex++;
			}
			if (nhex == 0)
				return -EINVAL;
			*ret = r;
			return 0;
		} else {
			int x = unhex(c), y;
			if (t->pos >= t->len)
				return -EINVAL;
			y = unhex(src_next(t));
			if (x < 0 || y < 0)
				return -EINVAL;
			*ret = (uint32_t)(x * 16 + y);
			return 0;
		}
	case 'a':
		*ret = 7;
		return 0;
	case 'f':
		*ret = '\f';
		return 0;
	case 'n':
		*ret = '\n';
		return 0;
	case 'r':
		*ret = '\r';
		return 0;
	case 't':
		*ret = '\t';
		return 0;
	case 'v':
		*ret = '\v';
		return 0;
	}
	return -EINVAL;
}

/* \d \s \w and their negations (ASCII, as in RE2); false when t is not one. */
static bool parse_perl_class(struct rx *rx, struct rx_src *t)
{
	size_t from = rx->nranges;
	char c;

	if (!src_peek_is(t, 0, '\\') || t->pos + 1 >= t->len)
		return false;
	c = t->s[t->pos + 1];
	switch (c | 0x20) {
	case 'd':
		rx_range(rx, '0', '9');
		break;
	case 's':
		rx_range(rx, '\t', '\n');
		rx_range(rx, '\f', '\r');
		rx_range(rx, ' ', ' ');
		break;
	case 'w':
		rx_range(rx, '0', '9');
		rx_range(rx, 'A', 'Z');
		rx_range(rx, '_', '_');
		rx_range(rx, 'a', 'z');
		break;
	default:
		return false;
	}
	if (c >= 'A' && c <= 'Z')
		rx_negate_from(rx, from);
	t->pos += 2;
	return true;
}

static const struct {
	const char *name;
	const char *ranges; /* pairs of bytes lo,hi */
} posix_classes[] = {
	{"alnum", "09AZaz"},
	{"alpha", "AZaz"},
	{"ascii", "\x01\x7f"},
	{"blank", "\t\t  "},
	{"cntrl", "\x01\x1f\x7f\x7f"},
	{"digit", "09"},
	{"graph", "!~"},
	{"lower", "az"},
	{"print", " ~"},
	{"punct", "!/:@[`{~"},
	{"space", "\t\r  "},
	{"upper", "AZ"},
	{"word", "09AZ__az"},
	{"xdigit", "09AFaf"},
};

/* [:alpha:] and [:^alpha:] inside a class; 0 when t is not one, 1 when parsed. */
static int parse_named_class(struct rx *rx, struct rx_src *t)
{
	const char *s = t->s + t->pos, *end;
	size_t len = t->len - t->pos, from = rx->nranges;
	bool neg = false;

	if (len <= 2 || s[0] != '[' || s[1] != ':')
		return 0;
	end = memmem(s + 2, len - 2, ":]", 2);
	if (!end)
		return 0;
	const char *name = s + 2;
	size_t nlen = (size_t)(end - name);
	if (nlen > 0 && name[0] == '^') {
		neg = true;
		name++;
		nlen--;
	}
	for (size_t i = 0; i < ELEMENTSOF(posix_classes); i++) {
		if (strlen(posix_classes[i].name) != nlen ||
		    memcmp(posix_classes[i].name, name, nlen) != 0)
			continue;
		const char *rg = posix_classes[i].ranges;
		size_t rl = strlen(rg);
		/* "ascii" and "cntrl" start at NUL, which the table cannot hold */
		if (strcmp(posix_classes[i].name, "ascii") == 0 ||
		    strcmp(posix_classes[i].name, "cntrl") == 0)
			rx_range(rx, 0, 0);
		for (size_t k = 0; k + 1 < rl; k += 2)
			rx_range(rx, (unsigned char)rg[k], (unsigned char)rg[k + 1]);
		if (neg)
			rx_negate_from(rx, from);
		t->pos = (size_t)(end + 2 - t->s);
		return 1;
	}
	return -EINVAL;
}

static int parse_class_char(struct rx_src *t, uint32_t *ret)
{
	if (t->pos >= t->len)
		return -EINVAL; /* missing ] */
	if (t->s[t->pos] == '\\') {
		t->pos++;
		return parse_escape(t, ret);
	}
	*ret = src_next(t);
	return 0;
}

/* RE2's parseClass with the Perl flags regexp.Compile uses; t is at '['. */
static int parse_class(struct rx *rx, struct rx_src *t)
{
	size_t from = rx->nranges;
	bool neg = false, first = true;
	int r;

	t->pos++;
	if (src_peek_is(t, 0, '^')) {
		neg = true;
		t->pos++;
	}
	while (t->pos >= t->len || t->s[t->pos] != ']' || first) {
		uint32_t lo, hi;
		first = false;
		r = parse_named_class(rx, t);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		if (src_peek_is(t, 0, '\\') && t->pos + 1 < t->len &&
		    (t->s[t->pos + 1] == 'p' || t->s[t->pos + 1] == 'P'))
			return -ENOTSUP;
		if (parse_perl_class(rx, t))
			continue;
		r = parse_class_char(t, &lo);
		if (r < 0)
			return r;
		hi = lo;
		if (t->len - t->pos >= 2 && t->s[t->pos] == '-' && t->s[t->pos + 1] != ']') {
			t->pos++;
			r = parse_class_char(t, &hi);
			if (r < 0)
				return r;
			if (hi < lo)
				return -EINVAL;
		}
		rx_range(rx, lo, hi);
	}
	t->pos++;
	if (neg)
		rx_negate_from(rx, from);
	struct rx_item *it = rx_push(rx, RX_CLASS);
	it->cls = from;
	it->ncls = rx->nranges - from;
	return 0;
}

static int rx_parse(const char *s, size_t len, struct rx *rx)
{
	struct rx_src t = {.s = s, .len = len};
	int r;

	while (t.pos < t.len) {
		char c = t.s[t.pos];
		struct rx_item *it;
		uint32_t cp;

		switch (c) {
		case '^':
			t.pos++;
			rx_push(rx, RX_BOT);
			continue;
		case '$':
			t.pos++;
			rx_push(rx, RX_EOT);
			continue;
		case '.':
			t.pos++;
			rx_push(rx, RX_ANY);
			continue;
		case '[':
			r = parse_class(rx, &t);
			if (r < 0)
				return r;
			continue;
		case '(':
			/* the only group patternmatcher writes */
			if (t.len - t.pos < 6 || memcmp(t.s + t.pos, "(.*/)?", 6) != 0)
				return -ENOTSUP;
			t.pos += 6;
			rx_push(rx, RX_DSTAR_DIR)->rep = '?';
			continue;
		case ')':
		case '|':
			return -EINVAL;
		case '*':
		case '+':
		case '?':
			t.pos++;
			if (rx->n == 0 || rx->items[rx->n - 1].rep)
				return -EINVAL; /* missing argument, nested repetition */
			rx->items[rx->n - 1].rep = c;
			continue;
		case '\\':
			if (t.pos + 1 < t.len) {
				switch (t.s[t.pos + 1]) {
				case 'A':
					t.pos += 2;
					rx_push(rx, RX_BOT);
					continue;
				case 'z':
					t.pos += 2;
					rx_push(rx, RX_EOT);
					continue;
				case 'b':
					t.pos += 2;
					rx_push(rx, RX_WORDB);
					continue;
				case 'B':
					t.pos += 2;
					rx_push(rx, RX_NWORDB);
					continue;
				case 'C':
				case 'p':
				case 'P':
					return -ENOTSUP;
				case 'Q': {
					const char *e;
					t.pos += 2;
					e = memmem(t.s + t.pos, t.len - t.pos, "\\E", 2);
					size_t stop = e ? (size_t)(e - t.s) : t.len;
					while (t.pos < stop)
						rx_push(rx, RX_CHAR)->cp = src_next(&t);
					if (e)
						t.pos += 2;
					continue;
				}
				}
			}
			size_t from = rx->nranges;
			if (parse_perl_class(rx, &t)) {
				it = rx_push(rx, RX_CLASS);
				it->cls = from;
				it->ncls = rx->nranges - from;
				continue;
			}
			t.pos++;
			r = parse_escape(&t, &cp);
			if (r < 0)
				return r;
			it = rx_push(rx, RX_CHAR);
			it->cp = cp;
			continue;
		}
		it = rx_push(rx, RX_CHAR);
		it->cp = src_next(&t);
	}
	return 0;
}

static bool is_word_byte(const char *s, size_t len, size_t pos)
{
	return pos < len && (is_ascii_alnum((unsigned char)s[pos]) || s[pos] == '_');
}

/* One code point at pos against a single-character item; *w gets its width. */
static bool rx_step(const struct rx *rx, const struct rx_item *it, const char *s, size_t len,
		    size_t pos, size_t *w)
{
	uint32_t cp;

	if (pos >= len)
		return false;
	*w = berth_utf8_decode(s + pos, len - pos, &cp);
	switch (it->kind) {
	case RX_CHAR:
		return cp == it->cp;
	case RX_ANY:
		return cp != '\n';
	case RX_CLASS:
		for (size_t i = it->cls; i < it->cls + it->ncls; i++)
			if (cp >= rx->ranges[i][0] && cp <= rx->ranges[i][1])
				return true;
		return false;
	default:
		return false;
	}
}

struct rx_run {
	const struct rx *rx;
	const char *s;
	size_t len;
	uint8_t *failed;
};

static bool is_repeating(const struct rx_item *it)
{
	return it->rep == '*' || it->rep == '+' || it->kind == RX_DSTAR_DIR;
}

static bool run_failed(const struct rx_run *run, size_t i, size_t pos)
{
	size_t bit = run->rx->items[i].slot * (run->len + 1) + pos;
	return run->failed[bit / 8] & (1u << (bit % 8));
}

static void run_set_failed(struct rx_run *run, size_t i, size_t pos)
{
	size_t bit = run->rx->items[i].slot * (run->len + 1) + pos;
	run->failed[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

/* Whether items i.. match s from pos to the end; failures memoised per (item, position). */
static bool rx_match_from(struct rx_run *run, size_t i, size_t pos)
{
	const struct rx *rx = run->rx;
	const char *s = run->s;
	size_t len = run->len, w;

	if (i == rx->n)
		return true;
	bool memo = run->failed && is_repeating(&rx->items[i]);
	if (memo && run_failed(run, i, pos))
		return false;

	const struct rx_item *it = &rx->items[i];
	bool ok = false;
	switch (it->kind) {
	case RX_BOT:
		ok = pos == 0 && rx_match_from(run, i + 1, pos);
		break;
	case RX_EOT:
		ok = pos == len && rx_match_from(run, i + 1, pos);
		break;
	case RX_WORDB:
	case RX_NWORDB: {
		bool b = is_word_byte(s, len, pos) != (pos > 0 && is_word_byte(s, len, pos - 1));
		ok = (b == (it->kind == RX_WORDB)) && rx_match_from(run, i + 1, pos);
		break;
	}
	case RX_DSTAR_DIR:
		/* (.*\/)? : nothing, or anything without '\n' that ends in '/' */
		if (rx_match_from(run, i + 1, pos)) {
			ok = true;
			break;
		}
		for (size_t q = pos; q < len && s[q] != '\n'; q++) {
			if (s[q] == '/' && rx_match_from(run, i + 1, q + 1)) {
				ok = true;
				break;
			}
		}
		break;
	default:
		switch (it->rep) {
		case 0:
			ok = rx_step(rx, it, s, len, pos, &w) && rx_match_from(run, i + 1, pos + w);
			break;
		case '?':
			ok = rx_match_from(run, i + 1, pos) || (rx_step(rx, it, s, len, pos, &w) &&
								rx_match_from(run, i + 1, pos + w));
			break;
		case '+':
		case '*': {
			size_t q = pos;
			if (it->rep == '+') {
				if (!rx_step(rx, it, s, len, q, &w))
					break;
				q += w;
			}
			size_t first = q;
			for (;;) {
				if (rx_match_from(run, i + 1, q)) {
					ok = true;
					break;
				}
				if (!rx_step(rx, it, s, len, q, &w))
					break;
				q += w;
				/* the star already failed from here, so from every later position */
				if (it->rep == '*' && run->failed && run_failed(run, i, q))
					break;
			}
			/* failed from first: also from each later position of the run */
			if (!ok && it->rep == '*' && run->failed) {
				for (q = first; rx_step(rx, it, s, len, q, &w);) {
					q += w;
					if (run_failed(run, i, q))
						break;
					run_set_failed(run, i, q);
				}
			}
			break;
		}
		}
	}
	if (!ok && memo)
		run_set_failed(run, i, pos);
	return ok;
}

/* The memo of one match: repeating items x (path length + 1) bits at most. */
#define MAX_MEMO_BITS (128u << 20)

/* 1 when rx matches all of s, 0 when not, -E2BIG when the memo would be too big. */
static int rx_match(const struct rx *rx, const char *s, size_t len)
{
	uint8_t stack[512];
	size_t bits, bytes;
	uint8_t *failed = NULL;

	if (len < rx->prefix_len + rx->suffix_len || memcmp(s, rx->prefix, rx->prefix_len) != 0 ||
	    memcmp(s + len - rx->suffix_len, rx->suffix, rx->suffix_len) != 0)
		return false;
	if (rx->memo) {
		if (!berth_size_mul(rx->nslots, len + 1, &bits) || bits > MAX_MEMO_BITS)
			return -E2BIG;
		bytes = bits / 8 + 1;
		if (bytes > sizeof(stack)) {
			failed = berth_xcalloc(bytes, 1);
		} else {
			memset(stack, 0, bytes);
			failed = stack;
		}
	}
	struct rx_run run = {.rx = rx, .s = s, .len = len, .failed = failed};
	bool ok = rx_match_from(&run, 0, 0);
	if (failed != stack)
		free(failed);
	return ok;
}

static bool is_plain_char(const struct rx_item *it)
{
	return it->kind == RX_CHAR && it->rep == 0 && it->cp != BERTH_UTF8_REPLACEMENT;
}

/*
 * The literal text right after the leading '^' and right before the final
 * '$': a code point other than U+FFFD matches exactly its own UTF-8 bytes,
 * so a path without them cannot match.
 */
static void rx_optimise(struct rx *rx)
{
	struct berth_buf b = BERTH_BUF_INIT;
	size_t i = 0, unbounded = 0;
	char tmp[4];

	for (size_t k = 0; k < rx->n; k++)
		if (is_repeating(&rx->items[k]))
			rx->items[k].slot = unbounded++;
	rx->memo = unbounded > 1;
	rx->nslots = unbounded;
	if (rx->n > 0 && rx->items[0].kind == RX_BOT)
		for (i = 1; i < rx->n && is_plain_char(&rx->items[i]); i++)
			berth_buf_add(&b, tmp, berth_utf8_encode(rx->items[i].cp, tmp));
	rx->prefix = berth_buf_detach(&b, &rx->prefix_len);
	if (rx->n > 0 && rx->items[rx->n - 1].kind == RX_EOT) {
		size_t j = rx->n - 1;
		while (j > i && is_plain_char(&rx->items[j - 1]))
			j--;
		for (size_t k = j; k < rx->n - 1; k++)
			berth_buf_add(&b, tmp, berth_utf8_encode(rx->items[k].cp, tmp));
	}
	rx->suffix = berth_buf_detach(&b, &rx->suffix_len);
}

/* ---- patterns ---- */

enum match_type {
	MATCH_EXACT,
	MATCH_PREFIX,
	MATCH_SUFFIX,
	MATCH_REGEXP,
	MATCH_BAD
};

struct pattern {
	char *text; /* cleaned, without the '!' */
	size_t len;
	size_t ndirs; /* components of text */
	bool exception;
	enum match_type type;
	struct rx rx;
	int bad; /* why the expression could not be built, when type is MATCH_BAD */
};

struct berth_ignore {
	struct pattern *p;
	size_t n;
	bool exceptions;
	/* BuildKit's onlyPrefixExcludeExceptions: no exception pattern has wildcards */
	bool plain_exceptions;
};

static bool should_escape(uint32_t c)
{
	return c < 0x80 && strchr(".+()|{}$", (int)c) && c != 0;
}

/*
 * patternmatcher's compile(): the match type, and for MATCH_REGEXP the
 * expression text, built exactly as Docker builds it.
 */
static void pattern_compile(struct pattern *p)
{
	struct berth_buf re = BERTH_BUF_INIT;
	enum match_type type = MATCH_EXACT;
	size_t pos = 0, i = 0;
	const char *s = p->text;
	size_t len = p->len;
	uint32_t ch;
	char tmp[4];

	berth_buf_addch(&re, '^');
	/* Go's scanner skips a leading byte-order mark */
	if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	for (; pos < len; i++) {
		pos += berth_utf8_decode(s + pos, len - pos, &ch);
		if (ch == '*') {
			if (pos < len && s[pos] == '*') {
				pos++;
				if (pos < len && s[pos] == '/')
					pos++;
				if (pos >= len) {
					if (type == MATCH_EXACT) {
						type = MATCH_PREFIX;
					} else {
						berth_buf_addstr(&re, ".*");
						type = MATCH_REGEXP;
					}
				} else {
					berth_buf_addstr(&re, "(.*/)?");
					type = MATCH_REGEXP;
				}
				if (i == 0)
					type = MATCH_SUFFIX;
			} else {
				berth_buf_addstr(&re, "[^/]*");
				type = MATCH_REGEXP;
			}
		} else if (ch == '?') {
			berth_buf_addstr(&re, "[^/]");
			type = MATCH_REGEXP;
		} else if (should_escape(ch)) {
			berth_buf_addch(&re, '\\');
			berth_buf_addch(&re, (char)ch);
		} else if (ch == '\\') {
			if (pos < len) {
				berth_buf_addch(&re, '\\');
				pos += berth_utf8_decode(s + pos, len - pos, &ch);
				berth_buf_add(&re, tmp, berth_utf8_encode(ch, tmp));
				type = MATCH_REGEXP;
			} else {
				berth_buf_addch(&re, '\\');
			}
		} else if (ch == '[' || ch == ']') {
			berth_buf_addch(&re, (char)ch);
			type = MATCH_REGEXP;
		} else {
			berth_buf_add(&re, tmp, berth_utf8_encode(ch, tmp));
		}
	}
	if (type == MATCH_REGEXP) {
		berth_buf_addch(&re, '$');
		int r = rx_parse(re.buf, re.len, &p->rx);
		if (r < 0) {
			rx_release(&p->rx);
			p->bad = r;
			type = MATCH_BAD;
		} else {
			rx_optimise(&p->rx);
		}
	}
	p->type = type;
	berth_buf_release(&re);
}

static int bad_pattern(const struct pattern *p, int r, struct berth_error **err)
{
	if (r == -E2BIG)
		return berth_error_set(
			err, E2BIG, "pattern '%s' is too long to match a path this long", p->text);
	if (p->bad == -ENOTSUP)
		return berth_error_set(err, EINVAL,
				       "%s: '%s' uses a regular expression feature berth does not "
				       "support",
				       BAD_PATTERN, p->text);
	return berth_error_set(err, EINVAL, "%s: '%s'", BAD_PATTERN, p->text);
}

/* Pattern.match(): 1, 0, or -EINVAL when its expression could not be built. */
static int pattern_match(const struct pattern *p, const char *path, size_t len)
{
	switch (p->type) {
	case MATCH_EXACT:
		return len == p->len && memcmp(path, p->text, len) == 0;
	case MATCH_PREFIX:
		return len >= p->len - 2 && memcmp(path, p->text, p->len - 2) == 0;
	case MATCH_SUFFIX: {
		const char *suffix = p->text + 2;
		size_t slen = p->len - 2;
		if (len >= slen && memcmp(path + len - slen, suffix, slen) == 0)
			return 1;
		/* "**\/foo" matches "foo" */
		return slen > 0 && suffix[0] == '/' && len == slen - 1 &&
		       memcmp(path, suffix + 1, len) == 0;
	}
	case MATCH_REGEXP:
		return rx_match(&p->rx, path, len);
	case MATCH_BAD:
		break;
	}
	return -EINVAL;
}

/* Strips a trailing slash-star-star or slash-star, as fsutil's patternWithoutTrailingGlob. */
static size_t without_trailing_glob(const struct pattern *p)
{
	size_t n = p->len;
	if (n >= 3 && memcmp(p->text + n - 3, "/**", 3) == 0)
		n -= 3;
	if (n >= 2 && memcmp(p->text + n - 2, "/*", 2) == 0)
		n -= 2;
	return n;
}

void berth_ignore_free(struct berth_ignore *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->p[i].text);
		rx_release(&m->p[i].rx);
	}
	free(m->p);
	free(m);
}

int berth_ignore_new(char *const *patterns, struct berth_ignore **ret, struct berth_error **err)
{
	_cleanup_(berth_ignore_freep) struct berth_ignore *m = berth_xcalloc(1, sizeof(*m));
	size_t n = 0;

	while (patterns && patterns[n])
		n++;
	m->p = berth_xcalloc(n ? n : 1, sizeof(*m->p));
	m->plain_exceptions = true;
	for (size_t k = 0; k < n; k++) {
		size_t len = strlen(patterns[k]);
		const char *t = berth_ignore_trim_space(patterns[k], &len);
		if (len == 0)
			continue;
		_cleanup_free_ char *raw = berth_xstrndup(t, len);
		_cleanup_free_ char *clean = berth_ignore_clean(raw);
		const char *text = clean;
		bool exception = false;
		if (text[0] == '!') {
			if (text[1] == '\0')
				return berth_error_set(err, EINVAL,
						       "illegal exclusion pattern: '!'");
			exception = true;
			text++;
			m->exceptions = true;
		}
		int r = berth_ignore_go_match(text, ".");
		if (r < 0)
			return berth_error_set(err, EINVAL, "%s: '%s'", BAD_PATTERN, text);

		struct pattern *p = &m->p[m->n++];
		p->text = berth_xstrdup(text);
		p->len = strlen(text);
		p->exception = exception;
		p->ndirs = 1;
		for (const char *c = text; *c; c++)
			p->ndirs += *c == '/';
		pattern_compile(p);
		if (exception) {
			size_t plain = without_trailing_glob(p);
			for (size_t i = 0; i < plain; i++)
				if (strchr("*[]?^\\", p->text[i]))
					m->plain_exceptions = false;
		}
	}
	*ret = TAKE_PTR(m);
	return 0;
}

size_t berth_ignore_count(const struct berth_ignore *m)
{
	return m->n;
}

const char *berth_ignore_pattern(const struct berth_ignore *m, size_t i, bool *ret_exception)
{
	if (i >= m->n)
		return NULL;
	if (ret_exception)
		*ret_exception = m->p[i].exception;
	return m->p[i].text;
}

bool berth_ignore_has_exceptions(const struct berth_ignore *m)
{
	return m->exceptions;
}

/* The length of Go's filepath.Dir(path), which is path[0..n) cleaned; ret is owned. */
static char *go_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *head = berth_xstrndup(path, slash ? (size_t)(slash - path + 1) : 0);
	return berth_ignore_clean(head);
}

/*
 * Whether p matches one of the ancestors of a path whose filepath.Dir is
 * parent: "a", "a/b", ... in turn, as strings.Split/Join of parent.
 */
static bool parent_matches(const struct pattern *p, const char *parent)
{
	size_t len = strlen(parent);
	for (size_t i = 0; i <= len; i++) {
		if (i == len || parent[i] == '/') {
			if (pattern_match(p, parent, i) == 1)
				return true;
		}
	}
	return false;
}

int berth_ignore_matches(const struct berth_ignore *m, const char *path, struct berth_error **err)
{
	_cleanup_free_ char *parent = go_dir(path);
	bool matched = false, has_parent = strcmp(parent, ".") != 0;
	size_t len = strlen(path);

	for (size_t i = 0; i < m->n; i++) {
		const struct pattern *p = &m->p[i];
		if (p->exception != matched)
			continue;
		int r = pattern_match(p, path, len);
		if (r < 0)
			return bad_pattern(p, r, err);
		if (!r && has_parent)
			r = parent_matches(p, parent);
		if (r)
			matched = !p->exception;
	}
	return matched;
}

int berth_ignore_matches_in_walk(const struct berth_ignore *m, const char *path,
				 const bool *parent_info, bool *ret_info, struct berth_error **err)
{
	_cleanup_free_ char *parent = NULL;
	bool matched = false;
	size_t len = strlen(path);

	if (ret_info)
		memset(ret_info, 0, m->n * sizeof(bool));
	for (size_t i = 0; i < m->n; i++) {
		const struct pattern *p = &m->p[i];
		int r = parent_info ? parent_info[i] : 0;
		if (!r) {
			if (p->exception != matched)
				continue;
			r = pattern_match(p, path, len);
			if (r < 0)
				return bad_pattern(p, r, err);
			if (!r && !parent_info) {
				if (!parent)
					parent = go_dir(path);
				if (strcmp(parent, ".") != 0)
					r = parent_matches(p, parent);
			}
		}
		if (ret_info)
			ret_info[i] = r;
		if (r)
			matched = !p->exception;
	}
	return matched;
}

bool berth_ignore_must_descend(const struct berth_ignore *m, const char *dir)
{
	size_t dlen = strlen(dir);

	if (!m->plain_exceptions)
		return true;
	if (!m->exceptions)
		return false;
	for (size_t i = 0; i < m->n; i++) {
		const struct pattern *p = &m->p[i];
		if (!p->exception)
			continue;
		/* (pattern + "/") starts with (dir + "/") */
		size_t plen = without_trailing_glob(p);
		if (plen + 1 >= dlen + 1 && memcmp(p->text, dir, dlen) == 0 &&
		    (plen == dlen || p->text[dlen] == '/'))
			return true;
	}
	return false;
}

int berth_ignore_matches_legacy(char *const *patterns, const char *path, struct berth_error **err)
{
	_cleanup_(berth_ignore_freep) struct berth_ignore *m = NULL;
	int r;

	r = berth_ignore_new(patterns, &m, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *file = berth_ignore_clean(path);
	if (strcmp(file, ".") == 0)
		return 0;

	_cleanup_free_ char *parent = go_dir(file);
	size_t nparent = 1, len = strlen(file);
	for (const char *c = parent; *c; c++)
		nparent += *c == '/';
	bool matched = false;
	for (size_t i = 0; i < m->n; i++) {
		const struct pattern *p = &m->p[i];
		if (p->exception != matched)
			continue;
		r = pattern_match(p, file, len);
		if (r < 0)
			return bad_pattern(p, r, err);
		if (!r && strcmp(parent, ".") != 0 && p->ndirs <= nparent) {
			/* only the ancestor with as many components as the pattern */
			size_t cut = 0, seen = 0;
			while (parent[cut] && !(parent[cut] == '/' && ++seen == p->ndirs))
				cut++;
			r = pattern_match(p, parent, cut) == 1;
		}
		if (r)
			matched = !p->exception;
	}
	return matched;
}
