/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <stdint.h>

#include "core/alloc.h"

static void test_size_math(void **state)
{
	size_t r = 7;
	assert_true(berth_size_add(1, 2, &r));
	assert_int_equal(r, 3);
	assert_false(berth_size_add(SIZE_MAX, 1, &r));
	assert_int_equal(r, 3); /* untouched on overflow */
	assert_true(berth_size_mul(1 << 10, 1 << 10, &r));
	assert_int_equal(r, 1 << 20);
	assert_false(berth_size_mul(SIZE_MAX / 2, 3, &r));
}

static void test_dup(void **state)
{
	char *s = berth_xstrndup("abcdef", 3);
	assert_string_equal(s, "abc");
	free(s);
	s = berth_xasprintf("%s-%d", "x", 42);
	assert_string_equal(s, "x-42");
	free(s);
	char *m = berth_xmemdup("a\0b", 3);
	assert_memory_equal(m, "a\0b", 3);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_math),
		cmocka_unit_test(test_dup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
