/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pull and push (api/images-registry.c) on a real socket over a temp store:
 * what is refused before a stream begins, and a failure against a registry
 * that is not there (nothing listens on 127.0.0.1:1). The transfers
 * themselves run against a real registry in tests/e2e/api-images.bats.
 */
#include "unit.h"

#include "api-img-fixture.h"

static void test_refusals(void **state)
{
	struct service *s = *state;
	_cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;
	assert_int_equal(svc_call(s, "POST", "/images/create", NULL, false, NULL, &a), 400);
	assert_int_equal(svc_call(s, "POST", "/images/create?fromSrc=-", NULL, false, NULL, &b),
			 501);
	/* a registry token in X-Registry-Auth is taken: what fails is the registry */
	const char *const regtoken[] = {"X-Registry-Auth: eyJyZWdpc3RyeXRva2VuIjoidCJ9", NULL};
	assert_int_equal(svc_call(s, "POST", "/images/create?fromImage=127.0.0.1:1/x&tag=1", NULL,
				  false, regtoken, &c),
			 500);
	assert_non_null(strstr(c, "127.0.0.1:1"));
	/* push of an image the store has not: 404 before any stream */
	assert_int_equal(
		svc_call(s, "POST", "/images/127.0.0.1:1/x/push?tag=1", NULL, false, NULL, &d),
		404);
	const char *const garbage[] = {"X-Registry-Auth: !!", NULL};
	assert_int_equal(
		svc_call(s, "POST", "/images/create?fromImage=x", NULL, false, garbage, &e), 400);
	assert_non_null(strstr(e, "X-Registry-Auth: not base64"));
	/* {"username":1}: a wrong type, for push too */
	_cleanup_free_ char *f = NULL;
	const char *const wrong[] = {"X-Registry-Auth: eyJ1c2VybmFtZSI6MX0", NULL};
	assert_int_equal(svc_call(s, "POST", "/images/x/push?tag=1", NULL, false, wrong, &f), 400);
	assert_non_null(strstr(f, "'username' is not a string"));
}

/*
 * Credentials in the header reach the registry: nothing listens on
 * 127.0.0.1:1, so the transfer fails there, past the header (the
 * credentials themselves are shown working in tests/e2e/api-auth.bats).
 */
static void test_header_credentials(void **state)
{
	struct service *s = *state;
	_cleanup_free_ char *out = NULL, *all = NULL;
	const char *const creds[] = {"X-Registry-Auth: eyJ1c2VybmFtZSI6InUiLCJwYXNzd29yZCI6InAifQ",
				     NULL};
	long st = svc_call(s, "POST", "/images/create?fromImage=127.0.0.1:1/x&tag=1", NULL, false,
			   creds, &out);
	assert_true(st >= 400 || strstr(out, "\"errorDetail\""));
	assert_non_null(strstr(out, "127.0.0.1:1"));
	assert_null(strstr(out, "\"p\""));
	/* no tag: all tags, which begins with the tag list */
	st = svc_call(s, "POST", "/images/create?fromImage=127.0.0.1:1/x", NULL, false, creds,
		      &all);
	assert_true(st >= 400 || strstr(all, "\"errorDetail\""));
	assert_non_null(strstr(all, "list tags of '127.0.0.1:1/x'"));
}

static void test_unreachable_registry(void **state)
{
	struct service *s = *state;
	_cleanup_free_ char *out = NULL, *push = NULL;
	const char *const none[] = {"X-Registry-Auth: e30=", NULL};
	long st = svc_call(s, "POST", "/images/create?fromImage=127.0.0.1:1/x&tag=1", NULL, false,
			   none, &out);
	/* an error reply, or an errorDetail when the stream had begun */
	assert_true(st >= 400 || strstr(out, "\"errorDetail\""));
	assert_non_null(strstr(out, "127.0.0.1:1"));
	_cleanup_free_ char *built = svc_build(s, "x", NULL), *tagged = NULL;
	assert_int_equal(svc_call(s, "POST", "/images/x/tag?repo=127.0.0.1:1/x&tag=latest", NULL,
				  false, NULL, &tagged),
			 201);
	st = svc_call(s, "POST", "/images/127.0.0.1:1/x/push?tag=latest", NULL, false, none, &push);
	assert_true(st >= 400 || strstr(push, "\"errorDetail\""));
	assert_non_null(strstr(push, "The push refers to repository [127.0.0.1:1/x]"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refusals, svc_setup, svc_teardown),
		cmocka_unit_test_setup_teardown(test_unreachable_registry, svc_setup, svc_teardown),
		cmocka_unit_test_setup_teardown(test_header_credentials, svc_setup, svc_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
