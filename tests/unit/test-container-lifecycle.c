/* SPDX-License-Identifier: Apache-2.0 */
/* run: names are unique; --rm leaves nothing. */
#include "container-fixture.h"

static void test_rm_and_names(void **state)
{
	if (!top[0])
		skip();
	struct berth_run_options o;
	struct berth_run_result res;
	struct berth_error *err = NULL;
	berth_run_options_init(&o);
	o.rm = true;
	assert_ok(run_cmd(&o, "exit 5", &res, &err), err);
	assert_int_equal(res.exit_code, 5);
	assert_int_equal(strlen(res.id), 64);
	assert_int_equal(count_containers(), 0);

	berth_run_options_init(&o);
	o.name = "web";
	assert_ok(run_cmd(&o, "true", &res, &err), err);
	assert_int_equal(count_containers(), 1);
	assert_int_equal(run_cmd(&o, "true", &res, &err), -EEXIST);
	assert_non_null(strstr(err->msg, "already in use"));
	berth_error_free(&err);
	o.name = "bad/name";
	assert_int_equal(run_cmd(&o, "true", &res, &err), -EINVAL);
	berth_error_free(&err);
	assert_int_equal(count_containers(), 1);
}

/* State.key of what's record, 0 when it has none or is not running. */
static pid_t record_int(const char *what, const char *key)
{
	json_t *st = NULL;
	if (berth_container_inspect(store, what, &st, NULL) < 0)
		return 0;
	json_t *s = json_object_get(st, "State");
	pid_t pid = json_is_true(json_object_get(s, "Running"))
			    ? (pid_t)json_integer_value(json_object_get(s, key))
			    : 0;
	json_decref(st);
	return pid;
}

/* The pid of what's process when it runs, else 0. */
static pid_t running_pid(const char *what)
{
	return record_int(what, "Pid");
}

/*
 * remove_many: without force a running container stays (its own EBUSY)
 * while the others go; with force all go, a second operand for the same
 * container and an unknown one fail on their own, and the result is the
 * first failure's.
 */
static void test_remove_many(void **state)
{
	if (!top[0])
		skip();
	struct berth_run_options o;
	struct berth_run_result r1, r2, made;
	struct berth_error *err = NULL;
	berth_run_options_init(&o);
	o.detach = true;
	o.name = "busy1";
	assert_ok(run_cmd(&o, "sleep 100", &r1, &err), err);
	o.name = "busy2";
	/* always: rm marks it stopped before the kill, so its monitor ends */
	o.restart = BERTH_RESTART_ALWAYS;
	assert_ok(run_cmd(&o, "sleep 100", &r2, &err), err);
	berth_run_options_init(&o);
	o.name = "idle";
	o.create_only = true;
	assert_ok(run_cmd(&o, "true", &made, &err), err);
	size_t before = count_containers();

	char *soft[] = {"busy1", "idle"};
	struct berth_error *errs[4] = {0};
	assert_int_equal(berth_container_remove_many(store, soft, 2, false, errs), -EBUSY);
	assert_non_null(strstr(berth_error_msg(errs[0]), "it is running"));
	assert_null(errs[1]);
	berth_error_free(&errs[0]);
	assert_int_equal(count_containers(), before - 1);
	pid_t pid1 = running_pid("busy1"), pid2 = running_pid("busy2");
	assert_true(pid1 > 0 && pid2 > 0);
	pid_t monitor2 = record_int("busy2", "MonitorPid");
	assert_true(monitor2 > 0);

	char *hard[] = {"busy1", r2.id, "/busy1", "nosuch"};
	assert_int_equal(berth_container_remove_many(store, hard, 4, true, errs), -ENOENT);
	assert_null(errs[0]);
	assert_null(errs[1]);
	assert_non_null(strstr(berth_error_msg(errs[2]), "no such container: '/busy1'"));
	assert_non_null(strstr(berth_error_msg(errs[3]), "no such container: 'nosuch'"));
	berth_error_free(&errs[2]);
	berth_error_free(&errs[3]);
	assert_int_equal(count_containers(), before - 3);
	assert_int_equal(running_pid(r1.id), 0);
	assert_int_equal(kill(pid1, 0), -1);
	assert_int_equal(kill(pid2, 0), -1);
	/* busy2's monitor is gone too (bounded wait: 10 s) */
	for (int i = 0; i < 1000 && kill(monitor2, 0) == 0; i++)
		usleep(10000);
	assert_int_equal(kill(monitor2, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rm_and_names),
		cmocka_unit_test(test_remove_many),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
