/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "core/alloc.h"
#include "lint/lint-internal.h"

static void test_split(void **state)
{
	struct lint_script s;
	lint_script_parse("apt-get update && DEBIAN_FRONTEND=noninteractive sudo -u root apt-get "
			  "install -y 'a b' \"c\\\"d\" ; curl -fsSL https://x | sh -s -- -y\n"
			  "nginx & php-fpm 2>&1",
			  &s);
	assert_int_equal(s.n_cmds, 6);
	assert_string_equal(s.cmds[0].argv[0], "apt-get");
	assert_string_equal(s.cmds[1].argv[0], "apt-get");
	assert_true(s.cmds[1].sudo);
	assert_string_equal(s.cmds[1].argv[3], "a b");
	assert_string_equal(s.cmds[1].argv[4], "c\"d");
	assert_string_equal(s.cmds[2].argv[0], "curl");
	assert_false(s.cmds[2].piped_in);
	assert_string_equal(s.cmds[3].argv[0], "sh");
	assert_true(s.cmds[3].piped_in);
	assert_true(s.cmds[4].background);
	assert_string_equal(s.cmds[5].argv[0], "php-fpm");
	assert_null(s.cmds[5].argv[1]); /* the redirection is not a word */
	lint_script_release(&s);
}

static void test_nested_and_continuation(void **state)
{
	struct lint_script s;
	lint_script_parse("bash -c 'pip install -r req.txt && rm -rf /tmp/x' \\\n && echo \"$(curl "
			  "-s x)\" # comment | sh",
			  &s);
	/* bash, then its script's two commands, then echo */
	assert_int_equal(s.n_cmds, 4);
	assert_string_equal(lint_cmd_name(&s.cmds[1]), "pip");
	assert_true(lint_cmd_has_arg(&s.cmds[1], "-r"));
	assert_string_equal(s.cmds[2].argv[0], "rm");
	assert_string_equal(s.cmds[3].argv[1], "$(curl -s x)");
	static const char *const opts[] = {"-o", NULL};
	lint_script_release(&s);

	lint_script_parse("/usr/bin/apt-get -o Dpkg::Options=x install -y curl", &s);
	assert_string_equal(lint_cmd_name(&s.cmds[0]), "apt-get");
	assert_string_equal(lint_cmd_subcommand(&s.cmds[0], opts), "install");
	assert_true(lint_cmd_has_arg_prefix(&s.cmds[0], "Dpkg"));
	lint_script_release(&s);

	lint_script_parse("", &s);
	assert_int_equal(s.n_cmds, 0);
	lint_script_release(&s);
}

static void test_paths(void **state)
{
	char *p = lint_path_join("/app", "./a/../b//c/");
	assert_string_equal(p, "/app/b/c");
	free(p);
	p = lint_path_join("/app", "../../../etc");
	assert_string_equal(p, "/etc");
	free(p);
	p = lint_path_join(NULL, ".");
	assert_string_equal(p, "/");
	free(p);
	assert_true(lint_path_overlaps("/app", "/app/x"));
	assert_true(lint_path_overlaps("/app/x", "/app"));
	assert_false(lint_path_overlaps("/app", "/application"));
	assert_true(lint_path_overlaps("/", "/x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_nested_and_continuation),
		cmocka_unit_test(test_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
