/* SPDX-License-Identifier: Apache-2.0 */
/* Go's string semantics the parser depends on: UTF-8, spaces, ToLower, strconv.Quote. */
#include "dockerfile-test.h"

#include "dockerfile/gostr.h"

static void test_decode(void **state)
{
	size_t n;

	assert_int_equal(go_decode_rune("a", 1, &n), 'a');
	assert_int_equal(n, 1);
	assert_int_equal(go_decode_rune("\xc3\xa9", 2, &n), 0xe9);
	assert_int_equal(n, 2);
	assert_int_equal(go_decode_rune("\xf0\x9f\x98\x80", 4, &n), 0x1f600);
	assert_int_equal(n, 4);
	/* truncated, overlong, surrogate, past U+10FFFF, stray continuation */
	assert_int_equal(go_decode_rune("\xc3", 1, &n), GO_RUNE_ERROR);
	assert_int_equal(n, 1);
	assert_int_equal(go_decode_rune("\xc0\x80", 2, &n), GO_RUNE_ERROR);
	assert_int_equal(go_decode_rune("\xe0\x80\x80", 3, &n), GO_RUNE_ERROR);
	assert_int_equal(go_decode_rune("\xed\xa0\x80", 3, &n), GO_RUNE_ERROR);
	assert_int_equal(n, 1);
	assert_int_equal(go_decode_rune("\xf4\x90\x80\x80", 4, &n), GO_RUNE_ERROR);
	assert_int_equal(go_decode_rune("\x80", 1, &n), GO_RUNE_ERROR);
}

static void test_space_and_trim(void **state)
{
	assert_true(go_is_space(' '));
	assert_true(go_is_space(0x85));
	assert_true(go_is_space(0xa0));
	assert_true(go_is_space(0x3000));
	assert_false(go_is_space(0x200b));
	assert_true(go_is_space_byte(0xa0));

	const char *s = "\xc2\xa0 \t x y\xe3\x80\x80\n";
	size_t len = strlen(s);
	go_trim_space(&s, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(s, "x y", 3);

	/* An invalid trailing byte is not a space. */
	s = " a\xa0";
	len = strlen(s);
	go_trim_space(&s, &len);
	assert_int_equal(len, 2);
}

static void test_lower(void **state)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;

	const char *in = "RUN \xc3\x80 \xe2\x84\xaa \xc4\xb0 \xff";
	go_buf_add_lower(&b, in, strlen(in));
	assert_string_equal(b.buf, "run \xc3\xa0 k i \xef\xbf\xbd");
}

static void test_quote(void **state)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	const char in[] = "\" \\ / \b \f \n \r \t \v \a \x00 \x1b \x7f \xc2\x85 \xe2\x99\xa5 \xff";

	go_buf_add_quoted(&b, in, sizeof(in) - 1);
	assert_string_equal(b.buf, "\"\\\" \\\\ / \\b \\f \\n \\r \\t \\v \\a \\x00 \\x1b \\x7f "
				   "\\u0085 ♥ \\xff\"");
	berth_buf_reset(&b);
	go_buf_add_quoted(&b, "\xf3\xa0\x80\x81", 4); /* U+E0001, a format character */
	assert_string_equal(b.buf, "\"\\U000e0001\"");
	assert_true(go_is_print(0x20));
	assert_false(go_is_print(0xa0));
	assert_false(go_is_print(0xad));
	assert_true(go_is_print(0x4e00));
}

/* fmt's %q of an int, as BuildKit's HEALTHCHECK history shows the retries */
static void test_quote_rune(void **state)
{
	static const struct {
		int64_t v;
		const char *want;
	} cases[] = {
		{0, "'\\x00'"},
		{3, "'\\x03'"},
		{10, "'\\n'"},
		{65, "'A'"},
		{39, "'\\''"},
		{92, "'\\\\'"},
		{34, "'\"'"},
		{127, "'\\x7f'"},
		{160, "'\\u00a0'"},
		{0x2665, "'\xe2\x99\xa5'"},
		{-1, "'\xef\xbf\xbd'"},
		{0xD800, "'\xef\xbf\xbd'"},
		{0x110000, "'\xef\xbf\xbd'"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
		go_buf_add_quoted_rune(&b, cases[i].v);
		assert_string_equal(b.buf, cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),	   cmocka_unit_test(test_space_and_trim),
		cmocka_unit_test(test_lower),	   cmocka_unit_test(test_quote),
		cmocka_unit_test(test_quote_rune),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
