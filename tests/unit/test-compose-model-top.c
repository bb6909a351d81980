/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "compose-fixture.h"
#include "core/alloc.h"
#include "core/cleanup.h"

static void test_names_and_default_network(void **state)
{
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	_cleanup_free_ char *msg = NULL;
	const char *text = "services:\n"
			   "  a: {image: x, volumes: ['data:/d', 'ext:/e']}\n"
			   "  b: {image: x, networks: {back: {aliases: [db]}}}\n"
			   "networks:\n  back: {internal: true}\n  out: {external: true}\n"
			   "volumes:\n  data:\n  ext: {external: true, name: shared}\n";
	assert_int_equal(fixture_load(text, &p, NULL, &msg), 0);
	assert_int_equal(p->n_networks, 3);
	assert_string_equal(p->networks[0].key, "back");
	assert_string_equal(p->networks[0].name, "demo_back");
	assert_true(p->networks[0].internal);
	assert_string_equal(p->networks[1].name, "demo_default"); /* a uses the default */
	assert_string_equal(p->networks[2].name, "out");
	assert_string_equal(p->volumes[0].name, "demo_data");
	assert_string_equal(p->volumes[1].name, "shared");
	assert_string_equal(p->services[1].networks[0].aliases[0], "db");
}

/* Naming the default network is allowed without declaring it (it was an error). */
static void test_default_network_by_name(void **state)
{
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	_cleanup_free_ char *msg = NULL;
	assert_int_equal(fixture_load("services:\n  a: {image: x, networks: {default: {aliases: "
				      "[y]}}}\n",
				      &p, NULL, &msg),
			 0);
	assert_int_equal(p->n_networks, 1);
	assert_string_equal(p->networks[0].name, "demo_default");
}

static void test_undefined_references(void **state)
{
	struct berth_compose_project *p = NULL;
	_cleanup_free_ char *m1 = NULL, *m2 = NULL;
	assert_int_equal(
		fixture_load("services:\n  a: {image: x, volumes: ['data:/d']}\n", &p, NULL, &m1),
		-EINVAL);
	assert_string_equal(m1, "compose.yaml: service 'a' refers to undefined volume 'data' "
				"(declare it under the top-level 'volumes')");
	assert_int_equal(
		fixture_load("services:\n  a: {image: x, networks: [front]}\n", &p, NULL, &m2),
		-EINVAL);
	assert_string_equal(m2, "compose.yaml: service 'a' refers to undefined network 'front'");
}

static void test_env_file_is_not_read_from_memory(void **state)
{
	struct berth_compose_project *p = NULL;
	_cleanup_free_ char *msg = NULL;
	assert_int_equal(
		fixture_load("services:\n  a: {image: x, env_file: /etc/passwd}\n", &p, NULL, &msg),
		-EINVAL);
	assert_string_equal(msg,
			    "compose.yaml:2: services.a.env_file: env files are not read here");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_default_network),
		cmocka_unit_test(test_default_network_by_name),
		cmocka_unit_test(test_undefined_references),
		cmocka_unit_test(test_env_file_is_not_read_from_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
