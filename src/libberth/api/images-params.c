/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/images-params.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/progress.h"
#include "core/strv.h"
#include "registry/registry.h"

struct api_filters {
	size_t n;
	char **keys;
	char ***values; /* per key, NULL-terminated */
};

void api_filters_free(struct api_filters *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++) {
		free(f->keys[i]);
		berth_strv_free(f->values[i]);
	}
	free(f->keys);
	free(f->values);
	free(f);
}

/* One key's values: {"v": true, ...} (Docker's current form) or ["v", ...] (before 1.22). */
static int filter_values(const char *key, json_t *v, char ***out, struct berth_error **err)
{
	const char *k;
	json_t *x;
	size_t i;
	if (json_is_object(v)) {
		json_object_foreach (v, k, x)
			if (json_is_true(x))
				berth_strv_push(out, k);
		return 0;
	}
	if (!json_is_array(v))
		return berth_error_set(err, EINVAL, "invalid filter '%s': not an object", key);
	json_array_foreach (v, i, x) {
		if (!json_is_string(x))
			return berth_error_set(err, EINVAL, "invalid filter '%s': not a string",
					       key);
		berth_strv_push(out, json_string_value(x));
	}
	return 0;
}

int api_filters_read(const char *json, const char *const *allowed, struct api_filters **ret,
		     struct berth_error **err)
{
	_cleanup_json_ json_t *in = NULL;
	if (json && *json) {
		int r = berth_json_parse(json, strlen(json), "filters", &in, err);
		if (r < 0)
			return r;
		if (!json_is_object(in))
			return berth_error_set(err, EINVAL, "invalid filters: not a JSON object");
	}
	struct api_filters *f = berth_xcalloc(1, sizeof(*f));
	size_t n = in ? json_object_size(in) : 0;
	f->keys = berth_xcalloc(n + 1, sizeof(char *));
	f->values = berth_xcalloc(n + 1, sizeof(char **));
	const char *key;
	json_t *v;
	int r = 0;
	json_object_foreach (in, key, v) {
		bool ok = false;
		for (size_t i = 0; allowed && allowed[i] && !ok; i++)
			ok = strcmp(allowed[i], key) == 0;
		if (!ok) {
			r = berth_error_set(err, EINVAL, "invalid filter '%s'", key);
			break;
		}
		f->keys[f->n] = berth_xstrdup(key);
		r = filter_values(key, v, &f->values[f->n++], err);
		if (r < 0)
			break;
	}
	if (r < 0) {
		api_filters_free(f);
		return r;
	}
	*ret = f;
	return 0;
}

char *const *api_filters_values(const struct api_filters *f, const char *key)
{
	for (size_t i = 0; f && i < f->n; i++)
		if (strcmp(f->keys[i], key) == 0)
			return f->values[i];
	return NULL;
}

bool api_filters_match_substring(const struct api_filters *f, const char *key, const char *s)
{
	char *const *v = api_filters_values(f, key);
	if (!v || !*v)
		return true;
	for (; *v; v++)
		if (strstr(s, *v))
			return true;
	return false;
}

bool api_filters_bool(const struct api_filters *f, const char *key)
{
	BERTH_STRV_FOREACH (v, api_filters_values(f, key))
		if (strcmp(*v, "true") == 0 || strcmp(*v, "1") == 0)
			return true;
	return false;
}

bool api_version_before(const char *version, unsigned major, unsigned minor)
{
	unsigned a = 0, b = 0;
	if (!version || sscanf(version, "%u.%u", &a, &b) != 2)
		return false;
	return a < major || (a == major && b < minor);
}

int api_json_labels(const json_t *body, const char *key, json_t **ret, struct berth_error **err)
{
	json_t *l = body ? json_object_get(body, key) : NULL;
	*ret = NULL;
	if (!l || json_is_null(l))
		return 0;
	if (!json_is_object(l))
		return berth_error_set(err, EINVAL, "%s: not an object of strings", key);
	const char *k;
	json_t *v;
	json_object_foreach (l, k, v)
		if (!json_is_string(v))
			return berth_error_set(err, EINVAL, "%s: '%s' is not a string", key, k);
	*ret = json_incref(l);
	return 0;
}

static int json_optional(const json_t *body, const char *key, json_type type, const char *what,
			 json_t **ret, struct berth_error **err)
{
	json_t *v = body ? json_object_get(body, key) : NULL;
	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (json_typeof(v) != type)
		return berth_error_set(err, EINVAL, "%s: not %s", key, what);
	*ret = v;
	return 0;
}

int api_json_string(const json_t *body, const char *key, const char **ret, struct berth_error **err)
{
	json_t *v = NULL;
	int r = json_optional(body, key, JSON_STRING, "a string", &v, err);
	*ret = v ? json_string_value(v) : NULL;
	return r;
}

int api_json_object(const json_t *body, const char *key, json_t **ret, struct berth_error **err)
{
	return json_optional(body, key, JSON_OBJECT, "an object", ret, err);
}

char **api_labels_to_strv(const json_t *labels)
{
	char **out = NULL;
	const char *k;
	json_t *v;
	json_object_foreach ((json_t *)labels, k, v)
		berth_strv_consume(&out, berth_xasprintf("%s=%s", k, json_string_value(v)));
	return out;
}

int api_build_args_parse(const char *json, char ***ret, struct berth_error **err)
{
	_cleanup_json_ json_t *in = NULL;
	_cleanup_strv_free_ char **out = NULL;
	*ret = NULL;
	if (!json || !*json)
		return 0;
	int r = berth_json_parse(json, strlen(json), "buildargs", &in, err);
	if (r < 0)
		return r;
	if (!json_is_object(in))
		return berth_error_set(err, EINVAL, "buildargs: not a JSON object");
	const char *k;
	json_t *v;
	json_object_foreach (in, k, v) {
		if (!json_is_string(v))
			return berth_error_set(
				err, EINVAL,
				"build arg '%s' has no value: the service takes none "
				"from its environment",
				k);
		berth_strv_consume(&out, berth_xasprintf("%s=%s", k, json_string_value(v)));
	}
	*ret = TAKE_PTR(out);
	return 0;
}

int api_registry_auth_parse(const char *header, bool *ret_has_creds, struct berth_error **err)
{
	_cleanup_free_ char *dec = NULL;
	_cleanup_json_ json_t *j = NULL;
	size_t len = 0;
	*ret_has_creds = false;
	if (!header || !*header)
		return 0;
	if (berth_registry_base64_decode(header, &dec, &len) < 0)
		return berth_error_set(err, EINVAL, "X-Registry-Auth: not base64");
	int r = berth_json_parse(dec, len, "X-Registry-Auth", &j, err);
	if (r < 0)
		return r;
	if (!json_is_object(j))
		return berth_error_set(err, EINVAL, "X-Registry-Auth: not a JSON object");
	static const char *const creds[] = {"username", "password", "auth", "identitytoken",
					    "registrytoken"};
	for (size_t i = 0; i < sizeof(creds) / sizeof(creds[0]); i++) {
		const char *v = json_string_value(json_object_get(j, creds[i]));
		if (v && *v)
			*ret_has_creds = true;
	}
	return 0;
}

json_t *api_progress_message(const char *status, const char *id, uint64_t current, uint64_t total)
{
	json_t *m = json_pack("{s:s}", "status", status);
	if (id)
		json_object_set_new(m, "id", json_string(id));
	if (!current && !total)
		return m;
	json_t *d = json_pack("{s:I}", "current", (json_int_t)current);
	if (total)
		json_object_set_new(d, "total", json_integer((json_int_t)total));
	json_object_set_new(m, "progressDetail", d);
	/* Docker's jsonmessage bar: 50 cells, '=' done, '>' the head */
	char cur[16], tot[16];
	struct berth_buf b = BERTH_BUF_INIT;
	berth_format_size(current, cur);
	if (total) {
		unsigned cells = (unsigned)(current >= total ? 50 : current * 50 / total);
		berth_buf_addch(&b, '[');
		for (unsigned i = 0; i < 50; i++)
			berth_buf_addch(&b, i < cells ? '=' : i == cells ? '>' : ' ');
		berth_buf_addf(&b, "] %s/%s", cur, berth_format_size(total, tot));
	} else {
		berth_buf_addf(&b, "%s", cur);
	}
	json_object_set_new(m, "progress", json_string(b.buf));
	berth_buf_release(&b);
	return m;
}

json_t *api_stream_error_message(const char *msg)
{
	return json_pack("{s:{s:s}, s:s}", "errorDetail", "message", msg, "error", msg);
}
