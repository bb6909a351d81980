/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "builder/internal.h"

static void test_go_duration(void **state)
{
	(void)state;
	struct berth_error *err = NULL;
	int64_t ns;
	assert_ok(parse_go_duration("30s", &ns, &err), err);
	assert_int_equal(ns, 30000000000LL);
	assert_ok(parse_go_duration("1m30s", &ns, &err), err);
	assert_int_equal(ns, 90000000000LL);
	assert_ok(parse_go_duration("500ms", &ns, &err), err);
	assert_int_equal(ns, 500000000LL);
	assert_ok(parse_go_duration("1h", &ns, &err), err);
	assert_int_equal(ns, 3600000000000LL);
	assert_ok(parse_go_duration("0", &ns, &err), err);
	assert_int_equal(ns, 0);
	assert_int_equal(parse_go_duration("30", &ns, &err), -EINVAL);
	assert_non_null(strstr(err->msg, "missing unit"));
	berth_error_free(&err);
	assert_int_equal(parse_go_duration("", &ns, &err), -EINVAL);
	berth_error_free(&err);
	assert_int_equal(parse_go_duration("-1s", &ns, &err), -EINVAL);
	berth_error_free(&err);
	assert_int_equal(parse_go_duration("1x", &ns, &err), -EINVAL);
	berth_error_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_go_duration),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
