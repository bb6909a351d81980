/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "compose-fixture.h"
#include "core/cleanup.h"

static const char text[] = "services:\n"
			   "  web:\n"
			   "    image: nginx\n"
			   "    environment: {B: '2', A: 'yes', C: null}\n"
			   "    ports: ['127.0.0.1:8080:80']\n"
			   "    healthcheck: {test: [CMD, x], interval: 90s}\n"
			   "    volumes: [data:/d]\n"
			   "volumes:\n  data:\n";

static const char want_yaml[] = "name: demo\n"
				"services:\n"
				"  web:\n"
				"    environment:\n"
				"      A: \"yes\"\n"
				"      B: \"2\"\n"
				"      C: null\n"
				"    healthcheck:\n"
				"      test:\n"
				"      - CMD\n"
				"      - x\n"
				"      interval: 1m30s\n"
				"    image: nginx\n"
				"    networks:\n"
				"      default: null\n"
				"    ports:\n"
				"    - mode: ingress\n"
				"      host_ip: 127.0.0.1\n"
				"      target: 80\n"
				"      published: \"8080\"\n"
				"      protocol: tcp\n"
				"    volumes:\n"
				"    - type: volume\n"
				"      source: data\n"
				"      target: /d\n"
				"      volume: {}\n"
				"networks:\n"
				"  default:\n"
				"    name: demo_default\n"
				"volumes:\n"
				"  data:\n"
				"    name: demo_data\n";

static void test_yaml(void **state)
{
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	_cleanup_free_ char *msg = NULL, *out = NULL;
	assert_int_equal(fixture_load(text, &p, NULL, &msg), 0);
	assert_int_equal(berth_compose_emit(p, BERTH_COMPOSE_FORMAT_YAML, &out, NULL), 0);
	assert_string_equal(out, want_yaml);
}

/* The output reads back as the same project: emit is a fixed point. */
static void test_round_trip(void **state)
{
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *q = NULL;
	_cleanup_free_ char *msg = NULL, *msg2 = NULL, *out = NULL, *out2 = NULL;
	assert_int_equal(fixture_load(want_yaml, &p, NULL, &msg), 0);
	assert_int_equal(berth_compose_emit(p, BERTH_COMPOSE_FORMAT_YAML, &out, NULL), 0);
	assert_string_equal(out, want_yaml);
	assert_int_equal(fixture_load(text, &q, NULL, &msg2), 0);
	assert_int_equal(berth_compose_emit(q, BERTH_COMPOSE_FORMAT_JSON, &out2, NULL), 0);
	assert_non_null(strstr(out2, "\"published\": \"8080\""));
}

static void test_config_hash(void **state)
{
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *q = NULL;
	_cleanup_free_ char *m1 = NULL, *m2 = NULL;
	assert_int_equal(
		fixture_load("services:\n  a: {image: x, environment: [A=1]}\n  b: {image: "
			     "x, build: .}\n",
			     &p, NULL, &m1),
		0);
	assert_int_equal(
		fixture_load("services:\n  a: {image: x, environment: [A=2]}\n  b: {image: "
			     "x, build: ./other}\n",
			     &q, NULL, &m2),
		0);
	char h1[65], h2[65], h3[65], h4[65];
	berth_compose_service_hash(&p->services[0], h1);
	berth_compose_service_hash(&q->services[0], h2);
	berth_compose_service_hash(&p->services[1], h3);
	berth_compose_service_hash(&q->services[1], h4);
	assert_int_equal(strlen(h1), 64);
	assert_string_not_equal(h1, h2); /* the environment is part of it */
	assert_string_equal(h3, h4);	 /* the build section is not, as in docker compose */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yaml),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_config_hash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
