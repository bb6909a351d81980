/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <unistd.h>

#include "core/alloc.h"
#include "lint/lint.h"

/* dive's efficiency_test.go case, worked through in conformance/dive/expected.md */
static void test_dive_synthetic(void **state)
{
	_cleanup_analyze_result_ struct berth_analyze_result *a = berth_analyze_new();
	const struct berth_analyze_entry l0[] = {
		{"etc/nginx/nginx.conf", 2000, false},
		{"etc/nginx/public", 3000, false},
	};
	const struct berth_analyze_entry l1[] = {
		{"/etc/nginx/nginx.conf", 5000, false},
		{"./etc/athing", 10000, false},
	};
	const struct berth_analyze_entry l2[] = {{"etc/.wh.nginx", 0, false}};
	berth_analyze_add_layer(a, l0, ELEMENTSOF(l0), NULL, "base");
	berth_analyze_add_layer(a, l1, ELEMENTSOF(l1), "sha256:1", NULL);
	berth_analyze_add_layer(a, l2, ELEMENTSOF(l2), NULL, NULL);
	berth_analyze_finish(a, 2);
	assert_true(a->efficiency == 0.75);
	assert_int_equal(a->efficiency_num, 15000);
	assert_int_equal(a->efficiency_den, 20000);
	assert_int_equal(a->n_waste, 1);
	assert_string_equal(a->waste[0].path, "/etc/nginx/nginx.conf");
	assert_int_equal(a->waste[0].cumulative, 7000);
	assert_int_equal(a->waste[0].count, 2);
	assert_int_equal(a->wasted_bytes, 7000);
	assert_int_equal(a->size_bytes, 20000);
	assert_int_equal(a->user_size_bytes, 15000);
	assert_int_equal(a->layers[1].n_modified, 1);
	assert_int_equal(a->layers[1].n_added, 1);
	assert_int_equal(a->layers[2].n_removed, 1);
	/* the final view: only /etc/athing is left */
	assert_int_equal(a->n_largest, 1);
	assert_string_equal(a->largest[0].path, "/etc/athing");
	assert_int_equal(a->largest[0].layer, 1);
	assert_int_equal(a->hidden_bytes, 2000 + 3000 + 5000);
}

static void test_scratch_and_empty(void **state)
{
	_cleanup_analyze_result_ struct berth_analyze_result *a = berth_analyze_new();
	const struct berth_analyze_entry l0[] = {{"nothing", 0, false}, {".", 0, true}};
	berth_analyze_add_layer(a, l0, ELEMENTSOF(l0), NULL, NULL);
	berth_analyze_finish(a, 10);
	assert_true(a->efficiency == 1.0);
	assert_int_equal(a->n_waste, 0);
	assert_int_equal(a->layers[0].n_entries, 1);
	assert_true(a->wasted_user_percent == 0);

	_cleanup_analyze_result_ struct berth_analyze_result *e = berth_analyze_new();
	berth_analyze_finish(e, 10);
	assert_int_equal(e->n_layers, 0);
	assert_true(e->efficiency == 1.0);
}

static void test_whiteout_dir_and_hostile_names(void **state)
{
	_cleanup_analyze_result_ struct berth_analyze_result *a = berth_analyze_new();
	const struct berth_analyze_entry l0[] = {
		{"d", 0, true}, {"d/a", 100, false}, {"d/s/b", 50, false}, {"../../x", 7, false}};
	const struct berth_analyze_entry l1[] = {
		{".wh.d", 0, false}, {"d/.wh..wh..opq", 0, false}, {"/../../x", 3, false}};
	berth_analyze_add_layer(a, l0, ELEMENTSOF(l0), NULL, NULL);
	berth_analyze_add_layer(a, l1, ELEMENTSOF(l1), NULL, NULL);
	berth_analyze_finish(a, 10);
	/*
	 * As in dive: ".wh.d" (visited first, '.' < 'd') counts the explicit
	 * directory d with everything under it; the opaque marker is not
	 * inserted but leaves an implicit, empty leaf "d": a second visit of /d.
	 */
	assert_int_equal(a->n_waste, 1);
	assert_string_equal(a->waste[0].path, "/d");
	assert_int_equal(a->waste[0].count, 2);
	assert_int_equal(a->waste[0].cumulative, 150);
	assert_int_equal(a->waste[0].min, 0);
	/* "../../x" stays relative, "/../../x" is "/x": two paths */
	assert_int_equal(a->efficiency_den, 100 + 50 + 7 + 150 + 0 + 3);
	assert_int_equal(a->efficiency_num, 100 + 50 + 7 + 0 + 3);
}

static void test_tar_errors(void **state)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	const char junk[1024] = "this is not a tar archive";
	assert_int_equal(write(p[1], junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(p[1]);
	_cleanup_analyze_result_ struct berth_analyze_result *a = berth_analyze_new();
	struct berth_error *err = NULL;
	assert_int_equal(berth_analyze_add_layer_tar(a, p[0], "sha256:x", NULL, &err), -EBADMSG);
	assert_non_null(strstr(err->msg, "read layer sha256:x"));
	berth_error_free(&err);
	close(p[0]);
}

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
		cmocka_unit_test(test_dive_synthetic),
		cmocka_unit_test(test_scratch_and_empty),
		cmocka_unit_test(test_whiteout_dir_and_hostile_names),
		cmocka_unit_test(test_tar_errors),
		cmocka_unit_test(test_sizes_and_ratios),
		cmocka_unit_test(test_ci),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
