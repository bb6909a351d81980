/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "compose-fixture.h"
#include "core/cleanup.h"

static const char project[] = "services:\n"
			      "  web: {image: w, depends_on: [db]}\n"
			      "  db: {image: d}\n"
			      "  cache: {build: .}\n";

static void test_select_all_in_start_order(void **state)
{
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	_cleanup_free_ char *msg = NULL;
	_cleanup_free_ struct berth_compose_service **list = NULL;
	size_t n = 0;
	assert_int_equal(fixture_load(project, &p, NULL, &msg), 0);
	assert_int_equal(berth_compose_select_services(p, NULL, &list, &n, NULL), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[0]->name, "cache");
	assert_string_equal(list[1]->name, "db");
	assert_string_equal(list[2]->name, "web"); /* after what it depends on */
}

static void test_select_named(void **state)
{
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	_cleanup_free_ char *msg = NULL;
	_cleanup_free_ struct berth_compose_service **list = NULL;
	size_t n = 0;
	char *names[] = {"web", "db", NULL};
	assert_int_equal(fixture_load(project, &p, NULL, &msg), 0);
	assert_int_equal(berth_compose_select_services(p, names, &list, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0]->name, "db");
	assert_string_equal(list[1]->name, "web");
}

static void test_select_unknown(void **state)
{
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	_cleanup_free_ char *msg = NULL;
	struct berth_compose_service **list = NULL;
	size_t n = 0;
	char *names[] = {"web", "nope", NULL};
	struct berth_error *err = NULL;
	assert_int_equal(fixture_load(project, &p, NULL, &msg), 0);
	assert_int_equal(berth_compose_select_services(p, names, &list, &n, &err), -ENOENT);
	assert_string_equal(berth_error_msg(err), "no such service: nope");
	assert_null(list);
	berth_error_free(&err);
}

/* Build-only services have no image to move: nothing touches the store or a registry. */
static void test_build_only_moves_nothing(void **state)
{
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	_cleanup_free_ char *msg = NULL;
	_cleanup_strv_free_ char **warnings = NULL;
	char *names[] = {"cache", NULL};
	assert_int_equal(fixture_load(project, &p, NULL, &msg), 0);
	assert_int_equal(berth_compose_pull(NULL, p, names, false, NULL, &warnings, NULL), 0);
	assert_int_equal(berth_compose_push(NULL, p, names, false, NULL, &warnings, NULL), 0);
	assert_null(warnings);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_select_all_in_start_order),
		cmocka_unit_test(test_select_named),
		cmocka_unit_test(test_select_unknown),
		cmocka_unit_test(test_build_only_moves_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
