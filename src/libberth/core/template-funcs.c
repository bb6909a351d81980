/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The template's functions: Go's built-ins (index, slice, len, not, print,
 * println, printf, eq, ne, lt, le, gt, ge; and/or live in template-exec.c
 * because they short-circuit) and Docker's (json, join, split, title, lower,
 * upper, pad, truncate), and how Go's fmt prints a value.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/sort.h"
#include "core/template-internal.h"

#include "core/banned.h"

/* --- values --------------------------------------------------------------------------------- */

const char *tmpl_type_name(const json_t *v)
{
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_OBJECT:
		return "map[string]interface {}";
	case JSON_ARRAY:
		return "[]interface {}";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "int";
	case JSON_REAL:
		return "float64";
	case JSON_TRUE:
	case JSON_FALSE:
		return "bool";
	default:
		return "<nil>";
	}
}

bool tmpl_is_true(const json_t *v)
{
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_OBJECT:
		return json_object_size(v) > 0;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0;
	case JSON_TRUE:
		return true;
	default:
		return false;
	}
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **tmpl_sorted_keys(const json_t *obj)
{
	const char **keys = berth_xcalloc(json_object_size(obj) + 1, sizeof(*keys));
	const char *k;
	json_t *v;
	size_t n = 0;
	json_object_foreach ((json_t *)obj, k, v)
		keys[n++] = k;
	berth_qsort(keys, n, sizeof(*keys), cmp_keys);
	return keys;
}

/* Go's %v of a float64: the shortest form that reads back, exponent below 1e-4 and from 1e6 (Println(1e6) is 1e+06). */
static void print_float(struct berth_buf *out, double d)
{
	char tmp[64];
	int prec = 1;

	if (isnan(d) || isinf(d)) {
		berth_buf_addstr(out, isnan(d) ? "NaN" : d > 0 ? "+Inf" : "-Inf");
		return;
	}
	for (; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
	int exp = atoi(strchr(tmp, 'e') + 1);
	if (exp < -4 || exp >= 6)
		berth_buf_addstr(out, tmp);
	else
		berth_buf_addf(out, "%.*f", prec - 1 - exp > 0 ? prec - 1 - exp : 0, d);
}

static void print_nested(struct berth_buf *out, const json_t *v)
{
	size_t i;
	json_t *e;

	switch (json_typeof(v)) {
	case JSON_ARRAY:
		berth_buf_addch(out, '[');
		json_array_foreach (v, i, e) {
			if (i > 0)
				berth_buf_addch(out, ' ');
			print_nested(out, e);
		}
		berth_buf_addch(out, ']');
		return;
	case JSON_OBJECT: {
		_cleanup_free_ const char **keys = tmpl_sorted_keys(v);
		berth_buf_addstr(out, "map[");
		for (i = 0; keys[i]; i++) {
			berth_buf_addf(out, "%s%s:", i > 0 ? " " : "", keys[i]);
			print_nested(out, json_object_get(v, keys[i]));
		}
		berth_buf_addch(out, ']');
		return;
	}
	case JSON_STRING:
		berth_buf_add(out, json_string_value(v), json_string_length(v));
		return;
	case JSON_INTEGER:
		berth_buf_addf(out, "%lld", (long long)json_integer_value(v));
		return;
	case JSON_REAL:
		print_float(out, json_real_value(v));
		return;
	case JSON_TRUE:
	case JSON_FALSE:
		berth_buf_addstr(out, json_is_true(v) ? "true" : "false");
		return;
	case JSON_NULL:
		berth_buf_addstr(out, "<nil>");
		return;
	}
}

void berth_template_print_value(struct berth_buf *out, const json_t *v)
{
	if (!v)
		berth_buf_addstr(out, "<no value>");
	else
		print_nested(out, v);
}

/* An argument as a function argument sees it: Go's fmt prints a nil interface `<nil>`. */
static void print_arg(struct berth_buf *out, const json_t *v)
{
	if (!v)
		berth_buf_addstr(out, "<nil>");
	else
		print_nested(out, v);
}

/* --- argument checks ------------------------------------------------------------------------ */

static int want_string(json_t *v, struct berth_buf *msg, const char **ret, size_t *ret_len)
{
	if (!v || json_is_null(v)) {
		berth_buf_addstr(msg, "invalid value; expected string");
		return -2;
	}
	if (!json_is_string(v)) {
		berth_buf_addf(msg, "wrong type for value; expected string; got %s",
			       tmpl_type_name(v));
		return -2;
	}
	*ret = json_string_value(v);
	if (ret_len)
		*ret_len = json_string_length(v);
	return 0;
}

static int want_int(json_t *v, struct berth_buf *msg, long long *ret)
{
	if (!json_is_integer(v)) {
		berth_buf_addf(msg, "wrong type for value; expected int; got %s",
			       tmpl_type_name(v));
		return -2;
	}
	*ret = json_integer_value(v);
	return 0;
}

static json_t *new_string(const char *s, size_t len)
{
	return json_stringn_nocheck(s, len);
}

/* --- Docker's functions --------------------------------------------------------------------- */

static int fn_json(json_t **a, size_t n, json_t **ret, struct berth_buf *msg)
{
	(void)n;
	(void)msg;
	if (!a[0]) {
		*ret = json_string("null");
		return 0;
	}
	_cleanup_free_ char *s =
		json_dumps(a[0], JSON_ENCODE_ANY | JSON_COMPACT | JSON_PRESERVE_ORDER);
	*ret = s ? new_string(s, strlen(s)) : json_string("null");
	return 0;
}

static int fn_join(json_t **a, size_t n, json_t **ret, struct berth_buf *msg)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	const char *sep;
	size_t seplen, i;
	json_t *e;
	(void)n;

	if (!json_is_array(a[0])) {
		berth_buf_addf(msg, "wrong type for value; expected []string; got %s",
			       tmpl_type_name(a[0]));
		return -2;
	}
	int r = want_string(a[1], msg, &sep, &seplen);
	if (r < 0)
		return r;
	json_array_foreach (a[0], i, e) {
		if (i > 0)
			berth_buf_add(&b, sep, seplen);
		if (b.len > TMPL_MAX_STRING)
			break;
		print_arg(&b, e);
	}
	*ret = new_string(b.buf, b.len);
	return 0;
}

static int fn_split(json_t **a, size_t n, json_t **ret, struct berth_buf *msg)
{
	const char *s, *sep;
	size_t len, seplen;
	(void)n;
	int r = want_string(a[0], msg, &s, &len);
	if (r >= 0)
		r = want_string(a[1], msg, &sep, &seplen);
	if (r < 0)
		return r;
	json_t *list = json_array();
	for (size_t i = 0, start = 0; i <= len;) {
		size_t step = seplen ? seplen : 1;
		if (seplen == 0) /* Go splits after each UTF-8 sequence */
			while (i + step < len && ((unsigned char)s[i + step] & 0xc0) == 0x80)
				step++;
		if (i == len || (seplen ? (len - i >= seplen && memcmp(s + i, sep, seplen) == 0)
					: i + step <= len)) {
			if (seplen == 0 && i == len)
				break;
			size_t end = seplen ? i : i + step;
			json_array_append_new(list, new_string(s + start, end - start));
			i = start = end + seplen;
			if (i > len || (seplen == 0 && i == len))
				break;
			continue;
		}
		i++;
	}
	*ret = list;
	return 0;
}

static int map_ascii(json_t **a, json_t **ret, struct berth_buf *msg, int mode)
{
	const char *s;
	size_t len;
	int r = want_string(a[0], msg, &s, &len);
	if (r < 0)
		return r;
	_cleanup_free_ char *c = berth_xmemdup(s, len + 1);
	bool word_start = true;
	for (size_t i = 0; i < len; i++) {
		unsigned char u = (unsigned char)c[i];
		bool letter = (u | 0x20) >= 'a' && (u | 0x20) <= 'z';
		if (letter && (mode == 'u' || (mode == 't' && word_start)))
			c[i] = (char)(u & ~0x20);
		else if (letter && mode == 'l')
			c[i] = (char)(u | 0x20);
		/* strings.Title: ASCII letters, digits and '_' continue a word; other ASCII ends it */
		word_start = u < 0x80 && !letter && !(u >= '0' && u <= '9') && u != '_';
	}
	*ret = new_string(c, len);
	return 0;
}

static int fn_lower(json_t **a, size_t n, json_t **ret, struct berth_buf *msg)
{
	(void)n;
	return map_ascii(a, ret, msg, 'l');
}

static int fn_upper(json_t **a, size_t n, json_t **ret, struct berth_buf *msg)
{
	(void)n;
	return map_ascii(a, ret, msg, 'u');
}

static int fn_title(json_t **a, size_t n, json_t **ret, struct berth_buf *msg)
{
	(void)n;
	return map_ascii(a, ret, msg, 't');
}

static int fn_pad(json_t **a, size_t n, json_t **ret, struct berth_buf *msg)
{
	const char *s;
	size_t len;
	long long pre, post;
	(void)n;
	int r = want_string(a[0], msg, &s, &len);
	if (r >= 0)
		r = want_int(a[1], msg, &pre);
	if (r >= 0)
		r = want_int(a[2], msg, &post);
	if (r < 0)
		return r;
	if (pre < 0 || post < 0 || pre > TMPL_MAX_STRING || post > TMPL_MAX_STRING) {
		berth_buf_addstr(msg, "strings: negative or too large Repeat count");
		return -1;
	}
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	if (len > 0) {
		for (long long i = 0; i < pre; i++)
			berth_buf_addch(&b, ' ');
		berth_buf_add(&b, s, len);
		for (long long i = 0; i < post; i++)
			berth_buf_addch(&b, ' ');
	}
	*ret = new_string(b.buf, b.len);
	return 0;
}

static int fn_truncate(json_t **a, size_t n, json_t **ret, struct berth_buf *msg)
{
	const char *s;
	size_t len;
	long long max;
	(void)n;
	int r = want_string(a[0], msg, &s, &len);
	if (r >= 0)
		r = want_int(a[1], msg, &max);
	if (r < 0)
		return r;
	if (max < 0 && (long long)len >= max) {
		berth_buf_addf(msg, "slice bounds out of range [:%lld]", max);
		return -1;
	}
	*ret = new_string(s, (long long)len < max ? len : (size_t)max);
	return 0;
}

/* --- Go's built-ins ------------------------------------------------------------------------- */

static int fn_len(json_t **a, size_t n, json_t **ret, struct berth_buf *msg)
{
	(void)n;
	json_t *v = a[0];
	if (!v || json_is_null(v)) {
		berth_buf_addstr(msg, "len of nil pointer");
		return -1;
	}
	if (!json_is_string(v) && !json_is_array(v) && !json_is_object(v)) {
		berth_buf_addf(msg, "len of type %s", tmpl_type_name(v));
		return -1;
	}
	*ret = json_integer((json_int_t)(json_is_string(v)  ? json_string_length(v)
					 : json_is_array(v) ? json_array_size(v)
							    : json_object_size(v)));
	return 0;
}

static int index_arg(json_t *idx, size_t len, size_t *ret, struct berth_buf *msg)
{
	if (!idx || json_is_null(idx)) {
		berth_buf_addstr(msg, "cannot index slice/array with nil");
		return -1;
	}
	if (!json_is_integer(idx)) {
		berth_buf_addf(msg, "cannot index slice/array with type %s", tmpl_type_name(idx));
		return -1;
	}
	json_int_t x = json_integer_value(idx);
	if (x < 0 || (unsigned long long)x >= len) {
		berth_buf_addf(msg, "index out of range: %lld", (long long)x);
		return -1;
	}
	*ret = (size_t)x;
	return 0;
}

static int index_one(json_t *item, json_t *idx, json_t **ret, struct berth_buf *msg)
{
	size_t i;
	if (json_is_object(item)) {
		if (!json_is_string(idx)) {
			berth_buf_addf(msg, "value has type %s; should be string",
				       tmpl_type_name(idx));
			return -1;
		}
		json_t *v = json_object_getn(item, json_string_value(idx), json_string_length(idx));
		*ret = v ? json_incref(v) : NULL;
		return 0;
	}
	if (json_is_array(item) || json_is_string(item)) {
		size_t len = json_is_array(item) ? json_array_size(item) : json_string_length(item);
		int r = index_arg(idx, len, &i, msg);
		if (r < 0)
			return r;
		*ret = json_is_array(item)
			       ? json_incref(json_array_get(item, i))
			       : json_integer((unsigned char)json_string_value(item)[i]);
		return 0;
	}
	berth_buf_addf(msg, "can't index item of type %s", tmpl_type_name(item));
	return -1;
}

static int fn_index(json_t **a, size_t n, json_t **ret, struct berth_buf *msg)
{
	json_t *item = a[0] ? json_incref(a[0]) : NULL;
	for (size_t k = 1; k < n; k++) {
		json_t *next = NULL;
		int r = 0;
		if (!item || json_is_null(item)) {
			berth_buf_addstr(msg,
					 k == 1 ? "index of untyped nil" : "index of nil pointer");
			r = -1;
		} else
			r = index_one(item, a[k], &next, msg);
		if (item)
			json_decref(item);
		if (r < 0)
			return r;
		item = next;
	}
	if (n == 1 && !item) {
		berth_buf_addstr(msg, "index of untyped nil");
		return -1;
	}
	*ret = item;
	return 0;
}

static int fn_slice(json_t **a, size_t n, json_t **ret, struct berth_buf *msg)
{
	json_t *item = a[0];
	bool str = json_is_string(item);
	size_t len = str ? json_string_length(item) : json_array_size(item);
	size_t idx[2] = {0, len};

	if (!item || json_is_null(item) || (!str && !json_is_array(item))) {
		berth_buf_addf(msg,
			       !item || json_is_null(item) ? "slice of untyped nil"
							   : "can't slice item of type %s",
			       tmpl_type_name(item));
		return -1;
	}
	if (n > 3) {
		berth_buf_addf(
			msg, str ? "cannot 3-index slice a string" : "too many slice indexes: %zu",
			n - 1);
		return -1;
	}
	for (size_t k = 1; k < n; k++) {
		int r = index_arg(a[k], len + 1, &idx[k - 1], msg);
		if (r < 0)
			return r;
	}
	if (idx[0] > idx[1]) {
		berth_buf_addf(msg, "invalid slice index: %zu > %zu", idx[0], idx[1]);
		return -1;
	}
	if (str) {
		*ret = new_string(json_string_value(item) + idx[0], idx[1] - idx[0]);
		return 0;
	}
	*ret = json_array();
	for (size_t i = idx[0]; i < idx[1]; i++)
		json_array_append(*ret, json_array_get(item, i));
	return 0;
}

static int fn_not(json_t **a, size_t n, json_t **ret, struct berth_buf *msg)
{
	(void)n;
	(void)msg;
	*ret = json_boolean(!tmpl_is_true(a[0]));
	return 0;
}

/* fmt.Sprint adds a space between operands when neither is a string; Sprintln always. */
static void sprint(struct berth_buf *b, json_t **a, size_t n, bool ln)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && (ln || (!json_is_string(a[i]) && !json_is_string(a[i - 1]))))
			berth_buf_addch(b, ' ');
		print_arg(b, a[i]);
	}
	if (ln)
		berth_buf_addch(b, '\n');
}

static int fn_print(json_t **a, size_t n, json_t **ret, struct berth_buf *msg)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	(void)msg;
	sprint(&b, a, n, false);
	*ret = new_string(b.buf, b.len);
	return 0;
}

static int fn_println(json_t **a, size_t n, json_t **ret, struct berth_buf *msg)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	(void)msg;
	sprint(&b, a, n, true);
	*ret = new_string(b.buf, b.len);
	return 0;
}

static int fn_printf(json_t **a, size_t n, json_t **ret, struct berth_buf *msg)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	const char *fmt;
	size_t len;
	int r = want_string(a[0], msg, &fmt, &len);
	if (r < 0)
		return r;
	tmpl_printf(&b, fmt, len, a + 1, n - 1);
	*ret = new_string(b.buf, b.len);
	return 0;
}

/* --- comparisons ---------------------------------------------------------------------------- */

enum kind {
	K_INVALID,
	K_BOOL,
	K_INT,
	K_FLOAT,
	K_STRING,
	K_OTHER
};

static enum kind basic_kind(const json_t *v)
{
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_TRUE:
	case JSON_FALSE:
		return K_BOOL;
	case JSON_INTEGER:
		return K_INT;
	case JSON_REAL:
		return K_FLOAT;
	case JSON_STRING:
		return K_STRING;
	case JSON_NULL:
		return K_INVALID;
	default:
		return K_OTHER;
	}
}

/* <0 error, else a<b: -1... as 0 equal, 1 a<b, 2 a>b. */
static int compare(const json_t *x, const json_t *y, bool ordered, struct berth_buf *msg)
{
	enum kind kx = basic_kind(x), ky = basic_kind(y);
	if (ordered && (kx == K_INVALID || kx == K_OTHER || kx == K_BOOL || ky == K_INVALID ||
			ky == K_OTHER || ky == K_BOOL)) {
		berth_buf_addstr(msg, "invalid type for comparison");
		return -1;
	}
	if (kx != ky) {
		if (kx == K_INVALID || ky == K_INVALID)
			return 2; /* unequal, as Go's eq says for nil against a value */
		berth_buf_addstr(msg, "incompatible types for comparison");
		return -1;
	}
	switch (kx) {
	case K_INVALID:
		return 0;
	case K_BOOL:
		return json_is_true(x) == json_is_true(y) ? 0 : 2;
	case K_INT:
		return json_integer_value(x) == json_integer_value(y)  ? 0
		       : json_integer_value(x) < json_integer_value(y) ? 1
								       : 2;
	case K_FLOAT:
		return json_real_value(x) == json_real_value(y)	 ? 0
		       : json_real_value(x) < json_real_value(y) ? 1
								 : 2;
	case K_STRING: {
		size_t lx = json_string_length(x), ly = json_string_length(y);
		int c = memcmp(json_string_value(x), json_string_value(y), lx < ly ? lx : ly);
		return c == 0 && lx == ly ? 0 : (c < 0 || (c == 0 && lx < ly)) ? 1 : 2;
	}
	default:
		berth_buf_addstr(msg, "non-comparable types");
		return -1;
	}
}

static int fn_eq(json_t **a, size_t n, json_t **ret, struct berth_buf *msg)
{
	if (n < 2) {
		berth_buf_addstr(msg, "missing argument for comparison");
		return -1;
	}
	for (size_t i = 1; i < n; i++) {
		int c = compare(a[0], a[i], false, msg);
		if (c < 0)
			return c;
		if (c == 0) {
			*ret = json_true();
			return 0;
		}
	}
	*ret = json_false();
	return 0;
}

static int fn_ordered(json_t **a, json_t **ret, struct berth_buf *msg, int want_lo, bool or_eq)
{
	int c = compare(a[0], a[1], true, msg);
	if (c < 0)
		return c;
	*ret = json_boolean(c == want_lo || (or_eq &&c == 0));
	return 0;
}

static int fn_ne(json_t **a, size_t n, json_t **ret, struct berth_buf *msg)
{
	int r = fn_eq(a, n, ret, msg);
	if (r >= 0)
		*ret = json_boolean(!json_is_true(*ret));
	return r;
}

static int fn_lt(json_t **a, size_t n, json_t **ret, struct berth_buf *msg)
{
	(void)n;
	return fn_ordered(a, ret, msg, 1, false);
}

static int fn_le(json_t **a, size_t n, json_t **ret, struct berth_buf *msg)
{
	(void)n;
	return fn_ordered(a, ret, msg, 1, true);
}

static int fn_gt(json_t **a, size_t n, json_t **ret, struct berth_buf *msg)
{
	(void)n;
	return fn_ordered(a, ret, msg, 2, false);
}

static int fn_ge(json_t **a, size_t n, json_t **ret, struct berth_buf *msg)
{
	(void)n;
	return fn_ordered(a, ret, msg, 2, true);
}

/* --- the table ------------------------------------------------------------------------------ */

struct func {
	const char *name;
	int min, max; /* max -1: variadic */
	bool docker;  /* one of Docker's: the identity when printing a header */
	int (*fn)(json_t **a, size_t n, json_t **ret, struct berth_buf *msg);
};

static const struct func funcs[] = {
	{"and", 1, -1, false, NULL},
	{"or", 1, -1, false, NULL},
	{"not", 1, 1, false, fn_not},
	{"len", 1, 1, false, fn_len},
	{"index", 1, -1, false, fn_index},
	{"slice", 1, -1, false, fn_slice},
	{"print", 0, -1, false, fn_print},
	{"println", 0, -1, false, fn_println},
	{"printf", 1, -1, false, fn_printf},
	{"eq", 1, -1, false, fn_eq},
	{"ne", 2, 2, false, fn_ne},
	{"lt", 2, 2, false, fn_lt},
	{"le", 2, 2, false, fn_le},
	{"gt", 2, 2, false, fn_gt},
	{"ge", 2, 2, false, fn_ge},
	{"json", 1, 1, true, fn_json},
	{"join", 2, 2, true, fn_join},
	{"split", 2, 2, true, fn_split},
	{"title", 1, 1, true, fn_title},
	{"lower", 1, 1, true, fn_lower},
	{"upper", 1, 1, true, fn_upper},
	{"pad", 3, 3, false, fn_pad}, /* Docker keeps pad in headers, for alignment */
	{"truncate", 2, 2, true, fn_truncate},
};

static const struct func *func_find(const char *name)
{
	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
		if (strcmp(funcs[i].name, name) == 0)
			return &funcs[i];
	return NULL;
}

bool tmpl_func_exists(const char *name)
{
	return func_find(name) != NULL;
}

int tmpl_call(const char *name, unsigned flags, json_t **args, size_t n, json_t **ret,
	      struct berth_buf *msg)
{
	const struct func *f = func_find(name);
	*ret = NULL;
	if (!f || !f->fn)
		return -2;
	if (n < (size_t)f->min || (f->max >= 0 && n > (size_t)f->max)) {
		berth_buf_addf(msg, "wrong number of args for %s: want %s%d got %zu", name,
			       f->max < 0 ? "at least " : "", f->min, n);
		return -2;
	}
	if (f->docker && (flags & BERTH_TEMPLATE_HEADER)) {
		*ret = args[0] ? json_incref(args[0]) : NULL;
		return 0;
	}
	return f->fn(args, n, ret, msg);
}
