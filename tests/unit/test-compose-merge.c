/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "compose/compose-internal.h"
#include "core/cleanup.h"

static struct berth_yaml_node *doc(const char *text)
{
	struct berth_yaml_node *n = NULL;
	assert_int_equal(berth_yaml_parse(text, strlen(text), "f", &n, NULL), 0);
	return n;
}

static void test_service_rules(void **state)
{
	_cleanup_(berth_yaml_freep) struct berth_yaml_node *base = doc(
		"image: a\ncommand: [x, y]\nenvironment: [A=1, B=2]\nports: ['80', '81']\n"
		"volumes: ['./a:/data', 'v:/cache']\nhealthcheck: {test: [CMD, a], retries: 2}\n"
		"build: ./ctx\n");
	struct berth_yaml_node *over =
		doc("image: b\ncommand: [z]\nenvironment: {B: 3, C: 4}\nports: ['81', '82']\n"
		    "volumes: ['./b:/data']\nhealthcheck: {test: [CMD, b]}\nbuild: {target: t}\n");
	berth_compose_merge_service(base, over);
	assert_string_equal(berth_yaml_get(base, "image")->value, "b");
	struct berth_yaml_node *cmd = berth_yaml_get(base, "command");
	assert_int_equal(cmd->n, 1); /* replaced, not appended */
	struct berth_yaml_node *env = berth_yaml_get(base, "environment");
	assert_int_equal(env->kind, BERTH_YAML_MAP);
	assert_string_equal(berth_yaml_get(env, "A")->value, "1");
	assert_string_equal(berth_yaml_get(env, "B")->value, "3");
	assert_string_equal(berth_yaml_get(env, "C")->value, "4");
	struct berth_yaml_node *ports = berth_yaml_get(base, "ports");
	assert_int_equal(ports->n, 3); /* appended without the duplicate */
	struct berth_yaml_node *vols = berth_yaml_get(base, "volumes");
	assert_int_equal(vols->n, 2);
	assert_string_equal(vols->items[0]->value, "./b:/data"); /* same target replaced */
	struct berth_yaml_node *hc = berth_yaml_get(base, "healthcheck");
	assert_string_equal(berth_yaml_get(hc, "test")->items[1]->value, "b");
	assert_string_equal(berth_yaml_get(hc, "retries")->value, "2");
	struct berth_yaml_node *build = berth_yaml_get(base, "build");
	assert_string_equal(berth_yaml_get(build, "context")->value, "./ctx");
	assert_string_equal(berth_yaml_get(build, "target")->value, "t");
}

static void test_documents(void **state)
{
	_cleanup_(berth_yaml_freep) struct berth_yaml_node *base =
		doc("name: one\nservices:\n  a: {image: x}\nvolumes: {v: {driver: local}}\n");
	struct berth_yaml_node *over =
		doc("name: two\nservices:\n  a: {user: u}\n  b: {image: y}\nvolumes: {w: null}\n");
	berth_compose_merge_document(base, over);
	assert_string_equal(berth_yaml_get(base, "name")->value, "two");
	struct berth_yaml_node *s = berth_yaml_get(base, "services");
	assert_int_equal(s->n, 2);
	assert_string_equal(berth_yaml_get(berth_yaml_get(s, "a"), "image")->value, "x");
	assert_string_equal(berth_yaml_get(berth_yaml_get(s, "a"), "user")->value, "u");
	assert_int_equal(berth_yaml_get(base, "volumes")->n, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_service_rules),
		cmocka_unit_test(test_documents),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
