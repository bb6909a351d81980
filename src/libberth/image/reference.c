/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image references with the grammar and normalisation of Docker's
 * distribution/reference package, written as a small hand parser:
 *
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [ domain "/" ] component ( "/" component )*
 *   domain    := host [ ":" port ]   host := label ( "." label )*
 *   component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag       := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
 */
#include "image/image.h"

#include <ctype.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"

#define DEFAULT_DOMAIN	"docker.io"
#define LEGACY_DOMAIN	"index.docker.io"
#define OFFICIAL_PREFIX "library/"
#define NAME_MAX_LEN	255

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
	return isascii((unsigned char)c) && isalnum((unsigned char)c);
}

/* component := [a-z0-9]+ ((. | _ | __ | -+) [a-z0-9]+)* */
static bool valid_component(const char *s, size_t n)
{
	size_t i = 0;
	if (n == 0 || !is_lower_alnum(s[0]))
		return false;
	while (i < n) {
		while (i < n && is_lower_alnum(s[i]))
			i++;
		if (i == n)
			return true;
		if (s[i] == '.') {
			i++;
		} else if (s[i] == '_') {
			i++;
			if (i < n && s[i] == '_')
				i++;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return false;
		}
		if (i == n || !is_lower_alnum(s[i]))
			return false;
	}
	return true;
}

/* label := [A-Za-z0-9] | [A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9] */
static bool valid_label(const char *s, size_t n)
{
	if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool valid_domain(const char *s, size_t n)
{
	/* the port's colon comes after an IPv6 literal's closing bracket */
	const char *close = n > 0 && s[0] == '[' ? memchr(s, ']', n) : NULL;
	const char *colon = close ? memchr(close, ':', n - (size_t)(close - s)) : memchr(s, ':', n);
	size_t host_len = colon ? (size_t)(colon - s) : n;
	if (colon) {
		size_t plen = n - host_len - 1;
		if (plen == 0)
			return false;
		for (size_t i = 0; i < plen; i++)
			if (!isdigit((unsigned char)colon[1 + i]))
				return false;
	}
	/* an IPv6 literal in brackets */
	if (host_len >= 2 && s[0] == '[' && s[host_len - 1] == ']') {
		for (size_t i = 1; i + 1 < host_len; i++)
			if (!isxdigit((unsigned char)s[i]) && s[i] != ':')
				return false;
		return host_len > 2;
	}
	size_t start = 0;
	for (size_t i = 0; i <= host_len; i++) {
		if (i == host_len || s[i] == '.') {
			if (!valid_label(s + start, i - start))
				return false;
			start = i + 1;
		}
	}
	return true;
}

static bool valid_tag(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 128)
		return false;
	if (!is_alnum(s[0]) && s[0] != '_')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);
	const char *slash = memchr(s, '/', n);
	if (!slash)
		return valid_component(s, n);
	size_t first = (size_t)(slash - s);
	if (!valid_domain(s, first) && !valid_component(s, first))
		return false;
	size_t start = first + 1;
	for (size_t i = start; i <= n; i++) {
		if (i == n || s[i] == '/') {
			if (!valid_component(s + start, i - start))
				return false;
			start = i + 1;
		}
	}
	return true;
}

/* Splits s into name, tag, digest text (pointers into the copy *buf). */
static bool split(char *s, char **name, char **tag, char **digest)
{
	*tag = *digest = NULL;
	char *at = strchr(s, '@');
	if (at) {
		*at = '\0';
		*digest = at + 1;
	}
	char *slash = strrchr(s, '/');
	char *colon = strrchr(slash ? slash : s, ':');
	if (colon) {
		*colon = '\0';
		*tag = colon + 1;
	}
	*name = s;
	return true;
}

/* Matches the whole grammar (not normalised); 0 or a Docker-style EINVAL. */
static int match(const char *s, bool *ret_ok)
{
	_cleanup_free_ char *copy = berth_xstrdup(s);
	char *name, *tag, *digest;
	split(copy, &name, &tag, &digest);
	bool ok = valid_name(name) && (!tag || valid_tag(tag));
	if (ok && digest) {
		/* algorithm ":" hex{32,}: only sha256 is supported, checked later */
		const char *c = strchr(digest, ':');
		ok = c && c != digest && strlen(c + 1) >= 32;
		for (const char *p = c ? c + 1 : ""; ok && *p; p++)
			ok = isxdigit((unsigned char)*p);
	}
	*ret_ok = ok;
	return 0;
}

static bool is_64_hex(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

void berth_image_ref_release(struct berth_image_ref *r)
{
	if (!r)
		return;
	free(r->domain);
	free(r->path);
	free(r->tag);
	memset(r, 0, sizeof(*r));
}

char *berth_image_ref_redact(const char *s)
{
	/* userinfo, as in a URL: up to the last '@' before the first '/' */
	size_t auth = strcspn(s, "/");
	const char *at = memrchr(s, '@', auth);
	if (!at)
		return berth_xstrdup(s);
	/* without a path, "name@algorithm:encoded" is a digest reference, not userinfo
	 * (an encoded digest is long: "user:pw@host:5000" is still userinfo) */
	if (!s[auth]) {
		const char *e = at + 1 + strspn(at + 1, "abcdefghijklmnopqrstuvwxyz0123456789+._-");
		size_t n = *e == ':' ? strspn(e + 1, "abcdefghijklmnopqrstuvwxyz"
						     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=_-")
				     : 0;
		if (e > at + 1 && n >= 32 && !e[1 + n])
			return berth_xstrdup(s);
	}
	return berth_xasprintf("<redacted>%s", at);
}

int berth_image_ref_parse(const char *s, struct berth_image_ref *ret, struct berth_error **err)
{
	bool ok;
	if (!s || !*s)
		return berth_error_set(err, EINVAL,
				       "invalid reference format: repository name must have at "
				       "least one component");
	if (is_64_hex(s))
		return berth_error_set(
			err, EINVAL,
			"invalid repository name (%s), cannot specify 64-byte hexadecimal strings",
			s);
	match(s, &ok);
	if (!ok) {
		_cleanup_free_ char *lower = berth_xstrdup(s);
		for (char *p = lower; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		match(lower, &ok);
		if (ok)
			return berth_error_set(err, EINVAL,
					       "invalid reference format: repository name must be "
					       "lowercase");
		return berth_error_set(err, EINVAL, "invalid reference format");
	}

	_cleanup_free_ char *copy = berth_xstrdup(s);
	char *name, *tag, *digest;
	split(copy, &name, &tag, &digest);
	if (strlen(name) > NAME_MAX_LEN)
		return berth_error_set(err, EINVAL,
				       "invalid reference format: repository name must not be more "
				       "than 255 characters");

	/* splitDockerDomain: a first part is a domain when it has "." or ":", or is localhost */
	struct berth_image_ref r = {0};
	char *slash = strchr(name, '/');
	bool lower_first = true;
	if (slash)
		for (char *p = name; p < slash; p++)
			if (isupper((unsigned char)*p))
				lower_first = false;
	bool has_domain = slash && (memchr(name, '.', (size_t)(slash - name)) ||
				    memchr(name, ':', (size_t)(slash - name)) ||
				    (slash - name == 9 && strncmp(name, "localhost", 9) == 0) ||
				    !lower_first);
	if (has_domain) {
		r.domain = berth_xstrndup(name, (size_t)(slash - name));
		r.path = berth_xstrdup(slash + 1);
	} else {
		r.domain = berth_xstrdup(DEFAULT_DOMAIN);
		r.path = berth_xstrdup(name);
	}
	if (strcmp(r.domain, LEGACY_DOMAIN) == 0) {
		free(r.domain);
		r.domain = berth_xstrdup(DEFAULT_DOMAIN);
	}
	if (strcmp(r.domain, DEFAULT_DOMAIN) == 0 && !strchr(r.path, '/')) {
		char *p = berth_xasprintf(OFFICIAL_PREFIX "%s", r.path);
		free(r.path);
		r.path = p;
	}
	for (char *p = r.path; *p; p++) {
		if (isupper((unsigned char)*p)) {
			berth_image_ref_release(&r);
			return berth_error_set(err, EINVAL,
					       "invalid reference format: repository name must be "
					       "lowercase");
		}
	}
	/* after the split every path part must be a component ("[1]/k" is not) */
	bool path_ok = true;
	for (const char *p = r.path, *q;; p = q + 1) {
		q = strchr(p, '/');
		size_t n = q ? (size_t)(q - p) : strlen(p);
		path_ok = path_ok && valid_component(p, n);
		if (!q)
			break;
	}
	/* Docker limits the full, normalised name (domain included) */
	if (strlen(r.domain) + 1 + strlen(r.path) > NAME_MAX_LEN) {
		berth_image_ref_release(&r);
		return berth_error_set(err, EINVAL,
				       "invalid reference format: repository name must not be more "
				       "than 255 characters");
	}
	if (!path_ok) {
		berth_image_ref_release(&r);
		return berth_error_set(err, EINVAL, "invalid reference format");
	}
	if (digest) {
		if (berth_digest_parse(digest, &r.digest, NULL) < 0) {
			berth_image_ref_release(&r);
			return berth_error_set(err, EINVAL,
					       "invalid reference format: unsupported digest '%s' "
					       "(only sha256 is)",
					       digest);
		}
		r.has_digest = true;
	}
	if (tag)
		r.tag = berth_xstrdup(tag);
	else if (!digest)
		r.tag = berth_xstrdup("latest");
	*ret = r;
	return 0;
}

char *berth_image_ref_repository(const struct berth_image_ref *r)
{
	return berth_xasprintf("%s/%s", r->domain, r->path);
}

char *berth_image_ref_name(const struct berth_image_ref *r)
{
	char d[BERTH_DIGEST_STRLEN + 1];
	if (r->has_digest)
		return berth_xasprintf("%s/%s@%s", r->domain, r->path,
				       berth_digest_fmt(&r->digest, d));
	return berth_xasprintf("%s/%s:%s", r->domain, r->path, r->tag ? r->tag : "latest");
}

char *berth_image_familiar_repository(const char *repo)
{
	const char *p = repo;
	if (strncmp(p, DEFAULT_DOMAIN "/", strlen(DEFAULT_DOMAIN) + 1) == 0) {
		p += strlen(DEFAULT_DOMAIN) + 1;
		const char *rest = p + strlen(OFFICIAL_PREFIX);
		if (strncmp(p, OFFICIAL_PREFIX, strlen(OFFICIAL_PREFIX)) == 0 && !strchr(rest, '/'))
			p = rest;
	}
	return berth_xstrdup(p);
}

void berth_image_name_split(const char *name, char **ret_repo, char **ret_tag)
{
	_cleanup_free_ char *copy = berth_xstrdup(name);
	char *n, *tag, *digest;
	split(copy, &n, &tag, &digest);
	*ret_repo = berth_image_familiar_repository(n);
	*ret_tag = berth_xstrdup(tag ? tag : "<none>");
}

bool berth_image_name_matches(const char *repo, const char *tag, const char *filter)
{
	if (!filter)
		return true;
	struct berth_image_ref ref;
	if (berth_image_ref_parse(filter, &ref, NULL) < 0)
		return false;
	_cleanup_free_ char *full = berth_image_ref_repository(&ref);
	_cleanup_free_ char *want = berth_image_familiar_repository(full);
	bool tagged = strrchr(filter, ':') > strrchr(filter, '/') ||
		      (strchr(filter, ':') && !strchr(filter, '/'));
	bool ok = strcmp(repo, want) == 0 && (!tagged || (ref.tag && strcmp(tag, ref.tag) == 0));
	berth_image_ref_release(&ref);
	return ok;
}
