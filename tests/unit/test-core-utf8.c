/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "core/utf8.h"

static void test_decode(void **state)
{
	(void)state;
	uint32_t cp;
	assert_int_equal(berth_utf8_decode("a", 1, &cp), 1);
	assert_int_equal(cp, 'a');
	assert_int_equal(berth_utf8_decode("\xC3\xA9", 2, &cp), 2);
	assert_int_equal(cp, 0xE9);
	assert_int_equal(berth_utf8_decode("\xED\x95\x9C", 3, &cp), 3);
	assert_int_equal(cp, 0xD55C);
	assert_int_equal(berth_utf8_decode("\xF0\x9F\x96\x96", 4, &cp), 4);
	assert_int_equal(cp, 0x1F596);
	/* invalid: lone continuation, truncated, overlong, surrogate, > U+10FFFF */
	const char *bad[] = {"\x80",	     "\xC3",	     "\xC0\x80",
			     "\xE0\x80\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80",
			     "\xFF"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(berth_utf8_decode(bad[i], strlen(bad[i]), &cp), 1);
		assert_int_equal(cp, BERTH_UTF8_REPLACEMENT);
	}
	/* a sequence cut by len */
	assert_int_equal(berth_utf8_decode("\xED\x95\x9C", 2, &cp), 1);
	assert_int_equal(cp, BERTH_UTF8_REPLACEMENT);
}

static void test_encode(void **state)
{
	(void)state;
	char out[4];
	assert_int_equal(berth_utf8_encode('x', out), 1);
	assert_int_equal(berth_utf8_encode(0xE9, out), 2);
	assert_memory_equal(out, "\xC3\xA9", 2);
	assert_int_equal(berth_utf8_encode(0xD55C, out), 3);
	assert_memory_equal(out, "\xED\x95\x9C", 3);
	assert_int_equal(berth_utf8_encode(0x1F596, out), 4);
	assert_memory_equal(out, "\xF0\x9F\x96\x96", 4);
	assert_int_equal(berth_utf8_encode(0xD800, out), 3);
	assert_memory_equal(out, "\xEF\xBF\xBD", 3);
}

static void test_classes(void **state)
{
	(void)state;
	uint32_t spaces[] = {' ', '\t', '\n', '\v', '\f', '\r', 0x85, 0xA0, 0x2000, 0x200A, 0x3000};
	for (size_t i = 0; i < sizeof(spaces) / sizeof(spaces[0]); i++)
		assert_true(berth_unicode_is_space(spaces[i]));
	assert_false(berth_unicode_is_space('x'));
	assert_false(berth_unicode_is_space(0x200B));
	assert_true(berth_unicode_is_alnum('a'));
	assert_true(berth_unicode_is_alnum('Z'));
	assert_true(berth_unicode_is_alnum('7'));
	assert_false(berth_unicode_is_alnum('_'));
	assert_false(berth_unicode_is_alnum('.'));
	assert_true(berth_unicode_is_alnum(0xD55C)); /* Hangul */
	assert_true(berth_unicode_is_alnum(0xE9));
	assert_false(berth_unicode_is_alnum(0x3002)); /* ideographic full stop */
	assert_false(berth_unicode_is_alnum(0xA0));
	assert_false(berth_unicode_is_alnum(BERTH_UTF8_REPLACEMENT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_classes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
