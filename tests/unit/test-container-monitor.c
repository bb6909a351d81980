/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor: a detached container with --restart on-failure:2 runs three
 * times, and its json-file log has each run's stdout and stderr lines.
 */
#include "container-fixture.h"

#include <jansson.h>
#include <time.h>

#include "core/alloc.h"
#include "core/cleanup.h"

/* The record once its monitor has ended (no longer running, restarts done). */
static json_t *wait_for_restarts(const char *id, json_int_t restarts)
{
	for (int i = 0; i < 600; i++) {
		json_t *st = NULL;
		struct berth_error *err = NULL;
		assert_ok(berth_container_inspect(store, id, &st, &err), err);
		json_t *s = json_object_get(st, "State");
		if (json_integer_value(json_object_get(st, "RestartCount")) == restarts &&
		    !json_is_true(json_object_get(s, "Running")) &&
		    json_integer_value(json_object_get(s, "MonitorPid")) == 0)
			return st;
		json_decref(st);
		nanosleep(&(struct timespec){.tv_nsec = 50000000}, NULL);
	}
	fail_msg("container %s did not end its restarts", id);
	return NULL;
}

static void test_restart_and_log(void **state)
{
	if (!top[0])
		skip();
	struct berth_run_options o;
	struct berth_run_result res;
	struct berth_error *err = NULL;
	berth_run_options_init(&o);
	o.name = "flaky";
	o.detach = true;
	o.restart = BERTH_RESTART_ON_FAILURE;
	o.restart_max = 2;
	assert_ok(run_cmd(&o, "echo out; echo err >&2; exit 3", &res, &err), err);
	json_t *st = wait_for_restarts(res.id, 2);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(st, "State"), "ExitCode")), 3);
	json_decref(st);

	_cleanup_free_ char *path = berth_container_log_path(store, res.id);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[4096];
	int out = 0, errs = 0;
	while (fgets(line, sizeof(line), f)) {
		json_t *j = json_loads(line, 0, NULL);
		assert_non_null(j);
		const char *log = json_string_value(json_object_get(j, "log"));
		const char *stream = json_string_value(json_object_get(j, "stream"));
		assert_non_null(json_object_get(j, "time"));
		if (strcmp(stream, "stdout") == 0 && strcmp(log, "out\n") == 0)
			out++;
		else if (strcmp(stream, "stderr") == 0 && strcmp(log, "err\n") == 0)
			errs++;
		else
			fail_msg("unexpected log line %s", line);
		json_decref(j);
	}
	fclose(f);
	assert_int_equal(out, 3);
	assert_int_equal(errs, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restart_and_log),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
