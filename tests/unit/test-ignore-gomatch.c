/* SPDX-License-Identifier: Apache-2.0 */
/* Go's filepath.Match (ignore/gomatch.c) on upstream's cases, through the legacy matcher. */
#include "conformance.h"

#include "core/buf.h"
#include "core/cleanup.h"
#include "ignore/ignore.h"

static void test_filepath_match_tsv(void **state)
{
	(void)state;
	_cleanup_strv_free_ char **lines = conformance_lines("dockerignore/filepath-match.tsv");
	unsigned n = 0;

	for (size_t i = 1; lines[i]; i++) {
		_cleanup_strv_free_ char **f = conformance_split(lines[i], '\t');
		assert_int_equal(berth_strv_len(f), 5);
		char *pats[] = {f[1], NULL};
		struct berth_error *err = NULL;
		int r = berth_ignore_matches_legacy(pats, f[2], &err);
		if (strcmp(f[4], "ErrBadPattern") == 0) {
			if (r != -EINVAL)
				fail_msg("%s: '%s' expected a bad pattern, got %d", f[0], f[1], r);
			assert_non_null(strstr(err->msg, "syntax error in pattern"));
			berth_error_free(&err);
		} else {
			assert_ok(r, err);
			if (r != (strcmp(f[3], "true") == 0))
				fail_msg("%s: '%s' vs '%s' got %d", f[0], f[1], f[2], r);
		}
		n++;
	}
	printf("# filepath-match.tsv: %u cases run\n", n);
	assert_int_equal(n, 54);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filepath_match_tsv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
