/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The event log's appender (core/events.c): one whole JSON line per event
 * in Docker's field order, attributes sorted, no torn lines under
 * concurrent writers, and the log bounded by its rotation.
 */
#include "unit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/events.h"
#include "core/fs.h"
#include "core/json.h"
#include "tmpdir-fixture.h"

static char *read_log(const char *root, const char *name, size_t *ret_len)
{
	_cleanup_free_ char *p = berth_xasprintf("%s/%s", root, name);
	char *data = NULL;
	size_t len = 0;
	if (berth_read_file_at(AT_FDCWD, p, 64 << 20, &data, &len, NULL) < 0)
		return NULL;
	if (ret_len)
		*ret_len = len;
	return data;
}

/* Checks that every line of data is a whole event; returns how many there are. */
static size_t count_events(const char *data, const char *action)
{
	size_t n = 0;
	for (const char *p = data, *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		_cleanup_json_ json_t *j = NULL;
		assert_int_equal(berth_json_parse(p, (size_t)(nl - p), "line", &j, NULL), 0);
		assert_string_equal(json_string_value(json_object_get(j, "Action")), action);
		n++;
	}
	return n;
}

static void test_emit_line(void **state)
{
	const char *root = *state;
	assert_int_equal(berth_event_emit(root, "container", "start", "abc",
					  (const char *[]){"name", "web", "image", "alpine",
							   "skipped", NULL, "a.label", "x", NULL}),
			 0);
	_cleanup_free_ char *data = read_log(root, BERTH_EVENTS_LOG, NULL);
	assert_non_null(data);
	/* Docker's field order, attributes sorted by key, the NULL one left out */
	const char *want = "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"abc\","
			   "\"Attributes\":{\"a.label\":\"x\",\"image\":\"alpine\",\"name\":"
			   "\"web\"}},\"scope\":\"local\",\"time\":";
	assert_memory_equal(data, want, strlen(want));
	assert_int_equal(data[strlen(data) - 1], '\n');
	_cleanup_json_ json_t *j = NULL;
	assert_int_equal(berth_json_parse(data, strlen(data), "line", &j, NULL), 0);
	json_int_t t = json_integer_value(json_object_get(j, "time"));
	json_int_t tn = json_integer_value(json_object_get(j, "timeNano"));
	assert_true(t > 1700000000);
	assert_int_equal(tn / 1000000000, t);
	struct stat st;
	_cleanup_free_ char *p = berth_xasprintf("%s/%s", root, BERTH_EVENTS_LOG);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_emit_appends(void **state)
{
	const char *root = *state;
	for (int i = 0; i < 5; i++)
		assert_int_equal(berth_event_emit(root, "volume", "create", "v", NULL), 0);
	_cleanup_free_ char *data = read_log(root, BERTH_EVENTS_LOG, NULL);
	assert_int_equal(count_events(data, "create"), 5);
}

/* The store handle's way: an O_PATH fd of the root, the same log as by path. */
static void test_emit_at_root_fd(void **state)
{
	const char *root = *state;
	_cleanup_close_ int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	_cleanup_json_ json_t *attrs = json_pack("{s:s}", "name", "web");
	assert_int_equal(berth_event_emit_json_at(fd, "container", "die", "c1", attrs), 0);
	assert_int_equal(berth_event_emit(root, "container", "die", "c2", NULL), 0);
	_cleanup_free_ char *data = read_log(root, BERTH_EVENTS_LOG, NULL);
	assert_non_null(data);
	assert_int_equal(count_events(data, "die"), 2);
	assert_non_null(strstr(data, "\"ID\":\"c1\",\"Attributes\":{\"name\":\"web\"}"));
	assert_int_equal(berth_event_emit_json_at(-1, "container", "die", "c3", NULL), -EINVAL);
}

static void test_emit_no_store(void **state)
{
	(void)state;
	/* a failure is returned, never fatal: the operation goes on */
	assert_true(berth_event_emit("/nonexistent/berth-store", "image", "tag", "x", NULL) < 0);
	assert_int_equal(berth_event_emit(NULL, "image", "tag", "x", NULL), -EINVAL);
}

static void test_huge_attributes_dropped(void **state)
{
	const char *root = *state;
	_cleanup_free_ char *big = berth_xcalloc(BERTH_EVENTS_MAX_LINE + 10, 1);
	memset(big, 'x', BERTH_EVENTS_MAX_LINE + 9);
	assert_int_equal(berth_event_emit(root, "container", "create", "id1",
					  (const char *[]){"huge", big, NULL}),
			 0);
	size_t len = 0;
	_cleanup_free_ char *data = read_log(root, BERTH_EVENTS_LOG, &len);
	assert_true(len < 1024);
	assert_non_null(strstr(data, "\"Attributes\":{}"));
}

static void test_concurrent_writers_never_tear(void **state)
{
	const char *root = *state;
	/* lines of 4 KiB, above PIPE_BUF, from 8 processes at once */
	char value[4000];
	memset(value, 'v', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	pid_t pids[8];
	for (int i = 0; i < 8; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			for (int k = 0; k < 50; k++)
				berth_event_emit(root, "container", "die", "c",
						 (const char *[]){"v", value, NULL});
			_exit(0);
		}
	}
	for (int i = 0; i < 8; i++) {
		int status;
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_int_equal(status, 0);
	}
	/* 1.6 MB: one rotation on the way, which loses no event */
	_cleanup_free_ char *data = read_log(root, BERTH_EVENTS_LOG, NULL);
	_cleanup_free_ char *old = read_log(root, BERTH_EVENTS_LOG_OLD, NULL);
	assert_non_null(old);
	assert_int_equal(count_events(data, "die") + count_events(old, "die"), 400);
}

static void test_rotation_bounds_the_log(void **state)
{
	const char *root = *state;
	char value[1000];
	memset(value, 'r', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	/* about 2.5 MiB of events: at least two rotations */
	for (int i = 0; i < 2500; i++)
		assert_int_equal(berth_event_emit(root, "image", "tag", "i",
						  (const char *[]){"name", value, NULL}),
				 0);
	size_t cur = 0, old = 0;
	_cleanup_free_ char *a = read_log(root, BERTH_EVENTS_LOG, &cur);
	_cleanup_free_ char *b = read_log(root, BERTH_EVENTS_LOG_OLD, &old);
	assert_non_null(a);
	assert_non_null(b);
	assert_true(cur <= BERTH_EVENTS_MAX_BYTES + 2048);
	assert_true(old > BERTH_EVENTS_MAX_BYTES);
	assert_true(old <= BERTH_EVENTS_MAX_BYTES + 2048);
	/* the newest events are kept whole */
	size_t n = count_events(a, "tag") + count_events(b, "tag");
	assert_true(n > 1000 && n < 2500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_emit_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emit_appends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emit_at_root_fd, setup, teardown),
		cmocka_unit_test(test_emit_no_store),
		cmocka_unit_test_setup_teardown(test_huge_attributes_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_writers_never_tear, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rotation_bounds_the_log, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
