/* SPDX-License-Identifier: Apache-2.0 */
/* The router: Docker's version prefix and the route tables' patterns. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/transport.h"
#include "core/alloc.h"

static const struct api_route *const api_tables[] = {
	api_routes_system, api_routes_containers, api_routes_exec,    api_routes_images,
	api_routes_build,  api_routes_networks,	  api_routes_volumes, NULL,
};

const struct api_route *api_routes_extra;

static int parse_number(const char **p, unsigned *ret)
{
	unsigned v = 0;
	const char *s = *p;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (unsigned)(*s - '0');
		if (v >= 1000)
			return -EINVAL;
		s++;
	}
	*p = s;
	*ret = v;
	return 0;
}

int api_version_parse(const char *s, unsigned *ret_major, unsigned *ret_minor)
{
	unsigned major, minor;

	if (parse_number(&s, &major) < 0 || *s++ != '.' || parse_number(&s, &minor) < 0 || *s)
		return -EINVAL;
	*ret_major = major;
	*ret_minor = minor;
	return 0;
}

int api_version_cmp(const char *a, const char *b)
{
	unsigned amaj = 0, amin = 0, bmaj = 0, bmin = 0;

	(void)api_version_parse(a, &amaj, &amin);
	(void)api_version_parse(b, &bmaj, &bmin);
	if (amaj != bmaj)
		return amaj < bmaj ? -1 : 1;
	if (amin != bmin)
		return amin < bmin ? -1 : 1;
	return 0;
}

int api_path_split_version(const char *path, char ret_version[16], const char **ret_rest)
{
	unsigned major, minor;
	const char *end;
	size_t n;

	ret_version[0] = '\0';
	*ret_rest = path;
	/* Docker's router: "/v{version:[0-9.]+}/..."; anything else is a plain path. */
	if (strncmp(path, "/v", 2) != 0 || !isdigit((unsigned char)path[2]))
		return 0;
	end = strchr(path + 2, '/');
	n = end ? (size_t)(end - (path + 2)) : strlen(path + 2);
	if (strspn(path + 2, "0123456789.") < n)
		return 0;
	if (n >= 16)
		return -EINVAL;
	memcpy(ret_version, path + 2, n);
	ret_version[n] = '\0';
	if (api_version_parse(ret_version, &major, &minor) < 0) {
		ret_version[0] = '\0';
		return -EINVAL;
	}
	*ret_rest = end ? end : "/";
	return 0;
}

char *api_version_check(const char *version)
{
	if (!version || !*version)
		return NULL;
	if (api_version_cmp(version, API_VERSION_MAX) > 0)
		return berth_xasprintf(
			"client version %s is too new. Maximum supported API version "
			"is %s",
			version, API_VERSION_MAX);
	if (api_version_cmp(version, API_VERSION_MIN) < 0)
		return berth_xasprintf(
			"client version %s is too old. Minimum supported API version "
			"is %s, please upgrade your client to a newer version",
			version, API_VERSION_MIN);
	return NULL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int api_url_decode(char *s, bool plus)
{
	char *w = s;

	for (const char *r = s; *r; r++) {
		if (*r == '%') {
			int hi = hexval(r[1]), lo = hi < 0 ? -1 : hexval(r[2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -EINVAL;
			*w++ = (char)(hi * 16 + lo);
			r += 2;
		} else if (*r == '+' && plus) {
			*w++ = ' ';
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return 0;
}

void api_params_free(char **params)
{
	for (unsigned i = 0; i < API_PARAMS_MAX; i++) {
		free(params[i]);
		params[i] = NULL;
	}
}

static bool store_param(char **params, unsigned *n, const char *s, size_t len)
{
	if (len == 0 || *n >= API_PARAMS_MAX)
		return false;
	params[*n] = berth_xstrndup(s, len);
	if (api_url_decode(params[*n], false) < 0 || !*params[*n]) {
		free(params[*n]);
		params[*n] = NULL;
		return false;
	}
	(*n)++;
	return true;
}

static bool match_from(const char *p, const char *s, char **params, unsigned n)
{
	while (*p) {
		if (strncmp(p, "{*}", 3) == 0) {
			/* the longest run of segments the rest of the pattern leaves */
			for (size_t len = strlen(s); len > 0; len--) {
				if (s[len] != '\0' && s[len] != '/')
					continue;
				if (!store_param(params, &n, s, len))
					continue;
				if (match_from(p + 3, s + len, params, n))
					return true;
				free(params[--n]);
				params[n] = NULL;
			}
			return false;
		}
		if (p[0] == '{' && p[1] == '}') {
			size_t len = strcspn(s, "/");
			if (!store_param(params, &n, s, len))
				return false;
			s += len;
			p += 2;
		} else if (*p++ != *s++) {
			return false;
		}
	}
	/* Docker's router also takes a trailing slash ("/containers/json/"). */
	return !*s || strcmp(s, "/") == 0;
}

bool api_pattern_match(const char *pattern, const char *path, char **ret_params)
{
	char *params[API_PARAMS_MAX] = {0};

	if (!match_from(pattern, path, params, 0)) {
		api_params_free(params);
		return false;
	}
	memcpy(ret_params, params, sizeof(params));
	return true;
}

/* The route of table for method and path, or NULL (*other_method set when only the method differs). */
static const struct api_route *table_find(const struct api_route *table, const char *method,
					  const char *path, char **ret_params, bool *other_method)
{
	const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;

	for (const struct api_route *r = table; r && r->method; r++) {
		char *params[API_PARAMS_MAX] = {0};
		if (!api_pattern_match(r->pattern, path, params))
			continue;
		if (strcmp(r->method, m) != 0 && strcmp(r->method, method) != 0) {
			*other_method = true;
			api_params_free(params);
			continue;
		}
		memcpy(ret_params, params, sizeof(params));
		return r;
	}
	return NULL;
}

const struct api_route *api_route_find(const char *method, const char *path, char **ret_params,
				       unsigned *ret_status)
{
	const struct api_route *r;
	bool other_method = false;

	for (size_t t = 0; api_tables[t]; t++)
		if ((r = table_find(api_tables[t], method, path, ret_params, &other_method)))
			return r;
	r = table_find(api_routes_extra, method, path, ret_params, &other_method);
	if (r)
		return r;
	*ret_status = other_method ? 405 : 404;
	return NULL;
}
