/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <stdint.h>

#include "core/cleanup.h"
#include "core/progress.h"

static void test_plain_lines(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct berth_progress *p = berth_progress_new(f, BERTH_PROGRESS_AUTO);
	assert_false(berth_progress_is_tty(p)); /* a memstream is no terminal */
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
	struct berth_progress *p = berth_progress_new(f, BERTH_PROGRESS_TTY);
	int a = berth_progress_start(p, "pull", 1000);
	berth_progress_update(p, a, 1000);
	berth_progress_done(p, a, "complete");
	berth_progress_free(p);
	fclose(f);
	assert_non_null(strstr(text, "\033["));
	assert_non_null(strstr(text, "complete"));
	free(text);
}

static void test_quiet_and_null(void **state)
{
	berth_progress_done(NULL, berth_progress_start(NULL, "x", 0), "done");
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct berth_progress *p = berth_progress_new(f, BERTH_PROGRESS_QUIET);
	berth_progress_done(p, berth_progress_start(p, "x", 0), "done");
	berth_progress_line(p, "hidden");
	berth_progress_free(p);
	fclose(f);
	assert_int_equal(len, 0);
	free(text);
}

static void test_sizes(void **state)
{
	char b[16];
	assert_string_equal(berth_format_size(999, b), "999B");
	assert_string_equal(berth_format_size(1000, b), "1kB");
	assert_string_equal(berth_format_size(4261000, b), "4.26MB");
	/* go-units HumanSizeWithPrecision(…, 4), Docker's "Total reclaimed space" */
	assert_string_equal(berth_format_size_prec(1843, 4, b), "1.843kB");
	assert_string_equal(berth_format_size_prec(0, 4, b), "0B");
	assert_string_equal(berth_format_size_prec(UINT64_MAX, 4, b), "18.45EB");
	enum berth_progress_mode m;
	assert_int_equal(berth_progress_mode_parse("plain", &m), 0);
	assert_int_equal(m, BERTH_PROGRESS_PLAIN);
	assert_int_equal(berth_progress_mode_parse("fancy", &m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_lines),
		cmocka_unit_test(test_tty_bars),
		cmocka_unit_test(test_quiet_and_null),
		cmocka_unit_test(test_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
