/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "core/buf.h"

static void test_empty_is_string(void **state)
{
	struct berth_buf b = BERTH_BUF_INIT;
	assert_non_null(b.buf);
	assert_string_equal(b.buf, "");
	berth_buf_release(&b);
	char *s = berth_buf_detach(&b, NULL);
	assert_string_equal(s, "");
	free(s);
}

static void test_grow_and_format(void **state)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	for (int i = 0; i < 1000; i++)
		berth_buf_addf(&b, "%d,", i);
	assert_true(berth_buf_ends_with(&b, "999,"));
	assert_int_equal(strlen(b.buf), b.len);
	berth_buf_setlen(&b, 2);
	assert_string_equal(b.buf, "0,");
	berth_buf_reset(&b);
	assert_int_equal(b.len, 0);
	berth_buf_add(&b, "a\0b", 3);
	assert_int_equal(b.len, 3);
	assert_int_equal(b.buf[3], '\0');
	berth_buf_addch(&b, 'c');
	berth_buf_addstr(&b, "de");
	assert_memory_equal(b.buf, "a\0bcde", 6);
	size_t n;
	char *s = berth_buf_detach(&b, &n);
	assert_int_equal(n, 6);
	assert_int_equal(b.len, 0);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_is_string),
		cmocka_unit_test(test_grow_and_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
