/* SPDX-License-Identifier: Apache-2.0 */
/* The filters JSON of Docker's query strings (api/query.c), both of its forms. */
#include "unit.h"

#include "core/cleanup.h"

#include "api/internal.h"
#include "core/json.h"

static void test_filters_forms(void **state)
{
	(void)state;
	struct berth_error *err = NULL;
	json_t *f = NULL;
	assert_ok(
		api_filters_parse("{\"label\":[\"a=b\",\"c\"],\"type\":[\"container\"]}", &f, &err),
		err);
	assert_int_equal(json_array_size(json_object_get(f, "label")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(f, "label"), 1)), "c");
	json_decref(f);
	/* before API 1.22: {"key": {"value": true}} */
	assert_ok(api_filters_parse("{\"event\":{\"start\":true,\"die\":false}}", &f, &err), err);
	assert_int_equal(json_array_size(json_object_get(f, "event")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(f, "event"), 0)),
			    "start");
	json_decref(f);
	assert_ok(api_filters_parse(NULL, &f, &err), err);
	assert_int_equal(json_object_size(f), 0);
	json_decref(f);
	assert_ok(api_filters_parse("", &f, &err), err);
	json_decref(f);
}

static void test_filters_rejects(void **state)
{
	(void)state;
	const char *bad[] = {"{",
			     "[]",
			     "\"x\"",
			     "{\"a\":1}",
			     "{\"a\":[1]}",
			     "{\"a\":{\"b\":1}}",
			     "{\"a\":null}",
			     "{} x"};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		struct berth_error *err = NULL;
		json_t *f = NULL;
		assert_int_equal(api_filters_parse(bad[i], &f, &err), -EINVAL);
		assert_null(f);
		assert_non_null(strstr(berth_error_msg(err), "filter"));
		berth_error_free(&err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filters_forms),
		cmocka_unit_test(test_filters_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
