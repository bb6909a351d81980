/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The json-file log reader: records one by one, a line not yet complete
 * left until it is, a log made after the open, --tail, and from_end.
 */
#include "unit.h"

#include "container/container.h"
#include "json-log-fixture.h"

static char logpath[160];

/* The store and c1's folder, without a log yet. */
static int setup_c1(void **state)
{
	setup(state);
	json_log_path("c1", logpath, sizeof(logpath));
	return 0;
}

static void append(const char *s)
{
	FILE *f = fopen(logpath, "a");
	assert_non_null(f);
	fputs(s, f);
	fclose(f);
}

#define REC(text, stream, sec)                                                                     \
	"{\"log\":\"" text "\\n\",\"stream\":\"" stream "\",\"time\":\"2026-12-06T15:00:0" #sec    \
	".000000000Z\"}\n"

/* The next record's text without its newline, or "" when there is none. */
static const char *next_text(struct berth_log_reader *r, bool *is_stderr)
{
	static char text[64];
	struct berth_log_record rec;
	if (berth_log_reader_next(r, &rec) <= 0)
		return "";
	snprintf(text, sizeof(text), "%.*s", (int)rec.len - 1, rec.text);
	if (is_stderr)
		*is_stderr = rec.is_stderr;
	assert_int_equal(strlen(rec.time), 30);
	berth_log_record_release(&rec);
	return text;
}

static void test_reader_records_as_written(void **state)
{
	struct berth_log_reader *r = NULL;
	/* no log yet: nothing, and no error */
	assert_int_equal(berth_log_reader_open(hstore, "c1", false, &r, NULL), 0);
	assert_string_equal(next_text(r, NULL), "");
	bool err = false;
	append(REC("one", "stdout", 1) "not json\n" REC("two", "stderr", 2));
	assert_string_equal(next_text(r, &err), "one");
	assert_false(err);
	/* a line that is no record is skipped */
	assert_string_equal(next_text(r, &err), "two");
	assert_true(err);
	/* half a line waits for the rest */
	append("{\"log\":\"thr");
	assert_string_equal(next_text(r, NULL), "");
	append("ee\\n\",\"stream\":\"stdout\",\"time\":\"2026-12-06T15:00:03.000000000Z\"}\n");
	assert_string_equal(next_text(r, NULL), "three");
	assert_string_equal(next_text(r, NULL), "");
	berth_log_reader_free(r);
}

static void test_reader_tail_and_from_end(void **state)
{
	append(REC("a", "stdout", 1) REC("b", "stdout", 2) REC("c", "stdout", 3));
	struct berth_log_reader *r = NULL;
	assert_int_equal(berth_log_reader_open(hstore, "c1", false, &r, NULL), 0);
	berth_log_reader_tail(r, 2);
	assert_string_equal(next_text(r, NULL), "b");
	assert_string_equal(next_text(r, NULL), "c");
	assert_string_equal(next_text(r, NULL), "");
	berth_log_reader_free(r);

	assert_int_equal(berth_log_reader_open(hstore, "c1", false, &r, NULL), 0);
	berth_log_reader_tail(r, 0);
	assert_string_equal(next_text(r, NULL), "");
	berth_log_reader_free(r);

	assert_int_equal(berth_log_reader_open(hstore, "c1", false, &r, NULL), 0);
	berth_log_reader_tail(r, 10);
	assert_string_equal(next_text(r, NULL), "a");
	berth_log_reader_free(r);

	/* from_end: only what comes after the open */
	assert_int_equal(berth_log_reader_open(hstore, "c1", true, &r, NULL), 0);
	assert_string_equal(next_text(r, NULL), "");
	append(REC("d", "stdout", 4));
	assert_string_equal(next_text(r, NULL), "d");
	berth_log_reader_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reader_records_as_written, setup_c1, teardown),
		cmocka_unit_test_setup_teardown(test_reader_tail_and_from_end, setup_c1, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
