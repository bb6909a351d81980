/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * scan/: packages in an image and the advisories that name them. The
 * version orderings (version.c) are the ecosystems' own, because an
 * advisory's range ("introduced 0, fixed 7.88.1-10+deb12u5") means nothing
 * without the ordering of the package manager that installed the package.
 */

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/error.h"

enum berth_version_scheme {
	BERTH_VERSION_DPKG,   /* Debian, Ubuntu: [epoch:]upstream[-revision], '~' before all */
	BERTH_VERSION_APK,    /* Alpine: 1.2.3a_rc1_p2-r4 */
	BERTH_VERSION_SEMVER, /* semver.org 2.0.0, an optional leading 'v' (Go, npm) */
	BERTH_VERSION_PEP440, /* Python: [N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local] */
};

/* The scheme's name as OSV spells the ecosystem's ordering ("dpkg", "apk", "semver", "pep440"). */
const char *berth_version_scheme_name(enum berth_version_scheme s);

/* Whether v is a version of the scheme. */
bool berth_version_valid(enum berth_version_scheme s, const char *v);

/*
 * Orders a against b by the scheme: *ret < 0, 0 or > 0. -EINVAL with *err
 * naming the version when either is not one of the scheme.
 */
int berth_version_compare(enum berth_version_scheme s, const char *a, const char *b, int *ret,
			  struct berth_error **err);

/* ---- packages.c: the package databases of a filesystem, as text ---- */

enum berth_package_type {
	BERTH_PACKAGE_DEB, /* dpkg: var/lib/dpkg/status, the files of var/lib/dpkg/status.d/ */
	BERTH_PACKAGE_APK, /* apk: lib/apk/db/installed */
};

struct berth_package {
	enum berth_package_type type;
	char *name, *version, *arch; /* arch may be NULL */
	char *source;		     /* dpkg Source / apk origin: NULL when the name is its own */
	char *source_version;	     /* dpkg: when the source's version differs, else NULL */
	char *license;		     /* as the database declares it (apk L:), NULL: none */
};
void berth_package_release(struct berth_package *p);
void berth_packages_free(struct berth_package *p, size_t n);

/*
 * Parses dpkg control paragraphs: with status_file, only the packages whose
 * Status is "... installed" (dpkg's status file); without, every paragraph
 * (a file of status.d/, which has no Status). what names the file in
 * messages ("var/lib/dpkg/status:12: a package without a version").
 */
int berth_scan_parse_dpkg(const char *what, const char *text, size_t len, bool status_file,
			  struct berth_package **ret, size_t *ret_n, struct berth_error **err);
/* Parses apk's installed database (K:value lines, records separated by blank lines). */
int berth_scan_parse_apk(const char *what, const char *text, size_t len, struct berth_package **ret,
			 size_t *ret_n, struct berth_error **err);

/* os-release(5): ID, VERSION_ID, PRETTY_NAME (unquoted); -ENOENT without an ID. */
struct berth_os_release {
	char *id, *version_id, *pretty_name;
};
int berth_scan_parse_os_release(const char *text, size_t len, struct berth_os_release *ret);
void berth_os_release_free(struct berth_os_release *o);

/*
 * The package URL (github.com/package-url/purl-spec): pkg:deb/debian/curl@
 * 7.88.1-10%2Bdeb12u5?arch=amd64&distro=debian-12. os may be NULL.
 */
char *berth_package_purl(const struct berth_package *p, const struct berth_os_release *os);

/* ---- osv.c: advisories in the OSV format ---- */

/* The version order of an OSV ecosystem ("Debian:12", "Alpine:v3.19", "Go", "npm", "PyPI"). */
int berth_osv_ecosystem_scheme(const char *ecosystem, enum berth_version_scheme *ret);

struct berth_osv {
	json_t *json;	   /* the record, checked: id, affected[].package, ranges, events */
	const char *id;	   /* points into json */
	char severity[16]; /* CRITICAL, HIGH, MEDIUM, LOW, NONE or UNKNOWN */
	double score;	   /* the highest CVSS v3 base score, -1 when none */
};
/* Parses and checks one record; what names it in messages (the file). */
int berth_osv_parse(const char *what, const char *data, size_t len, struct berth_osv *ret,
		    struct berth_error **err);
void berth_osv_release(struct berth_osv *o);
/*
 * Whether the record affects version of the package name in ecosystem (its
 * ECOSYSTEM and SEMVER ranges and its versions list); *ret_fixed is the
 * first fixed version above it (pointing into the record), NULL when
 * unfixed or unaffected. -EINVAL when a version cannot be ordered.
 */
int berth_osv_match(const struct berth_osv *o, const char *ecosystem, const char *name,
		    const char *version, bool *ret_affected, const char **ret_fixed,
		    struct berth_error **err);

/* The CVSS v3.0/v3.1 base score of a vector ("CVSS:3.1/AV:N/..."), -1 when it is not one. */
double berth_cvss3_base_score(const char *vector);
/* The rating of a score: NONE, LOW, MEDIUM, HIGH, CRITICAL. */
const char *berth_severity_of_score(double score);
