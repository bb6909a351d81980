/* SPDX-License-Identifier: Apache-2.0 */
/* The RE2 subset (ignore/regex.c): what the expression of a pattern means. */
#include "ignore-test.h"

/* What the RE2 expression Docker builds makes of the characters it does not escape. */
static void test_regexp_quirks(void **state)
{
	(void)state;
	char *caret[] = {"^foo", NULL};
	assert_int_equal(match1(caret, "^foo"), 1); /* no wildcard: compared as text */
	assert_int_equal(match1(caret, "foo"), 0);
	char *caret_re[] = {"^fo?", NULL};
	assert_int_equal(match1(caret_re, "foo"), 1); /* in an expression '^' is an anchor */
	assert_int_equal(match1(caret_re, "^foo"), 0);
	char *caret_mid[] = {"a^b?", NULL};
	assert_int_equal(match1(caret_mid, "a^bc"), 0); /* ... and never holds in the middle */
	char *star_class[] = {"[*]", NULL};
	assert_int_equal(match1(star_class, "*"), 0); /* "[[^/]*]": a class of '[', '^', '/' */
	assert_int_equal(match1(star_class, "[^]"), 1);
	char *digit[] = {"a\\d", NULL};
	assert_int_equal(match1(digit, "a5"), 1); /* "\d" reaches RE2 as a digit class */
	assert_int_equal(match1(digit, "ad"), 0);
	char *posix[] = {"[[:digit:]]x", NULL};
	assert_int_equal(match1(posix, "7x"), 1);
	char *range_ok[] = {"[a-c]*.go", "!b*", NULL};
	assert_int_equal(match1(range_ok, "abc.go"), 1);
	assert_int_equal(match1(range_ok, "bcd.go"), 0);
	char *dstar_mid[] = {"a**b", NULL};
	assert_int_equal(match1(dstar_mid, "ab"), 1);
	assert_int_equal(match1(dstar_mid, "a/x/b"), 1);
	assert_int_equal(match1(dstar_mid, "axb"), 0); /* "(.*\/)?" needs a slash */
	char *utf[] = {"?.txt", NULL};
	assert_int_equal(match1(utf, "☺.txt"), 1);
	char *unsupported[] = {"\\pL", NULL};
	assert_int_equal(match1(unsupported, "x"), -EINVAL);
	char *newline[] = {"a/**", NULL};
	assert_int_equal(match1(newline, "a/b\nc"), 1); /* prefix match, no regexp */
	char *newline_re[] = {"a*/**", NULL};
	assert_int_equal(match1(newline_re, "ab/c"), 1);
	assert_int_equal(match1(newline_re, "ab/c\nd"), 0); /* RE2's '.' stops at '\n' */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regexp_quirks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
