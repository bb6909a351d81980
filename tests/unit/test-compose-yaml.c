/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "compose/compose-internal.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"

static int parse(const char *text, struct berth_yaml_node **ret, char **msg)
{
	struct berth_error *err = NULL;
	int r = berth_yaml_parse(text, strlen(text), "f.yaml", ret, &err);
	*msg = strdup(berth_error_msg(err));
	berth_error_free(&err);
	return r;
}

static void test_tree_and_lines(void **state)
{
	_cleanup_(berth_yaml_freep) struct berth_yaml_node *n = NULL;
	_cleanup_free_ char *msg = NULL;
	assert_int_equal(parse("a: 1\nb:\n  - x\n  - 'y'\nc: ~\n", &n, &msg), 0);
	assert_int_equal(n->kind, BERTH_YAML_MAP);
	assert_int_equal(n->n, 3);
	struct berth_yaml_entry *b = berth_yaml_entry(n, "b");
	assert_int_equal(b->line, 2);
	assert_int_equal(b->value->kind, BERTH_YAML_SEQ);
	assert_int_equal(b->value->items[1]->line, 4);
	assert_false(b->value->items[1]->plain);
	assert_true(berth_yaml_get(n, "a")->plain);
	assert_int_equal(berth_yaml_get(n, "c")->kind, BERTH_YAML_NULL);
	assert_string_equal(berth_yaml_get(n, "a")->file, "f.yaml");
}

static void test_anchors_and_merge_keys(void **state)
{
	_cleanup_(berth_yaml_freep) struct berth_yaml_node *n = NULL;
	_cleanup_free_ char *msg = NULL;
	assert_int_equal(parse("x: &d {p: 1, q: 2}\ny:\n  <<: *d\n  q: 3\nz: *d\n", &n, &msg), 0);
	struct berth_yaml_node *y = berth_yaml_get(n, "y");
	assert_string_equal(berth_yaml_get(y, "p")->value, "1");
	assert_string_equal(berth_yaml_get(y, "q")->value, "3"); /* own keys win over << */
	assert_string_equal(berth_yaml_get(berth_yaml_get(n, "z"), "q")->value, "2");
}

static void test_errors_name_file_and_line(void **state)
{
	struct berth_yaml_node *n = NULL;
	_cleanup_free_ char *m1 = NULL, *m2 = NULL, *m3 = NULL, *m4 = NULL;
	assert_int_equal(parse("a: 1\nb: [\n", &n, &m1), -EINVAL);
	assert_non_null(strstr(m1, "f.yaml:"));
	assert_int_equal(parse("a: 1\na: 2\n", &n, &m2), -EINVAL);
	assert_string_equal(m2, "f.yaml:2: yaml: mapping key 'a' already defined");
	assert_int_equal(parse("a: *nope\n", &n, &m3), -EINVAL);
	assert_non_null(strstr(m3, "unknown anchor"));
	assert_int_equal(parse("a: 1\n---\nb: 2\n", &n, &m4), -EINVAL);
	assert_non_null(strstr(m4, "more than one document"));
}

/* Aliases of aliases double the tree at each level: the node budget stops it. */
static void test_alias_bomb_is_refused(void **state)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	berth_buf_addstr(&b, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (int i = 1; i < 12; i++)
		berth_buf_addf(&b, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
			       i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	struct berth_yaml_node *n = NULL;
	_cleanup_free_ char *msg = NULL;
	assert_int_equal(parse(b.buf, &n, &msg), -EINVAL);
	assert_non_null(strstr(msg, "document too large"));
}

static void test_depth_is_bounded(void **state)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	for (int i = 0; i < 200; i++)
		berth_buf_addch(&b, '[');
	struct berth_yaml_node *n = NULL;
	_cleanup_free_ char *msg = NULL;
	assert_int_equal(parse(b.buf, &n, &msg), -EINVAL);
	assert_non_null(strstr(msg, "nested deeper"));
}

static void test_empty_and_copy(void **state)
{
	struct berth_yaml_node *n = (void *)1;
	_cleanup_free_ char *msg = NULL;
	assert_int_equal(parse("", &n, &msg), 0);
	assert_null(n);
	_cleanup_(berth_yaml_freep) struct berth_yaml_node *m = NULL;
	_cleanup_free_ char *msg2 = NULL;
	assert_int_equal(parse("a: [1, {b: c}]\n", &m, &msg2), 0);
	_cleanup_(berth_yaml_freep) struct berth_yaml_node *c = berth_yaml_copy(m);
	berth_yaml_remove(m, "a");
	assert_int_equal(m->n, 0);
	assert_string_equal(berth_yaml_get(berth_yaml_get(c, "a")->items[1], "b")->value, "c");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_and_lines),
		cmocka_unit_test(test_anchors_and_merge_keys),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_alias_bomb_is_refused),
		cmocka_unit_test(test_depth_is_bounded),
		cmocka_unit_test(test_empty_and_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
