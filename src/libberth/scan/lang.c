/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Language packages installed in an image: Python's core metadata
 * (*.dist-info/METADATA, *.egg-info/PKG-INFO) and npm's package.json and
 * package-lock.json. A file without a name or a version lists nothing (a
 * test fixture's package.json, a half-written egg-info); a file that is not
 * what it claims (JSON that does not parse, a field over the limit) is
 * refused with its name.
 */
#include "scan/scan.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"

#define FIELD_MAX 4096

static void packages_add(struct berth_package **list, size_t *n, struct berth_package *p)
{
	*list = berth_xreallocarray(*list, *n + 1, sizeof(**list));
	(*list)[(*n)++] = *p;
	*p = (struct berth_package){0};
}

/* Core metadata's header: "Key: value" lines up to the first blank line (the body). */
int berth_scan_parse_python_metadata(const char *what, const char *text, size_t len,
				     struct berth_package **ret, size_t *ret_n,
				     struct berth_error **err)
{
	*ret = NULL;
	*ret_n = 0;
	_cleanup_(berth_package_release) struct berth_package p = {.type = BERTH_PACKAGE_PYPI};
	const char *s = text, *end = text + len;
	size_t line = 0;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = (size_t)((nl ? nl : end) - s);
		line++;
		if (n && s[n - 1] == '\r')
			n--;
		if (n == 0)
			break;
		const char *colon = memchr(s, ':', n);
		char **field = NULL;
		if (colon && s[0] != ' ' && s[0] != '\t') {
			size_t k = (size_t)(colon - s);
			field = k == 4 && strncasecmp(s, "Name", 4) == 0      ? &p.name
				: k == 7 && strncasecmp(s, "Version", 7) == 0 ? &p.version
				: k == 7 && strncasecmp(s, "License", 7) == 0 ? &p.license
									      : NULL;
		}
		if (field && !*field) {
			const char *v = colon + 1;
			size_t vn = n - (size_t)(v - s);
			while (vn && (*v == ' ' || *v == '\t'))
				v++, vn--;
			if (vn > FIELD_MAX)
				return berth_error_set(err, EINVAL, "%s:%zu: a field over %d bytes",
						       what, line, FIELD_MAX);
			if (memchr(v, '\0', vn))
				return berth_error_set(err, EINVAL, "%s:%zu: a NUL byte", what,
						       line);
			*field = berth_xstrndup(v, vn);
		}
		s = nl ? nl + 1 : end;
	}
	if (p.license && (!*p.license || strcasecmp(p.license, "UNKNOWN") == 0))
		free(TAKE_PTR(p.license));
	if (p.name && *p.name && p.version && *p.version)
		packages_add(ret, ret_n, &p);
	return 0;
}

static char *json_str_dup(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v && *v && strlen(v) <= FIELD_MAX ? berth_xstrdup(v) : NULL;
}

/* package.json's license: "MIT", or the old {"type": "MIT"}. */
static char *npm_license(json_t *o)
{
	json_t *l = json_object_get(o, "license");
	if (json_is_object(l))
		return json_str_dup(l, "type");
	return json_str_dup(o, "license");
}

static void npm_add(struct berth_package **list, size_t *n, const char *name, json_t *o)
{
	_cleanup_(berth_package_release) struct berth_package p = {
		.type = BERTH_PACKAGE_NPM,
		.name = name && *name && strlen(name) <= FIELD_MAX ? berth_xstrdup(name) : NULL,
		.version = json_str_dup(o, "version"),
		.license = npm_license(o),
	};
	if (p.name && p.version)
		packages_add(list, n, &p);
}

int berth_scan_parse_npm_package(const char *what, const char *text, size_t len,
				 struct berth_package **ret, size_t *ret_n,
				 struct berth_error **err)
{
	*ret = NULL;
	*ret_n = 0;
	_cleanup_json_ json_t *j = NULL;
	int r = berth_json_parse(text, len, what, &j, err);
	if (r < 0)
		return r;
	if (json_is_object(j))
		npm_add(ret, ret_n, json_string_value(json_object_get(j, "name")), j);
	return 0;
}

/* lockfileVersion 1: "dependencies" nested by name, to a depth of 64. */
static void npm_lock_v1(struct berth_package **list, size_t *n, json_t *deps, int depth)
{
	const char *name;
	json_t *d;
	if (!json_is_object(deps) || depth > 64)
		return;
	json_object_foreach (deps, name, d) {
		if (!json_is_object(d))
			continue;
		npm_add(list, n, name, d);
		npm_lock_v1(list, n, json_object_get(d, "dependencies"), depth + 1);
	}
}

/* The package name of a lockfile v2/v3 "packages" key: what follows its last "node_modules/". */
static const char *npm_lock_name(const char *key)
{
	const char *last = NULL;
	for (const char *p = key; (p = strstr(p, "node_modules/")); p += strlen("node_modules/"))
		last = p + strlen("node_modules/");
	return last;
}

int berth_scan_parse_npm_lock(const char *what, const char *text, size_t len,
			      struct berth_package **ret, size_t *ret_n, struct berth_error **err)
{
	*ret = NULL;
	*ret_n = 0;
	_cleanup_json_ json_t *j = NULL;
	int r = berth_json_parse(text, len, what, &j, err);
	if (r < 0)
		return r;
	json_t *pkgs = json_object_get(j, "packages");
	if (json_is_object(pkgs)) {
		/* v2, v3: "node_modules/a/node_modules/b"; "" is the project, a key without node_modules/ a workspace */
		const char *key;
		json_t *o;
		json_object_foreach (pkgs, key, o) {
			const char *name = npm_lock_name(key);
			if (!name || !json_is_object(o) || json_is_true(json_object_get(o, "link")))
				continue;
			npm_add(ret, ret_n, name, o);
		}
		return 0;
	}
	npm_lock_v1(ret, ret_n, json_object_get(j, "dependencies"), 0);
	return 0;
}
