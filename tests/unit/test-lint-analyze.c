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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dive_synthetic),
		cmocka_unit_test(test_scratch_and_empty),
		cmocka_unit_test(test_whiteout_dir_and_hostile_names),
		cmocka_unit_test(test_tar_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
