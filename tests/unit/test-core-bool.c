/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <errno.h>

#include "core/bool.h"

/* Go's strconv.ParseBool: exactly these spellings, nothing else. */
static void test_parse_bool(void **state)
{
	(void)state;
	static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True"};
	static const char *const no[] = {"0", "f", "F", "false", "FALSE", "False"};
	static const char *const bad[] = {"", "yes", "no", "tRUE", "2", " true", "true ", "on"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		bool v = false;
		assert_int_equal(berth_parse_bool(yes[i], &v), 0);
		assert_true(v);
		assert_int_equal(berth_parse_bool(no[i], &v), 0);
		assert_false(v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bool v = true;
		assert_int_equal(berth_parse_bool(bad[i], &v), -EINVAL);
		assert_true(v); /* untouched */
	}
	bool v = true;
	assert_int_equal(berth_parse_bool(NULL, &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_bool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
