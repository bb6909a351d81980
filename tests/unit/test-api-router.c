/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The API's router (api/router.c): Docker's version prefix and its checks,
 * URL decoding, the route patterns ({} and {*}) and the lookup with its
 * 404/405 answers.
 */
#include "unit.h"

#include "core/cleanup.h"

#include <stdlib.h>

#include "api/transport.h"

static void test_version_parse(void **state)
{
	(void)state;
	unsigned ma, mi;
	assert_int_equal(api_version_parse("1.41", &ma, &mi), 0);
	assert_int_equal(ma, 1);
	assert_int_equal(mi, 41);
	assert_int_equal(api_version_parse("10.0", &ma, &mi), 0);
	assert_int_equal(ma, 10);
	const char *bad[] = {"",    "1",    "1.",     ".1",   "1.41.2",
			     "a.b", "1.4x", "1000.1", "-1.2", "1..2"};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		assert_int_equal(api_version_parse(bad[i], &ma, &mi), -EINVAL);
	assert_true(api_version_cmp("1.9", "1.41") < 0);
	assert_true(api_version_cmp("1.41", "1.41") == 0);
	assert_true(api_version_cmp("2.0", "1.41") > 0);
}

static void test_split_version(void **state)
{
	(void)state;
	char v[16];
	const char *rest;
	assert_int_equal(api_path_split_version("/v1.41/containers/json", v, &rest), 0);
	assert_string_equal(v, "1.41");
	assert_string_equal(rest, "/containers/json");
	assert_int_equal(api_path_split_version("/v1.24", v, &rest), 0);
	assert_string_equal(v, "1.24");
	assert_string_equal(rest, "/");
	/* no prefix: the path as it is */
	assert_int_equal(api_path_split_version("/version", v, &rest), 0);
	assert_string_equal(v, "");
	assert_string_equal(rest, "/version");
	assert_int_equal(api_path_split_version("/volumes/v1", v, &rest), 0);
	assert_string_equal(rest, "/volumes/v1");
	assert_int_equal(api_path_split_version("/v1x/info", v, &rest), 0);
	assert_string_equal(rest, "/v1x/info");
	/* what Docker's {version:[0-9.]+} takes but is no version */
	assert_int_equal(api_path_split_version("/v1.2.3/info", v, &rest), -EINVAL);
	assert_int_equal(api_path_split_version("/v1/info", v, &rest), -EINVAL);
	assert_int_equal(api_path_split_version("/v11111111111111111.1/info", v, &rest), -EINVAL);
}

static void test_version_check(void **state)
{
	(void)state;
	assert_null(api_version_check(""));
	assert_null(api_version_check("1.41"));
	assert_null(api_version_check("1.24"));
	assert_null(api_version_check("1.30"));
	char *m = api_version_check("1.43");
	assert_string_equal(
		m, "client version 1.43 is too new. Maximum supported API version is 1.41");
	free(m);
	m = api_version_check("1.23");
	assert_string_equal(m, "client version 1.23 is too old. Minimum supported API version is "
			       "1.24, please upgrade your client to a newer version");
	free(m);
}

static void test_url_decode(void **state)
{
	(void)state;
	char a[] = "a%2Fb+c%41";
	assert_int_equal(api_url_decode(a, false), 0);
	assert_string_equal(a, "a/b+cA");
	char b[] = "x+y";
	assert_int_equal(api_url_decode(b, true), 0);
	assert_string_equal(b, "x y");
	char c[] = "bad%2";
	assert_int_equal(api_url_decode(c, false), -EINVAL);
	char d[] = "nul%00";
	assert_int_equal(api_url_decode(d, false), -EINVAL);
	char e[] = "%zz";
	assert_int_equal(api_url_decode(e, false), -EINVAL);
}

static void test_pattern(void **state)
{
	(void)state;
	char *p[API_PARAMS_MAX] = {0};
	assert_true(api_pattern_match("/containers/{}/start", "/containers/abc/start", p));
	assert_string_equal(p[0], "abc");
	assert_null(p[1]);
	api_params_free(p);
	assert_true(api_pattern_match("/containers/json", "/containers/json/", p));
	assert_false(api_pattern_match("/containers/{}/start", "/containers//start", p));
	assert_false(api_pattern_match("/containers/{}/start", "/containers/a/b/start", p));
	assert_false(api_pattern_match("/containers/{}/start", "/containers/a/stop", p));
	assert_false(api_pattern_match("/containers/{}/start", "/containers/a/start/x", p));
	assert_false(api_pattern_match("/_ping", "/_pin", p));
	assert_true(api_pattern_match("/exec/{}/{}", "/exec/a%20b/c", p));
	assert_string_equal(p[0], "a b");
	assert_string_equal(p[1], "c");
	api_params_free(p);
	/* {*}: image names with slashes, the longest run that lets the rest match */
	assert_true(api_pattern_match("/images/{*}/json", "/images/docker.io/library/a:1/json", p));
	assert_string_equal(p[0], "docker.io/library/a:1");
	api_params_free(p);
	assert_true(api_pattern_match("/images/{*}/json", "/images/a/json/json", p));
	assert_string_equal(p[0], "a/json");
	api_params_free(p);
	assert_false(api_pattern_match("/images/{*}/json", "/images/json", p));
	assert_true(api_pattern_match("/images/{*}", "/images/reg:5000/x/y", p));
	assert_string_equal(p[0], "reg:5000/x/y");
	api_params_free(p);
	assert_false(api_pattern_match("/images/{*}/tag", "/images/a/b/json", p));
	/* nothing is left allocated on a failed match */
	for (size_t i = 0; i < API_PARAMS_MAX; i++)
		assert_null(p[i]);
}

static void test_route_find(void **state)
{
	(void)state;
	char *p[API_PARAMS_MAX] = {0};
	unsigned status = 0;
	const struct api_route *r = api_route_find("GET", "/_ping", p, &status);
	assert_non_null(r);
	assert_string_equal(r->pattern, "/_ping");
	r = api_route_find("HEAD", "/version", p, &status);
	assert_non_null(r); /* HEAD is served by GET routes */
	assert_string_equal(r->method, "GET");
	assert_null(api_route_find("DELETE", "/version", p, &status));
	assert_int_equal(status, 405);
	assert_null(api_route_find("GET", "/no/such", p, &status));
	assert_int_equal(status, 404);
	r = api_route_find("POST", "/auth", p, &status);
	assert_non_null(r);
	assert_int_equal(r->body, API_BODY_JSON);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_parse), cmocka_unit_test(test_split_version),
		cmocka_unit_test(test_version_check), cmocka_unit_test(test_url_decode),
		cmocka_unit_test(test_pattern),	      cmocka_unit_test(test_route_find),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
