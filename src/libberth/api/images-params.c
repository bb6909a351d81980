/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/images-params.h"
#include "core/alloc.h"
#include "core/base64.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/progress.h"
#include "core/strv.h"
#include "registry/registry.h"

int api_filters_check(const json_t *f, const char *const *allowed, struct berth_error **err)
{
	const char *key;
	json_t *v;
	json_object_foreach ((json_t *)f, key, v) {
		bool ok = false;
		for (size_t i = 0; allowed && allowed[i] && !ok; i++)
			ok = strcmp(allowed[i], key) == 0;
		if (!ok)
			return berth_error_set(err, EINVAL, "invalid filter '%s'", key);
	}
	return 0;
}

const char *api_filters_first(const json_t *f, const char *key)
{
	return json_string_value(json_array_get(json_object_get(f, key), 0));
}

enum match {
	MATCH_SUBSTRING,
	MATCH_PREFIX,
	MATCH_EXACT
};

static bool filters_match(const json_t *f, const char *key, const char *s, enum match how)
{
	json_t *vals = json_object_get(f, key), *v;
	size_t i;
	if (json_array_size(vals) == 0)
		return true;
	json_array_foreach (vals, i, v) {
		const char *want = json_string_value(v);
		if (!want)
			continue;
		if ((how == MATCH_SUBSTRING && strstr(s, want)) ||
		    (how == MATCH_PREFIX && strncmp(s, want, strlen(want)) == 0) ||
		    (how == MATCH_EXACT && strcmp(s, want) == 0))
			return true;
	}
	return false;
}

bool api_filters_match_substring(const json_t *f, const char *key, const char *s)
{
	return filters_match(f, key, s, MATCH_SUBSTRING);
}

bool api_filters_match_prefix(const json_t *f, const char *key, const char *s)
{
	return filters_match(f, key, s, MATCH_PREFIX);
}

bool api_filters_match_exact(const json_t *f, const char *key, const char *s)
{
	return filters_match(f, key, s, MATCH_EXACT);
}

bool api_filters_bool(const json_t *f, const char *key)
{
	json_t *vals = json_object_get(f, key), *v;
	size_t i;
	json_array_foreach (vals, i, v) {
		const char *x = json_string_value(v);
		if (x && (strcmp(x, "true") == 0 || strcmp(x, "1") == 0))
			return true;
	}
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

void api_registry_auth_release(struct api_registry_auth *a)
{
	if (a->password)
		explicit_bzero(a->password, strlen(a->password));
	if (a->identity_token)
		explicit_bzero(a->identity_token, strlen(a->identity_token));
	if (a->registry_token)
		explicit_bzero(a->registry_token, strlen(a->registry_token));
	free(a->username);
	free(a->password);
	free(a->identity_token);
	free(a->registry_token);
	free(a->server);
	*a = (struct api_registry_auth){0};
}

bool api_registry_auth_credentials(const struct api_registry_auth *a,
				   struct berth_registry_credentials *ret)
{
	*ret = (struct berth_registry_credentials){
		.username = a->username,
		.password = a->password,
		.identity_token = a->identity_token,
		.registry_token = a->registry_token,
	};
	return a->username || a->identity_token || a->registry_token;
}

/* body's key as an owned string: absent, null or "" leave *ret NULL; another type is -EINVAL. */
static int auth_field(const json_t *j, const char *what, const char *key, char **ret,
		      struct berth_error **err)
{
	const char *v = NULL;
	if (api_json_string(j, key, &v, NULL) < 0)
		return berth_error_set(err, EINVAL, "%s: '%s' is not a string", what, key);
	*ret = v && *v ? berth_xstrdup(v) : NULL;
	return 0;
}

/* "auth": base64 of "user:password", as config.json keeps it. */
static int auth_pair(const char *auth, const char *what, struct api_registry_auth *a,
		     struct berth_error **err)
{
	_cleanup_free_ char *dec = NULL;
	size_t len = 0;
	char *colon = NULL;
	if (berth_base64_decode(auth, strlen(auth), BERTH_BASE64_LENIENT, &dec, &len, NULL) >= 0)
		colon = strlen(dec) == len ? strchr(dec, ':') : NULL;
	if (!colon || colon == dec) {
		if (dec)
			explicit_bzero(dec, len);
		return berth_error_set(err, EINVAL, "%s: 'auth' is not base64 of user:password",
				       what);
	}
	a->username = berth_xstrndup(dec, (size_t)(colon - dec));
	a->password = berth_xstrdup(colon + 1);
	explicit_bzero(dec, len);
	return 0;
}

static int auth_fields(const json_t *j, const char *what, struct api_registry_auth *a,
		       struct berth_error **err)
{
	_cleanup_free_ char *auth = NULL, *email = NULL;
	int r;
	if ((r = auth_field(j, what, "username", &a->username, err)) < 0 ||
	    (r = auth_field(j, what, "password", &a->password, err)) < 0 ||
	    (r = auth_field(j, what, "auth", &auth, err)) < 0 ||
	    (r = auth_field(j, what, "identitytoken", &a->identity_token, err)) < 0 ||
	    (r = auth_field(j, what, "registrytoken", &a->registry_token, err)) < 0 ||
	    (r = auth_field(j, what, "serveraddress", &a->server, err)) < 0 ||
	    (r = auth_field(j, what, "email", &email, err)) < 0)
		return r;
	if (!a->username && !a->password && auth)
		return auth_pair(auth, what, a, err);
	if (a->password && !a->username)
		return berth_error_set(err, EINVAL, "%s: a password without a username", what);
	return 0;
}

int api_registry_auth_from_json(const json_t *j, const char *what, struct api_registry_auth *ret,
				struct berth_error **err)
{
	struct api_registry_auth a = {0};
	*ret = a;
	if (!json_is_object(j))
		return berth_error_set(err, EINVAL, "%s: not a JSON object", what);
	int r = auth_fields(j, what, &a, err);
	if (r < 0) {
		api_registry_auth_release(&a);
		return r;
	}
	*ret = a;
	return 0;
}

int api_registry_auth_parse(const char *header, struct api_registry_auth *ret,
			    struct berth_error **err)
{
	_cleanup_free_ char *dec = NULL;
	_cleanup_json_ json_t *j = NULL;
	size_t len = 0, n = header ? strlen(header) : 0;
	*ret = (struct api_registry_auth){0};
	if (n == 0)
		return 0;
	if (n > API_REGISTRY_AUTH_MAX)
		return berth_error_set(err, EINVAL, "X-Registry-Auth: longer than %u bytes",
				       API_REGISTRY_AUTH_MAX);
	/* either alphabet (Docker's clients send URL-safe, some SDKs the standard one) */
	if (berth_base64_decode(header, n, BERTH_BASE64_LENIENT, &dec, &len, NULL) < 0)
		return berth_error_set(err, EINVAL, "X-Registry-Auth: not base64");
	/* the parser's message would quote the text near the fault: a secret, maybe */
	int r = berth_json_parse(dec, len, "X-Registry-Auth", &j, NULL);
	explicit_bzero(dec, len);
	if (r < 0)
		return berth_error_set(err, EINVAL, "X-Registry-Auth: not a JSON object");
	r = api_registry_auth_from_json(j, "X-Registry-Auth", ret, err);
	/* the decoded secrets leave no copy in the JSON tree's freed memory either */
	const char *k;
	json_t *v;
	json_object_foreach (j, k, v)
		if (json_is_string(v))
			explicit_bzero((char *)json_string_value(v), json_string_length(v));
	return r;
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
