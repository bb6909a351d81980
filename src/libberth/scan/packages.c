/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The package databases of an image's filesystem, as text: dpkg's status
 * file (and the one-package files of status.d/ that distroless images
 * carry), apk's installed database, and os-release. Every byte comes from
 * the image: a field longer than the limits below, or a record without a
 * name or version, is refused with what and where, never guessed around.
 */
#include "scan/scan.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"

#define FIELD_MAX 4096 /* bytes of one field's first line kept */

void berth_package_release(struct berth_package *p)
{
	free(p->name);
	free(p->version);
	free(p->arch);
	free(p->source);
	free(p->source_version);
	free(p->license);
	*p = (struct berth_package){0};
}

void berth_packages_free(struct berth_package *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		berth_package_release(&p[i]);
	free(p);
}

/* The line at *p (without its newline) and *p moved to the next one. */
static const char *next_line(const char **p, const char *end, size_t *ret_len)
{
	const char *s = *p;
	const char *nl = memchr(s, '\n', (size_t)(end - s));
	*ret_len = (size_t)((nl ? nl : end) - s);
	*p = nl ? nl + 1 : end;
	return s;
}

static char *trimmed_copy(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return berth_xstrndup(s, n);
}

static void set_field(char **field, const char *value, size_t n)
{
	free(*field);
	*field = trimmed_copy(value, n);
}

/* "name (version)" of dpkg's Source field: the version only when it differs from the binary's. */
static void set_dpkg_source(struct berth_package *p, const char *v, size_t n)
{
	const char *open = memchr(v, '(', n);
	set_field(&p->source, v, open ? (size_t)(open - v) : n);
	if (open) {
		const char *close = memchr(open, ')', n - (size_t)(open - v));
		if (close)
			set_field(&p->source_version, open + 1, (size_t)(close - open - 1));
	}
}

struct db_parse {
	const char *what; /* for messages: the file's name in the image */
	enum berth_package_type type;
	bool need_installed; /* dpkg's status: only "install ok installed" counts */
	struct berth_package cur;
	bool installed;
	size_t record_line;
	struct berth_package *list;
	size_t n, cap;
};

static int record_end(struct db_parse *d, struct berth_error **err)
{
	struct berth_package *p = &d->cur;
	bool empty = !p->name && !p->version && !p->arch && !p->source && !p->license;
	bool keep = !empty && (!d->need_installed || d->installed);
	if (keep && (!p->name || !p->version || !*p->name || !*p->version)) {
		const char *missing = p->name && *p->name ? "a version" : "a name";
		berth_package_release(p);
		return berth_error_set(err, EINVAL, "%s:%zu: a package without %s", d->what,
				       d->record_line, missing);
	}
	if (keep) {
		p->type = d->type;
		if (d->n == d->cap) {
			d->cap = d->cap ? 2 * d->cap : 64;
			d->list = berth_xreallocarray(d->list, d->cap, sizeof(*d->list));
		}
		d->list[d->n++] = *p;
		*p = (struct berth_package){0};
	}
	berth_package_release(p);
	d->installed = false;
	return 0;
}

static void dpkg_field(struct db_parse *d, const char *key, size_t klen, const char *v, size_t n)
{
	struct berth_package *p = &d->cur;
#define KEY(k) (klen == sizeof(k) - 1 && strncasecmp(key, k, klen) == 0)
	if (KEY("Package"))
		set_field(&p->name, v, n);
	else if (KEY("Version"))
		set_field(&p->version, v, n);
	else if (KEY("Architecture"))
		set_field(&p->arch, v, n);
	else if (KEY("Source"))
		set_dpkg_source(p, v, n);
	else if (KEY("Status")) {
		_cleanup_free_ char *s = trimmed_copy(v, n);
		/* want, error flag, state: only the last says it is there */
		const char *state = strrchr(s, ' ');
		d->installed = state && strcmp(state + 1, "installed") == 0;
	}
#undef KEY
}

static void apk_field(struct db_parse *d, char key, const char *v, size_t n)
{
	struct berth_package *p = &d->cur;
	switch (key) {
	case 'P':
		set_field(&p->name, v, n);
		break;
	case 'V':
		set_field(&p->version, v, n);
		break;
	case 'A':
		set_field(&p->arch, v, n);
		break;
	case 'o':
		set_field(&p->source, v, n);
		break;
	case 'L':
		set_field(&p->license, v, n);
		break;
	}
}

static bool field_kept(enum berth_package_type type, const char *key, size_t klen)
{
	static const char *const deb[] = {"Package", "Version", "Architecture", "Source", "Status"};
	if (type == BERTH_PACKAGE_APK)
		return klen == 1 && strchr("PVAoL", key[0]);
	for (size_t i = 0; i < sizeof(deb) / sizeof(*deb); i++)
		if (klen == strlen(deb[i]) && strncasecmp(key, deb[i], klen) == 0)
			return true;
	return false;
}

/* One line of a database: a field, a continuation, or the blank line that ends a record. */
static int db_line(struct db_parse *d, const char *s, size_t n, size_t lineno,
		   struct berth_error **err)
{
	if (n == 0 || (n == 1 && s[0] == '\r'))
		return record_end(d, err);
	if (d->type == BERTH_PACKAGE_DEB && (s[0] == ' ' || s[0] == '\t'))
		return 0; /* a continuation of a multi-line field (Description, Conffiles) */
	const char *colon = memchr(s, ':', n);
	if (!colon || colon == s)
		return berth_error_set(err, EINVAL, "%s:%zu: not a 'Field: value' line", d->what,
				       lineno);
	size_t klen = (size_t)(colon - s), vlen = n - klen - 1;
	/* the fields berth keeps are short; others (Depends, Provides) may be long */
	if (vlen > FIELD_MAX && field_kept(d->type, s, klen))
		return berth_error_set(err, EINVAL, "%s:%zu: a field over %d bytes", d->what,
				       lineno, FIELD_MAX);
	if (!d->cur.name && !d->cur.version && !d->installed)
		d->record_line = lineno;
	if (d->type == BERTH_PACKAGE_APK) {
		if (klen == 1)
			apk_field(d, s[0], colon + 1, vlen);
	} else {
		dpkg_field(d, s, klen, colon + 1, vlen);
	}
	return 0;
}

static int parse_db(struct db_parse *d, const char *text, size_t len, struct berth_package **ret,
		    size_t *ret_n, struct berth_error **err)
{
	const char *p = text, *end = text + len;
	int r = 0;
	for (size_t lineno = 1; p < end && r >= 0; lineno++) {
		size_t n;
		const char *s = next_line(&p, end, &n);
		r = db_line(d, s, n, lineno, err);
	}
	if (r >= 0)
		r = record_end(d, err);
	if (r < 0) {
		berth_package_release(&d->cur);
		berth_packages_free(d->list, d->n);
		return r;
	}
	*ret = d->list;
	*ret_n = d->n;
	return 0;
}

int berth_scan_parse_dpkg(const char *what, const char *text, size_t len, bool status_file,
			  struct berth_package **ret, size_t *ret_n, struct berth_error **err)
{
	struct db_parse d = {
		.what = what, .type = BERTH_PACKAGE_DEB, .need_installed = status_file};
	return parse_db(&d, text, len, ret, ret_n, err);
}

int berth_scan_parse_apk(const char *what, const char *text, size_t len, struct berth_package **ret,
			 size_t *ret_n, struct berth_error **err)
{
	struct db_parse d = {.what = what, .type = BERTH_PACKAGE_APK};
	return parse_db(&d, text, len, ret, ret_n, err);
}

void berth_os_release_free(struct berth_os_release *o)
{
	free(o->id);
	free(o->version_id);
	free(o->pretty_name);
	*o = (struct berth_os_release){0};
}

/* A value of os-release(5): shell-quoted with ' or ", backslash escapes inside double quotes. */
static char *os_release_value(const char *v, size_t n)
{
	_cleanup_(berth_buf_release) struct berth_buf b = BERTH_BUF_INIT;
	char quote = n && (v[0] == '"' || v[0] == '\'') ? v[0] : 0;
	size_t i = quote ? 1 : 0;
	for (; i < n && v[i] != quote; i++) {
		if (quote == '"' && v[i] == '\\' && i + 1 < n)
			i++;
		berth_buf_add(&b, &v[i], 1);
	}
	return berth_buf_detach(&b, NULL);
}

int berth_scan_parse_os_release(const char *text, size_t len, struct berth_os_release *ret)
{
	*ret = (struct berth_os_release){0};
	const char *p = text, *end = text + len;
	while (p < end) {
		size_t n;
		const char *s = next_line(&p, end, &n);
		const char *eq = memchr(s, '=', n);
		if (!eq || s[0] == '#' || n - (size_t)(eq - s) > FIELD_MAX)
			continue;
		size_t klen = (size_t)(eq - s);
		char **field = klen == 2 && strncmp(s, "ID", 2) == 0		 ? &ret->id
			       : klen == 10 && strncmp(s, "VERSION_ID", 10) == 0 ? &ret->version_id
			       : klen == 11 && strncmp(s, "PRETTY_NAME", 11) == 0
				       ? &ret->pretty_name
				       : NULL;
		if (field) {
			free(*field);
			*field = os_release_value(eq + 1, n - klen - 1);
		}
	}
	return ret->id ? 0 : -ENOENT;
}

/* purl's percent-encoding of a name or version: what is not unreserved is encoded. */
static void purl_add(struct berth_buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr(".-_~", c))
			berth_buf_add(b, s, 1);
		else
			berth_buf_addf(b, "%%%02X", c);
	}
}

const char *berth_package_type_name(enum berth_package_type t)
{
	switch (t) {
	case BERTH_PACKAGE_DEB:
		return "deb";
	case BERTH_PACKAGE_APK:
		return "apk";
	case BERTH_PACKAGE_GO:
		return "golang";
	case BERTH_PACKAGE_NPM:
		return "npm";
	case BERTH_PACKAGE_PYPI:
		return "pypi";
	}
	return "unknown";
}

/*
 * A language package's purl: no distro; the name's '/' separate the
 * namespace's segments (npm's "@scope/x", Go's module path); PyPI's name is
 * lowercase with '-' for '_', as the purl spec says.
 */
static char *lang_purl(const struct berth_package *p)
{
	_cleanup_(berth_buf_release) struct berth_buf b = BERTH_BUF_INIT;
	berth_buf_addf(&b, "pkg:%s/", berth_package_type_name(p->type));
	_cleanup_free_ char *name = berth_xstrdup(p->name);
	if (p->type == BERTH_PACKAGE_PYPI)
		for (char *c = name; *c; c++)
			*c = *c == '_'			? '-'
			     : (*c >= 'A' && *c <= 'Z') ? (char)(*c - 'A' + 'a')
							: *c;
	char *save = NULL;
	bool first = true;
	for (char *seg = strtok_r(name, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (!first)
			berth_buf_addch(&b, '/');
		purl_add(&b, seg);
		first = false;
	}
	berth_buf_addch(&b, '@');
	purl_add(&b, p->version);
	return berth_buf_detach(&b, NULL);
}

char *berth_package_purl(const struct berth_package *p, const struct berth_os_release *os)
{
	if (p->type != BERTH_PACKAGE_DEB && p->type != BERTH_PACKAGE_APK)
		return lang_purl(p);
	_cleanup_(berth_buf_release) struct berth_buf b = BERTH_BUF_INIT;
	const char *type = berth_package_type_name(p->type);
	const char *ns = os && os->id ? os->id : p->type == BERTH_PACKAGE_DEB ? "debian" : "alpine";
	berth_buf_addf(&b, "pkg:%s/", type);
	purl_add(&b, ns);
	berth_buf_add(&b, "/", 1);
	purl_add(&b, p->name);
	berth_buf_add(&b, "@", 1);
	purl_add(&b, p->version);
	char sep = '?';
	if (p->arch && *p->arch) {
		berth_buf_addf(&b, "%carch=", sep);
		purl_add(&b, p->arch);
		sep = '&';
	}
	if (os && os->id && os->version_id) {
		berth_buf_addf(&b, "%cdistro=", sep);
		purl_add(&b, os->id);
		berth_buf_add(&b, "-", 1);
		purl_add(&b, os->version_id);
	}
	return berth_buf_detach(&b, NULL);
}
