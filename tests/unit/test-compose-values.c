/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "compose/compose-internal.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/strv.h"

static void expect_duration(const char *in, int64_t ns, const char *out)
{
	int64_t v = 0;
	assert_int_equal(berth_compose_parse_duration(in, &v), 0);
	assert_int_equal(v, ns);
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	berth_compose_format_duration(v, &b);
	assert_string_equal(b.buf, out);
}

static void test_durations_as_go(void **state)
{
	expect_duration("30s", 30000000000LL, "30s");
	expect_duration("90s", 90000000000LL, "1m30s");
	expect_duration("1h", 3600000000000LL, "1h0m0s");
	expect_duration("1.5s", 1500000000LL, "1.5s");
	expect_duration("500ms", 500000000LL, "500ms");
	expect_duration("1m0.25s", 60250000000LL, "1m0.25s");
	expect_duration("1500us", 1500000LL, "1.5ms");
	expect_duration("0", 0, "0s");
	expect_duration("2h45m", 9900000000000LL, "2h45m0s");
	int64_t v;
	assert_int_equal(berth_compose_parse_duration("", &v), -EINVAL);
	assert_int_equal(berth_compose_parse_duration("10", &v), -EINVAL);
	assert_int_equal(berth_compose_parse_duration("1x", &v), -EINVAL);
	assert_int_equal(berth_compose_parse_duration("s", &v), -EINVAL);
	assert_int_equal(berth_compose_parse_duration("9999999999h", &v), -ERANGE);
}

static void test_shell_split(void **state)
{
	_cleanup_strv_free_ char **w = NULL;
	assert_int_equal(berth_compose_shell_split("sh -c 'echo \"a b\"'  x\\ y \"q\\\"\" ''", &w),
			 0);
	assert_int_equal(berth_strv_len(w), 6);
	assert_string_equal(w[0], "sh");
	assert_string_equal(w[2], "echo \"a b\"");
	assert_string_equal(w[3], "x y");
	assert_string_equal(w[4], "q\"");
	assert_string_equal(w[5], "");
	_cleanup_strv_free_ char **e = NULL;
	assert_int_equal(berth_compose_shell_split("   ", &e), 0);
	assert_int_equal(berth_strv_len(e), 0);
	char **bad = NULL;
	assert_int_equal(berth_compose_shell_split("echo 'x", &bad), -EINVAL);
}

static void test_env_files(void **state)
{
	const char *text =
		"# comment\nexport A=1\nB = two words # note\nC=\"x\\ny\"\nD='$lit'\nE\n\n";
	_cleanup_strv_free_ char **kv = NULL;
	struct berth_error *err = NULL;
	assert_int_equal(berth_compose_parse_env(text, strlen(text), ".env", &kv, &err), 0);
	assert_int_equal(berth_strv_len(kv), 5);
	assert_string_equal(kv[0], "A=1");
	assert_string_equal(kv[1], "B=two words");
	assert_string_equal(kv[2], "C=x\ny");
	assert_string_equal(kv[3], "D=$lit");
	assert_string_equal(kv[4], "E");
	char **bad = NULL;
	assert_int_equal(berth_compose_parse_env("A=\"x\n", 5, ".env", &bad, &err), -EINVAL);
	assert_string_equal(berth_error_msg(err), ".env:1: unterminated quote");
	berth_error_free(&err);
	assert_int_equal(berth_compose_parse_env("=1\n", 3, ".env", &bad, &err), -EINVAL);
	berth_error_free(&err);
	assert_int_equal(berth_compose_read_env_file("/nonexistent/.env", &bad, &err), -ENOENT);
	berth_error_free(&err);
}

static void test_short_target(void **state)
{
	_cleanup_free_ char *a = berth_compose_volume_short_target("./x:/data:ro");
	_cleanup_free_ char *b = berth_compose_volume_short_target("/anon");
	assert_string_equal(a, "/data");
	assert_string_equal(b, "/anon");
	assert_null(berth_compose_volume_short_target(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations_as_go),
		cmocka_unit_test(test_shell_split),
		cmocka_unit_test(test_env_files),
		cmocka_unit_test(test_short_target),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
