/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ping and bearer tokens (registry/token.c): fetched once, reused,
 * refetched on a 401; a caller's registry token sent as it is.
 */
#include "registry-client-test.h"

static void test_token_flow_and_refresh(void **state)
{
	_cleanup_free_ char *domain = berth_xasprintf("127.0.0.1:%d", f.port);
	_cleanup_(registry_freep) struct registry *reg = NULL;
	_cleanup_error_ struct berth_error *err = NULL;
	assert_ok(registry_open(domain, "a/b", &reg, &err), err);
	struct http_request req = {.method = "GET", .body_fd = -1, .max_body = 1000};
	struct http_response resp = {0};
	assert_ok(registry_request(reg, "pull", NULL, &req, "/v2/a/b/tags/list", &resp, &err), err);
	assert_string_equal(reg->scheme, "http");
	assert_string_equal(reg->challenge.scheme, "bearer");
	assert_int_equal(r.tokens, 1);
	http_response_release(&resp);
	/* the cached token is reused */
	assert_ok(registry_request(reg, "pull", NULL, &req, "/v2/a/b/tags/list", &resp, &err), err);
	assert_int_equal(r.tokens, 1);
	http_response_release(&resp);
	/* the registry no longer accepts T1: one 401, a new token, success */
	r.valid = 99;
	assert_ok(registry_request(reg, "pull", NULL, &req, "/v2/a/b/tags/list", &resp, &err), err);
	assert_int_equal(r.tokens, 2);
	assert_int_equal(reg->token_fetches, 2);
	http_response_release(&resp);
}

/* A caller's registry token (Docker's RegistryToken) is the bearer token: no token is fetched. */
static void test_registry_token_as_is(void **state)
{
	_cleanup_free_ char *domain = berth_xasprintf("127.0.0.1:%d", f.port);
	_cleanup_(registry_freep) struct registry *reg = NULL;
	_cleanup_error_ struct berth_error *err = NULL;
	assert_ok(registry_open(domain, "a/b", &reg, &err), err);
	registry_use_credentials(reg, &(struct berth_registry_credentials){.username = "ignored",
									   .registry_token = "T7"});
	r.valid = 7;
	r.tokens = 0;
	struct http_request req = {.method = "GET", .body_fd = -1, .max_body = 1000};
	struct http_response resp = {0};
	assert_ok(registry_request(reg, "pull", NULL, &req, "/v2/a/b/tags/list", &resp, &err), err);
	http_response_release(&resp);
	assert_int_equal(r.tokens, 0);
	assert_int_equal(reg->token_fetches, 0);
	/* one the registry does not take: refused, still none fetched */
	r.valid = 8;
	assert_true(registry_request(reg, "pull", NULL, &req, "/v2/a/b/tags/list", &resp, &err) <
		    0);
	assert_int_equal(r.tokens, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_flow_and_refresh),
		cmocka_unit_test(test_registry_token_as_is),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
