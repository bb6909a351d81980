/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The exec routes (api/exec.c) through the transport, where no container is
 * needed: an exec of a container that does not exist or is not running,
 * and start, resize and inspect of an exec instance that does not exist,
 * each answered with Docker's status and message. (Running execs, their
 * hijack, a client that drops it and one that half-closes are in
 * tests/e2e/api-robust.bats and api-containers.bats.)
 */
#include "unit.h"

#include "api-fixture.h"

static void test_exec_errors(void **state)
{
	struct service *s = *state;
	const char *body = "{\"Cmd\":[\"sh\"]}";
	_cleanup_free_ char *create =
		request(s, "POST /v1.41/containers/nope/exec HTTP/1.1", body, strlen(body));
	assert_non_null(strstr(create, "HTTP/1.1 404"));
	assert_non_null(strstr(create, "nope"));
	_cleanup_free_ char *start = request(s, "POST /v1.41/exec/e1/start HTTP/1.1", "{}", 2);
	assert_non_null(strstr(start, "HTTP/1.1 404"));
	assert_non_null(strstr(start, "{\"message\":\"No such exec instance: e1\"}"));
	_cleanup_free_ char *resize =
		request(s, "POST /exec/e1/resize?h=10&w=20 HTTP/1.1", NULL, 0);
	assert_non_null(strstr(resize, "HTTP/1.1 404"));
	assert_non_null(strstr(resize, "No such exec instance: e1"));
	_cleanup_free_ char *inspect = request(s, "GET /exec/e1/json HTTP/1.1", NULL, 0);
	assert_non_null(strstr(inspect, "HTTP/1.1 404"));
	assert_non_null(strstr(inspect, "No such exec instance: e1"));
	/* a body that is not an object is the transport's 400, before the handler */
	_cleanup_free_ char *bad = request(s, "POST /exec/e1/start HTTP/1.1", "[]", 2);
	assert_non_null(strstr(bad, "HTTP/1.1 400"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exec_errors, svc_setup, svc_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
