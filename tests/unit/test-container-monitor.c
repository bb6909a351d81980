/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor: a detached container with --restart on-failure:2 runs three
 * times, and its json-file log has each run's stdout and stderr lines. In
 * the foreground the caller's process is the monitor: it returns the first
 * run's code, and a policy with runs to come goes on in a process of its own.
 */
#include "container-fixture.h"

#include <jansson.h>
#include <errno.h>
#include <sys/wait.h>
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

/* Lines of the json-file log of id, each with its time: all (stream NULL), or stream's log. */
static int log_lines(const char *id, const char *stream, const char *log)
{
	_cleanup_free_ char *path = berth_container_log_path(store, id);
	_cleanup_fclose_ FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[4096];
	int n = 0;
	while (fgets(line, sizeof(line), f)) {
		json_t *j = json_loads(line, 0, NULL);
		assert_non_null(j);
		assert_non_null(json_object_get(j, "time"));
		n += !stream ||
		     (strcmp(json_string_value(json_object_get(j, "stream")), stream) == 0 &&
		      strcmp(json_string_value(json_object_get(j, "log")), log) == 0);
		json_decref(j);
	}
	return n;
}

/* Runs script as container name with --restart on-failure:max, detached or not. */
static void run_restarting(const char *name, bool detach, int max, const char *script,
			   struct berth_run_result *res)
{
	struct berth_run_options o;
	struct berth_error *err = NULL;
	berth_run_options_init(&o);
	o.name = name;
	o.detach = detach;
	o.restart = BERTH_RESTART_ON_FAILURE;
	o.restart_max = max;
	assert_ok(run_cmd(&o, script, res, &err), err);
}

static void test_restart_and_log(void **state)
{
	if (!top[0])
		skip();
	struct berth_run_result res;
	run_restarting("flaky", true, 2, "echo out; echo err >&2; exit 3", &res);
	json_t *st = wait_for_restarts(res.id, 2);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(st, "State"), "ExitCode")), 3);
	json_decref(st);
	assert_int_equal(log_lines(res.id, "stdout", "out\n"), 3);
	assert_int_equal(log_lines(res.id, "stderr", "err\n"), 3);
	assert_int_equal(log_lines(res.id, NULL, NULL), 6);
}

static void test_foreground_hosted(void **state)
{
	if (!top[0])
		skip();
	struct berth_run_options o;
	struct berth_run_result res;
	struct berth_error *err = NULL;
	berth_run_options_init(&o);
	o.name = "fg";
	assert_ok(run_cmd(&o, "echo out; exit 4", &res, &err), err);
	assert_int_equal(res.exit_code, 4);
	/* ended: the record says so, and this process is not left with a child */
	json_t *st = NULL;
	assert_ok(berth_container_inspect(store, res.id, &st, &err), err);
	json_t *s = json_object_get(st, "State");
	assert_int_equal(json_integer_value(json_object_get(s, "ExitCode")), 4);
	assert_false(json_is_true(json_object_get(s, "Running")));
	json_decref(st);
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	assert_int_equal(log_lines(res.id, "stdout", "out\n"), 1);

	/* a policy with a run to come: berth has the first code, the rest goes on */
	run_restarting("fgp", false, 1, "echo again >&2; exit 3", &res);
	assert_int_equal(res.exit_code, 3);
	st = wait_for_restarts(res.id, 1);
	json_decref(st);
	assert_int_equal(log_lines(res.id, "stderr", "again\n"), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restart_and_log),
		cmocka_unit_test(test_foreground_hosted),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
