/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "compose-fixture.h"
#include "core/cleanup.h"

static void test_service_values(void **state)
{
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	_cleanup_strv_free_ char **warnings = NULL;
	_cleanup_free_ char *msg = NULL;
	const char *text = "services:\n"
			   "  web:\n"
			   "    image: nginx:${TAG}\n"
			   "    command: sh -c 'echo hi'\n"
			   "    environment: [B=2, A=1, HOME]\n"
			   "    restart: on-failure:3\n"
			   "    init: true\n"
			   "    read_only: \"true\"\n"
			   "    stop_grace_period: 1m\n"
			   "    depends_on:\n"
			   "      db: {condition: service_healthy, restart: true}\n"
			   "    healthcheck: {test: curl -f x, interval: 10s, retries: 3}\n"
			   "    ulimits: {nofile: {soft: 10, hard: 20}, nproc: 5}\n"
			   "    deploy: {resources: {limits: {cpus: '0.5', memory: 1g, pids: 7}}, "
			   "replicas: 2}\n"
			   "    tty: true\n"
			   "    frobnicate: 1\n"
			   "    x-mine: ok\n"
			   "  db: {image: postgres}\n";
	assert_int_equal(fixture_load(text, &p, &warnings, &msg), 0);
	struct berth_compose_service *s = berth_compose_find_service(p, "web");
	assert_string_equal(s->image, "nginx:1.25");
	assert_string_equal(s->command[2], "echo hi");
	assert_string_equal(s->environment[0], "A=1");
	assert_string_equal(s->environment[1], "B=2");
	assert_string_equal(s->environment[2], "HOME=/home/u");
	assert_int_equal(s->init, 1);
	assert_true(s->read_only);
	assert_int_equal(s->stop_grace_period, 60000000000LL);
	assert_int_equal(s->depends_on[0].condition, BERTH_COMPOSE_SERVICE_HEALTHY);
	assert_true(s->depends_on[0].restart && s->depends_on[0].required);
	assert_string_equal(s->healthcheck->test[0], "CMD-SHELL");
	assert_int_equal(s->healthcheck->retries, 3);
	assert_int_equal(s->healthcheck->timeout, -1);
	assert_int_equal(s->n_ulimits, 2);
	assert_true(s->ulimits[1].single);
	assert_string_equal(s->cpus, "0.5");
	assert_int_equal(s->memory_limit, 1 << 30);
	assert_int_equal(s->pids_limit, 7);
	/* warnings name file:line and the key; x- keys are silent */
	assert_int_equal(berth_strv_len(warnings), 3);
	assert_string_equal(warnings[0], "compose.yaml:14: services.web.deploy.replicas is not "
					 "supported, ignored");
	assert_string_equal(warnings[1], "compose.yaml:15: services.web.tty is not supported by "
					 "berth, ignored");
	assert_string_equal(warnings[2], "compose.yaml:16: unknown key services.web.frobnicate, "
					 "ignored");
}

static void expect_error(const char *text, const char *want)
{
	struct berth_compose_project *p = NULL;
	_cleanup_free_ char *msg = NULL;
	assert_int_equal(fixture_load(text, &p, NULL, &msg), -EINVAL);
	assert_null(p);
	assert_string_equal(msg, want);
}

static void test_invalid_values(void **state)
{
	expect_error("services:\n  a:\n    image: x\n    restart: sometimes\n",
		     "compose.yaml:4: services.a.restart: invalid restart policy 'sometimes' (no, "
		     "always, on-failure[:N] or unless-stopped)");
	expect_error("services:\n  a:\n    image: x\n    init: maybe\n",
		     "compose.yaml:4: services.a.init: must be a boolean");
	expect_error("services:\n  a:\n    image: [x]\n",
		     "compose.yaml:3: services.a.image: must be a string");
	expect_error("services:\n  a:\n    image: x\n    healthcheck: {interval: soon}\n",
		     "compose.yaml:4: services.a.healthcheck.interval: invalid duration 'soon' "
		     "(e.g. 30s, 1m30s)");
	expect_error("services:\n  a:\n    image: x\n    depends_on: {b: {condition: up}}\n  b: "
		     "{image: y}\n",
		     "compose.yaml:4: services.a.depends_on.b.condition: invalid condition 'up' "
		     "(service_started, service_healthy or service_completed_successfully)");
	expect_error("services:\n  a:\n    image: x\n    privileged: true\n",
		     "compose.yaml:4: services.a.privileged: not supported by berth (refused: "
		     "running without it would change the service)");
	expect_error("services:\n  a:\n    user: x\n",
		     "compose.yaml:2: services.a: neither an image nor a build context");
	expect_error("services:\n  a:\n    image: x\n    ulimits: {nofile: {soft: 9, hard: 2}}\n",
		     "compose.yaml:4: services.a.ulimits.nofile: soft limit 9 is above the hard "
		     "limit 2");
	expect_error(
		"services:\n  a:\n    image: x\n    environment: ['=x']\n",
		"compose.yaml:4: services.a.environment: entries must be 'KEY=VALUE' or 'KEY'");
	expect_error(
		"services:\n  'a b': {image: x}\n",
		"compose.yaml:2: services.a b: invalid service name (letters, digits, '.', '_', "
		"'-')");
	expect_error("services:\n  a: [x]\n", "compose.yaml:2: services.a: must be a mapping");
	expect_error("version: '3'\n", "compose.yaml: no service defined (a 'services' key is "
				       "needed)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_service_values),
		cmocka_unit_test(test_invalid_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
