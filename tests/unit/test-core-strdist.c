/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <stdint.h>

#include "core/strdist.h"

static void test_distance(void **state)
{
	(void)state;
	static const struct {
		const char *a, *b;
		size_t d;
	} cases[] = {
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"chown", "chown", 0},
		{"chwon", "chown", 2},	/* a transposition is two edits */
		{"chmd", "chmod", 1},	/* deletion */
		{"chmodd", "chmod", 1}, /* insertion */
		{"chmox", "chmod", 1},	/* substitution */
		{"kitten", "sitting", 3},
		{"flaw", "lawn", 2},
		{"Chown", "chown", 1}, /* bytes: case counts */
		{"from", "platform", 6},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(berth_strdist(cases[i].a, cases[i].b), cases[i].d);
		/* symmetric */
		assert_int_equal(berth_strdist(cases[i].b, cases[i].a), cases[i].d);
	}
}

static void test_long_names(void **state)
{
	(void)state;
	char max[BERTH_STRDIST_MAX_LEN + 1], over[BERTH_STRDIST_MAX_LEN + 2];
	memset(max, 'a', sizeof(max) - 1);
	max[sizeof(max) - 1] = '\0';
	memset(over, 'a', sizeof(over) - 1);
	over[sizeof(over) - 1] = '\0';
	/* at the limit the distance is computed */
	assert_int_equal(berth_strdist(max, max), 0);
	assert_int_equal(berth_strdist(max, ""), BERTH_STRDIST_MAX_LEN);
	max[10] = 'b';
	assert_int_equal(berth_strdist(max, over + 1), 1);
	/* past it, never close, whichever side is long */
	assert_true(berth_strdist(over, over) == SIZE_MAX);
	assert_true(berth_strdist(over, "a") == SIZE_MAX);
	assert_true(berth_strdist("a", over) == SIZE_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distance),
		cmocka_unit_test(test_long_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
