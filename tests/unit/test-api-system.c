/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The system routes (api/system.c) through the transport: _ping, version,
 * info, system/df, a 404, /events refusing bad filters, POST /auth's body.
 */
#include "unit.h"

#include <stdatomic.h>

#include "api-fixture.h"
#include "core/json.h"

static void test_system_routes(void **state)
{
	struct service *s = *state;
	_cleanup_free_ char *ping = request(s, "GET /_ping HTTP/1.1", NULL, 0);
	assert_non_null(strstr(ping, "HTTP/1.1 200"));
	assert_non_null(strstr(ping, "Api-Version: 1.41"));
	assert_non_null(strstr(ping, "\r\n\r\nOK"));
	_cleanup_free_ char *v = request(s, "GET /v1.40/version HTTP/1.1", NULL, 0);
	assert_non_null(strstr(v, "\"ApiVersion\":\"1.41\""));
	_cleanup_free_ char *info = request(s, "GET /info HTTP/1.1", NULL, 0);
	assert_non_null(strstr(info, "\"Containers\":0"));
	assert_non_null(strstr(info, s->f->root));
	_cleanup_free_ char *df = request(s, "GET /system/df HTTP/1.1", NULL, 0);
	assert_non_null(strstr(df, "\"LayersSize\":"));
	_cleanup_free_ char *nf = request(s, "GET /nope HTTP/1.1", NULL, 0);
	assert_non_null(strstr(nf, "HTTP/1.1 404"));
	assert_non_null(strstr(nf, "{\"message\":\"page not found\"}"));
	_cleanup_free_ char *ev = request(s, "GET /events?until=1&filters=%7Bx HTTP/1.1", NULL, 0);
	assert_non_null(strstr(ev, "HTTP/1.1 400"));
	assert_non_null(strstr(ev, "invalid filters"));
}

/* POST /auth's body read as X-Registry-Auth is: typed fields, one clear 4xx */
static void test_auth_body(void **state)
{
	struct service *s = *state;
	const char *head = "POST /auth HTTP/1.1\r\nContent-Type: application/json";
	const struct {
		const char *body, *status, *words;
	} cases[] = {
		{"{\"username\":1,\"password\":\"s3cret\"}", "HTTP/1.1 400",
		 "auth body: 'username' is not a string"},
		{"[\"u\"]", "HTTP/1.1 400", "message"},
		{"{\"username\":\"u\",\"serveraddress\":\"127.0.0.1:1\"}", "HTTP/1.1 400",
		 "a password is required"},
		{"{\"identitytoken\":\"t\",\"serveraddress\":\"127.0.0.1:1\"}", "HTTP/1.1 501",
		 "identity token"},
		/* nothing listens on 127.0.0.1:1: an error, not a login */
		{"{\"auth\":\"dTpw\",\"serveraddress\":\"127.0.0.1:1\"}", "HTTP/1.1 5",
		 "127.0.0.1:1"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_free_ char *r = request(s, head, cases[i].body, strlen(cases[i].body));
		if (!strstr(r, cases[i].status) || !strstr(r, cases[i].words))
			fail_msg("%s: %s", cases[i].body, r);
		assert_null(strstr(r, "s3cret"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_system_routes, svc_setup, svc_teardown),
		cmocka_unit_test_setup_teardown(test_auth_body, svc_setup, svc_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
