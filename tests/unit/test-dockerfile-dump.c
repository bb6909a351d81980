/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dump format of BuildKit's parser tests: every case of
 * ../shared/conformance/buildkit-parser/cases must give its `result` byte
 * for byte (Dump() plus one newline).
 */
#include "dockerfile-test.h"

static void test_conformance_cases(void **state)
{
	_cleanup_free_ char *dir = conformance_path("buildkit-parser/cases");
	_cleanup_strv_free_ char **cases = list_dir(dir);
	size_t passed = 0;

	assert_true(berth_strv_len(cases) >= 33);
	BERTH_STRV_FOREACH (c, cases) {
		_cleanup_free_ char *df_path = berth_xasprintf("%s/%s/Dockerfile", dir, *c);
		_cleanup_free_ char *res_path = berth_xasprintf("%s/%s/result", dir, *c);
		_cleanup_free_ char *data = NULL, *expected = NULL, *dump = NULL;
		_cleanup_dockerfile_ struct berth_dockerfile *df = NULL;
		struct berth_error *err = NULL;
		size_t len, elen;

		data = read_file(df_path, &len);
		expected = read_file(res_path, &elen);
		assert_non_null(data);
		assert_non_null(expected);
		if (berth_dockerfile_parse(data, len, "Dockerfile", &df, &err) < 0)
			fail_msg("case %s: %s", *c, berth_error_msg(err));
		dump = berth_dockerfile_dump(df);
		_cleanup_free_ char *got = berth_xasprintf("%s\n", dump);
		if (strlen(got) != elen || memcmp(got, expected, elen) != 0)
			fail_msg("case %s:\n--- expected\n%s--- got\n%s", *c, expected, got);
		passed++;
	}
	printf("# buildkit-parser cases: %zu of %zu pass\n", passed, berth_strv_len(cases));
}

static void test_conformance_negative(void **state)
{
	_cleanup_free_ char *dir = conformance_path("buildkit-parser/negative");
	_cleanup_strv_free_ char **cases = list_dir(dir);
	size_t rejected = 0;

	assert_true(berth_strv_len(cases) >= 4);
	BERTH_STRV_FOREACH (c, cases) {
		_cleanup_free_ char *path = berth_xasprintf("%s/%s/Dockerfile", dir, *c);
		_cleanup_free_ char *data = NULL;
		struct berth_dockerfile *df = NULL;
		struct berth_error *err = NULL;
		size_t len;

		data = read_file(path, &len);
		assert_non_null(data);
		if (berth_dockerfile_parse(data, len, "Dockerfile", &df, &err) == 0)
			fail_msg("negative case %s parsed", *c);
		assert_int_equal(berth_error_code(err), EINVAL);
		assert_non_null(strstr(berth_error_msg(err), "Dockerfile:"));
		berth_error_free(&err);
		rejected++;
	}
	printf("# buildkit-parser negative cases: %zu of %zu rejected\n", rejected,
	       berth_strv_len(cases));
}

static void test_quoting(void **state)
{
	_cleanup_free_ char *d1 = dump_of("RUN [\"\\u00a0\", \"\\u2665\", \"\\ud83d\\ude00\"]\n");
	/* U+00A0 is not printable for Go; U+2665 and U+1F600 are. */
	assert_string_equal(d1, "(run \"\\u00a0\" \"♥\" \"😀\")");
	_cleanup_free_ char *d2 = dump_of("RUN [\"\\u0000\\u007f\\u200b\", \"\\udead\"]\n");
	assert_string_equal(d2, "(run \"\\x00\\x7f\\u200b\" \"\xef\xbf\xbd\")");
	_cleanup_free_ char *d3 = dump_of("RUN a\xff b\x01\n");
	assert_string_equal(d3, "(run \"a\\xff b\\x01\")");
	_cleanup_free_ char *d4 =
		dump_of("ONBUILD RUN --mount=type=cache echo\nONBUILD\nFOO bar\n");
	assert_string_equal(
		d4, "(onbuild (run [\"--mount=type=cache\"] \"echo\"))\n(onbuild)\n(foo \"\")");
	/* The Kelvin sign lower-cases to 'k' in Go, so this is WORKDIR. */
	_cleanup_free_ char *d5 = dump_of("WOR\xe2\x84\xaa"
					  "DIR /x\n");
	assert_string_equal(d5, "(workdir \"/x\")");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conformance_cases),
		cmocka_unit_test(test_conformance_negative),
		cmocka_unit_test(test_quoting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
