/* SPDX-License-Identifier: Apache-2.0 */
/* The CLI's drawing of progress reports (src/berth/progress.c). */
#include "unit.h"

#include <stdint.h>

#include "berth/progress.h"

static void test_plain_lines(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	/* a memstream is no terminal: auto draws plain lines */
	struct berth_progress *p = cli_progress_new(f, CLI_PROGRESS_AUTO);
	int a = berth_progress_start(p, "layer sha256:ab12", 100);
	berth_progress_update(p, a, 50);
	berth_progress_line(p, "step %d", 1);
	berth_progress_done(p, a, "done");
	berth_progress_free(p);
	fclose(f);
	assert_non_null(strstr(text, "step 1\n"));
	assert_non_null(strstr(text, "layer sha256:ab12: done"));
	assert_null(strstr(text, "\033["));
	free(text);
}

static void test_tty_bars(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct berth_progress *p = cli_progress_new(f, CLI_PROGRESS_TTY);
	int a = berth_progress_start(p, "pull", 1000);
	berth_progress_update(p, a, 1000);
	berth_progress_done(p, a, "complete");
	berth_progress_free(p);
	fclose(f);
	assert_non_null(strstr(text, "\033["));
	assert_non_null(strstr(text, "complete"));
	free(text);
}

static void test_quiet(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct berth_progress *p = cli_progress_new(f, CLI_PROGRESS_QUIET);
	berth_progress_done(p, berth_progress_start(p, "x", 0), "done");
	berth_progress_line(p, "hidden");
	berth_progress_free(p);
	fclose(f);
	assert_int_equal(len, 0);
	free(text);
}

static void test_mode_parse(void **state)
{
	enum cli_progress_mode m;
	assert_int_equal(cli_progress_mode_parse("plain", &m), 0);
	assert_int_equal(m, CLI_PROGRESS_PLAIN);
	assert_int_equal(cli_progress_mode_parse("tty", &m), 0);
	assert_int_equal(m, CLI_PROGRESS_TTY);
	assert_int_equal(cli_progress_mode_parse("fancy", &m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_lines),
		cmocka_unit_test(test_tty_bars),
		cmocka_unit_test(test_quiet),
		cmocka_unit_test(test_mode_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
