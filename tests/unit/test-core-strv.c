/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "core/strv.h"

static void test_strv(void **state)
{
	_cleanup_strv_free_ char **v = NULL;
	assert_int_equal(berth_strv_len(v), 0);
	berth_strv_push(&v, "b");
	berth_strv_push(&v, "c");
	berth_strv_consume(&v, strdup("a"));
	assert_int_equal(berth_strv_len(v), 3);
	assert_true(berth_strv_contains(v, "c"));
	assert_false(berth_strv_contains(v, "d"));
	berth_strv_sort(v);
	assert_string_equal(v[0], "a");
	assert_string_equal(v[2], "c");
	_cleanup_strv_free_ char **c = berth_strv_copy(v);
	assert_string_equal(c[1], "b");
	assert_null(c[3]);
	size_t n = 0;
	BERTH_STRV_FOREACH (s, c)
		n += strlen(*s);
	assert_int_equal(n, 3);
}

/* pop frees the last string and says false once the vector is empty */
static void test_strv_pop(void **state)
{
	_cleanup_strv_free_ char **v = NULL;
	assert_false(berth_strv_pop(v));
	berth_strv_push(&v, "a");
	berth_strv_push(&v, "b");
	assert_true(berth_strv_pop(v));
	assert_int_equal(berth_strv_len(v), 1);
	assert_string_equal(v[0], "a");
	assert_true(berth_strv_pop(v));
	assert_int_equal(berth_strv_len(v), 0);
	assert_false(berth_strv_pop(v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strv),
		cmocka_unit_test(test_strv_pop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
