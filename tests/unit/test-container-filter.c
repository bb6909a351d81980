/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker's container list filters (ps --filter, GET /containers/json):
 * which keys and values are refused, and how records match (alternatives
 * within a key but labels, all keys at once, labels with and without a
 * value, names and ids as regular expressions, ancestors, exit codes,
 * health, pods).
 */
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/container.h"
#include "core/json.h"

static json_t *parse(const char *s)
{
	json_t *j = NULL;
	assert_int_equal(berth_json_parse(s, strlen(s), "test", &j, NULL), 0);
	return j;
}

static void test_check(void **state)
{
	(void)state;
	struct berth_error *err = NULL;
	char *good[] = {"label=a",     "label=a=b",   "name=^w.b$", "status=exited", "exited=3",
			"health=none", "ancestor=bb", "pod=p",	    "id=abc",	     NULL};
	assert_int_equal(berth_container_filters_check(good, NULL), 0);
	assert_int_equal(berth_container_filters_check(NULL, NULL), 0);
	char *nokey[] = {"label", NULL};
	assert_int_equal(berth_container_filters_check(nokey, &err), -EINVAL);
	assert_string_equal(berth_error_msg(err),
			    "bad format of filter 'label' (expected name=value)");
	berth_error_free(&err);
	char *unknown[] = {"colour=red", NULL};
	assert_int_equal(berth_container_filters_check(unknown, &err), -EINVAL);
	assert_string_equal(berth_error_msg(err), "invalid filter 'colour=red'");
	berth_error_free(&err);
	char *status[] = {"status=sleeping", NULL}, *exited[] = {"exited=x", NULL},
	     *health[] = {"health=ok", NULL}, *re[] = {"name=(", NULL};
	assert_int_equal(berth_container_filters_check(status, NULL), -EINVAL);
	assert_int_equal(berth_container_filters_check(exited, NULL), -EINVAL);
	assert_int_equal(berth_container_filters_check(health, &err), -EINVAL);
	assert_string_equal(berth_error_msg(err), "Unrecognised filter value for health: ok");
	berth_error_free(&err);
	assert_int_equal(berth_container_filters_check(re, NULL), -EINVAL);
}

static void test_match(void **state)
{
	(void)state;
	json_t *c = parse("{\"Id\":\"abc123\",\"Name\":\"web\",\"ImageRef\":\"bb\","
			  "\"Image\":\"sha256:deadbeef00\",\"Pod\":\"p0d1\","
			  "\"State\":{\"Status\":\"exited\",\"ExitCode\":3,"
			  "\"Health\":{\"Status\":\"\"}},"
			  "\"Config\":{\"Labels\":{\"com.docker.compose.project\":\"apic\","
			  "\"empty\":\"\"}}}");
	json_t *pods = parse("[{\"Id\":\"p0d1\",\"Name\":\"mypod\"}]");
	struct {
		char *f[4];
		bool want;
	} cases[] = {
		{{NULL}, true},
		{{"label=com.docker.compose.project=apic", NULL}, true},
		{{"label=com.docker.compose.project=other", NULL}, false},
		{{"label=com.docker.compose.project", NULL}, true},
		{{"label=empty=", NULL}, true},
		{{"label=missing", NULL}, false},
		/* labels must all be there (compose's project and service) */
		{{"label=com.docker.compose.project=apic", "label=empty", NULL}, true},
		{{"label=com.docker.compose.project=apic", "label=missing", NULL}, false},
		/* one key's values are alternatives; every key must match */
		{{"name=nope", "name=^/web$", NULL}, true},
		{{"name=web", "status=running", NULL}, false},
		{{"name=web", "status=exited", "exited=3", NULL}, true},
		{{"exited=0", NULL}, false},
		{{"id=^abc", NULL}, true},
		{{"ancestor=bb", NULL}, true},
		{{"ancestor=bb:latest", NULL}, true},
		{{"ancestor=deadbeef", NULL}, true},
		{{"ancestor=other", NULL}, false},
		{{"health=none", NULL}, true},
		{{"pod=mypod", NULL}, true},
		{{"pod=p0d", NULL}, true},
		{{"pod=other", NULL}, false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		assert_int_equal(berth_container_filters_match(c, cases[i].f, pods), cases[i].want);
	assert_string_equal(berth_container_pod_name(pods, "p0d1"), "mypod");
	assert_string_equal(berth_container_pod_name(pods, "zz"), "");
	assert_string_equal(berth_container_pod_name(NULL, "p0d1"), "");
	json_decref(c);
	json_decref(pods);
}

static void expect_status(const char *state_json, time_t now, const char *want)
{
	json_t *st = parse(state_json);
	char *got = berth_container_status_text(st, now);
	assert_string_equal(got, want);
	free(got);
	json_decref(st);
}

/* The Status column of ps and GET /containers/json, at a fixed now. */
static void test_status_text(void **state)
{
	(void)state;
	const time_t t0 = 1767225600; /* 2026-01-01T00:00:00Z */
	const char *up = "{\"Status\":\"running\",\"Running\":true,"
			 "\"StartedAt\":\"2026-01-01T00:00:00.5Z\"";
	char buf[256];
	snprintf(buf, sizeof(buf), "%s}", up);
	expect_status(buf, t0 + 300, "Up 5 minutes");
	expect_status(buf, t0, "Up Less than a second");
	snprintf(buf, sizeof(buf), "%s,\"Paused\":true,\"Health\":{\"Status\":\"healthy\"}}", up);
	expect_status(buf, t0 + 7200, "Up 2 hours (Paused)");
	snprintf(buf, sizeof(buf), "%s,\"Health\":{\"Status\":\"healthy\"}}", up);
	expect_status(buf, t0 + 3, "Up 3 seconds (healthy)");
	snprintf(buf, sizeof(buf), "%s,\"Health\":{\"Status\":\"starting\"}}", up);
	expect_status(buf, t0 + 1, "Up 1 second (health: starting)");
	expect_status("{\"Status\":\"exited\",\"ExitCode\":137,"
		      "\"FinishedAt\":\"2026-01-01T00:00:00Z\","
		      "\"Health\":{\"Status\":\"unhealthy\"}}",
		      t0 + 2 * 3600, "Exited (137) 2 hours ago");
	expect_status("{\"Status\":\"exited\",\"ExitCode\":0,\"FinishedAt\":\"\"}", t0,
		      "Exited (0) Less than a second ago");
	expect_status("{\"Status\":\"created\",\"StartedAt\":\"0001-01-01T00:00:00Z\"}", t0,
		      "Created");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_status_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
