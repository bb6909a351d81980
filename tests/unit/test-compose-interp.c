/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "compose-fixture.h"
#include "compose/compose-internal.h"
#include "core/cleanup.h"

static char *interp(const char *text, int *ret_r, char **ret_msg)
{
	struct berth_error *err = NULL;
	char *out = NULL;
	*ret_r = berth_compose_interpolate(text, fixture_lookup, NULL, &out, &err);
	if (ret_msg)
		*ret_msg = strdup(berth_error_msg(err));
	berth_error_free(&err);
	return out;
}

static void expect(const char *text, const char *want)
{
	int r;
	_cleanup_free_ char *out = interp(text, &r, NULL);
	assert_int_equal(r, 0);
	assert_string_equal(out, want);
}

static void expect_error(const char *text, const char *want)
{
	int r;
	_cleanup_free_ char *msg = NULL;
	_cleanup_free_ char *out = interp(text, &r, &msg);
	assert_int_equal(r, -EINVAL);
	assert_null(out);
	assert_non_null(strstr(msg, want));
}

static void test_forms(void **state)
{
	expect("nginx:$TAG", "nginx:1.25");
	expect("nginx:${TAG}-x", "nginx:1.25-x");
	expect("${NOPE}|$NOPE", "|");
	expect("${NOPE:-d}|${EMPTY:-d}|${EMPTY-d}|${NOPE-d}", "d|d||d");
	expect("${TAG:+set}|${NOPE:+set}|${EMPTY+set}|${EMPTY:+set}", "set||set|");
	expect("$$TAG costs $$5", "$TAG costs $5");
	expect("${NOPE:-${TAG}}", "1.25");
	expect("${NOPE:-$${x}}", "${x}");
	expect("no dollar", "no dollar");
}

static void test_required(void **state)
{
	expect("${TAG:?x}", "1.25");
	expect("${EMPTY?x}", "");
	expect_error("${EMPTY:?must be set}",
		     "required variable EMPTY is missing a value: must be set");
	expect_error("${NOPE?}", "required variable NOPE is missing a value");
}

static void test_malformed(void **state)
{
	expect_error("${", "no closing");
	expect_error("${}", "invalid interpolation format");
	expect_error("${1A}", "invalid interpolation format");
	expect_error("${A*b}", "invalid interpolation format");
	expect_error("cost $5", "use '$$'");
	expect_error("end $", "use '$$'");
}

static void test_tree_reports_unset(void **state)
{
	struct berth_error *err = NULL;
	_cleanup_(berth_yaml_freep) struct berth_yaml_node *n = NULL;
	const char *text = "a: $NOPE\nb: [\"${NOPE2:-x}\", $TAG]\n";
	assert_int_equal(berth_yaml_parse(text, strlen(text), "f", &n, &err), 0);
	_cleanup_strv_free_ char **unset = NULL;
	assert_int_equal(berth_compose_interpolate_tree(n, "f", fixture_lookup, NULL, &unset, &err),
			 0);
	assert_int_equal(berth_strv_len(unset), 1);
	assert_string_equal(unset[0], "NOPE");
	assert_string_equal(berth_yaml_get(n, "b")->items[0]->value, "x");
	assert_string_equal(berth_yaml_get(n, "b")->items[1]->value, "1.25");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_tree_reports_unset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
