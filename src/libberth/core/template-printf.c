/* SPDX-License-Identifier: Apache-2.0 */
/*
 * printf for templates: Go's fmt verbs over JSON values, written from the
 * fmt package's documentation. Verbs: %v %s %q %d %o %x %X %b %c %U %e %E
 * %f %F %g %G %t %T %%, flags `-+# 0`, width and precision (also `*`). A verb
 * that does not fit its argument prints as Go does: %!d(string=abc),
 * %!d(MISSING), %!(EXTRA int=1).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/template-internal.h"
#include "core/utf8.h"

#include "core/banned.h"

/* Go refuses widths and precisions above a million */
#define MAX_WIDTH 1000000

struct spec {
	bool minus, plus, sharp, zero, space;
	int width, prec; /* -1: not given */
	char verb;
};

static size_t rune_count(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/* Appends s padded to the width; zeros go after a leading sign or 0x when zero_ok. */
static void pad(struct berth_buf *out, const struct spec *sp, const char *s, size_t len,
		size_t prefix_len, bool zero_ok)
{
	size_t n = rune_count(s, len);
	size_t fill = sp->width > 0 && (size_t)sp->width > n ? (size_t)sp->width - n : 0;
	if (sp->minus) {
		berth_buf_add(out, s, len);
		for (size_t i = 0; i < fill; i++)
			berth_buf_addch(out, ' ');
		return;
	}
	if (zero_ok && sp->zero) {
		berth_buf_add(out, s, prefix_len);
		for (size_t i = 0; i < fill; i++)
			berth_buf_addch(out, '0');
		berth_buf_add(out, s + prefix_len, len - prefix_len);
		return;
	}
	for (size_t i = 0; i < fill; i++)
		berth_buf_addch(out, ' ');
	berth_buf_add(out, s, len);
}

static void fmt_integer(struct berth_buf *out, const struct spec *sp, long long v)
{
	struct berth_buf b = BERTH_BUF_INIT;
	unsigned long long mag = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	int base = sp->verb == 'o' ? 8 : sp->verb == 'b' ? 2 : (sp->verb | 0x20) == 'x' ? 16 : 10;
	const char *digits = sp->verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[72];
	size_t n = sizeof(tmp);

	do {
		tmp[--n] = digits[mag % (unsigned)base];
		mag /= (unsigned)base;
	} while (mag > 0);
	if (sp->prec == 0 && v == 0)
		n = sizeof(tmp);
	berth_buf_addstr(&b, v < 0 ? "-" : sp->plus ? "+" : sp->space ? " " : "");
	if (sp->sharp)
		berth_buf_addstr(&b, base == 16			  ? (sp->verb == 'X' ? "0X" : "0x")
				     : base == 2		  ? "0b"
				     : base == 8 && tmp[n] != '0' ? "0"
								  : "");
	size_t prefix = b.len;
	for (int i = (int)(sizeof(tmp) - n); i < sp->prec; i++)
		berth_buf_addch(&b, '0');
	berth_buf_add(&b, tmp + n, sizeof(tmp) - n);
	pad(out, sp, b.buf, b.len, prefix, sp->prec < 0);
	berth_buf_release(&b);
}

static void quote(struct berth_buf *b, const char *s, size_t len)
{
	static const char esc[] = "\aa\bb\ff\nn\rr\tt\vv";
	berth_buf_addch(b, '"');
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		const char *e = c ? strchr(esc, c) : NULL;
		uint32_t cp;
		if (c == '"' || c == '\\')
			berth_buf_addf(b, "\\%c", c);
		else if (e && (e - esc) % 2 == 0)
			berth_buf_addf(b, "\\%c", e[1]);
		else if (c >= 0x20 && c < 0x7f)
			berth_buf_addch(b, (char)c);
		else if (c >= 0x80) {
			size_t n = berth_utf8_decode(s + i, len - i, &cp);
			if (n == 0) {
				berth_buf_addf(b, "\\x%02x", c);
				n = 1;
			} else
				berth_buf_add(b, s + i, n);
			i += n;
			continue;
		} else
			berth_buf_addf(b, "\\x%02x", c);
		i++;
	}
	berth_buf_addch(b, '"');
}

static void fmt_float(struct berth_buf *out, const struct spec *sp, double d)
{
	struct berth_buf b = BERTH_BUF_INIT;
	char cfmt[16];

	if (isnan(d) || isinf(d)) {
		const char *s = isnan(d) ? "NaN" : d > 0 ? "+Inf" : "-Inf";
		pad(out, sp, s, strlen(s), 0, false);
		return;
	}
	if ((sp->verb | 0x20) == 'g' && sp->prec < 0) {
		/* Go's shortest %g differs from C's six digits */
		if ((sp->plus || sp->space) && !signbit(d))
			berth_buf_addch(&b, sp->plus ? '+' : ' ');
		json_t *j = json_real(d);
		berth_template_print_value(&b, j);
		json_decref(j);
		for (size_t i = 0; sp->verb == 'G' && i < b.len; i++)
			if (b.buf[i] == 'e')
				b.buf[i] = 'E';
		pad(out, sp, b.buf, b.len, b.buf[0] == '-' || b.buf[0] == '+' || b.buf[0] == ' ',
		    true);
		berth_buf_release(&b);
		return;
	}
	/* cfmt is built here from the parsed flags and one of the verbs eEfFgG: never from input */
	snprintf(cfmt, sizeof(cfmt), "%%%s%s%s%s%s*.*%c", sp->minus ? "-" : "", sp->plus ? "+" : "",
		 sp->sharp ? "#" : "", sp->zero ? "0" : "", sp->space ? " " : "", sp->verb);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	berth_buf_addf(out, cfmt, sp->width < 0 ? 0 : sp->width, sp->prec < 0 ? 6 : sp->prec, d);
#pragma GCC diagnostic pop
}

static void bad_verb(struct berth_buf *out, char verb, const json_t *v)
{
	berth_buf_addf(out, "%%!%c(", verb);
	if (v && !json_is_null(v)) {
		berth_buf_addf(out, "%s=", tmpl_type_name(v));
		berth_template_print_value(out, v);
	} else
		berth_buf_addstr(out, "<nil>");
	berth_buf_addch(out, ')');
}

static void fmt_string_like(struct berth_buf *out, const struct spec *sp, const json_t *v)
{
	struct berth_buf b = BERTH_BUF_INIT;
	if (!v)
		berth_buf_addstr(&b, "<nil>");
	else if (json_is_string(v) && sp->verb != 'x' && sp->verb != 'X') {
		const char *s = json_string_value(v);
		size_t len = json_string_length(v);
		if (sp->prec >= 0) /* the precision counts runes */
			for (size_t i = 0, runes = 0; i < len; i++)
				if (((unsigned char)s[i] & 0xc0) != 0x80 &&
				    runes++ == (size_t)sp->prec) {
					len = i;
					break;
				}
		if (sp->verb == 'q')
			quote(&b, s, len);
		else
			berth_buf_add(&b, s, len);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		for (size_t i = 0; i < json_string_length(v); i++)
			berth_buf_addf(&b, sp->verb == 'x' ? "%02x" : "%02X", (unsigned char)s[i]);
	} else
		berth_template_print_value(&b, v);
	pad(out, sp, b.buf, b.len, 0, false);
	berth_buf_release(&b);
}

static void fmt_rune(struct berth_buf *out, const struct spec *sp, long long v)
{
	char enc[4];
	struct berth_buf b = BERTH_BUF_INIT;
	uint32_t cp = v < 0 || v > 0x10ffff || (v >= 0xd800 && v < 0xe000) ? 0xfffd : (uint32_t)v;
	if (sp->verb == 'U')
		berth_buf_addf(&b, "U+%04llX", (unsigned long long)v);
	else if (sp->verb == 'q') {
		berth_buf_addch(&b, '\'');
		berth_buf_add(&b, enc, berth_utf8_encode(cp, enc));
		berth_buf_addch(&b, '\'');
	} else
		berth_buf_add(&b, enc, berth_utf8_encode(cp, enc));
	pad(out, sp, b.buf, b.len, 0, false);
	berth_buf_release(&b);
}

static void fmt_arg(struct berth_buf *out, const struct spec *sp, const json_t *v)
{
	char verb = sp->verb;
	bool num = json_is_integer(v);
	if (verb == 'v' && num)
		fmt_integer(out,
			    &(struct spec){.minus = sp->minus,
					   .plus = sp->plus,
					   .zero = sp->zero,
					   .space = sp->space,
					   .width = sp->width,
					   .prec = sp->prec,
					   .verb = 'd'},
			    json_integer_value(v));
	else if (verb == 'v' && json_is_real(v))
		fmt_float(out,
			  &(struct spec){.minus = sp->minus,
					 .plus = sp->plus,
					 .zero = sp->zero,
					 .width = sp->width,
					 .prec = sp->prec,
					 .verb = 'g'},
			  json_real_value(v));
	else if (verb == 'v' ||
		 ((verb == 's' || verb == 'q') && !num && !json_is_boolean(v) && !json_is_real(v) &&
		  v) ||
		 ((verb == 'x' || verb == 'X') && json_is_string(v)))
		fmt_string_like(out, sp, v);
	else if (num && strchr("dboxX", verb))
		fmt_integer(out, sp, json_integer_value(v));
	else if (num && strchr("cqU", verb))
		fmt_rune(out, sp, json_integer_value(v));
	else if (json_is_real(v) && strchr("eEfFgG", verb))
		fmt_float(out, sp, json_real_value(v));
	else if (verb == 'T')
		pad(out, sp, tmpl_type_name(v), strlen(tmpl_type_name(v)), 0, false);
	else if (json_is_boolean(v) && verb == 't')
		pad(out, sp, json_is_true(v) ? "true" : "false", json_is_true(v) ? 4 : 5, 0, false);
	else
		bad_verb(out, verb, v);
}

/*
 * Reads a width or precision at *i: digits, or `*` taking the next argument.
 * Returns whether one was given; *bad when it is not an int or too large.
 */
static bool read_num(const char *fmt, size_t len, size_t *i, json_t **args, size_t n, size_t *argi,
		     int *ret, bool *bad)
{
	long long v = 0;
	if (*i < len && fmt[*i] == '*') {
		(*i)++;
		if (*argi >= n || !json_is_integer(args[*argi]) ||
		    llabs(json_integer_value(args[*argi])) > MAX_WIDTH) {
			*bad = true;
			(*argi)++;
			return false;
		}
		*ret = (int)json_integer_value(args[(*argi)++]);
		return true;
	}
	if (*i >= len || fmt[*i] < '0' || fmt[*i] > '9')
		return false;
	for (; *i < len && fmt[*i] >= '0' && fmt[*i] <= '9'; (*i)++)
		if (!*bad && (v = v * 10 + (fmt[*i] - '0')) > MAX_WIDTH)
			*bad = true;
	*ret = (int)v;
	return !*bad;
}

static size_t parse_spec(const char *fmt, size_t len, size_t i, struct spec *sp, json_t **args,
			 size_t n, size_t *argi, struct berth_buf *out)
{
	bool bad_w = false, bad_p = false;
	int v = 0;
	*sp = (struct spec){.width = -1, .prec = -1};
	for (; i < len && fmt[i] && strchr("-+# 0", fmt[i]); i++) {
		sp->minus |= fmt[i] == '-';
		sp->plus |= fmt[i] == '+';
		sp->sharp |= fmt[i] == '#';
		sp->zero |= fmt[i] == '0';
		sp->space |= fmt[i] == ' ';
	}
	if (read_num(fmt, len, &i, args, n, argi, &v, &bad_w)) {
		sp->minus |= v < 0; /* a negative `*` width pads on the right */
		sp->width = v < 0 ? -v : v;
	}
	if (i < len && fmt[i] == '.') {
		i++;
		sp->prec = 0;
		if (read_num(fmt, len, &i, args, n, argi, &v, &bad_p))
			sp->prec = v < 0 ? -1 : v;
		else if (bad_p)
			sp->prec = -1;
	}
	if (bad_w)
		berth_buf_addstr(out, "%!(BADWIDTH)");
	if (bad_p)
		berth_buf_addstr(out, "%!(BADPREC)");
	sp->zero &= !sp->minus;
	return i;
}

void tmpl_printf(struct berth_buf *out, const char *fmt, size_t len, json_t **args, size_t n)
{
	size_t argi = 0;
	for (size_t i = 0; i < len;) {
		if (fmt[i] != '%') {
			berth_buf_addch(out, fmt[i++]);
			continue;
		}
		struct spec sp;
		i = parse_spec(fmt, len, i + 1, &sp, args, n, &argi, out);
		if (i >= len) {
			berth_buf_addstr(out, "%!(NOVERB)");
			break;
		}
		sp.verb = fmt[i++];
		if (sp.verb == '%')
			berth_buf_addch(out, '%');
		else if ((unsigned char)sp.verb >= 0x80 || sp.verb == '[')
			berth_buf_addf(out, "%%!%c(BADVERB)", sp.verb == '[' ? '[' : '?');
		else if (argi >= n)
			berth_buf_addf(out, "%%!%c(MISSING)", sp.verb);
		else
			fmt_arg(out, &sp, args[argi++]);
	}
	if (argi >= n)
		return;
	berth_buf_addstr(out, "%!(EXTRA ");
	for (size_t k = argi; k < n; k++) {
		berth_buf_addf(out, "%s%s=", k > argi ? ", " : "", tmpl_type_name(args[k]));
		berth_template_print_value(out, args[k]);
	}
	berth_buf_addch(out, ')');
}
