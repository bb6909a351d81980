/* SPDX-License-Identifier: Apache-2.0 */
/* The exec form decoder: exactly when Go's json.Unmarshal into []any fails. */
#include "dockerfile-test.h"

#include "dockerfile/dockerfile-internal.h"

static int decode(const char *s, char ***args, size_t **lens, size_t *n)
{
	return dockerfile_json_args(s, strlen(s), args, lens, n);
}

static void test_strings(void **state)
{
	_cleanup_strv_free_ char **args = NULL;
	_cleanup_free_ size_t *lens = NULL;
	size_t n;

	assert_int_equal(
		decode("[ \"a\" ,\"b\\u0000c\", \"\\ud83d\\ude00\\/\" ]", &args, &lens, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(args[0], "a");
	assert_int_equal(lens[1], 3);
	assert_memory_equal(args[1], "b\0c", 3);
	assert_string_equal(args[2], "\xf0\x9f\x98\x80/");
	assert_null(args[3]);
}

static void test_invalid_utf8_replaced(void **state)
{
	_cleanup_strv_free_ char **args = NULL;
	_cleanup_free_ size_t *lens = NULL;
	size_t n;

	assert_int_equal(decode("[\"\xff\", \"\\udc00x\"]", &args, &lens, &n), 0);
	assert_string_equal(args[0], "\xef\xbf\xbd");
	assert_string_equal(args[1], "\xef\xbf\xbdx");
}

static void test_empty(void **state)
{
	_cleanup_strv_free_ char **args = NULL;
	_cleanup_free_ size_t *lens = NULL;
	size_t n = 9;

	assert_int_equal(decode("[]", &args, &lens, &n), 0);
	assert_int_equal(n, 0);
	assert_null(args[0]);
}

static void test_not_json(void **state)
{
	static const char *const bad[] = {
		"[\"a\"",      "['a']",
		"[\"a\",]",    "[\"a\"] x",
		"[\"\t\"]",    "[\"\\x\"]",
		"[01]",	       "[1.]",
		"[-]",	       "[tru]",
		"[{\"a\"}]",   "[\"a\" \"b\"]",
		"[1e999]",     "[\"a\", [1e400]]",
		"[\"\\u12\"]", "[",
		"x",
	};
	char **args = NULL;
	size_t *lens = NULL, n;

	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		if (decode(bad[i], &args, &lens, &n) != -ENOMSG)
			fail_msg("'%s' was taken as JSON", bad[i]);
}

static void test_not_strings(void **state)
{
	static const char *const bad[] = {
		"[\"a\", 1]", "[null]", "[[\"a\"]]", "[{\"a\": [1, 2e5]}]", "[true, \"x\"]",
	};
	char **args = NULL;
	size_t *lens = NULL, n;

	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		if (decode(bad[i], &args, &lens, &n) != -EINVAL)
			fail_msg("'%s' was not refused as a non-string array", bad[i]);
}

static void test_depth(void **state)
{
	struct berth_buf b = BERTH_BUF_INIT;
	char **args = NULL;
	size_t *lens = NULL, n;

	/* 10000 levels are JSON (not strings); 10001 are not JSON for Go. */
	for (int i = 0; i < 10000; i++)
		berth_buf_addch(&b, '[');
	for (int i = 0; i < 10000; i++)
		berth_buf_addch(&b, ']');
	assert_int_equal(dockerfile_json_args(b.buf, b.len, &args, &lens, &n), -EINVAL);
	berth_buf_reset(&b);
	for (int i = 0; i < 10001; i++)
		berth_buf_addch(&b, '[');
	for (int i = 0; i < 10001; i++)
		berth_buf_addch(&b, ']');
	assert_int_equal(dockerfile_json_args(b.buf, b.len, &args, &lens, &n), -ENOMSG);
	berth_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),	    cmocka_unit_test(test_invalid_utf8_replaced),
		cmocka_unit_test(test_empty),	    cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_not_strings), cmocka_unit_test(test_depth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
