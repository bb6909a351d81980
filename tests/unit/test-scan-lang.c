/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Language packages: Python core metadata, npm's package.json and the three
 * lockfile versions, their package URLs, and files that list nothing or
 * are refused.
 */
#include "unit.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "scan/scan.h"

/* "purl license" lines of packages, in order. */
static char *lines_of(const struct berth_package *p, size_t n)
{
	_cleanup_(berth_buf_release) struct berth_buf b = BERTH_BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *purl = berth_package_purl(&p[i], NULL);
		berth_buf_addf(&b, "%s %s\n", purl, p[i].license ? p[i].license : "-");
	}
	return berth_buf_detach(&b, NULL);
}

typedef int (*parse_fn)(const char *, const char *, size_t, struct berth_package **, size_t *,
			struct berth_error **);

static void expect(parse_fn f, const char *text, const char *want)
{
	struct berth_package *p = NULL;
	size_t n = 0;
	struct berth_error *err = NULL;
	int r = f("f", text, strlen(text), &p, &n, &err);
	if (r < 0)
		fail_msg("%s", berth_error_msg(err));
	_cleanup_free_ char *got = lines_of(p, n);
	assert_string_equal(got, want);
	berth_packages_free(p, n);
}

static void test_python_metadata(void **state)
{
	(void)state;
	expect(berth_scan_parse_python_metadata,
	       "Metadata-Version: 2.1\r\nName: Typing_Extensions\r\nVersion: 4.9.0\r\n"
	       "License: PSF-2.0\r\nSummary: x\r\n\r\nName: not-the-body\n",
	       "pkg:pypi/typing-extensions@4.9.0 PSF-2.0\n");
	/* the first Name wins; UNKNOWN is no license */
	expect(berth_scan_parse_python_metadata,
	       "Name: six\nName: other\nVersion: 1.16.0\nLicense: UNKNOWN\n",
	       "pkg:pypi/six@1.16.0 -\n");
	/* no version: nothing */
	expect(berth_scan_parse_python_metadata, "Name: half\n\nVersion: 1\n", "");
	struct berth_package *p = NULL;
	size_t n = 0;
	struct berth_error *err = NULL;
	_cleanup_free_ char *huge = berth_xasprintf("Name: %05000d\nVersion: 1\n", 0);
	assert_int_equal(
		berth_scan_parse_python_metadata("x/METADATA", huge, strlen(huge), &p, &n, &err),
		-EINVAL);
	assert_non_null(strstr(berth_error_msg(err), "x/METADATA:1"));
	berth_error_free(&err);
}

static void test_npm(void **state)
{
	(void)state;
	expect(berth_scan_parse_npm_package,
	       "{\"name\": \"@babel/core\", \"version\": \"7.23.9\", \"license\": \"MIT\"}",
	       "pkg:npm/%40babel/core@7.23.9 MIT\n");
	expect(berth_scan_parse_npm_package,
	       "{\"name\": \"old\", \"version\": \"0.1.0\", \"license\": {\"type\": \"BSD\"}}",
	       "pkg:npm/old@0.1.0 BSD\n");
	expect(berth_scan_parse_npm_package, "{\"name\": \"fixture\"}", "");
	/* lockfile v1: nested dependencies */
	expect(berth_scan_parse_npm_lock,
	       "{\"lockfileVersion\": 1, \"dependencies\": {\"a\": {\"version\": \"1.0.0\", "
	       "\"dependencies\": {\"b\": {\"version\": \"2.0.0\"}}}}}",
	       "pkg:npm/a@1.0.0 -\npkg:npm/b@2.0.0 -\n");
	/* v2/v3: packages, the project and links left out */
	expect(berth_scan_parse_npm_lock,
	       "{\"lockfileVersion\": 3, \"packages\": {\"\": {\"name\": \"app\", \"version\": "
	       "\"1.0.0\"}, \"node_modules/express\": {\"version\": \"4.18.2\", \"license\": "
	       "\"MIT\"}, \"node_modules/express/node_modules/@types/qs\": {\"version\": "
	       "\"6.9.11\"}, \"node_modules/ws\": {\"resolved\": \"packages/ws\", \"link\": "
	       "true}}}",
	       "pkg:npm/express@4.18.2 MIT\npkg:npm/%40types/qs@6.9.11 -\n");
	struct berth_package *p = NULL;
	size_t n = 0;
	struct berth_error *err = NULL;
	assert_int_equal(berth_scan_parse_npm_lock("app/package-lock.json", "{\"packages\": ", 13,
						   &p, &n, &err),
			 -EINVAL);
	assert_non_null(strstr(berth_error_msg(err), "app/package-lock.json"));
	berth_error_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_python_metadata),
		cmocka_unit_test(test_npm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
