/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The merge of `compose logs`: records of several json-file logs handed
 * out in the time order they record (ties: the earlier container), --tail
 * per log, --since/--until by time, and the time forms --since takes.
 */
#include "unit.h"

#include "compose/compose.h"
#include "container/container.h"
#include "core/buf.h"
#include "json-log-fixture.h"

/* A log as the monitor writes it: lines[] are "SECONDS TEXT" (stderr when TEXT starts with !). */
static void write_log(const char *id, const char *const *lines)
{
	char path[256];
	json_log_path(id, path, sizeof(path));
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (size_t i = 0; lines[i]; i++) {
		int s = atoi(lines[i]);
		const char *text = strchr(lines[i], ' ') + 1;
		bool err = text[0] == '!';
		fprintf(f,
			"{\"log\":\"%s\\n\",\"stream\":\"%s\",\"time\":"
			"\"2026-12-06T15:00:%02d.000000000Z\"}\n",
			text + err, err ? "stderr" : "stdout", s);
	}
	fclose(f);
}

/* on_record: "SOURCE:TEXT" lines (a trailing ! for stderr) into the buffer. */
static void collect(size_t source, const struct berth_log_record *rec, void *userdata)
{
	struct berth_buf *b = userdata;
	berth_buf_addf(b, "%zu:%.*s%s;", source, (int)rec->len - 1, rec->text,
		       rec->is_stderr ? "!" : "");
}

static struct berth_compose_log_source sources[] = {
	{.id = (char *)"aaaa", .name = (char *)"p-a-1"},
	{.id = (char *)"bbbb", .name = (char *)"p-b-1"},
};

static void two_logs(void)
{
	static const char *const a[] = {"1 a1", "3 !a2", "5 a3", "7 a4", NULL};
	static const char *const b[] = {"2 b1", "3 b2", "6 b3", NULL};
	write_log("aaaa", a);
	write_log("bbbb", b);
}

static char *merged(long tail, const char *since, const char *until)
{
	struct berth_buf b = BERTH_BUF_INIT;
	berth_buf_addstr(&b, "");
	struct berth_compose_logs_options o = {
		.tail = tail, .since = since, .until = until, .on_record = collect, .userdata = &b};
	assert_int_equal(berth_compose_logs(hstore, sources, 2, &o, NULL), 0);
	return berth_buf_detach(&b, NULL);
}

static void test_merge_time_order(void **state)
{
	two_logs();
	char *s = merged(-1, NULL, NULL);
	/* a2 and b2 share second 3: the earlier source first */
	assert_string_equal(s, "0:a1;1:b1;0:a2!;1:b2;0:a3;1:b3;0:a4;");
	free(s);
}

static void test_merge_tail_per_log(void **state)
{
	two_logs();
	char *s = merged(2, NULL, NULL);
	assert_string_equal(s, "1:b2;0:a3;1:b3;0:a4;");
	free(s);
	s = merged(0, NULL, NULL);
	assert_string_equal(s, "");
	free(s);
	s = merged(10, NULL, NULL);
	assert_string_equal(s, "0:a1;1:b1;0:a2!;1:b2;0:a3;1:b3;0:a4;");
	free(s);
}

static void test_merge_window(void **state)
{
	two_logs();
	char *s = merged(-1, "2026-12-06T15:00:03.000000000Z", "2026-12-06T15:00:05.000000000Z");
	assert_string_equal(s, "0:a2!;1:b2;0:a3;");
	free(s);
}

/* A log that is missing (a container that never wrote) is no error. */
static void test_merge_missing_log(void **state)
{
	static const char *const a[] = {"1 only", NULL};
	write_log("aaaa", a);
	char *s = merged(-1, NULL, NULL);
	assert_string_equal(s, "0:only;");
	free(s);
}

static void test_log_time_forms(void **state)
{
	char t[40];
	int64_t now = (int64_t)1796569200 * 1000000000; /* 2026-12-06T15:00:00Z */
	assert_int_equal(berth_compose_log_time("2026-12-06T15:00:03Z", now, t, NULL), 0);
	assert_string_equal(t, "2026-12-06T15:00:03.000000000Z");
	assert_int_equal(berth_compose_log_time("2026-12-06T16:00:03.25+01:00", now, t, NULL), 0);
	assert_string_equal(t, "2026-12-06T15:00:03.250000000Z");
	assert_int_equal(berth_compose_log_time("2026-12-06", now, t, NULL), 0);
	assert_string_equal(t, "2026-12-06T00:00:00.000000000Z");
	assert_int_equal(berth_compose_log_time("1796569200.5", now, t, NULL), 0);
	assert_string_equal(t, "2026-12-06T15:00:00.500000000Z");
	assert_int_equal(berth_compose_log_time("1m30s", now, t, NULL), 0);
	assert_string_equal(t, "2026-12-06T14:58:30.000000000Z");
	struct berth_error *e = NULL;
	assert_int_equal(berth_compose_log_time("yesterday", now, t, &e), -EINVAL);
	assert_non_null(strstr(berth_error_msg(e), "invalid time 'yesterday'"));
	berth_error_free(&e);
	assert_int_equal(berth_compose_log_time("2026-13-01", now, t, NULL), -EINVAL);
	assert_int_equal(berth_compose_log_time("2026-12-06T15:00", now, t, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_merge_time_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_tail_per_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_missing_log, setup, teardown),
		cmocka_unit_test(test_log_time_forms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
