/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Health checks' pure parts: the config from Docker's JSON (an image's is
 * hostile), Docker's merge of run's flags over the image's HEALTHCHECK, when
 * a probe runs at all, and the state machine (starting -> healthy |
 * unhealthy, the start period, the failing streak, the last five results),
 * with the JSON round trip inspect shows.
 */
#include "unit.h"

#include <string.h>

#include "container/container.h"
#include "core/json.h"
#include "core/strv.h"

static json_t *parse(const char *s)
{
	json_t *j = NULL;
	assert_int_equal(berth_json_parse(s, strlen(s), "test", &j, NULL), 0);
	return j;
}

static void test_config_from_json(void **state)
{
	(void)state;
	struct berth_health_config h;
	json_t *j = parse("{\"Test\":[\"CMD-SHELL\",\"curl -f localhost\"],\"Interval\":"
			  "10000000000,\"Timeout\":3000000000,\"StartPeriod\":1,"
			  "\"StartInterval\":2,\"Retries\":4}");
	assert_int_equal(berth_health_config_from_json(j, &h, NULL), 0);
	assert_int_equal(berth_strv_len(h.test), 2);
	assert_string_equal(h.test[0], "CMD-SHELL");
	assert_string_equal(h.test[1], "curl -f localhost");
	assert_int_equal(h.interval, 10000000000LL);
	assert_int_equal(h.timeout, 3000000000LL);
	assert_int_equal(h.start_period, 1);
	assert_int_equal(h.start_interval, 2);
	assert_int_equal(h.retries, 4);
	/* and back, Docker's omitempty included */
	json_t *back = berth_health_config_to_json(&h);
	assert_true(json_equal(j, back));
	json_decref(back);
	json_decref(j);
	berth_health_config_release(&h);

	/* hostile: each refused with a message, nothing leaked */
	static const char *const bad[] = {
		"[]",
		"{\"Test\":\"CMD-SHELL true\"}",
		"{\"Test\":[\"CMD\",1]}",
		"{\"Interval\":-1}",
		"{\"Timeout\":\"30s\"}",
		"{\"Retries\":-2}",
		"{\"Retries\":99999999999}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct berth_error *e = NULL;
		j = parse(bad[i]);
		assert_int_equal(berth_health_config_from_json(j, &h, &e), -EINVAL);
		assert_non_null(strstr(berth_error_msg(e), "Healthcheck"));
		assert_null(h.test);
		berth_error_free(&e);
		json_decref(j);
	}
	/* absent: all unset */
	assert_int_equal(berth_health_config_from_json(NULL, &h, NULL), 0);
	assert_null(h.test);
	assert_int_equal(h.interval, 0);
}

static void test_config_merge(void **state)
{
	(void)state;
	char *img_test[] = {"CMD", "/bin/check", NULL};
	char *run_test[] = {"CMD-SHELL", "exit 1", NULL};
	struct berth_health_config image = {.test = img_test,
					    .interval = 10,
					    .timeout = 20,
					    .start_period = 30,
					    .start_interval = 40,
					    .retries = 5};
	struct berth_health_config run = {.interval = 1, .retries = 2};
	struct berth_health_config m;

	/* run's fields win, what it leaves unset comes from the image */
	berth_health_config_merge(&image, &run, &m);
	assert_string_equal(m.test[0], "CMD");
	assert_string_equal(m.test[1], "/bin/check");
	assert_int_equal(m.interval, 1);
	assert_int_equal(m.timeout, 20);
	assert_int_equal(m.start_period, 30);
	assert_int_equal(m.start_interval, 40);
	assert_int_equal(m.retries, 2);
	berth_health_config_release(&m);

	run.test = run_test;
	berth_health_config_merge(&image, &run, &m);
	assert_string_equal(m.test[1], "exit 1");
	berth_health_config_release(&m);

	/* no image check: run's alone; neither: nothing */
	berth_health_config_merge(NULL, &run, &m);
	assert_string_equal(m.test[0], "CMD-SHELL");
	assert_int_equal(m.timeout, 0);
	berth_health_config_release(&m);
	berth_health_config_merge(NULL, NULL, &m);
	assert_null(m.test);
	assert_int_equal(m.retries, 0);

	/* --no-healthcheck is Test ["NONE"]: it wins over the image's */
	char *none[] = {"NONE", NULL};
	struct berth_health_config off = {.test = none};
	berth_health_config_merge(&image, &off, &m);
	assert_false(berth_health_config_is_enabled(&m));
	assert_int_equal(m.interval, 10);
	berth_health_config_release(&m);
}

static void test_config_is_enabled(void **state)
{
	(void)state;
	char *cmd[] = {"CMD", "true", NULL}, *shell[] = {"CMD-SHELL", "true", NULL};
	char *none[] = {"NONE", NULL}, *bare[] = {"CMD", NULL}, *other[] = {"FOO", "x", NULL};
	struct berth_health_config h = {0};
	assert_false(berth_health_config_is_enabled(NULL));
	assert_false(berth_health_config_is_enabled(&h));
	h.test = cmd;
	assert_true(berth_health_config_is_enabled(&h));
	h.test = shell;
	assert_true(berth_health_config_is_enabled(&h));
	h.test = none;
	assert_false(berth_health_config_is_enabled(&h));
	h.test = bare;
	assert_false(berth_health_config_is_enabled(&h));
	/* Docker: an unknown type is warned about and not run */
	h.test = other;
	assert_false(berth_health_config_is_enabled(&h));
}

static void record(struct berth_health_state *s, int code, bool in_start_period, int retries)
{
	char out[32];
	snprintf(out, sizeof(out), "exit %d", code);
	struct berth_health_result r = {
		.start = strdup("s"), .end = strdup("e"), .exit_code = code, .output = strdup(out)};
	berth_health_state_record(s, &r, in_start_period, retries);
	assert_null(r.output); /* taken */
}

static void test_state_machine(void **state)
{
	(void)state;
	struct berth_health_state s = {0};
	assert_int_equal(s.status, BERTH_HEALTH_STARTING);

	/* failures within the start period do not count while starting */
	record(&s, 1, true, 2);
	record(&s, 1, true, 2);
	assert_int_equal(s.status, BERTH_HEALTH_STARTING);
	assert_int_equal(s.failing_streak, 0);
	/* after it, they do: retries of them in a row make it unhealthy */
	record(&s, 1, false, 2);
	assert_int_equal(s.status, BERTH_HEALTH_STARTING);
	assert_int_equal(s.failing_streak, 1);
	/* a reserved exit code (not 0, not 1) and a timeout (-1) are failures */
	record(&s, 2, false, 2);
	assert_int_equal(s.status, BERTH_HEALTH_UNHEALTHY);
	assert_int_equal(s.failing_streak, 2);
	record(&s, -1, false, 2);
	assert_int_equal(s.failing_streak, 3);
	/* one success: healthy, streak reset */
	record(&s, 0, false, 2);
	assert_int_equal(s.status, BERTH_HEALTH_HEALTHY);
	assert_int_equal(s.failing_streak, 0);
	/* healthy: a failure within the start period counts (no longer starting) */
	record(&s, 1, true, 2);
	assert_int_equal(s.failing_streak, 1);
	assert_int_equal(s.status, BERTH_HEALTH_HEALTHY);

	/* seven results recorded, the last five kept, oldest first */
	assert_int_equal(s.n_log, BERTH_HEALTH_LOG_MAX);
	assert_string_equal(s.log[0].output, "exit 1");
	assert_int_equal(s.log[1].exit_code, 2);
	assert_int_equal(s.log[2].exit_code, -1);
	assert_int_equal(s.log[3].exit_code, 0);
	assert_int_equal(s.log[4].exit_code, 1);

	/* the JSON inspect shows, and back */
	json_t *j = berth_health_state_to_json(&s);
	assert_string_equal(json_string_value(json_object_get(j, "Status")), "healthy");
	assert_int_equal(json_integer_value(json_object_get(j, "FailingStreak")), 1);
	json_t *log = json_object_get(j, "Log");
	assert_int_equal(json_array_size(log), 5);
	json_t *e = json_array_get(log, 2);
	assert_int_equal(json_integer_value(json_object_get(e, "ExitCode")), -1);
	assert_string_equal(json_string_value(json_object_get(e, "Output")), "exit -1");
	assert_string_equal(json_string_value(json_object_get(e, "Start")), "s");
	assert_string_equal(json_string_value(json_object_get(e, "End")), "e");
	struct berth_health_state back;
	assert_int_equal(berth_health_state_from_json(j, &back, NULL), 0);
	json_t *j2 = berth_health_state_to_json(&back);
	assert_true(json_equal(j, j2));
	json_decref(j2);
	json_decref(j);
	berth_health_state_release(&back);
	berth_health_state_release(&s);

	/* retries 1: the first counted failure is enough */
	record(&s, 1, false, 1);
	assert_int_equal(s.status, BERTH_HEALTH_UNHEALTHY);
	berth_health_state_release(&s);
}

static void test_state_from_json_hostile(void **state)
{
	(void)state;
	struct berth_health_state s;
	struct berth_error *e = NULL;
	json_t *j = parse("{\"Status\":\"sick\",\"FailingStreak\":1,\"Log\":[]}");
	assert_int_equal(berth_health_state_from_json(j, &s, &e), -EBADMSG);
	berth_error_free(&e);
	json_decref(j);
	/* a longer log than Docker keeps: the newest five */
	j = parse("{\"Status\":\"starting\",\"Log\":[{\"ExitCode\":1},{\"ExitCode\":2},"
		  "{\"ExitCode\":3},{\"ExitCode\":4},{\"ExitCode\":5},{\"ExitCode\":6},"
		  "{\"ExitCode\":7,\"Output\":7}]}");
	assert_int_equal(berth_health_state_from_json(j, &s, NULL), 0);
	assert_int_equal(s.n_log, 5);
	assert_int_equal(s.log[0].exit_code, 3);
	assert_int_equal(s.log[4].exit_code, 7);
	assert_string_equal(s.log[4].output, "");
	berth_health_state_release(&s);
	json_decref(j);
}

/* --health-on-failure's words both ways; anything else is refused with the choices. */
static void test_on_failure_strings(void **state)
{
	(void)state;
	static const char *const words[] = {"none", "kill", "restart", "stop"};
	static const enum berth_health_on_failure want[] = {
		BERTH_HEALTH_ON_FAILURE_NONE, BERTH_HEALTH_ON_FAILURE_KILL,
		BERTH_HEALTH_ON_FAILURE_RESTART, BERTH_HEALTH_ON_FAILURE_STOP};
	for (size_t i = 0; i < 4; i++) {
		enum berth_health_on_failure a = BERTH_HEALTH_ON_FAILURE_NONE;
		assert_int_equal(berth_health_on_failure_from_string(words[i], &a, NULL), 0);
		assert_int_equal(a, want[i]);
		assert_string_equal(berth_health_on_failure_to_string(a), words[i]);
	}
	struct berth_error *err = NULL;
	enum berth_health_on_failure a = BERTH_HEALTH_ON_FAILURE_STOP;
	assert_int_equal(berth_health_on_failure_from_string("Restart", &a, &err), -EINVAL);
	assert_string_equal(berth_error_msg(err), "invalid health on-failure action 'Restart': "
						  "none, kill, restart or stop");
	assert_int_equal(a, BERTH_HEALTH_ON_FAILURE_STOP);
	berth_error_free(&err);
	assert_int_equal(berth_health_on_failure_from_string("", &a, NULL), -EINVAL);
	assert_int_equal(berth_health_on_failure_from_string(NULL, &a, NULL), -EINVAL);
	assert_string_equal(berth_health_on_failure_to_string((enum berth_health_on_failure)9),
			    "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_from_json),
		cmocka_unit_test(test_config_merge),
		cmocka_unit_test(test_config_is_enabled),
		cmocka_unit_test(test_state_machine),
		cmocka_unit_test(test_state_from_json_hostile),
		cmocka_unit_test(test_on_failure_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
