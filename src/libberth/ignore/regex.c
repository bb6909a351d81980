/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The subset of RE2 that the expression of a .dockerignore pattern can
 * contain (pattern.c says why berth runs its own): parsed into a list of
 * items, matched by backtracking with a failure memo so that a hostile
 * pattern stays polynomial.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/sort.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/utf8.h"
#include "ignore/internal.h"

void berth_ignore_rx_release(struct rx *rx)
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

int berth_ignore_rx_parse(const char *s, size_t len, struct rx *rx)
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
int berth_ignore_rx_match(const struct rx *rx, const char *s, size_t len)
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
void berth_ignore_rx_optimise(struct rx *rx)
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
