/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Advisories in the OSV format (ossf.github.io/osv-schema): a record is
 * checked when it is read, and a package version is matched against its
 * ranges as the schema's evaluation says: the events of a range sorted by
 * the ecosystem's version order, an "introduced" at or below the version
 * makes it affected, a "fixed" at or below it or a "last_affected" below
 * it makes it unaffected again, the last one that applies wins. A version
 * the ecosystem cannot order is an error naming the record, never a guess.
 */
#include "scan/scan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"

static const char *const event_kinds[] = {"introduced", "fixed", "last_affected", "limit"};
enum {
	EV_INTRODUCED,
	EV_FIXED,
	EV_LAST_AFFECTED,
	EV_LIMIT,
	EV_N
};

static const struct {
	const char *prefix; /* an ecosystem name, or its part before ':' */
	enum berth_version_scheme scheme;
} ecosystems[] = {
	{"Debian", BERTH_VERSION_DPKG}, {"Ubuntu", BERTH_VERSION_DPKG},
	{"Alpine", BERTH_VERSION_APK},	{"Go", BERTH_VERSION_SEMVER},
	{"npm", BERTH_VERSION_SEMVER},	{"PyPI", BERTH_VERSION_PEP440},
};

int berth_osv_ecosystem_scheme(const char *ecosystem, enum berth_version_scheme *ret)
{
	size_t n = strcspn(ecosystem, ":");
	for (size_t i = 0; i < sizeof(ecosystems) / sizeof(*ecosystems); i++)
		if (strlen(ecosystems[i].prefix) == n &&
		    strncmp(ecosystem, ecosystems[i].prefix, n) == 0) {
			*ret = ecosystems[i].scheme;
			return 0;
		}
	return -EOPNOTSUPP;
}

/* The event's kind and version; -1 when it is not exactly one known kind with a string. */
static int event_kind(const json_t *ev, const char **ret_version)
{
	if (!json_is_object(ev) || json_object_size(ev) != 1)
		return -1;
	for (int k = 0; k < EV_N; k++) {
		const json_t *v = json_object_get(ev, event_kinds[k]);
		if (v) {
			*ret_version = json_string_value(v);
			return *ret_version && **ret_version ? k : -1;
		}
	}
	return -1;
}

static int check_affected(const char *id, const json_t *a, struct berth_error **err)
{
	const json_t *pkg = json_object_get(a, "package");
	if (!json_is_string(json_object_get(pkg, "ecosystem")) ||
	    !json_is_string(json_object_get(pkg, "name")))
		return berth_error_set(err, EINVAL,
				       "%s: affected[].package needs ecosystem and name", id);
	const json_t *ranges = json_object_get(a, "ranges");
	if (ranges && !json_is_array(ranges))
		return berth_error_set(err, EINVAL, "%s: affected[].ranges is not a list", id);
	size_t i;
	const json_t *r;
	json_array_foreach (ranges, i, r) {
		const json_t *events = json_object_get(r, "events");
		if (!json_is_string(json_object_get(r, "type")) || !json_is_array(events) ||
		    json_array_size(events) == 0)
			return berth_error_set(err, EINVAL, "%s: a range needs a type and events",
					       id);
		size_t j;
		const json_t *ev;
		json_array_foreach (events, j, ev) {
			const char *v;
			if (event_kind(ev, &v) < 0)
				return berth_error_set(
					err, EINVAL,
					"%s: an event is not one of introduced, fixed, "
					"last_affected, limit with a version",
					id);
		}
	}
	const json_t *versions = json_object_get(a, "versions");
	if (versions && !json_is_array(versions))
		return berth_error_set(err, EINVAL, "%s: affected[].versions is not a list", id);
	return 0;
}

void berth_osv_release(struct berth_osv *o)
{
	berth_json_decrefp(&o->json);
	*o = (struct berth_osv){0};
}

/* GitHub's database_specific.severity, else the highest CVSS v3 base score of severity[]. */
static void record_severity(struct berth_osv *o)
{
	o->score = -1;
	const char *named = json_string_value(
		json_object_get(json_object_get(o->json, "database_specific"), "severity"));
	size_t i;
	const json_t *s;
	json_array_foreach (json_object_get(o->json, "severity"), i, s) {
		const char *type = json_string_value(json_object_get(s, "type"));
		const char *vec = json_string_value(json_object_get(s, "score"));
		if (type && vec && strncmp(type, "CVSS_V3", 7) == 0) {
			double v = berth_cvss3_base_score(vec);
			if (v > o->score)
				o->score = v;
		}
	}
	const char *sev = o->score >= 0 ? berth_severity_of_score(o->score) : "UNKNOWN";
	if (berth_severity_of_name(named))
		sev = berth_severity_of_name(named);
	snprintf(o->severity, sizeof(o->severity), "%s", sev);
}

int berth_osv_parse(const char *what, const char *data, size_t len, struct berth_osv *ret,
		    struct berth_error **err)
{
	*ret = (struct berth_osv){0};
	_cleanup_json_ json_t *j = NULL;
	int r = berth_json_parse(data, len, what, &j, err);
	if (r < 0)
		return r;
	const char *id = json_string_value(json_object_get(j, "id"));
	if (!json_is_object(j) || !id || !*id)
		return berth_error_set(err, EINVAL, "%s: an OSV record needs an id", what);
	const json_t *affected = json_object_get(j, "affected");
	if (affected && !json_is_array(affected))
		return berth_error_set(err, EINVAL, "%s: %s: affected is not a list", what, id);
	size_t i;
	const json_t *a;
	json_array_foreach (affected, i, a) {
		r = check_affected(id, a, err);
		if (r < 0)
			return berth_error_prefix(err, "%s", what);
	}
	const json_t *aliases = json_object_get(j, "aliases");
	if (aliases && !json_is_array(aliases))
		return berth_error_set(err, EINVAL, "%s: %s: aliases is not a list", what, id);
	ret->json = TAKE_PTR(j);
	ret->id = id;
	record_severity(ret);
	return 0;
}

struct sort_ctx {
	enum berth_version_scheme scheme;
	bool failed;
};

/* "0" (the start of time) of an introduced event comes first. */
static int compare_events(const void *pa, const void *pb, void *userdata)
{
	struct sort_ctx *ctx = userdata;
	const char *va = "0", *vb = "0";
	event_kind(*(json_t *const *)pa, &va);
	event_kind(*(json_t *const *)pb, &vb);
	bool za = strcmp(va, "0") == 0, zb = strcmp(vb, "0") == 0;
	if (za || zb)
		return zb - za;
	int c = 0;
	if (berth_version_compare(ctx->scheme, va, vb, &c, NULL) < 0)
		ctx->failed = true;
	return c;
}

/* One range: whether version is in it, and the first fix above it. */
static int range_affects(const char *id, const json_t *range, enum berth_version_scheme scheme,
			 const char *version, bool *ret, const char **ret_fixed,
			 struct berth_error **err)
{
	const json_t *events = json_object_get(range, "events");
	size_t n = json_array_size(events);
	_cleanup_free_ json_t **sorted = berth_xcalloc(n, sizeof(*sorted));
	for (size_t i = 0; i < n; i++)
		sorted[i] = json_array_get(events, i);
	struct sort_ctx ctx = {.scheme = scheme};
	qsort_r(sorted, n, sizeof(*sorted), compare_events, &ctx);
	if (ctx.failed)
		return berth_error_set(err, EINVAL, "%s: a range holds a version %s cannot order",
				       id, berth_version_scheme_name(scheme));
	bool affected = false;
	*ret_fixed = NULL;
	for (size_t i = 0; i < n; i++) {
		const char *v = NULL;
		int kind = event_kind(sorted[i], &v), c = 1;
		if (kind < 0 || !v) /* berth_osv_parse refused such records */
			continue;
		if (strcmp(v, "0") != 0) {
			int r = berth_version_compare(scheme, version, v, &c, err);
			if (r < 0)
				return berth_error_prefix(err, "%s", id);
		}
		if (kind == EV_INTRODUCED && c >= 0)
			affected = true;
		else if (kind == EV_FIXED && c >= 0)
			affected = false;
		else if (kind == EV_LAST_AFFECTED && c > 0)
			affected = false;
		else if (kind == EV_FIXED && !*ret_fixed)
			*ret_fixed = v; /* the first fix above the version */
	}
	*ret = affected;
	if (!affected)
		*ret_fixed = NULL;
	return 0;
}

const json_t *berth_osv_affected_next(const struct berth_osv *o, const char *ecosystem,
				      const char *name, size_t *i)
{
	const json_t *all = json_object_get(o->json, "affected");
	while (*i < json_array_size(all)) {
		const json_t *a = json_array_get(all, (*i)++);
		const json_t *pkg = json_object_get(a, "package");
		const char *e = json_string_value(json_object_get(pkg, "ecosystem"));
		const char *n = json_string_value(json_object_get(pkg, "name"));
		/* both checked by berth_osv_parse */
		if (e && n && strcmp(e, ecosystem) == 0 && strcmp(n, name) == 0)
			return a;
	}
	return NULL;
}

/* An exact version of a "versions" list: Go's modules say v1.2.3 where OSV says 1.2.3. */
static bool same_version(enum berth_version_scheme s, const char *a, const char *b)
{
	if (s == BERTH_VERSION_SEMVER) {
		a += *a == 'v';
		b += *b == 'v';
	}
	return strcmp(a, b) == 0;
}

int berth_osv_match(const struct berth_osv *o, const char *ecosystem, const char *name,
		    const char *version, bool *ret_affected, const char **ret_fixed,
		    struct berth_error **err)
{
	*ret_affected = false;
	*ret_fixed = NULL;
	const json_t *a;
	for (size_t i = 0; (a = berth_osv_affected_next(o, ecosystem, name, &i));) {
		enum berth_version_scheme eco = BERTH_VERSION_DPKG;
		bool known = berth_osv_ecosystem_scheme(ecosystem, &eco) == 0;
		size_t k;
		const json_t *v;
		json_array_foreach (json_object_get(a, "versions"), k, v)
			if (json_is_string(v) && same_version(known ? eco : BERTH_VERSION_DPKG,
							      json_string_value(v), version))
				*ret_affected = true;
		const json_t *range;
		json_array_foreach (json_object_get(a, "ranges"), k, range) {
			const char *type = json_string_value(json_object_get(range, "type"));
			/* GIT ranges name commits, which a package version is not */
			if (!type || (strcmp(type, "SEMVER") != 0 &&
				      (strcmp(type, "ECOSYSTEM") != 0 || !known)))
				continue;
			bool in = false;
			const char *fixed = NULL;
			int r = range_affects(o->id, range,
					      strcmp(type, "SEMVER") == 0 ? BERTH_VERSION_SEMVER
									  : eco,
					      version, &in, &fixed, err);
			if (r < 0)
				return r;
			if (in) {
				*ret_affected = true;
				*ret_fixed = *ret_fixed ? *ret_fixed : fixed;
			}
		}
	}
	return 0;
}

/* ---- CVSS v3.x base score (first.org/cvss/v3.1/specification-document, 7.1) ---- */

/* The metric's weight for value c, or -1 when c is not one of its values. */
static double metric(const char *vec, const char *name, const char *values, const double *w)
{
	_cleanup_free_ char *key = berth_xasprintf("/%s:", name);
	const char *p = strstr(vec, key);
	if (!p || strstr(p + 1, key))
		return -1;
	char c = p[strlen(key)];
	const char *at = c ? strchr(values, c) : NULL;
	char after = at ? p[strlen(key) + 1] : 0;
	return at && (after == '/' || after == '\0') ? w[at - values] : -1;
}

/* Rounds up to one decimal as the specification's Roundup does (against float error). */
static double roundup(double x)
{
	long long i = (long long)(x * 100000 + 0.5); /* x >= 0 */
	return i % 10000 == 0 ? (double)i / 100000.0 : (double)(i / 10000 + 1) / 10.0;
}

double berth_cvss3_base_score(const char *vector)
{
	if (strncmp(vector, "CVSS:3.0/", 9) != 0 && strncmp(vector, "CVSS:3.1/", 9) != 0)
		return -1;
	double scope = metric(vector, "S", "UC", (const double[]){0, 1});
	bool changed = scope == 1;
	double av = metric(vector, "AV", "NALP", (const double[]){0.85, 0.62, 0.55, 0.2});
	double ac = metric(vector, "AC", "LH", (const double[]){0.77, 0.44});
	double pr = metric(vector, "PR", "NLH",
			   changed ? (const double[]){0.85, 0.68, 0.5}
				   : (const double[]){0.85, 0.62, 0.27});
	double ui = metric(vector, "UI", "NR", (const double[]){0.85, 0.62});
	double cia[3];
	static const char *const names[] = {"C", "I", "A"};
	for (int i = 0; i < 3; i++)
		cia[i] = metric(vector, names[i], "HLN", (const double[]){0.56, 0.22, 0});
	if (scope < 0 || av < 0 || ac < 0 || pr < 0 || ui < 0 || cia[0] < 0 || cia[1] < 0 ||
	    cia[2] < 0)
		return -1;
	double iss = 1 - (1 - cia[0]) * (1 - cia[1]) * (1 - cia[2]);
	double impact = 6.42 * iss;
	if (changed) {
		double t = 1;
		for (int i = 0; i < 15; i++)
			t *= iss - 0.02;
		impact = 7.52 * (iss - 0.029) - 3.25 * t;
	}
	double exploitability = 8.22 * av * ac * pr * ui;
	if (impact <= 0)
		return 0;
	double sum = changed ? 1.08 * (impact + exploitability) : impact + exploitability;
	return roundup(sum < 10 ? sum : 10);
}

const char *berth_severity_of_score(double score)
{
	return score >= 9     ? "CRITICAL"
	       : score >= 7   ? "HIGH"
	       : score >= 4   ? "MEDIUM"
	       : score >= 0.1 ? "LOW"
			      : "NONE";
}
