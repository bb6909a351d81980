/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "compose-fixture.h"
#include "core/cleanup.h"

static void test_names(void **state)
{
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	_cleanup_free_ char *msg = NULL;
	assert_int_equal(fixture_load("services:\n  api: {build: .}\n  web: {image: nginx, "
				      "container_name: front}\n",
				      &p, NULL, &msg),
			 0);
	_cleanup_free_ char *c1 = berth_compose_container_name(p, &p->services[0], 1);
	_cleanup_free_ char *c2 = berth_compose_container_name(p, &p->services[1], 1);
	_cleanup_free_ char *i1 = berth_compose_image_name(p, &p->services[0]);
	_cleanup_free_ char *i2 = berth_compose_image_name(p, &p->services[1]);
	assert_string_equal(c1, "demo-api-1");
	assert_string_equal(c2, "front");
	assert_string_equal(i1, "demo-api");
	assert_string_equal(i2, "nginx");
	assert_string_equal(
		berth_compose_condition_name(BERTH_COMPOSE_SERVICE_COMPLETED_SUCCESSFULLY),
		"service_completed_successfully");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
