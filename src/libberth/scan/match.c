/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Packages against advisories: each package is looked up in the database
 * under its own ecosystem only (the one the advisories are filed under:
 * a Debian 12 package is never compared with a Debian 11 record, whose
 * fixed versions are another release's; Go modules, npm and PyPI packages
 * under "Go", "npm" and "PyPI"), then matched by berth_osv_match
 * with that ecosystem's version order.
 */
#include "scan/scan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/sort.h"

static const char *const severity_names[] = {"UNKNOWN", "NONE", "LOW",
					     "MEDIUM",	"HIGH", "CRITICAL"};

int berth_severity_rank(const char *severity)
{
	for (size_t i = 0; i < ELEMENTSOF(severity_names); i++)
		if (strcasecmp(severity, severity_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *berth_severity_of_name(const char *name)
{
	static const struct {
		const char *word, *severity;
	} words[] = {
		{"critical", "CRITICAL"}, {"high", "HIGH"},	  {"important", "HIGH"},
		{"medium", "MEDIUM"},	  {"moderate", "MEDIUM"}, {"low", "LOW"},
		{"negligible", "LOW"},	  {"unimportant", "LOW"},
	};
	for (size_t i = 0; name && i < ELEMENTSOF(words); i++)
		if (strcasecmp(name, words[i].word) == 0)
			return words[i].severity;
	return NULL;
}

char *berth_scan_ecosystem(const struct berth_package *p, const struct berth_os_release *os)
{
	const char *id = os ? os->id : NULL, *v = os ? os->version_id : NULL;
	switch (p->type) {
	case BERTH_PACKAGE_DEB:
		/* Debian's VERSION_ID is the major release ("12") */
		if (id && v && *v && strcmp(id, "debian") == 0)
			return berth_xasprintf("Debian:%.*s", (int)strcspn(v, "."), v);
		return NULL;
	case BERTH_PACKAGE_APK: {
		/* Alpine's is 3.19.1; its advisories name the branch, v3.19 */
		if (!id || !v || strcmp(id, "alpine") != 0)
			return NULL;
		const char *dot = strchr(v, '.');
		size_t n = dot ? (size_t)(dot - v) + 1 + strcspn(dot + 1, ".") : strlen(v);
		return berth_xasprintf("Alpine:v%.*s", (int)n, v);
	}
	case BERTH_PACKAGE_GO:
		return berth_xstrdup("Go");
	case BERTH_PACKAGE_NPM:
		return berth_xstrdup("npm");
	case BERTH_PACKAGE_PYPI:
		return berth_xstrdup("PyPI");
	}
	return NULL;
}

void berth_findings_free(struct berth_finding *f, size_t n)
{
	for (size_t i = 0; f && i < n; i++) {
		free(f[i].id);
		berth_strv_free(f[i].aliases);
		free(f[i].name);
		free(f[i].installed);
		free(f[i].fixed);
		free(f[i].ecosystem);
		free(f[i].summary);
	}
	free(f);
}

/* A word severity the record gives the package (Debian urgency, Ubuntu priority), or NULL. */
static const char *word_severity(const struct berth_osv *o, const char *eco, const char *name)
{
	const json_t *a;
	for (size_t i = 0; (a = berth_osv_affected_next(o, eco, name, &i));) {
		static const char *const where[] = {"ecosystem_specific", "database_specific"};
		for (size_t k = 0; k < ELEMENTSOF(where); k++) {
			const char *s = berth_severity_of_name(json_string_value(
				json_object_get(json_object_get(a, where[k]), "severity")));
			if (s)
				return s;
		}
	}
	size_t i;
	const json_t *s;
	json_array_foreach (json_object_get(o->json, "severity"), i, s) {
		const char *w =
			berth_severity_of_name(json_string_value(json_object_get(s, "score")));
		if (w)
			return w;
	}
	return NULL;
}

/* The record's summary, else the first line of its details. */
static char *summary_of(const struct berth_osv *o)
{
	const char *s = json_string_value(json_object_get(o->json, "summary"));
	if (!s || !*s)
		s = json_string_value(json_object_get(o->json, "details"));
	if (!s || !*s)
		return NULL;
	return berth_xstrndup(s, strcspn(s, "\r\n"));
}

struct results {
	struct berth_finding *f;
	size_t n;
};

static bool have_finding(const struct results *res, size_t package, const char *id)
{
	for (size_t i = 0; i < res->n; i++)
		if (res->f[i].package == package && strcmp(res->f[i].id, id) == 0)
			return true;
	return false;
}

static void add_finding(struct results *res, const struct berth_osv *o, size_t package,
			const struct berth_package *p, const char *eco, const char *fixed,
			const char *severity)
{
	res->f = berth_xreallocarray(res->f, res->n + 1, sizeof(*res->f));
	struct berth_finding *f = &res->f[res->n++];
	*f = (struct berth_finding){
		.id = berth_xstrdup(o->id),
		.package = package,
		.name = berth_xstrdup(p->name),
		.installed = berth_xstrdup(p->version),
		.fixed = fixed ? berth_xstrdup(fixed) : NULL,
		.ecosystem = berth_xstrdup(eco),
		.summary = summary_of(o),
		.score = o->score,
	};
	f->aliases = berth_json_to_strv(json_object_get(o->json, "aliases"));
	if (!f->aliases)
		f->aliases = berth_xcalloc(1, sizeof(char *));
	snprintf(f->severity, sizeof(f->severity), "%s", severity);
}

static bool wanted(const struct berth_scan_filter *filter, const char *severity, const char *fixed)
{
	if (filter && filter->ignore_unfixed && !fixed)
		return false;
	int rank = berth_severity_rank(severity);
	return !filter || filter->severities == 0 ||
	       (rank >= 0 && (filter->severities & (1u << rank)));
}

/* The records naming qname in eco that affect qversion, as findings of package i. */
static int match_name(const struct berth_scan_db *db, const char *eco, size_t i,
		      const struct berth_package *p, const char *qname, const char *qversion,
		      const struct berth_scan_filter *filter, struct results *res,
		      struct berth_error **err)
{
	struct berth_osv *recs = NULL;
	size_t n = 0;
	int r = berth_scan_db_lookup(db, eco, qname, &recs, &n, err);
	if (r < 0)
		return r;
	for (size_t k = 0; k < n && r >= 0; k++) {
		bool affected = false;
		const char *fixed = NULL;
		r = berth_osv_match(&recs[k], eco, qname, qversion, &affected, &fixed, err);
		if (r < 0 || !affected || have_finding(res, i, recs[k].id))
			continue;
		const char *sev = recs[k].severity;
		if (strcmp(sev, "UNKNOWN") == 0) {
			const char *w = word_severity(&recs[k], eco, qname);
			sev = w ? w : sev;
		}
		if (wanted(filter, sev, fixed))
			add_finding(res, &recs[k], i, p, eco, fixed, sev);
	}
	for (size_t k = 0; k < n; k++)
		berth_osv_release(&recs[k]);
	free(recs);
	return r < 0 ? r : 0;
}

static int compare_findings(const void *pa, const void *pb)
{
	const struct berth_finding *a = pa, *b = pb;
	int c = berth_severity_rank(b->severity) - berth_severity_rank(a->severity);
	if (c == 0)
		c = strcmp(a->id, b->id);
	if (c == 0)
		c = strcmp(a->name, b->name);
	if (c == 0)
		c = strcmp(a->installed, b->installed);
	if (c == 0)
		c = a->package < b->package ? -1 : a->package > b->package;
	return c;
}

int berth_scan_match(const struct berth_scan_db *db, const struct berth_os_release *os,
		     const struct berth_package *const *pkgs, size_t n,
		     const struct berth_scan_filter *filter, struct berth_finding **ret,
		     size_t *ret_n, struct berth_error **err)
{
	struct results res = {0};
	int r = 0;
	for (size_t i = 0; i < n && r >= 0; i++) {
		const struct berth_package *p = pkgs[i];
		_cleanup_free_ char *eco = berth_scan_ecosystem(p, os);
		if (!eco || !p->name || !p->version)
			continue;
		/* a Go module built from a directory, "(devel)": no version advisories order */
		if (p->type == BERTH_PACKAGE_GO &&
		    !berth_version_valid(BERTH_VERSION_SEMVER, p->version))
			continue;
		/* Debian's records name the source package, and its version */
		bool deb = p->type == BERTH_PACKAGE_DEB;
		const char *v = deb && p->source_version ? p->source_version : p->version;
		r = match_name(db, eco, i, p, p->name, v, filter, &res, err);
		if (r >= 0 && deb && p->source && strcmp(p->source, p->name) != 0)
			r = match_name(db, eco, i, p, p->source, v, filter, &res, err);
	}
	if (r < 0) {
		berth_findings_free(res.f, res.n);
		return r;
	}
	berth_qsort(res.f, res.n, sizeof(*res.f), compare_findings);
	*ret = res.f;
	*ret_n = res.n;
	return 0;
}
