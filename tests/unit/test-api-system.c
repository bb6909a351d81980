/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The system routes (api/system.c) through the transport: _ping, version,
 * info, system/df, a 404, and /events refusing bad filters.
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_system_routes, svc_setup, svc_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
