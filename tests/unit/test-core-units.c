/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "core/units.h"

static void test_parse_bytes(void **state)
{
	int64_t v;
	assert_int_equal(berth_parse_bytes("32m", &v, NULL), 0);
	assert_int_equal(v, 32 << 20);
	assert_int_equal(berth_parse_bytes("1g", &v, NULL), 0);
	assert_int_equal(v, 1 << 30);
	assert_int_equal(berth_parse_bytes("512", &v, NULL), 0);
	assert_int_equal(v, 512);
	assert_int_equal(berth_parse_bytes("64kb", &v, NULL), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(berth_parse_bytes("1.5k", &v, NULL), 0);
	assert_int_equal(v, 1536);
	assert_int_equal(berth_parse_bytes("x", &v, NULL), -EINVAL);
	assert_int_equal(berth_parse_bytes("-1m", &v, NULL), -EINVAL);
	assert_int_equal(berth_parse_bytes("1q", &v, NULL), -EINVAL);
	assert_int_equal(berth_parse_bytes("99999999999t", &v, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
