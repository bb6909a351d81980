/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json-fast.h"
#include "core/json.h"

/* text parsed both ways: the same verdict, and the same value (order included) when valid */
static void same_as_jansson(const char *text, size_t len, bool valid)
{
	_cleanup_json_ json_t *want = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *got = NULL;
	struct berth_error *err = NULL;
	int r = berth_json_parse_fast(text, len, &got, &err);
	_cleanup_json_ json_t *got_ref = got;
	if (valid != (want != NULL))
		fail_msg("jansson's verdict on '%.*s' is not the test's", (int)len, text);
	if (!valid) {
		assert_int_equal(r, -EINVAL);
		assert_non_null(strstr(berth_error_msg(err), "invalid JSON at byte"));
		berth_error_free(&err);
		return;
	}
	if (r < 0)
		fail_msg("'%.*s': %s", (int)len, text, berth_error_msg(err));
	assert_true(json_equal(want, got));
	_cleanup_free_ char *a = berth_json_dump(want, NULL), *b = berth_json_dump(got, NULL);
	assert_string_equal(a, b);
}

#define OK(s)  same_as_jansson(s, sizeof(s) - 1, true)
#define BAD(s) same_as_jansson(s, sizeof(s) - 1, false)

static void test_values(void **state)
{
	OK("{}");
	OK("[]");
	OK(" \t\r\n{ \"a\" : [ 1 , -2 , 0 , -0 , true , false , null , \"\" ] } \n");
	OK("{\"Name\":\"x\",\"State\":{\"Running\":true,\"Pid\":29475},\"Args\":[\"1d\"],"
	   "\"Config\":{\"Labels\":{}}}");
	OK("[9223372036854775807,-9223372036854775808]");
	OK("[1.5,-0.25e3,2E-2,1e+2,0.0]");
	OK("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]");
	OK("[\"\\u00e9\\u20AC\\ud83d\\ude00 caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"]");
	OK("{\"k\\u0041\":1,\"kA2\":{\"x\\ty\":[\"a\\nb\"]}}");
	OK("{\"\":0}");
	OK("[\"\x7f\"]");
}

static void test_invalid(void **state)
{
	BAD("");
	BAD("   ");
	BAD("1");
	BAD("\"s\"");
	BAD("true");
	BAD("{} x");
	BAD("{}{}");
	BAD("{\"a\":1,}");
	BAD("[1,]");
	BAD("[,1]");
	BAD("{\"a\" 1}");
	BAD("{a:1}");
	BAD("{\"a\":1,\"a\":2}");
	BAD("[01]");
	BAD("[-]");
	BAD("[1.]");
	BAD("[.5]");
	BAD("[1e]");
	BAD("[+1]");
	BAD("[9223372036854775808]");
	BAD("[-9223372036854775809]");
	BAD("[123456789012345678901234567890]");
	BAD("[1e999]");
	BAD("[tru]");
	BAD("[truex]");
	BAD("[nul]");
	BAD("[\"a]");
	BAD("[\"\\x\"]");
	BAD("[\"\\u12\"]");
	BAD("[\"\\u12g4\"]");
	BAD("[\"\\u0000\"]");
	BAD("[\"\\ud83d\"]");
	BAD("[\"\\ud83dx\"]");
	BAD("[\"\\ud83d\\u0041\"]");
	BAD("[\"\\ude00\"]");
	BAD("[\"a\tb\"]");
	BAD("[\"\xc3\"]");
	BAD("[\"\xc0\xaf\"]");
	BAD("[\"\xed\xa0\x80\"]");
	BAD("[\"\xf4\x90\x80\x80\"]");
	BAD("[\"\xff\"]");
	BAD("[\xc3\xa9]");
	BAD("\xef\xbb\xbf{}");
	BAD("[1 2]");
	BAD("{\"a\":1 \"b\":2}");
	BAD("{\"a\":}");
	BAD("[}");
	BAD("{]");
}

/* a NUL byte is invalid anywhere (jansson lets one through after a number: not followed) */
static void test_nul_byte(void **state)
{
	same_as_jansson("[\"a\0\"]", 6, false);
	same_as_jansson("[1]\0", 4, false);
	json_t *j = NULL;
	struct berth_error *err = NULL;
	assert_int_equal(berth_json_parse_fast("[0,66\0]", 7, &j, &err), -EINVAL);
	berth_error_free(&err);
}

/* jansson's depth limit, exactly */
static void test_depth(void **state)
{
	for (size_t depth = JSON_PARSER_MAX_DEPTH - 1; depth <= JSON_PARSER_MAX_DEPTH + 1;
	     depth++) {
		_cleanup_free_ char *s = berth_xmalloc(2 * depth);
		memset(s, '[', depth);
		memset(s + depth, ']', depth);
		same_as_jansson(s, 2 * depth, depth <= JSON_PARSER_MAX_DEPTH);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_depth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
