/* SPDX-License-Identifier: Apache-2.0 */
/* run: names are unique; --rm leaves nothing. */
#include "container-fixture.h"

static void test_rm_and_names(void **state)
{
	if (!top[0])
		skip();
	struct berth_run_options o;
	struct berth_run_result res;
	struct berth_error *err = NULL;
	berth_run_options_init(&o);
	o.rm = true;
	assert_ok(run_cmd(&o, "exit 5", &res, &err), err);
	assert_int_equal(res.exit_code, 5);
	assert_int_equal(strlen(res.id), 64);
	assert_int_equal(count_containers(), 0);

	berth_run_options_init(&o);
	o.name = "web";
	assert_ok(run_cmd(&o, "true", &res, &err), err);
	assert_int_equal(count_containers(), 1);
	assert_int_equal(run_cmd(&o, "true", &res, &err), -EEXIST);
	assert_non_null(strstr(err->msg, "already in use"));
	berth_error_free(&err);
	o.name = "bad/name";
	assert_int_equal(run_cmd(&o, "true", &res, &err), -EINVAL);
	berth_error_free(&err);
	assert_int_equal(count_containers(), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rm_and_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
