/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Variable interpolation in compose files, with the Compose
 * Specification's syntax: $VAR, ${VAR}, ${VAR:-d}, ${VAR-d}, ${VAR:?err},
 * ${VAR?err}, ${VAR:+alt}, ${VAR+alt}, and $$ for a literal $. Defaults and
 * messages are interpolated in turn (nesting is bounded). A $ followed by
 * anything else is an error, as in compose-go.
 */
#include <errno.h>
#include <string.h>

#include "compose/compose-internal.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/strv.h"

#define MAX_NESTING 16

struct interp {
	berth_compose_lookup_fn lookup;
	void *userdata;
	char ***unset; /* names referenced without a default and not set */
};

static bool is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

static int expand(const struct interp *in, const char *s, size_t len, int depth,
		  struct berth_buf *out, struct berth_error **err);

/* The end of the braced reference starting at s ("${"), or NULL when unclosed. */
static const char *closing_brace(const char *s, const char *end)
{
	int level = 0;
	for (const char *p = s; p < end; p++) {
		if (p[0] == '$' && p + 1 < end && p[1] == '$') {
			p++;
			continue;
		}
		if (p[0] == '$' && p + 1 < end && p[1] == '{') {
			level++;
			p++;
		} else if (p[0] == '}' && --level == 0) {
			return p;
		}
	}
	return NULL;
}

static void note_unset(const struct interp *in, const char *name)
{
	if (in->unset && !berth_strv_contains(*in->unset, name))
		berth_strv_push(in->unset, name);
}

/* body is what stands between "${" and "}". */
static int expand_braced(const struct interp *in, const char *body, size_t len, int depth,
			 struct berth_buf *out, struct berth_error **err)
{
	size_t n = 0;
	while (n < len && is_name_char(body[n]))
		n++;
	if (n == 0 || !is_name_start(body[0]))
		return berth_error_set(err, EINVAL, "invalid interpolation format for '${%.*s}'",
				       (int)len, body);
	_cleanup_free_ char *name = berth_xstrndup(body, n);
	const char *value = in->lookup(name, in->userdata);
	if (n == len) {
		if (!value)
			note_unset(in, name);
		berth_buf_addstr(out, value ? value : "");
		return 0;
	}
	const char *op = body + n;
	bool colon = op[0] == ':';
	if (colon)
		op++;
	const char *word = op + 1;
	size_t wlen = len - (size_t)(word - body);
	if (op >= body + len || (op[0] != '-' && op[0] != '?' && op[0] != '+'))
		return berth_error_set(err, EINVAL, "invalid interpolation format for '${%.*s}'",
				       (int)len, body);
	/* with ':' an empty value counts as unset */
	bool set = value && (!colon || *value);
	switch (op[0]) {
	case '-':
		if (set) {
			berth_buf_addstr(out, value);
			return 0;
		}
		return expand(in, word, wlen, depth + 1, out, err);
	case '+':
		if (!set)
			return 0;
		return expand(in, word, wlen, depth + 1, out, err);
	default: {
		if (set) {
			berth_buf_addstr(out, value);
			return 0;
		}
		_cleanup_buf_ struct berth_buf msg = BERTH_BUF_INIT;
		int r = expand(in, word, wlen, depth + 1, &msg, err);
		if (r < 0)
			return r;
		return berth_error_set(err, EINVAL, "required variable %s is missing a value%s%s",
				       name, msg.len ? ": " : "", msg.buf);
	}
	}
}

static int expand(const struct interp *in, const char *s, size_t len, int depth,
		  struct berth_buf *out, struct berth_error **err)
{
	const char *end = s + len;
	if (depth > MAX_NESTING)
		return berth_error_set(err, EINVAL, "interpolation nested deeper than %d levels",
				       MAX_NESTING);
	for (const char *p = s; p < end; p++) {
		if (*p != '$') {
			berth_buf_addch(out, *p);
			continue;
		}
		if (p + 1 < end && p[1] == '$') {
			berth_buf_addch(out, '$');
			p++;
		} else if (p + 1 < end && p[1] == '{') {
			const char *close = closing_brace(p, end);
			if (!close)
				return berth_error_set(err, EINVAL,
						       "invalid interpolation format for '%.*s': "
						       "no closing '}'",
						       (int)(end - p), p);
			int r = expand_braced(in, p + 2, (size_t)(close - p - 2), depth, out, err);
			if (r < 0)
				return r;
			p = close;
		} else if (p + 1 < end && is_name_start(p[1])) {
			const char *q = p + 1;
			while (q < end && is_name_char(*q))
				q++;
			_cleanup_free_ char *name = berth_xstrndup(p + 1, (size_t)(q - p - 1));
			const char *value = in->lookup(name, in->userdata);
			if (!value)
				note_unset(in, name);
			berth_buf_addstr(out, value ? value : "");
			p = q - 1;
		} else {
			return berth_error_set(err, EINVAL,
					       "invalid interpolation format for '%.*s': use '$$' "
					       "for a literal '$'",
					       (int)(end - p > 20 ? 20 : end - p), p);
		}
	}
	return 0;
}

static int interpolate(const struct interp *in, const char *text, char **ret,
		       struct berth_error **err)
{
	_cleanup_buf_ struct berth_buf out = BERTH_BUF_INIT;
	int r = expand(in, text, strlen(text), 0, &out, err);
	if (r < 0)
		return r;
	*ret = berth_buf_detach(&out, NULL);
	return 0;
}

int berth_compose_interpolate(const char *text, berth_compose_lookup_fn lookup, void *userdata,
			      char **ret, struct berth_error **err)
{
	struct interp in = {lookup, userdata, NULL};
	return interpolate(&in, text, ret, err);
}

static int interpolate_node(const struct interp *in, struct berth_yaml_node *n, const char *file,
			    const char *key, struct berth_error **err)
{
	int r;
	switch (n->kind) {
	case BERTH_YAML_SCALAR: {
		if (!strchr(n->value, '$'))
			return 0;
		char *v = NULL;
		r = interpolate(in, n->value, &v, err);
		if (r < 0)
			return berth_error_prefix(err, "%s:%d: %s", file, n->line, key);
		free(n->value);
		n->value = v;
		return 0;
	}
	case BERTH_YAML_SEQ:
		for (size_t i = 0; i < n->n; i++) {
			r = interpolate_node(in, n->items[i], file, key, err);
			if (r < 0)
				return r;
		}
		return 0;
	case BERTH_YAML_MAP:
		for (size_t i = 0; i < n->n; i++) {
			/* the key's path names the value in messages: services.web.image */
			_cleanup_free_ char *path =
				*key ? berth_xasprintf("%s.%s", key, n->entries[i].key)
				     : berth_xstrdup(n->entries[i].key);
			r = interpolate_node(in, n->entries[i].value, file, path, err);
			if (r < 0)
				return r;
		}
		return 0;
	default:
		return 0;
	}
}

int berth_compose_interpolate_tree(struct berth_yaml_node *n, const char *file,
				   berth_compose_lookup_fn lookup, void *userdata,
				   char ***ret_unset, struct berth_error **err)
{
	struct interp in = {lookup, userdata, ret_unset};
	if (!n)
		return 0;
	return interpolate_node(&in, n, file, "", err);
}
