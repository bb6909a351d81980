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
#include <stdint.h>
#include <sys/types.h>

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
	BERTH_PACKAGE_DEB,  /* dpkg: var/lib/dpkg/status, the files of var/lib/dpkg/status.d/ */
	BERTH_PACKAGE_APK,  /* apk: lib/apk/db/installed */
	BERTH_PACKAGE_GO,   /* a Go module, from a binary's build info */
	BERTH_PACKAGE_NPM,  /* package-lock.json, node_modules/ * /package.json */
	BERTH_PACKAGE_PYPI, /* *.dist-info/METADATA, *.egg-info/PKG-INFO */
};
/* "deb", "apk", "golang", "npm", "pypi": the purl type. */
const char *berth_package_type_name(enum berth_package_type t);

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

/*
 * lang.c: language packages. Python's core metadata (a dist-info's METADATA,
 * an egg-info's PKG-INFO: Name, Version, License of the header), npm's
 * package.json (name, version, license) and package-lock.json
 * (lockfileVersion 1's nested "dependencies", 2 and 3's "packages"). A file
 * without a name or version lists nothing; JSON that does not parse is
 * -EINVAL naming what.
 */
int berth_scan_parse_python_metadata(const char *what, const char *text, size_t len,
				     struct berth_package **ret, size_t *ret_n,
				     struct berth_error **err);
int berth_scan_parse_npm_package(const char *what, const char *text, size_t len,
				 struct berth_package **ret, size_t *ret_n,
				 struct berth_error **err);
int berth_scan_parse_npm_lock(const char *what, const char *text, size_t len,
			      struct berth_package **ret, size_t *ret_n, struct berth_error **err);

/*
 * gobuild.c: the module build info of a Go binary (Go >= 1.18), as
 * debug/buildinfo reads it: the blob in an ELF file's writable segments
 * that starts with "\xff Go buildinf:" (at a 16-byte aligned file offset),
 * then the Go version and the modinfo text as varint-prefixed strings. Packages: the main module ("(devel)" when unversioned), each
 * dependency (a module replacement's path and version; a directory
 * replacement keeps the required module, and source says "PATH VERSION =>
 * DIR"), and the standard library as "stdlib" at the Go version ("1.19.8").
 * Every byte is hostile: an offset or length outside the file, a truncated
 * blob or a malformed modinfo line is -EBADMSG naming what; the pointer form
 * of Go before 1.18 is -EOPNOTSUPP.
 */
#define BERTH_GO_BUILDINFO_MAX (4u << 20) /* the version and modinfo strings together */
int berth_scan_parse_go_buildinfo(const char *what, const void *blob, size_t len,
				  struct berth_package **ret, size_t *ret_n,
				  struct berth_error **err);
/*
 * Reads a file sequentially through read (bytes read, 0 at its end, < 0 an
 * error it set): the ELF header and program headers, then only the data
 * segment's first bytes; the rest is never read. A file that is not ELF, or
 * an ELF file without Go build info, lists nothing (0).
 */
typedef ssize_t (*berth_scan_read_fn)(void *ctx, void *buf, size_t len, struct berth_error **err);
int berth_scan_read_go_binary(const char *what, berth_scan_read_fn read, void *ctx,
			      struct berth_package **ret, size_t *ret_n, struct berth_error **err);
/* The same on a file in memory (tests, the fuzz target). */
int berth_scan_go_binary_mem(const char *what, const void *data, size_t len,
			     struct berth_package **ret, size_t *ret_n, struct berth_error **err);

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

/* ---- catalog.c: the packages of an image's final filesystem, per layer ---- */

/* A layer of the image, bottom first. */
struct berth_sbom_layer {
	char *digest;	  /* the blob's digest, "sha256:..." */
	char *created_by; /* the history entry's command ("/bin/sh -c " dropped), or NULL */
};

struct berth_sbom_package {
	struct berth_package pkg;
	char *location; /* the database or file that lists it, relative to / */
	size_t layer;	/* the layer that brought it in its final form (index into layers) */
	/* that layer's digest and history command (NULL: none), borrowed from the sbom's layers */
	const char *layer_digest, *created_by;
};

struct berth_sbom {
	char *image_id;		      /* "sha256:..." (the config's digest) */
	char *image_ref;	      /* what the caller named, or NULL */
	char *architecture, *os_name; /* the config's, or NULL */
	struct berth_os_release os;   /* id NULL: no os-release */
	struct berth_sbom_layer *layers;
	size_t n_layers;
	/* sorted by type, name, version, arch, location */
	struct berth_sbom_package *pkgs;
	size_t n;
};
void berth_sbom_release(struct berth_sbom *s);

/*
 * Reads the package databases of an image's final filesystem straight from
 * its layer tars (no unpacking): the top layer wins, whiteouts and opaque
 * directories hide what is below. Files are read only when a cataloger wants
 * them, each bounded in size. A database that is not what it claims is
 * refused (EBADMSG, naming the file and the layer).
 */
struct berth_store;
int berth_sbom_of_image(struct berth_store *s, const char *image_ref, struct berth_sbom *ret,
			struct berth_error **err);

/*
 * The same, layer by layer, for callers that hold the layer tars
 * themselves (tests, an archive): new, add each layer bottom first, finish.
 */
struct berth_catalog;
struct berth_catalog *berth_catalog_new(void);
void berth_catalog_free(struct berth_catalog *c);
int berth_catalog_add_layer(struct berth_catalog *c, int fd, const char *digest,
			    const char *created_by, struct berth_error **err);
/* Fills ret (its image fields left NULL); c is emptied. */
void berth_catalog_finish(struct berth_catalog *c, struct berth_sbom *ret);

/*
 * sbom-format.c: the catalog as SPDX 2.3 JSON and as CycloneDX 1.5 JSON
 * (created: the creation time in seconds since the epoch; tool_version:
 * berth's). Deterministic: the same catalog and time give the same document.
 */
json_t *berth_sbom_spdx_json(const struct berth_sbom *s, int64_t created, const char *tool_version);
json_t *berth_sbom_cyclonedx_json(const struct berth_sbom *s, int64_t created,
				  const char *tool_version);
/*
 * `build --sbom`: the SPDX document of image_id (as `berth sbom --format
 * spdx-json` prints it, named name, at created) attached to the image in
 * the store as its referrer (berth_image_attach).
 */
int berth_sbom_attach(struct berth_store *s, const char *image_id, const char *name,
		      int64_t created, struct berth_error **err);

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
 * The next entry of the record's "affected" list, from *i on, that names
 * the package name in ecosystem (*i moves past it), or NULL.
 */
const json_t *berth_osv_affected_next(const struct berth_osv *o, const char *ecosystem,
				      const char *name, size_t *i);
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

/* ---- db.c: the advisory database, OSV records indexed by package ---- */

/*
 * Bounds on a feed, every byte of which is hostile: members of a zip, the
 * size of one record, and the records of a feed altogether (uncompressed).
 */
#define BERTH_SCAN_DB_MAX_MEMBERS 2000000
#define BERTH_SCAN_DB_MAX_RECORD  (8u << 20)
#define BERTH_SCAN_DB_MAX_TOTAL	  (8ull << 30)

struct berth_scan_db;

/* How many records of a feed name an ecosystem ("Debian:12": 1234). */
struct berth_scan_db_count {
	char *ecosystem;
	size_t records;
};
void berth_scan_db_counts_free(struct berth_scan_db_count *c, size_t n);

/*
 * Opens an advisory database: a directory berth_scan_db_import() filled
 * (one record set per feed, each indexed by package), a directory of OSV
 * JSON records (*.json), or a zip of them. The last two are read and
 * checked whole. -ENOENT when path does not exist; -EINVAL/-EBADMSG naming
 * the file (and the zip member) when a record or the zip is bad.
 */
int berth_scan_db_open(const char *path, struct berth_scan_db **ret, struct berth_error **err);
void berth_scan_db_free(struct berth_scan_db *db);
/* The records per ecosystem of the whole database, sorted by ecosystem (owned by the caller). */
int berth_scan_db_counts(const struct berth_scan_db *db, struct berth_scan_db_count **ret,
			 size_t *ret_n);

/*
 * The records whose affected[] names package name in ecosystem, each once,
 * parsed (*ret owned by the caller: berth_osv_release each, free the array).
 */
int berth_scan_db_lookup(const struct berth_scan_db *db, const char *ecosystem, const char *name,
			 struct berth_osv **ret, size_t *ret_n, struct berth_error **err);

/*
 * Installs the zip of OSV records read from zip_fd (a regular file; what
 * names it in messages) into the database directory db_path as the record
 * set of its ecosystem (the one most of its records name: "Debian", "Go"),
 * replacing the set a previous import of that ecosystem made. Every member
 * is read and checked first: a truncated or malformed zip, or one bad
 * record, fails naming the file and the member, and the database is left as
 * it was. The set is built in a temporary directory and renamed into place.
 * *ret: the records per ecosystem of the feed (a record naming two
 * ecosystems counts in both); *ret_records: the records of the feed.
 */
int berth_scan_db_import(const char *db_path, int zip_fd, const char *what,
			 struct berth_scan_db_count **ret, size_t *ret_n, size_t *ret_records,
			 struct berth_error **err);

/* Reads a zip of OSV records from memory and checks every record (the fuzz target's entry). */
int berth_scan_db_check_zip(const void *data, size_t len, const char *what,
			    struct berth_error **err);

/* ---- match.c: the known vulnerabilities of a list of packages ---- */

/*
 * Severities, lowest first, as Trivy names them (NONE: a CVSS score of 0).
 * The rank of a name (case-insensitive), -1 when it is not one.
 */
#define BERTH_SEVERITY_NAMES "UNKNOWN,NONE,LOW,MEDIUM,HIGH,CRITICAL"
int berth_severity_rank(const char *severity);
/*
 * A severity as a database words it (GitHub "moderate", Debian's urgency
 * "unimportant", Ubuntu's "negligible") as one of ours; NULL when unknown.
 */
const char *berth_severity_of_name(const char *name);

/*
 * The OSV ecosystem the advisories for p are filed under: "Debian:12" for a
 * deb on Debian 12 (os-release VERSION_ID), "Alpine:v3.19" for an apk on
 * Alpine 3.19.x. NULL when there is none (another distribution, no
 * VERSION_ID); "Go", "npm", "PyPI" for those packages. Owned by the caller.
 */
char *berth_scan_ecosystem(const struct berth_package *p, const struct berth_os_release *os);

struct berth_finding {
	char *id;	   /* the record's */
	char **aliases;	   /* its aliases (CVE ids), a NULL-terminated list, never NULL */
	size_t package;	   /* the index of the package in the list matched */
	char *name;	   /* the package's name */
	char *installed;   /* its version (a deb's own, though its source's is compared) */
	char *fixed;	   /* the first fixed version above it, NULL: no fix */
	char *ecosystem;   /* "Debian:12" */
	char *summary;	   /* the record's summary or details' first line, NULL: none */
	char severity[16]; /* one of BERTH_SEVERITY_NAMES */
	double score;	   /* the CVSS v3 base score, -1: none */
};
void berth_findings_free(struct berth_finding *f, size_t n);

struct berth_scan_filter {
	unsigned severities; /* 1 << berth_severity_rank() of each wanted; 0: all */
	bool ignore_unfixed; /* drop findings without a fixed version */
};

/*
 * Matches each package against the records of its ecosystem that name it
 * or, for a deb, its source package (Debian's records name source packages:
 * the source's version, when the package gives one, is the one compared). One finding per package
 * and record, sorted by severity (highest first), id, package name and
 * version. *ret owned by the caller (berth_findings_free). A record whose
 * ranges the ecosystem cannot order fails the scan, naming the record.
 */
int berth_scan_match(const struct berth_scan_db *db, const struct berth_os_release *os,
		     const struct berth_package *const *pkgs, size_t n,
		     const struct berth_scan_filter *filter, struct berth_finding **ret,
		     size_t *ret_n, struct berth_error **err);

/* ---- report.c: a scan's findings as a table, JSON or SARIF ---- */

enum berth_scan_format {
	BERTH_SCAN_FORMAT_TABLE, /* like Trivy's, with the layer of each finding */
	BERTH_SCAN_FORMAT_JSON,	 /* docs/scan.md */
	BERTH_SCAN_FORMAT_SARIF, /* SARIF 2.1.0 */
};
int berth_scan_parse_format(const char *s, enum berth_scan_format *ret, struct berth_error **err);
/* A comma list of severities ("HIGH,CRITICAL") as a berth_scan_filter mask. */
int berth_scan_parse_severities(const char *list, unsigned *ret, struct berth_error **err);

struct berth_scan_report {
	const char *image;   /* as the user named it */
	const char *version; /* berth's, for SARIF's tool */
	const struct berth_sbom *sbom;
	const struct berth_finding *findings; /* .package indexes sbom->pkgs */
	size_t n;
};
/* The report as text (owned by the caller), ending in a newline. */
char *berth_scan_report_format(const struct berth_scan_report *r, enum berth_scan_format format);
