/* SPDX-License-Identifier: Apache-2.0 */
/* The volume endpoints (api/volumes.c) on a real socket over a temp store. */
#include "unit.h"

#include "api-img-fixture.h"

static void test_volumes(void **state)
{
	struct service *s = *state;
	_cleanup_free_ char *body = NULL;
	assert_int_equal(svc_call(s, "POST", "/v1.41/volumes/create",
				  "{\"Name\":\"v1\",\"Driver\":null,\"Labels\":{\"a\":\"b\"}}",
				  false, NULL, &body),
			 201);
	assert_non_null(strstr(body, "\"Name\":\"v1\""));
	assert_non_null(strstr(body, "\"a\":\"b\""));

	_cleanup_json_ json_t *list = NULL, *inspect = NULL, *none = NULL, *prune = NULL;
	assert_int_equal(svc_get_json(s, "GET", "/volumes", &list), 200);
	assert_int_equal(json_array_size(json_object_get(list, "Volumes")), 1);
	assert_true(json_is_null(json_object_get(list, "Warnings")));
	assert_int_equal(
		svc_get_json(s, "GET", "/volumes?filters=%7B%22name%22%3A%5B%22zz%22%5D%7D", &none),
		200);
	assert_int_equal(json_array_size(json_object_get(none, "Volumes")), 0);
	assert_int_equal(svc_get_json(s, "GET", "/volumes/v1", &inspect), 200);
	assert_string_equal(json_string_value(json_object_get(inspect, "Driver")), "local");

	_cleanup_free_ char *e1 = NULL, *e2 = NULL, *e3 = NULL, *e4 = NULL;
	/* refused clearly: a driver berth has not, an unknown filter */
	assert_int_equal(
		svc_call(s, "POST", "/volumes/create", "{\"Driver\":\"nfs\"}", false, NULL, &e1),
		501);
	assert_int_equal(svc_call(s, "GET", "/volumes?filters=%7B%22x%22%3A%5B%22y%22%5D%7D", NULL,
				  false, NULL, &e2),
			 400);
	assert_non_null(strstr(e2, "invalid filter 'x'"));
	assert_int_equal(svc_call(s, "DELETE", "/volumes/v1", NULL, false, NULL, &e3), 204);
	assert_int_equal(svc_call(s, "DELETE", "/volumes/v1", NULL, false, NULL, &e4), 404);

	/* 1.41's prune removes every unused volume, named ones too */
	_cleanup_free_ char *c = NULL;
	assert_int_equal(
		svc_call(s, "POST", "/volumes/create", "{\"Name\":\"v2\"}", false, NULL, &c), 201);
	assert_int_equal(svc_get_json(s, "POST", "/v1.41/volumes/prune", &prune), 200);
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(prune, "VolumesDeleted"), 0)),
		"v2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_volumes, svc_setup, svc_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
