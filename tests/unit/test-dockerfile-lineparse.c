/* SPDX-License-Identifier: Apache-2.0 */
/* One logical line into an instruction (dockerfile/lineparse.c): flags, ONBUILD nesting. */
#include "dockerfile-test.h"

static void test_flags(void **state)
{
	_cleanup_dockerfile_ struct berth_dockerfile *df =
		parse_ok("COPY --chown=\"a b\" --link --exclude='*.md' -- --x /d\n");
	const struct berth_dockerfile_instruction *c = &df->instructions[0];
	assert_int_equal(c->n_flags, 3);
	assert_string_equal(c->flags[0].raw, "--chown=a b");
	assert_string_equal(c->flags[0].value, "a b");
	assert_string_equal(c->flags[1].name, "link");
	assert_null(c->flags[1].value);
	assert_string_equal(c->flags[2].value, "*.md");
	assert_string_equal(c->rest, "--x /d");
	assert_int_equal(c->n_args, 2);
}

static void test_onbuild_depth(void **state)
{
	_cleanup_free_ char *d = dump_of("ONBUILD ONBUILD RUN x\n");
	assert_string_equal(d, "(onbuild (onbuild (run \"x\")))");
	struct berth_buf b = BERTH_BUF_INIT;
	for (int i = 0; i < 100000; i++)
		berth_buf_addstr(&b, "ONBUILD \\\n");
	berth_buf_addstr(&b, "RUN x\n");
	_cleanup_free_ char *m = parse_fail(b.buf);
	assert_non_null(strstr(m, "Dockerfile:1:1: ONBUILD nested more than 16 deep"));
	berth_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_onbuild_depth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
