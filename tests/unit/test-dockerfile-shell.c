/* SPDX-License-Identifier: Apache-2.0 */
#include "dockerfile-test.h"

#include <ctype.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "dockerfile/shell.h"

/* Go's strings.TrimSpace for the ASCII text of the data files. */
static char *trim(char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static char **env_from_field(const char *field)
{
	char **env = NULL;
	if (!*field)
		return NULL;
	_cleanup_strv_free_ char **parts = conformance_split(field, ' ');
	BERTH_STRV_FOREACH (p, parts)
		berth_strv_push(&env, *p);
	return env;
}

/* Sorted, comma-joined. */
static char *join(char **v)
{
	struct berth_buf b = BERTH_BUF_INIT;
	BERTH_STRV_FOREACH (s, v) {
		if (b.len)
			berth_buf_addch(&b, ',');
		berth_buf_addstr(&b, *s);
	}
	return berth_buf_detach(&b, NULL);
}

static void test_env_var_test(void **state)
{
	(void)state;
	_cleanup_strv_free_ char **lines = conformance_lines("buildkit-shell/envVarTest");
	char *env[] = {"PWD=/home", "SHELL=bash", "KOREAN=한국어", "NULL=", NULL};
	unsigned n = 0;

	BERTH_STRV_FOREACH (l, lines) {
		if ((*l)[0] == '#')
			continue;
		_cleanup_free_ char *copy = berth_xstrdup(*l);
		char *line = trim(copy);
		if (!*line)
			continue;
		_cleanup_strv_free_ char **parts = conformance_split(line, '|');
		assert_int_equal(berth_strv_len(parts), 3);
		char *plat = trim(parts[0]), *in = trim(parts[1]), *want = trim(parts[2]);
		if (strcmp(plat, "W") == 0)
			continue;
		struct berth_error *err = NULL;
		_cleanup_free_ char *got = NULL;
		int r = berth_shell_expand_word(in, env, '\\', &got, &err);
		if (strcmp(want, "error") == 0) {
			if (r >= 0)
				fail_msg("envVarTest '%s': expected an error, got '%s'", in, got);
			assert_int_equal(r, -EINVAL);
			assert_non_null(strstr(err->msg, "failed to process"));
		} else {
			if (r < 0)
				fail_msg("envVarTest '%s': %s", in, err->msg);
			if (strcmp(got, want) != 0)
				fail_msg("envVarTest '%s': got '%s', want '%s'", in, got, want);
		}
		berth_error_free(&err);
		n++;
	}
	printf("# envVarTest: %u cases run\n", n);
	assert_int_equal(n, 228);
}

static void test_words_test(void **state)
{
	(void)state;
	_cleanup_strv_free_ char **lines = conformance_lines("buildkit-shell/wordsTest");
	_cleanup_strv_free_ char **env = NULL;
	unsigned n = 0;

	BERTH_STRV_FOREACH (l, lines) {
		if ((*l)[0] == '#')
			continue;
		if (strncmp(*l, "ENV ", 4) == 0) {
			const char *e = *l + 3;
			while (*e == ' ')
				e++;
			berth_strv_push(&env, e);
			continue;
		}
		_cleanup_strv_free_ char **parts = conformance_split(*l, '|');
		assert_int_equal(berth_strv_len(parts), 2);
		char *in = trim(parts[0]), *want = parts[1];
		while (*want == ' ')
			want++;
		_cleanup_strv_free_ char **want_words = conformance_split(want, ',');
		struct berth_error *err = NULL;
		_cleanup_strv_free_ char **got = NULL;
		int r = berth_shell_expand_words(in, env, '\\', &got, &err);
		if (berth_strv_len(want_words) == 1 && strcmp(want_words[0], "error") == 0) {
			if (r >= 0)
				fail_msg("wordsTest '%s': expected an error", in);
		} else {
			if (r < 0)
				fail_msg("wordsTest '%s': %s", in, err->msg);
			_cleanup_free_ char *g = join(got), *w = join(want_words);
			if (berth_strv_len(got) != berth_strv_len(want_words) || strcmp(g, w) != 0)
				fail_msg("wordsTest '%s': got [%s], want [%s]", in, g, w);
		}
		berth_error_free(&err);
		n++;
	}
	printf("# wordsTest: %u cases run\n", n);
	assert_int_equal(n, 24);
}

static void test_expansion_ops(void **state)
{
	(void)state;
	_cleanup_strv_free_ char **lines = conformance_lines("buildkit-shell/expansion-ops.tsv");
	unsigned n = 0;

	for (size_t i = 1; lines[i]; i++) {
		_cleanup_strv_free_ char **f = conformance_split(lines[i], '\t');
		assert_int_equal(berth_strv_len(f), 9);
		const char *id = f[0], *in = f[3], *want = f[4], *substr = f[5];
		assert_string_equal(f[6], "-");
		_cleanup_strv_free_ char **env = env_from_field(f[2]);
		struct berth_error *err = NULL;
		struct berth_shell_result res = {0};
		int r = berth_shell_process(in, env, '\\', 0, &res, &err);
		if (strcmp(want, "error") == 0) {
			if (r >= 0)
				fail_msg("%s '%s': expected an error, got '%s'", id, in, res.word);
			if (*substr && !strstr(err->msg, substr))
				fail_msg("%s: error '%s' lacks '%s'", id, err->msg, substr);
		} else {
			if (r < 0)
				fail_msg("%s '%s': %s", id, in, err->msg);
			if (strcmp(res.word, want) != 0)
				fail_msg("%s '%s': got '%s', want '%s'", id, in, res.word, want);
			_cleanup_free_ char *m = join(res.matched), *u = join(res.unmatched);
			if (strcmp(f[7], "-") != 0 && strcmp(m, f[7]) != 0)
				fail_msg("%s: matched [%s], want [%s]", id, m, f[7]);
			if (strcmp(f[8], "-") != 0 && strcmp(u, f[8]) != 0)
				fail_msg("%s: unmatched [%s], want [%s]", id, u, f[8]);
		}
		berth_shell_result_release(&res);
		berth_error_free(&err);
		n++;
	}
	printf("# expansion-ops.tsv: %u cases run\n", n);
	assert_int_equal(n, 56);
}

static void test_getenv(void **state)
{
	(void)state;
	_cleanup_strv_free_ char **lines = conformance_lines("buildkit-shell/getenv.tsv");
	unsigned n = 0;

	for (size_t i = 1; lines[i]; i++) {
		_cleanup_strv_free_ char **f = conformance_split(lines[i], '\t');
		assert_int_equal(berth_strv_len(f), 4);
		_cleanup_strv_free_ char **env = env_from_field(f[1]);
		const char *v = NULL;
		bool set = berth_shell_getenv(env, f[2], &v);
		/* upstream checks the value only; an unset name reads as "" */
		if (!set)
			v = "";
		if (strcmp(v, f[3]) != 0)
			fail_msg("%s: got '%s', want '%s'", f[0], v, f[3]);
		n++;
	}
	printf("# getenv.tsv: %u cases run\n", n);
	assert_int_equal(n, 7);
}

static void test_backtick_escape(void **state)
{
	(void)state;
	char *env[] = {"A=x y", NULL};
	check_word("a`$A", env, '`', "a$A");
	check_word("a\\$A", env, '`', "a\\x y");
	check_word("\"q`\"r\"", env, '`', "q\"r");
	_cleanup_strv_free_ char **w = NULL;
	struct berth_error *err = NULL;
	assert_ok(berth_shell_expand_words("one` two $A", env, '`', &w, &err), err);
	assert_int_equal(berth_strv_len(w), 3);
	assert_string_equal(w[0], "one two");
	assert_string_equal(w[1], "x");
	assert_string_equal(w[2], "y");
}

static void test_errors_and_matches(void **state)
{
	(void)state;
	char *env[] = {"A=1", NULL};
	struct berth_error *err = NULL;
	_cleanup_free_ char *got = NULL;
	assert_int_equal(berth_shell_expand_word("${B:?need B}", env, '\\', &got, &err), -EINVAL);
	assert_string_equal(err->msg, "failed to process '${B:?need B}': B: need B");
	berth_error_free(&err);
	assert_int_equal(berth_shell_expand_word("${A", env, '\\', &got, &err), -EINVAL);
	assert_non_null(strstr(err->msg, "unsupported modifier"));
	berth_error_free(&err);
	assert_int_equal(berth_shell_expand_word("${A:=x}", env, '\\', &got, &err), -EINVAL);
	assert_non_null(strstr(err->msg, "unsupported modifier (:=) in substitution"));
	berth_error_free(&err);

	struct berth_shell_result res;
	assert_ok(berth_shell_process("$A ${B:-$C} $A", env, '\\', 0, &res, &err), err);
	assert_int_equal(berth_strv_len(res.matched), 1);
	assert_string_equal(res.matched[0], "A");
	assert_int_equal(berth_strv_len(res.unmatched), 2);
	assert_string_equal(res.unmatched[0], "B");
	assert_string_equal(res.unmatched[1], "C");
	berth_shell_result_release(&res);

	assert_ok(berth_shell_process("'$A' \"$X\" \\$Y ${Z}", env, '\\',
				      BERTH_SHELL_RAW_QUOTES | BERTH_SHELL_SKIP_UNSET_ENV, &res,
				      &err),
		  err);
	assert_string_equal(res.word, "'$A' \"$X\" $Y ${Z}");
	berth_shell_result_release(&res);
}

static void test_words_keep_prefix(void **state)
{
	(void)state;
	/* BuildKit loses "pre" here (a shared buffer); berth keeps it, see docs/expansion.md */
	char *env[] = {NULL};
	_cleanup_strv_free_ char **w = NULL;
	struct berth_error *err = NULL;
	assert_ok(berth_shell_expand_words("pre${X:-a b}post \"q${Y:-z}\"", env, '\\', &w, &err),
		  err);
	assert_int_equal(berth_strv_len(w), 3);
	assert_string_equal(w[0], "prea");
	assert_string_equal(w[1], "bpost");
	assert_string_equal(w[2], "qz");
	berth_strv_free(w);
	w = NULL;
	assert_ok(berth_shell_expand_words("cat <<  EOF >x", env, '\\', &w, &err), err);
	assert_int_equal(berth_strv_len(w), 3);
	assert_string_equal(w[1], "<<  EOF");
}

static void test_utf8(void **state)
{
	(void)state;
	char *env[] = {"K=한국어", NULL};
	check_word("${K#?}", env, '\\', "국어");
	check_word("${K%?}", env, '\\', "한국");
	/* an invalid byte reads and writes as U+FFFD, as Go's scanner does */
	check_word("a\xff", env, '\\', "a\xEF\xBF\xBD");
	check_word("\xEF\xBB\xBFx", env, '\\', "x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_var_test),	  cmocka_unit_test(test_words_test),
		cmocka_unit_test(test_expansion_ops),	  cmocka_unit_test(test_getenv),
		cmocka_unit_test(test_backtick_escape),	  cmocka_unit_test(test_errors_and_matches),
		cmocka_unit_test(test_words_keep_prefix), cmocka_unit_test(test_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
