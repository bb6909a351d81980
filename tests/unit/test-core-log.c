/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "core/log.h"

static char last[256];
static int calls;

static void sink(enum berth_log_level level, const char *msg, void *userdata)
{
	snprintf(last, sizeof(last), "%s:%s:%s", berth_log_level_name(level), msg,
		 (const char *)userdata);
	calls++;
}

static void test_levels(void **state)
{
	berth_log(BERTH_LOG_ERROR, "dropped without a sink");
	berth_log_set_sink(sink, "u");
	berth_log_set_level(BERTH_LOG_WARN);
	berth_debug("not shown %d", 1);
	assert_int_equal(calls, 0);
	berth_warn("shown %d", 2);
	assert_string_equal(last, "warn:shown 2:u");
	berth_log_set_level(BERTH_LOG_DEBUG);
	berth_debug("now %s", "yes");
	assert_string_equal(last, "debug:now yes:u");
	assert_int_equal(calls, 2);
	berth_log_set_sink(NULL, NULL);
}

static void test_parse(void **state)
{
	enum berth_log_level l;
	assert_int_equal(berth_log_level_parse("info", &l), 0);
	assert_int_equal(l, BERTH_LOG_INFO);
	assert_int_equal(berth_log_level_parse("warning", &l), 0);
	assert_int_equal(l, BERTH_LOG_WARN);
	assert_int_equal(berth_log_level_parse("loud", &l), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
