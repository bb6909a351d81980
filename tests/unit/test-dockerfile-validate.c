/* SPDX-License-Identifier: Apache-2.0 */
/* The validation step: unknown instructions and flags, argument rules, with locations. */
#include "dockerfile-test.h"

static char *validate_msg(const char *text)
{
	_cleanup_dockerfile_ struct berth_dockerfile *df = parse_ok(text);
	struct berth_error *err = NULL;
	int r = berth_dockerfile_validate(df, &err);
	if (r == 0)
		return NULL;
	assert_int_equal(r, -EINVAL);
	char *m = berth_xstrdup(berth_error_msg(err));
	berth_error_free(&err);
	return m;
}

static void test_valid(void **state)
{
	_cleanup_free_ char *m = validate_msg(
		"FROM --platform=linux/amd64 golang:1.22 AS build\n"
		"ARG A B=2\n"
		"ENV A=1\n"
		"LABEL a=b\n"
		"RUN --mount=type=cache,target=/c --mount=type=secret,id=x --network=none echo\n"
		"COPY --from=build --chown=1:1 --chmod=755 --link --parents --exclude=a "
		"--exclude=b "
		"a /b\n"
		"ADD --checksum=sha256:00 --keep-git-dir=true --unpack=false a /b\n"
		"HEALTHCHECK --interval=5s --timeout=3s --start-period=1s --start-interval=1s "
		"--retries=3 CMD true\n"
		"HEALTHCHECK NONE\n"
		"SHELL [\"/bin/sh\", \"-c\"]\n"
		"ONBUILD RUN x\n"
		"EXPOSE 80\nUSER a\nWORKDIR /w\nVOLUME /v\nSTOPSIGNAL TERM\nCMD x\nENTRYPOINT "
		"[\"y\"]\n"
		"MAINTAINER me\n");
	assert_null(m);
}

static void expect(const char *text, const char *msg)
{
	_cleanup_free_ char *m = validate_msg(text);
	if (!m)
		fail_msg("'%s' validated", text);
	if (strcmp(m, msg) != 0)
		fail_msg("got '%s', expected '%s'", m, msg);
}

/* BuildKit's instructions.Parse: only ARG may come before the first FROM. */
static void test_before_first_from(void **state)
{
	expect("RUN echo hi\nFROM a\n",
	       "Dockerfile:1:1: no build stage in current context\n     1 | RUN echo hi");
	expect("ARG V=1\n\n  ENV A=b\nFROM a\n",
	       "Dockerfile:3:3: no build stage in current context\n     3 |   ENV A=b");
	/* the instruction's own errors come first, as BuildKit parses it first */
	expect("COPY a\nFROM a\n", "Dockerfile:1:1: COPY requires at least two arguments, but "
				   "only one was provided. Destination could not be determined\n"
				   "     1 | COPY a");
	_cleanup_free_ char *m = validate_msg("ARG A\nARG B=2\nFROM a\nRUN x\n");
	assert_null(m);
}

static void test_unknown_instruction(void **state)
{
	expect("FROM a\n\n\n\n\n\nRUNN echo hi\n", "Dockerfile:7:1: unknown instruction: RUNN (did "
						   "you mean RUN?)\n     7 | RUNN echo hi");
	expect("FROM a\n  cpy a b\n",
	       "Dockerfile:2:3: unknown instruction: cpy (did you mean copy?)\n     2 |   cpy a b");
	/* A hostile word cannot put terminal escapes into the message. */
	expect("FROM a\nX\x1b]0;pwned\x07 y\n",
	       "Dockerfile:2:1: unknown instruction: X?]0;pwned?\n     2 | X?]0;pwned? y");
	expect("FROM a\nFROBNICATE x\n",
	       "Dockerfile:2:1: unknown instruction: FROBNICATE\n     2 | FROBNICATE x");
}

static void test_unknown_flags(void **state)
{
	expect("COPY --chmown=1 a b\n", "Dockerfile:1:1: unknown flag: --chmown (did you mean "
					"chown?)\n     1 | COPY --chmown=1 a b");
	expect("RUN --bogus echo\n",
	       "Dockerfile:1:1: unknown flag: --bogus\n     1 | RUN --bogus echo");
	expect("CMD --x echo\n", "Dockerfile:1:1: unknown flag: --x\n     1 | CMD --x echo");
	expect("COPY --link=maybe a b\n",
	       "Dockerfile:1:1: expecting boolean value for flag --link, "
	       "not: maybe\n     1 | COPY --link=maybe a b");
	expect("COPY --from a b\n",
	       "Dockerfile:1:1: missing a value on flag: --from\n     1 | COPY --from a b");
	expect("FROM --platform=a --platform=b x\n",
	       "Dockerfile:1:1: duplicate flag specified: --platform\n     1 | FROM --platform=a "
	       "--platform=b x");
}

static void test_arguments(void **state)
{
	expect("COPY a\n", "Dockerfile:1:1: COPY requires at least two arguments, but only one was "
			   "provided. Destination could not be determined\n     1 | COPY a");
	expect("FROM a b\n",
	       "Dockerfile:1:1: FROM requires either one or three arguments\n     1 | "
	       "FROM a b");
	expect("FROM a AS 1x\n", "Dockerfile:1:1: invalid name for build stage: \"1x\", name can't "
				 "start with a number or contain symbols\n     1 | FROM a AS 1x");
	expect("USER\n", "Dockerfile:1:1: USER requires exactly one argument\n     1 | USER");
	expect("SHELL sh -c\n", "Dockerfile:1:1: SHELL requires the arguments to be in JSON "
				"form\n     1 | SHELL sh -c");
	expect("HEALTHCHECK NONE x\n",
	       "Dockerfile:1:1: HEALTHCHECK NONE takes no arguments\n     1 | HEALTHCHECK NONE x");
	expect("HEALTHCHECK cmdx\n", "Dockerfile:1:1: Unknown type \"CMDX\" in HEALTHCHECK (try "
				     "CMD)\n     1 | HEALTHCHECK cmdx");
	expect("ONBUILD ONBUILD RUN x\n", "Dockerfile:1:1: Chaining ONBUILD via `ONBUILD ONBUILD` "
					  "isn't allowed\n     1 | ONBUILD ONBUILD RUN x");
	expect("COPY a <<EOF\nx\nEOF\n", "Dockerfile:1:1: COPY cannot accept a heredoc as a "
					 "destination\n     1 | COPY a <<EOF");
	expect("ARG =x\n", "Dockerfile:1:1: ARG names can not be blank\n     1 | ARG =x");
	expect("ENV =x\n", "Dockerfile:1:1: ENV names can not be blank\n     1 | ENV =x");
	expect("VOLUME [\" \"]\n", "Dockerfile:1:1: VOLUME specified can not be an empty "
				   "string\n     1 | VOLUME [\" \"]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_unknown_instruction),
		cmocka_unit_test(test_before_first_from),
		cmocka_unit_test(test_unknown_flags),
		cmocka_unit_test(test_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
