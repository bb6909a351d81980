/* SPDX-License-Identifier: Apache-2.0 */
/* The raw parse: lines, continuations, directives, forms, flags, errors with locations. */
#include "dockerfile-test.h"

static void test_instructions_and_lines(void **state)
{
	_cleanup_dockerfile_ struct berth_dockerfile *df =
		parse_ok("# syntax=docker/dockerfile:1\n"
			 "# the base\n"
			 "from --platform=$BUILDPLATFORM alpine AS build\n"
			 "  RUN --mount=type=cache,target=/root/.cache \\\n"
			 "    # a comment inside\n"
			 "\n"
			 "    make \\\n"
			 "    all\n"
			 "CMD [\"/bin/app\", \"-v\"]\n"
			 "ENTRYPOINT [\"broken\"\n"
			 "ENV A=1 B=\"two words\"\n"
			 "ENV LEGACY value with  spaces\n"
			 "HEALTHCHECK --interval=5s CMD [\"true\"]\n"
			 "ONBUILD COPY --from=x a b\n");

	assert_int_equal(df->n_instructions, 8);
	assert_string_equal(df->syntax, "docker/dockerfile:1");
	assert_null(df->check);
	assert_int_equal(df->escape, '\\');

	const struct berth_dockerfile_instruction *from = &df->instructions[0];
	assert_int_equal(from->keyword, BERTH_DOCKERFILE_FROM);
	assert_string_equal(from->name, "from");
	assert_int_equal(from->start_line, 3);
	assert_int_equal(from->n_flags, 1);
	assert_string_equal(from->flags[0].name, "platform");
	assert_string_equal(from->flags[0].value, "$BUILDPLATFORM");
	assert_int_equal(from->n_args, 3);
	assert_string_equal(from->args[2], "build");
	assert_string_equal(from->comments[0], "the base");
	assert_null(from->comments[1]);

	const struct berth_dockerfile_instruction *run = &df->instructions[1];
	assert_int_equal(run->start_line, 4);
	assert_int_equal(run->end_line, 8);
	assert_int_equal(run->column, 3);
	assert_string_equal(run->original,
			    "RUN --mount=type=cache,target=/root/.cache     make     all");
	assert_string_equal(run->args[0], "make     all");
	assert_false(run->json);
	assert_non_null(berth_dockerfile_instruction_flag(run, "mount"));
	assert_null(berth_dockerfile_instruction_flag(run, "network"));
	/* The empty line inside the continuation is a warning, as in BuildKit. */
	assert_int_equal(df->n_warnings, 1);
	assert_int_equal(df->warnings[0].line, 8);
	assert_string_equal(df->warnings[0].msg,
			    "Empty continuation line found in: RUN "
			    "--mount=type=cache,target=/root/.cache     make     all");

	assert_true(df->instructions[2].json);
	assert_int_equal(df->instructions[2].n_args, 2);
	/* Invalid JSON falls back to the shell form. */
	assert_false(df->instructions[3].json);
	assert_string_equal(df->instructions[3].args[0], "[\"broken\"");

	const struct berth_dockerfile_instruction *env = &df->instructions[4];
	assert_int_equal(env->n_args, 6);
	assert_string_equal(env->args[3], "B");
	assert_string_equal(env->args[4], "\"two words\"");
	assert_string_equal(env->args[5], "=");
	const struct berth_dockerfile_instruction *legacy = &df->instructions[5];
	assert_int_equal(legacy->n_args, 3);
	assert_string_equal(legacy->args[1], "value with  spaces");
	assert_string_equal(legacy->args[2], "");

	const struct berth_dockerfile_instruction *hc = &df->instructions[6];
	assert_string_equal(hc->args[0], "CMD");
	assert_string_equal(hc->args[1], "true");
	assert_true(hc->json);

	const struct berth_dockerfile_instruction *ob = &df->instructions[7];
	assert_int_equal(ob->keyword, BERTH_DOCKERFILE_ONBUILD);
	assert_int_equal(ob->n_args, 0);
	assert_non_null(ob->sub);
	assert_int_equal(ob->sub->keyword, BERTH_DOCKERFILE_COPY);
	assert_string_equal(ob->sub->flags[0].raw, "--from=x");
	assert_int_equal(ob->sub->n_args, 2);
}

static void test_escape_directive(void **state)
{
	_cleanup_dockerfile_ struct berth_dockerfile *df = parse_ok("# escape=`\n"
								    "FROM windows\n"
								    "RUN dir c:\\ `\n"
								    "  /w\n");
	assert_int_equal(df->escape, '`');
	assert_int_equal(df->n_instructions, 2);
	assert_string_equal(df->instructions[1].args[0], "dir c:\\   /w");
	assert_int_equal(df->directives[0].line, 1);

	/* After any other line, `# escape=` is a comment. */
	_cleanup_dockerfile_ struct berth_dockerfile *df2 =
		parse_ok("# hello\n# escape=`\nRUN a \\\n b\n");
	assert_int_equal(df2->escape, '\\');
	assert_int_equal(df2->n_directives, 0);
	assert_string_equal(df2->instructions[0].args[0], "a  b");

	_cleanup_dockerfile_ struct berth_dockerfile *df3 =
		parse_ok("#check=skip=all\n# SYNTAX = x \nFROM a\n");
	assert_string_equal(df3->check, "skip=all");
	assert_string_equal(df3->syntax, "x");
}

static void test_directive_errors(void **state)
{
	_cleanup_free_ char *m1 = parse_fail("# escape=x\nFROM a\n");
	assert_string_equal(m1, "Dockerfile:1:1: invalid escape token 'x' does not match ` or \\\n"
				"     1 | # escape=x");
	_cleanup_free_ char *m2 = parse_fail("# syntax=a\n# syntax=b\nFROM a\n");
	assert_non_null(strstr(m2, "Dockerfile:2:1: only one syntax parser directive can be used"));
}

static void test_case_and_unknown(void **state)
{
	_cleanup_dockerfile_ struct berth_dockerfile *df = parse_ok("rUn echo\nRUNN echo\n");
	assert_int_equal(df->instructions[0].keyword, BERTH_DOCKERFILE_RUN);
	assert_int_equal(df->instructions[1].keyword, BERTH_DOCKERFILE_UNKNOWN);
	assert_string_equal(df->instructions[1].name, "RUNN");
	assert_int_equal(berth_dockerfile_keyword_from_name("healthcheck"),
			 BERTH_DOCKERFILE_HEALTHCHECK);
	assert_string_equal(berth_dockerfile_keyword_name(BERTH_DOCKERFILE_STOPSIGNAL),
			    "STOPSIGNAL");
	assert_null(berth_dockerfile_keyword_name(BERTH_DOCKERFILE_UNKNOWN));
}

static void test_errors_name_location(void **state)
{
	_cleanup_free_ char *m1 = parse_fail("FROM a\n\n  CMD [\"a\", 1]\n");
	assert_string_equal(m1, "Dockerfile:3:3: when using JSON array syntax, arrays must be "
				"comprised of strings only\n     3 |   CMD [\"a\", 1]");
	_cleanup_free_ char *m2 = parse_fail("LABEL a=b c\n");
	assert_string_equal(m2, "Dockerfile:1:1: Syntax error - can't find = in \"c\". Must be of "
				"the form: name=value\n     1 | LABEL a=b c");
	_cleanup_free_ char *m3 = parse_fail("\n# only\n\n");
	assert_string_equal(m3, "Dockerfile:3:1: file with no instructions");
	/* Control characters of the quoted line do not reach the terminal. */
	_cleanup_free_ char *m4 = parse_fail("ENV \x1b[2J\n");
	assert_non_null(strstr(m4, "| ENV ?[2J"));
}

static void test_source_lines(void **state)
{
	_cleanup_dockerfile_ struct berth_dockerfile *df = parse_ok("FROM a\r\nRUN b\nRUN c");
	size_t len;
	const char *l = berth_dockerfile_line(df, 1, &len);
	assert_int_equal(len, 6);
	assert_memory_equal(l, "FROM a", 6);
	l = berth_dockerfile_line(df, 3, &len);
	assert_int_equal(len, 5);
	assert_null(berth_dockerfile_line(df, 4, &len));
	assert_null(berth_dockerfile_line(df, 0, &len));
	assert_int_equal(df->n_lines, 3);
}

static void test_bom_and_crlf(void **state)
{
	_cleanup_free_ char *d = dump_of("\xef\xbb\xbf# escape=`\r\nFROM a\r\nRUN x `\r\n y\r\n");
	assert_string_equal(d, "(from \"a\")\n(run \"x  y\")");
}

static void test_many_words(void **state)
{
	/* Linear in the number of words, flags and comments (a hostile file is 16 MiB). */
	struct berth_buf b = BERTH_BUF_INIT;
	for (int i = 0; i < 200000; i++)
		berth_buf_addstr(&b, "# c\n");
	berth_buf_addstr(&b, "RUN");
	for (int i = 0; i < 20000; i++)
		berth_buf_addstr(&b, " --f=1 --f=2 --f=3 --f=4 --f=5 \\\n");
	for (int i = 0; i < 1000; i++)
		berth_buf_addstr(&b, " <<a a a a a a a a a a a a a a a a a a a a a a a a \\\n");
	berth_buf_addstr(&b, "\nARG");
	for (int i = 0; i < 1000; i++)
		berth_buf_addstr(&b, " a a a a a a a a a a a a a a a a a a a a a a a a a \\\n");
	berth_buf_addstr(&b, "\n");
	_cleanup_free_ char *m = parse_fail(b.buf);
	assert_non_null(strstr(m, "unterminated heredoc"));
	berth_buf_release(&b);
}

static void test_long_line(void **state)
{
	_cleanup_free_ char *text = berth_xmalloc(70000);
	memset(text, 'a', 69999);
	memcpy(text, "RUN ", 4);
	text[69999] = '\0';
	_cleanup_free_ char *m = parse_fail(text);
	assert_non_null(strstr(
		m, "Dockerfile:1:1: dockerfile line greater than max allowed size of 65535"));

	struct berth_dockerfile *df = NULL;
	struct berth_error *err = NULL;
	assert_int_equal(
		berth_dockerfile_parse("x", BERTH_DOCKERFILE_MAX_SIZE + 1, "Dockerfile", &df, &err),
		-E2BIG);
	berth_error_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_instructions_and_lines),
		cmocka_unit_test(test_escape_directive),
		cmocka_unit_test(test_directive_errors),
		cmocka_unit_test(test_case_and_unknown),
		cmocka_unit_test(test_errors_name_location),
		cmocka_unit_test(test_source_lines),
		cmocka_unit_test(test_bom_and_crlf),
		cmocka_unit_test(test_many_words),
		cmocka_unit_test(test_long_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
