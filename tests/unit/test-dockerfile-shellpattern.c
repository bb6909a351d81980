/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The glob patterns of ${V#pat}, ${V%pat} and ${V/pat/repl}
 * (dockerfile/shellpattern.c): BuildKit's pattern helpers, trims and
 * replacements, and their bounds on hostile patterns.
 */
#include "dockerfile-test.h"

static void test_pattern_helpers(void **state)
{
	(void)state;
	_cleanup_strv_free_ char **lines = conformance_lines("buildkit-shell/pattern-helpers.tsv");
	unsigned n = 0;

	for (size_t i = 1; lines[i]; i++) {
		_cleanup_strv_free_ char **f = conformance_split(lines[i], '\t');
		assert_int_equal(berth_strv_len(f), 4);
		_cleanup_free_ char *got = NULL;
		if (strcmp(f[1], "convertShellPatternToRegex") == 0) {
			struct berth_error *err = NULL;
			int r = berth_shell_pattern_to_regex(f[2], true, true, &got, &err);
			if (strcmp(f[3], "error") == 0) {
				assert_true(r < 0);
				berth_error_free(&err);
				n++;
				continue;
			}
			assert_ok(r, err);
		} else if (strcmp(f[1], "reversePattern") == 0) {
			got = berth_shell_reverse_pattern(f[2]);
		} else {
			assert_string_equal(f[1], "reverseString");
			got = berth_shell_reverse_string(f[2]);
		}
		if (strcmp(got, f[3]) != 0)
			fail_msg("%s '%s': got '%s', want '%s'", f[0], f[2], got, f[3]);
		n++;
	}
	printf("# pattern-helpers.tsv: %u cases run\n", n);
	assert_int_equal(n, 14);
}

static void test_replace_and_trim(void **state)
{
	(void)state;
	char *env[] = {"P=/usr/local/bin/app.tar.gz", "E=", "N=a\nb", NULL};
	check_word("${P##*/}", env, '\\', "app.tar.gz");
	check_word("${P#*/}", env, '\\', "usr/local/bin/app.tar.gz");
	check_word("${P%.*}", env, '\\', "/usr/local/bin/app.tar");
	check_word("${P%%.*}", env, '\\', "/usr/local/bin/app");
	check_word("${P//\\//_}", env, '\\', "_usr_local_bin_app.tar.gz");
	check_word("${P/local/$E}", env, '\\', "/usr//bin/app.tar.gz");
	/*
	 * The replacement keeps its escapes and then goes through Go's
	 * ReplaceAllString template, where $0 is the whole match.
	 */
	check_word("${P//a/<\\$0>}", env, '\\', "/usr/loc<\\a>l/bin/<\\a>pp.t<\\a>r.gz");
	check_word("${P/a/<\\$0>}", env, '\\', "/usr/loc<\\$0>l/bin/app.tar.gz");
	/* '.' of RE2 does not cross a newline */
	check_word("${N#*}", env, '\\', "a\nb");
	check_word("${N##*}", env, '\\', "\nb");
	check_word("${E:-d} ${E-d} ${U:+x}", env, '\\', "d  ");
}

static void test_limits(void **state)
{
	(void)state;
	/* 64 bytes, then each ${V//} level multiplies by 65: the third is over 1 MiB */
	char *env[] = {"V=0123456789012345678901234567890123456789012345678901234567890123", NULL};
	struct berth_error *err = NULL;
	_cleanup_free_ char *got = NULL;
	assert_ok(berth_shell_expand_word("${V//?/$V}", env, '\\', &got, &err), err);
	assert_int_equal(strlen(got), 64 * 64);
	assert_int_equal(
		berth_shell_expand_word("${V//?/${V//?/${V//?/$V}}}", env, '\\', &got, &err),
		-E2BIG);
	berth_error_free(&err);

	/* a hostile pattern on a long value stays fast (each token/position once) */
	struct berth_buf word = BERTH_BUF_INIT, val = BERTH_BUF_INIT;
	berth_buf_addstr(&val, "L=");
	for (int i = 0; i < 60000; i++)
		berth_buf_addch(&val, 'a');
	berth_buf_addstr(&word, "${L//");
	for (int i = 0; i < 20; i++)
		berth_buf_addstr(&word, "*a");
	berth_buf_addstr(&word, "b/x}${L%%*a*a*a*b}");
	char *env2[] = {val.buf, NULL};
	free(got);
	got = NULL;
	assert_ok(berth_shell_expand_word(word.buf, env2, '\\', &got, &err), err);
	assert_int_equal(strlen(got), 120000);
	berth_buf_release(&word);
	berth_buf_release(&val);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pattern_helpers),
		cmocka_unit_test(test_replace_and_trim),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
