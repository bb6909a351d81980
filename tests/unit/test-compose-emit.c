/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "compose-fixture.h"
#include "compose/compose-internal.h"
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
				"        - CMD\n"
				"        - x\n"
				"      interval: 1m30s\n"
				"    image: nginx\n"
				"    networks:\n"
				"      default: null\n"
				"    ports:\n"
				"      - mode: ingress\n"
				"        host_ip: 127.0.0.1\n"
				"        target: 80\n"
				"        published: \"8080\"\n"
				"        protocol: tcp\n"
				"    volumes:\n"
				"      - type: volume\n"
				"        source: data\n"
				"        target: /d\n"
				"        volume: {}\n"
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

/*
 * Sequences nested in sequence items are indented as Go's yaml indents
 * them (docker compose's config), and a string with a line break stays on
 * one line, double-quoted.
 */
static void test_yaml_nested_sequences(void **state)
{
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	_cleanup_free_ char *msg = NULL, *out = NULL;
	assert_int_equal(fixture_load("services:\n"
				      "  a:\n"
				      "    image: x\n"
				      "    command: [\"a\\nb\", c]\n"
				      "    networks: {net: {aliases: [p, q]}}\n"
				      "networks: {net: {}}\n",
				      &p, NULL, &msg),
			 0);
	assert_int_equal(berth_compose_emit(p, BERTH_COMPOSE_FORMAT_YAML, &out, NULL), 0);
	assert_non_null(strstr(out, "    command:\n"
				    "      - \"a\\nb\"\n"
				    "      - c\n"
				    "    image: x\n"
				    "    networks:\n"
				    "      net:\n"
				    "        aliases:\n"
				    "          - p\n"
				    "          - q\n"
				    "networks:\n"));
}

/*
 * The hash is docker compose's ServiceHash. The expected values were made
 * by hand from compose-go's types (types/types.go, healthcheck.go,
 * bytes.go, cpus.go, duration.go) and docker compose's pkg/compose/hash.go:
 * write the ServiceConfig JSON as Go's json.Marshal would (struct fields in
 * declaration order, omitempty fields left out when empty, command and
 * entrypoint null when unset, maps sorted by key, <>& escaped as \u003c
 * \u003e \u0026, UnitBytes as a quoted decimal, NanoCPUs a float32, Duration
 * its String(), Deploy.Placement always present, an OptOut
 * create_host_path left out when true), with build, pull_policy, scale,
 * deploy.replicas, depends_on and profiles cleared (the profiles of a
 * service are left out too: `full` is the same with profiles: [p]), and take
 * `printf %s "$json" | sha256sum`.
 */
static void test_config_hash_is_compose_go(void **state)
{
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	_cleanup_free_ char *msg = NULL, *in1 = NULL, *in2 = NULL;
	assert_int_equal(
		fixture_load("services:\n"
			     "  simple:\n"
			     "    image: nginx\n"
			     "    environment: {A: '1'}\n"
			     "    ports: ['8080:80']\n"
			     "  full:\n"
			     "    image: nginx\n"
			     "    build: .\n"
			     "    depends_on: [simple]\n"
			     "    command: [sh, -c, x]\n"
			     "    environment: {E: 'x<y&z'}\n"
			     "    healthcheck: {test: 'true', interval: 10s}\n"
			     "    deploy: {resources: {limits: {cpus: '0.1', memory: 64M}}}\n"
			     "    volumes: ['./d:/d', 'v:/v']\n"
			     "volumes: {v: {}}\n",
			     &p, NULL, &msg),
		0);
	const struct berth_compose_service *simple = berth_compose_find_service(p, "simple");
	const struct berth_compose_service *full = berth_compose_find_service(p, "full");
	in1 = berth_compose_service_hash_input(simple);
	assert_string_equal(in1, "{\"command\":null,\"entrypoint\":null,\"environment\":{\"A\":"
				 "\"1\"},\"image\":\"nginx\",\"networks\":{\"default\":null},"
				 "\"ports\":[{\"mode\":\"ingress\",\"target\":80,\"published\":"
				 "\"8080\",\"protocol\":\"tcp\"}]}");
	in2 = berth_compose_service_hash_input(full);
	assert_string_equal(
		in2, "{\"command\":[\"sh\",\"-c\",\"x\"],\"deploy\":{\"resources\":{\"limits\":{"
		     "\"cpus\":0.1,\"memory\":\"67108864\"}},\"placement\":{}},\"entrypoint\":"
		     "null,\"environment\":{\"E\":\"x\\u003cy\\u0026z\"},\"healthcheck\":{"
		     "\"test\":[\"CMD-SHELL\",\"true\"],\"interval\":\"10s\"},\"image\":"
		     "\"nginx\",\"networks\":{\"default\":null},\"volumes\":[{\"type\":"
		     "\"bind\",\"source\":\"/proj/d\",\"target\":\"/d\",\"bind\":{}},{"
		     "\"type\":\"volume\",\"source\":\"v\",\"target\":\"/v\",\"volume\":{}}]}");
	char h[65];
	berth_compose_service_hash(simple, h);
	assert_string_equal(h, "6209996f3adaf9c2e2dbb3d34a958b4013256d95617451939cbb729d51c4504f");
	berth_compose_service_hash(full, h);
	assert_string_equal(h, "44c5d8bb1ea561ddd230208ccc2aec4d1f083d13b70dc69af02d56899467742c");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yaml),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_config_hash),
		cmocka_unit_test(test_yaml_nested_sequences),
		cmocka_unit_test(test_config_hash_is_compose_go),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
