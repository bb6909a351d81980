/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <fcntl.h>

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

static void test_env_file_then_environment(void **state)
{
	char dir[] = "/tmp/berth-compose-XXXXXX";
	assert_non_null(mkdtemp(dir));
	_cleanup_free_ char *envf = berth_xasprintf("%s/app.env", dir);
	FILE *f = fopen(envf, "w");
	fputs("A=file\nB=file\n", f);
	fclose(f);
	_cleanup_free_ char *text = berth_xasprintf(
		"services:\n  a:\n    image: x\n    environment: {B: own}\n    env_file: [%s, "
		"{path: %s/missing.env, required: false}]\n",
		envf, dir);
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	_cleanup_free_ char *msg = NULL;
	assert_int_equal(fixture_load(text, &p, NULL, &msg), 0);
	assert_string_equal(p->services[0].environment[0], "A=file");
	assert_string_equal(p->services[0].environment[1], "B=own");
	struct berth_compose_project *q = NULL;
	_cleanup_free_ char *text2 = berth_xasprintf(
		"services:\n  a:\n    image: x\n    env_file: %s/missing.env\n", dir);
	_cleanup_free_ char *msg2 = NULL;
	assert_int_equal(fixture_load(text2, &q, NULL, &msg2), -ENOENT);
	assert_non_null(strstr(msg2, "compose.yaml:4: services.a.env_file: env file"));
	unlink(envf);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_default_network),
		cmocka_unit_test(test_undefined_references),
		cmocka_unit_test(test_env_file_then_environment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
