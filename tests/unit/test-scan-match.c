/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Packages against a directory of OSV records shaped like Debian's and
 * Alpine's: a binary matched through its source package (and the source's
 * version), the release's own ecosystem only, last_affected, unfixed
 * findings dropped on request, the severity filter, word severities, and
 * the order of the findings.
 */
#include "unit.h"

#include <fcntl.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "scan/scan.h"

static char tmpdir[] = "/tmp/test-scan-match-XXXXXX";

#define RANGE(fixed_or_last)                                                                       \
	"\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}" fixed_or_last "]" \
	"}"                                                                                        \
	"]"

static const struct {
	const char *file, *json;
} records[] = {
	/* names the source package openssl; libssl3 is one of its binaries */
	{"DSA-5600-1.json",
	 "{\"id\":\"DSA-5600-1\",\"aliases\":[\"CVE-2024-0727\"],\"severity\":[{\"type\":"
	 "\"CVSS_V3\",\"score\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}],"
	 "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"openssl\"}," RANGE(
		 ",{\"fixed\":\"3.0.13-1~deb12u1\"}") "}]}"},
	/* Debian 11's record of the same package must not match on Debian 12 */
	{"DLA-3000-1.json",
	 "{\"id\":\"DLA-3000-1\",\"affected\":[{\"package\":{\"ecosystem\":\"Debian:11\","
	 "\"name\":\"openssl\"}," RANGE(",{\"fixed\":\"9.9\"}") "}]}"},
	/* unfixed, with Debian's urgency as its severity */
	{"CVE-2023-1111.json",
	 "{\"id\":\"CVE-2023-1111\",\"summary\":\"zlib overflow\",\"affected\":[{\"package\":"
	 "{\"ecosystem\":\"Debian:12\",\"name\":\"zlib\"},\"ecosystem_specific\":{\"severity\":"
	 "\"unimportant\"}," RANGE("") "}]}"},
	/* last_affected below the installed version: not affected */
	{"CVE-2023-2222.json",
	 "{\"id\":\"CVE-2023-2222\",\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\","
	 "\"name\":\"zlib\"}," RANGE(",{\"last_affected\":\"1:1.2.13.dfsg-0\"}") "}]}"},
	/* last_affected at the installed version: affected, no fix */
	{"CVE-2023-3333.json",
	 "{\"id\":\"CVE-2023-3333\",\"database_specific\":{\"severity\":\"HIGH\"},\"affected\":"
	 "[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"zlib\"}," RANGE(
		 ",{\"last_affected\":\"1:1.2.13.dfsg-1\"}") "}]}"},
	/* fixed below the installed version */
	{"DSA-4000-1.json",
	 "{\"id\":\"DSA-4000-1\",\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\","
	 "\"name\":\"openssl\"}," RANGE(",{\"fixed\":\"1.1.0\"}") "}]}"},
	/* the Go vulnerability database's shape: SEMVER ranges without the v; stdlib */
	{"GO-2099-0001.json",
	 "{\"id\":\"GO-2099-0001\",\"affected\":[{\"package\":{\"ecosystem\":\"Go\","
	 "\"name\":\"stdlib\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":"
	 "\"0\"},{\"fixed\":\"1.19.9\"}]}]},{\"package\":{\"ecosystem\":\"Go\",\"name\":"
	 "\"example.com/app\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":"
	 "\"0\"},{\"fixed\":\"1.0.1\"}]}]}]}"},
	{"ALPINE-1.json",
	 "{\"id\":\"CVE-2024-9999\",\"affected\":[{\"package\":{\"ecosystem\":\"Alpine:v3.19\","
	 "\"name\":\"musl\"}," RANGE(",{\"fixed\":\"1.2.4_git20230717-r5\"}") "}]}"},
};

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	_cleanup_close_ int dfd = open(tmpdir, O_RDONLY | O_DIRECTORY);
	for (size_t i = 0; i < ELEMENTSOF(records); i++)
		if (berth_write_file_atomic(dfd, records[i].file, records[i].json,
					    strlen(records[i].json), 0644, NULL) < 0)
			return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	berth_rm_rf_at(AT_FDCWD, tmpdir, NULL);
	return 0;
}

static struct berth_package debian_pkgs[] = {
	{.type = BERTH_PACKAGE_DEB,
	 .name = "libssl3",
	 .version = "3.0.11-1~deb12u2",
	 .source = "openssl"},
	{.type = BERTH_PACKAGE_DEB, .name = "openssl", .version = "3.0.11-1~deb12u2"},
	{.type = BERTH_PACKAGE_DEB,
	 .name = "zlib1g",
	 .version = "1:1.2.13.dfsg-1",
	 .source = "zlib"},
	{.type = BERTH_PACKAGE_DEB, .name = "bash", .version = "5.2.15-2+b2"},
};

/* The findings, one "severity id name installed fixed" line each. */
static char *scan(struct berth_package *pkgs, size_t n, const char *os_id, const char *os_version,
		  const struct berth_scan_filter *filter)
{
	struct berth_error *err = NULL;
	struct berth_scan_db *db = NULL;
	assert_ok(berth_scan_db_open(tmpdir, &db, &err), err);
	const struct berth_package *list[8];
	for (size_t i = 0; i < n; i++)
		list[i] = &pkgs[i];
	struct berth_os_release os = {.id = (char *)os_id, .version_id = (char *)os_version};
	struct berth_finding *f = NULL;
	size_t nf = 0;
	assert_ok(berth_scan_match(db, &os, list, n, filter, &f, &nf, &err), err);
	struct berth_buf b = BERTH_BUF_INIT;
	for (size_t i = 0; i < nf; i++)
		berth_buf_addf(&b, "%s %s %s %s %s\n", f[i].severity, f[i].id, f[i].name,
			       f[i].installed, f[i].fixed ? f[i].fixed : "-");
	berth_findings_free(f, nf);
	berth_scan_db_free(db);
	return berth_buf_detach(&b, NULL);
}

static void test_debian_source_packages(void **state)
{
	(void)state;
	_cleanup_free_ char *got = scan(debian_pkgs, 4, "debian", "12", NULL);
	assert_string_equal(got, "CRITICAL DSA-5600-1 libssl3 3.0.11-1~deb12u2 3.0.13-1~deb12u1\n"
				 "CRITICAL DSA-5600-1 openssl 3.0.11-1~deb12u2 3.0.13-1~deb12u1\n"
				 "HIGH CVE-2023-3333 zlib1g 1:1.2.13.dfsg-1 -\n"
				 "LOW CVE-2023-1111 zlib1g 1:1.2.13.dfsg-1 -\n");
	/* on Debian 11 only Debian 11's record applies */
	_cleanup_free_ char *bullseye = scan(debian_pkgs, 2, "debian", "11", NULL);
	assert_string_equal(bullseye, "UNKNOWN DLA-3000-1 libssl3 3.0.11-1~deb12u2 9.9\n"
				      "UNKNOWN DLA-3000-1 openssl 3.0.11-1~deb12u2 9.9\n");
	/* another distribution's debs: no ecosystem, no findings */
	_cleanup_free_ char *other = scan(debian_pkgs, 4, "devuan", "5", NULL);
	assert_string_equal(other, "");
}

static void test_source_version(void **state)
{
	(void)state;
	/* a binNMU: the binary's version is not the source's; the source's is compared */
	struct berth_package p = {.type = BERTH_PACKAGE_DEB,
				  .name = "libssl3",
				  .version = "3.0.13-1~deb12u1+b1",
				  .source = "openssl",
				  .source_version = "3.0.11-1~deb12u2"};
	_cleanup_free_ char *got = scan(&p, 1, "debian", "12", NULL);
	assert_string_equal(got,
			    "CRITICAL DSA-5600-1 libssl3 3.0.13-1~deb12u1+b1 3.0.13-1~deb12u1\n");
	/* a binNMU of a package named as its source */
	struct berth_package binnmu = {.type = BERTH_PACKAGE_DEB,
				       .name = "openssl",
				       .version = "3.0.13-1~deb12u1+b1",
				       .source_version = "3.0.11-1~deb12u2"};
	_cleanup_free_ char *own = scan(&binnmu, 1, "debian", "12", NULL);
	assert_string_equal(own,
			    "CRITICAL DSA-5600-1 openssl 3.0.13-1~deb12u1+b1 3.0.13-1~deb12u1\n");
}

static void test_filters(void **state)
{
	(void)state;
	struct berth_scan_filter unfixed = {.ignore_unfixed = true};
	_cleanup_free_ char *a = scan(debian_pkgs, 4, "debian", "12", &unfixed);
	assert_string_equal(a, "CRITICAL DSA-5600-1 libssl3 3.0.11-1~deb12u2 3.0.13-1~deb12u1\n"
			       "CRITICAL DSA-5600-1 openssl 3.0.11-1~deb12u2 3.0.13-1~deb12u1\n");
	struct berth_scan_filter high_low = {.severities = 1u << berth_severity_rank("HIGH") |
							   1u << berth_severity_rank("low")};
	_cleanup_free_ char *b = scan(debian_pkgs, 4, "debian", "12", &high_low);
	assert_string_equal(b, "HIGH CVE-2023-3333 zlib1g 1:1.2.13.dfsg-1 -\n"
			       "LOW CVE-2023-1111 zlib1g 1:1.2.13.dfsg-1 -\n");
	assert_int_equal(berth_severity_rank("SEVERE"), -1);
}

static void test_alpine(void **state)
{
	(void)state;
	struct berth_package p[] = {
		{.type = BERTH_PACKAGE_APK, .name = "musl", .version = "1.2.4_git20230717-r4"},
		{.type = BERTH_PACKAGE_APK, .name = "busybox", .version = "1.36.1-r15"}};
	_cleanup_free_ char *got = scan(p, 2, "alpine", "3.19.1", NULL);
	assert_string_equal(got, "UNKNOWN CVE-2024-9999 musl 1.2.4_git20230717-r4 "
				 "1.2.4_git20230717-r5\n");
	_cleanup_free_ char *other = scan(p, 2, "alpine", "3.18.4", NULL);
	assert_string_equal(other, "");
	char *eco = berth_scan_ecosystem(
		&p[0], &(struct berth_os_release){.id = "alpine", .version_id = "3.19.1"});
	assert_string_equal(eco, "Alpine:v3.19");
	free(eco);
}

static void test_go(void **state)
{
	(void)state;
	/* a main module built from its directory has no version to order: not matched, no error */
	struct berth_package p[] = {
		{.type = BERTH_PACKAGE_GO, .name = "stdlib", .version = "1.19.8"},
		{.type = BERTH_PACKAGE_GO, .name = "example.com/app", .version = "(devel)"},
		{.type = BERTH_PACKAGE_GO, .name = "example.com/app", .version = "v1.0.0"}};
	_cleanup_free_ char *got = scan(p, 3, NULL, NULL, NULL);
	assert_string_equal(got, "UNKNOWN GO-2099-0001 example.com/app v1.0.0 1.0.1\n"
				 "UNKNOWN GO-2099-0001 stdlib 1.19.8 1.19.9\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian_source_packages),
		cmocka_unit_test(test_source_version),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_alpine),
		cmocka_unit_test(test_go),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
