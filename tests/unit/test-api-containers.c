/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The lifecycle endpoints of api/containers.c through the transport, on a
 * created container: wait answering at once (its headers before its
 * body), a bad condition; resize refusing a container that does not run,
 * sizes that are not numbers and an unknown container.
 */
#include "api-ctr-fixture.h"

static void test_wait_and_resize(void **state)
{
	struct service *s = *state;
	if (!make_container(s))
		skip();
	expect(s, "POST /containers/io/wait HTTP/1.1", "HTTP/1.1 200",
	       "{\"StatusCode\":0,\"Error\":null}");
	expect(s, "POST /containers/io/wait?condition=x HTTP/1.1", "HTTP/1.1 400", "condition");
	expect(s, "POST /containers/io/resize?h=10&w=20 HTTP/1.1", "HTTP/1.1 409",
	       "is not running");
	expect(s, "POST /containers/io/resize?h=ten&w=20 HTTP/1.1", "HTTP/1.1 400", "numbers");
	expect(s, "POST /containers/nope/resize?h=1&w=1 HTTP/1.1", "HTTP/1.1 404", "nope");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_wait_and_resize, svc_setup, svc_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
