/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "registry/internal.h"

/*
 * References follow Docker's grammar (distribution/reference): the first
 * path component is a registry domain when it has a '.' or ':', is
 * "localhost", or has uppercase letters; otherwise the image is on
 * docker.io and one-component names get "library/".
 */

static bool is_alnum_lower(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* */
static bool path_component_ok(const char *s, size_t n)
{
	size_t i = 0;
	if (n == 0 || !is_alnum_lower(s[0]) || !is_alnum_lower(s[n - 1]))
		return false;
	while (i < n) {
		if (is_alnum_lower(s[i])) {
			i++;
			continue;
		}
		size_t j = i;
		if (s[i] == '.') {
			j = i + 1;
		} else if (s[i] == '_') {
			j = i + 1;
			if (j < n && s[j] == '_')
				j++;
		} else if (s[i] == '-') {
			while (j < n && s[j] == '-')
				j++;
		} else {
			return false;
		}
		if (j >= n || !is_alnum_lower(s[j]))
			return false;
		i = j;
	}
	return true;
}

static bool domain_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 255)
		return false;
	const char *colon = NULL;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close)
			return false;
		for (const char *p = s + 1; p < close; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':')
				return false;
		if (close[1] == '\0')
			return true;
		if (close[1] != ':')
			return false;
		colon = close + 1;
	} else {
		colon = strchr(s, ':');
		const char *end = colon ? colon : s + n;
		const char *p = s;
		while (p < end) {
			const char *dot = memchr(p, '.', (size_t)(end - p));
			const char *ce = dot ? dot : end;
			if (ce == p || !isalnum((unsigned char)p[0]) ||
			    !isalnum((unsigned char)ce[-1]))
				return false;
			for (const char *q = p; q < ce; q++)
				if (!isalnum((unsigned char)*q) && *q != '-')
					return false;
			p = dot ? dot + 1 : end;
			if (dot && p == end)
				return false;
		}
	}
	if (colon) {
		const char *port = colon + 1;
		if (!*port || strlen(port) > 5)
			return false;
		for (const char *p = port; *p; p++)
			if (!isdigit((unsigned char)*p))
				return false;
	}
	return true;
}

static bool tag_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 128)
		return false;
	if (!isalnum((unsigned char)s[0]) && s[0] != '_')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

void berth_registry_ref_release(struct berth_registry_ref *r)
{
	free(r->domain);
	free(r->path);
	free(r->tag);
	free(r->digest);
	*r = (struct berth_registry_ref){0};
}

static int invalid(struct berth_error **err, const char *s, const char *why)
{
	if (why)
		return berth_error_set(err, EINVAL, "invalid reference format: %s: '%s'", why, s);
	return berth_error_set(err, EINVAL, "invalid reference format: '%s'", s);
}

int berth_registry_ref_parse(const char *s, struct berth_registry_ref *ret,
			     struct berth_error **err)
{
	_cleanup_free_ char *name = NULL, *tag = NULL, *digest = NULL, *domain = NULL, *path = NULL;
	if (!s || !*s || strlen(s) > 4096)
		return invalid(err, s ? s : "", NULL);
	name = berth_xstrdup(s);
	char *at = strchr(name, '@');
	if (at) {
		*at = '\0';
		struct berth_digest d;
		if (berth_digest_parse(at + 1, &d, NULL) < 0)
			return invalid(err, s, NULL);
		digest = berth_xstrdup(at + 1);
	}
	char *slash = strrchr(name, '/');
	char *colon = strrchr(slash ? slash : name, ':');
	if (colon) {
		*colon = '\0';
		if (!tag_ok(colon + 1))
			return invalid(err, s, NULL);
		tag = berth_xstrdup(colon + 1);
	}
	char *first = strchr(name, '/');
	if (first) {
		size_t n = (size_t)(first - name);
		_cleanup_free_ char *head = berth_xstrndup(name, n);
		bool upper = false;
		for (char *p = head; *p; p++)
			upper |= isupper((unsigned char)*p) != 0;
		if (strpbrk(head, ".:") || strcmp(head, "localhost") == 0 || upper) {
			if (!domain_ok(head))
				return invalid(err, s, NULL);
			domain = TAKE_PTR(head);
			path = berth_xstrdup(first + 1);
		}
	}
	if (!domain) {
		domain = berth_xstrdup("docker.io");
		path = strchr(name, '/') ? berth_xstrdup(name)
					 : berth_xasprintf("library/%s", name);
	}
	if (strcmp(domain, "index.docker.io") == 0) {
		free(domain);
		domain = berth_xstrdup("docker.io");
	}
	if (strlen(path) > 255)
		return invalid(err, s, "repository name must not be more than 255 characters");
	for (char *p = path;;) {
		char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		for (size_t i = 0; i < n; i++)
			if (isupper((unsigned char)p[i]))
				return invalid(err, s, "repository name must be lowercase");
		if (!path_component_ok(p, n))
			return invalid(err, s, NULL);
		if (!e)
			break;
		p = e + 1;
	}
	if (!tag && !digest)
		tag = berth_xstrdup("latest");
	*ret = (struct berth_registry_ref){
		.domain = TAKE_PTR(domain),
		.path = TAKE_PTR(path),
		.tag = TAKE_PTR(tag),
		.digest = TAKE_PTR(digest),
	};
	return 0;
}

char *berth_registry_ref_string(const struct berth_registry_ref *r)
{
	struct berth_buf b = BERTH_BUF_INIT;
	berth_buf_addf(&b, "%s/%s", r->domain, r->path);
	if (r->tag)
		berth_buf_addf(&b, ":%s", r->tag);
	if (r->digest)
		berth_buf_addf(&b, "@%s", r->digest);
	return berth_buf_detach(&b, NULL);
}

const char *berth_registry_host_platform(void)
{
	static char platform[64];
	if (platform[0])
		return platform;
	struct utsname u;
	const char *arch = "amd64", *variant = NULL;
	if (uname(&u) == 0) {
		if (strcmp(u.machine, "x86_64") == 0)
			arch = "amd64";
		else if (strcmp(u.machine, "aarch64") == 0)
			arch = "arm64", variant = "v8";
		else if (strncmp(u.machine, "armv7", 5) == 0)
			arch = "arm", variant = "v7";
		else if (strncmp(u.machine, "armv6", 5) == 0)
			arch = "arm", variant = "v6";
		else if (strcmp(u.machine, "i686") == 0 || strcmp(u.machine, "i386") == 0)
			arch = "386";
		else if (strcmp(u.machine, "ppc64le") == 0)
			arch = "ppc64le";
		else if (strcmp(u.machine, "s390x") == 0)
			arch = "s390x";
		else if (strcmp(u.machine, "riscv64") == 0)
			arch = "riscv64";
	}
	snprintf(platform, sizeof(platform), "linux/%s%s%s", arch, variant ? "/" : "",
		 variant ? variant : "");
	return platform;
}
