/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "core/units.h"

#include <string.h>

static void test_parse_bytes(void **state)
{
	int64_t v;
	assert_int_equal(berth_parse_bytes("32m", &v, NULL), 0);
	assert_int_equal(v, 32 << 20);
	assert_int_equal(berth_parse_bytes("1g", &v, NULL), 0);
	assert_int_equal(v, 1 << 30);
	assert_int_equal(berth_parse_bytes("512", &v, NULL), 0);
	assert_int_equal(v, 512);
	assert_int_equal(berth_parse_bytes("64kb", &v, NULL), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(berth_parse_bytes("1.5k", &v, NULL), 0);
	assert_int_equal(v, 1536);
	assert_int_equal(berth_parse_bytes("x", &v, NULL), -EINVAL);
	assert_int_equal(berth_parse_bytes("-1m", &v, NULL), -EINVAL);
	assert_int_equal(berth_parse_bytes("1q", &v, NULL), -EINVAL);
	assert_int_equal(berth_parse_bytes("99999999999t", &v, NULL), -EINVAL);
}

static void test_parse_duration(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int64_t ns;
	} ok[] = {
		{"0", 0},
		{"30s", 30000000000LL},
		{"1m30s", 90000000000LL},
		{"1.5h", 5400000000000LL},
		{"500ms", 500000000LL},
		{".5s", 500000000LL},
		{"2us", 2000LL},
		{"2\xc2\xb5s", 2000LL},
		{"7ns", 7LL},
		{"-1s", -1000000000LL},
		{"+1h2m3.25s", 3723250000000LL},
		{"1.000000001s", 1000000001LL},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
		int64_t v = -42;
		assert_int_equal(berth_parse_duration(ok[i].in, &v, NULL), 0);
		assert_int_equal(v, ok[i].ns);
	}
	static const char *const bad[] = {
		"", "s", "30", "1x", "1.5", "-", "1s2", ". s", "9999999999999999999s", "3000000h"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		int64_t v = -42;
		struct berth_error *e = NULL;
		assert_true(berth_parse_duration(bad[i], &v, &e) < 0);
		assert_int_equal(v, -42);
		assert_non_null(strstr(berth_error_msg(e), "duration"));
		berth_error_free(&e);
	}
}

static void test_format_duration(void **state)
{
	(void)state;
	char buf[32];
	assert_string_equal(berth_format_duration(0, buf, sizeof(buf)), "0s");
	assert_string_equal(berth_format_duration(30000000000LL, buf, sizeof(buf)), "30s");
	assert_string_equal(berth_format_duration(1000000000LL, buf, sizeof(buf)), "1s");
	assert_string_equal(berth_format_duration(90000000000LL, buf, sizeof(buf)), "1m30s");
	assert_string_equal(berth_format_duration(3600000000000LL, buf, sizeof(buf)), "1h0m0s");
	assert_string_equal(berth_format_duration(1500000000LL, buf, sizeof(buf)), "1.5s");
	assert_string_equal(berth_format_duration(500000000LL, buf, sizeof(buf)), "500ms");
	assert_string_equal(berth_format_duration(1500000LL, buf, sizeof(buf)), "1.5ms");
	assert_string_equal(berth_format_duration(2000LL, buf, sizeof(buf)), "2\xc2\xb5s");
	assert_string_equal(berth_format_duration(7LL, buf, sizeof(buf)), "7ns");
	assert_string_equal(berth_format_duration(-61000000000LL, buf, sizeof(buf)), "-1m1s");
	/* round trip */
	int64_t v;
	assert_int_equal(
		berth_parse_duration(berth_format_duration(3723250000000LL, buf, sizeof(buf)), &v,
				     NULL),
		0);
	assert_int_equal(v, 3723250000000LL);
}

static void test_time_parse_rfc3339(void **state)
{
	(void)state;
	time_t t = 42;
	assert_true(berth_time_parse_rfc3339("1970-01-01T00:01:40.123456789Z", &t));
	assert_int_equal(t, 100);
	assert_true(berth_time_parse_rfc3339("1970-01-01T02:00:00+01:30", &t));
	assert_int_equal(t, 1800);
	assert_true(berth_time_parse_rfc3339("1970-01-01T00:00:00-00:10", &t));
	assert_int_equal(t, 600);
	t = 42;
	assert_false(berth_time_parse_rfc3339("yesterday", &t));
	assert_false(berth_time_parse_rfc3339(NULL, &t));
	assert_int_equal(t, 42);
}

static void test_human_duration(void **state)
{
	(void)state;
	static const struct {
		double secs;
		const char *want;
	} cases[] = {
		{0, "Less than a second"},
		{0.9, "Less than a second"},
		{1, "1 second"},
		{59, "59 seconds"},
		{60, "About a minute"},
		{119, "About a minute"},
		{120, "2 minutes"},
		{3599, "59 minutes"},
		{3600, "About an hour"},
		{5399, "About an hour"},
		{5400, "2 hours"}, /* go-units rounds hours */
		{47 * 3600, "47 hours"},
		{48 * 3600, "2 days"},
		{14 * 86400, "2 weeks"},
		{60 * 86400, "2 months"},
		{2 * 365 * 86400, "2 years"},
	};
	char buf[48];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		berth_human_duration(buf, sizeof(buf), cases[i].secs);
		assert_string_equal(buf, cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_bytes),	cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_format_duration), cmocka_unit_test(test_time_parse_rfc3339),
		cmocka_unit_test(test_human_duration),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
