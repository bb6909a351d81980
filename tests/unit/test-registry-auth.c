/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "core/cleanup.h"
#include "registry/internal.h"

static void test_bearer(void **state)
{
	struct registry_challenge c;
	_cleanup_error_ struct berth_error *err = NULL;
	assert_ok(registry_challenge_parse(
			  "Bearer "
			  "realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
			  "scope=\"repository:library/busybox:pull\"",
			  &c, &err),
		  err);
	assert_string_equal(c.scheme, "bearer");
	assert_string_equal(c.realm, "https://auth.docker.io/token");
	assert_string_equal(c.service, "registry.docker.io");
	assert_string_equal(c.scope, "repository:library/busybox:pull");
	registry_challenge_release(&c);
}

static void test_basic_and_quirks(void **state)
{
	struct registry_challenge c;
	_cleanup_error_ struct berth_error *err = NULL;
	assert_ok(registry_challenge_parse("Basic realm=\"Registry Realm\"", &c, &err), err);
	assert_string_equal(c.scheme, "basic");
	assert_string_equal(c.realm, "Registry Realm");
	assert_null(c.service);
	registry_challenge_release(&c);
	/* spaces, unknown parameters, escapes, token values, mixed case keys */
	assert_ok(registry_challenge_parse("  BEARER  Realm = \"a\\\"b\" , error=invalid_token,"
					   "Service=svc , scope=\"x y\"",
					   &c, &err),
		  err);
	assert_string_equal(c.scheme, "bearer");
	assert_string_equal(c.realm, "a\"b");
	assert_string_equal(c.service, "svc");
	assert_string_equal(c.scope, "x y");
	registry_challenge_release(&c);
}

static void test_bad(void **state)
{
	struct registry_challenge c;
	_cleanup_error_ struct berth_error *err = NULL;
	assert_int_equal(registry_challenge_parse("", &c, &err), -EBADMSG);
	berth_error_free(&err);
	assert_int_equal(registry_challenge_parse("Bearer realm=\"open", &c, &err), -EBADMSG);
	assert_non_null(strstr(err->msg, "unterminated"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bearer),
		cmocka_unit_test(test_basic_and_quirks),
		cmocka_unit_test(test_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
