/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "compose-fixture.h"
#include "core/cleanup.h"

static void test_start_order(void **state)
{
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	_cleanup_free_ char *msg = NULL;
	const char *text = "services:\n"
			   "  web: {image: x, depends_on: [cache, api]}\n"
			   "  api: {image: x, depends_on: {db: {condition: service_healthy}}}\n"
			   "  db: {image: x}\n"
			   "  cache: {image: x}\n"
			   "  alone: {image: x}\n";
	assert_int_equal(fixture_load(text, &p, NULL, &msg), 0);
	_cleanup_free_ struct berth_compose_service **order = NULL;
	assert_int_equal(berth_compose_start_order(p, &order, NULL), 0);
	const char *want[] = {"alone", "db", "api", "cache", "web"};
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(order[i]->name, want[i]);
}

static void test_errors(void **state)
{
	struct berth_compose_project *p = NULL;
	_cleanup_free_ char *m1 = NULL, *m2 = NULL, *m3 = NULL;
	assert_int_equal(
		fixture_load("services:\n  a: {image: x, depends_on: [b]}\n  b: {image: x, "
			     "depends_on: [c]}\n  c: {image: x, depends_on: [b]}\n",
			     &p, NULL, &m1),
		-EINVAL);
	assert_string_equal(m1, "dependency cycle between services: b -> c -> b");
	assert_int_equal(
		fixture_load("services:\n  a: {image: x, depends_on: [a]}\n", &p, NULL, &m2),
		-EINVAL);
	assert_string_equal(m2, "dependency cycle between services: a -> a");
	assert_int_equal(
		fixture_load("services:\n  a: {image: x, depends_on: [ghost]}\n", &p, NULL, &m3),
		-EINVAL);
	assert_string_equal(m3, "service 'a' depends on undefined service 'ghost'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_order),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
