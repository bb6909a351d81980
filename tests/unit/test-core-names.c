/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/names.h"

static void test_docker_names(void **state)
{
	(void)state;
	assert_true(berth_object_name_is_valid("web", 1, 128));
	assert_true(berth_object_name_is_valid("a", 1, 128));
	assert_true(berth_object_name_is_valid("my_app.v2-x", 1, 128));
	assert_true(berth_object_name_is_valid("9lives", 1, 128));
	/* the first byte is a letter or digit; the rest adds _ . - */
	assert_false(berth_object_name_is_valid("-web", 1, 128));
	assert_false(berth_object_name_is_valid(".web", 1, 128));
	assert_false(berth_object_name_is_valid("_web", 1, 128));
	assert_false(berth_object_name_is_valid("we b", 1, 128));
	assert_false(berth_object_name_is_valid("we/b", 1, 128));
	assert_false(berth_object_name_is_valid("wé", 1, 128));
	assert_false(berth_object_name_is_valid("", 0, 128));
}

static void test_length_bounds(void **state)
{
	(void)state;
	assert_false(berth_object_name_is_valid("a", 2, 128));
	assert_true(berth_object_name_is_valid("ab", 2, 128));
	char long_name[130];
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_false(berth_object_name_is_valid(long_name, 1, 128));
	long_name[128] = '\0';
	assert_true(berth_object_name_is_valid(long_name, 1, 128));
}

static void test_words(void **state)
{
	(void)state;
	/* punctuation may come first, as in interface names and DNS labels */
	assert_true(berth_word_is_valid("-web", 15));
	assert_true(berth_word_is_valid("_dmarc", 15));
	assert_true(berth_word_is_valid(".x", 15));
	assert_true(berth_word_is_valid("berth0", 15));
	/* but not the two names that are paths */
	assert_false(berth_word_is_valid(".", 15));
	assert_false(berth_word_is_valid("..", 15));
	assert_false(berth_word_is_valid("a b", 15));
	assert_false(berth_word_is_valid("a/b", 15));
	assert_false(berth_word_is_valid("", 15));
	assert_false(berth_word_is_valid(NULL, 15));
	assert_false(berth_word_is_valid("sixteen-chars-xx", 15));
	assert_true(berth_word_is_valid("fifteen-chars-x", 15));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_names),
		cmocka_unit_test(test_length_bounds),
		cmocka_unit_test(test_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
