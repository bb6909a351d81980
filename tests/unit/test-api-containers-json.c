/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inspect (api/containers-json.c) in Docker's shapes where its clients
 * decode it: Name with its "/", HostConfig.RestartPolicy an object (the
 * docker CLI's Go decoder refuses the record's string), Config.Image the
 * name the container was made from, a LogConfig.
 */
#include "api-ctr-fixture.h"
#include "core/json.h"

static void test_inspect_shape(void **state)
{
	struct service *s = *state;
	if (!make_container(s))
		skip();
	_cleanup_free_ char *r = request(s, "GET /containers/io/json HTTP/1.1", NULL, 0);
	assert_non_null(strstr(r, "HTTP/1.1 200"));
	const char *body = strstr(r, "\r\n\r\n");
	assert_non_null(body);
	_cleanup_json_ json_t *j = json_loads(body + 4, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "Name")), "/io");
	json_t *hc = json_object_get(j, "HostConfig");
	json_t *rp = json_object_get(hc, "RestartPolicy");
	assert_true(json_is_object(rp));
	assert_string_equal(json_string_value(json_object_get(rp, "Name")), "no");
	assert_int_equal(json_integer_value(json_object_get(rp, "MaximumRetryCount")), 0);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(hc, "LogConfig"), "Type")),
		"json-file");
	assert_true(json_equal(json_object_get(json_object_get(j, "Config"), "Image"),
			       json_object_get(j, "ImageRef")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_inspect_shape, svc_setup, svc_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
