/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The package databases as text: this machine's dpkg status file read as
 * dpkg-query reads it, status.d paragraphs, apk's installed database,
 * os-release, package URLs, and hostile databases refused with the line.
 */
#include "unit.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"
#include "scan/scan.h"

#include <fcntl.h>

/* "name version arch" lines of packages, sorted. */
static char *package_lines(const struct berth_package *p, size_t n)
{
	char **v = NULL;
	for (size_t i = 0; i < n; i++)
		berth_strv_consume(&v, berth_xasprintf("%s %s %s", p[i].name, p[i].version,
						       p[i].arch ? p[i].arch : "-"));
	berth_strv_sort(v);
	_cleanup_(berth_buf_release) struct berth_buf b = BERTH_BUF_INIT;
	BERTH_STRV_FOREACH (l, v)
		berth_buf_addf(&b, "%s\n", *l);
	berth_strv_free(v);
	return berth_buf_detach(&b, NULL);
}

static void test_host_status_as_dpkg_query(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	if (berth_read_file_at(AT_FDCWD, "/var/lib/dpkg/status", 256 << 20, &text, &len, NULL) <
		    0 ||
	    system("command -v dpkg-query >/dev/null 2>&1") != 0)
		skip();
	_cleanup_free_ char *data = text;
	struct berth_package *p = NULL;
	size_t n = 0;
	struct berth_error *err = NULL;
	assert_ok(berth_scan_parse_dpkg("var/lib/dpkg/status", data, len, true, &p, &n, &err), err);
	assert_true(n > 50);
	_cleanup_free_ char *ours = package_lines(p, n);
	berth_packages_free(p, n);
	FILE *f = popen("dpkg-query -W -f='${db:Status-Status} ${Package} ${Version} "
			"${Architecture}\\n' | sed -n 's/^installed //p' | LC_ALL=C sort",
			"r");
	assert_non_null(f);
	_cleanup_(berth_buf_release) struct berth_buf want = BERTH_BUF_INIT;
	char line[1024];
	while (fgets(line, sizeof(line), f))
		berth_buf_addstr(&want, line);
	assert_int_equal(pclose(f), 0);
	assert_string_equal(ours, want.buf);
}

static void test_dpkg_paragraphs(void **state)
{
	(void)state;
	static const char status[] = "Package: curl\n"
				     "Status: install ok installed\n"
				     "Architecture: amd64\n"
				     "Source: curl (7.88.1-10)\n"
				     "Version: 7.88.1-10+deb12u5\n"
				     "Description: command line tool\n"
				     " continued: with a colon\n"
				     " .\n"
				     "\n"
				     "Package: removed\n"
				     "Status: deinstall ok config-files\n"
				     "Version: 1.0\n"
				     "\r\n"
				     "Package: libc6\r\n"
				     "Status: install ok installed\r\n"
				     "Version: 2.36-9+deb12u4\r\n"
				     "Architecture: amd64\r\n";
	struct berth_package *p = NULL;
	size_t n = 0;
	struct berth_error *err = NULL;
	assert_ok(berth_scan_parse_dpkg("status", status, strlen(status), true, &p, &n, &err), err);
	assert_int_equal(n, 2);
	assert_string_equal(p[0].name, "curl");
	assert_string_equal(p[0].version, "7.88.1-10+deb12u5");
	assert_string_equal(p[0].source, "curl");
	assert_string_equal(p[0].source_version, "7.88.1-10");
	assert_string_equal(p[1].name, "libc6");
	assert_string_equal(p[1].arch, "amd64");
	assert_null(p[1].source);
	berth_packages_free(p, n);
	/* a status.d file (distroless) has no Status: every paragraph counts */
	static const char one[] = "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n";
	assert_ok(berth_scan_parse_dpkg("status.d/tzdata", one, strlen(one), false, &p, &n, &err),
		  err);
	assert_int_equal(n, 1);
	assert_string_equal(p[0].version, "2024a-0+deb12u1");
	berth_packages_free(p, n);
}

static void assert_refused(bool dpkg, const char *text, const char *msg)
{
	struct berth_package *p = NULL;
	size_t n = 0;
	struct berth_error *err = NULL;
	int r = dpkg ? berth_scan_parse_dpkg("db", text, strlen(text), true, &p, &n, &err)
		     : berth_scan_parse_apk("db", text, strlen(text), &p, &n, &err);
	assert_int_equal(r, -EINVAL);
	assert_null(p);
	assert_string_equal(berth_error_msg(err), msg);
	berth_error_free(&err);
}

static void test_hostile_databases(void **state)
{
	(void)state;
	assert_refused(true,
		       "Package: a\nStatus: install ok installed\nVersion: 1\n\nno colon here\n",
		       "db:5: not a 'Field: value' line");
	assert_refused(true, "Status: install ok installed\nVersion: 1\n",
		       "db:1: a package without a name");
	assert_refused(true, "\n\nPackage: a\nStatus: install ok installed\n",
		       "db:3: a package without a version");
	assert_refused(false, "P:musl\nV:\n", "db:1: a package without a version");
	assert_refused(false, "P:musl\n:x\n", "db:2: not a 'Field: value' line");
	_cleanup_free_ char *huge = berth_xasprintf("Package: %0*d\n", 5000, 0);
	assert_refused(true, huge, "db:1: a field over 4096 bytes");
	/* nothing at all is no package, not an error */
	struct berth_package *p = NULL;
	size_t n = 9;
	struct berth_error *err = NULL;
	assert_ok(berth_scan_parse_dpkg("db", "", 0, true, &p, &n, &err), err);
	assert_int_equal(n, 0);
	berth_packages_free(p, n);
}

static void test_apk_installed(void **state)
{
	(void)state;
	static const char db[] = "C:Q1abc=\n"
				 "P:musl\n"
				 "V:1.2.4-r2\n"
				 "A:x86_64\n"
				 "S:383152\n"
				 "L:MIT\n"
				 "o:musl\n"
				 "F:lib\n"
				 "R:libc.musl-x86_64.so.1\n"
				 "\n"
				 "P:busybox-binsh\n"
				 "V:1.36.1-r5\n"
				 "A:x86_64\n"
				 "L:GPL-2.0-only\n"
				 "o:busybox\n";
	struct berth_package *p = NULL;
	size_t n = 0;
	struct berth_error *err = NULL;
	assert_ok(berth_scan_parse_apk("lib/apk/db/installed", db, strlen(db), &p, &n, &err), err);
	assert_int_equal(n, 2);
	assert_string_equal(p[0].name, "musl");
	assert_string_equal(p[0].license, "MIT");
	assert_string_equal(p[1].name, "busybox-binsh");
	assert_string_equal(p[1].source, "busybox");
	assert_int_equal(p[1].type, BERTH_PACKAGE_APK);
	berth_packages_free(p, n);
}

static void test_os_release_and_purl(void **state)
{
	(void)state;
	static const char text[] = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
				   "# a comment=1\n"
				   "VERSION_ID='12'\n"
				   "ID=debian\n"
				   "HOME_URL=\"https://www.debian.org/\"\n";
	struct berth_os_release os;
	assert_int_equal(berth_scan_parse_os_release(text, strlen(text), &os), 0);
	assert_string_equal(os.id, "debian");
	assert_string_equal(os.version_id, "12");
	assert_string_equal(os.pretty_name, "Debian GNU/Linux 12 (bookworm)");
	struct berth_package curl = {.type = BERTH_PACKAGE_DEB,
				     .name = "curl",
				     .version = "7.88.1-10+deb12u5",
				     .arch = "amd64"};
	_cleanup_free_ char *purl = berth_package_purl(&curl, &os);
	assert_string_equal(purl,
			    "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64&distro=debian-12");
	struct berth_package epoch = {
		.type = BERTH_PACKAGE_DEB, .name = "libc++1", .version = "1:2.3"};
	_cleanup_free_ char *p2 = berth_package_purl(&epoch, NULL);
	assert_string_equal(p2, "pkg:deb/debian/libc%2B%2B1@1%3A2.3");
	berth_os_release_free(&os);
	struct berth_os_release none;
	assert_int_equal(berth_scan_parse_os_release("NAME=x\n", 7, &none), -ENOENT);
	berth_os_release_free(&none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_status_as_dpkg_query),
		cmocka_unit_test(test_dpkg_paragraphs),
		cmocka_unit_test(test_hostile_databases),
		cmocka_unit_test(test_apk_installed),
		cmocka_unit_test(test_os_release_and_purl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
