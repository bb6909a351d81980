/* SPDX-License-Identifier: Apache-2.0 */
/* berth analyze's thresholds and --ci check (lint/analyze-report.c). */
#include "unit.h"

#include "core/alloc.h"
#include "lint/lint.h"

static void test_sizes_and_ratios(void **state)
{
	struct {
		const char *s;
		int64_t v;
	} ok[] = {{"1B", 1},	     {"50kB", 50000},	      {"20MB", 20000000},
		  {"1024", 1024},    {"1.5 GiB", 1610612736}, {"2KiB", 2048},
		  {"1,000 b", 1000}, {"3m", 3000000}};
	struct berth_error *err = NULL;
	for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
		int64_t v = -1;
		assert_ok(berth_analyze_parse_size(ok[i].s, &v, &err), err);
		assert_int_equal(v, ok[i].v);
	}
	const char *bad[] = {"not_a_size", "", "MB", "5 parsecs", "1e400"};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		int64_t v;
		assert_int_equal(berth_analyze_parse_size(bad[i], &v, &err), -EINVAL);
		berth_error_free(&err);
	}
	double r;
	assert_ok(berth_analyze_parse_ratio("0.9", &r, &err), err);
	assert_true(r == 0.9);
	const char *badr[] = {"1.1", "-0.1", "not_a_number", "", "nan"};
	for (size_t i = 0; i < ELEMENTSOF(badr); i++) {
		assert_int_equal(berth_analyze_parse_ratio(badr[i], &r, &err), -EINVAL);
		berth_error_free(&err);
	}
}

static void test_ci(void **state)
{
	struct berth_analyze_result a = {
		.efficiency = 0.9844212134184309,
		.wasted_bytes = 32025,
		.wasted_user_percent = 0.4834911001404049,
	};
	struct berth_analyze_ci all_fail = {true, true, true, 0.99, 1, 0.01};
	_cleanup_free_ char *rep = NULL;
	assert_false(berth_analyze_ci_check(&a, &all_fail, &rep));
	assert_string_equal(rep, "FAIL: lowest-efficiency: efficiency 0.9844 < threshold 0.99\n"
				 "FAIL: highest-wasted-bytes: wasted 32025 bytes > threshold 1\n"
				 "FAIL: highest-user-wasted-percent: 0.4835 > threshold 0.01\n");
	struct berth_analyze_ci all_pass = {true, true, true, 0.9, 50000, 0.5};
	assert_true(berth_analyze_ci_check(&a, &all_pass, NULL));
	struct berth_analyze_ci disabled = {0};
	assert_true(berth_analyze_ci_check(&a, &disabled, NULL));
	struct berth_analyze_ci mixed = {true, true, true, 0.9, 1, 0.5};
	assert_false(berth_analyze_ci_check(&a, &mixed, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes_and_ratios),
		cmocka_unit_test(test_ci),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
